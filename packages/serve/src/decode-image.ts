// PNG and JPEG request bodies to RGBA pixels, recognised by their magic bytes, with the picture size
// checked before decoding so a small compressed body cannot expand into gigabytes of pixels.
// (The same job as @mnist/cli's decode-image.ts; both should move to one shared Node package.)
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { HttpError } from './http-error.js';

/** Decoded pixels, 4 bytes (RGBA) per pixel, row-major. */
export interface RgbaImage {
  data: Uint8Array;
  width: number;
  height: number;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];

/** Largest picture decoded, in pixels (a photo of a digit needs far fewer). */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

/**
 * Decodes a PNG or JPEG body. Throws an {@link HttpError} 400 when the bytes are neither, are
 * corrupt, or hold a picture larger than {@link MAX_IMAGE_PIXELS}.
 * @example const { width, height, data } = decodeImage(requestBody);
 */
export function decodeImage(bytes: Uint8Array): RgbaImage {
  if (startsWith(bytes, PNG_MAGIC)) return decodePng(bytes);
  if (startsWith(bytes, JPEG_MAGIC)) return decodeJpeg(bytes);
  throw new HttpError(400, 'body is not a PNG or JPEG image (no PNG or JPEG signature)');
}

function decodePng(bytes: Uint8Array): RgbaImage {
  // IHDR is the first chunk: width and height are big-endian at bytes 16 and 20.
  if (bytes.length >= 24) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    checkSize(view.getUint32(16), view.getUint32(20), 'PNG');
  }
  try {
    const png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), width: png.width, height: png.height };
  } catch (error) {
    throw new HttpError(400, `cannot decode the PNG image (${oneLine(error)})`);
  }
}

function decodeJpeg(bytes: Uint8Array): RgbaImage {
  let image: { data: Uint8Array; width: number; height: number };
  try {
    image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 256 });
  } catch (error) {
    throw new HttpError(400, `cannot decode the JPEG image (${oneLine(error)})`);
  }
  checkSize(image.width, image.height, 'JPEG');
  return image;
}

function checkSize(width: number, height: number, kind: string): void {
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new HttpError(413, `the ${kind} image is ${width}x${height} pixels, more than the limit of ${MAX_IMAGE_PIXELS} pixels`);
  }
  if (width === 0 || height === 0) throw new HttpError(400, `the ${kind} image is ${width}x${height} pixels (empty)`);
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').slice(0, 200);
}

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}
