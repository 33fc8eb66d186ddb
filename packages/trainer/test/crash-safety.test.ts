// Crash safety of training: kill -9 a real training run (a child process on the built dist) at random
// moments and before every file-system step of the first two checkpoint saves, in a folder that also
// holds the user's files; every time those files are untouched, the checkpoint loads as exactly the old
// or the new one, and a resumed run ends at the same bytes as an uninterrupted one. Readers in another
// process during training never see a mix. Also the run lock (a second trainer on the same directory is
// refused, a dead trainer's lock does not block the resume) and a write killed half-way, whose temp file
// the next write of that file removes.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, encodeIdx, MODEL_JSON_FILE, Rng, WEIGHTS_FILE } from '@mnist/core';
import { encodeCheckpoint } from '@mnist/core';
import { loadCheckpoint, train } from '../src/index.js';
import { sha256Hex } from '../src/data/ensure-mnist.js';
import { writeFileAtomic } from '../src/data/write-file-atomic.js';

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

/** Steps of crash-safety-child.mjs: kill before file-system step `killAt` in `within`, or trace them. */
interface StepPlan {
  within: string;
  killAt?: number;
  trace?: boolean;
  snapshots?: string;
}

/** Runs the child trainer on `options`; kills it with SIGKILL as `extra.kill` or `extra.steps` say. */
function runChild(options: object | object[], extra: { kill?: KillPlan; steps?: StepPlan } = {}): Promise<ChildRun> {
  return runJob({ train: options, ...extra.steps }, extra.kill);
}

function runJob(job: object, kill?: KillPlan): Promise<ChildRun> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CHILD, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const run: ChildRun = { pid: child.pid!, code: null, signal: null, stdout: '', stderr: '', epochTimes: [], totalMs: 0 };
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        if (!line.startsWith('epoch ')) continue;
        run.epochTimes.push(performance.now() - started);
        if (kill && line === `epoch ${kill.afterEpoch}`) timer = setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
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

