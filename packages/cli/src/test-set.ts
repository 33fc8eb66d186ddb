// The test images and labels the ONNX paths of `eval` and `predict` score against: the bundled MNIST
// (fetched into data/ on first use) or any IDX dataset given with --data, of which only the test files
// (t10k-images, t10k-labels, raw or gzipped) are read.
import type { LabeledImages } from '@mnist/core';

/**
 * Loads the test set of `dataDir`, or of MNIST when omitted; the training files need not be there.
 * @example const test = await loadTestSet(); test.count === 10000
 */
export async function loadTestSet(dataDir?: string): Promise<LabeledImages> {
  const { readTestSplit } = await import('@mnist/trainer');
  return (await readTestSplit(dataDir)).test;
}
