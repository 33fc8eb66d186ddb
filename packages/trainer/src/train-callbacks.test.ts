// `train({ callbacks, signal })` as Keras' `fit` callbacks: onEpochEnd after each epoch's validation
// (with the validation loss), onBatchEnd per step with global step numbers, onTrainEnd with the
// result; an abort from onEpochEnd ends the run after that epoch, its checkpoint kept on disk.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sparseSoftmaxCrossEntropy, topOneAccuracy } from '@mnist/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint-io.js';
import { createEngine } from './engine.js';
import { readDataset } from './data/index.js';
import { scratchToyDataset } from './testing/toy-dataset.js';
import { train, type TrainOptions, type TrainResult } from './train.js';
import type { BatchEndLog, EpochEndLog } from './train-callbacks.js';

let root: string;
let dataDir: string;
beforeAll(async () => {
  ({ root, dataDir } = await scratchToyDataset('trainer-callbacks-', 500, 100));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// 400 training images in batches of 20: 20 steps an epoch.
const options = (out: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
  dataDir,
  out: join(root, out),
  epochs: 5,
  batchSize: 20,
  hiddenUnits: [16],
  validationSize: 100,
  learningRate: 0.05,
  seed: 5,
  engine: 'tfjs',
  ...extra,
});

describe('train({ callbacks, signal })', () => {
  it('stopped by an abort from onEpochEnd after two epochs: the result says so, history has both epochs with valLoss, the checkpoint holds epoch 2', async () => {
    const stop = new AbortController();
    const order: string[] = [];
    const epochs: EpochEndLog[] = [];
    const batches: BatchEndLog[] = [];
    let ended: TrainResult | undefined;
    const result = await train(
      options('stopped', {
        signal: stop.signal,
        callbacks: {
          onBatchEnd: (log) => {
            batches.push(log);
            order.push('batch');
          },
          // Async and awaited: the abort after it is seen before epoch 3 starts.
          onEpochEnd: async (log) => {
            await new Promise((resolve) => setImmediate(resolve));
            epochs.push(log);
            order.push(`epoch ${log.epoch}`);
            if (log.epoch === 1) stop.abort();
          },
          onTrainEnd: (r) => {
            ended = r;
            order.push('end');
          },
        },
      }),
    );
    expect(result).toMatchObject({ aborted: true, epochs: 2, steps: 40 });
    expect(result.testAccuracy).toBeUndefined();
    expect(ended).toBe(result);
    expect(order).toEqual([...Array(20).fill('batch'), 'epoch 0', ...Array(20).fill('batch'), 'epoch 1', 'end']);
    expect(batches.map((b) => b.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    for (const b of batches) expect(b.loss).toBeGreaterThan(0);

    expect(result.history).toHaveLength(2);
    const { modelJson, weights } = await loadCheckpoint(join(root, 'stopped'));
    expect(modelJson.training.epoch).toBe(2);
    expect(modelJson.training.history).toEqual(result.history);
    result.history.forEach((r, i) => {
      expect(r.epoch).toBe(i);
      expect(r.valLoss).toBeGreaterThan(0);
      expect(epochs[i]).toMatchObject({ epoch: i, loss: r.loss, accuracy: r.batchAccuracy, valLoss: r.valLoss, valAccuracy: r.validationAccuracy });
      expect(epochs[i].seconds).toBeGreaterThan(0);
    });
    // The mean batch loss of epoch 1's steps is the history's loss of that epoch.
    const mean = batches.slice(20).reduce((sum, b) => sum + b.loss, 0) / 20;
    expect(mean).toBeCloseTo(result.history[1].loss, 5);

    // The weights on disk are epoch 2's: scored again, they give its validation loss and accuracy.
    const dataset = await readDataset(dataDir);
    const validation = { images: dataset.train.images.subarray(0, 100 * 36), labels: dataset.train.labels.subarray(0, 100), count: 100 };
    const { engine } = await createEngine('tfjs', { spec: modelJson.modelSpec, optimizer: { name: 'sgd', learningRate: 0.05 } });
    try {
      await engine.loadWeights(weights);
      const logits = await engine.predictLogits(validation.images, validation.count, 1 / 255);
      expect(topOneAccuracy(logits, validation.labels, modelJson.modelSpec.outputSize)).toBe(result.history[1].validationAccuracy);
      expect(sparseSoftmaxCrossEntropy(logits, validation.labels, modelJson.modelSpec.outputSize)).toBeCloseTo(result.history[1].valLoss!, 5);
    } finally {
      engine.dispose();
    }

    // Resumed, the run goes on from epoch 3 and, to the end, matches the uninterrupted run.
    const resumed = await train(options('stopped', { resume: true }));
    const straight = await train(options('straight'));
    expect(resumed.history).toEqual(straight.history);
    expect(straight.history).toHaveLength(5);
    expect(straight.aborted).toBeUndefined();
  });

  it('a throw from onEpochEnd rejects train with it, after the first epoch', async () => {
    const seen: number[] = [];
    const failing = train(
      options('throws', {
        callbacks: {
          onEpochEnd: (log) => {
            seen.push(log.epoch);
            throw new Error('callback failed');
          },
        },
      }),
    );
    await expect(failing).rejects.toThrow('callback failed');
    expect(seen).toEqual([0]);
  });
});
