// PNG and JPEG files to RGBA pixels, recognised by their magic bytes (a digit saved as "x.jpg" that is
// really a PNG still works; a text file named "x.png" gets a clear error).
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { CliError } from './errors.js';

/** Decoded pixels, 4 bytes (RGBA) per pixel, row-major. */
export interface RgbaImage {
  data: Uint8Array;
  width: number;
  height: number;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];

// Digits are small; refuse pictures that would take seconds and gigabytes to decode.
const MAX_MEGAPIXELS = 50;

/**
 * Decodes a PNG or JPEG file's bytes. Throws a CliError naming `file` when the bytes are neither or
 * are corrupt.
 * @example const { width, height, data } = decodeImage(readFileSync('seven.png'), 'seven.png');
 */
export function decodeImage(bytes: Uint8Array, file: string): RgbaImage {
  if (startsWith(bytes, PNG_MAGIC)) {
    try {
      const png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), width: png.width, height: png.height };
    } catch (e) {
      throw new CliError(`${file}: cannot decode PNG (${(e as Error).message})`);
    }
  }
  if (startsWith(bytes, JPEG_MAGIC)) {
    try {
      const jpg = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_MEGAPIXELS });
      return { data: jpg.data, width: jpg.width, height: jpg.height };
    } catch (e) {
      throw new CliError(`${file}: cannot decode JPEG (${(e as Error).message})`);
    }
  }
  throw new CliError(`${file}: is not a PNG or JPEG image`);
}

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}
