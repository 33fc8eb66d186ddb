// Image decoding by magic bytes, on images generated here with the same libraries' encoders; every
// refusal is an ImageDecodeError naming its source, and oversized pictures are refused from the header.
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage, ImageDecodeError, MAX_IMAGE_PIXELS, type ImageDecodeReason } from './decode-image.js';

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
  const sof0 = [0xff, 0xc0, 0, 11, 8, height >> 8, height & 255, width >> 8, width & 255, 1, 1, 0x11, 0];
  return Uint8Array.from([0xff, 0xd8, ...app0, ...sof0]);
}

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
    const png = pngBytes(4, 4);
    new DataView(png.buffer, png.byteOffset).setUint32(16, 65536);
    new DataView(png.buffer, png.byteOffset).setUint32(20, 65536);
    const limit = `more than the limit of ${MAX_IMAGE_PIXELS} pixels`;
    expectRefused(png, 'huge.png', 'too-large', new RegExp(`^huge\\.png: the PNG image is 65536x65536 pixels, ${limit}$`));
    expectRefused(jpegHeader(60000, 60000), 'huge.jpg', 'too-large', new RegExp(`^huge\\.jpg: the JPEG image is 60000x60000 pixels, ${limit}$`));
    // A header of a sensible size passes, and the (missing) pixels then fail to decode instead.
    expect(refusal(jpegHeader(64, 64), 'small.jpg').reason).toBe('corrupt');
  });
  it('refuses a picture of no pixels', () => {
    const png = pngBytes(4, 4);
    new DataView(png.buffer, png.byteOffset).setUint32(16, 0);
    expectRefused(png, 'flat.png', 'empty', /^flat\.png: the PNG image is 0x4 pixels \(empty\)$/);
  });
});
