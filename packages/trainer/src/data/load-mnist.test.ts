import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx, IDX_MAX_BYTES } from '@mnist/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMnist, readIdxDataset, readIdxFile } from './load-mnist.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'idx-dataset-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// A tiny dataset in the MNIST layout: `n` 2x2 images whose pixels all equal 51 * (i % 6), labels i % 10.
function images(n: number, rows = 2, cols = 2): Uint8Array {
  const pixels = rows * cols;
  const data = new Uint8Array(n * pixels);
  for (let i = 0; i < n; i++) data.fill(51 * (i % 6), pixels * i, pixels * i + pixels);
  return encodeIdx({ dtype: 'uint8', shape: [n, rows, cols], data });
}

// An IDX header declaring `dims` of uint8.
function header(dims: number[]): Uint8Array {
  const bytes = Buffer.alloc(4 + 4 * dims.length);
  bytes.set([0, 0, 0x08, dims.length]);
  dims.forEach((d, i) => bytes.writeUInt32BE(d, 4 + 4 * i));
  return bytes;
}

// A sparse file of `size` bytes that starts with `head`: a huge file that takes no disk space.
async function sparseFile(path: string, head: Uint8Array, size: number): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.write(head, 0, head.length, 0);
    await handle.truncate(size);
  } finally {
    await handle.close();
  }
}
function labels(n: number): Uint8Array {
  return encodeIdx({ dtype: 'uint8', shape: [n], data: Uint8Array.from({ length: n }, (_, i) => i % 10) });
}
async function writeDataset(names: Partial<Record<'trI' | 'trL' | 'teI' | 'teL', string>> = {}, gz = false): Promise<void> {
  const pack = (b: Uint8Array) => (gz ? gzipSync(b) : b);
  await writeFile(join(dir, names.trI ?? 'train-images-idx3-ubyte'), pack(images(6)));
  await writeFile(join(dir, names.trL ?? 'train-labels-idx1-ubyte'), pack(labels(6)));
  await writeFile(join(dir, names.teI ?? 't10k-images-idx3-ubyte'), pack(images(3)));
  await writeFile(join(dir, names.teL ?? 't10k-labels-idx1-ubyte'), pack(labels(3)));
}

