import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, encodeCheckpoint, MNIST_PREPROCESSING, type Checkpoint, type ModelSpec, type NamedWeight } from '@mnist/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireRunLock, loadCheckpoint, saveCheckpoint } from './checkpoint-io.js';

const SPEC: ModelSpec = { inputSize: 4, hiddenUnits: [3], activation: 'relu', outputSize: 2, initializer: 'truncated_normal' };

// A small checkpoint whose values depend on `seed`, so two checkpoints are told apart byte for byte.
function checkpoint(seed: number, epoch = 1): Checkpoint {
  const weight = (name: string, shape: number[]): NamedWeight => {
    const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(seed * 31 + i) / 3);
    return { name, shape, values };
  };
  const weights = [weight('dnn/hidden1/kernel', [4, 3]), weight('dnn/hidden1/bias', [3]), weight('dnn/outputs/kernel', [3, 2]), weight('dnn/outputs/bias', [2])];
  return {
    modelJson: {
      format: 'mnist-dnn-checkpoint',
      formatVersion: 1,
      modelSpec: SPEC,
      preprocessing: MNIST_PREPROCESSING,
      labels: ['0', '1'],
      training: {
        epoch, step: epoch * 10, epochs: 3, batchSize: 2, seed, validationSize: 1, engine: 'tfjs', backend: 'cpu',
        optimizer: { name: 'sgd', learningRate: 0.01 }, history: [],
      },
      weightsManifest: [],
    },
    weights: new Map(weights.map((w) => [w.name, w])),
  };
}

