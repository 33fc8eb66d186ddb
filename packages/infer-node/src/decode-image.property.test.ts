// Property tests of decodeImage: any PNG the writer makes (every color type, bit depth, palette, tRNS,
// filter and interlace) decodes to exactly pngjs's pixels; any mutation of a valid PNG or JPEG gives
// pixels of the declared size or a one-line ImageDecodeError, and a PNG's inflation never passes the
// bytes its header allows.
import fc from 'fast-check';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage, ImageDecodeError, MAX_IMAGE_PIXELS } from './decode-image.js';
import { decodePngPixels, type InflateStats } from './png-pixels.js';
import { pngInflatedSize, scanPng } from './png-layout.js';
import { encodePng, type PngPicture } from './png-writer.fixture.js';

const RUNS = { seed: 20240612, numRuns: 300 };
const DEPTHS: [number, number[]][] = [
  [0, [1, 2, 4, 8, 16]],
  [2, [8, 16]],
  [3, [1, 2, 4, 8]],
  [4, [8, 16]],
  [6, [8, 16]],
];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

const picture: fc.Arbitrary<PngPicture> = fc
  .record({
    kind: fc.constantFrom(...DEPTHS.flatMap(([colorType, depths]) => depths.map((bitDepth) => ({ colorType, bitDepth })))),
    width: fc.integer({ min: 1, max: 19 }),
    height: fc.integer({ min: 1, max: 19 }),
    interlaced: fc.boolean(),
    filters: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 5 }),
    idatChunks: fc.integer({ min: 1, max: 4 }),
    seed: fc.integer({ min: 0, max: 2 ** 30 }),
    transparency: fc.boolean(),
  })
  .map(({ kind: { colorType, bitDepth }, width, height, seed, transparency, ...rest }) => {
    const random = lcg(seed);
    const max = colorType === 3 ? Math.min(2 ** bitDepth, 1 + (seed % 200)) - 1 : 2 ** bitDepth - 1;
    // Few distinct values, so a tRNS color actually occurs.
    const samples = Array.from({ length: width * height * CHANNELS[colorType] }, () => (random() % 3 === 0 ? max : random() % (max + 1)));
    const p: PngPicture = { colorType, bitDepth, width, height, samples, ...rest };
    if (colorType === 3) p.palette = Array.from({ length: (max + 1) * 3 }, () => random() % 256);
    if (transparency && colorType === 3) p.trns = Array.from({ length: random() % (max + 2) }, () => random() % 256);
    if (transparency && (colorType === 0 || colorType === 2)) p.trns = Array.from({ length: CHANNELS[colorType] }, () => [max >> 8, max & 255]).flat();
    return p;
  });

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8;
}

// Either pixels of the size the file declares, or a one-line ImageDecodeError naming the source.
function decodesOrRefuses(bytes: Uint8Array): void {
  try {
    const image = decodeImage(bytes, 'mutant');
    expect(image.width * image.height).toBeLessThanOrEqual(MAX_IMAGE_PIXELS);
    expect(image.data.length).toBe(image.width * image.height * 4);
  } catch (error) {
    if (!(error instanceof ImageDecodeError)) throw error;
    expect(error.message).toMatch(/^mutant: /);
    expect(error.message).not.toContain('\n');
  }
}

const mutation = (valid: Uint8Array): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }).map((edits) => {
      const b = valid.slice();
      for (const [at, v] of edits) b[at] = v;
      return b;
    }),
    fc.nat(valid.length - 1).map((n) => valid.slice(0, n)),
    fc.tuple(fc.nat(valid.length - 1), fc.nat(valid.length - 1), fc.nat(64)).map(([at, from, n]) => {
      // A copy of some bytes (a chunk, a header) spliced in elsewhere.
      const b = new Uint8Array(valid.length + n);
      b.set(valid.subarray(0, at));
      b.set(valid.subarray(from, from + n), at);
      b.set(valid.subarray(at), at + Math.min(n, valid.length - from));
      return b.subarray(0, valid.length + Math.min(n, valid.length - from));
    }),
  );

describe('decodeImage properties', () => {
  it('decodes every PNG the writer makes to the same RGBA as pngjs', () => {
    fc.assert(
      fc.property(picture, (p) => {
        const bytes = encodePng(p);
        const ours = decodeImage(bytes, 'p.png');
        const theirs = pngjs.PNG.sync.read(Buffer.from(bytes));
        expect([ours.width, ours.height]).toEqual([p.width, p.height]);
        expect(Buffer.from(ours.data).equals(theirs.data)).toBe(true);
      }),
      RUNS,
    );
  });
  it('a mutated PNG decodes or is refused, and never inflates past its header', () => {
    const valid = encodePng({ width: 12, height: 9, bitDepth: 8, colorType: 2, interlaced: true, samples: Array.from({ length: 12 * 9 * 3 }, (_, i) => (i * 7) % 256), filters: [0, 1, 2, 3, 4], idatChunks: 2 });
    fc.assert(
      fc.property(mutation(valid), (bytes) => {
        decodesOrRefuses(bytes);
        let layout;
        try {
          layout = scanPng(bytes);
        } catch {
          return;
        }
        if (layout.width * layout.height > MAX_IMAGE_PIXELS || layout.width * layout.height === 0) return;
        const stats: InflateStats = { inflated: 0 };
        try {
          decodePngPixels(layout, stats);
        } catch {
          // refused: still bounded below
        }
        expect(stats.inflated).toBeLessThanOrEqual(pngInflatedSize(layout) + 1032 * 8192);
      }),
      RUNS,
    );
  });
  it('a mutated JPEG decodes or is refused with one line', () => {
    const data = Buffer.alloc(16 * 16 * 4, 255);
    for (let i = 0; i < 16 * 16; i += 3) data.fill(0, i * 4, i * 4 + 3);
    const valid = new Uint8Array(jpeg.encode({ data, width: 16, height: 16 }, 80).data);
    fc.assert(fc.property(mutation(valid), decodesOrRefuses), RUNS);
  });
});
