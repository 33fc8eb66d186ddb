// Test support: tiny learnable datasets (noise plus one bright pixel whose place is the label), in
// memory or in the IDX layout, so loop and engine tests train in milliseconds.
import { encodeIdx, Rng } from '@mnist/core';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Shape of a bright-pixel set: side x side images, `classes` labels, noise pixels below `noise`. */
export interface BrightPixelShape {
  side: number;
  classes: number;
  noise: number;
}

/**
 * `count` images of noise with one pixel at 255; the label is which of `classes` equal runs of pixels
 * (row-major) holds it. Deterministic from `seed`.
 * @example const { images, labels } = brightPixelSet(200, 1, { side: 4, classes: 4, noise: 100 });
 */
export function brightPixelSet(count: number, seed: number, shape: BrightPixelShape): { images: Uint8Array; labels: Uint8Array } {
  const pixels = shape.side * shape.side;
  const rng = new Rng(seed);
  const images = new Uint8Array(count * pixels);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < pixels; p++) images[i * pixels + p] = rng.int(shape.noise);
    const hot = rng.int(pixels);
    images[i * pixels + hot] = 255;
    labels[i] = Math.floor(hot / (pixels / shape.classes));
  }
  return { images, labels };
}

/** 4x4 images, the quarter holding the bright pixel as label: the tfjs engine tests' dataset. */
export const QUARTERS: BrightPixelShape = Object.freeze({ side: 4, classes: 4, noise: 100 });

/** 6x6 images, the row third (0, 1, 2) of the bright pixel as label: the loop tests' dataset. */
export const ROW_THIRDS: BrightPixelShape = Object.freeze({ side: 6, classes: 3, noise: 60 });

/**
 * Writes `<prefix>-images-idx3-ubyte` and `<prefix>-labels-idx1-ubyte` of a ROW_THIRDS set into `dir`.
 * @example await writeToyDataset(dir, 'train', 700, 1); await writeToyDataset(dir, 't10k', 200, 2);
 */
export async function writeToyDataset(dir: string, prefix: string, count: number, seed: number): Promise<void> {
  const { images, labels } = brightPixelSet(count, seed, ROW_THIRDS);
  const side = ROW_THIRDS.side;
  await writeFile(join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx({ dtype: 'uint8', shape: [count, side, side], data: images }));
  await writeFile(join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx({ dtype: 'uint8', shape: [count], data: labels }));
}

/**
 * A fresh scratch folder `root` (under the OS temp dir, named from `prefix`) holding `root/data`, a
 * ROW_THIRDS dataset of `train` training and `test` test images (seeds 1 and 2): what each loop test
 * file sets up before its runs. The caller removes `root`.
 * @example const { root, dataDir } = await scratchToyDataset('tune-', 500, 100);
 */
export async function scratchToyDataset(prefix: string, train: number, test: number): Promise<{ root: string; dataDir: string }> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const dataDir = join(root, 'data');
  await mkdir(dataDir);
  await writeToyDataset(dataDir, 'train', train, 1);
  await writeToyDataset(dataDir, 't10k', test, 2);
  return { root, dataDir };
}
