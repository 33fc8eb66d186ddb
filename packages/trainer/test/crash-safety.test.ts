// Crash safety of training: kill -9 a real training run (a child process on the built dist) at random
// moments and at exact points inside a checkpoint save; every time the checkpoint loads and a resumed
// run ends at the same bytes as an uninterrupted one. Also the run lock: a second trainer on the same
// directory is refused, and a dead trainer's lock does not block the resume.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, encodeIdx, MODEL_JSON_FILE, Rng, WEIGHTS_FILE } from '@mnist/core';
import { loadCheckpoint, train } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, 'crash-safety-child.mjs');
const REPO = resolve(here, '../../..');

// Many tiny epochs: a save every ~20 ms, so random kills often land in or near one.
const RUN = { epochs: 20, batchSize: 20, hiddenUnits: [32, 16], seed: 5, validationSize: 100, engine: 'onnx' };

interface ChildRun {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to each `epoch N` line. */
  epochTimes: number[];
  totalMs: number;
}

interface KillPlan {
  /** SIGKILL this many ms after the child reports this 0-based epoch saved. */
  afterEpoch: number;
  delayMs: number;
}

/** Runs the child trainer; kills it with SIGKILL as `extra.kill` says, if given. */
function runChild(options: object, extra: { kill?: KillPlan; fault?: { op: 'rename' | 'open'; call: number } } = {}): Promise<ChildRun> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const args = [CHILD, JSON.stringify(options)];
    if (extra.fault) args.push(JSON.stringify(extra.fault));
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const run: ChildRun = { pid: child.pid!, code: null, signal: null, stdout: '', stderr: '', epochTimes: [], totalMs: 0 };
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        if (!line.startsWith('epoch ')) continue;
        run.epochTimes.push(performance.now() - started);
        if (extra.kill && line === `epoch ${extra.kill.afterEpoch}`) timer = setTimeout(() => child.kill('SIGKILL'), extra.kill.delayMs);
      }
      run.stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (run.stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      run.code = code;
      run.signal = signal;
      run.totalMs = performance.now() - started;
      resolvePromise(run);
    });
  });
}

function writeTinyDataset(dir: string, seed: number): void {
  mkdirSync(dir, { recursive: true });
  const rng = new Rng(seed);
  const write = (name: string, n: number) => {
    const labels = new Uint8Array(n);
    const images = new Uint8Array(n * 784);
    for (let i = 0; i < n; i++) {
      labels[i] = rng.int(10);
      // A learnable pattern (bright columns chosen by the label) under noise.
      for (let p = 0; p < 784; p++) images[i * 784 + p] = (p % 10 === labels[i] ? 200 : 0) + rng.int(50);
    }
    writeFileSync(join(dir, `${name}-images-idx3-ubyte`), encodeIdx({ dtype: 'uint8', shape: [n, 28, 28], data: images }));
    writeFileSync(join(dir, `${name}-labels-idx1-ubyte`), encodeIdx({ dtype: 'uint8', shape: [n], data: labels }));
  };
  write('train', 600);
  write('t10k', 100);
}

function expectExitedCleanly(run: ChildRun): void {
  if (run.code !== 0) throw new Error(`child trainer exited with ${run.code ?? run.signal}:\n${run.stderr}`);
}

let root: string;
let dataDir: string;
let reference: ChildRun;
let referenceWeights: Buffer;
let referenceModelJson: string;

