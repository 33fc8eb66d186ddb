// DNNClassifier on a tiny learnable set: TF's defaults, fit/predict/evaluate, steps across epochs,
// save/load round trip, input checks, accuracyScore.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accuracyScore } from './accuracy-score.js';
import { loadCheckpoint } from './checkpoint-io.js';
import { DNNClassifier } from './dnn-classifier.js';
import { brightPixelSet, ROW_THIRDS } from './testing/toy-dataset.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dnn-clf-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// 36-pixel images in [0, 1] whose label is the row third (0, 1, 2) of the one bright pixel.
function toySet(count: number, seed: number) {
  const { images, labels } = brightPixelSet(count, seed, ROW_THIRDS);
  return { X: Float32Array.from(images, (b) => b / 255), y: labels };
}

describe('DNNClassifier', () => {
  const train = toySet(600, 1);
  const test = toySet(200, 2);

  it('fits with TF defaults (Adagrad 0.05), predicts, evaluates, and scores far above chance', async () => {
    const clf = new DNNClassifier({ hiddenUnits: [16, 8], nClasses: 3, engine: 'tfjs' });
    const logs: string[] = [];
    await clf.fit(train.X, train.y, { batchSize: 50, steps: 300, onLog: (l) => logs.push(l) });
    // 600 / 50 = 12 steps per epoch: 300 steps are 25 epochs exactly.
    expect(clf.globalStep).toBe(300);
    expect(logs[0]).toMatch(/^engine tfjs/);
    expect(logs[logs.length - 1]).toMatch(/^epoch 25\/25, step 300\/300: loss \d+\.\d{4}, last-batch accuracy [01]\.\d{4}; epoch time/);
    const yPred = await clf.predict(test.X);
    expect(yPred.classes).toHaveLength(200);
    expect(yPred.probabilities).toHaveLength(600);
    const rowSum = yPred.probabilities[0] + yPred.probabilities[1] + yPred.probabilities[2];
    expect(rowSum).toBeCloseTo(1, 5);
    const score = accuracyScore(test.y, yPred.classes);
    expect(score).toBeGreaterThan(0.8);
    const { accuracy, loss } = await clf.evaluate(test.X, test.y);
    expect(accuracy).toBe(score);
    expect(loss).toBeGreaterThan(0);
    expect(loss).toBeLessThan(Math.log(3));

    // Saved with the Adagrad slots in the common format; loaded it predicts the same and fits on.
    await clf.save(join(root, 'clf'));
    const { modelJson, weights } = await loadCheckpoint(join(root, 'clf'));
    expect(modelJson.modelSpec).toMatchObject({ inputSize: 36, hiddenUnits: [16, 8], outputSize: 3, activation: 'relu', initializer: 'glorot' });
    expect(modelJson.training.optimizer).toEqual({ name: 'adagrad', learningRate: 0.05, params: { initialAccumulatorValue: 0.1 } });
    expect(modelJson.training.step).toBe(300);
    expect(weights.has('dnn/hidden1/kernel/Adagrad')).toBe(true);
    const loaded = await DNNClassifier.load(join(root, 'clf'));
    expect(Array.from((await loaded.predict(test.X)).classes)).toEqual(Array.from(yPred.classes));
    await loaded.fit(train.X, train.y, { batchSize: 50, steps: 5 });
    expect(loaded.globalStep).toBe(305);
  });

  it('stops after `steps` inside an epoch, takes bytes or arrays, and is reproducible from its seed', async () => {
    const bytes = Uint8Array.from(train.X, (v) => Math.round(v * 255));
    const rows = Array.from({ length: 600 }, (_, i) => Array.from(train.X.subarray(i * 36, (i + 1) * 36)));
    const a = new DNNClassifier({ hiddenUnits: [10], nClasses: 3, engine: 'tfjs', optimizer: 'adam', learningRate: 0.01, dropout: 0.1, seed: 3 });
    const b = new DNNClassifier({ hiddenUnits: [10], nClasses: 3, engine: 'tfjs', optimizer: 'adam', learningRate: 0.01, dropout: 0.1, seed: 3 });
    await a.fit(bytes, train.y, { batchSize: 50, steps: 17 });
    await b.fit(rows, Array.from(train.y), { batchSize: 50, steps: 17 });
    expect(a.globalStep).toBe(17);
    const pa = await a.predict(test.X);
    const pb = await b.predict(test.X);
    expect(Array.from(pa.probabilities)).toEqual(Array.from(pb.probabilities));
  });

  it('early stopping with a validation set records every epoch and keeps the best one', async () => {
    const clf = new DNNClassifier({ hiddenUnits: [16], nClasses: 3, engine: 'tfjs', optimizer: 'sgd', learningRate: 0.5 });
    await clf.fit(train.X, train.y, { steps: 12 * 30, validation: test, earlyStopping: { patience: 2 } });
    const accuracies = clf.epochHistory.map((h) => h.validationAccuracy);
    expect(accuracies.length).toBeGreaterThan(2);
    expect((await clf.evaluate(test.X, test.y)).accuracy).toBe(Math.max(...accuracies));
  });

  it('refuses bad arguments by name', async () => {
    expect(() => new DNNClassifier({ hiddenUnits: [0], nClasses: 10 })).toThrow(/hiddenUnits/);
    expect(() => new DNNClassifier({ hiddenUnits: [3], nClasses: 1 })).toThrow(/nClasses/);
    expect(() => new DNNClassifier({ hiddenUnits: [3], nClasses: 3, optimizer: 'adadelta' as never })).toThrow(/optimizer must be one of/);
    expect(() => new DNNClassifier({ hiddenUnits: [3], nClasses: 3, initializer: 'ones' as never })).toThrow(/initializer must be one of/);
    const clf = new DNNClassifier({ hiddenUnits: [3], nClasses: 3, engine: 'tfjs' });
    await expect(clf.predict(test.X)).rejects.toThrow(/has not been fitted/);
    await expect(clf.fit(train.X, train.y.subarray(0, 599), { steps: 1 })).rejects.toThrow(/not a multiple of the 599 labels/);
    await expect(clf.fit(train.X, Uint8Array.from(train.y, () => 5), { steps: 1 })).rejects.toThrow('y[0] = 5 is not a class in [0, 3)');
    await expect(clf.fit(Float32Array.from(train.X, (v) => v * 2), train.y, { steps: 1 })).rejects.toThrow(/X must hold pixels in \[0, 1\]/);
    await expect(clf.fit(train.X, train.y, { steps: 0 })).rejects.toThrow(/steps must be a positive integer/);
    expect(() => accuracyScore([1, 2], [1])).toThrow(/same length/);
    expect(accuracyScore([7, 2, 1, 0], [7, 2, 1, 1])).toBe(0.75);
  });
});
