// Loads ONNX Runtime for the onnx engine: onnxruntime-web (wasm, everywhere) or a registered native one
// (the Node entry registers onnxruntime-node), one API.
import type * as OrtWeb from 'onnxruntime-web';
import { PriorityRegistry, type RegistryEntry, type Resolution } from '../registry.js';

/** The part of ONNX Runtime's JavaScript API the engine uses; both packages re-export it from onnxruntime-common. */
export type OrtModule = Pick<typeof OrtWeb, 'InferenceSession' | 'Tensor' | 'env'>;
export type OrtSession = OrtWeb.InferenceSession;
export type OrtTensor = OrtWeb.Tensor;
export type OrtSessionOptions = OrtWeb.InferenceSession.SessionOptions;

/** Which ONNX Runtime package runs the graphs: native code, or WebAssembly (in browsers, and in Node too). */
export type OrtBackend = 'onnxruntime-node' | 'onnxruntime-web';

/** A loaded runtime with the session options that suit it. */
export interface OrtRuntime {
  backend: OrtBackend;
  ort: OrtModule;
  sessionOptions: OrtSessionOptions;
  /** The compute threads its sessions run on (the selection line says it). */
  threads: number;
  /** onnxruntime-web's execution provider ('wasm' or 'webgpu'); absent for a native runtime. */
  executionProvider?: OrtWebExecutionProvider;
}

/** A runtime candidate: `init(threads)` imports the package and throws with the reason when it cannot run here. */
export type OrtRuntimeCandidate = RegistryEntry<OrtRuntime, number>;

/**
 * Graph-level knobs measured in bench/onnx-train.mjs, for every runtime: one inter-op thread (the graph
 * is a chain), all graph optimizations, sequential execution.
 */
