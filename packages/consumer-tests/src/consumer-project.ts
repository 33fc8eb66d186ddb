// A fresh npm project outside the monorepo that depends on the packed tarballs of workspace packages,
// installed the way a user installs them (from the registry's cache, no workspace links), so tests see
// exactly what `npm install` of the published packages gives.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oneLine } from '@mnist/core';

/** The monorepo's root folder (where `npm pack -w` runs). */
export const MONOREPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The variable that makes onnxruntime-node's postinstall skip its download of CUDA files, which
 * fails offline. npm drops an unknown `.npmrc` key (and will stop passing it on), so a consumer sets this.
 */
export const ORT_NODE_SKIP_INSTALL = { ONNXRUNTIME_NODE_INSTALL: 'skip' } as const;

export interface ConsumerProjectOptions {
  /** Workspace package folders under packages/ to pack and depend on, e.g. ['core', 'infer-node']. */
  workspaces: readonly string[];
  /** Other dependencies by name, installed at the version the monorepo has (from the npm cache). */
  fromMonorepo?: readonly string[];
  /** Files to write into the project, by relative path. */
  files?: Readonly<Record<string, string>>;
}

export interface ConsumerProject {
  dir: string;
  /** The tarballs' file names, by package name. */
  tarballs: Record<string, string>;
  /** Runs a command in the project; throws a one-line error with its stderr when it fails. */
  run(command: string, args: readonly string[], env?: Record<string, string>): SpawnSyncReturns<string>;
}

/**
 * Packs the workspaces into `dir/tarballs`, writes `dir/app/package.json` depending on them, and runs
 * `npm install --prefer-offline` there with onnxruntime-node's download skipped.
 * @example const project = createConsumerProject(tmp, { workspaces: ['core', 'infer-node'] });
 */
export function createConsumerProject(dir: string, options: ConsumerProjectOptions): ConsumerProject {
  const tarballDir = join(dir, 'tarballs');
  const appDir = join(dir, 'app');
  mkdirSync(tarballDir, { recursive: true });
  mkdirSync(appDir, { recursive: true });
  const packed = check(
    spawnSync('npm', ['pack', '--json', '--pack-destination', tarballDir, ...options.workspaces.flatMap((w) => ['-w', `packages/${w}`])], {
      cwd: MONOREPO_ROOT,
      encoding: 'utf8',
      env: childEnv(),
    }),
    'npm pack',
  );
  const tarballs: Record<string, string> = {};
  for (const entry of JSON.parse(packed.stdout) as { name: string; filename: string }[]) tarballs[entry.name] = entry.filename;
  const dependencies: Record<string, string> = {};
  for (const [name, file] of Object.entries(tarballs)) dependencies[name] = `file:../tarballs/${file}`;
  for (const name of options.fromMonorepo ?? []) dependencies[name] = monorepoVersion(name);
  writeFileSync(join(appDir, 'package.json'), `${JSON.stringify({ name: 'consumer-app', private: true, type: 'module', dependencies }, null, 2)}\n`);
  for (const [path, text] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(appDir, path)), { recursive: true });
    writeFileSync(join(appDir, path), text);
  }
  const run: ConsumerProject['run'] = (command, args, env = {}) =>
    check(spawnSync(command, args, { cwd: appDir, encoding: 'utf8', env: { ...childEnv(), ...env }, maxBuffer: 64 * 1024 * 1024 }), `${command} ${args.join(' ')}`);
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], ORT_NODE_SKIP_INSTALL);
  return { dir: appDir, tarballs, run };
}

/** The version of `name` installed in the monorepo, so the consumer's install finds it in the cache. */
function monorepoVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(join(MONOREPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

// Without the npm_* variables of the `npm test` that started us: they carry the monorepo's prefix and
// its .npmrc settings, which would make the child npm install into (or configure itself from) the monorepo.
function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

function check(result: SpawnSyncReturns<string>, what: string): SpawnSyncReturns<string> {
  if (result.error) throw new Error(`${what}: ${oneLine(result.error)}`, { cause: result.error });
  if (result.status !== 0) {
    throw new Error(`${what} exited with ${result.status ?? result.signal}: ${oneLine(`${result.stderr}\n${result.stdout}`.trim(), { maxLength: 4000 })}`);
  }
  return result;
}
