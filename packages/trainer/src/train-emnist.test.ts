// EMNIST as shipped (emnist-letters-*-ubyte.gz, transposed images, letters labelled 1..26): read upright
// with classes 'a'..'z', trained to 26 outputs, exported with its labels and scored by eval.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx, METADATA_KEYS } from '@mnist/core';
import { exportOnnx, readOnnx } from '@mnist/export';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint-io.js';
import { EMNIST_LETTERS } from './data/emnist-files.js';
import { readIdxDataset } from './data/load-mnist.js';
import { readTestSplit } from './data/test-split.js';
import { evaluateCheckpoint } from './restore.js';
import { train } from './train.js';

const SIDE = 6;
let root: string;
let dataDir: string;
const upright: Record<'train' | 'test', { images: Uint8Array; labels: Uint8Array }> = {} as never;

// Letter k (1..26) lights upright pixel k - 1, off the diagonal for most k, so a missed transpose shows.
function letters(count: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  const images = new Uint8Array(count * SIDE * SIDE);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    labels[n] = 1 + ((n * 7 + seed) % 26);
    images[n * SIDE * SIDE + labels[n] - 1] = 255;
    images[n * SIDE * SIDE + ((n * 13 + seed) % (SIDE * SIDE))] ||= 40;
  }
  return { images, labels };
}

// EMNIST's layout: each image stored column by column.
function transposed(images: Uint8Array): Uint8Array {
  const out = new Uint8Array(images.length);
  for (let o = 0; o < images.length; o += SIDE * SIDE) {
    for (let r = 0; r < SIDE; r++) for (let c = 0; c < SIDE; c++) out[o + c * SIDE + r] = images[o + r * SIDE + c];
  }
  return out;
}