describe('readIdxDataset', () => {
  it('reads the four raw files as bytes', async () => {
    await writeDataset();
    const { train, test } = await readIdxDataset(dir);
    expect([train.count, train.height, train.width, test.count]).toEqual([6, 2, 2, 3]);
    expect(Array.from(test.labels)).toEqual([0, 1, 2]);
    expect(train.images).toBeInstanceOf(Uint8Array);
    expect(train.images[4 * 5]).toBe(255);
  });

  it('reads gzipped files and the dotted naming variant', async () => {
    await writeDataset({ trI: 'train-images.idx3-ubyte.gz', trL: 'train-labels-idx1-ubyte.gz', teI: 't10k-images-idx3-ubyte.gz', teL: 't10k-labels.idx1-ubyte.gz' }, true);
    const { train, test } = await readIdxDataset(dir);
    expect([train.count, test.count]).toEqual([6, 3]);
    expect(Array.from(train.labels)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('names the missing file and the expected names in one line', async () => {
    await writeDataset();
    await rm(join(dir, 't10k-labels-idx1-ubyte'));
    const error = await readIdxDataset(dir).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      `${join(dir, 't10k-labels-idx1-ubyte')}: missing; a dataset directory needs train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (raw or .gz)`,
    );
  });

  it('names a missing directory', async () => {
    await expect(readIdxDataset(join(dir, 'nope'))).rejects.toThrow(`${join(dir, 'nope')}: expected a dataset directory holding`);
  });

  it('names a truncated file', async () => {
    await writeDataset();
    await writeFile(join(dir, 'train-images-idx3-ubyte'), images(6).subarray(0, 30));
    await expect(readIdxDataset(dir)).rejects.toThrow(`${join(dir, 'train-images-idx3-ubyte')}: expected 40 bytes for uint8 [6, 2, 2], got 30 (truncated)`);
  });

  it('names the first bad file in file order, whichever read fails first', async () => {
    await writeDataset();
    // The truncated train images fail after their read; the missing test labels fail before any read.
    await writeFile(join(dir, 'train-images-idx3-ubyte'), images(6).subarray(0, 30));
    await rm(join(dir, 't10k-labels-idx1-ubyte'));
    await expect(readIdxDataset(dir)).rejects.toThrow(`${join(dir, 'train-images-idx3-ubyte')}: expected 40 bytes`);
  });

  it('names both files when image and label counts differ', async () => {
    await writeDataset();
    await writeFile(join(dir, 't10k-labels-idx1-ubyte'), labels(4));
    await expect(readIdxDataset(dir)).rejects.toThrow('expected as many labels as images, got 3 images and 4 labels');
  });
});

describe('readIdxDataset: sizes checked before they are held', () => {
  it('refuses a gzipped header of 2^31 images from its first bytes, naming the file, the declaration and the ceiling', async () => {
    await writeDataset();
    // 2^31 images of 1x1, then 8 MiB of zeros: a small gzip "bomb" (the real one inflates 256 MB before failing).
    const bomb = Buffer.alloc(16 + 8 * 1024 * 1024);
    bomb.set(header([2 ** 31, 1, 1]));
    const path = join(dir, 'train-images-idx3-ubyte.gz');
    await rm(join(dir, 'train-images-idx3-ubyte'));
    await writeFile(path, gzipSync(bomb));
    await expect(readIdxDataset(dir)).rejects.toThrow(
      `${path}: the IDX header declares uint8 [2147483648, 1, 1], 2147483664 bytes, more than the ceiling of ${IDX_MAX_BYTES} bytes on one IDX file (IDX_MAX_BYTES, or the maxBytes option)`,
    );
  });

  it('refuses a raw file over the ceiling, made sparse, from its header', async () => {
    const path = join(dir, 'train-images-idx3-ubyte');
    await sparseFile(path, header([2 ** 31, 1, 1]), 2 ** 31 + 16);
    await expect(readIdxFile(path)).rejects.toThrow(`${path}: the IDX header declares uint8 [2147483648, 1, 1], 2147483664 bytes, more than the ceiling`);
  });

  it('refuses a raw file whose size differs from its header before reading it (a sparse 1.5 GB file)', async () => {
    const path = join(dir, 'train-images-idx3-ubyte');
    await sparseFile(path, header([6, 2, 2]), 1.5e9);
    await expect(readIdxFile(path)).rejects.toThrow(`${path}: expected 40 bytes for uint8 [6, 2, 2], got 1500000000 (trailing bytes)`);
  });

  it('takes a lower ceiling', async () => {
    await writeDataset();
    await expect(readIdxDataset(dir, { maxBytes: 39 })).rejects.toThrow('more than the ceiling of 39 bytes');
  });

  it('names a directory where a file should be', async () => {
    await expect(readIdxFile(dir)).rejects.toThrow(`${dir}: expected an IDX file`);
  });
});

describe('readIdxDataset: training and test sets agree', () => {
  it('refuses 1x1 training images with 28x28 test images, naming both files', async () => {
    await writeDataset();
    await writeFile(join(dir, 'train-images-idx3-ubyte'), images(6, 1, 1));
    await writeFile(join(dir, 't10k-images-idx3-ubyte'), images(3, 28, 28));
    await expect(readIdxDataset(dir)).rejects.toThrow(
      `${join(dir, 'train-images-idx3-ubyte')} / ${join(dir, 't10k-images-idx3-ubyte')}: expected images of the same size in both, got 1x1 and 28x28`,
    );
  });

  it('refuses 28x32 against 32x28 (same pixel count, other shape)', async () => {
    await writeDataset();
    await writeFile(join(dir, 'train-images-idx3-ubyte'), images(6, 28, 32));
    await writeFile(join(dir, 't10k-images-idx3-ubyte'), images(3, 32, 28));
    await expect(readIdxDataset(dir)).rejects.toThrow('expected images of the same size in both, got 28x32 and 32x28');
  });

  it('refuses a test label at or above the number of classes, naming the labels file', async () => {
    await writeDataset();
    await writeFile(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx({ dtype: 'uint8', shape: [3], data: new Uint8Array([0, 10, 2]) }));
    await expect(readIdxDataset(dir)).rejects.toThrow(`${join(dir, 't10k-labels-idx1-ubyte')}: expected labels in [0, 10), label 1 is 10`);
  });

  it('reads 32x32 images as 32x32', async () => {
    await writeDataset();
    await writeFile(join(dir, 'train-images-idx3-ubyte'), images(6, 32, 32));
    await writeFile(join(dir, 't10k-images-idx3-ubyte'), images(3, 32, 32));
    const { train, test } = await readIdxDataset(dir);
    expect([train.height, train.width, test.height, test.width]).toEqual([32, 32, 32, 32]);
  });
});

describe('loadMnist with a dataDir', () => {
  it('normalizes to [0, 1] by default, like load_mnist(normalize=True)', async () => {
    await writeDataset();
    const { train, test } = await loadMnist({ dataDir: dir });
    expect(train.images).toBeInstanceOf(Float32Array);
    expect(train.images.length).toBe(24);
    expect(Array.from(train.images.subarray(20, 24))).toEqual([1, 1, 1, 1]);
    expect(train.images[4]).toBeCloseTo(0.2, 7);
    expect(Array.from(test.labels)).toEqual([0, 1, 2]);
  });

  it('keeps bytes when normalize is false', async () => {
    await writeDataset();
    const { train } = await loadMnist({ dataDir: dir, normalize: false });
    expect(train.images).toBeInstanceOf(Uint8Array);
    expect(train.images[20]).toBe(255);
  });
});
