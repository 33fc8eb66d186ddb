// `train({ logdir })` end to end on a toy dataset: the event file of each run, read back by the
// independent Python reader, holds the header, batch/loss every logEvery steps and the epoch scalars
// equal to the checkpoint's history; an aborted run's log is complete up to its last epoch.
import { readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../checkpoint-io.js';
import { readEventFile, type ReadEvent } from '../testing/tfevents-reader.js';
import { scratchToyDataset } from '../testing/toy-dataset.js';
import { train, type TrainOptions } from '../train.js';
import { TRAINING_LOG_TAGS as TAGS } from './training-log.js';

let root: string;
let dataDir: string;
beforeAll(async () => {
  ({ root, dataDir } = await scratchToyDataset('trainer-tensorboard-', 500, 100));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// 400 training images in batches of 20: 20 steps an epoch.
const options = (name: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
  dataDir,
  out: join(root, name),
  logdir: join(root, 'logs', name),
  logEvery: 7,
  epochs: 2,
  batchSize: 20,
  hiddenUnits: [16],
  validationSize: 100,
  seed: 3,
  ...extra,
});

function runEvents(logdir: string): ReadEvent[] {
  const runs = readdirSync(logdir);
  expect(runs).toHaveLength(1);
  const files = readdirSync(join(logdir, runs[0]));
  expect(files).toHaveLength(1);
  expect(files[0]).toMatch(/^events\.out\.tfevents\.\d+\..+$/);
  const r = readEventFile(join(logdir, runs[0], files[0]));
  if (!r.ok) throw new Error(r.error);
  expect(r.file_version).toBe('brain.Event:2');
  return r.events.slice(1);
}

describe.each(['onnx', 'tfjs'])('train({ logdir }) with the %s engine', (engine) => {
  it('logs batch/loss every logEvery steps and the epoch scalars of the history', async () => {
    const lines: string[] = [];
    await train(options(engine, { engine, learningRate: 0.05, onLog: (l) => lines.push(l) }));
    const events = runEvents(join(root, 'logs', engine));
    const batch = events.filter((e) => TAGS.batchLoss in e.scalars);
    expect(batch.map((e) => e.step)).toEqual([7, 14, 21, 28, 35]);
    for (const e of batch) expect(e.scalars[TAGS.batchLoss]).toBeGreaterThan(0);
    const { history } = (await loadCheckpoint(join(root, engine))).modelJson.training;
    const epochs = events.filter((e) => TAGS.epochLoss in e.scalars);
    expect(epochs.map((e) => e.step)).toEqual([1, 2]);
    epochs.forEach((e, i) =>
      expect(e.scalars).toEqual({
        [TAGS.epochLoss]: Math.fround(history[i].loss),
        [TAGS.epochBatchAccuracy]: Math.fround(history[i].batchAccuracy),
        [TAGS.epochValidationLoss]: Math.fround(history[i].valLoss!),
        [TAGS.epochValidationAccuracy]: Math.fround(history[i].validationAccuracy),
        [TAGS.epochLearningRate]: Math.fround(0.05),
      }),
    );
    expect(lines.some((l) => l.startsWith(`TensorBoard log: ${join(root, 'logs', engine)}`))).toBe(true);
  });
});

describe('train({ logdir }) runs', () => {
  it('an aborted run has its log up to the last epoch; the resumed run writes a new folder at the following steps', async () => {
    const stop = new AbortController();
    const aborted = await train(options('abort', { engine: 'tfjs', signal: stop.signal, onProgress: () => stop.abort() }));
    expect(aborted.aborted).toBe(true);
    const first = runEvents(join(root, 'logs', 'abort'));
    expect(first.map((e) => e.step)).toEqual([7, 14, 1]);
    await train(options('abort', { engine: 'tfjs', resume: true, logdir: join(root, 'logs', 'abort-resumed') }));
    expect(runEvents(join(root, 'logs', 'abort-resumed')).map((e) => e.step)).toEqual([21, 28, 35, 2]);
  });

  it('refuses a bad logEvery, and logEvery without logdir, before any work', async () => {
    await expect(train(options('never', { logEvery: 0 }))).rejects.toThrow('logEvery must be an integer >= 1, got 0');
    await expect(train(options('never', { logdir: undefined }))).rejects.toThrow('logEvery needs logdir');
  });
});
