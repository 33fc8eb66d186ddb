// The test images and labels the ONNX paths of `eval` and `predict` score against: the bundled MNIST
// (fetched into data/ on first use) or any IDX dataset given with --data, of which only the test files
// (t10k-images, t10k-labels, raw or gzipped) are read; for a model whose export records its dataset
// (mnist.dataset), that dataset by default, as for its checkpoint.
import type { DatasetRecord, LabeledImages } from '@mnist/core';

/** The model a test set is read for, when its file records the dataset it was trained on. */
export interface ModelDataset {
  /** The model file, as messages name it. */
  source: string;
  /** Its `mnist.dataset`; undefined for foreign models and older exports (then MNIST, or --data). */
  dataset?: DatasetRecord;
  /** Its classes: labels must be below this. */
  classes: number;
  /** Told one line when --data's test files are not the recorded dataset's. */
  onWarning: (line: string) => void;
}

/**
 * Loads the test set of `dataDir`, else of the dataset `model` records, else of MNIST; the training files
 * need not be there.
 * @example const test = await loadTestSet(); test.count === 10000
 */
export async function loadTestSet(dataDir?: string, model?: ModelDataset): Promise<LabeledImages> {
  const { readRecordedTestSplit, readTestSplit } = await import('@mnist/trainer');
  if (model?.dataset === undefined) return (await readTestSplit(dataDir)).test;
  return (await readRecordedTestSplit(model.dataset, model.source, { dataDir, nClasses: model.classes, onWarning: model.onWarning })).test;
}
