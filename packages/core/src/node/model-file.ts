// Node only, kept out of core's main entry (which never touches a Node built-in): reads a model file,
// and the external-data files beside it, within the model's size ceiling. The size is taken from the
// open file before a byte is read, and every failure names the file and what was being read. Shared
// by @mnist/infer-node and by @mnist/infer-web's Node path (its "#model-file-reader" under the node
// condition, so browser bundles never see it), which must not depend on each other.
import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { ModelLoadError } from '../model-load-error.js';
import { modelFileReadError, notAFileError } from '../model-file-error.js';
import { modelTooLargeError } from '../model-size-limit.js';

/**
 * Reads an .onnx file whole, after checking it is a regular file no larger than `maxBytes`. Errors are
 * one-line ModelLoadErrors naming `shown` (the path or file: URL as the caller gave it): missing, a
 * directory, too large, unreadable.
 * @example const bytes = await readNodeModelFile('model.onnx', 'model.onnx', MAX_MODEL_BYTES);
 */
export async function readNodeModelFile(path: string, shown: string, maxBytes: number): Promise<Uint8Array> {
  return readBoundedFile(path, shown, maxBytes, 'model file');
}

/**
 * Reads the external-data file `location` of the model at `modelPath`, resolved against the model's
 * own folder (never the working directory). `location` must already be a plain relative path (see
 * externalDataLocationProblem); a symbolic link that leads outside the folder is refused too.
 * @example const data = await readExternalDataFile('models/model.onnx', 'weights.bin', 64 << 20);
 */
export async function readExternalDataFile(modelPath: string, location: string, maxBytes: number): Promise<Uint8Array> {
  const folder = dirname(modelPath);
  const shown = join(folder, location);
  let realFolder: string;
  let realFile: string;
  try {
    realFolder = await realpath(folder);
    realFile = await realpath(shown);
  } catch (error) {
    throw modelFileReadError(shown, error, 'external data file');
  }
  const inside = relative(realFolder, realFile);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new ModelLoadError(shown, `leads to ${realFile}, outside the model's folder ${realFolder}; external data must stay inside it`);
  }
  return readBoundedFile(realFile, shown, maxBytes, 'external data file');
}

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever; it changes nothing
// for regular files. The size comes from the open descriptor, so it is the file that is then read.
async function readBoundedFile(path: string, shown: string, maxBytes: number, what: string): Promise<Uint8Array> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw modelFileReadError(shown, error, what);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw notAFileError(shown, stats.isDirectory(), what);
    if (stats.size > maxBytes) throw modelTooLargeError(shown, stats.size, maxBytes, what);
    const bytes = new Uint8Array(stats.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    // A file that grew after the size was taken is not read past it: one more byte means it changed.
    const { bytesRead: beyond } = await handle.read(new Uint8Array(1), 0, 1, filled);
    if (beyond > 0 || filled < bytes.length) throw new ModelLoadError(shown, `the ${what} changed size while it was being read`);
    return bytes;
  } catch (error) {
    if (error instanceof ModelLoadError) throw error;
    throw modelFileReadError(shown, error, what);
  } finally {
    await handle.close();
  }
}
