/**
 * @mnist/infer-web: MnistClassifier on onnxruntime-web (WebAssembly) for browsers; also runs in Node.
 * The API is @mnist/core's shared facade (the same as @mnist/infer-node's); this package adds loading
 * from URLs, the wasm settings and `predictImage` for canvases.
 */
export * from './mnist-classifier.js';
export * from './model-source.js';
export { configureWasm, wasmThreads, webRuntime, type WebClassifierOptions } from './web-runtime.js';
export {
  IMAGE_PIXELS,
  MAX_MODEL_BYTES,
  ModelLoadError,
  OnnxFormatError,
  preprocessDigitImage,
  type DigitImageOptions,
  type Evaluation,
  type ImageBatch,
  type ImageDataLike,
  type LabelBatch,
  type ModelMetadata,
  type PredictOptions,
  type Prediction,
} from '@mnist/core';
