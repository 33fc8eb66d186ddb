// Flatten of NHWC activations in ONNX's order: ONNX Flatten and PyTorch's view read NCHW
// channel-major, so the dense kernel after a flatten means the same in every engine and checkpoint.
import * as tf from '@tensorflow/tfjs-core';

/**
 * `[n, rows, cols, channels]` to `[n, channels * rows * cols]`, channel-major (a transpose to NCHW,
 * then a reshape), with its gradient (the inverse reshape and transpose) written out.
 * @example flattenNchw(tf.zeros([2, 4, 4, 3])).shape // [2, 48]
 */
export function flattenNchw(x: tf.Tensor4D): tf.Tensor2D {
  const [n, rows, cols, channels] = x.shape;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = args[0] as tf.Tensor4D;
    return {
      value: tf.tidy(() => tf.reshape<tf.Rank.R2>(tf.transpose(input, [0, 3, 1, 2]), [n, channels * rows * cols])),
      gradFunc: (dy: tf.Tensor) => [tf.tidy(() => tf.transpose(tf.reshape(dy, [n, channels, rows, cols]), [0, 2, 3, 1]))],
    };
  });
  return op(x) as tf.Tensor2D;
}
