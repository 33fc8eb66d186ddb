// `train({ overwrite })`: a new run in a folder that holds a checkpoint replaces only the checkpoint's
// files; without it the folder is refused with both ways out named; a folder of other files is fine.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint-io.js';
import { writeToyDataset } from './testing/toy-dataset.js';
import { train, type TrainOptions } from './train.js';

let root: string;
let dataDir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trainer-overwrite-'));
  dataDir = join(root, 'data');
  await mkdir(dataDir);
  await writeToyDataset(dataDir, 'train', 500, 1);
  await writeToyDataset(dataDir, 't10k', 100, 2);
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
