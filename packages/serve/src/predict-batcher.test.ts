// The batcher on a real onnxruntime-node classifier: the same answers as one predict per request,
// batches capped at maxBatch, and a failed runtime call failing every request it carried.
import { describe, expect, it } from 'vitest';
import { MnistClassifier } from '@mnist/infer-node';
import { PredictBatcher } from './predict-batcher.js';
import { randomImageRows, randomOnnxModel } from '@mnist/export/testing';

const model = randomOnnxModel([32, 16]).bytes;
const images = randomImageRows(10, 5).map((row) => Float32Array.from(row));

describe('PredictBatcher', () => {
  it('answers concurrent requests as separate predicts would, in batches of at most maxBatch', async () => {
    const classifier = await MnistClassifier.load(model, { intraOpNumThreads: 1 });
    const batcher = new PredictBatcher(classifier, { maxBatch: 4 });
    const pairs = [0, 2, 4, 5, 7].map((i) => {
      const pixels = new Float32Array(784 * 2);
      pixels.set(images[i]);
      pixels.set(images[i + 1] ?? images[0], 784);
      return pixels;
    });
    const single = images.map((pixels) => batcher.predict(pixels, 1));
    const double = pairs.map((pixels) => batcher.predict(pixels, 2));
    const answers = await Promise.all([...single, ...double]);
    for (const [i, pixels] of images.entries()) {
      const expected = await classifier.predict(pixels);
      expect(answers[i].classes).toEqual(expected.classes);
      expect(answers[i].probabilities).toEqual(expected.probabilities);
    }
    for (const [j, pixels] of pairs.entries()) {
      const expected = await classifier.predict(pixels);
      expect(answers[10 + j].classes).toEqual(expected.classes);
      expect(answers[10 + j].probabilities).toEqual(expected.probabilities);
    }
    expect(batcher.stats.images).toBe(20);
    expect(batcher.stats.largestBatch).toBeLessThanOrEqual(4);
    expect(batcher.stats.calls).toBeGreaterThanOrEqual(5);
    expect(batcher.stats.calls).toBeLessThan(15);
    await classifier.dispose();
  });

  it('fails every request of a failed runtime call, and refuses bad sizes and options', async () => {
    const classifier = await MnistClassifier.load(model);
    await classifier.dispose();
    const batcher = new PredictBatcher(classifier, { maxBatch: 8, windowMs: 5 });
    const results = await Promise.allSettled(images.slice(0, 3).map((pixels) => batcher.predict(pixels, 1)));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect(String((result as PromiseRejectedResult).reason)).toMatch(/has been disposed/);
    }
    expect(() => batcher.predict(new Float32Array(784 * 9), 9)).toThrow('9 images is more than maxBatch 8');
    expect(() => new PredictBatcher(classifier, { maxBatch: 0 })).toThrow(RangeError);
    expect(() => new PredictBatcher(classifier, { maxBatch: 4, windowMs: -1 })).toThrow(/batchWindowMs/);
  });
});
