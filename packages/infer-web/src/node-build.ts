// Selects onnxruntime-web's Node build, for both entries under the "node" condition ("#wasm-build" and
// "#webgpu-build" in package.json): wasm only, and unlike the browser builds it runs wasm threads as
// worker threads. onnxruntime-node, not this, runs WebGPU in Node.
import * as ort from 'onnxruntime-web';
import { selectOrtBuild } from './ort-build.js';

selectOrtBuild('node', ort);
