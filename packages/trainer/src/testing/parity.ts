// Test support for engine parity: a toy set both engines can learn, and the largest gap between two
// engines' weights (and optimizer slots), names checked first.
import { Rng, type ModelSpec, type NamedWeight } from '@mnist/core';
import { expect } from 'vitest';

/**
 * `count` images of `spec.inputSize` noise pixels, each with one pixel at 255 whose index mod the
 * class count is the label. Deterministic from `seed`.
 * @example const { images, labels } = parityToyData(SPEC, 400, 3);
 */
export function parityToyData(spec: ModelSpec, count: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  const rng = new Rng(seed);
  const n = spec.inputSize;
  const images = Uint8Array.from({ length: count * n }, () => rng.int(120));
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const hot = rng.int(n);
    images[i * n + hot] = 255;
    labels[i] = hot % spec.outputSize;
  }
  return { images, labels };
}

/**
 * The largest absolute difference between two weight maps, after asserting they hold the same names.
 * @example expect(maxAbsDifference(await a.readWeights(), await b.readWeights())).toBeLessThan(1e-6);
 */
export function maxAbsDifference(a: Map<string, NamedWeight>, b: Map<string, NamedWeight>): number {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  let worst = 0;
  for (const [name, w] of a) {
    const other = b.get(name)!.values;
    for (let i = 0; i < w.values.length; i++) worst = Math.max(worst, Math.abs(w.values[i] - other[i]));
  }
  return worst;
}
