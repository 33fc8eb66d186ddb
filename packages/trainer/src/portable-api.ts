// What both entries export, the Node one (index.ts) and the browser one (browser.ts): training, the
// engines, the platform seam and the errors a caller catches. Each entry adds its own platform's parts.
export { train, type InMemoryDataset, type InMemorySet, type OptimizerOption, type TrainOptions, type TrainResult } from './train.js';
export { MODEL_NAMES, MODEL_PRESETS, modelPreset, type ModelName, type ModelPreset } from './model-presets.js';
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
