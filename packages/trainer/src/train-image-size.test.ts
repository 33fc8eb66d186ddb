// The image size through a run: training and test sets must agree in rows x cols, the checkpoint
// records the size trained on, a resume refuses another one, and the export stamps it.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdx, METADATA_KEYS } from '@mnist/core';
import { exportOnnx, readOnnx } from '@mnist/export';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint-io.js';
import { brightPixelSet, QUARTERS } from './testing/toy-dataset.js';
import { evaluateCheckpoint } from './restore.js';
import { train, type TrainOptions } from './train.js';
import { trainEstimator } from './train-estimator.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'train-image-size-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// A QUARTERS set (16 pixels, 4 classes) written as rows x cols images, the test set as testRows x testCols.
async function dataset(name: string, [rows, cols]: [number, number], [testRows, testCols]: [number, number] = [rows, cols]): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  const write = async (prefix: string, count: number, seed: number, r: number, c: number) => {
    const set = brightPixelSet(count, seed, QUARTERS);
    const images = r * c === 16 ? set.images : new Uint8Array(count * r * c).fill(7);
    await writeFile(join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx({ dtype: 'uint8', shape: [count, r, c], data: images }));
    await writeFile(join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx({ dtype: 'uint8', shape: [count], data: set.labels }));
  };
  await write('train', 300, 1, rows, cols);
  await write('t10k', 60, 2, testRows, testCols);
  return dir;
}

const options = (dataDir: string, out: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
  dataDir, out: join(root, out), epochs: 1, batchSize: 20, learningRate: 0.1, hiddenUnits: [8], validationSize: 50, seed: 3, engine: 'tfjs', ...extra,
});

describe('train and the image size', () => {
  it('records a 2x8 set as imageShape [2, 8], and the export stamps mnist.image_shape [2, 8]', async () => {
    const dir = await dataset('wide', [2, 8]);
    await train(options(dir, 'wide-run'));
    const checkpoint = await loadCheckpoint(join(root, 'wide-run'));
    expect(checkpoint.modelJson.modelSpec).toMatchObject({ inputSize: 16, imageShape: [2, 8] });
    const metadata = readOnnx(exportOnnx(checkpoint), 'm').metadata;
    expect(JSON.parse(metadata[METADATA_KEYS.imageShape])).toEqual([2, 8]);
  });

  it('refuses 1x1 training images with 28x28 test images before training, naming both files', async () => {
    const dir = await dataset('mixed', [1, 1], [28, 28]);
    await expect(train(options(dir, 'mixed-run'))).rejects.toThrow(
      `${join(dir, 'train-images-idx3-ubyte')} / ${join(dir, 't10k-images-idx3-ubyte')}: expected images of the same size in both, got 1x1 and 28x28`,
    );
  });

  it('refuses to resume a run on images of another shape, even with the same pixel count', async () => {
    const wide = await dataset('wide2', [2, 8]);
    const tall = await dataset('tall', [8, 2]);
    await train(options(wide, 'resume-run'));
    await expect(train(options(tall, 'resume-run', { resume: true, epochs: 2 }))).rejects.toThrow(/it was trained with image size \[2,8\] \(now \[8,2\]\)/);
  });

  it('refuses to score a checkpoint on a test set of another shape with the same pixel count', async () => {
    const wide = await dataset('wide3', [2, 8]);
    const tall = await dataset('tall3', [8, 2]);
    await train(options(wide, 'score-run'));
    await expect(evaluateCheckpoint(join(root, 'score-run'), { dataDir: tall })).rejects.toThrow(
      `${tall} has 8x2 images, the checkpoint's model takes 2x8 images`,
    );
  });

  it('records the image shape of a DNNClassifier run (mnist train --estimator) too', async () => {
    const dir = await dataset('wide4', [2, 8]);
    await trainEstimator({ dataDir: dir, out: join(root, 'estimator-run'), steps: 5, batchSize: 20, hiddenUnits: [8], validationSize: 50, engine: 'tfjs' });
    const checkpoint = await loadCheckpoint(join(root, 'estimator-run'));
    expect(checkpoint.modelJson.modelSpec).toMatchObject({ inputSize: 16, imageShape: [2, 8] });
  });
});
