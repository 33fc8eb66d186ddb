// The one log line a training epoch ends with, shared by `train` and `DNNClassifier.fit` so both print
// the same words and the same number format.

/** What an epoch's log line reports. */
export interface EpochLine {
  /** The 0-based epoch index, as the history and the checkpoint store it; printed 1-based. */
  epoch: number;
  /** The epochs the run goes to (the epoch budget), when known. */
  epochs?: number;
  /** With a step budget: optimizer steps done so far and the budget. */
  step?: number;
  steps?: number;
  /** The epoch's mean training loss. */
  loss: number;
  /** Accuracy on the epoch's last mini-batch (as the chapter's program prints it), not a mean. */
  batchAccuracy: number;
  /** Mean sparse softmax cross-entropy on the validation set (Keras' `val_loss`), when there is one. */
  valLoss?: number;
  /** Accuracy on the validation set, when there is one. */
  validationAccuracy?: number;
  /** Seconds this epoch took (its optimizer steps and its validation). */
  epochSeconds: number;
  /** Seconds since the run started. */
  totalSeconds: number;
  /** True when early stopping counts this as the best epoch so far. */
  best?: boolean;
}

/**
 * Formats an epoch's log line: the epoch 1-based like Keras' `Epoch 3/30`, four decimals for loss and
 * accuracies, the times labelled. Validation loss and accuracy come in Keras' order (`val_loss` before
 * `val_accuracy`), each only when given: a run without a validation set shows neither.
 * @example
 * epochLine({ epoch: 2, epochs: 30, loss: 0.21, batchAccuracy: 0.94, valLoss: 0.1337, validationAccuracy: 0.9612, epochSeconds: 4.1, totalSeconds: 12.3 })
 * // 'epoch 3/30: loss 0.2100, last-batch accuracy 0.9400, validation loss 0.1337, validation accuracy 0.9612; epoch time 4.1 s, total elapsed 12.3 s'
 */
export function epochLine(line: EpochLine): string {
  const epoch = `epoch ${line.epoch + 1}${line.epochs !== undefined ? `/${line.epochs}` : ''}`;
  const step = line.step !== undefined ? `, step ${line.step}${line.steps !== undefined ? `/${line.steps}` : ''}` : '';
  const validation =
    (line.valLoss !== undefined ? `, validation loss ${line.valLoss.toFixed(4)}` : '') +
    (line.validationAccuracy !== undefined ? `, validation accuracy ${line.validationAccuracy.toFixed(4)}` : '');
  return (
    `${epoch}${step}: loss ${line.loss.toFixed(4)}, last-batch accuracy ${line.batchAccuracy.toFixed(4)}${validation}` +
    `; epoch time ${line.epochSeconds.toFixed(1)} s, total elapsed ${line.totalSeconds.toFixed(1)} s${line.best ? ' (best so far)' : ''}`
  );
}
