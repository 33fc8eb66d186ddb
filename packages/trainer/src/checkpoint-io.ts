// Checkpoint folders on disk: saving model.json + weights.bin as a pair, in place; loading them with a
// check that they belong together; and a run lock so two trainers never write the same folder.
//
// Invariants (the folder is the user's too: the README exports model.onnx into it):
// 1. A save writes only model.json, weights.bin and its own hidden temp files (`.model.json.tmp-*`,
//    `.weights.bin.tmp-*`). No other file in the folder (NOTES.txt, model.onnx) is read, moved or
//    removed, and the folder itself is never replaced.
// 2. model.json records the SHA-256 of its weights.bin (`weightsSha256`), so a pair of files from two
//    different saves is detectable whatever their sizes.
// 3. A save writes both temp files and fsyncs them and the folder, renames the model.json temp over
//    model.json, fsyncs the folder, renames the weights temp over weights.bin and fsyncs the folder.
//    Each rename is atomic, so after a kill at any moment the folder holds one of:
//      A. the old pair (killed before the first rename; temp files may remain);
//      B. the new model.json beside the old weights.bin (or none, on a first save), and the new
//         weights, complete, in a `.weights.bin.tmp-*` file (killed between the renames);
//      C. the new pair.
//    model.json goes first because the new one always has a digest: state B is detectable even when
//    the old model.json (saved before digests existed) has none.
// 4. A reader takes a pair only when weights.bin's SHA-256 is model.json's `weightsSha256`; in state B
//    it takes the temp file whose SHA-256 matches (roll forward: the checkpoint that save was writing,
//    whole). A pair that changes while it is read is read again. So a reader, even during a save
//    (`mnist eval` while training), gets the old or the new checkpoint, never a mix. A model.json
//    without a digest (an older save) is taken with a weights.bin of its manifest's size, provided
//    model.json was not replaced during the read.
// 5. Sizes are checked before anything is read: model.json against MODEL_JSON_MAX_BYTES, weights.bin
//    against its manifest (itself at most WEIGHTS_MAX_BYTES).
// 6. Every save, and the run lock when taken, first finishes a save that a dead process left in state B
//    (renames its weights temp into place), then removes the temp files of dead processes. Saves of
//    one folder within this process run one at a time.
import type { BigIntStats } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  CheckpointError,
  decodeWeights,
  encodeCheckpoint,
  MODEL_JSON_FILE,
  MODEL_JSON_MAX_BYTES,
  parseModelJson,
  WEIGHTS_FILE,
  WEIGHTS_MAX_BYTES,
  weightsByteLength,
  type Checkpoint,
  type ModelJson,
} from '@mnist/core';
import { sha256Hex } from './data/ensure-mnist.js';
import { naming } from './data/file-system-error.js';
import { isLeftover, isProcessAlive, tempFilesOf, tempPathFor, type TempFile } from './data/temp-files.js';
import { fsyncDirectory, writeFileSynced } from './data/write-file-atomic.js';

/**
 * Saves a checkpoint into the folder `dir` (created if missing), replacing only its model.json and
 * weights.bin, atomically as a pair: a kill at any moment leaves the old checkpoint or the new one,
 * and every other file in the folder as it was. Throws FileSystemError naming the file on a failure.
 * @example await saveCheckpoint('checkpoints/dnn', checkpoint);
 */
