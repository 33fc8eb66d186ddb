/**
 * @mnist/infer-node: MnistClassifier on onnxruntime-node, for servers. The API is @mnist/core's
 * shared facade (the same as @mnist/infer-web's); this package adds loading from files and the
 * onnxruntime-node session options, and PNG/JPEG decoding for servers and the CLI.
 */
export * from './mnist-classifier.js';
export * from './node-runtime.js';
export { readModelFile, type ReadModelFileOptions } from './model-file.js';
export * from './decode-image.js';
export {
  IMAGE_PIXELS,
  MAX_MODEL_BYTES,
  ModelLoadError,
  OnnxFormatError,
  type Evaluation,
  type ImageBatch,
  type LabelBatch,
  type ModelMetadata,
  type PredictOptions,
  type Prediction,
} from '@mnist/core';
