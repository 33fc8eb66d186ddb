// planBlocks: consecutive equal-sized batches grouped, never more than maxSteps, order kept.
import { Rng, shuffleBatch } from '@mnist/core';
import { describe, expect, it } from 'vitest';
import { planBlocks } from './block-plan.js';

describe('planBlocks', () => {
  it('splits runs of one size at maxSteps and starts a new block where the size changes', () => {
    expect(planBlocks([51, 51, 51, 50, 50], 2)).toEqual([
      { first: 0, steps: 2, batchSize: 51 },
      { first: 2, steps: 1, batchSize: 51 },
      { first: 3, steps: 2, batchSize: 50 },
    ]);
    expect(planBlocks([50, 49, 50], 10)).toEqual([
      { first: 0, steps: 1, batchSize: 50 },
      { first: 1, steps: 1, batchSize: 49 },
      { first: 2, steps: 1, batchSize: 50 },
    ]);
    expect(planBlocks([], 3)).toEqual([]);
  });

  it('covers every batch of a shuffleBatch epoch exactly once', () => {
    const sizes = shuffleBatch(55_037, 50, new Rng(1)).map((b) => b.length);
    const blocks = planBlocks(sizes, 100);
    expect(blocks.reduce((n, b) => n + b.steps, 0)).toBe(sizes.length);
    let next = 0;
    for (const b of blocks) {
      expect(b.first).toBe(next);
      expect(b.steps).toBeLessThanOrEqual(100);
      for (let i = b.first; i < b.first + b.steps; i++) expect(sizes[i]).toBe(b.batchSize);
      next += b.steps;
    }
  });

  it('refuses a non-positive maxSteps or batch size', () => {
    expect(() => planBlocks([50], 0)).toThrow(/maxSteps/);
    expect(() => planBlocks([50, 0], 4)).toThrow(/batchSizes\[1\]/);
  });
});
