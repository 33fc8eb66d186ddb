/**
 * @mnist/export/testing: test support shipped with the package (like tfjs's test_util): seeded random
 * checkpoints and their ONNX exports, a float64 reference forward pass, digit-like images, and the
 * error a promise rejects with.
 */
export * from './random-model.js';
export * from './reference-logits.js';
export * from './random-images.js';
export * from './rejection.js';
export * from './onnx-checker.js';
export * from './external-data-model.js';
