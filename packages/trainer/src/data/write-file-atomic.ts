// Crash-safe file writes: a temp file in the same directory, fsync, rename over the target, fsync the
// directory. A reader sees the old file or the new one, never a half-written one.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to `path` atomically (same-directory temp file, fsync, rename, directory fsync).
 * @example await writeFileAtomic('data/mnist/t10k-labels-idx1-ubyte', bytes);
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeFileSynced(temp, data);
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
  await fsyncDirectory(dirname(path));
}

/**
 * Creates (exclusively) and writes a file, then fsyncs it so its bytes are on disk before any rename.
 * @example await writeFileSynced(join(tempDir, 'weights.bin'), bytes);
 */
export async function writeFileSynced(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Flushes a directory's entries (renames, creations) to disk. Platforms that cannot open a directory
 * for syncing (Windows) skip it: their renames are already journaled by the file system.
 * @example await fsyncDirectory('checkpoints');
 */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw e;
  } finally {
    await handle?.close();
  }
}
