// The tfjs backends the trainer can run on, resolved in the order: `tensorflow`
// (@tensorflow/tfjs-node, an optional dependency that often cannot install), `wasm`, `cpu`.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { PriorityRegistry, type Resolution } from '../registry.js';

/** The tfjs backends, best first. */
export const TFJS_BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;

const registry = new PriorityRegistry<string>('backend');

// A variable, so TypeScript does not demand the optional package's types at build time.
const TFJS_NODE: string = '@tensorflow/tfjs-node';

registry.register({
  name: 'tensorflow',
  priority: 3,
  init: async () => {
    try {
      await import(TFJS_NODE);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
        throw new Error(`${TFJS_NODE} is not installed (an optional dependency; its install needs to download libtensorflow)`, { cause: e });
      }
      throw e;
    }
    return activate('tensorflow');
  },
});

registry.register({
  name: 'wasm',
  priority: 2,
  init: async () => {
    // In Node the package's main build finds its .wasm files beside itself in node_modules.
    await import('@tensorflow/tfjs-backend-wasm');
    return activate('wasm');
  },
});

registry.register({ name: 'cpu', priority: 1, init: async () => activate('cpu') });

async function activate(name: string): Promise<string> {
  // Production mode: no per-op debug checks, and no "install tfjs-node" banner on stdout/stderr.
  tf.enableProdMode();
  if (!(await tf.setBackend(name))) throw new Error(`tfjs could not initialize the ${name} backend`);
  await tf.ready();
  return name;
}

/**
 * Makes `requested` (or, for `undefined`/`'auto'`, the first of tensorflow, wasm, cpu that loads) the
 * active tfjs backend. The message names the one picked and why the others were refused.
 * Throws RangeError for an unknown name, ResolutionError when it cannot load.
 * @example const { name, message } = await useTfjsBackend(); // name === 'wasm' where tfjs-node is absent
 */
export async function useTfjsBackend(requested?: string): Promise<Resolution<string>> {
  return registry.resolve(requested, undefined);
}
