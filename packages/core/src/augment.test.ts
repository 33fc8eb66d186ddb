import { describe, expect, it } from 'vitest';
import {
  augmentImages,
  augmentOptionsProblem,
  DEFAULT_AUGMENT,
  gaussianHalfKernel,
  IDENTITY_AUGMENT,
  ImageWarp,
  SIMARD_AUGMENT,
  type AugmentOptions,
} from './augment.js';
import { Rng } from './rng.js';

const R = 28;
const C = 28;

/** `count` images of a few seeded strokes (a stand-in for digits: mostly zeros, some bright ink). */
function strokes(count: number, seed = 1): Uint8Array {
  const rng = new Rng(seed);
  const images = new Uint8Array(count * R * C);
  for (let k = 0; k < count; k++) {
    for (let s = 0; s < 3; s++) {
      let x = 6 + rng.int(16);
      let y = 6 + rng.int(16);
      for (let t = 0; t < 12; t++) {
        // A 2x2 pen, as thin as MNIST's thinnest strokes.
        const v = 128 + rng.int(128);
        for (const [ox, oy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) images[k * R * C + (y + oy) * C + x + ox] = v;
        x = Math.min(C - 5, Math.max(4, x + rng.int(3) - 1));
        y = Math.min(R - 5, Math.max(4, y + rng.int(3) - 1));
      }
    }
  }
  return images;
}

function blob(sigma: number): Uint8Array {
  const image = new Uint8Array(R * C);
  const c = (R - 1) / 2;
  for (let y = 0; y < R; y++) for (let x = 0; x < C; x++) image[y * C + x] = Math.round(250 * Math.exp(-((x - c) ** 2 + (y - c) ** 2) / (2 * sigma * sigma)));
  return image;
}

const sum = (a: Uint8Array): number => a.reduce((s, v) => s + v, 0);

describe('augmentImages', () => {
  const images = strokes(20);

  it('gives the same bytes for the same seed, other bytes for another seed (epoch)', () => {
    const a = augmentImages(images, 20, R, C, 7, DEFAULT_AUGMENT);
    const b = augmentImages(images, 20, R, C, 7, DEFAULT_AUGMENT, new Uint8Array(images.length));
    const other = augmentImages(images, 20, R, C, 8, DEFAULT_AUGMENT);
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(other).equals(Buffer.from(a))).toBe(false);
    expect(Buffer.from(a).equals(Buffer.from(images))).toBe(false);
    // Every image moved, not just some.
    for (let k = 0; k < 20; k++) {
      const slice = (x: Uint8Array) => Buffer.from(x.subarray(k * R * C, (k + 1) * R * C));
      expect(slice(a).equals(slice(images))).toBe(false);
      expect(slice(a).equals(slice(other))).toBe(false);
    }
  });

  it('does not depend on how the set is split into calls', () => {
    const whole = augmentImages(images, 20, R, C, 3, DEFAULT_AUGMENT);
    const out = new Uint8Array(images.length);
    augmentImages(images.subarray(0, 7 * R * C), 7, R, C, 3, DEFAULT_AUGMENT, out.subarray(0, 7 * R * C), 0);
    augmentImages(images.subarray(7 * R * C), 13, R, C, 3, DEFAULT_AUGMENT, out.subarray(7 * R * C), 7);
    expect(Buffer.from(out).equals(Buffer.from(whole))).toBe(true);
  });

  it('gives the images back exactly under the identity options', () => {
    expect(Buffer.from(augmentImages(images, 20, R, C, 5, IDENTITY_AUGMENT)).equals(Buffer.from(images))).toBe(true);
  });

  it('keeps a digit inside the frame under the defaults: ink is moved, not lost', () => {
    // The elastic field stretches and squeezes strokes locally, so single images vary more than the mean.
    const out = augmentImages(images, 20, R, C, 11, DEFAULT_AUGMENT);
    const ratios = Array.from({ length: 20 }, (_, k) => sum(out.subarray(k * R * C, (k + 1) * R * C)) / sum(images.subarray(k * R * C, (k + 1) * R * C)));
    expect(Math.min(...ratios)).toBeGreaterThan(0.4);
    expect(Math.max(...ratios)).toBeLessThan(1.8);
    expect(ratios.reduce((s, r) => s + r, 0) / 20).toBeGreaterThan(0.8);
    expect(ratios.reduce((s, r) => s + r, 0) / 20).toBeLessThan(1.2);
  });

  it('refuses bad arguments in one line', () => {
    expect(() => augmentImages(images, 21, R, C, 1, DEFAULT_AUGMENT)).toThrow(/^images has 15680 bytes, expected at least count \* rows \* cols = 16464$/);
    expect(() => augmentImages(images, 20, R, C, 1, DEFAULT_AUGMENT, new Uint8Array(10))).toThrow(RangeError);
    expect(() => augmentImages(images, 20, R, C, 1, DEFAULT_AUGMENT, images)).toThrow('out must not share memory with images');
    expect(() => augmentImages(images, 20, R, C, -1, DEFAULT_AUGMENT)).toThrow(/^seed must be an integer/);
    expect(() => augmentImages(images, 20, R, C, 1, { ...DEFAULT_AUGMENT, maxShift: -1 })).toThrow(RangeError);
    expect(() => augmentImages(images, 1.5, R, C, 1, DEFAULT_AUGMENT)).toThrow(/^count must be a non-negative integer, got 1.5$/);
  });
});

