// The training loop on a tiny generated IDX dataset: reproducibility, resume, refusals.
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint-io.js';
import { train, type TrainOptions } from './train.js';
import { scratchToyDataset } from './testing/toy-dataset.js';

let root: string;
let dataDir: string;

beforeAll(async () => {
  ({ root, dataDir } = await scratchToyDataset('trainer-loop-', 700, 200));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function options(out: string, extra: Partial<TrainOptions> = {}): TrainOptions {
  return { dataDir, out: join(root, out), epochs: 2, batchSize: 20, learningRate: 0.1, hiddenUnits: [16, 8], validationSize: 100, seed: 7, engine: 'tfjs', ...extra };
}

async function files(out: string) {
  const dir = join(root, out);
  return { json: await readFile(join(dir, 'model.json'), 'utf8'), bin: await readFile(join(dir, 'weights.bin')) };
}

describe('train', () => {
  it('logs each epoch 1-based like Keras and saves the full training state', async () => {
    const lines: string[] = [];
    const epochs: number[] = [];
    const result = await train(options('a', { onLog: (l) => lines.push(l), onEpoch: (r) => epochs.push(r.epoch) }));
    expect(result).toMatchObject({ epochs: 2, checkpoint: join(root, 'a'), engine: 'tfjs' });
    expect(result.trainingSeconds).toBeGreaterThan(0);
    expect(result.trainingSeconds).toBeLessThan(result.seconds);
    expect(result.testAccuracy).toBeGreaterThan(0.4); // three classes: chance is 1/3
    expect(lines[0]).toMatch(/^engine tfjs on backend /);
    // 1-based, like Keras' `Epoch 1/2`, while the history and onEpoch keep 0-based indexes.
    expect(lines[1]).toMatch(/^epoch 1\/2: loss \d+\.\d{4}, last-batch accuracy [01]\.\d{4}, validation loss \d+\.\d{4}, validation accuracy [01]\.\d{4}; epoch time \d+\.\d s, total elapsed \d+\.\d s$/);
    expect(lines[2]).toMatch(/^epoch 2\/2: loss /);
    expect(epochs).toEqual([0, 1]);
    const { modelJson } = await loadCheckpoint(join(root, 'a'));
    expect(modelJson.training).toMatchObject({
      epoch: 2, step: 2 * 30, epochs: 2, batchSize: 20, seed: 7, validationSize: 100, engine: 'tfjs',
      optimizer: { name: 'sgd', learningRate: 0.1 }, testAccuracy: result.testAccuracy,
    });
    expect(modelJson.training.history.map((h) => h.epoch)).toEqual([0, 1]);
    expect(modelJson.modelSpec).toMatchObject({ inputSize: 36, hiddenUnits: [16, 8], outputSize: 10 });
  });

  it('gives byte-identical checkpoints for the same seed, and different ones for another seed', async () => {
    await train(options('b'));
    const a = await files('a');
    const b = await files('b');
    expect(b.json).toBe(a.json);
    expect(b.bin.equals(a.bin)).toBe(true);
    await train(options('c', { seed: 8 }));
    expect((await files('c')).bin.equals(a.bin)).toBe(false);
  });

  it('resumes an interrupted run to the very same bytes as an uninterrupted one', async () => {
    await train(options('d', { epochs: 1 }));
    const lines: string[] = [];
    const result = await train(options('d', { epochs: 2, resume: true, onLog: (l) => lines.push(l) }));
    expect(lines[0]).toBe(`Resuming ${join(root, 'd')} after epoch 1 of 2`);
    expect(result.epochs).toBe(2);
    const a = await files('a');
    const d = await files('d');
    expect(d.json).toBe(a.json);
    expect(d.bin.equals(a.bin)).toBe(true);
  });

  it('refuses to overwrite a checkpoint, to resume nothing, or to resume with other settings', async () => {
    await expect(train(options('a'))).rejects.toThrow(`${join(root, 'a')} already holds a checkpoint; pass --resume to continue it or --overwrite to start`);
    await expect(train(options('none', { resume: true }))).rejects.toThrow(/holds no checkpoint to resume/);
    await expect(train(options('a', { resume: true, batchSize: 10, learningRate: 0.2 }))).rejects.toThrow(
      `cannot resume ${join(root, 'a')}: it was trained with --batch-size 20 (now 10), --learning-rate 0.1 (now 0.2); pass the same settings or choose another --out`,
    );
    await expect(train(options('x', { epochs: 0 }))).rejects.toThrow('epochs must be an integer >= 1, got 0');
    await expect(train(options('x', { trainLimit: 10_000 }))).rejects.toThrow('trainLimit must be at most 600');
  });

  it('trains with any activation, initializer, optimizer and dropout, records them, and resumes Adam with its slots exactly', async () => {
    const extra: Partial<TrainOptions> = { activation: 'elu', initializer: 'he', optimizer: { name: 'adam', beta2: 0.99 }, learningRate: 0.01, dropoutRate: 0.2 };
    const result = await train(options('opt', { ...extra, epochs: 2 }));
    expect(result.testAccuracy).toBeGreaterThan(0.4);
    const { modelJson, weights } = await loadCheckpoint(join(root, 'opt'));
    expect(modelJson.modelSpec).toMatchObject({ activation: 'elu', initializer: 'he' });
    expect(modelJson.training).toMatchObject({
      dropoutRate: 0.2,
      optimizer: { name: 'adam', learningRate: 0.01, params: { beta1: 0.9, beta2: 0.99, epsilon: 1e-8 } },
    });
    expect(weights.get('dnn/hidden1/kernel/Adam_1')!.shape).toEqual([36, 16]);
    expect(weights.get('beta1_power')!.values[0]).toBeCloseTo(0.9 ** 61, 6);
    await train(options('opt-r', { ...extra, epochs: 1 }));
    await train(options('opt-r', { ...extra, epochs: 2, resume: true }));
    expect((await files('opt-r')).bin.equals((await files('opt')).bin)).toBe(true);
    await expect(train(options('opt', { ...extra, optimizer: 'rmsprop', epochs: 3, resume: true }))).rejects.toThrow(/--optimizer "adam" \(now "rmsprop"\)/);
    await expect(train(options('opt', { ...extra, activation: 'tanh', epochs: 3, resume: true }))).rejects.toThrow(/--activation "elu" \(now "tanh"\)/);
    await expect(train(options('x', { optimizer: 'adadelta' as never }))).rejects.toThrow(/optimizer must be one of sgd, momentum/);
    await expect(train(options('x', { dropoutRate: 1 }))).rejects.toThrow('dropoutRate must be in [0, 1), got 1');
  });

  it('a step budget ends the run inside an epoch', async () => {
    const { epochs, ...rest } = options('steps', { maxSteps: 45 });
    void epochs;
    const result = await train(rest);
    // 600 images in batches of 20: 30 steps per epoch, so 45 steps are one epoch and a half.
    expect(result).toMatchObject({ steps: 45, epochs: 2 });
    const { modelJson } = await loadCheckpoint(join(root, 'steps'));
    expect(modelJson.training).toMatchObject({ step: 45, epoch: 2, epochs: 2, maxSteps: 45 });
  });

  it('early stopping keeps the best epoch: the final checkpoint holds its weights, the history every epoch', async () => {
    const perEpoch: Buffer[] = [];
    const result = await train(
      options('early', {
        epochs: 12,
        learningRate: 0.5,
        earlyStopping: { patience: 2 },
        onEpoch: () => perEpoch.push(readFileSync(join(root, 'early', 'weights.bin'))),
      }),
    );
    const { modelJson } = await loadCheckpoint(join(root, 'early'));
    const history = modelJson.training.history;
    const accuracies = history.map((h) => h.validationAccuracy);
    const best = accuracies.indexOf(Math.max(...accuracies));
    expect(result.bestEpoch).toBe(best);
    expect(result.validationAccuracy).toBe(accuracies[best]);
    expect(modelJson.training.earlyStopping).toMatchObject({ patience: 2, bestEpoch: best, bestValidationAccuracy: accuracies[best] });
    if (result.stoppedEarly) {
      expect(history.length).toBe(best + 3);
      expect(history.length).toBeLessThan(12);
    }
    expect(best).toBeLessThan(history.length - 1); // this run does get worse after its best epoch
    // The final weights are the best epoch's (its checkpoint held them alone: no best/ copies then).
    const final = (await files('early')).bin;
    expect(final.equals(perEpoch[best])).toBe(true);
    // Mid-run checkpoints after the best epoch carry the best weights aside, so a resume keeps them.
    expect(perEpoch[best + 1].length).toBe(2 * perEpoch[best].length);
    await expect(train(options('early', { epochs: 20, learningRate: 0.5, earlyStopping: { patience: 2 }, resume: true }))).rejects.toThrow(/cannot resume/);
  });

  it('a run interrupted after its best epoch resumes to the same bytes with early stopping', async () => {
    const extra: Partial<TrainOptions> = { learningRate: 0.5, earlyStopping: { patience: 2 }, epochs: 12 };
    const { modelJson } = await loadCheckpoint(join(root, 'early'));
    const best = modelJson.training.earlyStopping!.bestEpoch;
    // A crash right after the checkpoint of the epoch after the best one.
    const crash = (r: { epoch: number }) => {
      if (r.epoch === best + 1) throw new Error('simulated crash');
    };
    await expect(train(options('early-r', { ...extra, onEpoch: crash }))).rejects.toThrow('simulated crash');
    await train(options('early-r', { ...extra, resume: true }));
    expect((await files('early-r')).bin.equals((await files('early')).bin)).toBe(true);
    expect((await files('early-r')).json).toBe((await files('early')).json);
  });
});

