import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultMnistDir, ensureMnist, findWorkspaceRoot, MNIST_DATA_DIR_ENV, sha256Hex, WORKSPACE_NAME } from './ensure-mnist.js';
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
  it('walks up from the module itself to the root package.json named mnist-onnx-sdk, whatever the cwd', async () => {
    const root = findWorkspaceRoot();
    expect(root).toBeDefined();
    const pkg = JSON.parse(await readFile(join(root!, 'package.json'), 'utf8')) as { name?: string; workspaces?: unknown };
    expect(pkg).toMatchObject({ name: WORKSPACE_NAME });
    expect(pkg.workspaces).toBeDefined();
    expect(findWorkspaceRoot(tmpdir())).toBeUndefined();
  });

  it("is not fooled by someone else's workspace root (a project that installed the SDK)", async () => {
    const project = join(dir, 'their-project');
    const inside = join(project, 'node_modules', '@mnist', 'trainer', 'dist', 'data');
    await mkdir(inside, { recursive: true });
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'their-app', workspaces: ['packages/*'] }));
    expect(findWorkspaceRoot(inside)).toBeUndefined();
  });
});

describe('defaultMnistDir', () => {
  const outside = { workspaceRoot: null, home: '/home/ana' } as const;

  it('is data/mnist of the monorepo inside it, the per-user cache outside it', () => {
    expect(defaultMnistDir({ env: {}, workspaceRoot: '/src/mnist-sdk' })).toBe(join('/src/mnist-sdk', 'data', 'mnist'));
    expect(defaultMnistDir({ ...outside, env: {}, platform: 'linux' })).toBe('/home/ana/.cache/mnist-onnx-sdk/mnist');
    expect(defaultMnistDir({ ...outside, env: { XDG_CACHE_HOME: '/tmp/xdg' }, platform: 'linux' })).toBe('/tmp/xdg/mnist-onnx-sdk/mnist');
    // The XDG spec ignores a relative XDG_CACHE_HOME.
    expect(defaultMnistDir({ ...outside, env: { XDG_CACHE_HOME: 'rel' }, platform: 'linux' })).toBe('/home/ana/.cache/mnist-onnx-sdk/mnist');
    expect(defaultMnistDir({ ...outside, env: {}, platform: 'darwin' })).toBe('/home/ana/Library/Caches/mnist-onnx-sdk/mnist');
    expect(defaultMnistDir({ workspaceRoot: null, home: 'C:\\Users\\ana', env: { LOCALAPPDATA: 'C:\\Users\\ana\\AppData\\Local' }, platform: 'win32' })).toBe(
      'C:\\Users\\ana\\AppData\\Local\\mnist-onnx-sdk\\Cache\\mnist',
    );
    expect(defaultMnistDir({ workspaceRoot: null, home: 'C:\\Users\\ana', env: {}, platform: 'win32' })).toBe('C:\\Users\\ana\\AppData\\Local\\mnist-onnx-sdk\\Cache\\mnist');
  });

  it('takes MNIST_DATA_DIR first, inside the monorepo or not, resolved against the working directory', () => {
    expect(defaultMnistDir({ env: { [MNIST_DATA_DIR_ENV]: '/srv/mnist' }, workspaceRoot: '/src/mnist-sdk' })).toBe('/srv/mnist');
    expect(defaultMnistDir({ ...outside, env: { [MNIST_DATA_DIR_ENV]: 'here' } })).toBe(resolve('here'));
  });

  it("defaults to this process's own: the monorepo's data/mnist in this checkout", () => {
    if (process.env[MNIST_DATA_DIR_ENV]) return; // a developer's override decides instead
    expect(defaultMnistDir()).toBe(join(findWorkspaceRoot()!, 'data', 'mnist'));
  });
});