export async function saveCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  const { modelJson, weightsBin } = encodeCheckpoint(checkpoint, { sha256: sha256Hex });
  const target = resolve(dir);
  await oneSaveAtATime(target, async () => {
    await naming(dir, 'create the checkpoint folder', () => mkdir(target, { recursive: true }));
    await completeInterruptedSave(target);
    const jsonPath = join(target, MODEL_JSON_FILE);
    const binPath = join(target, WEIGHTS_FILE);
    const jsonTemp = tempPathFor(jsonPath);
    const binTemp = tempPathFor(binPath);
    try {
      await writeFileSynced(binTemp, weightsBin, join(dir, WEIGHTS_FILE));
      await writeFileSynced(jsonTemp, modelJson, join(dir, MODEL_JSON_FILE));
      await fsyncDirectory(target);
      await naming(join(dir, MODEL_JSON_FILE), 'replace the file', () => rename(jsonTemp, jsonPath));
    } catch (e) {
      await Promise.all([rm(binTemp, { force: true }), rm(jsonTemp, { force: true })]);
      throw e;
    }
    // State B: the weights temp is now the only copy of model.json's weights. It is kept whatever
    // fails below; readers roll forward to it and the next save (or run lock) puts it in place.
    await fsyncDirectory(target);
    await naming(join(dir, WEIGHTS_FILE), 'replace the file', () => rename(binTemp, binPath));
    await fsyncDirectory(target);
  });
}

/**
 * Loads the checkpoint in `dir` (rolling forward a save interrupted between its two renames, see the
 * file comment). Throws CheckpointError naming the folder or file when it is missing, torn, too large
 * or not a checkpoint.
 * @example const checkpoint = await loadCheckpoint('checkpoints/dnn');
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const target = resolve(dir);
  await checkFolder(target, dir);
  let waits = 0;
  let previous: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const pair = await readPair(target, dir);
    if (pair.checkpoint) return pair.checkpoint;
    const pending = await pendingWeights(target, pair.modelJson, await tempFilesOf(join(target, WEIGHTS_FILE)));
    if (pending) return decodeWeights(pair.modelJson, pending.bytes, dir);
    // Nothing to roll forward to. Unless this read found the very bytes the one before it did, a save
    // went by during it: read again. (Content, not inodes: a file system hands a freed inode number to
    // the next new file, so two saves can leave both names on the inode numbers that were read.)
    const changed = pair.seen !== previous;
    previous = pair.seen;
    if (changed && attempt < MAX_READS) continue;
    // A live process's temp files: a save that has not reached its first rename may be about to.
    if (waits < MAX_WAITS && (await saveInProgress(target))) {
      waits += 1;
      await new Promise((r) => setTimeout(r, WAIT_MS));
      continue;
    }
    throw new CheckpointError(join(dir, WEIGHTS_FILE), `${pair.mismatch} (torn or corrupt checkpoint?)`);
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
 * Takes the exclusive run lock of a checkpoint folder (`<dir>.lock`, created with O_EXCL, holding the
 * owner's pid and host). A lock whose process is dead (same host) is stale and replaced. Once the lock
 * is held, a save that a dead trainer left between its renames is completed and the temp files of dead
 * processes are removed. Resolves to the release function; throws when another live trainer holds the lock.
 * @example const release = await acquireRunLock('checkpoints/dnn'); try { train() } finally { await release() }
 */
