// MNIST-style preprocessing of a drawn or photographed digit (RGBA pixels, as ImageData holds them):
// the steps by which the original MNIST images were made, so a canvas drawing looks like test data.

/** Anything shaped like the DOM's ImageData: RGBA bytes, row-major. */
export interface ImageDataLike {
  readonly data: Uint8ClampedArray | Uint8Array;
  readonly width: number;
  readonly height: number;
}

export interface DigitImageOptions {
  /** 'uint8' (default): bytes 0-255; 'float32': values in [0, 1]. */
  output?: 'uint8' | 'float32';
}

/** Side of the MNIST field. */
export const MNIST_SIZE = 28;
/** Side of the box the digit's longer side is scaled to, as in the original MNIST. */
export const MNIST_DIGIT_BOX = 20;

// Ink fainter than this fraction of the darkest stroke does not extend the bounding box: it keeps
// anti-aliasing haze and paper texture from inflating the crop.
const BOX_INK_FRACTION = 0.1;
// Below this peak ink (0-255) the image is treated as blank.
const MIN_PEAK_INK = 16;

/**
 * Turns an RGBA image of one digit into a 28x28 MNIST-style image: grayscale (transparent pixels
 * composited onto the background the strokes contrast with), inverted if dark-on-light so the digit is
 * bright on black, cropped to the ink, the longer side scaled to 20 px by area averaging (aspect kept),
 * and pasted into 28x28 so that its center of mass sits at the center, as LeCun et al. made MNIST.
 * Throws an Error when the image has no ink.
 * @example const pixels = preprocessDigitImage(ctx.getImageData(0, 0, 280, 280)); // Uint8Array(784)
 */
export function preprocessDigitImage(image: ImageDataLike, options?: { output?: 'uint8' }): Uint8Array;
export function preprocessDigitImage(image: ImageDataLike, options: { output: 'float32' }): Float32Array;
export function preprocessDigitImage(image: ImageDataLike, options: DigitImageOptions = {}): Uint8Array | Float32Array {
  const { width, height } = checkImage(image);
  const ink = inkLevels(image);
  const box = inkBoundingBox(ink, width, height);
  const scale = MNIST_DIGIT_BOX / Math.max(box.width, box.height);
  const w = Math.max(1, Math.round(box.width * scale));
  const h = Math.max(1, Math.round(box.height * scale));
  const digit = resizeArea(ink, width, box, w, h);
  const field = centerByMass(digit, w, h);
  if (options.output === 'float32') {
    const out = new Float32Array(field.length);
    for (let i = 0; i < field.length; i++) out[i] = Math.min(1, Math.max(0, field[i] / 255));
    return out;
  }
  if (options.output !== undefined && options.output !== 'uint8') {
    throw new RangeError(`options.output must be 'uint8' or 'float32', got ${JSON.stringify(options.output)}`);
  }
  const out = new Uint8Array(field.length);
  for (let i = 0; i < field.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(field[i])));
  return out;
}

