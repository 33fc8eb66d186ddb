// Test support for engine parity: a toy set both engines can learn (the gap between their weights is
// @mnist/export/testing's maxAbsDifference).
import { Rng, type ModelSpec } from '@mnist/core';

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

