// The one-line error for a model file that cannot be read. Each package reads the file itself (core
// has no fs); this only looks at the error's `code`, so Node's errno names stay out of core's imports.

/**
 * The error to throw when reading the model file at `path` failed with `error`: a missing file, a
 * directory, or any other failure (named by its errno code, else its message), each naming `path`.
 * @example
 * try { bytes = await readFile(path); } catch (error) { throw modelFileReadError(path, error); }
 * // ENOENT → Error('model.onnx: no such model file')
 */
export function modelFileReadError(path: string, error: unknown): Error {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ENOENT') return new Error(`${path}: no such model file`);
  if (code === 'EISDIR') return new Error(`${path}: is a directory, expected an .onnx file`);
  return new Error(`${path}: cannot read the model file (${code ?? (error as Error | null)?.message})`);
}
