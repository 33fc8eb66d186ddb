// Turns the images a caller gives (bytes, [0, 1] floats, per-image arrays) into the float values the
// model takes, chunk by chunk: pixel scale and normalization fused into one pass, and no copy at all
// for float input to a model without normalization (our own exports), the hot path of predict.
import type { Normalization } from './model-signature.js';

/** Pixels per image: 28 x 28. */
export const IMAGE_PIXELS = 784;

/** N images: scaled float pixels (N*784, in [0, 1]), raw bytes (N*784, scaled by the model's metadata), or one array per image. */
export type ImageBatch =
  | Float32Array
  | Uint8Array
  | Uint8ClampedArray
  | readonly number[]
  | ReadonlyArray<Float32Array | Uint8Array | Uint8ClampedArray | readonly number[]>;

/** A validated image batch, handed to the model chunk by chunk. */
export interface ModelInput {
  n: number;
  /** Model values of images [start, start + count), as [count * 784]; float input is not yet checked (see `verify`). */
  chunk(start: number, count: number): Float32Array;
  /**
   * Throws a RangeError naming the first non-finite value of images [start, start + count). Float32Array
   * input is checked only here, so a runtime that checks the sum of its input (see input-sum.ts) can
   * skip it; every other kind of input is checked when converted, and this does nothing.
   */
  verify(start: number, count: number): void;
}

/** How pixels become model values: bytes times `pixelScale` give [0, 1] pixels, then `(x - mean) / std` when normalized. */
export interface PixelTransform {
  pixelScale: number;
  normalization?: Normalization;
}

/**
 * Validates an image batch and returns it as the model's float values, chunk by chunk (raw bytes are
 * converted per chunk, so a 60000-image byte array never becomes one 188 MB float array). Float input
 * is [0, 1] pixels; the model's normalization is applied to it as to bytes.
 * @example toModelInput(bytes, { pixelScale: 1 / 255, normalization: { mean: 0.1307, std: 0.3081 } }).chunk(0, 1)
 */
export function toModelInput(images: ImageBatch, transform: PixelTransform): ModelInput {
  // y = x * scale + offset, for bytes (x in 0..255) and for [0, 1] floats.
  const norm = transform.normalization;
  const byteScale = norm ? transform.pixelScale / norm.std : transform.pixelScale;
  const floatScale = norm ? 1 / norm.std : 1;
  const offset = norm ? -norm.mean / norm.std : 0;
  const floats = (values: Float32Array): ModelInput => {
    const n = values.length / IMAGE_PIXELS;
    if (!norm) {
      return { n, chunk: (start, count) => (start === 0 && count === n ? values : values.subarray(start * IMAGE_PIXELS, (start + count) * IMAGE_PIXELS)), verify: checked };
    }
    return { n, chunk: (start, count) => affine(values, start * IMAGE_PIXELS, count * IMAGE_PIXELS, floatScale, offset), verify: checked };
  };
  if (images instanceof Float32Array) {
    imageCount(images.length, 'images');
    return {
      ...floats(images),
      verify: (start, count) => checkFinite(images.subarray(start * IMAGE_PIXELS, (start + count) * IMAGE_PIXELS), 'images', undefined, start * IMAGE_PIXELS),
    };
  }
  if (images instanceof Uint8Array || images instanceof Uint8ClampedArray) {
    const n = imageCount(images.length, 'images');
    return { n, chunk: (start, count) => affine(images, start * IMAGE_PIXELS, count * IMAGE_PIXELS, byteScale, offset), verify: checked };
  }
  if (!Array.isArray(images)) {
    throw new TypeError('images must be a Float32Array, a Uint8Array, a number[] or an array of per-image arrays');
  }
  if (images.length > 0 && typeof images[0] !== 'number') {
    // Per-image arrays are gathered once into model values, so chunks are views.
    const flat = perImagePixels(images as ReadonlyArray<unknown>, transform.pixelScale);
    const values = norm ? affine(flat, 0, flat.length, floatScale, offset) : flat;
    return { n: images.length, chunk: (start, count) => values.subarray(start * IMAGE_PIXELS, (start + count) * IMAGE_PIXELS), verify: checked };
  }
  checkNumbers(images as ReadonlyArray<unknown>, 'images');
  const flat = Float32Array.from(images as readonly number[]);
  imageCount(flat.length, 'images');
  checkFinite(flat, 'images', images as readonly number[]);
  return floats(flat);
}

