// PNG and JPEG bytes to RGBA pixels, recognised by their magic bytes (a digit saved as "x.jpg" that is
// really a PNG still works). Every size is checked before it is allocated: the file's bytes, the
// picture's pixels from its one header, the decoder's memory from that header, and a PNG's inflated
// data is cut off at what the header allows, so no file or request body can expand beyond these limits.
import { fstatSync, openSync, closeSync, readSync } from 'node:fs';
import { oneLine, SourcedError } from '@mnist/core';
import jpeg from 'jpeg-js';
import { jpegDecodeBytes, scanJpeg, type JpegFrame } from './jpeg-frame.js';
import { decodePngPixels } from './png-pixels.js';
import { scanPng, type PngLayout } from './png-layout.js';

/** Decoded pixels, 4 bytes (RGBA) per pixel, row-major. */
export interface RgbaImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Why bytes could not become an image: `too-large` when the file or the picture it describes is over
 * a limit (an HTTP server's 413), the rest when the bytes are not a well-formed picture (its 400).
 */
export type ImageDecodeReason = 'not-an-image' | 'corrupt' | 'too-large' | 'empty';

/** Largest picture decoded, in pixels (a photo of a digit needs far fewer). */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

/** Largest image file or body decoded, in bytes. */
export const MAX_IMAGE_BYTES = 32 * 1024 * 1024;

/**
 * Most memory a decoder may allocate for one picture, in bytes, computed from its header before
 * decoding: a PNG needs its RGBA output (4 bytes a pixel), jpeg-js about 11 bytes a pixel per color
 * component on top, so a large color JPEG can be refused though its pixels are under the limit.
 */
export const MAX_DECODE_BYTES = 160 * 1024 * 1024;

/**
 * Bytes that are not a decodable PNG or JPEG picture of a sensible size. The message is one line,
 * `<source>: <detail>`; `detail`, `reason` and `format` let a front end (an HTTP server) word it its way;
 * all are plain strings, so they survive a worker's postMessage and can be rebuilt on the other side.
 */
export class ImageDecodeError extends SourcedError {
  override readonly name = 'ImageDecodeError';
  constructor(
    source: string,
    readonly reason: ImageDecodeReason,
    detail: string,
    /** The format the signature claimed, when there was one. */
    readonly format?: 'PNG' | 'JPEG',
    options?: { cause?: unknown },
  ) {
    super(source, detail, options);
  }
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];
const MIB = 1024 * 1024;

/**
 * Decodes a PNG or JPEG file's bytes. Throws an {@link ImageDecodeError} naming `source` when the bytes
 * are neither, are malformed, hold no pixels, or are over a limit ({@link MAX_IMAGE_BYTES},
 * {@link MAX_IMAGE_PIXELS}, {@link MAX_DECODE_BYTES}).
 * @example const { width, height, data } = decodeImage(readFileSync('seven.png'), 'seven.png');
 */
export function decodeImage(bytes: Uint8Array, source: string): RgbaImage {
  if (bytes.length > MAX_IMAGE_BYTES) throw tooManyBytes(source, `is ${bytes.length} bytes`);
  if (startsWith(bytes, PNG_MAGIC)) return decodePng(bytes, source);
  if (startsWith(bytes, JPEG_MAGIC)) return decodeJpeg(bytes, source);
  throw new ImageDecodeError(source, 'not-an-image', 'is not a PNG or JPEG image (no PNG or JPEG signature)');
}

/**
 * Reads and decodes a PNG or JPEG file, refusing one over {@link MAX_IMAGE_BYTES} before reading it
 * (and reading a pipe or device no further than that). File-system errors carry the path.
 * @example const { width, height, data } = decodeImageFile('seven.png');
 */
export function decodeImageFile(file: string): RgbaImage {
  return decodeImage(readImageFile(file), file);
}

function readImageFile(file: string): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const stat = fstatSync(fd);
    if (stat.size > MAX_IMAGE_BYTES) throw tooManyBytes(file, `is ${stat.size} bytes`);
    // One byte more than a regular file's size, or than the limit for a pipe or device, tells a file
    // that is longer than it said or than an image may be.
    const regular = stat.isFile();
    const buffer = Buffer.allocUnsafe((regular ? stat.size : MAX_IMAGE_BYTES) + 1);
    let length = 0;
    for (let n; length < buffer.length && (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) length += n;
    if (length > MAX_IMAGE_BYTES) throw tooManyBytes(file, 'is longer');
    if (regular && length > stat.size) throw new ImageDecodeError(file, 'corrupt', `grew while it was being read (from ${stat.size} bytes)`);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
  } catch (error) {
    // Node names the path when opening fails, not when reading does (EISDIR on a folder).
    if (typeof error === 'object' && error !== null && 'code' in error && !('path' in error)) Object.assign(error, { path: file });
    throw error;
  } finally {
    closeSync(fd);
  }
}

function decodePng(bytes: Uint8Array, source: string): RgbaImage {
  let layout: PngLayout;
  try {
    layout = scanPng(bytes);
  } catch (error) {
    throw corrupt(source, 'PNG', error);
  }
  const { width, height } = layout;
  checkSize(width, height, 'PNG', source);
  checkDecodeBytes(width * height * 4, `${width}x${height} PNG image`, 'PNG', source);
  try {
    return { data: decodePngPixels(layout), width, height };
  } catch (error) {
    throw corrupt(source, 'PNG', error);
  }
}

function decodeJpeg(bytes: Uint8Array, source: string): RgbaImage {
  let frame: JpegFrame;
  try {
    frame = scanJpeg(bytes);
  } catch (error) {
    throw corrupt(source, 'JPEG', error);
  }
  const { width, height, components } = frame;
  checkSize(width, height, 'JPEG', source);
  checkDecodeBytes(jpegDecodeBytes(frame), `${width}x${height} JPEG image in ${components.length} components`, 'JPEG', source);
  let image: RgbaImage;
  try {
    // jpeg-js counts less than it allocates, so its own limits, set to ours, are a backstop only.
    image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: MAX_DECODE_BYTES / MIB });
  } catch (error) {
    throw corrupt(source, 'JPEG', error);
  }
  return image;
}

function checkSize(width: number, height: number, format: 'PNG' | 'JPEG', source: string): void {
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new ImageDecodeError(source, 'too-large', `the ${format} image is ${width}x${height} pixels, more than the limit of ${MAX_IMAGE_PIXELS} pixels`, format);
  }
  if (width === 0 || height === 0) throw new ImageDecodeError(source, 'empty', `the ${format} image is ${width}x${height} pixels (empty)`, format);
}

function checkDecodeBytes(bytes: number, what: string, format: 'PNG' | 'JPEG', source: string): void {
  if (bytes > MAX_DECODE_BYTES) {
    const detail = `decoding the ${what} needs ${Math.ceil(bytes / MIB)} MiB, more than the limit of ${MAX_DECODE_BYTES / MIB} MiB`;
    throw new ImageDecodeError(source, 'too-large', detail, format);
  }
}

function tooManyBytes(source: string, size: string): ImageDecodeError {
  return new ImageDecodeError(source, 'too-large', `${size}, more than the limit of ${MAX_IMAGE_BYTES} bytes for an image file`);
}

// Malformed bytes, with the scanner's or the library's reason quoted: all of it, on one line of at
// most 200 characters.
function corrupt(source: string, format: 'PNG' | 'JPEG', error: unknown): ImageDecodeError {
  return new ImageDecodeError(source, 'corrupt', `cannot decode ${format} (${oneLine(error, { maxLength: 200 })})`, format, { cause: error });
}

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}
