// The browser platform: checkpoints in memory (or a store the page gives), datasets over HTTP, no
// TensorBoard log; and configureBrowserTrainer, the one call a page or worker makes before training.
import { configureOrtWeb, type OrtWebOptions } from '../onnx/ort-runtime.js';
import { HttpDatasetSource } from './http-dataset-source.js';
import { MemoryCheckpointStore } from './memory-checkpoint-store.js';
import { setPlatform, type CheckpointStore, type TrainerPlatform } from './platform.js';

/** Options of `configureBrowserTrainer`. */
export interface BrowserTrainerOptions {
  /** URL prefix of the built-in MNIST's four IDX files (raw or .gz), e.g. `new URL('./data/mnist/', location.href).href`. */
  datasetUrl?: string;
  /** Where onnxruntime-web's wasm files are served (`ort.env.wasm.wasmPaths`): a URL prefix, or each file's URL. */
  ortWasmPaths?: OrtWebOptions['wasmPaths'];
  /** onnxruntime-web's thread count (more than 1 needs a cross-origin isolated page); default the run's `threads`. */
  numThreads?: number;
  /**
   * The execution provider the onnx engine trains on, 'wasm' (default) or 'webgpu' (needs `loadWebGpu`).
   * On 'webgpu', ONNX Runtime runs on the CPU (wasm) the nodes its WebGPU provider lacks.
   */
  executionProvider?: OrtWebOptions['executionProvider'];
  /** Imports onnxruntime-web's WebGPU build, `() => import('onnxruntime-web/webgpu')`: only a page that asks for WebGPU bundles it. */
  loadWebGpu?: OrtWebOptions['loadWebGpu'];
  /** Where checkpoints go; default the page's MemoryCheckpointStore (`browserCheckpoints`). */
  checkpoints?: CheckpointStore;
  /** The fetch datasets are read with (default globalThis.fetch). */
  fetch?: typeof globalThis.fetch;
}

/** The page's checkpoints unless configureBrowserTrainer is given another store: read them back with `files(out)`. */
export const browserCheckpoints = new MemoryCheckpointStore();

/**
 * A browser platform over `options`' store and dataset URL (nothing registered: see configureBrowserTrainer).
 * @example setPlatform(createBrowserPlatform({ datasetUrl: 'https://example.org/mnist/' }));
 */
export function createBrowserPlatform(options: Pick<BrowserTrainerOptions, 'datasetUrl' | 'checkpoints' | 'fetch'> = {}): TrainerPlatform {
  return Object.freeze({
    name: 'browser',
    checkpoints: options.checkpoints ?? browserCheckpoints,
    datasets: new HttpDatasetSource({ baseUrl: options.datasetUrl, fetch: options.fetch }),
  });
}

/** What the browser entry registers on import: `browserCheckpoints`, and datasets only by explicit URL until configured. */
export const browserPlatform: TrainerPlatform = createBrowserPlatform();

/**
 * Sets up training in a page or worker: onnxruntime-web's wasm location and threads (before its first
 * session), its execution provider, the built-in MNIST's URL and the checkpoint store; registers and
 * returns the platform. Call it again to switch the provider between runs.
 * @example
 * configureBrowserTrainer({ datasetUrl: new URL('./data/mnist/', base).href, ortWasmPaths: new URL('./ort/', base).href, numThreads: 1 });
 * await train({ engine: 'onnx', backend: 'web', out: 'page/run', epochs: 1 });
 * @example
 * configureBrowserTrainer({ datasetUrl, ortWasmPaths, numThreads: 1, executionProvider: 'webgpu', loadWebGpu: () => import('onnxruntime-web/webgpu') });
 */
export function configureBrowserTrainer(options: BrowserTrainerOptions = {}): TrainerPlatform {
  const { ortWasmPaths, numThreads, executionProvider, loadWebGpu } = options;
  configureOrtWeb({
    ...(ortWasmPaths === undefined ? {} : { wasmPaths: ortWasmPaths }),
    ...(numThreads === undefined ? {} : { numThreads }),
    ...(executionProvider === undefined ? {} : { executionProvider }),
    ...(loadWebGpu === undefined ? {} : { loadWebGpu }),
  });
  const configured = createBrowserPlatform(options);
  setPlatform(configured);
  return configured;
}
