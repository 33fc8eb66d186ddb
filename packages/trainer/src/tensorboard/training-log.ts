// What `train({ logdir })` logs for TensorBoard: the step-wise training loss every `logEvery` steps
// and, per epoch, the epoch's mean loss, last-batch accuracy, validation loss and accuracy, and learning rate.
import { existsSync, statSync } from 'node:fs';
import type { EpochRecord } from '@mnist/core';
import type { EpochStats } from '../engine.js';
import { EventFileError, EventFileWriter } from './event-file-writer.js';

/** Default steps between two `batch/loss` points (Keras' `update_freq` in steps, as tf.estimator's 100). */
export const DEFAULT_LOG_EVERY = 100;

/**
 * The scalar tags, as TensorBoard groups them by the part before `/`. `batch/*` are at the global
 * step (optimizer steps done, counting a resumed run's); `epoch/*` at the epoch, 1-based as the
 * training output prints it.
 */
export const TRAINING_LOG_TAGS = Object.freeze({
  batchLoss: 'batch/loss',
  epochLoss: 'epoch/loss',
  epochBatchAccuracy: 'epoch/batch_accuracy',
  epochValidationLoss: 'epoch/val_loss',
  epochValidationAccuracy: 'epoch/val_accuracy',
  epochLearningRate: 'epoch/learning_rate',
});

/** The log settings of `train`. */
export interface TrainingLogOptions {
  /** The TensorBoard log directory: each run writes a new folder in it. */
  logdir: string;
  /** Steps between two `batch/loss` points; default 100. */
  logEvery?: number;
}

/**
 * Checks `train`'s log options before any work: a non-empty logdir, a positive integer logEvery.
 * @example checkTrainingLogOptions({ logdir: 'runs', logEvery: 10 }) // { logdir: 'runs', logEvery: 10 }
 */
export function checkTrainingLogOptions(options: { logdir?: string; logEvery?: number }): Required<TrainingLogOptions> | undefined {
  if (options.logdir === undefined) {
    if (options.logEvery !== undefined) throw new RangeError('logEvery needs logdir (where the TensorBoard logs go)');
    return undefined;
  }
  if (typeof options.logdir !== 'string' || options.logdir === '') throw new TypeError(`logdir must be a non-empty path, got ${JSON.stringify(options.logdir)}`);
  // Found before the data loads and training starts, rather than after.
  if (existsSync(options.logdir) && !statSync(options.logdir).isDirectory()) {
    throw new EventFileError(options.logdir, new Error('it is a file, and TensorBoard logs go into a folder'));
  }
  const logEvery = options.logEvery ?? DEFAULT_LOG_EVERY;
  if (!Number.isInteger(logEvery) || logEvery < 1) throw new RangeError(`logEvery must be an integer >= 1, got ${logEvery}`);
  return { logdir: options.logdir, logEvery };
}

/** One run's TensorBoard log, fed by the training loop after each epoch. */
export class TrainingLog {
  private constructor(
    private readonly writer: EventFileWriter,
    private readonly logEvery: number,
    private readonly learningRate: number,
  ) {}

  /** The run folder this run writes (`<logdir>/<run>`). */
  get runDir(): string {
    return this.writer.runDir;
  }

  /**
   * Starts a run folder in `options.logdir`.
   * @example const log = TrainingLog.open({ logdir: 'runs', logEvery: 100 }, 0.01);
   */
  static open(options: Required<TrainingLogOptions>, learningRate: number): TrainingLog {
    return new TrainingLog(EventFileWriter.create(options.logdir), options.logEvery, learningRate);
  }

  /**
   * Logs one finished epoch: `stats` from the engine (its per-step losses, when it reports them),
   * `record` from the loop (absent without a validation set), `stepAfter` the global step at its end.
   * @example log.epoch(3, stats, record, 3300);
   */
  epoch(epochNumber: number, stats: EpochStats, record: EpochRecord | undefined, stepAfter: number): void {
    const first = stepAfter - stats.steps;
    const now = Date.now() / 1000;
    for (let i = 0; stats.losses && i < stats.losses.length; i++) {
      const step = first + i + 1;
      if (step % this.logEvery === 0) this.writer.scalars(step, [{ tag: TRAINING_LOG_TAGS.batchLoss, value: stats.losses[i] }], now);
    }
    this.writer.scalars(
      epochNumber,
      [
        { tag: TRAINING_LOG_TAGS.epochLoss, value: record?.loss ?? stats.meanLoss },
        { tag: TRAINING_LOG_TAGS.epochBatchAccuracy, value: record?.batchAccuracy ?? stats.lastBatchAccuracy },
        ...(record?.valLoss !== undefined ? [{ tag: TRAINING_LOG_TAGS.epochValidationLoss, value: record.valLoss }] : []),
        ...(record ? [{ tag: TRAINING_LOG_TAGS.epochValidationAccuracy, value: record.validationAccuracy }] : []),
        { tag: TRAINING_LOG_TAGS.epochLearningRate, value: this.learningRate },
      ],
      now,
    );
  }

  /**
   * Flushes and closes the file (safe to call twice).
   * @example log.close();
   */
  close(): void {
    this.writer.close();
  }
}
