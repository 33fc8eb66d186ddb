// What the page asks of onnxruntime-web: the model URL, how to read it when it comes from elsewhere
// (PyTorch, Keras), where the wasm files are, how many threads.
import type { WebClassifierOptions } from '@mnist/infer-web';

/** Threads are capped here: beyond 4 a 784-300-100-10 network gains nothing from more workers. */
export const MAX_THREADS = 4;

/** How to read a model exported elsewhere, from the page's query (what `mnist demo --normalize ...` puts there). */
export type PageModelOptions = Pick<WebClassifierOptions, 'normalization' | 'input' | 'output' | 'outputKind' | 'labels'>;

export interface RuntimeChoice {
  modelUrl: string;
  modelOptions: PageModelOptions;
  /** Absolute URL prefix of the copied ort-wasm-simd-threaded.{wasm,mjs}. */
  wasmPaths: string;
  numThreads: number;
  crossOriginIsolated: boolean;
}

/**
 * Reads the choice from the page: `?model=URL` (default ./model.onnx, relative to the page), with
 * `normalize=MEAN,STD`, `input`, `output`, `outputKind` and `labels=a,b,...` for a foreign model (the
 * classifier checks them and the page shows its refusal), and several wasm threads only when the page
 * is cross-origin isolated (SharedArrayBuffer needs it).
 * @example const { modelUrl, numThreads } = runtimeChoice(window);
 */
export function runtimeChoice(page: Window): RuntimeChoice {
  const base = page.document.baseURI;
  const query = new URL(page.location.href).searchParams;
  const requested = query.get('model');
  const isolated = page.crossOriginIsolated === true;
  const cores = page.navigator.hardwareConcurrency || 1;
  return {
    modelUrl: new URL(requested || './model.onnx', base).href,
    modelOptions: modelOptions(query),
    wasmPaths: new URL('./ort/', base).href,
    // Asking for threads without isolation would only earn a warning from onnxruntime-web.
    numThreads: isolated ? Math.max(1, Math.min(MAX_THREADS, cores)) : 1,
    crossOriginIsolated: isolated,
  };
}

function modelOptions(query: URLSearchParams): PageModelOptions {
  const options: PageModelOptions = {};
  const normalize = query.get('normalize');
  if (normalize !== null) {
    const [mean, std] = normalize.split(',').map((part) => (part.trim() === '' ? NaN : Number(part)));
    options.normalization = { mean, std };
  }
  for (const key of ['input', 'output'] as const) {
    const value = query.get(key);
    if (value !== null) options[key] = value;
  }
  const kind = query.get('outputKind');
  if (kind !== null) options.outputKind = kind as PageModelOptions['outputKind'];
  const labels = query.get('labels');
  if (labels !== null) options.labels = labels.split(',');
  return options;
}
