// IDX files (the MNIST container format): decode raw or gzipped bytes into a typed array, and encode
// arrays back for tests and fixtures. Isomorphic: fflate instead of zlib.
import { gunzipSync } from 'fflate';

/** Element types an IDX file can hold, named after their JavaScript typed arrays. */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A decoded IDX file: its element type, dimensions (outermost first) and row-major values. */
export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** A file that is not a valid IDX file; the message names the file and what was expected. */
export class IdxError extends Error {
  constructor(
    readonly source: string,
    detail: string,
  ) {
    super(`${source}: ${detail}`);
    this.name = 'IdxError';
  }
}

// The third byte of the magic number says the element type (see the MNIST page's format notes).
const TYPE_CODES: Record<number, { dtype: IdxDtype; size: number }> = {
  0x08: { dtype: 'uint8', size: 1 },
  0x09: { dtype: 'int8', size: 1 },
  0x0b: { dtype: 'int16', size: 2 },
  0x0c: { dtype: 'int32', size: 4 },
  0x0d: { dtype: 'float32', size: 4 },
  0x0e: { dtype: 'float64', size: 8 },
};

/**
 * Decodes an IDX file. Gzipped input (magic 1f 8b) is inflated first. The header (two zero bytes, the
 * type byte, the number of dimensions, big-endian 32-bit sizes) and the exact length are checked:
 * truncated or trailing bytes throw an IdxError naming `source`.
 * @example const labels = decodeIdx(bytes, 't10k-labels-idx1-ubyte'); // labels.shape == [10000]
 */
export function decodeIdx(bytes: Uint8Array, source: string): IdxArray {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array');
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new IdxError(source, `expected a valid gzip stream (${(e as Error).message})`);
    }
  }
  if (bytes.length < 4) throw new IdxError(source, `expected an IDX header of at least 4 bytes, got ${bytes.length} bytes`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxError(source, `expected IDX magic 00 00 <type> <ndims>, got ${hex(bytes.subarray(0, 4))}`);
  }
  const type = TYPE_CODES[bytes[2]];
  if (!type) {
    throw new IdxError(source, `expected an IDX type byte 08/09/0b/0c/0d/0e, got ${hex(bytes.subarray(2, 3))}`);
  }
  const ndims = bytes[3];
  if (ndims < 1) throw new IdxError(source, 'expected at least one dimension, the header says 0');
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) {
    throw new IdxError(source, `expected a ${headerLength}-byte header for ${ndims} dimensions, got ${bytes.length} bytes (truncated)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndims; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerLength + count * type.size;
  if (bytes.length !== expected) {
    const why = bytes.length < expected ? 'truncated' : 'trailing bytes';
    throw new IdxError(
      source,
      `expected ${expected} bytes for ${type.dtype} [${shape.join(', ')}], got ${bytes.length} (${why})`,
    );
  }
  return { dtype: type.dtype, shape, data: readValues(view, headerLength, count, type.dtype) };
}

/**
 * Encodes an array as an uncompressed IDX file (big-endian, as the format requires).
 * @example const bytes = encodeIdx({ dtype: 'uint8', shape: [2], data: new Uint8Array([7, 2]) });
 */
export function encodeIdx(array: IdxArray): Uint8Array {
  const entry = Object.entries(TYPE_CODES).find(([, t]) => t.dtype === array.dtype);
  if (!entry) throw new RangeError(`array.dtype must be one of uint8, int8, int16, int32, float32, float64, got ${array.dtype}`);
  const [code, type] = entry;
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (array.shape.length < 1 || array.shape.length > 255 || !array.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RangeError(`array.shape must be 1 to 255 non-negative integers, got [${array.shape.join(', ')}]`);
  }
  if (array.data.length !== count) {
    throw new RangeError(`array.data has ${array.data.length} values, array.shape [${array.shape.join(', ')}] needs ${count}`);
  }
  const headerLength = 4 + 4 * array.shape.length;
  const bytes = new Uint8Array(headerLength + count * type.size);
  const view = new DataView(bytes.buffer);
  bytes[2] = Number(code);
  bytes[3] = array.shape.length;
  array.shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const o = headerLength;
  const data = array.data;
  switch (array.dtype) {
    case 'uint8':
    case 'int8':
      for (let i = 0; i < count; i++) view.setUint8(o + i, data[i] & 0xff);
      break;
    case 'int16':
      for (let i = 0; i < count; i++) view.setInt16(o + 2 * i, data[i], false);
      break;
    case 'int32':
      for (let i = 0; i < count; i++) view.setInt32(o + 4 * i, data[i], false);
      break;
    case 'float32':
      for (let i = 0; i < count; i++) view.setFloat32(o + 4 * i, data[i], false);
      break;
    case 'float64':
      for (let i = 0; i < count; i++) view.setFloat64(o + 8 * i, data[i], false);
      break;
  }
  return bytes;
}

function readValues(view: DataView, offset: number, count: number, dtype: IdxDtype): IdxArray['data'] {
  switch (dtype) {
    case 'uint8':
    case 'int8': {
      // Bytes need no conversion: view them in place when they are nearly all of their buffer (a file
      // just read or inflated), copy otherwise so a small result does not pin a large shared buffer.
      const start = view.byteOffset + offset;
      const inPlace = view.buffer.byteLength - count <= 4096;
      const buffer = inPlace ? view.buffer : view.buffer.slice(start, start + count);
      const at = inPlace ? start : 0;
      return dtype === 'uint8' ? new Uint8Array(buffer, at, count) : new Int8Array(buffer, at, count);
    }
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