describe('augmentOptionsProblem', () => {
  it("accepts the defaults, Simard's and the identity", () => {
    expect(augmentOptionsProblem(DEFAULT_AUGMENT)).toBeUndefined();
    expect(augmentOptionsProblem(SIMARD_AUGMENT)).toBeUndefined();
    expect(augmentOptionsProblem(IDENTITY_AUGMENT)).toBeUndefined();
  });

  it.each<[Partial<AugmentOptions>, RegExp]>([
    [{ maxShift: -1 }, /^augment\.maxShift must be a finite number of pixels >= 0, got -1$/],
    [{ maxShift: Number.NaN }, /^augment\.maxShift .* got NaN$/],
    [{ maxRotation: 200 }, /^augment\.maxRotation must be a number of degrees in \[0, 180\], got 200$/],
    [{ scale: [1.2, 0.8] }, /^augment\.scale must be \[low, high\] with 0 < low <= high, got \[1\.2,0\.8\]$/],
    [{ scale: [0, 1] }, /^augment\.scale/],
    [{ scale: [1] as unknown as [number, number] }, /^augment\.scale/],
    [{ elasticAlpha: -3 }, /^augment\.elasticAlpha must be a finite number of pixels >= 0, got -3$/],
    [{ elasticSigma: 0 }, /^augment\.elasticSigma must be a finite number of pixels > 0, got 0$/],
  ])('refuses %j in one line naming the option', (change, message) => {
    const problem = augmentOptionsProblem({ ...DEFAULT_AUGMENT, ...change });
    expect(problem).toMatch(message);
    expect(problem).not.toContain('\n');
  });
});

