// Groups an epoch's batches into blocks of consecutive equal-sized batches, one ONNX Runtime run each.

/** A run of `steps` consecutive batches starting at batch `first`, all of `batchSize` rows. */
export interface BatchBlock {
  first: number;
  steps: number;
  batchSize: number;
}

/**
 * Splits batches into blocks of at most `maxSteps` consecutive batches of one size. shuffleBatch's
 * array_split semantics give at most two sizes (B + 1 first, then B), so an epoch needs few extra runs.
 * @example planBlocks([50, 50, 50, 49], 2) // [{first 0, steps 2, size 50}, {first 2, steps 1, size 50}, {first 3, steps 1, size 49}]
 */
export function planBlocks(batchSizes: readonly number[], maxSteps: number): BatchBlock[] {
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new RangeError(`maxSteps must be a positive integer, got ${maxSteps}`);
  const blocks: BatchBlock[] = [];
  for (let i = 0; i < batchSizes.length; i++) {
    const size = batchSizes[i];
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`batchSizes[${i}] must be a positive integer, got ${size}`);
    const last = blocks[blocks.length - 1];
    if (last && last.batchSize === size && last.steps < maxSteps) last.steps++;
    else blocks.push({ first: i, steps: 1, batchSize: size });
  }
  return blocks;
}
