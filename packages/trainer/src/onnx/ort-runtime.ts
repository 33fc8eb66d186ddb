// Loads ONNX Runtime for the onnx engine: onnxruntime-node (native) or onnxruntime-web (wasm), one API.
import type * as OrtNode from 'onnxruntime-node';
import { PriorityRegistry, type Resolution } from '../registry.js';

/** The part of ONNX Runtime's JavaScript API the engine uses; both packages re-export it from onnxruntime-common. */
export type OrtModule = Pick<typeof OrtNode, 'InferenceSession' | 'Tensor' | 'env'>;
export type OrtSession = OrtNode.InferenceSession;
export type OrtTensor = OrtNode.Tensor;
export type OrtSessionOptions = OrtNode.InferenceSession.SessionOptions;

/** Which ONNX Runtime package runs the graphs: native code, or WebAssembly (in browsers, and in Node too). */
export type OrtBackend = 'onnxruntime-node' | 'onnxruntime-web';

/** A loaded runtime with the session options that suit it. */
export interface OrtRuntime {
  backend: OrtBackend;
  ort: OrtModule;
  sessionOptions: OrtSessionOptions;
}

// Graph-level knobs measured in bench/onnx-train.mjs: one inter-op thread (the graph is a chain), all
// graph optimizations, sequential execution.
const COMMON_OPTIONS = { interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' } as const;

const runtimes = new PriorityRegistry<OrtRuntime, number>('backend');
runtimes.register({
  name: 'onnxruntime-node',
  priority: 2,
  init: async (threads) => {
    const ort: OrtModule = await import('onnxruntime-node');
    return { backend: 'onnxruntime-node', ort, sessionOptions: { ...COMMON_OPTIONS, intraOpNumThreads: threads, executionProviders: ['cpu'] } };
  },
});
runtimes.register({
  name: 'onnxruntime-web',
  priority: 1,
  init: async (threads) => {
    const ort: OrtModule = await import('onnxruntime-web');
    // Read once, when the wasm module first loads: the first engine in a process decides it.
    ort.env.wasm.numThreads = threads;
    return { backend: 'onnxruntime-web', ort, sessionOptions: { ...COMMON_OPTIONS, executionProviders: ['wasm'] } };
  },
});

/** Backend names the onnx engine accepts: the package names, or `node` / `web` for short. */
export const ORT_BACKEND_ALIASES: Readonly<Record<string, OrtBackend>> = Object.freeze({
  node: 'onnxruntime-node',
  web: 'onnxruntime-web',
  'onnxruntime-node': 'onnxruntime-node',
  'onnxruntime-web': 'onnxruntime-web',
});

/**
 * Imports the ONNX Runtime package `requested` (or, for undefined/'auto', the native one, else the wasm
 * one) with session options for `threads` compute threads. The resolution's message says which and why.
 * @example const { value: runtime, message } = await loadOrtRuntime('web', 1);
 */
export async function loadOrtRuntime(requested: string | undefined, threads: number): Promise<Resolution<OrtRuntime>> {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  if (requested === undefined || requested === 'auto') return runtimes.resolve(undefined, threads);
  const name = ORT_BACKEND_ALIASES[requested];
  if (!name) {
    throw new RangeError(`backend "${requested}" is not one of the onnx engine's: auto, ${Object.keys(ORT_BACKEND_ALIASES).join(', ')}`);
  }
  return runtimes.resolve(name, threads);
}
