// Test support for the end-to-end tests: the compiled `mnist` run as a child process the way users run
// it (one-shot or long-running), the checks every such test makes of its output, and a scratch folder.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';

export const cliDir = dirname(dirname(fileURLToPath(import.meta.url)));
export const repoRoot = dirname(dirname(cliDir));
export const bin = join(cliDir, 'bin', 'mnist.js');

/** How a finished run ended and what it wrote. */
export interface Run {
  code: number | null;
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Where and how `runMnist` runs: from the repository, with CI=1 (no progress bars), for at most 3 minutes. */
export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeout?: number;
}

/**
 * Compiles the CLI and what it depends on: the tests run the built bin; `npm test` builds first, this
 * keeps `vitest run` here honest too. Call it from `beforeAll` with a few minutes' timeout.
 * @example beforeAll(buildCli, 300_000);
 */
export function buildCli(): void {
  execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', cliDir], { stdio: 'inherit' });
}

/**
 * A fresh folder under the system's temporary directory, removed after the file's tests.
 * @example const work = scratchDir('mnist-serve-');
 */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Runs `mnist ...args` to its end.
 * @example const r = runMnist(['train', '--epochs', '1'], { cwd: elsewhere });
 */
export function runMnist(args: string[], options: RunOptions = {}): Run {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? repoRoot,
    encoding: 'utf8',
    env: options.env ?? { ...process.env, CI: '1' },
    timeout: options.timeout ?? 180_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs `mnist ...args` from the repository to its end.
 * @example expect(mnist('--help').code).toBe(0);
 */
export function mnist(...args: string[]): Run {
  return runMnist(args);
}

/**
 * The JSON object on the last stdout line of a successful run (asserts exit 0 first).
 * @example const { accuracy } = lastJson(mnist('eval', '--model', model, '--json'));
 */
export function lastJson(r: Run): Record<string, unknown> {
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

/**
 * A failure as users must see it: exit 1, nothing on stdout, one `mnist:` line matching `message`, no stack.
 * @example expectOneLineError(mnist('train', '--epochs', 'abc'), /--epochs must be a positive integer/);
 */
export function expectOneLineError(r: Run, message: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^mnist: /);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

/** A long-running command that printed its URL: the child, and what it has written to stderr so far. */
export interface LongRunning {
  url: string;
  child: ChildProcess;
  stderr: () => string;
}

/**
 * Starts a long-running command (serve, demo), from the repository unless `cwd` is given; resolves with its
 * first stdout line (the URL) once printed.
 * @example const { url, child } = await startLongRunning(['serve', '--model', model, '--port', '0']);
 */
export function startLongRunning(args: string[], options: { cwd?: string } = {}): Promise<LongRunning> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd ?? repoRoot, env: { ...process.env, CI: '1' } });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ url: out.split('\n')[0], child, stderr: () => err });
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before printing a URL: ${err}`)));
  });
}

/**
 * Sends `signal` to a long-running command and resolves with its exit code.
 * @example expect(await stopWith(child, 'SIGTERM')).toBe(0);
 */
export function stopWith(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  return exited;
}

/**
 * Trains a small network for one epoch into `dir` and exports it beside the checkpoint: a real model
 * for the commands that serve one, in seconds.
 * @example const { model, testAccuracy } = trainedModel(join(work, 'dnn'));
 */
export function trainedModel(dir: string): { checkpoint: string; model: string; testAccuracy: number } {
  const trained = lastJson(mnist('train', '--epochs', '1', '--train-limit', '1000', '--hidden', '32', '--out', dir, '--json'));
  lastJson(mnist('export', '--onnx', '--checkpoint', dir, '--json'));
  return { checkpoint: dir, model: join(dir, 'model.onnx'), testAccuracy: trained.testAccuracy as number };
}
