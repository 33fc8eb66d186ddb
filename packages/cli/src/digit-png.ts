// One grayscale test image as a PNG data: URI, so a report page holds its images and opens from disk.
import { PNG } from 'pngjs';

/**
 * The `index`-th `height` x `width` image of `images` (one byte per pixel) as `data:image/png;base64,...`,
 * at its own size (a page scales it up with `image-rendering: pixelated`; 28x28 is a few hundred bytes).
 * @example digitPngDataUri(test.images, 7, 28, 28).startsWith('data:image/png;base64,')
 */
export function digitPngDataUri(images: Uint8Array, index: number, height: number, width: number): string {
  const pixels = height * width;
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  png.data = Buffer.from(images.subarray(index * pixels, (index + 1) * pixels));
  return `data:image/png;base64,${PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }).toString('base64')}`;
}
