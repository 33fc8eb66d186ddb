// The one-line error for a model file (or a model's external data file) that cannot be read. Each
// package reads the file itself (core has no fs); this only looks at the error's `code`, so Node's
// errno names stay out of core's imports.
import { ModelLoadError } from './model-load-error.js';
import { oneLine } from './one-line.js';

/**
 * The error to throw when reading the file at `path` failed with `error`: a missing file, a directory,
 * or any other failure (named by its errno code, else its message), each naming `path` and what was
 * being read (`what`: 'model file' or 'external data file').
 * @example
 * try { bytes = await readFile(path); } catch (error) { throw modelFileReadError(path, error); }
 * // ENOENT → a ModelLoadError with the message 'model.onnx: no such model file'
 */
export function modelFileReadError(path: string, error: unknown, what = 'model file'): ModelLoadError {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ENOENT') return new ModelLoadError(path, `no such ${what}`, { cause: error });
  if (code === 'EISDIR') return notAFileError(path, true, what);
  // Without an errno code, the reader's own reason: its first line, as later ones are a stack or a hint.
  const detail = code ?? oneLine(error, { firstLine: true });
  return new ModelLoadError(path, `cannot read the ${what} (${detail})`, { cause: error });
}

/**
 * The error for a path that exists but is not a regular file (a directory, a device, a FIFO): reading
 * it would fail late or never end.
 * @example if (!stats.isFile()) throw notAFileError(path, stats.isDirectory());
 */
export function notAFileError(path: string, isDirectory: boolean, what = 'model file'): ModelLoadError {
  const expected = what === 'model file' ? 'an .onnx file' : `the ${what}`;
  return new ModelLoadError(path, `${isDirectory ? 'is a directory' : 'is not a regular file'}, expected ${expected}`);
}
