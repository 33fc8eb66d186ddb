import { describe, expect, it } from 'vitest';
import { deriveSeed, Rng } from './rng.js';

describe('Rng', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 8 }, () => a.uint32());
    expect(Array.from({ length: 8 }, () => b.uint32())).toEqual(xs);
    expect(Array.from({ length: 8 }, () => c.uint32())).not.toEqual(xs);
    for (const x of xs) expect(Number.isInteger(x) && x >= 0 && x < 2 ** 32).toBe(true);
  });

  it('gives floats in [0, 1) with mean near 1/2', () => {
    const rng = new Rng(7);
    let sum = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const f = rng.float();
      expect(f >= 0 && f < 1).toBe(true);
      sum += f;
    }
    // Standard error of the mean is 0.289/sqrt(n) = 0.002; 0.01 is five of them.
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.01);
  });

  it('draws unbiased bounded integers', () => {
    const rng = new Rng(3);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60000; i++) counts[rng.int(6)]++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(500);
    expect(() => rng.int(0)).toThrow(RangeError);
  });

  it('permutes 0..n-1 with every index exactly once', () => {
    const p = new Rng(1).permutation(1000);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(p)).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(new Rng(1).permutation(0).length).toBe(0);
  });

  it('puts each element in each position about equally often', () => {
    const rng = new Rng(11);
    const n = 4;
    const counts = Array.from({ length: n }, () => new Array(n).fill(0));
    for (let t = 0; t < 8000; t++) rng.permutation(n).forEach((v, pos) => counts[v][pos]++);
    for (const row of counts) for (const c of row) expect(Math.abs(c - 2000)).toBeLessThan(200);
  });

  it('refuses seeds that are not 32-bit unsigned integers', () => {
    expect(() => new Rng(-1)).toThrow(RangeError);
    expect(() => new Rng(1.5)).toThrow(/seed must be an integer/);
  });
});

describe('deriveSeed', () => {
  it('is a pure function of (seed, stream)', () => {
    expect(deriveSeed(42, 3)).toBe(deriveSeed(42, 3));
    expect(deriveSeed(42, 3)).not.toBe(deriveSeed(42, 4));
    expect(deriveSeed(42, 3)).not.toBe(deriveSeed(43, 3));
    expect(deriveSeed(42, 1, 2)).not.toBe(deriveSeed(42, 2, 1));
    expect(deriveSeed(42)).not.toBe(deriveSeed(42, 0));
  });

  it('gives distinct seeds for many epochs', () => {
    const seeds = new Set(Array.from({ length: 1000 }, (_, e) => deriveSeed(42, e)));
    expect(seeds.size).toBe(1000);
    for (const s of seeds) expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
  });

  it('pins the values so checkpoints stay reproducible across releases', () => {
    // If these change, every saved seed produces different batches: bump the checkpoint format.
    const pinned = [deriveSeed(42, 0), deriveSeed(42, 1), new Rng(42).uint32()];
    expect(pinned).toEqual(PINNED);
  });
});

// Computed by an independent Python transcription of splitmix32 + xoshiro128** + fmix32 (whose
// xoshiro128** gives the reference sequence 11520, 0, 5927040, 70819200 from state 1, 2, 3, 4).
const PINNED: number[] = [1322726641, 2771952743, 2837322924];
