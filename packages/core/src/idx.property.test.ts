// Property tests of the IDX reader on outside bytes: arbitrary bytes, and truncations, extensions and
// byte flips of valid files (raw and gzipped) give a valid array or an IdxError naming the file, never
// another error, a hang or a huge allocation; valid arrays round trip through encodeIdx.
import fc from 'fast-check';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodeIdx, encodeIdx, IdxError, type IdxArray, type IdxDtype } from './idx.js';

const RUNS = { seed: 20240607, numRuns: 300 };
const SOURCE = 'data/train-images-idx3-ubyte';

const dtypes: IdxDtype[] = ['uint8', 'int8', 'int16', 'int32', 'float32', 'float64'];

/** A valid IDX array: 1-3 small dimensions and values in the dtype's range. */
const idxArray: fc.Arbitrary<IdxArray> = fc
  .record({ dtype: fc.constantFrom(...dtypes), shape: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 }) })
  .chain(({ dtype, shape }) => {
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

  it('huge declared sizes are refused from the header, without allocating them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.uint8Array({ maxLength: 64 }), (ndims, body) => {
        const header = new Uint8Array(4 + 4 * ndims).fill(0xff);
        header.set([0, 0, 0x0e, ndims]);
        const started = performance.now();
        expect(() => decodeIdx(new Uint8Array([...header, ...body]), SOURCE)).toThrow(IdxError);
        expect(performance.now() - started).toBeLessThan(100);
      }),
      { ...RUNS, numRuns: 50 },
    );
  });

  it('a gzip stream whose trailer claims 4 GiB, or that inflates far past its header, is refused without inflating it all', () => {
    const valid = gzipSync(encodeIdx({ dtype: 'uint8', shape: [4], data: new Uint8Array([1, 2, 3, 4]) }));
    const lying = valid.slice();
    lying.set([0xff, 0xff, 0xff, 0xff], lying.length - 4);
    expect(() => decodeIdx(lying, SOURCE)).toThrow(IdxError);
    // A header for 4 bytes followed by 4 MiB of zeros: a small gzip "bomb" (a real one is gigabytes).
    const bomb = new Uint8Array(4 + 4 + 4 * 1024 * 1024);
    bomb.set([0, 0, 0x08, 1, 0, 0, 0, 4]);
    const compressed = gzipSync(bomb);
    // The limit's own message, not the length check after a full inflate, proves it stopped early.
    expect(() => decodeIdx(compressed, SOURCE)).toThrow(/the 12 bytes the IDX header declares, it inflates to more than that/);
  });
});
