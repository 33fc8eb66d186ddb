// IDX files (the MNIST container format): decode raw or gzipped bytes, whole or pushed in pieces, into a
// typed array, checking the size the header declares before holding it; encode arrays back for tests and
// fixtures. Isomorphic: fflate instead of zlib.
import { Gunzip } from 'fflate';
import { SourcedError } from './sourced-error.js';

/** Element types an IDX file can hold, named after their JavaScript typed arrays. */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A decoded IDX file: its element type, dimensions (outermost first) and row-major values. */
export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** A file that is not a valid IDX file; the message names the file and what was expected. */
export class IdxError extends SourcedError {
  override readonly name = 'IdxError';
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
 * The ceiling on one IDX file's decoded size (header and values) unless `maxBytes` says otherwise:
 * 1 GiB. The largest IDX sets in use fit (EMNIST ByClass, 697932 images of 28x28, is 547 MB; MNIST's
 * training images are 47 MB); a header that declares more is refused before anything is allocated.
 */
export const IDX_MAX_BYTES = 2 ** 30;

/** Options of `decodeIdx`. */
export interface IdxDecodeOptions {
  /** Refuse a file whose header declares more bytes than this (default IDX_MAX_BYTES). */
  maxBytes?: number;
}

/** Options of `IdxReader`: what the caller knows about the input before reading it. */
export interface IdxReaderOptions extends IdxDecodeOptions {
  /**
   * The input's size in bytes (a file's size), when known: a raw file's header must declare exactly
   * this, a gzipped one's at most what deflate can expand it to (1032 times), else it is refused as
   * soon as the header is read.
   */
  inputSize?: number;
  /**
   * A gzipped input's ISIZE trailer (its last 4 bytes, little-endian: the inflated size modulo 2^32),
   * when the caller can read it first. A header that disagrees is refused before inflating further;
   * a file that agrees is still held to what its header declares (the trailer is only a hint).
   */
  gzipSizeHint?: number;
}

/** A parsed IDX header. */
interface IdxHeader {
  dtype: IdxDtype;
  size: number;
  shape: number[];
  headerLength: number;
  /** Header plus values as declared; may exceed 2^53 for absurd headers (then only compared). */
  byteLength: number;
}

// The longest header: the magic, then 255 dimensions of 4 bytes.
const MAX_HEADER_LENGTH = 4 + 4 * 255;
// Deflate's largest expansion: a 258-byte match coded in 2 bits. No gzip file inflates to more than
// this many times its own size, so a header declaring more cannot be true.
const DEFLATE_MAX_RATIO = 1032;
// Inflate input pushed at a time. fflate inflates a push whole (into a growing buffer, then a copy),
// so the push bounds the transient output: until the header is read, 256 bytes (so it is checked
// after little work); then up to 16 KiB, fewer when the data expands a lot, aiming at about 1 MiB of
// output per push (real IDX files expand about 5x and get 16 KiB pushes, a bomb's zeros 1000x).
const INFLATE_PUSH_MAX = 16 * 1024;
const INFLATE_PUSH_MIN = 256;
const INFLATE_OUTPUT_PER_PUSH = 1024 * 1024;

/**
 * Decodes an IDX file. Gzipped input (magic 1f 8b) is inflated first. The header (two zero bytes, the
 * type byte, the number of dimensions, big-endian 32-bit sizes) is read and checked before the rest:
 * the size it declares must be at most `options.maxBytes` (IDX_MAX_BYTES) and what these bytes can hold
 * (exactly their length when raw; for gzip at most deflate's expansion of them and what the trailer
 * says), and inflating stops at the declared size. Anything else throws an IdxError naming `source`.
 * @example const labels = decodeIdx(bytes, 't10k-labels-idx1-ubyte'); // labels.shape == [10000]
 */
export function decodeIdx(bytes: Uint8Array, source: string, options: IdxDecodeOptions = {}): IdxArray {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array');
  if (isGzip(bytes)) {
    const hint = bytes.length >= 18 ? new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true) : undefined;
    const reader = new IdxReader(source, { ...options, inputSize: bytes.length, gzipSizeHint: hint });
    reader.push(bytes);
    return reader.end().array;
  }
  // Raw bytes are viewed in place (see readValues), not copied as IdxReader would.
  checkMaxBytes(options);
  const header = parseHeader(bytes, source, true)!;
  checkDeclaredSize(header, source, { ...options, inputSize: bytes.length }, false);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { dtype: header.dtype, shape: header.shape, data: readValues(view, header.headerLength, header.byteLength - header.headerLength, header) };
}

