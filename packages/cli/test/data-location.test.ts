// `mnist train` run from a folder outside the repository, with HOME and XDG_CACHE_HOME pointed at
// empty folders: MNIST is read from where the SDK keeps it (this checkout's data/mnist), and nothing
// lands in the working directory or the home folder (issue 12, item 10). Spawns the built bin.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runMnist, scratchDir } from './mnist-bin.fixture.js';

const root = scratchDir('mnist-elsewhere-');

describe('mnist train from a folder outside the repository', () => {
  it('writes nothing into the working directory or the home folder, and reads MNIST from the data folder of the SDK', () => {
    const cwd = join(root, 'cwd');
    const home = join(root, 'home');
    const cache = join(root, 'cache');
    for (const d of [cwd, home, cache]) mkdirSync(d);
    const env: Record<string, string> = { ...(process.env as Record<string, string>), HOME: home, XDG_CACHE_HOME: cache, CI: '1' };
    delete env.MNIST_DATA_DIR;
    const out = join(root, 'checkpoint');
    const run = runMnist(['train', '--epochs', '1', '--train-limit', '200', '--out', out, '--json'], { cwd, env });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').pop()!)).toMatchObject({ epochs: 1, checkpoint: out });
    expect(readdirSync(cwd)).toEqual([]);
    expect(readdirSync(home)).toEqual([]);
    expect(readdirSync(cache)).toEqual([]);
    expect(existsSync(join(repoRoot, 'data', 'mnist', 't10k-labels-idx1-ubyte'))).toBe(true);
  });

  it('MNIST_DATA_DIR moves the MNIST copy wherever it says', () => {
    const cwd = join(root, 'cwd2');
    mkdirSync(cwd);
    const data = join(root, 'elsewhere', 'mnist');
    const env: Record<string, string> = { ...(process.env as Record<string, string>), MNIST_DATA_DIR: data, CI: '1' };
    const trained = runMnist(['train', '--epochs', '1', '--train-limit', '100', '--out', join(root, 'ck2')], { cwd, env });
    expect(trained.code, trained.stderr).toBe(0);
    expect(readdirSync(data).sort()).toEqual(['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte']);
    expect(readdirSync(cwd)).toEqual([]);
  });
});
