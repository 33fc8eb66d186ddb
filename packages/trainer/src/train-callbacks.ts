// The Keras/tfjs-style callbacks of `train` (`model.fit(..., callbacks)`): what each is given, and
// how the per-step losses an engine reports after an epoch become `onBatchEnd` calls.
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
export interface TrainCallbacks {
  /**
   * After each epoch's validation, before the next epoch starts. Aborting `signal` here ends the run
   * after this epoch, whose checkpoint is then the one kept. The checkpoint of this epoch is written
   * in the background while the next one trains: it is on disk once `train` resolves.
   */
  onEpochEnd?: (log: EpochEndLog) => Promise<void> | void;
  /**
   * Once per optimizer step, with its loss. The engines run an epoch (or a block of steps) in one
   * call and report its per-step losses at the end, so these calls come after that epoch has run,
   * in step order with the right step numbers, just before its `onEpochEnd`; an engine that reports
   * no per-step losses gets no calls.
   */
  onBatchEnd?: (log: BatchEndLog) => Promise<void> | void;
  /** Once at the end, with what `train` resolves to (also when `signal` stopped the run). */
  onTrainEnd?: (result: TrainResult) => Promise<void> | void;
}

/**
 * Calls `onBatchEnd` for each per-step loss of an epoch that ended at global step `stepAfter`.
 * @example await reportBatches(callbacks, stats, 40); // steps 21..40 for a 20-step epoch
 */
export async function reportBatches(callbacks: TrainCallbacks | undefined, stats: EpochStats, stepAfter: number): Promise<void> {
  if (!callbacks?.onBatchEnd || !stats.losses) return;
  const first = stepAfter - stats.losses.length;
  for (let i = 0; i < stats.losses.length; i++) await callbacks.onBatchEnd({ step: first + i + 1, loss: stats.losses[i] });
}
