// Whether a folder holds a checkpoint: what `train` and `importOnnx` ask before they write into one.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MODEL_JSON_FILE, WEIGHTS_FILE } from '@mnist/core';

/**
 * Whether `dir` holds a checkpoint's files (either of them). A folder without them is fine to write
 * into: a save replaces only those two files and keeps the rest. Throws when `dir` is a file.
 * @example if (await holdsCheckpoint(out) && !overwrite) throw new Error(`${out} already holds a checkpoint`);
 */
export async function holdsCheckpoint(dir: string): Promise<boolean> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new Error(`${dir} is a file, not a checkpoint directory; choose another --out`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  const present = await Promise.all([MODEL_JSON_FILE, WEIGHTS_FILE].map((file) => stat(join(dir, file)).then(() => true, () => false)));
  return present.some(Boolean);
}
