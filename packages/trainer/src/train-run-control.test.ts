// `train` in a folder that holds a run, and while it runs: `overwrite` starts a new run there replacing
// only the checkpoint's files (without it the folder is refused with both ways out named; a folder of
// other files is fine); `signal` ends the run after the current epoch, saved and resumable to the
// uninterrupted run's bytes, or before the first epoch with an AbortError and nothing written.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint-io.js';
import { scratchToyDataset } from './testing/toy-dataset.js';
import { train, type TrainOptions } from './train.js';

let root: string;
let dataDir: string;

beforeAll(async () => {
  ({ root, dataDir } = await scratchToyDataset('trainer-run-control-', 500, 100));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function options(out: string, extra: Partial<TrainOptions> = {}): TrainOptions {
  return { dataDir, out: join(root, out), epochs: 2, batchSize: 20, hiddenUnits: [16, 8], validationSize: 100, seed: 7, engine: 'tfjs', ...extra };
}

async function pair(out: string): Promise<[string, Buffer]> {
  return [await readFile(join(root, out, 'model.json'), 'utf8'), await readFile(join(root, out, 'weights.bin'))];
}

describe('train over an existing checkpoint', () => {
  it('refuses by default, naming --resume and --overwrite; with overwrite starts a new run and keeps the other files', async () => {
    await train(options('run'));
    await writeFile(join(root, 'run', 'NOTES.txt'), 'mine\n');
    await writeFile(join(root, 'run', 'model.onnx'), 'exported');
    const refusal = await train(options('run')).catch((e: unknown) => e);
    expect((refusal as Error).message).toBe(
      `${join(root, 'run')} already holds a checkpoint; pass --resume to continue it or --overwrite to start a new run there (other files in it are kept), or choose another --out`,
    );

    const fresh = { hiddenUnits: [12], seed: 8, epochs: 1 };
    const result = await train(options('run', { ...fresh, overwrite: true }));
    expect(result).toMatchObject({ epochs: 1, checkpoint: join(root, 'run') });
    const { modelJson } = await loadCheckpoint(join(root, 'run'));
    expect(modelJson.modelSpec.hiddenUnits).toEqual([12]);
    expect(modelJson.training.history).toHaveLength(1);
    // The same bytes as the same run in an empty folder, and the user's files as they were.
    await train(options('clean', fresh));
    expect(await pair('run')).toEqual(await pair('clean'));
    expect((await readdir(join(root, 'run'))).sort()).toEqual(['NOTES.txt', 'model.json', 'model.onnx', 'weights.bin']);
    expect(await readFile(join(root, 'run', 'NOTES.txt'), 'utf8')).toBe('mine\n');
    expect(await readFile(join(root, 'run', 'model.onnx'), 'utf8')).toBe('exported');
    expect(existsSync(join(root, 'run.lock'))).toBe(false);
  });

  it('refuses resume together with overwrite', async () => {
    await expect(train(options('both', { resume: true, overwrite: true }))).rejects.toThrow(RangeError);
    expect(existsSync(join(root, 'both'))).toBe(false);
  });

  it('trains into a folder that holds only other files, without any flag', async () => {
    await mkdir(join(root, 'notes-only'));
    await writeFile(join(root, 'notes-only', 'NOTES.txt'), 'plans');
    await train(options('notes-only', { epochs: 1 }));
    expect((await readdir(join(root, 'notes-only'))).sort()).toEqual(['NOTES.txt', 'model.json', 'weights.bin']);
  });
});

describe('train with an AbortSignal', () => {
  it('aborted during epoch 1: ends after it, saved and resumable to the same bytes as an uninterrupted run', async () => {
    const controller = new AbortController();
    const result = await train(
      options('stopped', {
        epochs: 4,
        signal: controller.signal,
        // At the first step of epoch 1 (0-based): the loop is inside that epoch, as with a Ctrl-C.
        onProgress: (done, _total, epoch) => epoch === 1 && done === 1 && controller.abort(),
      }),
    );
    expect(result).toMatchObject({ aborted: true, epochs: 2, checkpoint: join(root, 'stopped') });
    expect(result.testAccuracy).toBeUndefined();
    const { modelJson } = await loadCheckpoint(join(root, 'stopped'));
    expect(modelJson.training.epoch).toBe(2);
    expect(modelJson.training.testAccuracy).toBeUndefined();
    expect(existsSync(join(root, 'stopped.lock'))).toBe(false);

    const resumed = await train(options('stopped', { epochs: 4, resume: true }));
    expect(resumed.aborted).toBeUndefined();
    expect(resumed.testAccuracy).toBeGreaterThan(0);
    await train(options('whole', { epochs: 4 }));
    expect(await pair('stopped')).toEqual(await pair('whole'));
  });

  it('aborted before the first epoch: rejects with an AbortError and writes nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await train(options('never', { signal: controller.signal })).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(existsSync(join(root, 'never'))).toBe(false);
    expect(existsSync(join(root, 'never.lock'))).toBe(false);
  });
});
