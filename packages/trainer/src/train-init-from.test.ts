// train({ initFrom }): a new run warm-started from another checkpoint's weights (its network and labels,
// a fresh optimizer); conflicting network options and --resume are refused, as is resuming an import.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { layerNames } from '@mnist/core';
import { maxAbsDifference, randomOnnxModel } from '@mnist/export/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint-io.js';
import { importOnnx } from './import-onnx.js';
import { scratchToyDataset } from './testing/toy-dataset.js';
import { train, type TrainOptions } from './train.js';

let root: string;
let dataDir: string;
beforeAll(async () => {
  ({ root, dataDir } = await scratchToyDataset('train-init-from-', 500, 100));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const run = (out: string, extra: Partial<TrainOptions> = {}) =>
  train({ dataDir, out: join(root, out), epochs: 1, batchSize: 20, learningRate: 0.1, validationSize: 100, seed: 3, engine: 'tfjs', backend: 'cpu', ...extra });

describe('train with initFrom', () => {
  it("starts from the source's weights, network and labels with a fresh optimizer, and records where they came from", async () => {
    await run('source', { hiddenUnits: [8], optimizer: 'adam', learningRate: 0.01 });
    const source = await loadCheckpoint(join(root, 'source'));
    // A learning rate too small to move a float32 weight: what is saved is what was loaded.
    const result = await run('warm', { initFrom: join(root, 'source'), learningRate: 1e-30 });
    const warm = await loadCheckpoint(join(root, 'warm'));
    expect(warm.modelJson.modelSpec.hiddenUnits).toEqual([8]);
    const model = (c: typeof warm) => new Map(layerNames(c.modelJson.modelSpec).flatMap((l) => [l.kernel, l.bias]).map((n) => [n, c.weights.get(n)!]));
    expect(maxAbsDifference(model(warm), model(source))).toBe(0);
    // No Adam slots carried over: the new run's optimizer is its own (sgd).
    expect([...warm.weights.keys()].some((n) => n.endsWith('/Adam'))).toBe(false);
    expect(warm.modelJson.training).toMatchObject({ epoch: 1, optimizer: { name: 'sgd' }, initializedFrom: { checkpoint: join(root, 'source'), epoch: 1, weightsSha256: source.modelJson.weightsSha256 } });
    expect(warm.modelJson.training.history).toHaveLength(1);
    expect(result.validationAccuracy).toBe(source.modelJson.training.history[0].validationAccuracy);
  });

  it('a warm-started run resumes with its own network, without the flags', async () => {
    await run('resumable', { initFrom: join(root, 'source') });
    const result = await run('resumable', { resume: true, epochs: 2 });
    expect(result.epochs).toBe(2);
    expect((await loadCheckpoint(join(root, 'resumable'))).modelJson.training.initializedFrom?.epoch).toBe(1);
  });

  it('refuses a conflicting network and resume together with initFrom', async () => {
    await expect(run('conflict', { initFrom: join(root, 'source'), hiddenUnits: [16], activation: 'tanh' })).rejects.toThrow(
      /--init-from .*source gives the network, which conflicts with --hidden \[16\] \(it has \[8\]\), --activation "tanh" \(it has "relu"\); leave those flags out/,
    );
    await expect(run('source', { initFrom: join(root, 'source'), resume: true })).rejects.toThrow(/resume and initFrom exclude each other/);
  });

  it('refuses to resume an imported checkpoint, pointing at --init-from', async () => {
    const file = join(root, 'model.onnx');
    await writeFile(file, randomOnnxModel([8], 2).bytes);
    await importOnnx(file, { out: join(root, 'imported') });
    await expect(run('imported', { resume: true })).rejects.toThrow(/cannot resume .*imported: it was imported from model\.onnx by mnist import, not trained here; fine-tune it with --init-from .*imported --out <new folder>/);
  });
});
