// MnistClassifier on onnxruntime-node against a pure-JS forward pass of a random exported model.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder, encodeModel, identity } from '@mnist/export';
import { MnistClassifier } from './mnist-classifier.js';
import { argmaxRows10, randomImages, randomOnnxModel, referenceLogits, rejection, scaled } from '@mnist/export/testing';

const { checkpoint, bytes } = randomOnnxModel([16, 8], 7);
const raw = randomImages(64, 11);
const x = scaled(raw);
const expected = referenceLogits(checkpoint, x);
let dir: string;
let classifier: MnistClassifier;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'infer-node-'));
  classifier = await MnistClassifier.load(bytes, { intraOpNumThreads: 1 });
});
afterAll(async () => {
  await classifier.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('MnistClassifier (onnxruntime-node)', () => {
  it('predicts the classes and logits of the pure-JS forward pass', async () => {
    const prediction = await classifier.predict(x, { logits: true });
    expect(prediction.classes).toBeInstanceOf(Int32Array);
    expect([...prediction.classes]).toEqual(argmaxRows10(expected));
    expect(prediction.logits!.length).toBe(640);
    for (let i = 0; i < expected.length; i++) expect(Math.abs(prediction.logits![i] - expected[i])).toBeLessThan(1e-5);
    for (let r = 0; r < 64; r++) {
      const sum = prediction.probabilities.subarray(r * 10, r * 10 + 10).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 5);
    }
    expect(new Set(prediction.classes).size).toBeGreaterThan(2);
  });

  it('scales raw uint8 pixels with the model metadata, equal to scaled float input', async () => {
    const fromFloat = await classifier.predict(x, { logits: true });
    const fromBytes = await classifier.predict(raw, { logits: true });
    expect(fromBytes.classes).toEqual(fromFloat.classes);
    expect(fromBytes.logits).toEqual(fromFloat.logits);
    const perImage = Array.from({ length: 64 }, (_, i) => raw.subarray(i * 784, (i + 1) * 784));
    expect((await classifier.predict(perImage)).classes).toEqual(fromFloat.classes);
    const numbers = Array.from({ length: 3 }, (_, i) => Array.from(x.subarray(i * 784, (i + 1) * 784)));
    expect((await classifier.predict(numbers)).classes).toEqual(fromFloat.classes.subarray(0, 3));
  });

  it('gives the same answers in chunks as in one batch, and none for no images', async () => {
    const whole = await classifier.predict(x, { logits: true });
    const chunked = await classifier.predict(raw, { logits: true, batchSize: 10 });
    expect(chunked.classes).toEqual(whole.classes);
    expect(chunked.logits).toEqual(whole.logits);
    expect((await classifier.predict(new Float32Array(0))).classes.length).toBe(0);
  });

  it('evaluates accuracy and the confusion matrix', async () => {
    const reference = argmaxRows10(expected);
    const labels = reference.map((c, i) => (i % 4 === 0 ? (c + 1) % 10 : c));
    const result = await classifier.evaluate(raw, labels, { batchSize: 7 });
    expect(result.n).toBe(64);
    expect(result.accuracy).toBe(48 / 64);
    expect(result.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(64);
    for (let i = 0; i < 64; i++) expect(result.confusionMatrix[labels[i]][reference[i]]).toBeGreaterThan(0);
    const diagonal = result.confusionMatrix.reduce((sum, row, i) => sum + row[i], 0);
    expect(diagonal).toBe(48);
  });

  it('exposes the model metadata', () => {
    const meta = classifier.metadata;
    expect(meta.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(meta.preprocessing.pixelScale).toBeCloseTo(1 / 255, 12);
    expect(meta.testAccuracy).toBe(0.5);
    expect(meta.opset).toBe(17);
    expect(meta.irVersion).toBe(8);
    expect(meta.producer.name).toBe('mnist-onnx-sdk');
    expect(meta.sourceCheckpoint).toBe('random-fixture');
    expect(meta.modelSpec?.hiddenUnits).toEqual([16, 8]);
  });

  it('rejects inputs of the wrong length or with non-finite values, naming them', async () => {
    await expect(classifier.predict(new Float32Array(785))).rejects.toThrow(RangeError);
    await expect(classifier.predict(new Float32Array(785))).rejects.toThrow('images has 785 values, expected a multiple of 784');
    const bad = x.slice(0, 784 * 2);
    bad[784 + 5] = Number.NaN;
    await expect(classifier.predict(bad)).rejects.toThrow('images has a non-finite value NaN at index 789 (image 1, pixel 5)');
    await expect(classifier.predict([new Uint8Array(784), new Uint8Array(10)])).rejects.toThrow('images[1] has 10 values, expected 784');
    await expect(classifier.predict([[...new Array(783).fill(0), Infinity]])).rejects.toThrow('images[0] has a non-finite value Infinity at index 783');
    await expect(classifier.evaluate(raw, [1, 2])).rejects.toThrow('labels has 2 entries, images has 64 images');
    await expect(classifier.evaluate(raw.subarray(0, 784), [10])).rejects.toThrow('labels[0] = 10 is not a class in [0, 10)');
  });

  it('loads from a file and names a missing, corrupt or foreign file in one line', async () => {
    const path = join(dir, 'model.onnx');
    writeFileSync(path, bytes);
    const fromFile = await MnistClassifier.load(path);
    expect(fromFile.source).toBe(path);
    expect((await fromFile.predict(x)).classes).toEqual(Int32Array.from(argmaxRows10(expected)));
    await fromFile.dispose();

    const missing = join(dir, 'nope.onnx');
    await expect(MnistClassifier.load(missing)).rejects.toThrow(`${missing}: no such model file`);

    const garbage = join(dir, 'garbage.onnx');
    writeFileSync(garbage, new TextEncoder().encode('this is not a model at all, just text\n'.repeat(5)));
    const error = await rejection(MnistClassifier.load(garbage));
    expect(error.message).toMatch(new RegExp(`^${garbage}: is not an ONNX model`));
    expect(error.message).not.toContain('\n');

    // A valid ONNX model that is no digit classifier: a 3-channel 224x224 image input.
    const g = new GraphBuilder({ opset: 17 });
    const input = g.input('input', 'float32', ['N', 3, 224, 224]);
    g.output(identity(g, input, { name: 'output' }), 'float32', ['N', 3, 224, 224]);
    const foreign = join(dir, 'foreign.onnx');
    writeFileSync(foreign, encodeModel(g.build({ irVersion: 8 })));
    const foreignError = await rejection(MnistClassifier.load(foreign));
    expect(foreignError.message).toBe(
      `${foreign}: is not a 28x28 digit classifier: input "input" is float32 [N, 3, 224, 224], expected one float32 input [N,784], [N,1,28,28], [N,28,28,1] or [N,28,28]`,
    );
  });

  it('validates options, listing the valid execution providers', async () => {
    await expect(MnistClassifier.load(bytes, { executionProviders: ['gpu'] })).rejects.toThrow(
      /options.executionProviders: unknown execution provider "gpu"; valid choices: cpu/,
    );
    await expect(MnistClassifier.load(bytes, { intraOpNumThreads: -1 })).rejects.toThrow(RangeError);
    const two = await MnistClassifier.load(bytes, { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'basic' });
    expect((await two.predict(x)).classes).toEqual(Int32Array.from(argmaxRows10(expected)));
    await two.dispose();
  });

  it('disposes once; a second dispose is harmless; use afterwards says what to do', async () => {
    const c = await MnistClassifier.load(bytes);
    await c.dispose();
    await c.dispose();
    expect(c.disposed).toBe(true);
    await expect(c.predict(x)).rejects.toThrow(/has been disposed; load the model again/);
    await expect(c.evaluate(raw, new Array(64).fill(0))).rejects.toThrow(/has been disposed/);
  });
});