beforeAll(async () => {
  // The child runs the built dist: build it (incremental, fast when up to date).
  try {
    execFileSync('npx', ['tsc', '-b', 'packages/trainer'], { cwd: REPO, stdio: 'pipe' });
  } catch (error) {
    throw new Error(`npx tsc -b packages/trainer failed:\n${(error as { stdout?: Buffer }).stdout?.toString() ?? error}`);
  }
  root = mkdtempSync(join(tmpdir(), 'mnist-crash-'));
  dataDir = join(root, 'data');
  writeTinyDataset(dataDir, 7);
  const out = join(root, 'reference', 'dnn');
  reference = await runChild({ ...RUN, dataDir, out });
  expectExitedCleanly(reference);
  referenceWeights = readFileSync(join(out, WEIGHTS_FILE));
  referenceModelJson = readFileSync(join(out, MODEL_JSON_FILE), 'utf8');
  expect(reference.epochTimes).toHaveLength(RUN.epochs);
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** After a kill: the checkpoint loads if any epoch was reported, then a resumed (or fresh) run completes to the reference bytes. */
async function recoverAndFinish(killed: ChildRun, out: string): Promise<void> {
  expect(killed.signal).toBe('SIGKILL');
  const reported = killed.epochTimes.length;
  let resumable = false;
  try {
    const checkpoint = await loadCheckpoint(out);
    resumable = true;
    // An epoch is reported only after its save, so the checkpoint is at least that far.
    expect(checkpoint.modelJson.training.epoch).toBeGreaterThanOrEqual(reported);
    expect(checkpoint.modelJson.training.history).toHaveLength(checkpoint.modelJson.training.epoch);
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointError);
    expect(reported).toBe(0);
    expect((error as Error).message).toMatch(/does not exist/);
  }
  // The killed trainer's lock is still there, and names the dead process: it must not block.
  const lockPath = `${out}.lock`;
  if (existsSync(lockPath)) expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(killed.pid);
  const finished = await runChild({ ...RUN, dataDir, out, resume: resumable });
  expectExitedCleanly(finished);
  expect(readFileSync(join(out, WEIGHTS_FILE)).equals(referenceWeights)).toBe(true);
  expect(readFileSync(join(out, MODEL_JSON_FILE), 'utf8')).toBe(referenceModelJson);
  // No lock and no half-saved siblings are left behind.
  expect(readdirSync(dirname(out))).toEqual(['dnn']);
}

describe('kill -9 during training', () => {
  it('the uninterrupted run is deterministic: a second run gives the same bytes', async () => {
    const out = join(root, 'again', 'dnn');
    expectExitedCleanly(await runChild({ ...RUN, dataDir, out }));
    expect(readFileSync(join(out, WEIGHTS_FILE)).equals(referenceWeights)).toBe(true);
  });

  it('at five seeded random moments, the checkpoint loads and --resume ends at the same weights', async () => {
    const rng = new Rng(2024);
    // Moments relative to the run's own progress (machine load varies): after a random epoch's
    // report, a random fraction of the reference run's mean epoch time, so kills land in epochs,
    // in validation, and inside saves.
    const times = reference.epochTimes;
    const meanEpochMs = (times[times.length - 1] - times[0]) / (times.length - 1);
    let kills = 0;
    for (let i = 0; i < 5; i++) {
      // Epochs spread over the run (the i-th fifth of it), never the last, so the run is still going.
      const afterEpoch = Math.floor(((i + rng.float()) / 5) * (RUN.epochs - 1));
      const kill = { afterEpoch, delayMs: rng.float() * meanEpochMs };
      const out = join(root, `random-${i}`, 'dnn');
      const killed = await runChild({ ...RUN, dataDir, out }, { kill });
      if (killed.signal !== 'SIGKILL') {
        // The machine was faster than during the reference run: the run finished before the kill.
        expectExitedCleanly(killed);
        continue;
      }
      kills += 1;
      await recoverAndFinish(killed, out);
    }
    // Most of the moments must land inside the run, or this test tests nothing.
    expect(kills).toBeGreaterThanOrEqual(3);
  });

  // Exact points inside saves: each save makes 2 renames (dir -> .old, .tmp -> dir) and 4 opens
  // (weights.bin, model.json, the temp dir and the parent for fsync), after the run lock's 1 open.
  const faults = [
    { name: 'between the two renames of the 3rd save (dir missing, .old and .tmp present)', fault: { op: 'rename', call: 6 } },
    { name: 'before the first rename of the 4th save (complete .tmp beside the dir)', fault: { op: 'rename', call: 7 } },
    { name: 'before model.json of the 2nd save is written (torn .tmp)', fault: { op: 'open', call: 1 + 4 + 2 } },
    { name: 'before the first save completes', fault: { op: 'rename', call: 2 } },
    { name: 'inside the final save (after all epochs)', fault: { op: 'rename', call: 2 * (RUN.epochs + 1) } },
  ] as const;
  for (const { name, fault } of faults) {
    it(`${name}: the checkpoint loads and --resume ends at the same weights`, async () => {
      const out = join(root, `fault-${fault.op}-${fault.call}`, 'dnn');
      const killed = await runChild({ ...RUN, dataDir, out }, { fault });
      await recoverAndFinish(killed, out);
    });
  }
});

describe('run lock', () => {
  it('a second trainer on the same directory is refused with a message naming the lock and the owner', async () => {
    const out = join(root, 'locked', 'dnn');
    const first = spawn(process.execPath, [CHILD, JSON.stringify({ ...RUN, epochs: 100000, dataDir, out })], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      // Wait until the first trainer is inside its run (it saved an epoch, so it holds the lock).
      await new Promise<void>((resolveWait, reject) => {
        first.stdout.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('epoch ') && resolveWait());
        first.on('close', (code) => reject(new Error(`first trainer exited early with ${code}`)));
      });
      const error = await train({ ...RUN, dataDir, out, resume: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      const message = (error as Error).message;
      expect(message).toContain(`${resolve(out)}.lock`);
      expect(message).toContain(`pid ${first.pid}`);
      expect(message).toMatch(/another trainer/);
      expect(message).not.toContain('\n');
    } finally {
      first.kill('SIGKILL');
    }
  });

  it('a lock left by a dead trainer on this host does not block --resume', async () => {
    const out = join(root, 'stale', 'dnn');
    expectExitedCleanly(await runChild({ ...RUN, epochs: 2, dataDir, out }));
    // A pid that certainly belonged to a process that has exited.
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => dead.on('close', r));
    writeFileSync(`${out}.lock`, JSON.stringify({ pid: dead.pid, hostname: hostname(), startedAt: new Date(0).toISOString() }) + '\n');
    const resumed = await runChild({ ...RUN, epochs: 3, dataDir, out, resume: true });
    expectExitedCleanly(resumed);
    expect(resumed.stderr).toMatch(/Resuming .* after epoch 2 of 3/);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });
});