/** `task` over `items`, at most `width` at a time; the results in the order of `items`. */
async function mapConcurrently<T, R>(items: readonly T[], width: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return results;
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
/** The reference run's checkpoint after each epoch's save (1-based), and after its final save. */
let referenceSnapshots: string;

beforeAll(async () => {
  // The child runs the built dist: build it (incremental, fast when up to date).
  try {
    execFileSync('npx', ['tsc', '-b', 'packages/trainer'], { cwd: REPO, stdio: 'pipe' });
  } catch (error) {
    throw new Error(`npx tsc -b packages/trainer failed:\n${(error as { stdout?: Buffer }).stdout?.toString() ?? String(error)}`, { cause: error });
  }
  root = mkdtempSync(join(tmpdir(), 'mnist-crash-'));
  dataDir = join(root, 'data');
  writeTinyDataset(dataDir, 7);
  const out = join(root, 'reference', 'dnn');
  referenceSnapshots = join(root, 'reference-snapshots');
  reference = await runChild({ ...RUN, dataDir, out }, { steps: { within: out, snapshots: referenceSnapshots } });
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
    expect((error as Error).message).toMatch(/does not exist|model\.json: is missing/);
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

});

/** The pair in `dir` as files (model.json text, weights.bin bytes), or undefined if there is none. */
function filesOf(dir: string): { modelJson: string; weightsBin: Buffer } | undefined {
  if (!existsSync(join(dir, MODEL_JSON_FILE))) return undefined;
  return { modelJson: readFileSync(join(dir, MODEL_JSON_FILE), 'utf8'), weightsBin: readFileSync(join(dir, WEIGHTS_FILE)) };
}

/** What loadCheckpoint gives for `dir`, re-encoded as the saver writes it; undefined when there is no checkpoint. */
async function loadedFiles(dir: string): Promise<{ modelJson: string; weightsBin: Buffer } | undefined> {
  try {
    const { modelJson, weightsBin } = encodeCheckpoint(await loadCheckpoint(dir), { sha256: sha256Hex });
    return { modelJson, weightsBin: Buffer.from(weightsBin) };
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toBe(`${join(dir, MODEL_JSON_FILE)}: is missing (a checkpoint directory holds model.json and weights.bin)`);
    return undefined;
  }
}

describe('kill -9 before every file-system step of a save, in a folder with the user\'s files', () => {
  const SHORT = { ...RUN, epochs: 2 };
  const FOREIGN = { 'NOTES.txt': 'my notes\n', 'model.onnx': 'exported model bytes' };
  let tracedSteps: { step: number; save: number; what: string }[];
  let snapshots: string;
  let finalFiles: { modelJson: string; weightsBin: Buffer };

  function userFolder(name: string): string {
    const out = join(root, name, 'dnn');
    mkdirSync(out, { recursive: true });
    for (const [file, text] of Object.entries(FOREIGN)) writeFileSync(join(out, file), text);
    return out;
  }

  beforeAll(async () => {
    const out = userFolder('traced');
    snapshots = join(root, 'traced-snapshots');
    const run = await runChild({ ...SHORT, dataDir, out }, { steps: { within: out, trace: true, snapshots } });
    expectExitedCleanly(run);
    finalFiles = filesOf(out)!;
    // Save s is the steps after the line of epoch s - 2 up to the line of epoch s - 1 (the first also
    // has the run's own checks of the folder before it).
    tracedSteps = [];
    let save = 1;
    for (const line of run.stdout.split('\n')) {
      if (line.startsWith('epoch ')) save += 1;
      const m = /^step (\d+) (.*)$/.exec(line);
      if (m) tracedSteps.push({ step: Number(m[1]), save, what: m[2] });
    }
    // 2 epoch saves and the final one; each writes two temp files and renames them.
    expect(tracedSteps.filter((s) => s.what.startsWith('rename ')).map((s) => s.save)).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it('each time: the user\'s files are untouched, the checkpoint is exactly the old or the new one, and --resume ends at the same bytes', async () => {
    // Every step of the first save (a new checkpoint) and of the second (one replacing the first),
    // from its first call (creating the folder if missing) to its last (the folder's fsync).
    const firstOfSave = (save: number) => tracedSteps.find((s) => s.save === save && s.what.startsWith('mkdir '))!.step;
    const plan = tracedSteps.filter((s) => s.step >= firstOfSave(1) && s.save <= 2);
    expect(plan.length).toBeGreaterThanOrEqual(30);
    const resumes: { out: string; where: string; resume: boolean }[] = [];
    // The kills are at counted steps, not at moments, so the children can run side by side.
    const killedRuns = await mapConcurrently(plan, availableParallelism(), async ({ step }) => {
      const out = userFolder(`step-${step}`);
      return { out, killed: await runChild({ ...SHORT, dataDir, out }, { steps: { within: out, killAt: step } }) };
    });
    for (const [i, { step, save, what }] of plan.entries()) {
      const { out, killed } = killedRuns[i];
      const where = `killed before step ${step} (${what}) of save ${save}`;
      expect(killed.signal, where).toBe('SIGKILL');
      for (const [file, text] of Object.entries(FOREIGN)) expect(readFileSync(join(out, file), 'utf8'), where).toBe(text);
      for (const name of readdirSync(out)) expect(name, where).toMatch(/^(NOTES\.txt|model\.onnx|model\.json|weights\.bin|\.(model\.json|weights\.bin)\.tmp-[0-9a-f]{8}-\d+-[0-9a-f]{8})$/);
      const old = save === 1 ? undefined : filesOf(join(snapshots, String(save - 1)));
      const next = filesOf(join(snapshots, String(save)));
      const loaded = await loadedFiles(out);
      const is = (files: typeof loaded) => (files === undefined ? loaded === undefined : loaded !== undefined && loaded.modelJson === files.modelJson && loaded.weightsBin.equals(files.weightsBin));
      expect(is(old) || is(next), `${where}: the checkpoint is neither the old nor the new one`).toBe(true);
      resumes.push({ out, where, resume: loaded !== undefined });
    }
    // One child finishes every folder (a process start per folder would dominate the test's time).
    expectExitedCleanly(await runChild(resumes.map(({ out, resume }) => ({ ...SHORT, dataDir, out, resume }))));
    for (const { out, where } of resumes) {
      expect(filesOf(out), where).toEqual(finalFiles);
      expect(readdirSync(out).sort(), where).toEqual(['NOTES.txt', 'model.json', 'model.onnx', 'weights.bin']);
      expect(readdirSync(dirname(out)), where).toEqual(['dnn']);
    }
  }, 300_000);
});

describe('readers in another process during training', () => {
  it('see no checkpoint yet, or one of the checkpoints the run saved, never a mix', async () => {
    const valid = readdirSync(referenceSnapshots).map((epoch) => filesOf(join(referenceSnapshots, epoch))!);
    valid.push({ modelJson: referenceModelJson, weightsBin: referenceWeights });
    const out = userFolder('read-while-training');
    const running = runChild({ ...RUN, dataDir, out });
    let finished = false;
    void running.then(() => (finished = true));
    let loads = 0;
    while (!finished) {
      const loaded = await loadedFiles(out);
      if (loaded) {
        expect(valid.some((v) => v.modelJson === loaded.modelJson && v.weightsBin.equals(loaded.weightsBin))).toBe(true);
        loads += 1;
      }
    }
    expectExitedCleanly(await running);
    expect(loads).toBeGreaterThan(RUN.epochs);
  });

  function userFolder(name: string): string {
    const out = join(root, name, 'dnn');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'NOTES.txt'), 'mine');
    return out;
  }
});

describe('a write killed half-way', () => {
  it('leaves a temp file that the next write of the same file removes', async () => {
    const dir = join(root, 'export');
    mkdirSync(dir);
    const target = join(dir, 'model.onnx');
    writeFileSync(join(dir, 'NOTES.txt'), 'mine');
    // Killed before the temp file's fsync: its bytes are written, the rename never happens.
    const killed = await runJob({ write: { path: target, size: 1 << 20 }, within: dir, killAt: 5 });
    expect(killed.signal).toBe('SIGKILL');
    const left = readdirSync(dir).filter((n) => n.startsWith('.model.onnx.tmp-'));
    expect(left).toHaveLength(1);
    expect(left[0]).toContain(`-${killed.pid}-`);
    await writeFileAtomic(target, 'whole');
    expect(readdirSync(dir).sort()).toEqual(['NOTES.txt', 'model.onnx']);
    expect(readFileSync(target, 'utf8')).toBe('whole');
  });
});

describe('run lock', () => {
  it('a second trainer on the same directory is refused with a message naming the lock and the owner', async () => {
    const out = join(root, 'locked', 'dnn');
    const first = spawn(process.execPath, [CHILD, JSON.stringify({ train: { ...RUN, epochs: 100000, dataDir, out } })], {
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
