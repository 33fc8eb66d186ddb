// The epoch log line: 1-based epoch, labelled times, the same four-decimal format for train and fit.
import { describe, expect, it } from 'vitest';
import { epochLine } from './epoch-line.js';

describe('epochLine', () => {
  it('prints the 0-based epoch 1-based, out of the budget, with the times labelled', () => {
    expect(epochLine({ epoch: 2, epochs: 30, loss: 0.21, batchAccuracy: 0.94, validationAccuracy: 0.9612, epochSeconds: 4.14, totalSeconds: 12.31 })).toBe(
      'epoch 3/30: loss 0.2100, last-batch accuracy 0.9400, validation accuracy 0.9612; epoch time 4.1 s, total elapsed 12.3 s',
    );
  });

  it("shows the validation loss (Keras' val_loss) labelled, four decimals, before the validation accuracy", () => {
    expect(
      epochLine({ epoch: 0, epochs: 2, loss: 0.5, batchAccuracy: 0.875, valLoss: 0.123456, validationAccuracy: 0.9612, epochSeconds: 1, totalSeconds: 1 }),
    ).toBe('epoch 1/2: loss 0.5000, last-batch accuracy 0.8750, validation loss 0.1235, validation accuracy 0.9612; epoch time 1.0 s, total elapsed 1.0 s');
  });

  it('adds the step budget, leaves out a missing validation set, and marks the best epoch', () => {
    expect(epochLine({ epoch: 0, epochs: 4, step: 12, steps: 40, loss: 1, batchAccuracy: 0.9, epochSeconds: 1, totalSeconds: 2, best: true })).toBe(
      'epoch 1/4, step 12/40: loss 1.0000, last-batch accuracy 0.9000; epoch time 1.0 s, total elapsed 2.0 s (best so far)',
    );
  });
});
