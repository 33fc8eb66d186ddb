// Selects onnxruntime-web's WebAssembly-only build, the default of @mnist/infer-web in browsers: its
// wasm file is 14 MB where the package's default build (with WebGPU and WebNN) ships 28 MB. Node loads
// node-build.ts instead ("#wasm-build" in package.json).
import * as ort from 'onnxruntime-web/wasm';
import { selectOrtBuild } from './ort-build.js';

selectOrtBuild('wasm', ort);
