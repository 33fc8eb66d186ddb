// Which dataset a run trained on, as the checkpoint records it (training.dataset): its name, its folder
// and the digests of its files, so eval scores on it by default and notices when given another.
import type { DatasetRecord } from '@mnist/core';
import { readdir } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { emnistSplit, findEmnistFile } from './emnist-files.js';
import { sha256Hex } from './ensure-mnist.js';
import { findIdxFile, readIdxFile } from './load-mnist.js';
import { builtInMnistRecord, MNIST_FILES, type IdxFileRole } from './mnist-files.js';

export { describeDataset, sameTestFiles, sameTrainingFiles } from './dataset-records.js';

export { BUILT_IN_DATASET } from './mnist-files.js';

/**
 * The record of `dataDir` (or of the built-in MNIST when omitted): name, folder and the SHA-256 of each
 * of its IDX files' uncompressed bytes. The folder is kept relative to `cwd` when it lies under it
 * (portable with the project), else resolved to an absolute path.
 * @example const record = await datasetRecord('data/fashion'); record.name === 'fashion'
 */
export async function datasetRecord(dataDir?: string, cwd: string = process.cwd()): Promise<DatasetRecord> {
  if (dataDir === undefined) return builtInMnistRecord();
  const absolute = resolve(cwd, dataDir);
  const under = relative(cwd, absolute);
  const folder = under === '' ? '.' : under.startsWith('..') || isAbsolute(under) ? absolute : under;
  const sha256: Partial<Record<IdxFileRole, string>> = {};
  const entries = await readdir(absolute);
  const split = (await findIdxFile(absolute, MNIST_FILES.trainImages.name, entries)) ? undefined : emnistSplit(absolute, entries);
  for (const role of ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const) {
    const path = split ? findEmnistFile(absolute, split, role, entries) : await findIdxFile(absolute, MNIST_FILES[role].name, entries);
    if (path) sha256[role] = sha256Hex((await readIdxFile(path)).bytes);
  }
  if (sha256.testImages === undefined || sha256.testLabels === undefined) throw new Error(`${dataDir}: has no test files to record`);
  return { name: basename(absolute), folder, sha256: sha256 as DatasetRecord['sha256'] };
}
