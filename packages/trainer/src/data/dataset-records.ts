// Describing and comparing the dataset records checkpoints keep (training.dataset): how messages name
// one, and whether two name the same files. No file access, so `train` uses them on every platform.
import type { DatasetRecord } from '@mnist/core';
import { isInMemoryRecord } from './in-memory-dataset.js';

/**
 * How a message names a recorded dataset: `mnist (built in)` or `fashion (data/fashion)`.
 * @example describeDataset({ name: 'fashion', folder: 'data/fashion', sha256 }) === 'fashion (data/fashion)'
 */
export function describeDataset(record: DatasetRecord): string {
  return `${record.name} (${record.folder ?? (isInMemoryRecord(record) ? 'arrays given to train' : 'built in')})`;
}

/**
 * True when two records name the same training files (the digests both hold; the folder may differ, as
 * when a dataset moved). A record without training digests matches any: there is nothing to compare.
 * @example sameTrainingFiles(checkpoint.modelJson.training.dataset, await datasetRecord('data/moved')) // true
 */
export function sameTrainingFiles(a: DatasetRecord, b: DatasetRecord): boolean {
  return (['trainImages', 'trainLabels'] as const).every((role) => a.sha256[role] === undefined || b.sha256[role] === undefined || a.sha256[role] === b.sha256[role]);
}

/**
 * True when test files with digests `sha256` are the recorded dataset's (gzipped or not, renamed or not).
 * @example sameTestFiles(record, (await readTestSplit(dir)).sha256)
 */
export function sameTestFiles(record: DatasetRecord, sha256: { testImages: string; testLabels: string }): boolean {
  return record.sha256.testImages === sha256.testImages && record.sha256.testLabels === sha256.testLabels;
}
