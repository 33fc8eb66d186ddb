// Test support: the network's forward pass in plain float64 JavaScript, the reference every runtime
// (onnxruntime-node, onnxruntime-web, the trainers' engines) is checked against.
import { ACTIVATION_PARAMS, argmaxRows, layerNames, type Activation, type Checkpoint } from '@mnist/core';

/** A hidden activation as tf.nn computes it, with the constants of ACTIVATION_PARAMS. */
function activate(activation: Activation, z: number): number {
  const p = ACTIVATION_PARAMS;
  switch (activation) {
    case 'relu':
      return Math.max(z, 0);
    case 'leaky_relu':
      return z > 0 ? z : p.leakyReluAlpha * z;
    case 'elu':
      return z > 0 ? z : p.eluAlpha * Math.expm1(z);
    case 'selu':
      return p.seluScale * (z > 0 ? z : p.seluAlpha * Math.expm1(z));
    case 'tanh':
      return Math.tanh(z);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-z));
  }
}

/**
 * Logits (N*10) of N scaled images (N*784) through the checkpoint's dense layers and its activation,
 * accumulated in float64 and rounded to float32 once at the end.
 * @example const expected = referenceLogits(checkpoint, scaled(randomImages(8, 11)));
 */
export function referenceLogits(checkpoint: Checkpoint, x: Float32Array): Float32Array {
  const spec = checkpoint.modelJson.modelSpec;
  let activations = Float64Array.from(x);
  let width = spec.inputSize;
  const n = x.length / width;
  for (const layer of layerNames(spec)) {
    const kernel = checkpoint.weights.get(layer.kernel)!.values;
    const bias = checkpoint.weights.get(layer.bias)!.values;
    const next = new Float64Array(n * layer.fanOut);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < layer.fanOut; j++) {
        let sum = bias[j];
        for (let i = 0; i < width; i++) sum += activations[r * width + i] * kernel[i * layer.fanOut + j];
        next[r * layer.fanOut + j] = layer.isOutput ? sum : activate(spec.activation, sum);
      }
    }
    activations = next;
    width = layer.fanOut;
  }
  return Float32Array.from(activations);
}

/**
 * Index of the largest value per row of 10 (the first on ties, as ArgMax does), as a plain array
 * because the infer tests compare it with `toEqual` against number[] and Int32Array.from of it.
 * @example argmaxRows10(referenceLogits(checkpoint, x)); // [3, 7, ...]
 */
export function argmaxRows10(values: Float32Array): number[] {
  return Array.from(argmaxRows(values, 10));
}
