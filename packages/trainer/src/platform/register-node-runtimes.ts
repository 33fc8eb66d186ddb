// The Node-only runtimes, registered on import (as onnxruntime-node registers its backend): native ONNX
// Runtime, the lockstep runner over it, and tfjs-node. Each loads on first use only, so importing the
// Node entry loads no runtime and a machine without them still trains on onnxruntime-web or tfjs.
import { registerLockstep } from '../onnx/lockstep-support.js';
import { ORT_COMMON_SESSION_OPTIONS, registerOrtRuntime, type OrtModule } from '../onnx/ort-runtime.js';
import { registerTfjsBackend } from '../tfjs/backends.js';

registerOrtRuntime({
  name: 'onnxruntime-node',
  priority: 2,
  init: async (threads) => {
    const ort: OrtModule = await import('onnxruntime-node');
    return {
      backend: 'onnxruntime-node',
      ort,
      sessionOptions: { ...ORT_COMMON_SESSION_OPTIONS, intraOpNumThreads: threads, executionProviders: ['cpu'] },
      threads,
    };
  },
});

registerLockstep(() => import('../onnx/lockstep-runner.js'));

// A variable, so TypeScript does not demand the optional package's types at build time.
const TFJS_NODE: string = '@tensorflow/tfjs-node';

registerTfjsBackend({
  name: 'tensorflow',
  priority: 3,
  load: async () => {
    try {
      await import(TFJS_NODE);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
        throw new Error(`${TFJS_NODE} is not installed (an optional dependency; its install needs to download libtensorflow)`, { cause: e });
      }
      throw e;
    }
  },
});
