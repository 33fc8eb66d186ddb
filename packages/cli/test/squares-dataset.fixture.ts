// A tiny learnable IDX dataset for CLI tests: 28x28 images of a bright 4x4 square whose row (of 3) is
// the label, written under MNIST's file names.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeIdx } from '@mnist/core';

/**
 * Writes `count` square images per set into `dir` as `<set>-images/labels-idx?-ubyte` for each of
 * `sets`, the squares' columns moved by `shift` so two calls can make different test files.
 * @example writeSquaresDataset(dir, ['train', 't10k'], 300);
 */
export function writeSquaresDataset(dir: string, sets: readonly string[], count: number, shift = 0): void {
  mkdirSync(dir, { recursive: true });
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 3;
    const top = 2 + labels[i] * 9;
    const left = 2 + ((i * 7 + shift) % 20);
    for (let y = top; y < top + 4; y++) for (let x = left; x < left + 4; x++) images[i * 784 + y * 28 + x] = 255;
  }
  for (const set of sets) {
    writeFileSync(join(dir, `${set}-images-idx3-ubyte`), encodeIdx({ dtype: 'uint8', shape: [count, 28, 28], data: images }));
    writeFileSync(join(dir, `${set}-labels-idx1-ubyte`), encodeIdx({ dtype: 'uint8', shape: [count], data: labels }));
  }
}
