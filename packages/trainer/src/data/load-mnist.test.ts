import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '@mnist/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMnist, readIdxDataset } from './load-mnist.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'idx-dataset-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// A tiny dataset in the MNIST layout: `n` 2x2 images whose pixels all equal 51 * (i % 6), labels i % 10.
function images(n: number): Uint8Array {
  const data = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) data.fill(51 * (i % 6), 4 * i, 4 * i + 4);
  return encodeIdx({ dtype: 'uint8', shape: [n, 2, 2], data });
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
