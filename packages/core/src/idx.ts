// IDX files (the MNIST container format): decode raw or gzipped bytes into a typed array, and encode
// arrays back for tests and fixtures. Isomorphic: fflate instead of zlib.
import { Gunzip } from 'fflate';

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
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipIdx(bytes, source);
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
  const expected = declaredLength(bytes)!;
  if (bytes.length !== expected) {
    const why = bytes.length < expected ? 'truncated' : 'trailing bytes';
    throw new IdxError(
      source,
      `expected ${expected} bytes for ${type.dtype} [${shape.join(', ')}], got ${bytes.length} (${why})`,
    );
  }
  const count = shape.reduce((a, b) => a * b, 1);
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

// The byte length a file with this header must have, or undefined while the header is incomplete or
// invalid (the caller's checks then report it). May exceed 2^53 for absurd headers: only compared.
function declaredLength(header: Uint8Array): number | undefined {
  if (header.length < 4 || header[0] !== 0 || header[1] !== 0 || header[3] < 1) return undefined;
  const type = TYPE_CODES[header[2]];
  const headerLength = 4 + 4 * header[3];
  if (!type || header.length < headerLength) return undefined;
  const view = new DataView(header.buffer, header.byteOffset, headerLength);
  let count = 1;
  for (let i = 0; i < header[3]; i++) count *= view.getUint32(4 + 4 * i, false);
  return headerLength + count * type.size;
}

// Inflates a gzipped IDX file. Why not fflate's gunzipSync: it preallocates the size the trailer claims
// (a flipped trailer bit asks for up to 4 GiB), inflates whatever follows (a small "bomb" expands to
// gigabytes) and checks neither CRC nor size, so corrupt data could decode silently. Here the output
// stops as soon as it passes the length the IDX header declares, and the trailer's CRC-32 and size
// must match. Only single-member streams are read (IDX files are written as one).
function gunzipIdx(bytes: Uint8Array, source: string): Uint8Array {
  if (bytes.length < 18) throw new IdxError(source, `expected a gzip stream of at least 18 bytes, got ${bytes.length} (truncated)`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let limit: number | undefined;
  let stopped = false;
  const STOP = Symbol('stop');
  const gunzip = new Gunzip((chunk) => {
    chunks.push(chunk);
    total += chunk.length;
    if (limit === undefined && total >= 4) {
      const head = concat(chunks, Math.min(total, 4 + 4 * 255));
      // An invalid header: stop inflating, the header checks will name the problem.
      if (head[0] !== 0 || head[1] !== 0 || !TYPE_CODES[head[2]] || head[3] < 1) throw STOP;
      limit = declaredLength(head); // undefined until all the dimensions have arrived
    }
    if (limit !== undefined && total > limit) {
      throw new IdxError(source, `expected gzip data inflating to the ${limit} bytes the IDX header declares, it inflates to more than that (corrupt or hostile file)`);
    }
  });
  gunzip.onmember = () => {
    throw new IdxError(source, 'expected one gzip member, found another after the first (concatenated gzip files are not read)');
  };
  try {
    // Bounded pushes bound each output chunk (deflate expands at most ~1000x: 64 KiB in, 64 MiB out),
    // so the limit bites early; smaller pushes make fflate's streaming slower on real files.
    const CHUNK = 64 * 1024;
    for (let i = 0; i < bytes.length; i += CHUNK) gunzip.push(bytes.subarray(i, i + CHUNK), i + CHUNK >= bytes.length);
  } catch (e) {
    if (e === STOP) stopped = true;
    else if (e instanceof IdxError) throw e;
    else throw new IdxError(source, `expected a valid gzip stream (${(e as Error).message})`);
  }
  const out = concat(chunks, total);
  if (stopped) return out;
  const trailer = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 8);
  if (trailer.getUint32(4, true) !== out.length % 0x100000000 || trailer.getUint32(0, true) !== crc32(out)) {
    throw new IdxError(source, "expected a valid gzip stream (the trailer's CRC-32 or size differs from the inflated data: truncated or corrupt file)");
  }
  return out;
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1 && chunks[0].length === length) return chunks[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    if (at >= length) break;
    const part = c.subarray(0, length - at);
    out.set(part, at);
    at += part.length;
  }
  return out;
}

let crcTable: Uint32Array | undefined;

// CRC-32 (IEEE 802.3, as gzip uses), table-driven.
function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
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
