// Image decoding by magic bytes, on images generated here with the libraries' encoders and a small PNG
// writer; every refusal is an ImageDecodeError naming its source, oversized pictures are refused from
// their one header, and hostile files (a second header, an inflation bomb, bad chunks) are refused with
// the decoder's work bounded by what the header allows.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeImage,
  decodeImageFile,
  ImageDecodeError,
  MAX_DECODE_BYTES,
  MAX_IMAGE_BYTES,
  MAX_IMAGE_PIXELS,
  type ImageDecodeReason,
} from './decode-image.js';
import { decodePngPixels, INFLATE_STEP, type InflateStats } from './png-pixels.js';
import { pngInflatedSize, scanPng } from './png-layout.js';
import { encodePng, ihdrChunk, pngChunk, pngFile, pngScanlines, type PngPicture } from './png-writer.fixture.js';

function rgba(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const v = (i * 37) % 256;
    data.set([v, v, v, 255], i * 4);
  }
  return data;
}

function pngBytes(width: number, height: number): Uint8Array {
  const png = new pngjs.PNG({ width, height });
  png.data = Buffer.from(rgba(width, height));
  return new Uint8Array(pngjs.PNG.sync.write(png));
}

function refusal(bytes: Uint8Array, source: string): ImageDecodeError {
  try {
    decodeImage(bytes, source);
  } catch (error) {
    if (error instanceof ImageDecodeError) return error;
    throw error;
  }
  throw new Error('expected decodeImage to throw');
}

function expectRefused(bytes: Uint8Array, source: string, reason: ImageDecodeReason, message: RegExp): void {
  const error = refusal(bytes, source);
  expect(error.reason).toBe(reason);
  expect(error.source).toBe(source);
  expect(error.message).toBe(`${source}: ${error.detail}`);
  expect(error.message).toMatch(message);
  expect(error.message).not.toContain('\n');
}

