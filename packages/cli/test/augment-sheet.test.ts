// `--augment`'s images for a person to look at, and checked on real digits: the first 10 MNIST training
// digits and 8 draws of each (core's augmentImages with DEFAULT_AUGMENT) as a contact sheet in
// test-artifacts/augment.png; every draw moves pixels yet keeps the digit's ink within reason.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { augmentImages, decodeIdx, DEFAULT_AUGMENT } from '@mnist/core';
import { ensureMnist } from '@mnist/trainer/internal';
import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { cliDir } from './mnist-bin.fixture.js';

const R = 28;
const C = 28;

describe('augment.png', () => {
  it('draws 8 augmentations of 10 MNIST digits that move pixels and keep the ink, and writes the sheet', async () => {
    const all = decodeIdx(readFileSync(join(await ensureMnist(), 'train-images-idx3-ubyte')), 'train-images').data as Uint8Array;
    const digits = all.slice(0, 10 * R * C);
    const draws = Array.from({ length: 8 }, (_, d) => augmentImages(digits, 10, R, C, d, DEFAULT_AUGMENT));
    const ink = (set: Uint8Array, k: number) => set.subarray(k * R * C, (k + 1) * R * C).reduce((a, b) => a + b, 0);
    for (const [d, set] of draws.entries()) {
      for (let k = 0; k < 10; k++) {
        const changed = set.subarray(k * R * C, (k + 1) * R * C).filter((v, i) => v !== digits[k * R * C + i]).length;
        expect(changed, `digit ${k}, draw ${d}`).toBeGreaterThan(20);
        expect(ink(set, k) / ink(digits, k), `digit ${k}, draw ${d}`).toBeGreaterThan(0.6);
        expect(ink(set, k) / ink(digits, k), `digit ${k}, draw ${d}`).toBeLessThan(1.5);
      }
    }
    const zoom = 3;
    const width = 9 * (C + 2) * zoom;
    const height = 10 * (R + 2) * zoom;
    const png = new pngjs.PNG({ width, height });
    png.data.fill(255);
    for (let k = 0; k < 10; k++) {
      [digits, ...draws].forEach((set, col) => {
        for (let y = 0; y < R * zoom; y++) {
          for (let x = 0; x < C * zoom; x++) {
            const v = 255 - set[k * R * C + Math.floor(y / zoom) * C + Math.floor(x / zoom)];
            const at = 4 * ((k * (R + 2) * zoom + zoom + y) * width + col * (C + 2) * zoom + zoom + x);
            png.data[at] = png.data[at + 1] = png.data[at + 2] = v;
          }
        }
      });
    }
    mkdirSync(join(cliDir, 'test-artifacts'), { recursive: true });
    writeFileSync(join(cliDir, 'test-artifacts/augment.png'), pngjs.PNG.sync.write(png));
  });
});
