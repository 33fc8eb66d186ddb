/**
 * @mnist/trainer/browser: the trainer for pages and workers. The same `train` and engines as the Node
 * entry (`onnx` on onnxruntime-web, `tfjs`), the same checkpoint bytes; importing it registers the
 * engines and the browser platform (`register-browser.ts`: checkpoints in memory, datasets over HTTP,
 * no TensorBoard), as tfjs-core's platform_browser does. `configureBrowserTrainer` tells it where the
 * MNIST files and onnxruntime-web's wasm files are served. Nothing here imports a `node:` module.
 */
import './register-engines.js';
import './platform/register-browser.js';

export { train, type InMemoryDataset, type InMemorySet, type OptimizerOption, type TrainOptions, type TrainResult } from './train.js';
export type { BatchEndLog, EpochEndLog, FitCallbacks, FitEndLog, FitEpochEndLog, TrainCallbacks } from './train-callbacks.js';
export {
  createEngine,
  registerEngine,
  engineNames,
  OPTIMIZER_NAMES,
  type EngineChoice,
  type EngineFactory,
  type EngineOptions,
  type EpochData,
  type EpochStats,
  type OptimizerConfig,
  type OptimizerName,
  type TrainingEngine,
} from './engine.js';
export { accuracyScore } from './accuracy-score.js';
export { ValidationSizeError } from './validation-size.js';
export { ResolutionError, type Refusal } from './registry.js';
export {
  platform,
  setPlatform,
  type CheckpointStore,
  type DatasetSource,
  type SourceDataset,
  type TrainerPlatform,
  type TrainingLogFactory,
  type TrainingLogSettings,
  type TrainingLogSink,
} from './platform/platform.js';
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
