/**
 * @mnist/infer-web/webgpu: the API of @mnist/infer-web on onnxruntime-web's WebGPU build, for pages
 * that want WebGPU (with wasm where the browser has none). Only this entry pulls in that build and its
 * 27 MB wasm file; `@mnist/infer-web` ships the 14 MB wasm-only one.
 * @example
 * import { MnistClassifier } from '@mnist/infer-web/webgpu';
 * const classifier = await MnistClassifier.load('/model.onnx'); // ['webgpu', 'wasm'] where navigator.gpu exists
 */
import '#webgpu-build';

export * from './public-api.js';
