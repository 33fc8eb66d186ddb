import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { digitPngDataUri } from './digit-png.js';

describe('digitPngDataUri', () => {
  it('encodes the chosen image as a grayscale PNG that decodes to its bytes', () => {
    const images = new Uint8Array(3 * 6).map((_, i) => i * 10);
    const uri = digitPngDataUri(images, 1, 2, 3);
    expect(uri.startsWith('data:image/png;base64,')).toBe(true);
    const png = PNG.sync.read(Buffer.from(uri.slice('data:image/png;base64,'.length), 'base64'));
    expect([png.width, png.height]).toEqual([3, 2]);
    // pngjs decodes to RGBA: each gray value repeated, alpha 255.
    const gray = Array.from({ length: 6 }, (_, i) => png.data[i * 4]);
    expect(gray).toEqual(Array.from(images.subarray(6, 12)));
  });
});