export async function acquireRunLock(dir: string): Promise<() => Promise<void>> {
  const target = resolve(dir);
  const lockPath = `${target}.lock`;
  await naming(dirname(dir), 'create the folder', () => mkdir(dirname(target), { recursive: true }));
  const mine: LockOwner = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await writeFileSynced(lockPath, JSON.stringify(mine) + '\n');
      // Holding the lock, no other live trainer writes `dir`: finish what a killed one left.
      try {
        await oneSaveAtATime(target, () => completeInterruptedSave(target));
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

// Reads of a pair that keeps changing (a save every few milliseconds) before giving up, and waits for
// a save in progress: bounded, so a torn folder is reported within about a second.
const MAX_READS = 20;
const MAX_WAITS = 50;
const WAIT_MS = 20;

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

// Saves (and completions) of one folder in this process, chained: each sees the folder the last left.
const savesInFlight = new Map<string, Promise<void>>();

async function oneSaveAtATime<T>(target: string, work: () => Promise<T>): Promise<T> {
  const run = (savesInFlight.get(target) ?? Promise.resolve()).then(work);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  savesInFlight.set(target, settled);
  try {
    return await run;
  } finally {
    if (savesInFlight.get(target) === settled) savesInFlight.delete(target);
  }
}

async function checkFolder(target: string, dir: string): Promise<void> {
  let info;
  try {
    info = await stat(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CheckpointError(dir, 'does not exist (no checkpoint saved there; train first, or check the path)');
    }
    throw new CheckpointError(dir, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!info.isDirectory()) throw new CheckpointError(dir, 'is not a directory (a checkpoint is a directory holding model.json and weights.bin)');
}

/** A read of the pair: the checkpoint, or why the two files do not belong together. */
type PairRead =
  | { checkpoint: Checkpoint }
  | { checkpoint?: undefined; modelJson: ModelJson; mismatch: string; seen: string };

async function readPair(target: string, dir: string): Promise<PairRead> {
  const { modelJson, id: jsonId, sha256: jsonSha256 } = await readModelJson(target, dir);
  const weights = await readWeights(join(target, WEIGHTS_FILE), join(dir, WEIGHTS_FILE), weightsByteLength(modelJson));
  const digest = modelJson.weightsSha256;
  const weightsSha256 = digest !== undefined && weights.bytes ? sha256Hex(weights.bytes) : undefined;
  let mismatch = weights.problem;
  if (mismatch === undefined && digest !== undefined && weightsSha256 !== digest) {
    mismatch = `does not match ${MODEL_JSON_FILE} (its SHA-256 is not the weightsSha256 recorded there)`;
  }
  // Without a digest, only model.json's identity tells whether a save replaced it during the read.
  if (mismatch === undefined && digest === undefined && (await identity(join(target, MODEL_JSON_FILE))) !== jsonId) {
    mismatch = `changed while it was read`;
  }
  if (mismatch === undefined) return { checkpoint: decodeWeights(modelJson, weights.bytes!, dir) };
  // What was read, by content: the same string from two reads means no save went by between them.
  return { modelJson, mismatch, seen: `${jsonSha256}:${weightsSha256 ?? mismatch}` };
}

// model.json, its size checked against the ceiling before it is read. Throws CheckpointError.
async function readModelJson(target: string, dir: string): Promise<{ modelJson: ModelJson; id: string; sha256: string }> {
  const shown = join(dir, MODEL_JSON_FILE);
  const handle = await openForReading(join(target, MODEL_JSON_FILE), shown);
  if (handle === undefined) throw new CheckpointError(shown, `is missing (a checkpoint directory holds ${MODEL_JSON_FILE} and ${WEIGHTS_FILE})`);
  try {
    const info = await fileInfo(handle, shown);
    if (info.size > MODEL_JSON_MAX_BYTES) {
      throw new CheckpointError(shown, `has ${info.size} bytes, more than the ${MODEL_JSON_MAX_BYTES} (16 MiB) a ${MODEL_JSON_FILE} may have`);
    }
    const bytes = await readUpTo(handle, info.size, shown);
    const text = bytes.toString('utf8');
    const modelJson = parseModelJson(text, dir);
    const expected = weightsByteLength(modelJson);
    if (expected > WEIGHTS_MAX_BYTES) {
      throw new CheckpointError(shown, `declares ${expected} bytes of weights, more than the ${WEIGHTS_MAX_BYTES} (1 GiB) a ${WEIGHTS_FILE} may have`);
    }
    return { modelJson, id: info.id, sha256: sha256Hex(bytes) };
  } finally {
    await handle.close();
  }
}

// weights.bin when its size is the manifest's (checked before reading), else the problem. Throws
// CheckpointError for what no save can explain (a folder in its place, an unreadable file).
async function readWeights(path: string, shown: string, expected: number): Promise<{ bytes?: Buffer; problem?: string }> {
  const handle = await openForReading(path, shown);
  if (handle === undefined) return { problem: `is missing (a checkpoint directory holds ${MODEL_JSON_FILE} and ${WEIGHTS_FILE})` };
  try {
    const info = await fileInfo(handle, shown);
    if (info.size !== expected) return { problem: `has ${info.size} bytes, the manifest expects ${expected}` };
    const bytes = await readUpTo(handle, expected, shown);
    if (bytes.byteLength !== expected) return { problem: `has ${bytes.byteLength} bytes, the manifest expects ${expected}` };
    return { bytes };
  } finally {
    await handle.close();
  }
}

// The weights temp (of `candidates`) whose bytes are model.json's: where a save between its renames
// left them.
async function pendingWeights(target: string, modelJson: ModelJson, candidates: TempFile[]): Promise<{ path: string; bytes: Buffer } | undefined> {
  if (modelJson.weightsSha256 === undefined) return undefined;
  const expected = weightsByteLength(modelJson);
  for (const temp of candidates) {
    try {
      const read = await readWeights(temp.path, join(target, WEIGHTS_FILE), expected);
      if (read.bytes && sha256Hex(read.bytes) === modelJson.weightsSha256) return { path: temp.path, bytes: read.bytes };
    } catch {
      // Renamed or removed meanwhile, or unreadable: not the one.
    }
  }
  return undefined;
}

async function saveInProgress(target: string): Promise<boolean> {
  const temps = [...(await tempFilesOf(join(target, MODEL_JSON_FILE))), ...(await tempFilesOf(join(target, WEIGHTS_FILE)))];
  return temps.some((t) => !isLeftover(t));
}

// Under the run lock or inside a save: a dead process's (or this one's failed) save left in state B is
// finished by renaming its weights temp into place; then the temp files of dead processes go.
async function completeInterruptedSave(target: string): Promise<void> {
  const jsonPath = join(target, MODEL_JSON_FILE);
  const binPath = join(target, WEIGHTS_FILE);
  const gone = (t: TempFile) => isLeftover(t) || t.pid === process.pid;
  const jsonTemps = (await tempFilesOf(jsonPath)).filter(gone);
  const binTemps = (await tempFilesOf(binPath)).filter(gone);
  if (jsonTemps.length + binTemps.length === 0) return;
  if (binTemps.length > 0) {
    const pair = await readPair(target, target).catch(() => undefined);
    const pending = pair && !pair.checkpoint ? await pendingWeights(target, pair.modelJson, binTemps) : undefined;
    if (pending) {
      await naming(binPath, 'replace the file', () => rename(pending.path, binPath));
      await fsyncDirectory(target);
    }
  }
  for (const temp of [...jsonTemps, ...binTemps]) await rm(temp.path, { force: true });
}

async function openForReading(path: string, shown: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new CheckpointError(shown, `cannot be read (${code ?? (e as Error).message}); expected a file`);
  }
}

async function fileInfo(handle: FileHandle, shown: string): Promise<{ size: number; id: string }> {
  const info = await handle.stat({ bigint: true });
  // Node's own message for a folder ("EISDIR: illegal operation on a directory, read") names no file.
  if (!info.isFile()) throw new CheckpointError(shown, `cannot be read (${info.isDirectory() ? 'EISDIR: it is a directory' : 'not a regular file'}); expected a file`);
  return { size: Number(info.size), id: fileIdentity(info) };
}

// At most `size` bytes from the start (fewer if the file was truncated meanwhile).
async function readUpTo(handle: FileHandle, size: number, shown: string): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(size);
  let filled = 0;
  while (filled < size) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(buffer, filled, size - filled, filled));
    } catch (e) {
      throw new CheckpointError(shown, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

async function identity(path: string): Promise<string | undefined> {
  try {
    return fileIdentity(await stat(path, { bigint: true }));
  } catch {
    return undefined;
  }
}

// Which file a name stood for: the inode alone is not enough, as a file system hands a freed inode
// number to the next new file (two saves that go by during one read can leave model.json and weights.bin
// on the very inode numbers that were read), so its change time, to the nanosecond, comes too.
function fileIdentity(info: BigIntStats): string {
  return `${info.dev}:${info.ino}:${info.ctimeNs}`;
}
