// The original program's `shuffle_batch`: a fresh permutation of the training set split into
// len // batch_size nearly equal mini-batches, as numpy's array_split splits it.
import type { Rng } from './rng.js';

/**
 * Draws one epoch of mini-batches as index arrays. Mirrors
 * `rnd_idx = np.random.permutation(len(X)); n_batches = len(X) // batch_size;
 *  for batch_idx in np.array_split(rnd_idx, n_batches)`:
 * every index appears exactly once and the first `length % n_batches` batches hold one extra element
 * (55000 images at batch size 50 give 1100 batches of exactly 50).
 * @example for (const idx of shuffleBatch(55000, 50, new Rng(deriveSeed(42, epoch)))) step(idx);
 */
export function shuffleBatch(length: number, batchSize: number, rng: Rng): Int32Array[] {
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`length must be a positive integer, got ${length}`);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > length) {
    throw new RangeError(`batchSize must be an integer in [1, ${length}] (the dataset length), got ${batchSize}`);
  }
  const order = rng.permutation(length);
  const nBatches = Math.floor(length / batchSize);
  const base = Math.floor(length / nBatches);
  const extra = length % nBatches;
  const batches: Int32Array[] = [];
  let start = 0;
  for (let b = 0; b < nBatches; b++) {
    const size = base + (b < extra ? 1 : 0);
    batches.push(order.subarray(start, start + size));
    start += size;
  }
  return batches;
}
