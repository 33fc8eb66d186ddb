/**
 * @mnist/trainer/browser: the trainer for pages and workers. The same `train` and engines as the Node
 * entry (`onnx` on onnxruntime-web, `tfjs`), the same checkpoint bytes; importing it registers the
 * engines and the browser platform (`register-browser.ts`: checkpoints in memory, datasets over HTTP,
 * no TensorBoard), as tfjs-core's platform_browser does. `configureBrowserTrainer` tells it where the
 * MNIST files and onnxruntime-web's wasm files are served. Nothing here imports a `node:` module.
 */
import './register-engines.js';
import './platform/register-browser.js';

export * from './portable-api.js';

export {
  browserCheckpoints,
  browserPlatform,
  configureBrowserTrainer,
  createBrowserPlatform,
  type BrowserTrainerOptions,
} from './platform/browser-platform.js';
export { MemoryCheckpointStore, type CheckpointFiles } from './platform/memory-checkpoint-store.js';
export { IndexedDbCheckpointStore, type IdbFactoryLike, type IndexedDbCheckpointStoreOptions } from './platform/indexeddb-checkpoint-store.js';
export { HttpDatasetSource, type HttpDatasetSourceOptions } from './platform/http-dataset-source.js';
export { sha256Hex } from './platform/sha256.js';
