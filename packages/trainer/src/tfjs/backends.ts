// The tfjs backends the trainer can run on, resolved in the order: `tensorflow`
// (@tensorflow/tfjs-node, registered by the Node entry: an optional dependency that often cannot
// install), `wasm`, `cpu`. TensorFlow.js itself loads on first use, so registering costs nothing.
import { PriorityRegistry, type Resolution } from '../registry.js';

/** The tfjs backends, best first. */
export const TFJS_BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;

/** A tfjs backend: `load` imports the package that registers it with tfjs (throws with the reason when it cannot). */
export interface TfjsBackendCandidate {
  name: string;
  /** Higher is tried first: tensorflow 3, wasm 2, cpu 1. */
  priority: number;
  load: () => Promise<unknown>;
}

const registry = new PriorityRegistry<string>('backend');

/**
 * Adds (or replaces) a tfjs backend `useTfjsBackend` can pick; once `load` resolves, tfjs switches to
 * the backend of that name. The Node entry registers `tensorflow` (@tensorflow/tfjs-node).
 * @example registerTfjsBackend({ name: 'webgl', priority: 2.5, load: () => import('@tensorflow/tfjs-backend-webgl') });
 */
export function registerTfjsBackend(candidate: TfjsBackendCandidate): void {
  const { name, priority, load } = candidate;
  registry.register({
    name,
    priority,
    init: async () => {
      await load();
      return activate(name);
    },
  });
}

registerTfjsBackend({
  name: 'wasm',
  priority: 2,
  // In Node the package's main build finds its .wasm files beside itself in node_modules.
  load: () => import('@tensorflow/tfjs-backend-wasm'),
});

registerTfjsBackend({ name: 'cpu', priority: 1, load: () => import('@tensorflow/tfjs-backend-cpu') });

async function activate(name: string): Promise<string> {
  const tf = await import('@tensorflow/tfjs-core');
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
