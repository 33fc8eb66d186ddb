// The test split a model is scored on: the dataset its checkpoint or export records by default, another
// folder when asked (with a warning when its test files are not the recorded ones), MNIST with no record.
import type { DatasetRecord } from '@mnist/core';
import { existsSync } from 'node:fs';
import { describeDataset, sameTestFiles } from './dataset-identity.js';
import { isInMemoryRecord } from './in-memory-dataset.js';
import { builtInMnistRecord } from './mnist-files.js';
import { readTestSplit, type TestSplit } from './test-split.js';

/** Options of `readRecordedTestSplit`. */
export interface RecordedTestSplitOptions {
  /** A dataset folder to score on instead (only its test files are read). */
  dataDir?: string;
  /** Labels must be below this (the model's classes). */
  nClasses?: number;
  /** Told one line when `dataDir`'s test files are not the recorded dataset's. */
  onWarning?: (line: string) => void;
}

/**
 * Reads the test split of `dataDir`, else of the recorded dataset (`recorded`, what the model named
 * `source` was trained on), else of the built-in MNIST. A recorded folder that is gone, or a record of
 * arrays given to train, is one line suggesting --data; a `dataDir` whose test files differ from the
 * recorded ones is read after one warning naming both. Returns the split and the folder read (undefined: MNIST).
 * @example const { test } = await readRecordedTestSplit(checkpoint.modelJson.training.dataset, 'checkpoints/dnn', { onWarning: console.error });
 */
export async function readRecordedTestSplit(
  recorded: DatasetRecord | undefined,
  source: string,
  options: RecordedTestSplitOptions = {},
): Promise<TestSplit & { dataDir?: string }> {
  let dataDir = options.dataDir;
  // Arrays given to train() left no folder behind: scoring MNIST instead would be silently wrong.
  if (dataDir === undefined && isInMemoryRecord(recorded)) {
    throw new Error(`${source} was trained on arrays in memory (train({ data })), not a folder; pass --data with a folder of its test files`);
  }
  if (dataDir === undefined && recorded?.folder !== undefined) {
    if (!existsSync(recorded.folder)) {
      throw new Error(`${source} was trained on ${describeDataset(recorded)}, which is not there; pass --data with the folder of its test files`);
    }
    dataDir = recorded.folder;
  }
  // A record with no folder whose files are not MNIST's (a page that read another dataset over HTTP):
  // there is nothing here to read, and scoring MNIST instead would be silently wrong.
  if (dataDir === undefined && recorded !== undefined && recorded.folder === undefined && !sameTestFiles(recorded, builtInMnistRecord().sha256)) {
    throw new Error(`${source} was trained on ${recorded.name}, which has no folder here (read over HTTP?); pass --data with the folder of its test files`);
  }
  const split = await readTestSplit(dataDir, { nClasses: options.nClasses });
  if (options.dataDir !== undefined && recorded && !sameTestFiles(recorded, split.sha256)) {
    options.onWarning?.(`warning: ${source} was trained on ${describeDataset(recorded)}; scoring on ${options.dataDir}, whose test files differ`);
  }
  return { ...split, dataDir };
}