export const ORT_COMMON_SESSION_OPTIONS = Object.freeze({ interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' } as const);

/** onnxruntime-web's execution providers the onnx engine can train on: WebAssembly (default) or WebGPU. */
export type OrtWebExecutionProvider = 'wasm' | 'webgpu';

/** The execution providers `configureOrtWeb` accepts. */
export const ORT_WEB_EXECUTION_PROVIDERS: readonly OrtWebExecutionProvider[] = Object.freeze(['wasm', 'webgpu'] as const);

/** What `configureOrtWeb` takes: where the wasm files are served, the wasm thread count, and the execution provider. */
export interface OrtWebOptions {
  /** `ort.env.wasm.wasmPaths`: a URL prefix of both files, or each file's URL (a page whose files a bundler moved). */
  wasmPaths?: string | { wasm?: string; mjs?: string };
  /** `ort.env.wasm.numThreads` for every web session; default the first engine's `threads`. */
  numThreads?: number;
  /**
   * The execution provider of every web session from now on, default 'wasm'. 'webgpu' needs `loadWebGpu`:
   * ONNX Runtime assigns the nodes its WebGPU provider lacks (e.g. the training graph's Loop) to wasm.
   */
  executionProvider?: OrtWebExecutionProvider;
  /**
   * Imports onnxruntime-web's WebGPU build, e.g. `() => import('onnxruntime-web/webgpu')`: given by the
   * caller so that a bundle asking for wasm only never holds it (that build is another module, with its
   * own runtime files, `ort-wasm-simd-threaded.asyncify.{wasm,mjs}`, fetched from `wasmPaths`).
   */
  loadWebGpu?: () => Promise<OrtModule>;
}

let webOptions: OrtWebOptions = {};
/** The options the loaded onnxruntime-web was set up with (ONNX Runtime reads them once, at its first session). */
// What onnxruntime-web was actually set up with (threads resolved), once its first session exists.
let appliedWebOptions: OrtWebOptions | undefined;

const runtimes = new PriorityRegistry<OrtRuntime, number>('backend');
runtimes.register({
  name: 'onnxruntime-web',
  priority: 1,
  init: async (threads) => {
    const provider = webOptions.executionProvider ?? 'wasm';
    // The WebGPU build is a module of its own (its own env and wasm instance), loaded only when asked.
    const ort: OrtModule = provider === 'webgpu' ? await webOptions.loadWebGpu!() : await import('onnxruntime-web');
    const numThreads = webOptions.numThreads ?? threads;
    // Read once, when each build's wasm module first loads: the first engine in a process decides it
    // (configureOrtWeb refuses other settings afterwards, so both builds get the same).
    ort.env.wasm.numThreads = numThreads;
    if (webOptions.wasmPaths !== undefined) ort.env.wasm.wasmPaths = webOptions.wasmPaths;
    appliedWebOptions ??= { ...(webOptions.wasmPaths === undefined ? {} : { wasmPaths: webOptions.wasmPaths }), numThreads };
    return { backend: 'onnxruntime-web', ort, sessionOptions: { ...ORT_COMMON_SESSION_OPTIONS, executionProviders: [provider] }, threads: numThreads, executionProvider: provider };
  },
});

/**
 * Adds (or replaces) an ONNX Runtime package the onnx engine can run on; `auto` tries the highest
 * priority first (onnxruntime-web has 1). The Node entry registers onnxruntime-node with priority 2.
 * @example registerOrtRuntime({ name: 'onnxruntime-node', priority: 2, init: async (threads) => ({ backend: 'onnxruntime-node', ort: await import('onnxruntime-node'), sessionOptions: { intraOpNumThreads: threads }, threads }) });
 */
export function registerOrtRuntime(candidate: OrtRuntimeCandidate): void {
  runtimes.register(candidate);
}

/**
 * Sets where onnxruntime-web finds its wasm files and how many threads it runs, before its first
 * session (a page serves the files itself; Node finds them beside the package). Calling it again with
 * other options once onnxruntime-web has loaded throws: ONNX Runtime would silently keep the first.
 * The execution provider may change between runs (each call replaces it; default 'wasm').
 * @example configureOrtWeb({ wasmPaths: new URL('./ort/', location.href).href, numThreads: 1 });
 * @example configureOrtWeb({ wasmPaths, numThreads: 1, executionProvider: 'webgpu', loadWebGpu: () => import('onnxruntime-web/webgpu') });
 */
export function configureOrtWeb(options: OrtWebOptions): void {
  const { wasmPaths, numThreads, executionProvider, loadWebGpu } = options;
  if (executionProvider !== undefined && !ORT_WEB_EXECUTION_PROVIDERS.includes(executionProvider)) {
    throw new RangeError(`executionProvider must be one of ${ORT_WEB_EXECUTION_PROVIDERS.join(', ')}, got ${JSON.stringify(executionProvider)}`);
  }
  if (loadWebGpu !== undefined && typeof loadWebGpu !== 'function') throw new TypeError(`loadWebGpu must be a function importing onnxruntime-web/webgpu, got ${typeof loadWebGpu}`);
  if (executionProvider === 'webgpu' && loadWebGpu === undefined) {
    throw new RangeError("executionProvider 'webgpu' needs loadWebGpu, e.g. () => import('onnxruntime-web/webgpu')");
  }
  if (numThreads !== undefined && !(Number.isInteger(numThreads) && numThreads >= 1)) {
    throw new RangeError(`numThreads must be a positive integer, got ${numThreads}`);
  }
  const pathOk = (p: unknown) => p === undefined || (typeof p === 'string' && p !== '');
  if (wasmPaths !== undefined && !(typeof wasmPaths === 'string' ? pathOk(wasmPaths) : pathOk(wasmPaths.wasm) && pathOk(wasmPaths.mjs))) {
    throw new TypeError(`wasmPaths must be a URL prefix or { wasm, mjs } URLs, got ${JSON.stringify(wasmPaths)}`);
  }
  const next = { ...(wasmPaths === undefined ? {} : { wasmPaths }), ...(numThreads === undefined ? {} : { numThreads }) };
  // Once loaded, asking again for what it already runs with is fine; anything else would be ignored.
  const applied = appliedWebOptions;
  const differs = <K extends 'wasmPaths' | 'numThreads'>(key: K) => next[key] !== undefined && JSON.stringify(next[key]) !== JSON.stringify(applied?.[key]);
  if (applied !== undefined && (differs('wasmPaths') || differs('numThreads'))) {
    throw new Error(`configureOrtWeb: onnxruntime-web is already set up with ${JSON.stringify(applied)}; call it before the first onnx engine on backend web`);
  }
  // The provider is a session option, not read once: it may change between runs.
  webOptions = { ...next, ...(executionProvider === undefined ? {} : { executionProvider }), ...(loadWebGpu === undefined ? {} : { loadWebGpu }) };
}

/** Backend names the onnx engine accepts: the package names, or `node` / `web` for short. */
export const ORT_BACKEND_ALIASES: Readonly<Record<string, OrtBackend>> = Object.freeze({
  node: 'onnxruntime-node',
  web: 'onnxruntime-web',
  'onnxruntime-node': 'onnxruntime-node',
  'onnxruntime-web': 'onnxruntime-web',
});

/**
 * Imports the ONNX Runtime package `requested` (or, for undefined/'auto', the registered native one,
 * else the wasm one) with session options for `threads` compute threads. The resolution's message says
 * which and why.
 * @example const { value: runtime, message } = await loadOrtRuntime('web', 1);
 */
export async function loadOrtRuntime(requested: string | undefined, threads: number): Promise<Resolution<OrtRuntime>> {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  if (requested === undefined || requested === 'auto') return runtimes.resolve(undefined, threads);
  const name = ORT_BACKEND_ALIASES[requested];
  if (!name) {
    throw new RangeError(`backend "${requested}" is not one of the onnx engine's: auto, ${Object.keys(ORT_BACKEND_ALIASES).join(', ')}`);
  }
  if (!runtimes.names().includes(name)) {
    throw new RangeError(`backend "${requested}": ${name} is not registered here (the Node entry, import '@mnist/trainer', registers it)`);
  }
  return runtimes.resolve(name, threads);
}
