// Tests of MNIST-style drawing preprocessing on synthetic RGBA images.
import { describe, expect, it } from 'vitest';
import { MNIST_SIZE, preprocessDigitImage, type ImageDataLike } from './drawing.js';

type Rgba = [number, number, number, number];

function canvas(width: number, height: number, background: Rgba): ImageDataLike & { data: Uint8ClampedArray } {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set(background, i * 4);
  return { data, width, height };
}

function fillRect(image: ImageDataLike & { data: Uint8ClampedArray }, x: number, y: number, w: number, h: number, color: Rgba): void {
  for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) image.data.set(color, (yy * image.width + xx) * 4);
}

function massCenter(pixels: ArrayLike<number>): { x: number; y: number; mass: number } {
  let mass = 0;
  let x = 0;
  let y = 0;
  for (let r = 0; r < MNIST_SIZE; r++) {
    for (let c = 0; c < MNIST_SIZE; c++) {
      const v = pixels[r * MNIST_SIZE + c];
      mass += v;
      x += v * (c + 0.5);
      y += v * (r + 0.5);
    }
  }
  return { x: x / mass, y: y / mass, mass };
}

function inkBox(pixels: ArrayLike<number>): { width: number; height: number } {
  let x0 = 99, y0 = 99, x1 = -1, y1 = -1;
  for (let r = 0; r < MNIST_SIZE; r++) {
    for (let c = 0; c < MNIST_SIZE; c++) {
      if (pixels[r * MNIST_SIZE + c] > 0) {
        x0 = Math.min(x0, c); x1 = Math.max(x1, c); y0 = Math.min(y0, r); y1 = Math.max(y1, r);
      }
    }
  }
  return { width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

const WHITE: Rgba = [255, 255, 255, 255];
const BLACK: Rgba = [0, 0, 0, 255];

describe('preprocessDigitImage', () => {
  it('centers a black "1" bar drawn off-center on white, bright on black, 20 px tall', () => {
    const image = canvas(200, 200, WHITE);
    fillRect(image, 20, 30, 12, 120, BLACK);
    const pixels = preprocessDigitImage(image);
    expect(pixels).toBeInstanceOf(Uint8Array);
    expect(pixels.length).toBe(784);
    const center = massCenter(pixels);
    expect(Math.abs(center.x - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(center.y - 14)).toBeLessThanOrEqual(0.5);
    expect(inkBox(pixels).height).toBe(20);
    expect(inkBox(pixels).width).toBe(2);
    expect(pixels[0]).toBe(0);
    expect(Math.max(...pixels)).toBe(255);
  });

  it('gives the same digit for white-on-black as for black-on-white', () => {
    const dark = canvas(100, 80, WHITE);
    fillRect(dark, 10, 10, 40, 8, BLACK);
    fillRect(dark, 42, 10, 8, 50, BLACK);
    const light = canvas(100, 80, BLACK);
    fillRect(light, 10, 10, 40, 8, WHITE);
    fillRect(light, 42, 10, 8, 50, WHITE);
    expect(preprocessDigitImage(light)).toEqual(preprocessDigitImage(dark));
  });

  it('reads strokes on a transparent canvas (alpha only, black strokes) and keeps the aspect ratio', () => {
    const image = canvas(120, 120, [0, 0, 0, 0]);
    fillRect(image, 30, 50, 60, 30, BLACK);
    const pixels = preprocessDigitImage(image);
    expect(inkBox(pixels)).toEqual({ width: 20, height: 10 });
    const center = massCenter(pixels);
    expect(Math.abs(center.x - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(center.y - 14)).toBeLessThanOrEqual(0.5);
  });

  it('averages areas when shrinking: a half-covered cell is half bright', () => {
    // A 40 px white square whose left column is mid-grey: halved, that column shares a target column.
    const image = canvas(60, 60, BLACK);
    fillRect(image, 10, 10, 40, 40, WHITE);
    fillRect(image, 10, 10, 1, 40, [128, 128, 128, 255]);
    const pixels = preprocessDigitImage(image, { output: 'float32' });
    expect(pixels).toBeInstanceOf(Float32Array);
    // The full square becomes a 20x20 block placed at rows/cols 4..23.
    expect(pixels[14 * 28 + 14]).toBeCloseTo(1, 5);
    expect(pixels[14 * 28 + 4]).toBeCloseTo((128 + 255) / 2 / 255, 2);
    expect(pixels[14 * 28 + 3]).toBe(0);
  });

  it('rejects a blank image and malformed input with clear errors', () => {
    expect(() => preprocessDigitImage(canvas(50, 50, WHITE))).toThrow(/image is empty/);
    expect(() => preprocessDigitImage(canvas(50, 50, [0, 0, 0, 0]))).toThrow(/image is empty/);
    expect(() => preprocessDigitImage({ data: new Uint8ClampedArray(10), width: 5, height: 5 })).toThrow(/image.data has 10 bytes, expected 100/);
    expect(() => preprocessDigitImage({ data: new Uint8ClampedArray(0), width: 0, height: 0 })).toThrow(RangeError);
  });
});
