// `train({ signal })`: an abort ends the run after the current epoch, with that epoch's checkpoint
// saved and resumable (the resumed run ends at the uninterrupted run's bytes); an abort before the
// first epoch rejects with an AbortError and writes nothing.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint-io.js';
import { writeToyDataset } from './testing/toy-dataset.js';
import { train, type TrainOptions } from './train.js';

let root: string;
let dataDir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trainer-signal-'));
  dataDir = join(root, 'data');
  await mkdir(dataDir);
  await writeToyDataset(dataDir, 'train', 500, 1);
  await writeToyDataset(dataDir, 't10k', 100, 2);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function options(out: string, extra: Partial<TrainOptions> = {}): TrainOptions {
  return { dataDir, out: join(root, out), epochs: 4, batchSize: 20, hiddenUnits: [16, 8], validationSize: 100, seed: 7, engine: 'tfjs', ...extra };
}

async function pair(out: string): Promise<[string, Buffer]> {
  return [await readFile(join(root, out, 'model.json'), 'utf8'), await readFile(join(root, out, 'weights.bin'))];
}

describe('train with an AbortSignal', () => {
  it('aborted during epoch 1: ends after it, saved and resumable to the same bytes as an uninterrupted run', async () => {
    const controller = new AbortController();
    const result = await train(
      options('stopped', {
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

    const resumed = await train(options('stopped', { resume: true }));
    expect(resumed.aborted).toBeUndefined();
    expect(resumed.testAccuracy).toBeGreaterThan(0);
    await train(options('whole'));
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
