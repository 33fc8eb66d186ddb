import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodeIdx, encodeIdx, IdxError, IdxReader, type IdxArray } from './idx.js';

// The 8-byte header of an MNIST label file with 3 labels, then the labels 7 2 1.
const LABELS_3 = new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 2, 1]);

describe('decodeIdx', () => {
  it('decodes a hand-written uint8 label file', () => {
    const a = decodeIdx(LABELS_3, 'labels');
    expect(a.dtype).toBe('uint8');
    expect(a.shape).toEqual([3]);
    expect(Array.from(a.data)).toEqual([7, 2, 1]);
    expect(a.data).toBeInstanceOf(Uint8Array);
  });

  it('decodes big-endian dimensions of a 3-d image file', () => {
    const bytes = new Uint8Array([0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 1, 0, ...new Array(2 * 256).fill(9)]);
    const a = decodeIdx(bytes, 'images');
    expect(a.shape).toEqual([2, 1, 256]);
    expect(a.data.length).toBe(512);
  });

  it('decodes big-endian multi-byte types', () => {
    const int16 = decodeIdx(new Uint8Array([0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]), 'i16');
    expect(Array.from(int16.data)).toEqual([0x0102, -2]);
    const f32 = decodeIdx(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0x80, 0, 0]), 'f32');
    expect(f32.dtype).toBe('float32');
    expect(Array.from(f32.data)).toEqual([1]);
  });

  it('round-trips every dtype through encodeIdx', () => {
    const arrays: IdxArray[] = [
      { dtype: 'uint8', shape: [2, 2], data: new Uint8Array([0, 1, 254, 255]) },
      { dtype: 'int8', shape: [3], data: new Int8Array([-128, 0, 127]) },
      { dtype: 'int16', shape: [2], data: new Int16Array([-30000, 30000]) },
      { dtype: 'int32', shape: [1, 2], data: new Int32Array([-2147483648, 2147483647]) },
      { dtype: 'float32', shape: [2], data: new Float32Array([0.1, -3.5]) },
      { dtype: 'float64', shape: [2], data: new Float64Array([Math.PI, -1e300]) },
    ];
    for (const a of arrays) {
      const back = decodeIdx(encodeIdx(a), a.dtype);
      expect(back.dtype).toBe(a.dtype);
      expect(back.shape).toEqual(a.shape);
      expect(back.data).toEqual(a.data);
    }
  });

  it('inflates gzipped input', () => {
    const a = decodeIdx(gzipSync(LABELS_3), 'labels.gz');
    expect(Array.from(a.data)).toEqual([7, 2, 1]);
  });

  it('rejects a corrupt gzip stream naming the file', () => {
    const gz = gzipSync(LABELS_3);
    expect(() => decodeIdx(gz.subarray(0, gz.length - 6), 'labels.gz')).toThrow(/^labels\.gz: expected a valid gzip stream/);
  });

  it('rejects truncated data', () => {
    expect(() => decodeIdx(LABELS_3.subarray(0, 10), 'train-labels')).toThrow(IdxError);
    expect(() => decodeIdx(LABELS_3.subarray(0, 10), 'train-labels')).toThrow('train-labels: expected 11 bytes for uint8 [3], got 10 (truncated)');
  });

  it('rejects a truncated header', () => {
    expect(() => decodeIdx(LABELS_3.subarray(0, 6), 'f')).toThrow('f: expected a 8-byte header for 1 dimensions, got 6 bytes (truncated)');
    expect(() => decodeIdx(new Uint8Array([0, 0]), 'f')).toThrow(/expected an IDX header/);
  });

  it('rejects trailing bytes', () => {
    const longer = new Uint8Array([...LABELS_3, 0]);
    expect(() => decodeIdx(longer, 'f')).toThrow('f: expected 11 bytes for uint8 [3], got 12 (trailing bytes)');
  });

  it('rejects a wrong magic number', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]);
    expect(() => decodeIdx(png, 'picture.png')).toThrow('picture.png: expected IDX magic 00 00 <type> <ndims>, got 89 50 4e 47');
    const badType = LABELS_3.slice();
    badType[2] = 0x07;
    expect(() => decodeIdx(badType, 'f')).toThrow('f: expected an IDX type byte 08/09/0b/0c/0d/0e, got 07');
  });

  it('rejects wrong dimensions', () => {
    const images = encodeIdx({ dtype: 'uint8', shape: [2, 2, 2], data: new Uint8Array(8) });
    const claimsMore = images.slice();
    claimsMore[7] = 3; // first dim 3 instead of 2: 16-byte header + 12 bytes expected, 8 present
    expect(() => decodeIdx(claimsMore, 'imgs')).toThrow('imgs: expected 28 bytes for uint8 [3, 2, 2], got 24 (truncated)');
    const fewerDims = images.slice();
    fewerDims[3] = 1; // a 1-d header reads [2]: 8 + 2 bytes expected
    expect(() => decodeIdx(fewerDims, 'imgs')).toThrow('imgs: expected 10 bytes for uint8 [2], got 24 (trailing bytes)');
    const zeroDims = new Uint8Array([0, 0, 8, 0]);
    expect(() => decodeIdx(zeroDims, 'imgs')).toThrow('imgs: expected at least one dimension, the header says 0');
  });

  it('does not pin a large shared buffer when the input is a small view', () => {
    const big = new Uint8Array(1 << 20);
    big.set(LABELS_3, 100);
    const a = decodeIdx(big.subarray(100, 100 + LABELS_3.length), 'view');
    expect(a.data.buffer.byteLength).toBe(3);
    expect(Array.from(a.data)).toEqual([7, 2, 1]);
  });
});

