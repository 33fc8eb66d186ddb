// Test support: a tiny learnable dataset in the IDX layout, so loop tests train in milliseconds.
import { encodeIdx, Rng } from '@mnist/core';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes `<prefix>-images-idx3-ubyte` and `<prefix>-labels-idx1-ubyte` into `dir`: `count` 6x6 images
 * of dim noise with one bright pixel, labelled by the row third (0, 1, 2) it falls in.
 * @example await writeToyDataset(dir, 'train', 700, 1); await writeToyDataset(dir, 't10k', 200, 2);
 */
export async function writeToyDataset(dir: string, prefix: string, count: number, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const images = new Uint8Array(count * 36);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < 36; p++) images[i * 36 + p] = rng.int(60);
    const hot = rng.int(36);
    images[i * 36 + hot] = 255;
    labels[i] = Math.floor(hot / 12);
  }
  await writeFile(join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx({ dtype: 'uint8', shape: [count, 6, 6], data: images }));
  await writeFile(join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx({ dtype: 'uint8', shape: [count], data: labels }));
}
