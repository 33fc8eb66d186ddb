// Property tests of the IDX reader on outside bytes: arbitrary bytes, and truncations, extensions and
// byte flips of valid files (raw and gzipped) give a valid array or an IdxError naming the file, never
// another error, a hang or a huge allocation; valid arrays round trip through encodeIdx.
import fc from 'fast-check';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodeIdx, encodeIdx, IDX_MAX_BYTES, IdxError, IdxReader, type IdxArray, type IdxDtype } from './idx.js';

const RUNS = { seed: 20240607, numRuns: 300 };
const SOURCE = 'data/train-images-idx3-ubyte';

const dtypes: IdxDtype[] = ['uint8', 'int8', 'int16', 'int32', 'float32', 'float64'];

/** A valid IDX array: 1-3 small dimensions and values in the dtype's range. */
const idxArray: fc.Arbitrary<IdxArray> = fc
  .record({ dtype: fc.constantFrom(...dtypes), shape: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 }) })
  .chain(({ dtype, shape }): fc.Arbitrary<IdxArray> => {
    const count = shape.reduce((a, b) => a * b, 1);
    const values = (arb: fc.Arbitrary<number>) => fc.array(arb, { minLength: count, maxLength: count });
    switch (dtype) {
      case 'uint8':
        return values(fc.integer({ min: 0, max: 255 })).map((v) => ({ dtype, shape, data: Uint8Array.from(v) }));
      case 'int8':
        return values(fc.integer({ min: -128, max: 127 })).map((v) => ({ dtype, shape, data: Int8Array.from(v) }));
      case 'int16':
        return values(fc.integer({ min: -32768, max: 32767 })).map((v) => ({ dtype, shape, data: Int16Array.from(v) }));
      case 'int32':
        return values(fc.integer()).map((v) => ({ dtype, shape, data: Int32Array.from(v) }));
      case 'float32':
        return values(fc.float({ noNaN: true })).map((v) => ({ dtype, shape, data: Float32Array.from(v) }));
      case 'float64':
        return values(fc.double({ noNaN: true })).map((v) => ({ dtype, shape, data: Float64Array.from(v) }));
    }
  });

/** Decodes, and fails the property on any error but an IdxError naming the source in one line. */
function decodeOrIdxError(bytes: Uint8Array): IdxArray | undefined {
  try {
    const array = decodeIdx(bytes, SOURCE);
    // Whatever decodes is self-consistent: as many values as the shape says.
    expect(array.data.length).toBe(array.shape.reduce((a, b) => a * b, 1));
    return array;
  } catch (error) {
    if (!(error instanceof IdxError)) throw error;
    expect(error.message.startsWith(`${SOURCE}: `)).toBe(true);
    expect(error.message).not.toContain('\n');
    return undefined;
  }
}

const TYPE_SIZE: Record<number, number> = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };

/** An IDX header for `dims` of element type `type`. */
function idxHeader(type: number, dims: number[]): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length);
  bytes.set([0, 0, type, dims.length]);
  dims.forEach((d, i) => new DataView(bytes.buffer).setUint32(4 + 4 * i, d, false));
  return bytes;
}

/** The byte length that header declares. */
function headerBytes(type: number, dims: number[]): number {
  return 4 + 4 * dims.length + dims.reduce((a, b) => a * b, 1) * TYPE_SIZE[type];
}

/**
 * Pushes `input` in pieces of `piece` bytes, running `check` after every push (thrown or not); returns
 * the error that stopped it, if any.
 */
// Pushes `input` in pieces; resolves to what a push threw (an Error), or undefined when every piece went in.
function pushAll(reader: IdxReader, input: Uint8Array, piece: number, check: () => void = () => undefined): Error | undefined {
  for (let at = 0; at < input.length; at += piece) {
    try {
      reader.push(input.subarray(at, at + piece));
    } catch (error) {
      check();
      return error as Error;
    }
    check();
  }
  return undefined;
}

/** One of: truncate, extend, flip a bit, overwrite a byte (often a header byte). */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat({ max: 24 }), value: fc.integer({ min: 0, max: 255 }) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  if (bytes.length === 0) return bytes;
  switch (m.kind) {
    case 'truncate':
      return bytes.slice(0, m.at % bytes.length);
    case 'extend':
      return new Uint8Array([...bytes, ...m.extra]);
    case 'flip': {
      const out = bytes.slice();
      out[m.at % out.length] ^= 1 << m.bit;
      return out;
    }
    case 'set': {
      const out = bytes.slice();
      out[m.at % out.length] = m.value;
      return out;
    }
  }
}