function checkImage(image: ImageDataLike): { width: number; height: number } {
  if (typeof image !== 'object' || image === null || !(image.data instanceof Uint8ClampedArray || image.data instanceof Uint8Array)) {
    throw new TypeError('image must be ImageData-like: {data: Uint8ClampedArray of RGBA bytes, width, height}');
  }
  const { width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image has size ${width}x${height}, expected positive integer width and height`);
  }
  if (image.data.length !== width * height * 4) {
    throw new RangeError(`image.data has ${image.data.length} bytes, expected ${width * height * 4} (${width}x${height} RGBA)`);
  }
  return { width, height };
}

// Ink per pixel in [0, 255], bright digit on black: luminance, composited onto the background that
// contrasts with the strokes, inverted when the background is light, background level subtracted.
function inkLevels(image: ImageDataLike): Float32Array {
  const { data, width, height } = image;
  const n = width * height;
  // Opaque pixels' mean luminance says whether strokes on a transparent canvas are dark or light.
  let opaqueSum = 0;
  let opaqueCount = 0;
  let transparent = 0;
  for (let i = 0; i < n; i++) {
    const a = data[i * 4 + 3];
    if (a < 255) transparent++;
    if (a >= 128) {
      opaqueSum += luminance(data, i);
      opaqueCount++;
    }
  }
  const backdrop = opaqueCount > 0 && opaqueSum / opaqueCount < 128 ? 255 : 0;
  const gray = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const alpha = transparent > 0 ? data[i * 4 + 3] / 255 : 1;
    gray[i] = alpha * luminance(data, i) + (1 - alpha) * backdrop;
  }
  const background = median(borderValues(gray, width, height));
  const invert = background >= 128;
  const bgInk = invert ? 255 - background : background;
  const range = 255 - bgInk;
  // The ink overwrites the gray levels in place: a 4096x4096 photo needs one 64 MB field, not two.
  const ink = gray;
  if (range <= 0) return ink.fill(0);
  for (let i = 0; i < n; i++) {
    const v = invert ? 255 - gray[i] : gray[i];
    ink[i] = v <= bgInk ? 0 : ((v - bgInk) * 255) / range;
  }
  return ink;
}

function luminance(data: Uint8ClampedArray | Uint8Array, pixel: number): number {
  const o = pixel * 4;
  return 0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2];
}

function borderValues(gray: Float32Array, width: number, height: number): number[] {
  const values: number[] = [];
  for (let x = 0; x < width; x++) values.push(gray[x], gray[(height - 1) * width + x]);
  for (let y = 1; y < height - 1; y++) values.push(gray[y * width], gray[y * width + width - 1]);
  return values;
}

function median(values: number[]): number {
  const sorted = values.sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function inkBoundingBox(ink: Float32Array, width: number, height: number): Box {
  let peak = 0;
  for (let i = 0; i < ink.length; i++) if (ink[i] > peak) peak = ink[i];
  if (peak < MIN_PEAK_INK) {
    throw new Error('image is empty: no digit found (no stroke stands out from the background)');
  }
  const threshold = peak * BOX_INK_FRACTION;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] >= threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

// Area averaging: each target pixel is the mean of the source area it covers, fractional edges
// weighted by coverage. Separable, so it is two passes of 1-D weights.
function resizeArea(ink: Float32Array, stride: number, box: Box, w: number, h: number): Float32Array {
  const xWeights = areaWeights(box.width, w);
  const yWeights = areaWeights(box.height, h);
  const rows = new Float32Array(box.height * w);
  for (let sy = 0; sy < box.height; sy++) {
    const srcRow = (box.y + sy) * stride + box.x;
    for (let tx = 0; tx < w; tx++) {
      let sum = 0;
      for (const [sx, weight] of xWeights[tx]) sum += ink[srcRow + sx] * weight;
      rows[sy * w + tx] = sum;
    }
  }
  const out = new Float32Array(w * h);
  for (let ty = 0; ty < h; ty++) {
    for (const [sy, weight] of yWeights[ty]) {
      for (let tx = 0; tx < w; tx++) out[ty * w + tx] += rows[sy * w + tx] * weight;
    }
  }
  return out;
}

// For each target cell, the source cells it overlaps and the normalized overlap.
function areaWeights(source: number, target: number): [number, number][][] {
  const step = source / target;
  const weights: [number, number][][] = [];
  for (let t = 0; t < target; t++) {
    const start = t * step;
    const end = start + step;
    const cell: [number, number][] = [];
    for (let s = Math.floor(start); s < Math.min(source, Math.ceil(end)); s++) {
      const overlap = Math.min(end, s + 1) - Math.max(start, s);
      if (overlap > 0) cell.push([s, overlap / step]);
    }
    weights.push(cell);
  }
  return weights;
}

// Pastes the w x h digit into 28x28, shifted by whole pixels so its center of mass (pixel centers at
// i + 0.5) lands nearest (14, 14); the shift is clamped so no ink falls off the field.
function centerByMass(digit: Float32Array, w: number, h: number): Float32Array {
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = digit[y * w + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const half = MNIST_SIZE / 2;
  const left = clamp(Math.round(half - mx / mass), 0, MNIST_SIZE - w);
  const top = clamp(Math.round(half - my / mass), 0, MNIST_SIZE - h);
  const field = new Float32Array(MNIST_SIZE * MNIST_SIZE);
  for (let y = 0; y < h; y++) field.set(digit.subarray(y * w, (y + 1) * w), (top + y) * MNIST_SIZE + left);
  return field;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
