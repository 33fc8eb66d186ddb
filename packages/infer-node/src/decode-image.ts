// PNG and JPEG bytes to RGBA pixels, recognised by their magic bytes (a digit saved as "x.jpg" that is
// really a PNG still works), with the picture size read from the header and checked before decoding,
// so a small compressed file or request body cannot expand into gigabytes of pixels.
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';

/** Decoded pixels, 4 bytes (RGBA) per pixel, row-major. */
export interface RgbaImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Why bytes could not become an image. */
export type ImageDecodeReason = 'not-an-image' | 'corrupt' | 'too-large' | 'empty';

/** Largest picture decoded, in pixels (a photo of a digit needs far fewer). */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

/**
 * Bytes that are not a decodable PNG or JPEG picture of a sensible size. The message is one line,
 * `<source>: <detail>`; `detail`, `reason` and `format` let a front end (an HTTP server) word it its way.
 */
export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
  constructor(
    readonly source: string,
    readonly reason: ImageDecodeReason,
    readonly detail: string,
    /** The format the signature claimed, when there was one. */
    readonly format?: 'PNG' | 'JPEG',
    options?: { cause?: unknown },
  ) {
    super(`${source}: ${detail}`, options);
  }
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];

/**
 * Decodes a PNG or JPEG file's bytes. Throws an {@link ImageDecodeError} naming `source` when the bytes
 * are neither, are corrupt, hold no pixels, or hold more than {@link MAX_IMAGE_PIXELS}.
 * @example const { width, height, data } = decodeImage(readFileSync('seven.png'), 'seven.png');
 */
export function decodeImage(bytes: Uint8Array, source: string): RgbaImage {
  if (startsWith(bytes, PNG_MAGIC)) return decodePng(bytes, source);
  if (startsWith(bytes, JPEG_MAGIC)) return decodeJpeg(bytes, source);
  throw new ImageDecodeError(source, 'not-an-image', 'is not a PNG or JPEG image (no PNG or JPEG signature)');
}

function decodePng(bytes: Uint8Array, source: string): RgbaImage {
  // IHDR is the first chunk: width and height are big-endian at bytes 16 and 20.
  if (bytes.length >= 24) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    checkSize(view.getUint32(16), view.getUint32(20), 'PNG', source);
  }
  try {
    const png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), width: png.width, height: png.height };
  } catch (error) {
    throw corrupt(source, 'PNG', error);
  }
}

function decodeJpeg(bytes: Uint8Array, source: string): RgbaImage {
  const size = jpegSize(bytes);
  if (size) checkSize(size.width, size.height, 'JPEG', source);
  let image: RgbaImage;
  try {
    // jpeg-js's own limits stay as a backstop for a header this scan did not find.
    image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 256 });
  } catch (error) {
    throw corrupt(source, 'JPEG', error);
  }
  checkSize(image.width, image.height, 'JPEG', source);
  return image;
}

// The frame size of a JPEG from its first start-of-frame segment (SOF0..SOF15 but DHT, JPG, DAC), or
// undefined when the segments end or break before one.
function jpegSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  let i = 2;
  while (i + 8 < bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (bytes[i + 5] << 8) | bytes[i + 6], width: (bytes[i + 7] << 8) | bytes[i + 8] };
    }
    if (marker === 0xda) return undefined; // image data before any frame header
    i += 2 + ((bytes[i + 2] << 8) | bytes[i + 3]);
  }
  return undefined;
}

function checkSize(width: number, height: number, format: 'PNG' | 'JPEG', source: string): void {
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new ImageDecodeError(source, 'too-large', `the ${format} image is ${width}x${height} pixels, more than the limit of ${MAX_IMAGE_PIXELS} pixels`, format);
  }
  if (width === 0 || height === 0) throw new ImageDecodeError(source, 'empty', `the ${format} image is ${width}x${height} pixels (empty)`, format);
}

function corrupt(source: string, format: 'PNG' | 'JPEG', error: unknown): ImageDecodeError {
  return new ImageDecodeError(source, 'corrupt', `cannot decode ${format} (${errorLine(error)})`, format, { cause: error });
}

// A library's error message on one line of at most 200 characters, to quote in ours.
function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').slice(0, 200);
}

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}