describe('decodeIdx on outside bytes', () => {
  it('arbitrary bytes give a valid array or an IdxError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => void decodeOrIdxError(bytes)), RUNS);
  });

  it('arbitrary bytes behind a plausible header give a valid array or an IdxError', () => {
    const header = fc.tuple(fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x0a), fc.integer({ min: 0, max: 4 }));
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 128 }), ([type, ndims], rest) => {
        decodeOrIdxError(new Uint8Array([0, 0, type, ndims, ...rest]));
      }),
      RUNS,
    );
  });

  it('valid arrays round trip through encodeIdx, raw and gzipped', () => {
    fc.assert(
      fc.property(idxArray, (array) => {
        const bytes = encodeIdx(array);
        for (const input of [bytes, gzipSync(bytes)]) {
          const decoded = decodeIdx(input, SOURCE);
          expect(decoded.dtype).toBe(array.dtype);
          expect(decoded.shape).toEqual(array.shape);
          expect(Array.from(decoded.data)).toEqual(Array.from(array.data));
        }
        expect(encodeIdx(decodeIdx(bytes, SOURCE))).toEqual(bytes);
      }),
      RUNS,
    );
  });

  it('truncated, extended and bit-flipped valid files give a valid array or an IdxError', () => {
    fc.assert(
      fc.property(idxArray, mutation, (array, m) => {
        const bytes = encodeIdx(array);
        const mutated = mutate(bytes, m);
        const decoded = decodeOrIdxError(mutated);
        // A length change can never go unnoticed: the header fixes the exact byte count.
        if ((m.kind === 'truncate' || m.kind === 'extend') && mutated.length !== bytes.length) expect(decoded).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('truncated, extended and bit-flipped gzipped files give the original array or an IdxError, never other values', () => {
    fc.assert(
      fc.property(idxArray, mutation, (array, m) => {
        const decoded = decodeOrIdxError(mutate(gzipSync(encodeIdx(array)), m));
        // The gzip trailer's CRC-32 and size are checked: corruption cannot decode to different values.
        if (decoded) expect(encodeIdx(decoded)).toEqual(encodeIdx(array));
      }),
      RUNS,
    );
  });

  it('a header declaring more than the ceiling is refused once its bytes are read, raw or gzipped, whatever follows', () => {
    // A small ceiling stands for IDX_MAX_BYTES: the same check, with headers of a test's size.
    const declared = fc
      .record({ type: fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e), dims: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 8 }) })
      .filter(({ type, dims }) => headerBytes(type, dims) > 4096);
    fc.assert(
      fc.property(declared, fc.uint8Array({ maxLength: 4096 }), fc.boolean(), fc.integer({ min: 1, max: 64 }), ({ type, dims }, body, gzip, piece) => {
        const raw = new Uint8Array([...idxHeader(type, dims), ...body]);
        const input = gzip ? gzipSync(raw) : raw;
        const reader = new IdxReader(SOURCE, { maxBytes: 4096, inputSize: input.length });
        const error = pushAll(reader, input, piece);
        expect(error).toBeInstanceOf(IdxError);
        expect((error as Error).message).toMatch(/^data\/train-images-idx3-ubyte: the IDX header declares .*, more than the ceiling of 4096 bytes on one IDX file/);
        // Work done: nothing past the header was decoded, and a raw file was read no further than the
        // piece holding the header's last byte.
        expect(reader.bytesDecoded).toBeLessThanOrEqual(4 + 4 * 255);
        if (!gzip) expect(reader.bytesRead).toBeLessThan(4 + 4 * dims.length + piece);
      }),
      { ...RUNS, numRuns: 100 },
    );
  });

  it('the reader never holds more decoded bytes than the header declares, raw or gzipped, however the input is cut', () => {
    fc.assert(
      fc.property(idxArray, fc.integer({ min: 0, max: 100000 }), fc.boolean(), fc.integer({ min: 1, max: 4096 }), (array, extra, gzip, piece) => {
        const valid = encodeIdx(array);
        const padded = new Uint8Array(valid.length + extra);
        padded.set(valid);
        const input = gzip ? gzipSync(padded) : padded;
        const declared = valid.length;
        const reader = new IdxReader(SOURCE);
        const error = pushAll(reader, input, piece, () => expect(reader.bytesDecoded).toBeLessThanOrEqual(declared));
        if (extra === 0) {
          expect(error).toBeUndefined();
          expect(reader.end().bytes).toEqual(valid);
        } else {
          expect(error).toBeInstanceOf(IdxError);
          expect((error as Error).message).toMatch(gzip ? /inflates to more than that/ : /got more \(trailing bytes\)/);
        }
      }),
      { ...RUNS, numRuns: 150 },
    );
  });

  it('however the input is cut into pieces, the reader decodes what decodeIdx decodes, or fails as it fails', () => {
    fc.assert(
      fc.property(idxArray, mutation, fc.boolean(), fc.integer({ min: 1, max: 40 }), (array, m, gzip, piece) => {
        const encoded = encodeIdx(array);
        const input = mutate(gzip ? gzipSync(encoded) : encoded, m);
        let whole: IdxArray | Error;
        try {
          whole = decodeIdx(input, SOURCE);
        } catch (e) {
          whole = e as Error;
        }
        const reader = new IdxReader(SOURCE);
        let streamed: IdxArray | Error | undefined = pushAll(reader, input, piece);
        if (!streamed) {
          try {
            streamed = reader.end().array;
          } catch (e) {
            streamed = e as Error;
          }
        }
        if (whole instanceof Error) {
          expect(whole).toBeInstanceOf(IdxError);
          // decodeIdx knows the length and the trailer up front, so it may name an earlier check; both refuse.
          expect(streamed).toBeInstanceOf(IdxError);
        } else {
          expect(streamed).not.toBeInstanceOf(Error);
          expect(encodeIdx(streamed as IdxArray)).toEqual(encodeIdx(whole));
        }
      }),
      RUNS,
    );
  });

  it('a gzip stream whose trailer claims 4 GiB, or that inflates far past its header, is refused without inflating it all', () => {
    const valid = gzipSync(encodeIdx({ dtype: 'uint8', shape: [4], data: new Uint8Array([1, 2, 3, 4]) }));
    const lying = valid.slice();
    lying.set([0xff, 0xff, 0xff, 0xff], lying.length - 4);
    expect(() => decodeIdx(lying, SOURCE)).toThrow(/the gzip trailer says 4294967295 bytes/);
    // A header for 4 bytes followed by 4 MiB of zeros: a small gzip "bomb" (a real one is gigabytes).
    const bomb = new Uint8Array(4 + 4 + 4 * 1024 * 1024);
    bomb.set([0, 0, 0x08, 1, 0, 0, 0, 4]);
    const compressed = gzipSync(bomb);
    // decodeIdx reads the trailer first: its size disagrees with the header.
    expect(() => decodeIdx(compressed, SOURCE)).toThrow(/the IDX header declares uint8 \[4\], 12 bytes, the gzip trailer says 4194312 bytes/);
    // Without the trailer, the output limit stops it: the limit's own message, after at most 12 bytes kept.
    const reader = new IdxReader(SOURCE, { inputSize: compressed.length });
    expect(pushAll(reader, compressed, 1024)).toEqual(expect.objectContaining({ message: expect.stringMatching(/the 12 bytes the IDX header declares, it inflates to more than that/) }));
    expect(reader.bytesDecoded).toBeLessThanOrEqual(12);
  });

  it('the default ceiling refuses a gzipped header of 2^31 images after inflating only its first bytes', () => {
    const header = idxHeader(0x08, [2 ** 31, 1, 1]);
    const bomb = new Uint8Array(header.length + 8 * 1024 * 1024);
    bomb.set(header);
    const compressed = gzipSync(bomb);
    const reader = new IdxReader(SOURCE);
    const error = pushAll(reader, compressed, 256);
    expect((error as Error).message).toBe(
      `${SOURCE}: the IDX header declares uint8 [2147483648, 1, 1], 2147483664 bytes, more than the ceiling of ${IDX_MAX_BYTES} bytes on one IDX file (IDX_MAX_BYTES, or the maxBytes option)`,
    );
    // Work done: the first 256 bytes of the 8 KB stream were taken (at most 1032 x 256 bytes inflated,
    // not 8 MiB), and nothing past the header was kept.
    expect(compressed.length).toBeGreaterThan(4096);
    expect(reader.bytesRead).toBe(256);
    expect(reader.bytesDecoded).toBeLessThanOrEqual(4 + 4 * 255);
  });
});