// The verify of input checked when it was converted (bytes are always finite).
function checked(): void {}

// [0, 1] pixels of per-image arrays, each checked on its own so errors name the image.
function perImagePixels(images: ReadonlyArray<unknown>, pixelScale: number): Float32Array {
  const n = images.length;
  const flat = new Float32Array(n * IMAGE_PIXELS);
  for (let i = 0; i < n; i++) {
    const image = images[i];
    const name = `images[${i}]`;
    if (image instanceof Uint8Array || image instanceof Uint8ClampedArray) {
      if (image.length !== IMAGE_PIXELS) throw new RangeError(`${name} has ${image.length} values, expected ${IMAGE_PIXELS} (28x28 pixels)`);
      flat.set(affine(image, 0, IMAGE_PIXELS, pixelScale, 0), i * IMAGE_PIXELS);
    } else if (image instanceof Float32Array || Array.isArray(image)) {
      if (image.length !== IMAGE_PIXELS) throw new RangeError(`${name} has ${image.length} values, expected ${IMAGE_PIXELS} (28x28 pixels)`);
      if (Array.isArray(image)) checkNumbers(image, name);
      const row = flat.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS);
      row.set(image as ArrayLike<number>);
      checkFinite(row, name, image as ArrayLike<unknown>);
    } else {
      throw new TypeError(`${name} must be a Float32Array, a Uint8Array or a number[] of ${IMAGE_PIXELS} pixels`);
    }
  }
  return flat;
}

// Float32Array.from would turn '0.5' into 0.5, null and '' into 0 and true into 1: a caller's bug
// would become a confident answer. Only numbers are pixels (NaN and Infinity are checked later).
function checkNumbers(values: ReadonlyArray<unknown>, name: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number') throw new TypeError(`${name}[${i}] is ${describeValue(v)}, expected a number (a pixel)`);
  }
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v)}`;
  if (typeof v === 'bigint') return `the bigint ${v}n`;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v);
}

function imageCount(length: number, name: string): number {
  if (length % IMAGE_PIXELS !== 0) {
    throw new RangeError(`${name} has ${length} values, expected a multiple of ${IMAGE_PIXELS} (28x28 pixels per image)`);
  }
  return length / IMAGE_PIXELS;
}

// Called on every predict, so it must cost little next to inference (10000 images are 7.8M values):
// x * 0 is 0 for finite x and NaN for NaN and +-Infinity, and four independent sums let the CPU
// overlap the additions. Only when the sum is not 0 does the slow loop look for the first bad index.
function checkFinite(values: Float32Array, name: string, original?: ArrayLike<unknown>, offset = 0): void {
  const n = values.length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += values[i] * 0;
    s1 += values[i + 1] * 0;
    s2 += values[i + 2] * 0;
    s3 += values[i + 3] * 0;
  }
  for (; i < n; i++) s0 += values[i] * 0;
  if (s0 + s1 + s2 + s3 === 0) return;
  for (let j = 0; j < n; j++) {
    const v = values[j];
    if (v - v !== 0) {
      const shown = original ? String(original[j]) : String(v);
      const index = offset + j;
      throw new RangeError(`${name} has a non-finite value ${shown} at index ${index} (image ${Math.floor(index / IMAGE_PIXELS)}, pixel ${index % IMAGE_PIXELS})`);
    }
  }
}

// The one conversion loop: separate loops keep the unnormalized byte case exactly today's `b * scale`.
function affine(values: ArrayLike<number>, start: number, length: number, scale: number, offset: number): Float32Array {
  const out = new Float32Array(length);
  if (offset === 0) {
    for (let i = 0; i < length; i++) out[i] = values[start + i] * scale;
  } else {
    for (let i = 0; i < length; i++) out[i] = values[start + i] * scale + offset;
  }
  return out;
}
