// Checkpoint directories on disk (model.json + weights.bin): crash-safe saving of the PAIR of files,
// loading with recovery, and a run lock so two trainers never write the same directory.
//
// Why the save is crash-safe: both files are written into a fresh sibling directory
// `<dir>.tmp-<token>` and fsynced (files and directory) before anything else changes. Then the old
// directory is renamed to `<dir>.old-<token>`, the temp directory renamed to `<dir>`, the parent
// fsynced, and the old directory removed. Each rename is atomic, so at any instant one of these holds:
//   1. `<dir>` is the old checkpoint (crash before the first rename; a stale temp dir may remain);
//   2. `<dir>` is missing, `<dir>.old-<token>` is the old checkpoint and `<dir>.tmp-<token>` the new,
//      complete one (crash between the two renames);
//   3. `<dir>` is the new checkpoint (a stale `.old-` dir may remain).
// A reader that finds no `<dir>` recovers case 2: the `.tmp-` twin of an `.old-` dir was complete
// before the first rename, so it is the new checkpoint; failing that, the `.old-` dir is the old one.
// Every candidate is fully decoded (JSON, manifest, exact byte length) before it is trusted. Never a
// mix: the two files always come from one directory, and a reader re-checks the directory's identity
// after reading both files, so a swap during the read is retried.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import {
  CheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  MODEL_JSON_FILE,
  WEIGHTS_FILE,
  type Checkpoint,
} from '@mnist/core';
import { fsyncDirectory, writeFileSynced } from './data/write-file-atomic.js';

/**
 * Saves a checkpoint to `dir` atomically: afterwards `dir` holds the new checkpoint; after a crash at
 * any moment it (or its recoverable sibling) holds the old one or the new one, never a mix.
 * @example await saveCheckpoint('checkpoints/dnn', checkpoint);
 */
export async function saveCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  const { modelJson, weightsBin } = encodeCheckpoint(checkpoint);
  const target = resolve(dir);
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  await removeStaleSiblings(target);
  const token = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = `${target}.tmp-${token}`;
  const old = `${target}.old-${token}`;
  await mkdir(temp);
  try {
    await writeFileSynced(join(temp, WEIGHTS_FILE), weightsBin);
    await writeFileSynced(join(temp, MODEL_JSON_FILE), modelJson);
    await fsyncDirectory(temp);
  } catch (e) {
    await rm(temp, { recursive: true, force: true });
    throw e;
  }
  let hadOld = true;
  try {
    await rename(target, old);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    hadOld = false;
  }
  await rename(temp, target);
  await fsyncDirectory(parent);
  if (hadOld) await rm(old, { recursive: true, force: true });
}

/**
 * Loads the checkpoint in `dir` (recovering from an interrupted save, see the file comment). Throws
 * CheckpointError naming the directory or file when it is missing, torn or not a checkpoint.
 * @example const checkpoint = await loadCheckpoint('checkpoints/dnn');
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const target = resolve(dir);
  for (let attempt = 0; ; attempt++) {
    const before = await dirIdentity(target);
    if (before === undefined) return recoverCheckpoint(dir, target);
    const result = await readCheckpointDir(target, dir);
    // A save may have swapped directories between our two reads: both files must come from one.
    if ((await dirIdentity(target)) === before || attempt >= 3) return result;
  }
}

/**
 * Whether `dir` holds a checkpoint's model.json (for refusing to overwrite a finished run).
 * @example if (await checkpointExists('checkpoints/tuned')) throw new Error('choose another --out');
 */
export async function checkpointExists(dir: string): Promise<boolean> {
  return stat(join(dir, MODEL_JSON_FILE)).then(
    () => true,
    () => false,
  );
}

/**
 * Takes the exclusive run lock of a checkpoint directory (`<dir>.lock`, created with O_EXCL, holding
 * the owner's pid and host). A lock whose process is dead (same host) is stale and replaced. Once the
 * lock is held, a save that a dead trainer left half-swapped is completed, so `dir` exists. Resolves
 * to the release function; throws when another live trainer holds the lock.
 * @example const release = await acquireRunLock('checkpoints/dnn'); try { train() } finally { await release() }
 */
export async function acquireRunLock(dir: string): Promise<() => Promise<void>> {
  const target = resolve(dir);
  const lockPath = `${target}.lock`;
  await mkdir(dirname(target), { recursive: true });
  const mine: LockOwner = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await writeFileSynced(lockPath, JSON.stringify(mine) + '\n');
      // Holding the lock, no live trainer writes `dir`: finish a save a killed trainer left between
      // its two renames, so `dir` exists again for whoever checks it before loading (e.g. --resume).
      try {
        await completeInterruptedSave(target);
      } catch (e) {
        await unlink(lockPath).catch(() => undefined);
        throw e;
      }
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        // Only remove the lock if it is still ours (someone may have judged it stale and replaced it).
        const owner = await readLockOwner(lockPath);
        if (owner?.pid === mine.pid && owner.hostname === mine.hostname && owner.startedAt === mine.startedAt) {
          await unlink(lockPath).catch(() => undefined);
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = await readLockOwner(lockPath);
    if (owner && !isStale(owner)) {
      throw new Error(
        `${lockPath}: another trainer (pid ${owner.pid} on ${owner.hostname}, since ${owner.startedAt}) is writing ${dir}; wait for it to finish or choose another --out (delete the lock file only if that process is gone)`,
      );
    }
    // Stale or unreadable (a crash between create and write): remove it and try again. Two trainers
    // starting in the same millisecond over the same stale lock could both remove it; the O_EXCL create
    // that follows still lets only one of them win.
    await unlink(lockPath).catch(() => undefined);
  }
  throw new Error(`${lockPath}: could not take the run lock after 5 attempts; another trainer keeps replacing it`);
}

interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
}

async function readLockOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(lockPath, 'utf8')) as Partial<LockOwner>;
    if (Number.isInteger(parsed.pid) && typeof parsed.hostname === 'string') return parsed as LockOwner;
  } catch {
    // Missing or unreadable: treated as stale by the caller.
  }
  return undefined;
}

function isStale(owner: LockOwner): boolean {
  // A pid on another host cannot be checked from here: such a lock is respected.
  if (owner.hostname !== hostname()) return false;
  return !isProcessAlive(owner.pid);
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function dirIdentity(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    if (!s.isDirectory()) throw new CheckpointError(path, 'is not a directory (a checkpoint is a directory holding model.json and weights.bin)');
    return `${s.dev}:${s.ino}:${s.birthtimeMs}`;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function readCheckpointDir(path: string, displayDir: string): Promise<Checkpoint> {
  const read = async (file: string): Promise<Buffer> => {
    try {
      return await readFile(join(path, file));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        throw new CheckpointError(join(displayDir, file), `is missing (a checkpoint directory holds ${MODEL_JSON_FILE} and ${WEIGHTS_FILE})`);
      }
      // Node's own message (e.g. "EISDIR: illegal operation on a directory, read") names no file.
      throw new CheckpointError(join(displayDir, file), `cannot be read (${code ?? (e as Error).message}); expected a file`);
    }
  };
  // Both reads run together, but a failure is reported in file order (model.json first), whichever
  // read happens to fail first, so the same bad directory always gives the same message.
  const [json, bin] = await Promise.allSettled([read(MODEL_JSON_FILE), read(WEIGHTS_FILE)]);
  if (json.status === 'rejected') throw json.reason;
  if (bin.status === 'rejected') throw bin.reason;
  const [jsonBytes, weights] = [json.value, bin.value];
  const weightsBin = new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength);
  return decodeCheckpoint(jsonBytes.toString('utf8'), weightsBin, displayDir);
}

// `dir` is missing: look for an interrupted save's siblings (case 2 of the file comment).
async function recoverCheckpoint(displayDir: string, target: string): Promise<Checkpoint> {
  const siblings = await listSiblings(target);
  const olds = siblings.filter((s) => s.kind === 'old');
  for (const old of olds) {
    const twin = siblings.find((s) => s.kind === 'tmp' && s.token === old.token);
    for (const candidate of twin ? [twin, old] : [old]) {
      try {
        return await readCheckpointDir(candidate.path, displayDir);
      } catch {
        // Not complete: try the next candidate.
      }
    }
  }
  throw new CheckpointError(displayDir, 'does not exist (no checkpoint saved there; train first, or check the path)');
}

// `dir` is missing and a dead process left an `.old-` dir (case 2 of the file comment): rename the
// complete candidate (its `.tmp-` twin, else the `.old-` dir itself) back to `dir`. Never touches the
// siblings of a live process, whose save may still be running.
async function completeInterruptedSave(target: string): Promise<void> {
  if ((await dirIdentity(target)) !== undefined) return;
  const siblings = await listSiblings(target);
  for (const old of siblings.filter((s) => s.kind === 'old' && s.pid !== process.pid && !isProcessAlive(s.pid))) {
    const twin = siblings.find((s) => s.kind === 'tmp' && s.token === old.token);
    for (const candidate of twin ? [twin, old] : [old]) {
      try {
        await readCheckpointDir(candidate.path, target);
      } catch {
        continue;
      }
      await rename(candidate.path, target);
      await fsyncDirectory(dirname(target));
      return;
    }
  }
}

interface Sibling {
  kind: 'tmp' | 'old';
  token: string;
  pid: number;
  path: string;
}

async function listSiblings(target: string): Promise<Sibling[]> {
  const prefix = `${basename(target)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(target));
  } catch {
    return [];
  }
  const out: Sibling[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(tmp|old)-((\d+)-[0-9a-f]+)$/.exec(name.slice(prefix.length));
    if (m) out.push({ kind: m[1] as 'tmp' | 'old', token: m[2], pid: Number(m[3]), path: join(dirname(target), name) });
  }
  return out;
}

// Leftovers of saves that crashed (their process is gone) or of this process's own failed saves. A
// live process's temp dir may be a save in progress and is left alone. When `dir` is missing, the
// leftovers are the only copy, so they are kept until a new save has replaced them.
async function removeStaleSiblings(target: string): Promise<void> {
  if ((await dirIdentity(target)) === undefined) return;
  for (const s of await listSiblings(target)) {
    if (s.pid === process.pid || !isProcessAlive(s.pid)) await rm(s.path, { recursive: true, force: true });
  }
}
