/**
 * @mnist/export/testing: test support shipped with the package (like tfjs's test_util): seeded random
 * checkpoints and their ONNX exports, the float64 reference of the network (forward pass, gradients and
 * one TF1 optimizer step) with the largest-difference measure parity tests bound, digit-like images,
 * real PyTorch exports with PyTorch's own test-set predictions, and the error a promise rejects with.
 */
export * from './random-model.js';
export * from './reference-mlp.js';
export * from './reference-update.js';
export * from './reference-convnet.js';
export * from './tiny-convnet.js';
export * from './reference-logits.js';
export * from './max-abs-difference.js';
export * from './random-images.js';
export * from './rejection.js';
export * from './onnx-checker.js';
export * from './pytorch-models.js';
export * from './external-data-model.js';
export * from './foreign-model.js';