let root: string;
let dir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ckpt-'));
  dir = join(root, 'checkpoints', 'dnn');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips byte for byte', async () => {
    const original = checkpoint(1);
    await saveCheckpoint(dir, original);
    const expected = encodeCheckpoint(original);
    expect(await readFile(join(dir, 'model.json'), 'utf8')).toBe(expected.modelJson);
    expect(new Uint8Array(await readFile(join(dir, 'weights.bin')))).toEqual(expected.weightsBin);
    const loaded = await loadCheckpoint(dir);
    const again = encodeCheckpoint(loaded);
    expect(again.modelJson).toBe(expected.modelJson);
    expect(again.weightsBin).toEqual(expected.weightsBin);
    expect(loaded.weights.get('dnn/hidden1/kernel')!.values).toEqual(original.weights.get('dnn/hidden1/kernel')!.values);
  });

  it('replaces an existing checkpoint and leaves no temp or old directories', async () => {
    await saveCheckpoint(dir, checkpoint(1, 1));
    await saveCheckpoint(dir, checkpoint(2, 2));
    expect((await loadCheckpoint(dir)).modelJson.training.epoch).toBe(2);
    expect(await readdir(join(root, 'checkpoints'))).toEqual(['dnn']);
  });

  it('errors on a missing directory, naming it', async () => {
    await expect(loadCheckpoint(dir)).rejects.toThrow(CheckpointError);
    await expect(loadCheckpoint(dir)).rejects.toThrow(`${dir}: does not exist`);
  });

  it('errors on a missing file, naming it', async () => {
    await saveCheckpoint(dir, checkpoint(1));
    await rm(join(dir, 'weights.bin'));
    await expect(loadCheckpoint(dir)).rejects.toThrow(`${join(dir, 'weights.bin')}: is missing`);
  });

  it('names model.json first when both files are bad, whichever read fails first', async () => {
    await saveCheckpoint(dir, checkpoint(1));
    await rm(join(dir, 'weights.bin'));
    await rm(join(dir, 'model.json'));
    // A directory in model.json's place fails later (at read, EISDIR) than the missing weights.bin (at open).
    await mkdir(join(dir, 'model.json'));
    for (let attempt = 0; attempt < 5; attempt++) {
      await expect(loadCheckpoint(dir)).rejects.toThrow(`${join(dir, 'model.json')}: cannot be read`);
    }
  });

  it('errors on a truncated weights.bin, naming it', async () => {
    await saveCheckpoint(dir, checkpoint(1));
    await truncate(join(dir, 'weights.bin'), 40); // (12 + 3 + 6 + 2) floats = 92 bytes when whole
    await expect(loadCheckpoint(dir)).rejects.toThrow(`${dir}/weights.bin: has 40 bytes, the manifest expects 92`);
  });

  it('errors on torn JSON, naming model.json', async () => {
    await saveCheckpoint(dir, checkpoint(1));
    const text = await readFile(join(dir, 'model.json'), 'utf8');
    await writeFile(join(dir, 'model.json'), text.slice(0, text.length / 2));
    await expect(loadCheckpoint(dir)).rejects.toThrow(`${dir}/model.json: is not valid JSON`);
  });

  // The states a crash can leave (see checkpoint-io.ts), built by hand from real saves.
  it('recovers the new checkpoint after a crash between the two renames', async () => {
    await saveCheckpoint(dir, checkpoint(1, 1));
    const other = join(root, 'other');
    await saveCheckpoint(other, checkpoint(2, 2));
    await rename(dir, `${dir}.old-999999-abcd`);
    await rename(other, `${dir}.tmp-999999-abcd`);
    expect((await loadCheckpoint(dir)).modelJson.training.epoch).toBe(2);
    // The next save cleans up once `dir` exists again.
    await saveCheckpoint(dir, checkpoint(3, 3));
    await saveCheckpoint(dir, checkpoint(4, 4));
    expect((await readdir(join(root, 'checkpoints'))).sort()).toEqual(['dnn']);
    expect((await loadCheckpoint(dir)).modelJson.training.epoch).toBe(4);
  });

  it('falls back to the old checkpoint when the new one is incomplete', async () => {
    await saveCheckpoint(dir, checkpoint(1, 1));
    await rename(dir, `${dir}.old-999999-abcd`);
    await mkdir(`${dir}.tmp-999999-abcd`);
    await writeFile(join(`${dir}.tmp-999999-abcd`, 'weights.bin'), new Uint8Array(8));
    expect((await loadCheckpoint(dir)).modelJson.training.epoch).toBe(1);
  });

  it('ignores a stale temp directory from a crash before the first rename', async () => {
    await saveCheckpoint(dir, checkpoint(1, 1));
    await mkdir(`${dir}.tmp-999999-beef`);
    await writeFile(join(`${dir}.tmp-999999-beef`, 'weights.bin'), new Uint8Array(8));
    expect((await loadCheckpoint(dir)).modelJson.training.epoch).toBe(1);
    await saveCheckpoint(dir, checkpoint(2, 2));
    expect(await readdir(join(root, 'checkpoints'))).toEqual(['dnn']);
  });
});

// A pid that surely belongs to no process: one that just exited.
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('acquireRunLock', () => {
  it('is exclusive until released', async () => {
    const release = await acquireRunLock(dir);
    const error = await acquireRunLock(dir).catch((e: Error) => e);
    expect((error as Error).message).toMatch(new RegExp(`^${dir}\\.lock: another trainer \\(pid ${process.pid} on `));
    await release();
    const again = await acquireRunLock(dir);
    await again();
    expect(await readdir(join(root, 'checkpoints'))).toEqual([]);
  });

  it('replaces a stale lock whose process is dead', async () => {
    await mkdir(join(root, 'checkpoints'), { recursive: true });
    await writeFile(`${dir}.lock`, JSON.stringify({ pid: deadPid(), hostname: hostname(), startedAt: 'then' }));
    const release = await acquireRunLock(dir);
    expect(JSON.parse(await readFile(`${dir}.lock`, 'utf8')).pid).toBe(process.pid);
    await release();
  });

  it('respects a lock held by another host', async () => {
    await mkdir(join(root, 'checkpoints'), { recursive: true });
    await writeFile(`${dir}.lock`, JSON.stringify({ pid: deadPid(), hostname: 'elsewhere', startedAt: 'then' }));
    await expect(acquireRunLock(dir)).rejects.toThrow(/on elsewhere/);
  });
});
