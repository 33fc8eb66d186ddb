// toModelInput: bytes and [0, 1] floats become the model's values, normalized when asked, with no copy
// of float input to a model without normalization; bad input named as before.
import { describe, expect, it } from 'vitest';
import { IMAGE_PIXELS, toModelInput } from './model-input.js';

const bytes = Uint8Array.from({ length: 3 * IMAGE_PIXELS }, (_, i) => (i * 31) % 256);
const floats = Float32Array.from(bytes, (b) => b / 255);
const norm = { mean: 0.1307, std: 0.3081 };

describe('toModelInput', () => {
  it('hands float input through unchanged (not copied) when the model has no normalization', () => {
    const input = toModelInput(floats, { pixelScale: 1 / 255 });
    expect(input.n).toBe(3);
    expect(input.chunk(0, 3)).toBe(floats);
    expect(input.chunk(1, 1).buffer).toBe(floats.buffer);
    expect(toModelInput(bytes, { pixelScale: 1 / 255 }).chunk(0, 3)).toEqual(Float32Array.from(bytes, (b) => b * (1 / 255)));
  });

  it('normalizes bytes, floats, number arrays and per-image arrays alike: (b * pixelScale - mean) / std', () => {
    const expected = Float64Array.from(bytes, (b) => (b / 255 - norm.mean) / norm.std);
    const before = floats.slice();
    const perImage = [0, 1, 2].map((i) => bytes.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS));
    const mixed = [perImage[0], floats.subarray(IMAGE_PIXELS, 2 * IMAGE_PIXELS), Array.from(floats.subarray(2 * IMAGE_PIXELS))];
    for (const images of [bytes, floats, Array.from(floats), perImage, mixed]) {
      const input = toModelInput(images, { pixelScale: 1 / 255, normalization: norm });
      const all = input.chunk(0, 3);
      all.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(2e-6));
      expect(input.chunk(2, 1)).toEqual(all.subarray(2 * IMAGE_PIXELS));
    }
    // The caller's floats are left alone.
    expect(floats).toEqual(before);
  });

  it('refuses bad input in one line, naming it', () => {
    const transform = { pixelScale: 1 / 255, normalization: norm };
    expect(() => toModelInput(new Uint8Array(785), transform)).toThrow('images has 785 values, expected a multiple of 784 (28x28 pixels per image)');
    // Float32Array input is checked by verify (a session that sums its input skips it).
    const floats = toModelInput(Float32Array.of(...new Array(784 + 783).fill(0), NaN), transform);
    expect(() => floats.verify(0, 1)).not.toThrow();
    expect(() => floats.verify(1, 1)).toThrow('images has a non-finite value NaN at index 1567 (image 1, pixel 783)');
    expect(() => toModelInput([new Uint8Array(3)], transform)).toThrow('images[0] has 3 values, expected 784 (28x28 pixels)');
    expect(() => toModelInput([0.5, '0.5' as unknown as number], transform)).toThrow('images[1] is the string "0.5", expected a number (a pixel)');
    expect(() => toModelInput('pixels' as never, transform)).toThrow(TypeError);
  });
});
