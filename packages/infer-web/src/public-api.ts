// What @mnist/infer-web and @mnist/infer-web/webgpu both export; the two entries differ only in the
// onnxruntime-web build they select (wasm-build.ts, webgpu-build.ts).
export * from './mnist-classifier.js';
export * from './model-source.js';
export { configureWasm, wasmThreads, webRuntime, type WebClassifierOptions } from './web-runtime.js';
export type { WebExecutionProvider } from './ort-build.js';
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