describe('ImageWarp', () => {
  const sampled = (warp: ImageWarp, image: Uint8Array): Uint8Array => {
    const out = new Uint8Array(R * C);
    warp.sample(image, 0, out, 0);
    return out;
  };

  it('moves the image by exactly one pixel under a pure shift of 1', () => {
    const image = strokes(1, 9);
    const warp = new ImageWarp(R, C, IDENTITY_AUGMENT);
    warp.shiftX = 1;
    const right = sampled(warp, image);
    warp.shiftX = 0;
    warp.shiftY = -1;
    const up = sampled(warp, image);
    for (let y = 0; y < R; y++) {
      for (let x = 0; x < C; x++) {
        expect(right[y * C + x]).toBe(x === 0 ? 0 : image[y * C + x - 1]);
        expect(up[y * C + x]).toBe(y === R - 1 ? 0 : image[(y + 1) * C + x]);
      }
    }
  });

  it('preserves the mass of a centred symmetric blob under rotation, and its shape', () => {
    const image = blob(4);
    const warp = new ImageWarp(R, C, IDENTITY_AUGMENT);
    for (const degrees of [7, 30, 45, 90, 170]) {
      warp.rotation = (degrees * Math.PI) / 180;
      const out = sampled(warp, image);
      expect(Math.abs(sum(out) / sum(image) - 1)).toBeLessThan(0.02);
      expect(Math.max(...out.map((v, i) => Math.abs(v - image[i])))).toBeLessThanOrEqual(6);
    }
  });

  it('rotates an off-centre dot about the frame centre by the drawn angle', () => {
    const image = new Uint8Array(R * C);
    image[13 * C + 23] = 255; // right of the centre (13.5, 13.5), on row 13
    const warp = new ImageWarp(R, C, IDENTITY_AUGMENT);
    warp.rotation = Math.PI / 2; // image y points down: +90 degrees takes right to down
    const out = sampled(warp, image);
    expect(out[23 * C + 14]).toBe(255);
    expect(sum(out)).toBe(255);
  });

  it('scales about the centre: a scale of 2 doubles the distance of a dot from it', () => {
    const image = new Uint8Array(R * C);
    image[13 * C + 17] = 255; // 3.5 right of the centre column 13.5 -> 7 right, at 20.5: split over 20 and 21
    const warp = new ImageWarp(R, C, IDENTITY_AUGMENT);
    warp.scale = 2;
    const out = sampled(warp, image);
    let mx = 0;
    let mass = 0;
    for (let i = 0; i < out.length; i++) {
      mass += out[i];
      mx += out[i] * (i % C);
    }
    expect(mx / mass).toBeCloseTo(20.5, 1);
  });

  describe('elastic fields', () => {
    // Simard's recipe as written: uniform (-1, 1) noise smoothed by the separable Gaussian, zero padded.
    function simardField(rng: Rng, sigma: number, alpha: number): Float64Array {
      const k = gaussianHalfKernel(sigma, R - 1);
      const noise = Float64Array.from({ length: R * C }, () => 2 * rng.float() - 1);
      const pass = (src: Float64Array, along: 'x' | 'y'): Float64Array => {
        const out = new Float64Array(R * C);
        for (let y = 0; y < R; y++) {
          for (let x = 0; x < C; x++) {
            let s = 0;
            for (let d = -(k.length - 1); d < k.length; d++) {
              const xx = along === 'x' ? x + d : x;
              const yy = along === 'y' ? y + d : y;
              if (xx >= 0 && yy >= 0 && xx < C && yy < R) s += k[Math.abs(d)] * src[yy * C + xx];
            }
            out[y * C + x] = s;
          }
        }
        return out;
      };
      return pass(pass(noise, 'x'), 'y').map((v) => v * alpha);
    }

    /** Variance at the centre, at the edge, and the correlation of horizontal neighbours in the middle. */
    function stats(fields: Float64Array[]): { centre: number; edge: number; neighbour: number } {
      const at = (i: number) => fields.map((f) => f[i]);
      const variance = (v: number[]) => v.reduce((s, x) => s + x * x, 0) / v.length;
      let cov = 0;
      let norm = 0;
      for (const f of fields) {
        for (let y = 8; y < 20; y++) {
          for (let x = 8; x < 19; x++) {
            cov += f[y * C + x] * f[y * C + x + 1];
            norm += (f[y * C + x] ** 2 + f[y * C + x + 1] ** 2) / 2;
          }
        }
      }
      return { centre: variance(at(14 * C + 14)), edge: variance(at(14 * C)), neighbour: cov / norm };
    }

    const drawn = (sigma: number, n: number): { x: Float64Array[]; y: Float64Array[] } => {
      const warp = new ImageWarp(R, C, { ...IDENTITY_AUGMENT, elasticAlpha: 1, elasticSigma: sigma });
      const x: Float64Array[] = [];
      const y: Float64Array[] = [];
      for (let i = 0; i < n; i++) {
        warp.draw(new Rng(1000 + i));
        x.push(Float64Array.from(warp.dx));
        y.push(Float64Array.from(warp.dy));
      }
      return { x, y };
    };

    it("have Simard's variance and smoothness (neighbour correlation) at sigma 4", () => {
      const ours = drawn(4, 1500);
      const rng = new Rng(5);
      const simard = stats(Array.from({ length: 1500 }, () => simardField(rng, 4, 1)));
      for (const axis of [ours.x, ours.y]) {
        const s = stats(axis);
        expect(s.centre / simard.centre).toBeGreaterThan(0.85);
        expect(s.centre / simard.centre).toBeLessThan(1.15);
        expect(s.edge / simard.edge).toBeGreaterThan(0.8);
        expect(s.edge / simard.edge).toBeLessThan(1.2);
        // A Gaussian-smoothed white field correlates as exp(-d^2 / (4 sigma^2)): 0.984 at d = 1, sigma 4.
        expect(s.neighbour).toBeGreaterThan(0.975);
        expect(Math.abs(s.neighbour - simard.neighbour)).toBeLessThan(0.005);
      }
      // The two axes are independent.
      let cross = 0;
      for (let i = 0; i < ours.x.length; i++) cross += ours.x[i][14 * C + 14] * ours.y[i][14 * C + 14];
      expect(Math.abs(cross / ours.x.length / stats(ours.x).centre)).toBeLessThan(0.1);
    });

    it('are rougher at a smaller sigma, as the smoothing says', () => {
      const s = stats(drawn(1, 400).x);
      // exp(-1/4) = 0.78 at sigma 1 (less, for the kernel's truncation and the zero padding).
      expect(s.neighbour).toBeGreaterThan(0.65);
      expect(s.neighbour).toBeLessThan(0.85);
    });

    it('scale with alpha', () => {
      const warp = new ImageWarp(R, C, { ...IDENTITY_AUGMENT, elasticAlpha: 1, elasticSigma: 4 });
      const warp34 = new ImageWarp(R, C, { ...IDENTITY_AUGMENT, elasticAlpha: 34, elasticSigma: 4 });
      warp.draw(new Rng(3));
      warp34.draw(new Rng(3));
      for (let i = 0; i < R * C; i += 37) expect(warp34.dx[i]).toBeCloseTo(34 * warp.dx[i], 9);
    });
  });
});
