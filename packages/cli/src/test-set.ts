// The test images and labels the ONNX paths of `eval` and `predict` score against: the bundled MNIST
// (fetched into data/ on first use) or any IDX dataset given with --data.
import type { LabeledImages } from '@mnist/core';

/**
 * Loads the test set of `dataDir`, or of MNIST when omitted.
 * @example const test = await loadTestSet(); test.count === 10000
 */
export async function loadTestSet(dataDir?: string): Promise<LabeledImages> {
  const { readDataset } = await import('@mnist/trainer');
  return (await readDataset(dataDir)).test;
}
