// The dataset a checkpoint records it was trained on (training.dataset), and what eval and predict make
// of it: the recorded test files by default, another --data with a warning, a vanished folder refused,
// a folder of only test files enough, and an older checkpoint without the record scored on MNIST.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint-io.js';
import { datasetRecord } from './data/dataset-identity.js';
import { sha256Hex } from './data/ensure-mnist.js';
import { MNIST_FILES } from './data/mnist-files.js';
import { readTestSplit } from './data/test-split.js';
import { evaluateCheckpoint, predictCheckpoint } from './restore.js';
import { writeToyDataset } from './testing/toy-dataset.js';
import { train } from './train.js';
import { trainEstimator } from './train-estimator.js';

let root: string;
let toy: string;
let run: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'checkpoint-dataset-'));
  toy = join(root, 'toy');
  await mkdir(toy);
  await writeToyDataset(toy, 'train', 300, 1);
  await writeToyDataset(toy, 't10k', 60, 2);
  run = join(root, 'run');
  await train({ dataDir: toy, out: run, epochs: 1, batchSize: 20, learningRate: 0.1, hiddenUnits: [8], validationSize: 50, seed: 3, engine: 'tfjs' });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function testOnlyFolder(name: string, seed: number, count: number, gzip = false): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  await writeToyDataset(dir, 't10k', count, seed);
  if (gzip) {
    for (const f of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      await writeFile(join(dir, `${f}.gz`), gzipSync(await readFile(join(dir, f))));
      await rm(join(dir, f));
    }
  }
  return dir;
}

describe('training.dataset', () => {
  it('records the folder trained on: its base name, where it is, and the digests of its four files', async () => {
    const { dataset } = (await loadCheckpoint(run)).modelJson.training;
    const digest = async (file: string) => sha256Hex(await readFile(join(toy, file)));
    expect(dataset).toEqual({
      name: 'toy',
      folder: toy,
      sha256: {
        trainImages: await digest('train-images-idx3-ubyte'),
        trainLabels: await digest('train-labels-idx1-ubyte'),
        testImages: await digest('t10k-images-idx3-ubyte'),
        testLabels: await digest('t10k-labels-idx1-ubyte'),
      },
    });
  });

  it('keeps a folder under the working directory relative, and names the built-in MNIST without reading it', async () => {
    expect((await datasetRecord(toy, root)).folder).toBe('toy');
    expect((await datasetRecord(toy, toy)).folder).toBe('.');
    expect(relative(root, (await datasetRecord(toy, join(root, 'elsewhere'))).folder!)).toBe('toy');
    expect(await datasetRecord()).toEqual({
      name: 'mnist',
      sha256: Object.fromEntries(Object.entries(MNIST_FILES).map(([role, f]) => [role, f.sha256])),
    });
  });

  it('is recorded by trainEstimator too', async () => {
    const out = join(root, 'estimator');
    await trainEstimator({ dataDir: toy, out, steps: 5, batchSize: 20, hiddenUnits: [8], validationSize: 50, seed: 3, engine: 'tfjs' });
    expect((await loadCheckpoint(out)).modelJson.training.dataset).toMatchObject({ name: 'toy', folder: toy });
  });
});

describe('evaluateCheckpoint and predictCheckpoint on the recorded dataset', () => {
  it('score the recorded folder by default, with no warning', async () => {
    const warnings: string[] = [];
    const result = await evaluateCheckpoint(run, { onWarning: (l) => warnings.push(l) });
    expect(result.n).toBe(60);
    expect(warnings).toEqual([]);
    const { labels } = await predictCheckpoint(run, { first: 5 });
    expect(labels).toEqual(Array.from((await readTestSplit(toy)).test.labels.subarray(0, 5)));
  });

  it('score another --data as asked, with one warning naming both', async () => {
    const other = await testOnlyFolder('other', 9, 40);
    const warnings: string[] = [];
    const result = await evaluateCheckpoint(run, { dataDir: other, onWarning: (l) => warnings.push(l) });
    expect(result.n).toBe(40);
    expect(warnings).toEqual([`warning: ${run} was trained on toy (${toy}); scoring on ${other}, whose test files differ`]);
    const predicted: string[] = [];
    await predictCheckpoint(run, { dataDir: other, first: 3, onWarning: (l) => predicted.push(l) });
    expect(predicted).toEqual(warnings);
  });

  it('take a gzipped copy of the recorded test files, alone in a folder, without a warning', async () => {
    const copy = await testOnlyFolder('copy', 2, 60, true);
    const warnings: string[] = [];
    const result = await evaluateCheckpoint(run, { dataDir: copy, onWarning: (l) => warnings.push(l) });
    expect(result.n).toBe(60);
    expect(warnings).toEqual([]);
  });

  it('refuse a recorded folder that is gone in one line suggesting --data', async () => {
    const gone = join(root, 'gone');
    await mkdir(gone);
    for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) await copyFile(join(toy, f), join(gone, f));
    const out = join(root, 'gone-run');
    await train({ dataDir: gone, out, epochs: 1, batchSize: 20, hiddenUnits: [8], validationSize: 50, seed: 3, engine: 'tfjs' });
    await rm(gone, { recursive: true });
    await expect(evaluateCheckpoint(out)).rejects.toThrow(`${out} was trained on gone (${gone}), which is not there; pass --data with the folder of its test files`);
  });

  it('score a checkpoint that records no dataset on the built-in MNIST', async () => {
    const old = join(root, 'old');
    await mkdir(old);
    const json = JSON.parse(await readFile(join(run, 'model.json'), 'utf8'));
    delete json.training.dataset;
    await writeFile(join(old, 'model.json'), JSON.stringify(json));
    await copyFile(join(run, 'weights.bin'), join(old, 'weights.bin'));
    // The toy model takes 6x6 images: the refusal shows that MNIST's test files were the ones read.
    await expect(evaluateCheckpoint(old)).rejects.toThrow("the MNIST data has 28x28 images, the checkpoint's model takes 6x6 images");
    expect((await evaluateCheckpoint(old, { dataDir: toy })).n).toBe(60);
  });
});

describe('readTestSplit', () => {
  it('needs only the test files, and says which are missing', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty);
    await expect(readTestSplit(empty)).rejects.toThrow(
      `${join(empty, 't10k-images-idx3-ubyte')}: missing; scoring needs the test files t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (raw or .gz)`,
    );
    const only = await testOnlyFolder('only', 4, 30);
    const split = await readTestSplit(only);
    expect(split.test.count).toBe(30);
    expect(split.sha256.testImages).toBe(sha256Hex(await readFile(join(only, 't10k-images-idx3-ubyte'))));
  });
});