// A JPEG whose frame header claims width x height, followed by nothing decodable.
function jpegHeader(width: number, height: number): Uint8Array {
  const app0 = [0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
  return Uint8Array.from([0xff, 0xd8, ...app0, ...sof(width, height, 1)]);
}

// A baseline frame header (SOF0) of `components` components sampled 1x1.
function sof(width: number, height: number, components: number): number[] {
  const length = 8 + 3 * components;
  const specs = Array.from({ length: components }, (_, c) => [c + 1, 0x11, 0]).flat();
  return [0xff, 0xc0, length >> 8, length & 255, 8, height >> 8, height & 255, width >> 8, width & 255, components, ...specs];
}

function jpegBytes(width: number, height: number): Uint8Array {
  return new Uint8Array(jpeg.encode({ data: Buffer.from(rgba(width, height)), width, height }, 90).data);
}

// A JPEG with `extra` inserted before the byte offset where `marker` first appears as a marker.
function insertBefore(bytes: Uint8Array, marker: number, extra: number[]): Uint8Array {
  let at = 2;
  while (bytes[at + 1] !== marker) at += 2 + ((bytes[at + 2] << 8) | bytes[at + 3]);
  return Uint8Array.from([...bytes.subarray(0, at), ...extra, ...bytes.subarray(at)]);
}

// A 1x1 8-bit gray PNG header, interlaced or not, whose IDAT holds `scanlines` (any length).
function grayPngOf(scanlines: Uint8Array, interlaced: boolean): Uint8Array {
  const header = { width: 1, height: 1, bitDepth: 8, colorType: 0, interlaced };
  return pngFile(ihdrChunk(header), pngChunk('IDAT', deflateSync(scanlines)), pngChunk('IEND', []));
}

const tinyGray: PngPicture = { width: 3, height: 2, bitDepth: 8, colorType: 0, interlaced: false, samples: [0, 50, 100, 150, 200, 250] };
const work = mkdtempSync(join(tmpdir(), 'decode-image-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('decodeImage', () => {
  it('decodes a PNG to RGBA', () => {
    const image = decodeImage(pngBytes(5, 3), 'a.png');
    expect([image.width, image.height]).toEqual([5, 3]);
    expect(Array.from(image.data)).toEqual(Array.from(rgba(5, 3)));
  });
  it('decodes a JPEG by its magic bytes whatever the file name', () => {
    const encoded = jpeg.encode({ data: Buffer.from(rgba(8, 8)), width: 8, height: 8 }, 95);
    const image = decodeImage(new Uint8Array(encoded.data), 'really-a-jpeg.png');
    expect([image.width, image.height, image.data.length]).toEqual([8, 8, 8 * 8 * 4]);
  });
  it('names a file that is neither PNG nor JPEG', () => {
    expectRefused(new TextEncoder().encode('hello'), 'notes.png', 'not-an-image', /^notes\.png: is not a PNG or JPEG image/);
    expectRefused(new Uint8Array(0), 'empty.png', 'not-an-image', /^empty\.png: is not a PNG or JPEG image/);
  });
  it('names a truncated PNG', () => {
    const bytes = pngBytes(16, 16);
    expectRefused(bytes.subarray(0, 40), 'torn.png', 'corrupt', /^torn\.png: cannot decode PNG \(.+\)$/);
    expect(refusal(bytes.subarray(0, 40), 'torn.png').format).toBe('PNG');
  });
  it('names a truncated JPEG', () => {
    const encoded = new Uint8Array(jpeg.encode({ data: Buffer.from(rgba(16, 16)), width: 16, height: 16 }, 90).data);
    expectRefused(encoded.subarray(0, 30), 'torn.jpg', 'corrupt', /^torn\.jpg: cannot decode JPEG \(.+\)$/);
  });
  it('refuses a huge PNG or JPEG from its header, before decoding any pixels', () => {
    // A valid file around the header: its chunks pass, its size does not.
    const png = pngFile(ihdrChunk({ ...tinyGray, width: 65536, height: 65536 }), pngChunk('IDAT', deflateSync(new Uint8Array(1))), pngChunk('IEND', []));
    const limit = `more than the limit of ${MAX_IMAGE_PIXELS} pixels`;
    expectRefused(png, 'huge.png', 'too-large', new RegExp(`^huge\\.png: the PNG image is 65536x65536 pixels, ${limit}$`));
    expectRefused(jpegHeader(60000, 60000), 'huge.jpg', 'too-large', new RegExp(`^huge\\.jpg: the JPEG image is 60000x60000 pixels, ${limit}$`));
    // A header of a sensible size passes, and the (missing) pixels then fail to decode instead.
    expect(refusal(jpegHeader(64, 64), 'small.jpg').reason).toBe('corrupt');
  });
  it('refuses a picture of no pixels', () => {
    const png = pngFile(ihdrChunk({ ...tinyGray, width: 0, height: 4 }), pngChunk('IDAT', deflateSync(new Uint8Array(4))), pngChunk('IEND', []));
    expectRefused(png, 'flat.png', 'empty', /^flat\.png: the PNG image is 0x4 pixels \(empty\)$/);
  });
});

describe('decodeImage on hostile PNG files', () => {
  it('decodes what the small writer writes, every filter type and interlaced', () => {
    const picture = { ...tinyGray, width: 9, height: 7, samples: Array.from({ length: 63 }, (_, i) => (i * 53) % 256), filters: [0, 1, 2, 3, 4] };
    for (const interlaced of [false, true]) {
      const image = decodeImage(encodePng({ ...picture, interlaced, idatChunks: 3 }), 'w.png');
      expect(Array.from(image.data.filter((_, i) => i % 4 === 0))).toEqual(picture.samples);
    }
  });
  it('refuses a second IHDR, whatever size it claims, before inflating anything', () => {
    const eightK = { ...tinyGray, width: 8000, height: 8000 };
    const z = deflateSync(new Uint8Array(8000 * 8001), { level: 1 });
    const bomb = pngFile(ihdrChunk(tinyGray), ihdrChunk(eightK), pngChunk('IDAT', z), pngChunk('IEND', []));
    expectRefused(bomb, 'two-headers.png', 'corrupt', /^two-headers\.png: cannot decode PNG \(a second IHDR chunk at byte 33\)$/);
    const late = pngFile(pngChunk('tEXt', [0x61, 0, 0x62]), ihdrChunk(tinyGray), pngChunk('IDAT', z), pngChunk('IEND', []));
    expectRefused(late, 'late.png', 'corrupt', /the first chunk is tEXt, expected IHDR/);
  });
  it('stops inflating an interlaced or plain bomb at the bytes its header allows', () => {
    const scanlines = new Uint8Array(16 * 1024 * 1024);
    for (const interlaced of [true, false]) {
      const bomb = grayPngOf(scanlines, interlaced);
      expectRefused(bomb, 'bomb.png', 'corrupt', /^bomb\.png: cannot decode PNG \(the image data inflates to more than the 2 bytes its 1x1 header allows\)$/);
      const stats: InflateStats = { inflated: 0 };
      expect(() => decodePngPixels(scanPng(bomb), stats)).toThrow(/inflates to more than the 2 bytes/);
      // Stopped within the first step's output (deflate expands at most ~1032x), not after 16 MiB.
      expect(stats.inflated).toBeGreaterThan(2);
      expect(stats.inflated).toBeLessThanOrEqual(1032 * INFLATE_STEP);
    }
  });
  it('inflates exactly the bytes the header allows, per Adam7 pass when interlaced', () => {
    for (const [width, height] of [[1, 1], [3, 2], [9, 7], [17, 1], [1, 17], [8, 8]]) {
      for (const interlaced of [false, true]) {
        for (const [colorType, bitDepth] of [[0, 1], [0, 4], [3, 2], [2, 8], [4, 16], [6, 16]]) {
          const picture = { width, height, bitDepth, colorType, interlaced, samples: new Uint8Array(width * height * 4) };
          const scanlines = pngScanlines(picture);
          expect(pngInflatedSize(picture)).toBe(scanlines.length);
          const stats: InflateStats = { inflated: 0 };
          const png = encodePng({ ...picture, palette: colorType === 3 ? [0, 0, 0] : undefined });
          decodePngPixels(scanPng(png), stats);
          expect(stats.inflated).toBe(scanlines.length);
        }
      }
    }
  });
  it('names image data that ends early or is not a zlib stream', () => {
    const scanlines = pngScanlines({ ...tinyGray, interlaced: true });
    expectRefused(grayPngOf(scanlines.subarray(0, 1), false), 'short.png', 'corrupt', /inflates to 1 bytes, fewer than the 2 its 1x1 header needs \(truncated\)/);
    const z = deflateSync(pngScanlines(tinyGray));
    const cut = pngFile(ihdrChunk(tinyGray), pngChunk('IDAT', z.subarray(0, z.length - 6)), pngChunk('IEND', []));
    expectRefused(cut, 'cut.png', 'corrupt', /^cut\.png: cannot decode PNG \(the image data is not a valid zlib stream \(.+\)\)$/);
    const garbage = pngFile(ihdrChunk(tinyGray), pngChunk('IDAT', [1, 2, 3, 4, 5, 6, 7, 8]), pngChunk('IEND', []));
    expectRefused(garbage, 'garbage.png', 'corrupt', /not a valid zlib stream/);
  });
  it('names a truncated file, a bad CRC, a missing IEND', () => {
    const good = encodePng(tinyGray);
    expectRefused(good.subarray(0, good.length - 20), 'torn.png', 'corrupt', /the IDAT chunk at byte 33 says \d+ bytes, past the end of the file \(truncated\)/);
    expectRefused(good.subarray(0, good.length - 12), 'no-end.png', 'corrupt', /the file ends at byte \d+ before the IEND chunk/);
    const bad = good.slice();
    bad[42] ^= 1; // a byte of the IDAT data
    expectRefused(bad, 'crc.png', 'corrupt', /^crc\.png: cannot decode PNG \(the IDAT chunk at byte 33 fails its CRC\)$/);
    const header = good.slice();
    header[29] ^= 1;
    expectRefused(header, 'crc.png', 'corrupt', /the IHDR chunk at byte 8 fails its CRC/);
  });
  it('names IDAT chunks that are not one run, chunks out of order, unknown critical chunks', () => {
    const z = deflateSync(pngScanlines(tinyGray));
    const [a, b] = [z.subarray(0, 5), z.subarray(5)];
    const text = pngChunk('tEXt', [0x61, 0, 0x62]);
    const end = pngChunk('IEND', []);
    expect(decodeImage(pngFile(ihdrChunk(tinyGray), text, pngChunk('IDAT', a), pngChunk('IDAT', b), text, end), 'ok.png').width).toBe(3);
    expectRefused(pngFile(ihdrChunk(tinyGray), pngChunk('IDAT', a), text, pngChunk('IDAT', b), end), 'split.png', 'corrupt', /IDAT chunk at byte \d+ after other chunks ended the image data/);
    expectRefused(pngFile(ihdrChunk(tinyGray), end), 'no-data.png', 'corrupt', /no IDAT chunk before IEND/);
    expectRefused(pngFile(ihdrChunk(tinyGray), pngChunk('IDAT', z), pngChunk('IEND', [0])), 'long-end.png', 'corrupt', /IEND chunk at byte \d+ has 1 bytes, expected 0/);
    expectRefused(pngFile(ihdrChunk(tinyGray), pngChunk('ZZZZ', []), pngChunk('IDAT', z), end), 'zzzz.png', 'corrupt', /unknown critical chunk ZZZZ/);
    const palette = { ...tinyGray, colorType: 3, samples: [0, 0, 0, 0, 0, 1], palette: [9, 9, 9] };
    expectRefused(encodePng({ ...palette, palette: undefined }), 'no-plte.png', 'corrupt', /IDAT chunk at byte 33 before the PLTE chunk a palette image needs/);
    expectRefused(encodePng(palette), 'index.png', 'corrupt', /palette index 1 is out of range \(the palette has 1 entries\)/);
    expectRefused(encodePng({ ...palette, trns: [1, 2] }), 'trns.png', 'corrupt', /tRNS chunk at byte \d+ has 2 alphas for 1 palette entries/);
    expectRefused(encodePng({ ...tinyGray, palette: [1, 2, 3] }), 'gray-plte.png', 'corrupt', /PLTE chunk at byte 33 in a gray image/);
    expectRefused(encodePng({ ...tinyGray, bitDepth: 3 }), 'depth.png', 'corrupt', /IHDR bit depth 3 with color type 0, expected 1, 2, 4, 8, 16/);
  });
  it('names a row of an unknown filter type', () => {
    const scanlines = pngScanlines(tinyGray);
    scanlines[4] = 5;
    const png = pngFile(ihdrChunk(tinyGray), pngChunk('IDAT', deflateSync(scanlines)), pngChunk('IEND', []));
    expectRefused(png, 'filter.png', 'corrupt', /row 1 has filter type 5, expected 0 to 4/);
  });
});

describe('decodeImage on hostile JPEG files', () => {
  it('refuses a second frame header anywhere before EOI, even one hidden after the scan data', () => {
    const small = jpegBytes(16, 16);
    expect(decodeImage(small, 'ok.jpg').width).toBe(16);
    expectRefused(insertBefore(small, 0xda, sof(4096, 4096, 3)), 'two.jpg', 'corrupt', /^two\.jpg: cannot decode JPEG \(a second frame header \(SOF0\) at byte \d+, after the one at byte \d+\)$/);
    const afterScan = Uint8Array.from([...small.subarray(0, small.length - 2), ...sof(60000, 60000, 3), 0xff, 0xd9]);
    expectRefused(afterScan, 'hidden.jpg', 'corrupt', /a second frame header \(SOF0\)/);
    // A progressive frame header (SOF2) counts too.
    expectRefused(insertBefore(small, 0xda, [...sof(64, 64, 1).slice(0, 1), 0xc2, ...sof(64, 64, 1).slice(2)]), 'prog.jpg', 'corrupt', /a second frame header \(SOF2\)/);
  });
  it('refuses a frame of too many components or sampling factors out of range', () => {
    const header = [0xff, 0xd8, ...sof(64, 64, 255), 0xff, 0xd9];
    expectRefused(Uint8Array.from(header), 'many.jpg', 'corrupt', /the frame header \(SOF0\) at byte 2 has 255 components, expected 1 to 4/);
    const sampling = sof(64, 64, 3);
    sampling[11] = 0x51;
    expectRefused(Uint8Array.from([0xff, 0xd8, ...sampling, 0xff, 0xd9]), 'sampling.jpg', 'corrupt', /component 0 sampling factors 5x1, expected 1 to 4 each/);
  });
  it('refuses a JPEG whose decoding would need more memory than the limit, from its header', () => {
    // 3000x3000 is under the pixel limit, but jpeg-js needs about 43 bytes a pixel for 3 components.
    expect(3000 * 3000).toBeLessThan(MAX_IMAGE_PIXELS);
    const big = Uint8Array.from([0xff, 0xd8, ...sof(3000, 3000, 3), 0xff, 0xd9]);
    const error = refusal(big, 'big.jpg');
    expect(error.reason).toBe('too-large');
    expect(error.message).toMatch(new RegExp(`^big\\.jpg: decoding the 3000x3000 JPEG image in 3 components needs \\d+ MiB, more than the limit of ${MAX_DECODE_BYTES / 2 ** 20} MiB$`));
    // The same frame in one component fits, and fails on its missing scan instead.
    expect(refusal(Uint8Array.from([0xff, 0xd8, ...sof(3000, 3000, 1), 0xff, 0xd9]), 'gray.jpg').reason).toBe('corrupt');
  });
});

describe('file and byte limits', () => {
  it('refuses bytes over MAX_IMAGE_BYTES before looking at them', () => {
    const bytes = new Uint8Array(MAX_IMAGE_BYTES + 1);
    bytes.set(encodePng(tinyGray));
    expectRefused(bytes, 'long.png', 'too-large', new RegExp(`^long\\.png: is ${MAX_IMAGE_BYTES + 1} bytes, more than the limit of ${MAX_IMAGE_BYTES} bytes for an image file$`));
  });
  it('decodeImageFile refuses a huge file before reading it and names a folder', () => {
    const sparse = join(work, 'huge.png');
    writeFileSync(sparse, encodePng(tinyGray));
    truncateSync(sparse, 5 * 2 ** 30);
    expectRefusedFile(sparse, 'too-large', /huge\.png: is 5368709120 bytes, more than the limit/);
    const small = join(work, 'small.png');
    writeFileSync(small, encodePng(tinyGray));
    expect(decodeImageFile(small).width).toBe(3);
    expect(() => decodeImageFile(work)).toThrow(expect.objectContaining({ code: 'EISDIR', path: work }));
    // A device has no size to check first: it is read no further than the limit.
    expectRefusedFile('/dev/zero', 'too-large', /^\/dev\/zero: is longer, more than the limit of \d+ bytes for an image file$/);
  });
});

function expectRefusedFile(file: string, reason: ImageDecodeReason, message: RegExp): void {
  let error: unknown;
  try {
    decodeImageFile(file);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ImageDecodeError);
  expect((error as ImageDecodeError).reason).toBe(reason);
  expect((error as ImageDecodeError).message).toMatch(message);
}
