// Selects onnxruntime-web's WebGPU build (WebGPU, and wasm where the browser has no WebGPU), for
// @mnist/infer-web/webgpu in browsers. Node loads node-build.ts instead ("#webgpu-build" in package.json).
import * as ort from 'onnxruntime-web/webgpu';
import { selectOrtBuild } from './ort-build.js';

selectOrtBuild('webgpu', ort);
