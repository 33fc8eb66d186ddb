// The InferenceRuntime of @mnist/core on onnxruntime-web (WebAssembly), in browsers and in Node.
// onnxruntime-web's wasm settings are global and fixed once its backend has started, so they are
// applied here, once, and a later conflicting request is an error instead of being silently ignored.
import { ortInferenceRuntime, type ClassifierLoadOptions, type InferenceRuntime } from '@mnist/core';
import { ortBuild, webExecutionProviders, type WebExecutionProvider } from './ort-build.js';

/**
 * How onnxruntime-web runs the model, beside the classifier's own load options (input and output
 * names, output kind, normalization, labels, maxModelBytes) from ClassifierLoadOptions. The wasm
 * settings are per page (or process), fixed by the first load; the load options apply to each load.
 */
export interface WebClassifierOptions extends ClassifierLoadOptions {
  /**
   * WebAssembly threads. Default: onnxruntime-web's choice (several when the page is cross-origin
   * isolated, else 1). 1 never starts workers.
   */
  numThreads?: number;
  /** Where the ort-wasm-*.wasm/.mjs files are served from (URL prefix or per-file paths), for bundlers that do not copy them. */
  wasmPaths?: string | { wasm?: string; mjs?: string };
  /** Run inference in a web worker so the page's main thread stays responsive. Default false. */
  proxy?: boolean;
  /**
   * Execution providers in order of preference: 'wasm', and 'webgpu' with the WebGPU build
   * (`import { MnistClassifier } from '@mnist/infer-web/webgpu'`). Default ['wasm'], or ['webgpu', 'wasm']
   * on the WebGPU build where the browser has WebGPU. Like the wasm settings, it is per load.
   */
  executionProviders?: WebExecutionProvider[];
}

type WasmSettings = Required<Pick<WebClassifierOptions, 'proxy'>> & Pick<WebClassifierOptions, 'numThreads' | 'wasmPaths'>;

let applied: WasmSettings | undefined;

/**
 * Applies the wasm settings on the first call; later calls must agree with them.
 * @example configureWasm({ numThreads: 1 });
 */
export function configureWasm(options: WebClassifierOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const { numThreads, wasmPaths, proxy = false } = options;
  if (numThreads !== undefined && (!Number.isInteger(numThreads) || numThreads < 0)) {
    throw new RangeError(`options.numThreads must be a non-negative integer (0 = onnxruntime-web's choice), got ${numThreads}`);
  }
  if (wasmPaths !== undefined && typeof wasmPaths !== 'string' && (typeof wasmPaths !== 'object' || wasmPaths === null)) {
    throw new TypeError('options.wasmPaths must be a URL prefix string or an object {wasm?, mjs?}');
  }
  if (typeof proxy !== 'boolean') throw new TypeError(`options.proxy must be a boolean, got ${String(proxy)}`);
  if (applied) {
    const conflicts: string[] = [];
    if (numThreads !== undefined && numThreads !== (applied.numThreads ?? numThreads)) conflicts.push(`numThreads ${applied.numThreads}`);
    if (wasmPaths !== undefined && JSON.stringify(wasmPaths) !== JSON.stringify(applied.wasmPaths)) {
      conflicts.push(`wasmPaths ${JSON.stringify(applied.wasmPaths)}`);
    }
    if (proxy !== applied.proxy) conflicts.push(`proxy ${applied.proxy}`);
    if (conflicts.length > 0) {
      throw new Error(
        `onnxruntime-web already started with ${conflicts.join(', ')}; its wasm settings cannot change after the first model is loaded (reload the page or start a new process)`,
      );
    }
    return;
  }
  const { env } = ortBuild().build;
  if (numThreads !== undefined) env.wasm.numThreads = numThreads;
  if (wasmPaths !== undefined) env.wasm.wasmPaths = wasmPaths;
  env.wasm.proxy = proxy;
  applied = { numThreads, wasmPaths, proxy };
}

/**
 * The facade's runtime on onnxruntime-web's wasm execution provider.
 * @example const runtime = webRuntime({ numThreads: 1 });
 */
export function webRuntime(options: WebClassifierOptions = {}): InferenceRuntime {
  configureWasm(options);
  const { name, build } = ortBuild();
  const executionProviders = webExecutionProviders(options.executionProviders, name);
  return ortInferenceRuntime(
    'onnxruntime-web',
    // externalData: onnxruntime-web cannot read files itself; it gets every external file from the loader.
    (model, externalData) => build.InferenceSession.create(model, { executionProviders, graphOptimizationLevel: 'all', ...(externalData && { externalData }) }),
    (x, dims) => new build.Tensor('float32', x, dims),
  );
}

/**
 * Threads the wasm backend actually uses, once a model is loaded (1 when the page is not
 * cross-origin isolated, whatever was asked).
 * @example wasmThreads() // 1
 */
export function wasmThreads(): number | undefined {
  return ortBuild().build.env.wasm.numThreads;
}
