// train({ data }): arrays in memory train exactly as the same data in a folder, bad arrays are one-line
// errors naming the field, and the checkpoint records them as in-memory so eval asks for --data.
import { WEIGHTS_FILE } from '@mnist/core';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint-io.js';
import { datasetRecord } from './data/dataset-identity.js';
import { type InMemoryDataset } from './data/in-memory-dataset.js';
import { readDataset } from './data/load-mnist.js';
import { evaluateCheckpoint } from './restore.js';
import { scratchToyDataset } from './testing/toy-dataset.js';
import { train, type TrainOptions } from './train.js';

let root: string;
let dataDir: string;
let data: InMemoryDataset;
const settings: TrainOptions = { epochs: 1, batchSize: 20, learningRate: 0.1, hiddenUnits: [8], validationSize: 50, seed: 3, engine: 'tfjs' };

beforeAll(async () => {
  ({ root, dataDir } = await scratchToyDataset('train-in-memory-', 300, 60));
  const { train: t, test } = await readDataset(dataDir);
  // Copies, and Int32Array labels for training: nothing shared with what the folder run reads.
  data = {
    train: { images: t.images.slice(), labels: Int32Array.from(t.labels) },
    test: { images: test.images.slice(), labels: test.labels.slice() },
    imageShape: [t.height, t.width],
  };
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('train({ data })', () => {
  it('trains bit for bit as from the same data in a folder, and records it as in-memory with the folder\'s digests', async () => {
    const fromFolder = await train({ ...settings, dataDir, out: join(root, 'folder') });
    const fromArrays = await train({ ...settings, data, out: join(root, 'arrays') });
    const weights = async (dir: string) => readFile(join(dir, WEIGHTS_FILE));
    expect(Buffer.compare(await weights(join(root, 'arrays')), await weights(join(root, 'folder')))).toBe(0);
    expect(fromArrays.history).toEqual(fromFolder.history);
    expect(fromArrays.testAccuracy).toBe(fromFolder.testAccuracy);
    const { dataset } = (await loadCheckpoint(join(root, 'arrays'))).modelJson.training;
    expect(dataset).toEqual({ name: 'in-memory', sha256: (await datasetRecord(dataDir)).sha256 });
  });

  it('leaves eval a one-line error asking for --data, and scores a folder of the same data without a warning', async () => {
    const out = join(root, 'arrays');
    await expect(evaluateCheckpoint(out)).rejects.toThrow(
      `${out} was trained on arrays in memory (train({ data })), not a folder; pass --data with a folder of its test files`,
    );
    const warnings: string[] = [];
    const scored = await evaluateCheckpoint(out, { dataDir, onWarning: (w) => warnings.push(w) });
    expect(scored.accuracy).toBe((await evaluateCheckpoint(join(root, 'folder'))).accuracy);
    expect(warnings).toEqual([]);
  });

  it('refuses bad arrays with one line naming the field, before writing anything', async () => {
    const pixels = 36;
    const bad = (patch: Partial<InMemoryDataset> | ((d: InMemoryDataset) => InMemoryDataset)) =>
      typeof patch === 'function' ? patch(data) : { ...data, ...patch };
    const cases: [InMemoryDataset, string][] = [
      [bad({ train: { images: new Uint8Array(300 * pixels + 1), labels: data.train.labels } }), `data.train.images has ${300 * pixels + 1} values, expected a non-zero multiple of 36 (6x6 images)`],
      [bad({ imageShape: undefined }), `data.train.images has ${300 * pixels} values, expected a non-zero multiple of 784 (28x28 images)`],
      [bad({ test: { images: new Uint8Array(0), labels: new Uint8Array(0) } }), 'data.test.images has 0 values, expected a non-zero multiple of 36 (6x6 images)'],
      [bad({ test: { images: data.test.images, labels: data.test.labels.subarray(1) } }), 'data.test.labels has 59 labels, expected 60 (one per image of data.test.images)'],
      [bad((d) => ({ ...d, train: { images: d.train.images, labels: Int32Array.from(d.train.labels, (l, i) => (i === 7 ? 10 : l)) } })), 'data.train.labels[7] is 10, expected a class in [0, 10)'],
      [bad((d) => ({ ...d, train: { images: d.train.images, labels: Int32Array.from(d.train.labels, (l, i) => (i === 2 ? -1 : l)) } })), 'data.train.labels[2] is -1, expected a class in [0, 10)'],
      [bad({ train: { images: Float32Array.from(data.train.images) as unknown as Uint8Array, labels: data.train.labels } }), 'data.train.images must be a Uint8Array of pixel bytes (0-255), got Float32Array'],
      [bad({ test: { images: data.test.images, labels: Array.from(data.test.labels) as unknown as Uint8Array } }), 'data.test.labels must be a Uint8Array or Int32Array of class indices, got Array'],
      [bad({ imageShape: [6, 0] }), 'data.imageShape must be [rows, cols] of positive integers, got [6,0]'],
    ];
    for (const [given, message] of cases) {
      const out = join(root, 'bad');
      await expect(train({ ...settings, data: given, out })).rejects.toThrow(message);
      expect(existsSync(out)).toBe(false);
    }
    await expect(train({ ...settings, data, validationSize: 300, out: join(root, 'bad') })).rejects.toThrow(
      'validationSize must be an integer in [1, 299] (fewer than the 300 training images), got 300',
    );
    await expect(train({ ...settings, data, dataDir, out: join(root, 'bad') })).rejects.toThrow('data and dataDir exclude each other');
    expect(existsSync(join(root, 'bad'))).toBe(false);
  });
});
