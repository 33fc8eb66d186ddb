/**
 * @mnist/infer-web: MnistClassifier on onnxruntime-web (WebAssembly) for browsers; also runs in Node.
 * The API is @mnist/core's shared facade (the same as @mnist/infer-node's); this package adds loading
 * from URLs, the wasm settings and `predictImage` for canvases. This entry runs onnxruntime-web's
 * WebAssembly-only build; `@mnist/infer-web/webgpu` is the same API on its WebGPU build.
 */
import '#wasm-build';

export * from './public-api.js';
