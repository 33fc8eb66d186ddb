// The initial weights: truncated normal statistics, zero biases, determinism.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_SPEC, Rng } from '@mnist/core';
import { initialKernel, initialWeights, TRUNCATED_NORMAL_STD_FACTOR, truncatedNormal } from './initializers.js';

/** Mean, population standard deviation and largest magnitude of some draws. */
function stats(v: Float32Array) {
  let sum = 0;
  let max = 0;
  for (const x of v) {
    sum += x;
    max = Math.max(max, Math.abs(x));
  }
  const mean = sum / v.length;
  let sq = 0;
  for (const x of v) sq += (x - mean) ** 2;
  return { mean, std: Math.sqrt(sq / v.length), max };
}

describe('initialWeights', () => {
  const weights = initialWeights(DEFAULT_MODEL_SPEC, 42);

  it('draws each kernel from a normal with stddev 2/sqrt(fan_in) truncated at two stddevs', () => {
    const kernel = weights.get('dnn/hidden1/kernel')!;
    expect(kernel.shape).toEqual([784, 300]);
    const stddev = 2 / Math.sqrt(784);
    const { mean, std, max } = stats(kernel.values);
    expect(max).toBeLessThanOrEqual(2 * stddev);
    expect(max).toBeGreaterThan(1.95 * stddev); // the tails are really cut at 2, not earlier
    expect(Math.abs(mean)).toBeLessThan(0.01 * stddev);
    expect(std / stddev).toBeCloseTo(TRUNCATED_NORMAL_STD_FACTOR, 2);
  });

  it('uses the layer fan-in for each kernel and zeros every bias', () => {
    expect(weights.get('dnn/hidden2/kernel')!.shape).toEqual([300, 100]);
    expect(weights.get('dnn/outputs/kernel')!.shape).toEqual([100, 10]);
    const out = weights.get('dnn/outputs/kernel')!.values;
    expect(Math.max(...out.map(Math.abs))).toBeLessThanOrEqual(2 * (2 / Math.sqrt(100)));
    for (const name of ['dnn/hidden1/bias', 'dnn/hidden2/bias', 'dnn/outputs/bias']) {
      expect(weights.get(name)!.values.every((x) => x === 0)).toBe(true);
    }
  });

  it('is a pure function of the seed', () => {
    const again = initialWeights(DEFAULT_MODEL_SPEC, 42).get('dnn/hidden2/kernel')!.values;
    const other = initialWeights(DEFAULT_MODEL_SPEC, 43).get('dnn/hidden2/kernel')!.values;
    expect(Buffer.from(again.buffer)).toEqual(Buffer.from(weights.get('dnn/hidden2/kernel')!.values.buffer));
    expect(Buffer.from(other.buffer)).not.toEqual(Buffer.from(again.buffer));
  });

  it('matches the truncated normal standard deviation factor', () => {
    const v = truncatedNormal(new Float32Array(200_000), 1, new Rng(5));
    const std = Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    expect(std).toBeCloseTo(TRUNCATED_NORMAL_STD_FACTOR, 2);
    expect(() => truncatedNormal(new Float32Array(1), 0, new Rng(1))).toThrow(RangeError);
  });
});

describe('initialKernel', () => {
  it('he: a truncated normal whose spread after the cut is sqrt(2/fan_in)', () => {
    const { mean, std, max } = stats(initialKernel('he', 784, 300, new Rng(3)));
    const target = Math.sqrt(2 / 784);
    expect(std / target).toBeCloseTo(1, 2);
    expect(Math.abs(mean)).toBeLessThan(0.01 * target);
    const cut = (2 * target) / TRUNCATED_NORMAL_STD_FACTOR;
    expect(max).toBeLessThanOrEqual(cut * (1 + 1e-6));
    expect(max).toBeGreaterThan(0.97 * cut);
  });

  it('glorot: uniform within sqrt(6/(fan_in+fan_out)), so variance 2/(fan_in+fan_out)', () => {
    const v = initialKernel('glorot', 784, 300, new Rng(3));
    const { mean, std, max } = stats(v);
    const limit = Math.sqrt(6 / (784 + 300));
    expect(max).toBeLessThanOrEqual(limit);
    expect(max).toBeGreaterThan(0.999 * limit);
    expect(std / Math.sqrt(2 / (784 + 300))).toBeCloseTo(1, 2);
    expect(Math.abs(mean)).toBeLessThan(0.01 * limit);
    // Flat: each tenth of the range holds about a tenth of the draws.
    const bins = new Array(10).fill(0);
    for (const x of v) bins[Math.min(9, Math.floor(((x + limit) / (2 * limit)) * 10))]++;
    for (const b of bins) expect(Math.abs(b / v.length - 0.1)).toBeLessThan(0.005);
  });

  it('spec.initializer picks the kernels, deterministically from the seed; biases stay zero', () => {
    for (const initializer of ['he', 'glorot'] as const) {
      const spec = { ...DEFAULT_MODEL_SPEC, initializer };
      const a = initialWeights(spec, 7);
      expect(Buffer.from(a.get('dnn/hidden2/kernel')!.values.buffer)).toEqual(Buffer.from(initialWeights(spec, 7).get('dnn/hidden2/kernel')!.values.buffer));
      expect(Buffer.from(a.get('dnn/hidden2/kernel')!.values.buffer)).not.toEqual(Buffer.from(initialWeights(spec, 8).get('dnn/hidden2/kernel')!.values.buffer));
      expect(a.get('dnn/outputs/bias')!.values.every((x) => x === 0)).toBe(true);
    }
    expect(() => initialWeights({ ...DEFAULT_MODEL_SPEC, initializer: 'zeros' as never }, 1)).toThrow(/initializer must be one of/);
  });
});
