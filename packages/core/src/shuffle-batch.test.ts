import { describe, expect, it } from 'vitest';
import { deriveSeed, Rng } from './rng.js';
import { shuffleBatch } from './shuffle-batch.js';

// numpy: [len(b) for b in np.array_split(np.arange(length), length // batch_size)]
function arraySplitSizes(length: number, batchSize: number): number[] {
  const n = Math.floor(length / batchSize);
  return Array.from({ length: n }, (_, i) => Math.floor(length / n) + (i < length % n ? 1 : 0));
}

describe('shuffleBatch', () => {
  it('splits like numpy array_split (hand-checked cases)', () => {
    // np.array_split(range(10), 3) -> sizes 4, 3, 3; range(7) at batch 2 -> 3 batches of 3, 2, 2.
    expect(shuffleBatch(10, 3, new Rng(0)).map((b) => b.length)).toEqual([4, 3, 3]);
    expect(shuffleBatch(7, 2, new Rng(0)).map((b) => b.length)).toEqual([3, 2, 2]);
    expect(shuffleBatch(55000, 50, new Rng(0)).map((b) => b.length)).toEqual(new Array(1100).fill(50));
    expect(shuffleBatch(5, 5, new Rng(0)).map((b) => b.length)).toEqual([5]);
    expect(shuffleBatch(99, 50, new Rng(0)).map((b) => b.length)).toEqual([99]);
  });

  it('matches array_split sizes for many lengths and batch sizes', () => {
    for (let length = 1; length <= 60; length++) {
      for (let batchSize = 1; batchSize <= length; batchSize++) {
        expect(shuffleBatch(length, batchSize, new Rng(length)).map((b) => b.length)).toEqual(arraySplitSizes(length, batchSize));
      }
    }
  });

  it('uses every index exactly once', () => {
    const batches = shuffleBatch(1003, 50, new Rng(42));
    const all = batches.flatMap((b) => Array.from(b)).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 1003 }, (_, i) => i));
  });

  it('is a pure function of (seed, epoch), and epochs differ', () => {
    const epoch = (seed: number, e: number) => shuffleBatch(200, 50, new Rng(deriveSeed(seed, e))).map((b) => Array.from(b));
    expect(epoch(42, 3)).toEqual(epoch(42, 3));
    expect(epoch(42, 3)).not.toEqual(epoch(42, 4));
    expect(epoch(42, 3)).not.toEqual(epoch(7, 3));
  });

  it('refuses batch sizes below 1 or above the length', () => {
    expect(() => shuffleBatch(10, 0, new Rng(0))).toThrow(RangeError);
    expect(() => shuffleBatch(10, 11, new Rng(0))).toThrow(/batchSize must be an integer in \[1, 10\]/);
    expect(() => shuffleBatch(10, 2.5, new Rng(0))).toThrow(RangeError);
    expect(() => shuffleBatch(0, 1, new Rng(0))).toThrow(/length/);
  });
});
