import { describe, expect, it } from 'vitest';
import { accuracy, argmaxRows, confusionMatrix, inTopK, perClassMetrics, softmaxRows, sparseSoftmaxCrossEntropy, topOneAccuracy } from './metrics.js';

const f32 = (xs: number[]) => new Float32Array(xs);

describe('argmaxRows', () => {
  it('picks the largest column, the first on ties', () => {
    expect(Array.from(argmaxRows(f32([0.1, 0.9, 0.3, 5, 5, 1, -2, -1, -3]), 3))).toEqual([1, 0, 1]);
  });
  it('refuses a length that is not a multiple of cols', () => {
    expect(() => argmaxRows(f32([1, 2, 3]), 2)).toThrow(/not a multiple of cols = 2/);
  });
});

describe('softmaxRows', () => {
  it('matches hand-computed probabilities', () => {
    // [0, ln 3] -> [1/4, 3/4]; [ln 1, ln 2, ln 5] -> [1/8, 2/8, 5/8]
    const p = softmaxRows(f32([0, Math.log(3)]), 2);
    expect(p[0]).toBeCloseTo(0.25, 6);
    expect(p[1]).toBeCloseTo(0.75, 6);
    const q = softmaxRows(f32([0, Math.log(2), Math.log(5)]), 3);
    expect(Array.from(q).map((v) => +v.toFixed(6))).toEqual([0.125, 0.25, 0.625]);
  });
  it('is stable for large logits', () => {
    const p = softmaxRows(f32([1000, 1000 + Math.log(3)]), 2);
    expect(p[0]).toBeCloseTo(0.25, 4);
    expect(Number.isFinite(p[1])).toBe(true);
  });
});

describe('sparseSoftmaxCrossEntropy', () => {
  it('matches hand-computed losses', () => {
    // Row 1: [0, 0] label 1 -> ln 2. Row 2: [0, ln 3] label 0 -> -ln(1/4) = ln 4.
    const loss = sparseSoftmaxCrossEntropy(f32([0, 0, 0, Math.log(3)]), [1, 0], 2);
    expect(loss).toBeCloseTo((Math.log(2) + Math.log(4)) / 2, 6);
  });
  it('is stable for large logits', () => {
    // [1000, 0] label 1: loss = 1000 + ln(1 + e^-1000) - 0 = 1000
    expect(sparseSoftmaxCrossEntropy(f32([1000, 0]), new Int32Array([1]), 2)).toBeCloseTo(1000, 6);
  });
  it('refuses labels out of range', () => {
    expect(() => sparseSoftmaxCrossEntropy(f32([0, 0]), [2], 2)).toThrow('labels[0] = 2 is outside [0, 2)');
    expect(() => sparseSoftmaxCrossEntropy(f32([0, 0]), [0, 1], 2)).toThrow(/labels has 2 entries/);
  });
});

describe('inTopK', () => {
  it('follows TensorFlow: k=1 is argmax with ties counting as hits', () => {
    const logits = f32([0.1, 0.9, 0.0, 0.5, 0.5, 0.0, 0.2, 0.3, 0.4]);
    expect(Array.from(inTopK(logits, [1, 0, 0], 3))).toEqual([1, 1, 0]);
    expect(Array.from(inTopK(logits, [1, 1, 1], 3))).toEqual([1, 1, 0]);
  });
  it('counts the k largest', () => {
    const logits = f32([0.2, 0.3, 0.4]);
    expect(Array.from(inTopK(logits, [1], 3, 2))).toEqual([1]);
    expect(Array.from(inTopK(logits, [0], 3, 2))).toEqual([0]);
    expect(Array.from(inTopK(logits, [0], 3, 3))).toEqual([1]);
    expect(Array.from(inTopK(logits, [2], 3, 0))).toEqual([0]);
  });
  it('gives 0 for non-finite rows and out-of-range labels', () => {
    expect(Array.from(inTopK(f32([NaN, 1, 0, 1]), [1, 5], 2))).toEqual([0, 0]);
    expect(Array.from(inTopK(f32([Infinity, 1]), [0], 2))).toEqual([0]);
  });
});

describe('topOneAccuracy', () => {
  it('is the share of inTopK hits: ties count, NaN rows and out-of-range labels do not', () => {
    expect(topOneAccuracy(f32([0.1, 0.9, 0.5, 0.5, NaN, 1, 0, 1]), [1, 0, 1, 7], 2)).toBe(0.5);
    expect(topOneAccuracy(f32([]), [], 2)).toBe(0);
  });
});

describe('accuracy', () => {
  it('is the fraction of equal entries', () => {
    expect(accuracy([7, 2, 1, 1], new Uint8Array([7, 2, 1, 0]))).toBe(0.75);
    expect(accuracy(new Int32Array([3]), [3])).toBe(1);
  });
  it('refuses mismatched or empty inputs', () => {
    expect(() => accuracy([1], [1, 2])).toThrow('predicted has 1 entries, labels has 2');
    expect(() => accuracy([], [])).toThrow(RangeError);
  });
});

describe('confusionMatrix', () => {
  it('counts [label][predicted]', () => {
    expect(confusionMatrix([0, 1, 1, 2, 2], [0, 0, 1, 2, 1], 3)).toEqual([
      [1, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
  });
  it('refuses classes out of range', () => {
    expect(() => confusionMatrix([3], [0], 3)).toThrow('predicted[0] = 3 is outside [0, 3)');
  });
});

describe('perClassMetrics', () => {
  it('gives accuracy (= recall), precision, recall and support per class', () => {
    // y_true = [0, 0, 1, 2, 2, 2], y_pred = [0, 1, 1, 2, 2, 0]: scikit-learn's
    // precision_recall_fscore_support gives precision [0.5, 0.5, 1], recall [0.5, 1, 2/3], support [2, 1, 3].
    const m = perClassMetrics(confusionMatrix([0, 1, 1, 2, 2, 0], [0, 0, 1, 2, 2, 2], 3));
    expect(m.map((c) => c.precision)).toEqual([0.5, 0.5, 1]);
    expect(m.map((c) => c.recall)).toEqual([0.5, 1, 2 / 3]);
    expect(m.map((c) => c.accuracy)).toEqual(m.map((c) => c.recall));
    expect(m.map((c) => c.support)).toEqual([2, 1, 3]);
  });
  it('scores 0, not NaN, where a denominator is 0 (a class never predicted, or with no images), as scikit-learn does', () => {
    // Class 1 has images but is never predicted; class 2 has no images and is never predicted.
    expect(perClassMetrics([[2, 0, 0], [1, 0, 0], [0, 0, 0]])).toEqual([
      { accuracy: 1, precision: 2 / 3, recall: 1, support: 2 },
      { accuracy: 0, precision: 0, recall: 0, support: 1 },
      { accuracy: 0, precision: 0, recall: 0, support: 0 },
    ]);
  });
  it('refuses a matrix that is not square counts', () => {
    expect(() => perClassMetrics([])).toThrow('matrix must have at least one row');
    expect(() => perClassMetrics([[1, 0], [0]])).toThrow('row 1 has 1 entries, there are 2 rows');
    expect(() => perClassMetrics([[1, 0.5], [0, 1]])).toThrow('matrix[0][1] = 0.5 is not a non-negative integer count');
  });
});