async function writeEmnist(dir: string, split: string, part: 'train' | 'test', set: { images: Uint8Array; labels: Uint8Array }) {
  const count = set.labels.length;
  await writeFile(join(dir, `emnist-${split}-${part}-images-idx3-ubyte.gz`), gzipSync(encodeIdx({ dtype: 'uint8', shape: [count, SIDE, SIDE], data: transposed(set.images) })));
  await writeFile(join(dir, `emnist-${split}-${part}-labels-idx1-ubyte.gz`), gzipSync(encodeIdx({ dtype: 'uint8', shape: [count], data: set.labels })));
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'train-emnist-'));
  dataDir = join(root, 'emnist');
  await mkdir(dataDir);
  upright.train = letters(312, 1);
  upright.test = letters(78, 2);
  await writeEmnist(dataDir, 'letters', 'train', upright.train);
  await writeEmnist(dataDir, 'letters', 'test', upright.test);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('EMNIST files as shipped', () => {
  it('reads the images upright and letters 1..26 as classes 0..25 named a..z', async () => {
    const dataset = await readIdxDataset(dataDir);
    expect(dataset.classNames).toEqual(EMNIST_LETTERS);
    expect(EMNIST_LETTERS.join('')).toBe('abcdefghijklmnopqrstuvwxyz');
    expect([dataset.train.height, dataset.train.width, dataset.train.count]).toEqual([SIDE, SIDE, 312]);
    expect(Buffer.compare(dataset.train.images, upright.train.images)).toBe(0);
    expect(Buffer.compare(dataset.test.images, upright.test.images)).toBe(0);
    expect([...dataset.train.labels]).toEqual([...upright.train.labels].map((l) => l - 1));
  });

  it('trains 26 outputs, exports the 26 labels, and eval scores on the same folder', async () => {
    const out = join(root, 'run');
    await train({ dataDir, out, epochs: 1, batchSize: 26, learningRate: 0.5, hiddenUnits: [16], validationSize: 52, seed: 1, engine: 'tfjs' });
    const checkpoint = await loadCheckpoint(out);
    expect(checkpoint.modelJson.modelSpec.outputSize).toBe(26);
    expect(checkpoint.modelJson.labels).toEqual(EMNIST_LETTERS);
    const onnx = readOnnx(exportOnnx(checkpoint));
    expect(JSON.parse(onnx.metadata[METADATA_KEYS.labels])).toEqual(EMNIST_LETTERS);
    const warnings: string[] = [];
    const scored = await evaluateCheckpoint(out, { dataDir, onWarning: (w) => warnings.push(w) });
    expect(scored.n).toBe(78);
    expect(scored.labels).toEqual(EMNIST_LETTERS);
    expect(scored.confusionMatrix).toHaveLength(26);
    expect(scored.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(78);
    expect(warnings).toEqual([]);
    expect((await evaluateCheckpoint(out)).accuracy).toBe(scored.accuracy);
  });

  it('reads a folder of only the test files for scoring, as training reads them', async () => {
    const testOnly = join(root, 'test-only');
    await mkdir(testOnly);
    for (const f of ['images-idx3', 'labels-idx1']) {
      await copyFile(join(dataDir, `emnist-letters-test-${f}-ubyte.gz`), join(testOnly, `emnist-letters-test-${f}-ubyte.gz`));
    }
    const split = await readTestSplit(testOnly);
    expect(split.classNames).toEqual(EMNIST_LETTERS);
    expect(Buffer.compare(split.test.images, upright.test.images)).toBe(0);
    expect([...split.test.labels]).toEqual([...upright.test.labels].map((l) => l - 1));
  });

  it('keeps a digits split\'s labels, with its largest label + 1 classes', async () => {
    const digits = join(root, 'digits');
    await mkdir(digits);
    const set = (count: number) => ({ images: new Uint8Array(count * SIDE * SIDE), labels: Uint8Array.from({ length: count }, (_, i) => i % 10) });
    await writeEmnist(digits, 'digits', 'train', set(20));
    await writeEmnist(digits, 'digits', 'test', set(10));
    const dataset = await readIdxDataset(digits);
    expect(dataset.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect([...dataset.test.labels]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('names a split\'s classes from its emnist-<split>-mapping.txt, and refuses a malformed one naming it', async () => {
    const balanced = join(root, 'balanced');
    await mkdir(balanced);
    const set = (count: number) => ({ images: new Uint8Array(count * SIDE * SIDE), labels: Uint8Array.from({ length: count }, (_, i) => i % 3) });
    await writeEmnist(balanced, 'balanced', 'train', set(9));
    await writeEmnist(balanced, 'balanced', 'test', set(3));
    // Four classes mapped, though the labels reach only 2: the mapping says how many there are.
    await writeFile(join(balanced, 'emnist-balanced-mapping.txt'), '0 48\n1 65\n2 97\n3 98\n');
    expect((await readIdxDataset(balanced)).classNames).toEqual(['0', 'A', 'a', 'b']);
    expect((await readTestSplit(balanced)).classNames).toEqual(['0', 'A', 'a', 'b']);
    await writeFile(join(balanced, 'emnist-balanced-mapping.txt'), '0 48\n1 x\n');
    await expect(readIdxDataset(balanced)).rejects.toThrow(`${join(balanced, 'emnist-balanced-mapping.txt')}: expected lines "label ascii-code" with labels below 256, line 2 is "1 x"`);
  });

  it('refuses two splits in one folder and a letters label 0, in one line naming the folder or file', async () => {
    const mixed = join(root, 'mixed');
    await mkdir(mixed);
    await writeEmnist(mixed, 'letters', 'train', upright.train);
    await writeEmnist(mixed, 'digits', 'test', upright.test);
    await expect(readIdxDataset(mixed)).rejects.toThrow(`${mixed}: holds EMNIST files of 2 splits (digits, letters), expected one; put each split in its own folder`);
    const zero = join(root, 'zero');
    await mkdir(zero);
    await writeEmnist(zero, 'letters', 'train', { images: upright.train.images, labels: upright.train.labels.map((l, i) => (i === 3 ? 0 : l)) });
    await writeEmnist(zero, 'letters', 'test', upright.test);
    await expect(readIdxDataset(zero)).rejects.toThrow(`${join(zero, 'emnist-letters-train-labels-idx1-ubyte.gz')}: expected EMNIST letters labels in [1, 26], label 3 is 0`);
    const missing = join(root, 'missing');
    await mkdir(missing);
    await writeEmnist(missing, 'letters', 'train', upright.train);
    await expect(readIdxDataset(missing)).rejects.toThrow(`${join(missing, 'emnist-letters-test-images-idx3-ubyte')}: missing; an EMNIST folder needs its split's train and test images and labels (raw or .gz)`);
  });
});
