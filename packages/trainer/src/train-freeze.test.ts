// train({ initFrom, freeze }): frozen layers come out bit-identical to the source checkpoint's, the
// others train (the same on the tfjs and onnx engines), the checkpoint records them and a resume keeps
// them; a checkpoint of other classes gives its hidden layers under a new output layer (never frozen);
// freeze without initFrom, an unknown layer and freezing every layer are refused in one line.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Checkpoint } from '@mnist/core';
import { maxAbsDifference } from '@mnist/export/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint-io.js';
import { scratchToyDataset } from './testing/toy-dataset.js';
import { train, type TrainOptions } from './train.js';

let root: string;
let dataDir: string;
beforeAll(async () => {
  ({ root, dataDir } = await scratchToyDataset('train-freeze-', 500, 100));
  await run('source', { hiddenUnits: [12, 8], engine: 'tfjs', epochs: 5 });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const run = (out: string, extra: Partial<TrainOptions> = {}) =>
  train({ dataDir, out: join(root, out), epochs: 1, batchSize: 20, learningRate: 0.1, validationSize: 100, seed: 3, backend: extra.engine === 'tfjs' ? 'cpu' : undefined, ...extra });

/** The bytes of a weight as weights.bin stores them (float32), so -0 and NaN payloads count too. */
const bits = (c: Checkpoint, name: string) => new Uint8Array(c.weights.get(name)!.values.slice().buffer);

const model = (c: Checkpoint) => new Map([...c.weights].filter(([n]) => n.startsWith('dnn/')));

describe('train with freeze', () => {
  for (const engine of ['tfjs', 'onnx']) {
    it(`${engine}: keeps the frozen layer bit-identical to the source, trains the others, reports accuracy and records it`, async () => {
      const result = await run(`frozen-${engine}`, { engine, initFrom: join(root, 'source'), freeze: ['hidden1'], optimizer: 'momentum', epochs: 2 });
      const source = await loadCheckpoint(join(root, 'source'));
      const frozen = await loadCheckpoint(join(root, `frozen-${engine}`));
      for (const name of ['dnn/hidden1/kernel', 'dnn/hidden1/bias']) expect(bits(frozen, name), name).toEqual(bits(source, name));
      for (const name of ['dnn/hidden2/kernel', 'dnn/hidden2/bias', 'dnn/outputs/kernel', 'dnn/outputs/bias']) expect(bits(frozen, name), name).not.toEqual(bits(source, name));
      // Their momentum slots never moved either.
      for (const name of ['dnn/hidden1/kernel/Momentum', 'dnn/hidden1/bias/Momentum']) expect(frozen.weights.get(name)!.values.every((v) => v === 0), name).toBe(true);
      expect(frozen.modelJson.training.frozen).toEqual(['hidden1']);
      // Reported, and well above the 1/3 of guessing one of the toy set's 3 classes.
      expect(result.testAccuracy).toBeGreaterThan(0.6);
      expect(result.testAccuracy).toBe(frozen.modelJson.training.testAccuracy);
      expect(result.engine).toBe(engine);
    });
  }

  it('trains the unfrozen layers the same on both engines (weights within 1e-6)', async () => {
    const tfjs = await loadCheckpoint(join(root, 'frozen-tfjs'));
    const onnx = await loadCheckpoint(join(root, 'frozen-onnx'));
    expect(maxAbsDifference(model(tfjs), model(onnx))).toBeLessThan(1e-6);
  });

  it('a resume keeps the recorded frozen layers, and refuses other ones', async () => {
    await run('resumed', { engine: 'onnx', initFrom: join(root, 'source'), freeze: ['hidden2', 'hidden1'] });
    const result = await run('resumed', { engine: 'onnx', resume: true, epochs: 2 });
    expect(result.epochs).toBe(2);
    const source = await loadCheckpoint(join(root, 'source'));
    const resumed = await loadCheckpoint(join(root, 'resumed'));
    expect(resumed.modelJson.training.frozen).toEqual(['hidden1', 'hidden2']);
    for (const name of ['dnn/hidden1/kernel', 'dnn/hidden2/bias']) expect(bits(resumed, name), name).toEqual(bits(source, name));
    await expect(run('resumed', { engine: 'onnx', resume: true, epochs: 3, freeze: ['hidden1'] })).rejects.toThrow(
      /^--freeze hidden1: cannot resume .*resumed, which froze hidden1,hidden2; resume it without --freeze \(it keeps its frozen layers\)$/,
    );
  });

  it('reuses a 10-class checkpoint for 3 classes: frozen hidden1 bit-identical, a fresh output layer shaped [8, 3], accuracy reported', async () => {
    const lines: string[] = [];
    const result = await run('three', { engine: 'onnx', initFrom: join(root, 'source'), classes: 3, freeze: ['hidden1'], optimizer: 'momentum', epochs: 3, onLog: (l) => lines.push(l) });
    const source = await loadCheckpoint(join(root, 'source'));
    const three = await loadCheckpoint(join(root, 'three'));
    expect(source.modelJson.modelSpec.outputSize).toBe(10);
    for (const name of ['dnn/hidden1/kernel', 'dnn/hidden1/bias']) expect(bits(three, name), name).toEqual(bits(source, name));
    expect(three.weights.get('dnn/outputs/kernel')!.shape).toEqual([8, 3]);
    expect(three.weights.get('dnn/outputs/bias')!.shape).toEqual([3]);
    expect(three.modelJson.modelSpec.outputSize).toBe(3);
    expect(three.modelJson.labels).toEqual(['0', '1', '2']);
    expect(lines).toContain(`init-from ${join(root, 'source')}: hidden layers reused, new output layer for 3 classes (the checkpoint has 10)`);
    expect(result.testAccuracy).toBeGreaterThan(0.6);
    expect(result.testAccuracy).toBe(three.modelJson.training.testAccuracy);
  });

  it('refuses to freeze a new output layer, and any other mismatch as before', async () => {
    await expect(run('new-outputs', { initFrom: join(root, 'source'), classes: 3, freeze: ['hidden1', 'outputs'] })).rejects.toThrow(
      `--freeze hidden1,outputs: outputs is a new layer (3 classes, --init-from ${join(root, 'source')} has 10), which cannot be frozen; freeze hidden layers only`,
    );
    await expect(run('other-hidden', { initFrom: join(root, 'source'), classes: 3, hiddenUnits: [12] })).rejects.toThrow(/conflicts with --hidden \[12\] \(it has \[12,8\]\)/);
  });

  it('refuses freeze without initFrom, an unknown layer and every layer, naming the flag and the layers', async () => {
    await expect(run('no-source', { freeze: ['hidden1'] })).rejects.toThrow(
      "--freeze hidden1 needs --init-from CHECKPOINT: frozen layers keep another checkpoint's weights (the layers are hidden1, hidden2, outputs)",
    );
    await expect(run('unknown', { initFrom: join(root, 'source'), freeze: ['hidden3'] })).rejects.toThrow(
      '--freeze hidden3 is an unknown layer "hidden3"; the layers are hidden1, hidden2, outputs',
    );
    await expect(run('all', { initFrom: join(root, 'source'), freeze: ['hidden1', 'hidden2', 'outputs'] })).rejects.toThrow(
      '--freeze hidden1,hidden2,outputs is every layer, which leaves nothing to train; the layers are hidden1, hidden2, outputs',
    );
  });
});
