// The epoch loop shared by `train` (the low-level program, checkpoints on disk) and DNNClassifier
// (in memory): shuffle_batch batches per epoch, dropout masks per batch, optional augmentation of the
// epoch's images, an optional step budget, validation accuracy and loss, and early stopping that keeps
// the best epoch's weights.
import {
  augmentImages,
  augmentOptionsProblem,
  deriveSeed,
  Rng,
  shuffleBatch,
  sparseSoftmaxCrossEntropy,
  topOneAccuracy,
  type AugmentOptions,
  type EpochRecord,
  type LabeledImages,
  type ModelSpec,
  type NamedWeight,
} from '@mnist/core';
import { dropoutMasks } from './dropout-masks.js';
import type { EpochStats, TrainingEngine } from './engine.js';

/** Seed stream of the per-epoch dropout masks (the shuffle uses the epoch's plain derived seed). */
export const DROPOUT_STREAM = 1;

/** Seed stream of the per-epoch augmentation (image i of the epoch draws from `deriveSeed(that, i)`). */
export const AUGMENT_STREAM = 2;

/** The best epoch so far under early stopping, with its weights (model and optimizer slots). */
export interface BestEpoch {
  epoch: number;
  validationAccuracy: number;
  weights: Map<string, NamedWeight>;
}

/** What the loop needs; `history`, `step` and `best` carry a resumed run's state. */
export interface TrainingLoopOptions {
  engine: TrainingEngine;
  spec: ModelSpec;
  train: LabeledImages;
  /** Scored after every epoch; required by early stopping. */
  validation?: LabeledImages;
  pixelScale: number;
  batchSize: number;
  seed: number;
  /** Upper bound on epochs (counting those already run). */
  epochs: number;
  /** Stop after this many optimizer steps in total; the last epoch may be partial. */
  maxSteps?: number;
  dropoutRate?: number;
  /**
   * Train each epoch on a fresh random distortion of every training image (affine and elastic, drawn
   * from the seed and the epoch, so a resumed run sees the same images); validation is never augmented.
   */
  augment?: AugmentOptions;
  /** Stop when validation accuracy has not improved for `patience` epochs. */
  patience?: number;
  /** Epochs already run (a resumed run); default `history.length`. */
  epoch?: number;
  history?: EpochRecord[];
  step?: number;
  best?: BestEpoch;
  /**
   * After every epoch and its validation, before the next epoch starts, with the engine holding that
   * epoch's weights (e.g. to save a checkpoint); awaited, and an abort from it is seen before the next epoch.
   */
  onEpoch?: (state: TrainingLoopState, stats: EpochStats) => Promise<void> | void;
  onProgress?: (done: number, total: number, epoch: number) => void;
  /** Once aborted, no further epoch starts (the current one ends, with its onEpoch). */
  signal?: AbortSignal;
}

/** The loop's state after an epoch, and its result at the end. */
export interface TrainingLoopState {
  /** One record per epoch when there is a validation set (else empty). */
  history: EpochRecord[];
  /** Epochs run, including a final partial one. */
  epochs: number;
  step: number;
  /** With early stopping: the best epoch so far. */
  best?: BestEpoch;
  /** Early stopping ended the run (no better validation accuracy for `patience` epochs). */
  stopped: boolean;
  /** Wall-clock seconds spent in the engine's `runEpoch` calls during this call (validation scoring excluded). */
  trainingSeconds: number;
  /** Wall-clock seconds spent augmenting the epochs' images during this call (0 without `augment`). */
  augmentSeconds: number;
}

/**
 * Runs epochs until `epochs`, `maxSteps` or early stopping ends the run. With `patience`, the engine
 * holds the best epoch's weights (and optimizer slots) when this returns.
 * @example const state = await runTrainingLoop({ engine, spec, train, validation, pixelScale: 1 / 255, batchSize: 50, seed: 42, epochs: 30, patience: 5 });
 */
