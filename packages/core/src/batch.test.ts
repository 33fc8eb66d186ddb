import { describe, expect, it } from 'vitest';
import { gatherBatch, scaleImages } from './batch.js';

// Three 2-pixel images: [0, 255], [51, 102], [255, 0] with labels 4, 5, 6.
const images = new Uint8Array([0, 255, 51, 102, 255, 0]);
const labels = new Uint8Array([4, 5, 6]);

describe('gatherBatch', () => {
  it('gathers rows in index order and scales bytes', () => {
    const { x, y } = gatherBatch(images, labels, new Int32Array([2, 0]), 2, 1 / 255);
    expect(Array.from(y)).toEqual([6, 4]);
    expect(Array.from(x)).toEqual([1, 0, 0, 1]);
    const b = gatherBatch(images, labels, new Int32Array([1]), 2, 1 / 255);
    expect(b.x[0]).toBeCloseTo(0.2, 7);
    expect(b.x[1]).toBeCloseTo(0.4, 7);
  });

  it('reuses the buffers it is given', () => {
    const out = { x: new Float32Array(4), y: new Int32Array(2) };
    const b = gatherBatch(images, labels, new Int32Array([1, 2]), 2, 1, out);
    expect(b.x).toBe(out.x);
    expect(b.y).toBe(out.y);
    expect(Array.from(out.x)).toEqual([51, 102, 255, 0]);
    expect(() => gatherBatch(images, labels, new Int32Array([1]), 2, 1, out)).toThrow(/out must hold 1 images/);
  });

  it('refuses out-of-range indices and mismatched sizes', () => {
    expect(() => gatherBatch(images, labels, new Int32Array([3]), 2, 1)).toThrow('indices[0] = 3 is outside [0, 3)');
    expect(() => gatherBatch(images, labels, new Int32Array([0]), 3, 1)).toThrow(/images has 6 bytes/);
  });
});

describe('scaleImages', () => {
  it('scales every byte', () => {
    expect(Array.from(scaleImages(new Uint8Array([0, 255, 51]), 1 / 255))).toEqual([0, 1, Math.fround(51 / 255)]);
  });
});
