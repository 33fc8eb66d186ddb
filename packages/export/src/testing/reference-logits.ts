// Test support: a checkpoint's logits by the float64 reference (reference-mlp.ts), for the runtimes'
// tests (onnxruntime-node, onnxruntime-web, the exported model) to check their outputs against.
import { argmaxRows, type Checkpoint } from '@mnist/core';
import { referenceForward } from './reference-mlp.js';

/**
 * Logits (N*10) of N scaled images (N*784) through the checkpoint's dense layers and its activation,
 * accumulated in float64 and rounded to float32 once at the end.
 * @example const expected = referenceLogits(checkpoint, scaled(randomImages(8, 11)));
 */
export function referenceLogits(checkpoint: Checkpoint, x: Float32Array): Float32Array {
  return Float32Array.from(referenceForward(checkpoint.modelJson.modelSpec, checkpoint.weights, x, 1));
}

/**
 * Index of the largest value per row of 10 (the first on ties, as ArgMax does), as a plain array
 * because the infer tests compare it with `toEqual` against number[] and Int32Array.from of it.
 * @example argmaxRows10(referenceLogits(checkpoint, x)); // [3, 7, ...]
 */
export function argmaxRows10(values: Float32Array): number[] {
  return Array.from(argmaxRows(values, 10));
}