/**
 * Decodes an IDX file pushed in pieces (a file read chunk by chunk), raw or gzipped (sniffed from its
 * first bytes), holding no more than the file it decodes: the header is parsed and checked (as
 * `decodeIdx` does) as soon as its bytes arrive, the output is allocated once at the declared size and
 * inflating stops there. Errors are IdxErrors naming `source`.
 * @example
 * const reader = new IdxReader('train-images-idx3-ubyte.gz', { inputSize: size });
 * for await (const chunk of stream) reader.push(chunk);
 * const { array, bytes } = reader.end(); // bytes: the decoded (inflated) file
 */
export class IdxReader {
  readonly #source: string;
  readonly #options: IdxReaderOptions;
  #mode: 'sniff' | 'raw' | 'gzip' = 'sniff';
  #pending: Uint8Array = new Uint8Array(0);
  #head: Uint8Array = new Uint8Array(0);
  #header: IdxHeader | undefined;
  #out: Uint8Array | undefined;
  #decoded = 0;
  #read = 0;
  #gunzip: Gunzip | undefined;
  #tail: Uint8Array = new Uint8Array(0);
  #pushSize = INFLATE_PUSH_MAX;
  #failure: { error: unknown } | undefined;
  #ended = false;

  constructor(source: string, options: IdxReaderOptions = {}) {
    this.#source = source;
    const { inputSize, gzipSizeHint } = options;
    checkMaxBytes(options);
    if (inputSize !== undefined && !(Number.isSafeInteger(inputSize) && inputSize >= 0)) throw new RangeError(`inputSize must be a non-negative integer, got ${inputSize}`);
    if (gzipSizeHint !== undefined && !(Number.isInteger(gzipSizeHint) && gzipSizeHint >= 0 && gzipSizeHint < 2 ** 32)) {
      throw new RangeError(`gzipSizeHint must be an integer in [0, 2^32), got ${gzipSizeHint}`);
    }
    this.#options = options;
  }

  /** Input bytes pushed so far. */
  get bytesRead(): number {
    return this.#read;
  }

  /** Bytes of the decoded (inflated) file produced so far. */
  get bytesDecoded(): number {
    return this.#decoded + (this.#out ? 0 : this.#head.length);
  }

