// Reads a model file within the model's size ceiling (core's Node file reader, with the load options'
// ceiling checked): the size is taken from the open file before a byte is read, and every failure names
// the file and what was being read.
import { checkMaxModelBytes } from '@mnist/core';
import { readNodeModelFile } from '@mnist/core/node/model-file';

export { readExternalDataFile } from '@mnist/core/node/model-file';

/** Options of {@link readModelFile}. */
export interface ReadModelFileOptions {
  /** Refuse files larger than this many bytes. Default MAX_MODEL_BYTES (256 MiB), at most protobuf's 2 GiB. */
  maxBytes?: number;
}

/**
 * Reads an .onnx file whole, after checking it is a regular file no larger than `maxBytes`. Errors are
 * one-line ModelLoadErrors naming `path`: missing, a directory, too large, unreadable.
 * @example const bytes = await readModelFile('checkpoints/dnn/model.onnx');
 */
export async function readModelFile(path: string, options: ReadModelFileOptions = {}): Promise<Uint8Array> {
  if (typeof path !== 'string' || path === '') throw new TypeError('path must be a non-empty string');
  return readNodeModelFile(path, path, checkMaxModelBytes(options.maxBytes, 'options.maxBytes'));
}
