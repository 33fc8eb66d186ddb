// Dropout keep-masks drawn in plain JS from the seeded Rng, so every engine drops the same units.
import type { Rng } from '@mnist/core';

/**
 * One keep-mask per batch: for each hidden layer in order, a row-major [batchRows × units] block of
 * 1 (keep, probability 1 - rate, drawn as `rng.float() < 1 - rate`) or 0 (drop), concatenated.
 * The engines apply inverted dropout with it: h * mask / (1 - rate).
 * @example const masks = dropoutMasks([50, 50], [300, 100], 0.5, new Rng(deriveSeed(seed, epoch, 1)));
 */
export function dropoutMasks(batchSizes: number[], hiddenUnits: number[], rate: number, rng: Rng): Uint8Array[] {
  if (!(Number.isFinite(rate) && rate >= 0 && rate < 1)) throw new RangeError(`rate must be in [0, 1), got ${rate}`);
  for (const [i, n] of batchSizes.entries()) {
    if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`batchSizes[${i}] must be a non-negative integer, got ${n}`);
  }
  for (const [i, n] of hiddenUnits.entries()) {
    if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`hiddenUnits[${i}] must be a positive integer, got ${n}`);
  }
  const keep = 1 - rate;
  const unitsPerRow = hiddenUnits.reduce((a, b) => a + b, 0);
  return batchSizes.map((rows) => {
    const mask = new Uint8Array(rows * unitsPerRow);
    for (let i = 0; i < mask.length; i++) mask[i] = rng.float() < keep ? 1 : 0;
    return mask;
  });
}
