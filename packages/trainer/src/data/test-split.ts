// Reading only a dataset's test files (t10k-images / t10k-labels, raw or gzipped), with their digests:
// what eval and predict score against, so a folder holding just the test files is enough for them.
import { DatasetError, labeledImagesFromIdx, type LabeledImages } from '@mnist/core';
import { join } from 'node:path';
import { defaultMnistDir, ensureMnist, sha256Hex, verifyDigest } from './ensure-mnist.js';
import { emnistClasses, emnistFileName, emnistMapping, emnistSplit, findEmnistFile, transposeImages } from './emnist-files.js';
import { findIdxFile, listDatasetDir, readIdxFile } from './load-mnist.js';
import { MNIST_FILES } from './mnist-files.js';

/** A dataset's test split and the SHA-256 of its two files' uncompressed bytes. */
export interface TestSplit {
  test: LabeledImages;
  /** The class names when the files say them (EMNIST letters: 'a'..'z'). */
  classNames?: readonly string[];
  sha256: { testImages: string; testLabels: string };
}

const TEST_FILE_NAMES = `${MNIST_FILES.testImages.name} and ${MNIST_FILES.testLabels.name}`;

/**
 * Reads the test files of `dataDir` (any IDX dataset), or of the built-in MNIST when omitted (fetched on
 * first use and checked against its digests). The training files are not needed. Labels must be below
 * `nClasses` (default 10; for EMNIST, its split's classes). EMNIST's test files as shipped are read as
 * training reads them (see emnist-files.ts): upright, letters' labels from 0.
 * @example const { test, sha256 } = await readTestSplit('data/fashion'); test.count === 10000
 */
export async function readTestSplit(dataDir?: string, options: { nClasses?: number } = {}): Promise<TestSplit> {
  const builtIn = dataDir === undefined;
  const dir = builtIn ? await ensureMnist(defaultMnistDir(), { verifyExisting: false }) : dataDir;
  const entries = await listDatasetDir(dir, TEST_FILE_NAMES);
  // MNIST's names win, as in readIdxDataset.
  const split = (await findIdxFile(dir, MNIST_FILES.testImages.name, entries)) ? undefined : emnistSplit(dir, entries);
  const read = async (role: 'testImages' | 'testLabels') => {
    const spec = MNIST_FILES[role];
    const path = split ? findEmnistFile(dir, split, role, entries) : await findIdxFile(dir, spec.name, entries);
    if (!path) throw new DatasetError(join(dir, split ? emnistFileName(split, role) : spec.name), `missing; scoring needs the test files ${split ? `${emnistFileName(split, 'testImages')} and ${emnistFileName(split, 'testLabels')}` : TEST_FILE_NAMES} (raw or .gz)`);
    const { array, bytes } = await readIdxFile(path);
    if (builtIn) verifyDigest(bytes, spec, path);
    return { idx: array, source: path, sha256: builtIn ? spec.sha256 : sha256Hex(bytes) };
  };
  const images = await read('testImages');
  const labels = await read('testLabels');
  const sha256 = { testImages: images.sha256, testLabels: labels.sha256 };
  if (split) {
    transposeImages(images.idx);
    const classNames = emnistClasses(split, labels.idx, labels.source, options.nClasses, await emnistMapping(dir, split, entries));
    const test = labeledImagesFromIdx(images.idx, labels.idx, { images: images.source, labels: labels.source }, options.nClasses ?? classNames.length);
    return { test, classNames, sha256 };
  }
  const test = labeledImagesFromIdx(images.idx, labels.idx, { images: images.source, labels: labels.source }, options.nClasses);
  return { test, sha256 };
}
