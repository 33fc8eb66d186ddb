// Image decoding by magic bytes, on images generated here with the same libraries' encoders.
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage } from './decode-image.js';

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
    expect(() => decodeImage(new TextEncoder().encode('hello'), 'notes.png')).toThrow('notes.png: is not a PNG or JPEG image');
  });
  it('names a truncated PNG', () => {
    const bytes = pngBytes(16, 16);
    expect(() => decodeImage(bytes.subarray(0, 40), 'torn.png')).toThrow(/^torn\.png: cannot decode PNG/);
  });
  it('names a truncated JPEG', () => {
    const encoded = new Uint8Array(jpeg.encode({ data: Buffer.from(rgba(16, 16)), width: 16, height: 16 }, 90).data);
    expect(() => decodeImage(encoded.subarray(0, 30), 'torn.jpg')).toThrow(/^torn\.jpg: cannot decode JPEG/);
  });
});
