// Inverted dropout with a mask given from outside (drawn by `dropoutMasks` in plain JS, so every
// engine drops the same units), with its gradient written out: bare tfjs-core has none for Mul.
import * as tf from '@tensorflow/tfjs-core';

/**
 * `h * mask / keepProbability`, and for the gradient `dy * mask / keepProbability`. `mask` is a
 * float32 tensor of 1 (keep) and 0 (drop) shaped like `h`.
 * @example const dropped = dropout(hidden1, tf.tensor2d(maskValues, [50, 300]), 0.5);
 */
export function dropout(h: tf.Tensor2D, mask: tf.Tensor2D, keepProbability: number): tf.Tensor2D {
  if (!(keepProbability > 0 && keepProbability <= 1)) {
    throw new RangeError(`keepProbability must be in (0, 1], got ${keepProbability}`);
  }
  if (h.shape[0] !== mask.shape[0] || h.shape[1] !== mask.shape[1]) {
    throw new RangeError(`mask has shape [${mask.shape}], the layer output has [${h.shape}]`);
  }
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = args[0] as tf.Tensor2D;
    return {
      value: tf.div<tf.Tensor2D>(tf.mul(input, mask), keepProbability),
      gradFunc: (dy: tf.Tensor) => [tf.div(tf.mul(dy, mask), keepProbability)],
    };
  });
  return op(h) as tf.Tensor2D;
}