describe('decodeIdx and IdxReader: sizes checked from the header', () => {
  // 2^31 images of 1x1: 2 GiB declared.
  const HUGE = new Uint8Array([0, 0, 0x08, 3, 0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]);

  it('refuses a header over the ceiling naming the file, the declared shape and bytes and the ceiling', () => {
    expect(() => decodeIdx(new Uint8Array([...HUGE, 1, 2, 3]), 'big-images')).toThrow(
      'big-images: the IDX header declares uint8 [2147483648, 1, 1], 2147483664 bytes, more than the ceiling of 1073741824 bytes on one IDX file (IDX_MAX_BYTES, or the maxBytes option)',
    );
    expect(() => decodeIdx(LABELS_3, 'labels', { maxBytes: 10 })).toThrow('labels: the IDX header declares uint8 [3], 11 bytes, more than the ceiling of 10 bytes');
    expect(decodeIdx(LABELS_3, 'labels', { maxBytes: 11 }).shape).toEqual([3]);
    expect(() => decodeIdx(LABELS_3, 'labels', { maxBytes: 0 })).toThrow(RangeError);
  });

  it('refuses a raw file whose size differs from its header as soon as the header is pushed', () => {
    const reader = new IdxReader('labels', { inputSize: 10 });
    expect(() => reader.push(LABELS_3.subarray(0, 8))).toThrow('labels: expected 11 bytes for uint8 [3], got 10 (truncated)');
    expect(reader.bytesRead).toBe(8);
    // The reader stays refused.
    expect(() => reader.push(LABELS_3.subarray(8))).toThrow('got 10 (truncated)');
  });

  it('refuses a gzip file declaring more than deflate can expand it to', () => {
    // 100 million bytes declared; a gzip of a few dozen bytes inflates to 1032 times its size at most.
    const header = new Uint8Array([0, 0, 0x08, 1, 0x05, 0xf5, 0xe1, 0x00]);
    const gz = gzipSync(new Uint8Array([...header, 1, 2, 3]));
    expect(() => decodeIdx(gz, 'x.gz')).toThrow(
      `x.gz: the IDX header declares uint8 [100000000], 100000008 bytes, more than a gzip file of ${gz.length} bytes can inflate to (deflate expands at most 1032x): truncated or hostile file`,
    );
  });

  it('decodes pushed pieces, down to one byte at a time, and returns the decoded file', () => {
    for (const input of [LABELS_3, gzipSync(LABELS_3)]) {
      const reader = new IdxReader('labels', { inputSize: input.length });
      for (const byte of input) reader.push(new Uint8Array([byte]));
      const { array, bytes } = reader.end();
      expect(Array.from(array.data)).toEqual([7, 2, 1]);
      expect(bytes).toEqual(LABELS_3);
    }
  });
});

describe('encodeIdx', () => {
  it('writes the MNIST label header byte for byte', () => {
    expect(encodeIdx({ dtype: 'uint8', shape: [3], data: new Uint8Array([7, 2, 1]) })).toEqual(LABELS_3);
  });

  it('refuses data that does not fill the shape', () => {
    expect(() => encodeIdx({ dtype: 'uint8', shape: [4], data: new Uint8Array(3) })).toThrow(RangeError);
  });
});