export async function runTrainingLoop(options: TrainingLoopOptions): Promise<TrainingLoopState> {
  const { engine, spec, train, validation, pixelScale, batchSize, seed, patience } = options;
  const dropoutRate = options.dropoutRate ?? 0;
  if (patience !== undefined && !(Number.isInteger(patience) && patience >= 1)) {
    throw new RangeError(`patience must be a positive integer, got ${patience}`);
  }
  if (patience !== undefined && !validation) throw new RangeError('early stopping (patience) needs a validation set');
  const augment = options.augment;
  if (augment) {
    const problem = augmentOptionsProblem(augment);
    if (problem) throw new RangeError(problem);
    if (train.height * train.width !== spec.inputSize) {
      throw new RangeError(`augment needs images of height * width = inputSize (${spec.inputSize}), got ${train.height} x ${train.width}`);
    }
  }
  // One buffer for every epoch's augmented images: the engine reads it only inside runEpoch.
  let augmented: Uint8Array | undefined;
  const history = [...(options.history ?? [])];
  let step = options.step ?? 0;
  let best = options.best;
  let epoch = options.epoch ?? history.length;
  let stopped = patience !== undefined && best !== undefined && epoch - 1 - best.epoch >= patience;
  let trainingSeconds = 0;
  let augmentSeconds = 0;
  const state = (): TrainingLoopState => ({ history: [...history], epochs: epoch, step, best, stopped, trainingSeconds, augmentSeconds });
  while (!stopped && !options.signal?.aborted && epoch < options.epochs && (options.maxSteps === undefined || step < options.maxSteps)) {
    let batches = shuffleBatch(train.count, batchSize, new Rng(deriveSeed(seed, epoch)));
    if (options.maxSteps !== undefined) batches = batches.slice(0, options.maxSteps - step);
    const masks =
      dropoutRate > 0
        ? dropoutMasks(batches.map((b) => b.length), spec.hiddenUnits, dropoutRate, new Rng(deriveSeed(seed, epoch, DROPOUT_STREAM)))
        : undefined;
    const e = epoch;
    let images = train.images;
    if (augment) {
      const augmentStarted = performance.now();
      augmented ??= new Uint8Array(train.count * spec.inputSize);
      images = augmentImages(train.images, train.count, train.height, train.width, deriveSeed(seed, epoch, AUGMENT_STREAM), augment, augmented);
      augmentSeconds += (performance.now() - augmentStarted) / 1000;
    }
    const started = performance.now();
    const stats = await engine.runEpoch(
      { images, labels: train.labels, batches, pixelScale, ...(masks ? { dropoutMasks: masks } : {}) },
      options.onProgress ? (done, total) => options.onProgress!(done, total, e) : undefined,
    );
    trainingSeconds += (performance.now() - started) / 1000;
    step += stats.steps;
    if (validation) {
      const { accuracy: validationAccuracy, loss: valLoss } = await scoreValidation(engine, validation, pixelScale);
      history.push({ epoch, loss: stats.meanLoss, batchAccuracy: stats.lastBatchAccuracy, validationAccuracy, valLoss });
      if (patience !== undefined) {
        if (!best || validationAccuracy > best.validationAccuracy) {
          best = { epoch, validationAccuracy, weights: await engine.readWeights() };
        } else {
          stopped = epoch - best.epoch >= patience;
        }
      }
    }
    epoch++;
    await options.onEpoch?.(state(), stats);
  }
  if (best && best.epoch !== epoch - 1) await engine.loadWeights(best.weights);
  return state();
}

/**
 * Top-1 accuracy and mean sparse softmax cross-entropy (the training loss, as Keras' `val_loss`) of
 * `set`, from one forward pass.
 * @example const { accuracy, loss } = await scoreValidation(engine, validation, 1 / 255);
 */
export async function scoreValidation(engine: TrainingEngine, set: LabeledImages, pixelScale: number): Promise<{ accuracy: number; loss: number }> {
  const logits = await engine.predictLogits(set.images, set.count, pixelScale);
  const cols = logits.length / Math.max(1, set.count);
  return { accuracy: topOneAccuracy(logits, set.labels, cols), loss: sparseSoftmaxCrossEntropy(logits, set.labels, cols) };
}

/**
 * The fraction of `set` whose label is the engine's top-1 class (`in_top_k(logits, y, 1)`).
 * @example const acc = await scoreTopOne(engine, test, 1 / 255);
 */
export async function scoreTopOne(engine: TrainingEngine, set: LabeledImages, pixelScale: number): Promise<number> {
  const logits = await engine.predictLogits(set.images, set.count, pixelScale);
  return topOneAccuracy(logits, set.labels, logits.length / Math.max(1, set.count));
}
