// The Keras/tfjs-style callbacks of `train` and `DNNClassifier.fit` (`model.fit(..., callbacks)`): what
// each is given, and how the per-step losses an engine reports after an epoch become `onBatchEnd` calls.
import type { EpochRecord } from '@mnist/core';
import type { EpochStats } from './engine.js';
import type { TrainResult } from './train.js';

/** What `onEpochEnd` is given: the epoch's history record (0-based `epoch`, as Keras') and the time. */
export interface EpochEndLog {
  /** 0-based, as Keras' `on_epoch_end(epoch)` and the checkpoint's history (the CLI prints it 1-based). */
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  /** Accuracy on the epoch's last batch after its updates (the original program's batch accuracy). */
  accuracy: number;
  /** Mean sparse softmax cross-entropy on the validation set. */
  valLoss: number;
  valAccuracy: number;
  /** Wall-clock seconds since `train` started. */
  seconds: number;
}

/** What `DNNClassifier.fit`'s `onEpochEnd` is given: the validation fields only with a validation set. */
export type FitEpochEndLog = Omit<EpochEndLog, 'valLoss' | 'valAccuracy'> & Partial<Pick<EpochEndLog, 'valLoss' | 'valAccuracy'>>;

/** What `DNNClassifier.fit`'s `onTrainEnd` is given. */
export interface FitEndLog {
  /** Epochs and optimizer steps run in total (across `fit` calls). */
  epochs: number;
  steps: number;
  /** The per-epoch records (only with a validation set), as `epochHistory`. */
  history: EpochRecord[];
  /** True when `signal` ended this fit early. */
  aborted: boolean;
}

/** What `onBatchEnd` is given. */
export interface BatchEndLog {
  /** The global step this loss belongs to: 1-based, counting a resumed run's steps. */
  step: number;
  /** The step's loss, taken before its update. */
  loss: number;
}

/**
 * Callbacks of `train`, as Keras' and tfjs' `fit({ callbacks })`. Each may return a promise, which is
 * awaited before training goes on; a throw (or rejection) ends `train` with that error. To stop the run
 * from a callback (Keras' `model.stop_training = True`), abort the AbortSignal passed as `signal`.
 */
export type TrainCallbacks = Callbacks<EpochEndLog, TrainResult>;

/** The callbacks of `DNNClassifier.fit`: as TrainCallbacks, without checkpoints (the weights stay in memory). */
export type FitCallbacks = Callbacks<FitEpochEndLog, FitEndLog>;

/** The callbacks shared by `train` and `DNNClassifier.fit`, by what their epoch and end are given. */
export interface Callbacks<EpochLog, EndLog> {
  /**
   * After each epoch's validation, before the next epoch starts. Aborting `signal` here ends the run
   * after this epoch. With `train`, this epoch's checkpoint is then the one kept; it is written in the
   * background while the next epoch trains, and is on disk once `train` resolves.
   */
  onEpochEnd?: (log: EpochLog) => Promise<void> | void;
  /**
   * Once per optimizer step, with its loss. The engines run an epoch (or a block of steps) in one
   * call and report its per-step losses at the end, so these calls come after that epoch has run,
   * in step order with the right step numbers, just before its `onEpochEnd`; an engine that reports
   * no per-step losses gets no calls.
   */
  onBatchEnd?: (log: BatchEndLog) => Promise<void> | void;
  /** Once at the end, with what `train` resolves to (also when `signal` stopped the run). */
  onTrainEnd?: (result: EndLog) => Promise<void> | void;
}

/**
 * Calls `onBatchEnd` for each per-step loss of an epoch that ended at global step `stepAfter`.
 * @example await reportBatches(callbacks, stats, 40); // steps 21..40 for a 20-step epoch
 */
export async function reportBatches(callbacks: Pick<Callbacks<unknown, unknown>, 'onBatchEnd'> | undefined, stats: EpochStats, stepAfter: number): Promise<void> {
  if (!callbacks?.onBatchEnd || !stats.losses) return;
  const first = stepAfter - stats.losses.length;
  for (let i = 0; i < stats.losses.length; i++) await callbacks.onBatchEnd({ step: first + i + 1, loss: stats.losses[i] });
}