  /** Takes the next piece of input; throws an IdxError as soon as the input cannot be a valid file. */
  push(chunk: Uint8Array): void {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('chunk must be a Uint8Array');
    this.#guard(() => {
      if (this.#ended) throw new TypeError('IdxReader: push after end');
      this.#read += chunk.length;
      if (this.#mode === 'sniff') {
        this.#pending = concat([this.#pending, chunk], this.#pending.length + chunk.length);
        if (this.#pending.length < 2) return;
        chunk = this.#pending;
        this.#pending = new Uint8Array(0);
        this.#start(isGzip(chunk) ? 'gzip' : 'raw');
      }
      if (this.#mode === 'raw') this.#accept(chunk);
      else this.#inflate(chunk, false);
    });
  }

  /** Ends the input: returns the decoded array and the decoded file's bytes, or throws an IdxError. */
  end(): { array: IdxArray; bytes: Uint8Array } {
    return this.#guard(() => {
      if (this.#ended) throw new TypeError('IdxReader: end called twice');
      this.#ended = true;
      if (this.#mode === 'sniff') {
        this.#start('raw');
        this.#accept(this.#pending);
      }
      if (this.#mode === 'gzip') {
        if (this.#read < 18) throw new IdxError(this.#source, `expected a gzip stream of at least 18 bytes, got ${this.#read} (truncated)`);
        this.#inflate(new Uint8Array(0), true);
      }
      const header = this.#header ?? parseHeader(this.#head, this.#source, true)!;
      // A complete header always gets its output buffer (#accept); here only after a header-less end.
      const out = this.#out!.subarray(0, this.#decoded);
      if (this.#mode === 'gzip') {
        const trailer = new DataView(this.#tail.buffer, this.#tail.byteOffset, 8);
        if (trailer.getUint32(4, true) !== out.length % 0x100000000 || trailer.getUint32(0, true) !== crc32(out)) {
          throw new IdxError(this.#source, "expected a valid gzip stream (the trailer's CRC-32 or size differs from the inflated data: truncated or corrupt file)");
        }
      }
      if (out.length !== header.byteLength) throw lengthError(header, out.length, this.#source);
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      return { array: { dtype: header.dtype, shape: header.shape, data: readValues(view, header.headerLength, header.byteLength - header.headerLength, header) }, bytes: out };
    });
  }

  // Runs a step; after the first error every later call repeats it (the input is no longer valid).
  #guard<T>(step: () => T): T {
    if (this.#failure) throw this.#failure.error;
    try {
      return step();
    } catch (e) {
      this.#failure = { error: e };
      throw e;
    }
  }

  #start(mode: 'raw' | 'gzip'): void {
    this.#mode = mode;
    if (mode === 'raw') return;
    this.#gunzip = new Gunzip((chunk) => this.#accept(chunk));
    this.#gunzip.onmember = () => {
      throw new IdxError(this.#source, 'expected one gzip member, found another after the first (concatenated gzip files are not read)');
    };
  }

  #inflate(chunk: Uint8Array, final: boolean): void {
    const tail = concat([this.#tail, chunk.subarray(Math.max(0, chunk.length - 8))], this.#tail.length + Math.min(8, chunk.length));
    this.#tail = tail.subarray(Math.max(0, tail.length - 8));
    let at = 0;
    do {
      const size = this.#out ? this.#pushSize : INFLATE_PUSH_MIN;
      const before = this.bytesDecoded;
      // fflate keeps a reference to input it cannot parse yet (a gzip header split across pushes):
      // until output flows, pushes are copies, so a caller may reuse its buffer.
      const piece = this.#out ? chunk.subarray(at, at + size) : chunk.slice(at, at + size);
      at += piece.length;
      try {
        this.#gunzip!.push(piece, final && at >= chunk.length);
      } catch (e) {
        if (e instanceof IdxError) throw e;
        throw new IdxError(this.#source, `expected a valid gzip stream (${(e as Error).message})`);
      }
      const ratio = (this.bytesDecoded - before) / piece.length;
      this.#pushSize = Math.max(INFLATE_PUSH_MIN, Math.min(INFLATE_PUSH_MAX, Math.floor(INFLATE_OUTPUT_PER_PUSH / Math.max(1, ratio))));
    } while (at < chunk.length);
  }

  // Takes decoded bytes: into the header until it is complete and checked, then into the output
  // buffer, which is allocated once, at the declared size; a byte past it is refused.
  #accept(data: Uint8Array): void {
    let at = 0;
    if (!this.#out) {
      const take = Math.min(data.length, MAX_HEADER_LENGTH - this.#head.length);
      this.#head = concat([this.#head, data.subarray(0, take)], this.#head.length + take);
      at = take;
      const header = parseHeader(this.#head, this.#source, false);
      if (!header) return;
      checkDeclaredSize(header, this.#source, this.#options, this.#mode === 'gzip');
      this.#header = header;
      let out: Uint8Array;
      try {
        out = new Uint8Array(header.byteLength);
      } catch {
        throw new IdxError(this.#source, `could not allocate the ${header.byteLength} bytes the IDX header declares (out of memory)`);
      }
      const head = this.#head.subarray(0, header.byteLength);
      out.set(head);
      this.#out = out;
      this.#decoded = head.length;
      if (this.#head.length > header.byteLength) this.#overflow();
    }
    const rest = data.subarray(at);
    if (this.#decoded + rest.length > this.#out.length) this.#overflow();
    this.#out.set(rest, this.#decoded);
    this.#decoded += rest.length;
  }

  #overflow(): never {
    const header = this.#header!;
    if (this.#mode === 'gzip') {
      throw new IdxError(this.#source, `expected gzip data inflating to the ${header.byteLength} bytes the IDX header declares, it inflates to more than that (corrupt or hostile file)`);
    }
    throw new IdxError(this.#source, `expected ${header.byteLength} bytes for ${header.dtype} [${header.shape.join(', ')}], got more (trailing bytes)`);
  }
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

// Parses the header at the start of a decoded file. Undefined while it is incomplete (unless `final`:
// then the truncation is the error); invalid bytes throw at once, so a stream stops at its first bytes.
function parseHeader(head: Uint8Array, source: string, final: boolean): IdxHeader | undefined {
  if (head.length < 4) {
    if (!final) return undefined;
    throw new IdxError(source, `expected an IDX header of at least 4 bytes, got ${head.length} bytes`);
  }
  if (head[0] !== 0 || head[1] !== 0) {
    throw new IdxError(source, `expected IDX magic 00 00 <type> <ndims>, got ${hex(head.subarray(0, 4))}`);
  }
  const type = TYPE_CODES[head[2]];
  if (!type) {
    throw new IdxError(source, `expected an IDX type byte 08/09/0b/0c/0d/0e, got ${hex(head.subarray(2, 3))}`);
  }
  const ndims = head[3];
  if (ndims < 1) throw new IdxError(source, 'expected at least one dimension, the header says 0');
  const headerLength = 4 + 4 * ndims;
  if (head.length < headerLength) {
    if (!final) return undefined;
    throw new IdxError(source, `expected a ${headerLength}-byte header for ${ndims} dimensions, got ${head.length} bytes (truncated)`);
  }
  const view = new DataView(head.buffer, head.byteOffset, headerLength);
  const shape: number[] = [];
  for (let i = 0; i < ndims; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  return { dtype: type.dtype, size: type.size, shape, headerLength, byteLength: headerLength + count * type.size };
}

// What a header may declare: at most the ceiling, and what the input can hold (a raw file exactly its
// size; a gzip file at most deflate's expansion of it, and what its trailer says when known).
function checkDeclaredSize(header: IdxHeader, source: string, options: IdxReaderOptions, gzip: boolean): void {
  const declares = `the IDX header declares ${header.dtype} [${header.shape.join(', ')}], ${header.byteLength} bytes`;
  const maxBytes = options.maxBytes ?? IDX_MAX_BYTES;
  if (header.byteLength > maxBytes) {
    throw new IdxError(source, `${declares}, more than the ceiling of ${maxBytes} bytes on one IDX file (IDX_MAX_BYTES, or the maxBytes option)`);
  }
  const { inputSize, gzipSizeHint } = options;
  if (!gzip) {
    if (inputSize !== undefined && inputSize !== header.byteLength) throw lengthError(header, inputSize, source);
    return;
  }
  if (inputSize !== undefined && header.byteLength > DEFLATE_MAX_RATIO * inputSize) {
    throw new IdxError(source, `${declares}, more than a gzip file of ${inputSize} bytes can inflate to (deflate expands at most ${DEFLATE_MAX_RATIO}x): truncated or hostile file`);
  }
  if (gzipSizeHint !== undefined && gzipSizeHint !== header.byteLength % 0x100000000) {
    throw new IdxError(source, `expected a valid gzip stream (${declares}, the gzip trailer says ${gzipSizeHint} bytes modulo 2^32): truncated or corrupt file`);
  }
}

function checkMaxBytes({ maxBytes }: IdxDecodeOptions): void {
  if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && maxBytes > 0)) throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
}

function lengthError(header: IdxHeader, length: number, source: string): IdxError {
  const why = length < header.byteLength ? 'truncated' : 'trailing bytes';
  return new IdxError(source, `expected ${header.byteLength} bytes for ${header.dtype} [${header.shape.join(', ')}], got ${length} (${why})`);
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
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

// The values after the header; `bytes` is their byte length (count * element size).
function readValues(view: DataView, offset: number, bytes: number, { dtype, size }: IdxHeader): IdxArray['data'] {
  const count = bytes / size;
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
