// Dropout keep-masks: kept with probability 1 - rate, the same masks from the same rng, none at rate 0.
import { Rng } from '@mnist/core';
import { describe, expect, it } from 'vitest';
import { dropoutMasks } from './dropout-masks.js';

describe('dropoutMasks', () => {
  it('draws keep-masks with probability 1 - rate, deterministically from the rng', () => {
    const masks = dropoutMasks([50, 20], [300, 100], 0.3, new Rng(1));
    expect(masks.map((m) => m.length)).toEqual([50 * 400, 20 * 400]);
    const kept = masks[0].reduce((a, b) => a + b, 0) / masks[0].length;
    expect(Math.abs(kept - 0.7)).toBeLessThan(0.02);
    expect(dropoutMasks([50, 20], [300, 100], 0.3, new Rng(1))).toEqual(masks);
    expect(dropoutMasks([2], [3], 0, new Rng(1))[0]).toEqual(new Uint8Array(6).fill(1));
    expect(() => dropoutMasks([2], [3], 1, new Rng(1))).toThrow(/rate/);
  });
});
