// DNNClassifier.fit as Keras' fit: `epochs` as well as `steps` (the first reached ends the call), the
// same callbacks as `train` (awaited, in step and epoch order), and an AbortSignal from onEpochEnd.
import { describe, expect, it } from 'vitest';
import { DNNClassifier } from './dnn-classifier.js';
import { brightPixelSet, ROW_THIRDS } from './testing/toy-dataset.js';
import type { BatchEndLog, FitEndLog, FitEpochEndLog } from './train-callbacks.js';

function toySet(count: number, seed: number) {
  const { images, labels } = brightPixelSet(count, seed, ROW_THIRDS);
  return { X: images, y: labels };
}
const train = toySet(600, 1);
const validation = toySet(100, 2);
const classifier = () => new DNNClassifier({ hiddenUnits: [8], nClasses: 3, engine: 'tfjs', seed: 3 });

describe('DNNClassifier.fit({ epochs, callbacks, signal })', () => {
  it('runs `epochs` more epochs per call, with onBatchEnd per step before each onEpochEnd, and onTrainEnd', async () => {
    const clf = classifier();
    const order: string[] = [];
    const batches: BatchEndLog[] = [];
    const epochs: FitEpochEndLog[] = [];
    const ends: FitEndLog[] = [];
    const callbacks = {
      onBatchEnd: (log: BatchEndLog) => {
        batches.push(log);
        order.push('batch');
      },
      onEpochEnd: async (log: FitEpochEndLog) => {
        await new Promise((resolve) => setImmediate(resolve));
        epochs.push(log);
        order.push(`epoch ${log.epoch}`);
      },
      onTrainEnd: (log: FitEndLog) => {
        ends.push(log);
        order.push('end');
      },
    };
    // 600 / 50 = 12 steps an epoch.
    const lines: string[] = [];
    await clf.fit(train.X, train.y, { batchSize: 50, epochs: 2, validation, callbacks, onLog: (l) => lines.push(l) });
    expect(clf.globalStep).toBe(24);
    expect(order).toEqual([...Array(12).fill('batch'), 'epoch 0', ...Array(12).fill('batch'), 'epoch 1', 'end']);
    expect(batches.map((b) => b.step)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    const history = clf.epochHistory;
    expect(history).toHaveLength(2);
    history.forEach((r, i) => {
      expect(r.valLoss).toBeGreaterThan(0);
      expect(epochs[i]).toMatchObject({ epoch: i, loss: r.loss, accuracy: r.batchAccuracy, valLoss: r.valLoss, valAccuracy: r.validationAccuracy });
      // The epoch line shows the same validation loss, as Keras' val_loss, in the line's four decimals.
      expect(lines.filter((l) => l.startsWith('epoch '))[i]).toContain(`, validation loss ${r.valLoss!.toFixed(4)}, validation accuracy ${r.validationAccuracy.toFixed(4)};`);
    });
    expect(ends).toEqual([{ epochs: 2, steps: 24, history, aborted: false }]);

    // A second call runs that many more; with steps too, the first reached ends it.
    await clf.fit(train.X, train.y, { batchSize: 50, epochs: 1 });
    expect(clf.globalStep).toBe(36);
    await clf.fit(train.X, train.y, { batchSize: 50, epochs: 3, steps: 5 });
    expect(clf.globalStep).toBe(41);
    await clf.fit(train.X, train.y, { batchSize: 50, epochs: 1, steps: 500 });
    expect(clf.globalStep).toBe(41 + 12);
  });

  it('without a validation set the epoch log has no validation fields; the epochs fit gives the steps fit', async () => {
    const logs: FitEpochEndLog[] = [];
    const a = classifier();
    const lines: string[] = [];
    await a.fit(train.X, train.y, { batchSize: 50, epochs: 2, callbacks: { onEpochEnd: (log) => void logs.push(log) }, onLog: (l) => lines.push(l) });
    expect(logs.map((l) => l.epoch)).toEqual([0, 1]);
    for (const l of logs) expect(Object.keys(l).sort()).toEqual(['accuracy', 'epoch', 'loss', 'seconds']);
    expect(lines.filter((l) => l.startsWith('epoch '))).toHaveLength(2);
    for (const l of lines) expect(l).not.toMatch(/validation/);
    const b = classifier();
    await b.fit(train.X, train.y, { batchSize: 50, steps: 24 });
    expect(Array.from((await a.predict(validation.X)).probabilities)).toEqual(Array.from((await b.predict(validation.X)).probabilities));
  });

  it('an abort from onEpochEnd ends the fit after that epoch; aborted before, fit rejects and changes nothing', async () => {
    const stop = new AbortController();
    const clf = classifier();
    let end: FitEndLog | undefined;
    await clf.fit(train.X, train.y, {
      batchSize: 50,
      epochs: 10,
      validation,
      signal: stop.signal,
      callbacks: { onEpochEnd: (log) => void (log.epoch === 1 && stop.abort()), onTrainEnd: (log) => void (end = log) },
    });
    expect(clf.globalStep).toBe(24);
    expect(end).toMatchObject({ epochs: 2, steps: 24, aborted: true });
    await expect(clf.fit(train.X, train.y, { batchSize: 50, epochs: 1, signal: stop.signal })).rejects.toThrow(/abort/i);
    expect(clf.globalStep).toBe(24);
  });

  it('refuses neither steps nor epochs, and a bad epochs', async () => {
    const clf = classifier();
    await expect(clf.fit(train.X, train.y, {})).rejects.toThrow('fit needs steps or epochs (how long to train), got neither');
    await expect(clf.fit(train.X, train.y, { epochs: 1.5 })).rejects.toThrow('epochs must be a positive integer, got 1.5');
  });
});
