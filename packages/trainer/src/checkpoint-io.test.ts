// Tests of checkpoint-io.ts: in-place saves that keep foreign files, the states a kill leaves, readers during
// saves, sizes checked before reading, and the run lock.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CheckpointError,
  encodeCheckpoint,
  MNIST_PREPROCESSING,
  MODEL_JSON_MAX_BYTES,
  WEIGHTS_MAX_BYTES,
  type Checkpoint,
  type ModelSpec,
  type NamedWeight,
} from '@mnist/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireRunLock, loadCheckpoint, saveCheckpoint } from './checkpoint-io.js';
import { sha256Hex } from './data/ensure-mnist.js';

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
  it('round-trips byte for byte, model.json recording the SHA-256 of weights.bin', async () => {
    const original = checkpoint(1);
    await saveCheckpoint(dir, original);
    const expected = encodeCheckpoint(original, { sha256: sha256Hex });
    expect(await readFile(join(dir, 'model.json'), 'utf8')).toBe(expected.modelJson);
    expect(new Uint8Array(await readFile(join(dir, 'weights.bin')))).toEqual(expected.weightsBin);
    expect(JSON.parse(expected.modelJson).weightsSha256).toBe(sha256Hex(expected.weightsBin));
    const loaded = await loadCheckpoint(dir);
    const again = encodeCheckpoint(loaded, { sha256: sha256Hex });
    expect(again.modelJson).toBe(expected.modelJson);
    expect(again.weightsBin).toEqual(expected.weightsBin);
    expect(loaded.weights.get('dnn/hidden1/kernel')!.values).toEqual(original.weights.get('dnn/hidden1/kernel')!.values);
  });

  it('replaces only model.json and weights.bin, in place: other files, subfolders and the folder itself stay', async () => {
    await mkdir(join(dir, 'notes'), { recursive: true });
    await writeFile(join(dir, 'NOTES.txt'), 'mine\n');
    await writeFile(join(dir, 'model.onnx'), 'onnx bytes');
    await writeFile(join(dir, 'notes', 'a.txt'), 'a');
    const folder = (await stat(dir)).ino;
    await saveCheckpoint(dir, checkpoint(1, 1));
    await saveCheckpoint(dir, checkpoint(2, 2));
    expect((await loadCheckpoint(dir)).modelJson.training.epoch).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['NOTES.txt', 'model.json', 'model.onnx', 'notes', 'weights.bin']);
    expect(await readFile(join(dir, 'NOTES.txt'), 'utf8')).toBe('mine\n');
    expect(await readFile(join(dir, 'model.onnx'), 'utf8')).toBe('onnx bytes');
    expect(await readFile(join(dir, 'notes', 'a.txt'), 'utf8')).toBe('a');
    expect((await stat(dir)).ino).toBe(folder);
    expect(await readdir(join(root, 'checkpoints'))).toEqual(['dnn']);
  });

  it('loads a checkpoint saved before model.json recorded a digest', async () => {
    const { modelJson, weightsBin } = encodeCheckpoint(checkpoint(3, 3));
    expect(modelJson).not.toContain('weightsSha256');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'model.json'), modelJson);
    await writeFile(join(dir, 'weights.bin'), weightsBin);
    expect((await loadCheckpoint(dir)).modelJson.training.epoch).toBe(3);
    // The next save over it records the digest.
    await saveCheckpoint(dir, checkpoint(4, 4));
    expect(JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')).weightsSha256).toMatch(/^[0-9a-f]{64}$/);
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

  it('refuses a weights.bin of the right size from another save (its SHA-256 differs), in one line', async () => {
    await saveCheckpoint(dir, checkpoint(1, 1));
    await writeFile(join(dir, 'weights.bin'), encodeCheckpoint(checkpoint(2, 2)).weightsBin);
    const error = await loadCheckpoint(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toBe(
      `${dir}/weights.bin: does not match model.json (its SHA-256 is not the weightsSha256 recorded there) (torn or corrupt checkpoint?)`,
    );
  });

  // State B of checkpoint-io.ts, built by hand: the new model.json is in place, its weights still in the
  // temp file of a save that was killed before its second rename.
  async function killedBetweenRenames(firstSave: boolean): Promise<{ next: Checkpoint; temp: string }> {
    if (!firstSave) await saveCheckpoint(dir, checkpoint(1, 1));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'NOTES.txt'), 'mine\n');
    const next = checkpoint(2, 2);
    const bytes = encodeCheckpoint(next, { sha256: sha256Hex });
    const temp = join(dir, `.weights.bin.tmp-${deadPid()}-0badc0de`);
    await writeFile(temp, bytes.weightsBin);
    await writeFile(join(dir, `.model.json.tmp-${deadPid()}-0badc0de`), 'a temp that never got renamed');
    await writeFile(join(dir, 'model.json'), bytes.modelJson);
    return { next, temp };
  }

  for (const firstSave of [false, true]) {
    it(`rolls forward a save killed between its renames${firstSave ? ' (the first save: no weights.bin yet)' : ''}; the run lock completes it`, async () => {
      const { next, temp } = await killedBetweenRenames(firstSave);
      const expected = encodeCheckpoint(next, { sha256: sha256Hex });
      expect(encodeCheckpoint(await loadCheckpoint(dir), { sha256: sha256Hex })).toEqual(expected);
      // A reader changes nothing; the lock's holder puts the weights in place and removes the leftovers.
      expect(existsSync(temp)).toBe(true);
      const release = await acquireRunLock(dir);
      await release();
      expect((await readdir(dir)).sort()).toEqual(['NOTES.txt', 'model.json', 'weights.bin']);
      expect(new Uint8Array(await readFile(join(dir, 'weights.bin')))).toEqual(expected.weightsBin);
      expect(encodeCheckpoint(await loadCheckpoint(dir), { sha256: sha256Hex })).toEqual(expected);
    });
  }

  it('a save over an interrupted one completes it first, then leaves only its own pair', async () => {
    await killedBetweenRenames(false);
    await saveCheckpoint(dir, checkpoint(3, 3));
    expect((await readdir(dir)).sort()).toEqual(['NOTES.txt', 'model.json', 'weights.bin']);
    expect((await loadCheckpoint(dir)).modelJson.training.epoch).toBe(3);
  });

  it("removes the temp files of dead processes, and keeps a live process's and another host's", async () => {
    await saveCheckpoint(dir, checkpoint(1, 1));
    const dead = [`.weights.bin.tmp-${deadPid()}-00000001`, `.model.json.tmp-${deadPid()}-00000002`, `.model.json.tmp-${hostTag(hostname())}-${deadPid()}-00000003`];
    // Our parent (the vitest main process) is alive and is not us: its temp files may be a save in progress.
    const kept = [`.weights.bin.tmp-${process.ppid}-00000004`, `.model.json.tmp-${hostTag('elsewhere')}-${deadPid()}-00000005`, `.other.tmp-${deadPid()}-00000006`];
    for (const name of [...dead, ...kept]) await writeFile(join(dir, name), 'x');
    await saveCheckpoint(dir, checkpoint(2, 2));
    expect((await readdir(dir)).sort()).toEqual([...kept, 'model.json', 'weights.bin'].sort());
    expect((await loadCheckpoint(dir)).modelJson.training.epoch).toBe(2);
  });

  it('concurrent readers get the old or the new checkpoint, never a mix, across 200 saves', async () => {
    const versions = [checkpoint(1, 1), checkpoint(2, 2)].map((c) => encodeCheckpoint(c, { sha256: sha256Hex }));
    await saveCheckpoint(dir, checkpoint(1, 1));
    let saving = true;
    const saves = (async () => {
      for (let i = 0; i < 200; i++) await saveCheckpoint(dir, checkpoint(1 + (i % 2), 1 + (i % 2)));
      saving = false;
    })();
    let reads = 0;
    const readers = Array.from({ length: 3 }, async () => {
      while (saving) {
        const got = encodeCheckpoint(await loadCheckpoint(dir), { sha256: sha256Hex });
        expect(versions.some((v) => v.modelJson === got.modelJson && Buffer.from(v.weightsBin).equals(Buffer.from(got.weightsBin)))).toBe(true);
        reads += 1;
      }
    });
    await Promise.all([saves, ...readers]);
    expect(reads).toBeGreaterThan(10);
  });

  // Sizes are checked before reading: a sparse file claims gigabytes on disk without using them.
  it('refuses a 1.9 GB weights.bin by its size, without reading it', async () => {
    await saveCheckpoint(dir, checkpoint(1));
    await truncate(join(dir, 'weights.bin'), 1_900_000_000);
    const before = process.resourceUsage().maxRSS;
    await expect(loadCheckpoint(dir)).rejects.toThrow(`${dir}/weights.bin: has 1900000000 bytes, the manifest expects 92 (torn or corrupt checkpoint?)`);
    // maxRSS is in KiB: reading the file would add 1.9 GB.
    expect(process.resourceUsage().maxRSS - before).toBeLessThan(100 * 1024);
  });

  it('refuses a model.json over the 16 MiB ceiling, without reading it', async () => {
    await saveCheckpoint(dir, checkpoint(1));
    await truncate(join(dir, 'model.json'), MODEL_JSON_MAX_BYTES + 1);
    await expect(loadCheckpoint(dir)).rejects.toThrow(`${dir}/model.json: has ${MODEL_JSON_MAX_BYTES + 1} bytes, more than the ${MODEL_JSON_MAX_BYTES} (16 MiB) a model.json may have`);
  });

  it('refuses a manifest declaring more weights than the 1 GiB ceiling, before opening weights.bin', async () => {
    await saveCheckpoint(dir, checkpoint(1));
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    json.weightsManifest[0].weights.push({ name: 'huge', shape: [65536, 65536], dtype: 'float32' });
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    await truncate(join(dir, 'weights.bin'), 4 * 65536 * 65536 + 92);
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      `${dir}/model.json: declares ${4 * 65536 * 65536 + 92} bytes of weights, more than the ${WEIGHTS_MAX_BYTES} (1 GiB) a weights.bin may have`,
    );
  });

  it('a folder that cannot be created is named with what was being done', async () => {
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'a-file'), 'x');
    await expect(saveCheckpoint(join(root, 'a-file', 'dnn'), checkpoint(1))).rejects.toThrow(
      `${join(root, 'a-file', 'dnn')}: cannot create the checkpoint folder (ENOTDIR: not a directory)`,
    );
  });
});

// The host tag of temp-files.ts, for names of temp files written on `host`.
function hostTag(host: string): string {
  return createHash('sha256').update(host).digest('hex').slice(0, 8);
}

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
