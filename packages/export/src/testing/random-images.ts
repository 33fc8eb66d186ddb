// Test support: seeded digit-like images (mostly black, some bright strokes) in the forms the SDK
// takes them: raw bytes, scaled floats, and JSON rows.
import { MNIST_PREPROCESSING, scaleImages } from '@mnist/core';
import { seededRandom } from './random-model.js';

/**
 * N random raw 28x28 images (N*784 bytes): about 4 in 5 pixels black, the rest any brightness.
 * @example const raw = randomImages(64, 11);
 */
export function randomImages(n: number, seed: number): Uint8Array {
  const random = seededRandom(seed);
  return Uint8Array.from({ length: n * 784 }, () => (random() < 0.8 ? 0 : Math.floor(random() * 256)));
}

/**
 * N random images as rows of 784 numbers in [0, 1] (byte/255), as a JSON request body carries them.
 * @example const body = { images: randomImageRows(4, 3) };
 */
export function randomImageRows(n: number, seed: number): number[][] {
  const raw = randomImages(n, seed);
  return Array.from({ length: n }, (_, r) => Array.from(raw.subarray(r * 784, (r + 1) * 784), (b) => b / 255));
}

/**
 * Bytes scaled as the model's metadata says (pixelScale, 1/255).
 * @example const x = scaled(randomImages(64, 11));
 */
export function scaled(bytes: Uint8Array): Float32Array {
  return scaleImages(bytes, MNIST_PREPROCESSING.pixelScale);
}
