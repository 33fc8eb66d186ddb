/**
 * @mnist/core: the isomorphic contracts of the SDK (no Node built-ins): model spec, checkpoint
 * format, ONNX names, IDX decoding, preprocessing, metrics, the shared classifier facade.
 */
export * from './sourced-error.js';
export * from './one-line.js';
export * from './model-spec.js';
export * from './network-layers.js';
export * from './frozen-layers.js';
export * from './checkpoint-format.js';
export * from './checkpoint-archive.js';
export * from './onnx-contract.js';
export * from './idx.js';
export * from './rng.js';
export * from './shuffle-batch.js';
export { augmentImages, augmentOptionsProblem, DEFAULT_AUGMENT, SIMARD_AUGMENT, type AugmentOptions } from './augment.js';
export * from './batch.js';
export * from './metrics.js';
export * from './dataset.js';
export * from './onnx-model-info.js';
export * from './onnx-external-data.js';
export * from './model-size-limit.js';
export * from './model-signature.js';
export * from './model-metadata.js';
export * from './inference-runtime.js';
// For runtime authors (and the tests): the input sum a runtime's session computes to check its input.
export { INPUT_SUM_OUTPUT, withInputSum } from './input-sum.js';
export { IMAGE_PIXELS, type ImageBatch } from './model-input.js';
export * from './classifier.js';
export * from './ort-session.js';
export * from './model-file-error.js';
export * from './drawing.js';
