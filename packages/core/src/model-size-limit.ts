// The ceiling on how many bytes a model may take (its .onnx file plus any external data), checked
// from the file's size or the response's length before anything is read, so memory is bounded by what
// a model is allowed to be, not by what a file holds.
import { ModelLoadError } from './model-load-error.js';

/**
 * Default ceiling on a model's bytes: 256 MiB. The chapter's 784-300-100-10 network is 1.07 MB and
 * the widest network the trainer builds (2^25 parameters, 128 MiB of float32) exports to about 128 MiB,
 * so this leaves room for foreign classifiers (a ResNet-18 is 45 MB) while keeping a load, which holds
 * the bytes and ONNX Runtime's copy of the weights, near 0.5 GiB. Raise it with `maxModelBytes`.
 */
export const MAX_MODEL_BYTES = 256 * 1024 * 1024;

/** The hard limit: protobuf (and so ONNX Runtime) cannot parse a message of 2 GiB or more. */
export const PROTOBUF_MAX_BYTES = 2 * 1024 * 1024 * 1024 - 1;

/**
 * Validates a `maxModelBytes` option: undefined gives MAX_MODEL_BYTES; otherwise a positive integer
 * no larger than PROTOBUF_MAX_BYTES, else a RangeError naming `argument`.
 * @example const limit = checkMaxModelBytes(options.maxModelBytes); // 268435456 when not given
 */
export function checkMaxModelBytes(value: unknown, argument = 'options.maxModelBytes'): number {
  if (value === undefined) return MAX_MODEL_BYTES;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > PROTOBUF_MAX_BYTES) {
    // Whatever a JavaScript caller passed: numbers and strings, the likely mistakes, read as given.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    throw new RangeError(`${argument} must be an integer from 1 to ${PROTOBUF_MAX_BYTES} (protobuf's 2 GiB limit), got ${String(value)}`);
  }
  return value;
}

/**
 * The one-line error for a file (or response) of `size` bytes that is over `limit`, naming it.
 * `what` says what the bytes were: 'model file', 'model' (bytes given directly) or 'external data
 * file' (whose limit is what the model's own bytes leave of the ceiling).
 * @example throw modelTooLargeError('big.onnx', 1992294400, MAX_MODEL_BYTES);
 * // big.onnx: the model file is 1.86 GiB (1992294400 bytes), over the 256 MiB a model may take
 */
export function modelTooLargeError(source: string, size: number, limit: number, what = 'model file'): ModelLoadError {
  const ceiling = what === 'external data file' ? `${formatBytes(limit)} the model's size ceiling leaves for it` : `${formatBytes(limit)} a model may take`;
  return new ModelLoadError(source, `the ${what} is ${formatBytes(size)} (${size} bytes), over the ${ceiling}`);
}

/**
 * Bytes as the largest binary unit that keeps the number at least 1, to two decimals when not whole.
 * @example formatBytes(268435456) // '256 MiB'
 */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} bytes`;
  return `${Number.isInteger(value) ? value : value.toFixed(2)} ${units[unit]}`;
}
