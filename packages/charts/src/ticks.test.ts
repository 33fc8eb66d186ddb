import { describe, expect, it } from 'vitest';
import { niceAxis, niceTicks } from './ticks.js';

describe('niceTicks', () => {
  it('picks steps of 1, 2 or 5 times a power of ten, with no float noise', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 1, 10)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(niceTicks(0.13, 2.87, 5)).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3]);
    expect(niceTicks(0, 1000, 4)).toEqual([0, 200, 400, 600, 800, 1000]);
  });

  it('keeps whole-number steps with minStep 1 (epochs), and widens a single value', () => {
    expect(niceTicks(1, 2, 6, 1)).toEqual([1, 2]);
    expect(niceTicks(1, 30, 6, 1)).toEqual([0, 5, 10, 15, 20, 25, 30]);
    expect(niceAxis(1, 1, 6, 1)).toMatchObject({ lo: 0, hi: 2, ticks: [0, 1, 2], decimals: 0 });
    expect(niceAxis(0.5, 0.5, 5).ticks.length).toBeGreaterThan(1);
  });

  it('says how many decimals write the ticks, and refuses infinite ends', () => {
    expect(niceAxis(0, 0.1, 5).decimals).toBe(2);
    expect(niceAxis(0, 100, 5).decimals).toBe(0);
    expect(() => niceAxis(0, Number.NaN)).toThrow(/finite ends/);
  });
});
