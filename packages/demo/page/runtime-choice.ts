// What the page asks of onnxruntime-web: the model URL, where the wasm files are, how many threads.

/** Threads are capped here: beyond 4 a 784-300-100-10 network gains nothing from more workers. */
export const MAX_THREADS = 4;

export interface RuntimeChoice {
  modelUrl: string;
  /** Absolute URL prefix of the copied ort-wasm-simd-threaded.{wasm,mjs}. */
  wasmPaths: string;
  numThreads: number;
  crossOriginIsolated: boolean;
}

/**
 * Reads the choice from the page: `?model=URL` (default ./model.onnx, relative to the page), and
 * several wasm threads only when the page is cross-origin isolated (SharedArrayBuffer needs it).
 * @example const { modelUrl, numThreads } = runtimeChoice(window);
 */
export function runtimeChoice(page: Window): RuntimeChoice {
  const base = page.document.baseURI;
  const requested = new URL(page.location.href).searchParams.get('model');
  const isolated = page.crossOriginIsolated === true;
  const cores = page.navigator.hardwareConcurrency || 1;
  return {
    modelUrl: new URL(requested || './model.onnx', base).href,
    wasmPaths: new URL('./ort/', base).href,
    // Asking for threads without isolation would only earn a warning from onnxruntime-web.
    numThreads: isolated ? Math.max(1, Math.min(MAX_THREADS, cores)) : 1,
    crossOriginIsolated: isolated,
  };
}
