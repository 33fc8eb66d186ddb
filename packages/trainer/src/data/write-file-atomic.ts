// Crash-safe file writes: a hidden temp file in the same folder, fsync, rename over the target, fsync
// the folder. A reader sees the old file or the new one, never a half-written one; a temp file that a
// killed writer left behind is removed by the next write of the same target; a failure names the
// target and what was being done (`model.onnx: cannot write (ENOSPC: no space left on device)`).
import { open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FileSystemError, naming } from './file-system-error.js';
import { isLeftover, tempFilesOf, tempPathFor } from './temp-files.js';

export { FileSystemError } from './file-system-error.js';

/**
 * Writes `data` to `path` atomically (same-folder temp file, fsync, rename, folder fsync), first
 * removing the temp files of `path` whose writer died. A `path` that is a device or a pipe
 * (`/dev/stdout`) is written into, not replaced. Throws FileSystemError naming `path`.
 * @example await writeFileAtomic('data/mnist/t10k-labels-idx1-ubyte', bytes);
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const existing = await stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw new FileSystemError(path, 'write', e);
  });
  if (existing?.isDirectory()) throw new FileSystemError(path, 'write', 'it is a folder; expected a file path');
  if (existing && !existing.isFile()) {
    // Renaming a file over a device or a pipe would replace the device itself (as root, /dev/full
    // becomes a plain file). A stream has no old content to keep whole: write into it.
    await naming(path, 'write', async () => {
      const handle = await open(path, 'w');
      try {
        await handle.writeFile(data);
      } finally {
        await handle.close();
      }
    });
    return;
  }
  await removeLeftoverTemps(path);
  const temp = tempPathFor(path);
  try {
    await writeFileSynced(temp, data, path);
    await naming(path, 'replace the file', () => rename(temp, path));
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
  await fsyncDirectory(dirname(path));
}

/**
 * Creates (exclusively) and writes a file, then fsyncs it so its bytes are on disk before any rename.
 * A failure is a FileSystemError naming `shownAs` (the target a temp file stands for).
 * @example await writeFileSynced(tempPathFor(target), bytes, target);
 */
export async function writeFileSynced(path: string, data: Uint8Array | string, shownAs = path): Promise<void> {
  await naming(shownAs, 'write', async () => {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}

/**
 * Flushes a folder's entries (renames, creations) to disk. Platforms that cannot open a folder for
 * syncing (Windows) skip it: their renames are already journaled by the file system.
 * @example await fsyncDirectory('checkpoints');
 */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw new FileSystemError(dir, 'flush the folder to disk', e);
  } finally {
    await handle?.close();
  }
}

/**
 * Removes the temp files of `target` whose writer is gone (see temp-files.ts); a live writer's, or one
 * of another host, may be a write in progress and is kept.
 * @example await removeLeftoverTemps('checkpoints/dnn/model.onnx');
 */
export async function removeLeftoverTemps(target: string): Promise<void> {
  for (const temp of await tempFilesOf(target)) {
    if (isLeftover(temp)) await rm(temp.path, { force: true });
  }
}
