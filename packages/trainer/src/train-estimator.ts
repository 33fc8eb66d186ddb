// `mnist train --estimator`: the chapter's DNNClassifier run on a dataset from disk: fit on the
// training images after the validation split for `steps` steps, score the test set, save a checkpoint.
import { DEFAULT_VALIDATION_SIZE, sliceImages, splitValidation, type Activation, type Initializer } from '@mnist/core';
import { acquireRunLock, checkpointExists } from './checkpoint-io.js';
import { datasetRecord, readDataset } from './data/index.js';
import { DNNClassifier } from './dnn-classifier.js';
import type { OptimizerOption } from './train.js';
import { checkValidationSize } from './validation-size.js';

/** Options of `trainEstimator`; unset ones take TensorFlow's DNNClassifier defaults. */
export interface EstimatorOptions {
  dataDir?: string;
  /** Checkpoint directory (default `checkpoints/dnn`); must not hold a checkpoint yet unless `overwrite`. */
  out?: string;
  /** Start over in an `out` that holds a checkpoint (only its model.json and weights.bin are replaced); default: refuse. */
  overwrite?: boolean;
  /** Default 40000. */
  steps?: number;
  /** Default 50. */
  batchSize?: number;
  /** Default [300, 100]. */
  hiddenUnits?: number[];
  activation?: Activation;
  /** Default `glorot`. */
  initializer?: Initializer;
  /** Default Adagrad. */
  optimizer?: OptimizerOption;
  /** Default 0.05. */
  learningRate?: number;
  dropoutRate?: number;
  earlyStopping?: { patience: number };
  seed?: number;
  engine?: string;
  backend?: string;
  /** Leading training images held out for validation (scored every epoch), default 5000. */
  validationSize?: number;
  trainLimit?: number;
  onLog?: (line: string) => void;
  onProgress?: (done: number, total: number, epoch: number) => void;
}

/** What `trainEstimator` returns (the CLI's `--json` line). */
export interface EstimatorResult {
  steps: number;
  /** Epochs begun (the last may be partial). */
  epochs: number;
  seconds: number;
  /** Validation accuracy after the last epoch (the best one's with early stopping). */
  validationAccuracy: number;
  testAccuracy: number;
  testLoss: number;
  checkpoint: string;
  engine: string;
  backend: string;
}

/**
 * Fits `DNNClassifier` on the training images after the first `validationSize` (55000 for MNIST),
 * scores the test set, and saves the classifier to `out`.
 * @example const r = await trainEstimator({ steps: 40000, onLog: (l) => console.error(l) }); r.testAccuracy
 */
export async function trainEstimator(options: EstimatorOptions = {}): Promise<EstimatorResult> {
  const started = performance.now();
  const out = options.out ?? 'checkpoints/dnn';
  const releaseLock = await acquireRunLock(out);
  try {
    if (!options.overwrite && (await checkpointExists(out))) {
      throw new Error(`${out} already holds a checkpoint; pass --overwrite to start a new run there (other files in it are kept), or choose another --out`);
    }
    const dataset = await readDataset(options.dataDir);
    const clf = new DNNClassifier({
      hiddenUnits: options.hiddenUnits ?? [300, 100],
      nClasses: 10,
      activation: options.activation,
      initializer: options.initializer,
      optimizer: options.optimizer,
      learningRate: options.learningRate,
      dropout: options.dropoutRate,
      engine: options.engine,
      backend: options.backend,
      seed: options.seed,
      imageShape: [dataset.train.height, dataset.train.width],
    });
    checkValidationSize(options.validationSize ?? DEFAULT_VALIDATION_SIZE, dataset.train.count);
    const split = splitValidation(dataset.train, options.validationSize ?? DEFAULT_VALIDATION_SIZE);
    let train = split.train;
    if (options.trainLimit !== undefined) {
      if (!Number.isInteger(options.trainLimit) || options.trainLimit < 1 || options.trainLimit > train.count) {
        throw new RangeError(`trainLimit must be an integer in [1, ${train.count}], got ${options.trainLimit}`);
      }
      train = sliceImages(train, 0, options.trainLimit);
    }
    const { validation } = split;
    await clf.fit(train.images, train.labels, {
      steps: options.steps ?? 40000,
      batchSize: options.batchSize,
      validation: { X: validation.images, y: validation.labels },
      earlyStopping: options.earlyStopping,
      onLog: options.onLog,
      onProgress: options.onProgress,
    });
    const test = await clf.evaluate(dataset.test.images, dataset.test.labels);
    await clf.save(out, { testAccuracy: test.accuracy, dataset: await datasetRecord(options.dataDir) });
    const history = clf.epochHistory;
    const accuracies = history.map((h) => h.validationAccuracy);
    return {
      steps: clf.globalStep,
      epochs: history.length,
      seconds: (performance.now() - started) / 1000,
      validationAccuracy: options.earlyStopping ? Math.max(...accuracies) : accuracies[accuracies.length - 1],
      testAccuracy: test.accuracy,
      testLoss: test.loss,
      checkpoint: out,
      engine: clf.trainedOn.engine,
      backend: clf.trainedOn.backend,
    };
  } finally {
    await releaseLock();
  }
}
