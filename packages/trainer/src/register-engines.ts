// The engines this package ships, registered into the engine registry when the package's entry is
// imported, as onnxruntime-node registers its backend into onnxruntime-common: the contract
// (engine.ts) knows none of its implementations, and another engine registers the same way.
import { registerEngine } from './engine.js';

// By speed: `auto` tries the fastest first. Each module is imported on first use only, so importing
// the package loads neither runtime and a machine without onnxruntime still trains with tfjs.
registerEngine('onnx', 20, async (options) => (await import('./onnx/onnx-engine.js')).createOnnxEngine(options));
registerEngine('tfjs', 10, async (options) => (await import('./tfjs/tfjs-engine.js')).createTfjsEngine(options));
