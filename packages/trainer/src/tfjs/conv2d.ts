// A convolution layer (conv2d + bias, optional activation) on NHWC images with an HWIO kernel, its
// gradient written out: bare tfjs-core registers none, and tfjs-backend-wasm 4.22 has no
// Conv2DBackpropFilter kernel, so the kernel's gradient is itself a (dilated) conv2d, which every
// backend runs.
import * as tf from '@tensorflow/tfjs-core';
import type { Activation, ActivationSpec } from '@mnist/core';
import { activationGrad, applyActivation } from './activation.js';

/** Options of `conv2d`. */
export interface Conv2dOptions {
  /** Step of the kernel over rows and columns. */
  strides: number;
  /** TensorFlow's SAME (zeros around, extra at the bottom and right) or VALID. */
  padding: 'same' | 'valid';
  /** Activation applied to the output; null (default) for none. */
  activation?: Activation | ActivationSpec | null;
  /** Compute the gradient with respect to `x` (default true); false for a layer whose input is data. */
  inputGradient?: boolean;
}

/**
 * `activation(conv2d(x, kernel) + bias)` with x `[n, rows, cols, channels]`, kernel
 * `[k, k, channels, filters]`, and a custom gradient: dZ = dY * f'(Y); db = sum of dZ over n, rows,
 * cols; dX = a conv2d of dZ with the flipped kernel (see `inputGradient`); dW = the input (padded) convolved with dZ as the kernel
 * (see `kernelGradient`).
 * @example const h = conv2d(x, w, b, { strides: 1, padding: 'same', activation: 'relu', inputGradient: false });
 */
export function conv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D, options: Conv2dOptions): tf.Tensor4D {
  const { strides, padding } = options;
  const activation = options.activation ?? null;
  const activationName = typeof activation === 'string' ? activation : activation?.activation;
  const forward = (input: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D): tf.Tensor4D => {
    // As dense: the fused kernel adds the bias and applies ReLU in the same pass.
    if (activation === null || activationName === 'relu') {
      return tf.fused.conv2d({ x: input, filter: w, strides, pad: padding, bias: b, activation: activation === null ? 'linear' : 'relu' });
    }
    return tf.tidy(() => applyActivation(tf.fused.conv2d({ x: input, filter: w, strides, pad: padding, bias: b }), activation)) as tf.Tensor4D;
  };
  const preActivationGrad = (dy: tf.Tensor4D, y: tf.Tensor4D): tf.Tensor4D =>
    activation === null ? dy : (activationGrad(dy, y, activation) as tf.Tensor4D);
  const weightGrads = (xs: tf.Tensor4D, w: tf.Tensor4D, dz: tf.Tensor4D): [tf.Tensor4D, tf.Tensor1D] => [
    kernelGradient(xs, dz, w.shape[0], strides, padding),
    tf.sum(dz, [0, 1, 2]),
  ];

  if (options.inputGradient === false) {
    const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [w, b, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.GradSaveFunc];
      const y = forward(x, w, b);
      save([w, y]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => weightGrads(x, saved[0] as tf.Tensor4D, preActivationGrad(dy as tf.Tensor4D, saved[1] as tf.Tensor4D)),
      };
    });
    return op(kernel, bias);
  }
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, w, b, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.GradSaveFunc];
    const y = forward(input, w, b);
    save([input, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved as tf.Tensor4D[];
        const dz = preActivationGrad(dy as tf.Tensor4D, ys);
        return [inputGradient(dz, ws, xs.shape, strides, padding), ...weightGrads(xs, ws, dz)];
      },
    };
  });
  return op(x, kernel, bias);
}

/**
 * dL/dx `[n, rows, cols, channels]` of a conv2d from dL/doutput dz `[n, outRows, outCols, filters]`:
 * dz with strides - 1 zeros between its rows and columns, padded by k - 1 minus the forward pads,
 * convolved (VALID, stride 1) with the kernel flipped in space and its channels swapped. The same sums
 * as tf.conv2dTranspose, whose tfjs-backend-wasm 4.22 kernel is a plain loop several times slower
 * than conv2d (XNNPACK).
 * @example inputGradient(dz, w, [50, 12, 12, 16], 1, 'valid') // [50, 12, 12, 16]
 */
export function inputGradient(dz: tf.Tensor4D, kernel: tf.Tensor4D, xShape: [number, number, number, number], strides: number, padding: 'same' | 'valid'): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, rows, cols] = xShape;
    const [k] = kernel.shape;
    const [, outRows, outCols, filters] = dz.shape;
    const s = strides;
    let spread: tf.Tensor4D = dz;
    if (s > 1) {
      // Zeros after each column, then after each row (a stack on a new axis read as interleaving), cut after the last value.
      const zerosAfter = (t: tf.Tensor4D, axis: 2 | 3): tf.Tensor => tf.stack([t, ...Array.from({ length: s - 1 }, () => tf.zerosLike(t))], axis);
      const wide = tf.reshape<tf.Rank.R4>(zerosAfter(dz, 3), [n, outRows, outCols * s, filters]);
      const tall = tf.reshape<tf.Rank.R4>(zerosAfter(wide, 2), [n, outRows * s, outCols * s, filters]);
      spread = tf.slice(tall, [0, 0, 0, 0], [n, (outRows - 1) * s + 1, (outCols - 1) * s + 1, filters]);
    }
    // Only the leading pads matter: the trailing ones follow from the input's size.
    const [top] = convPads(rows, outRows, k, s, padding);
    const [left] = convPads(cols, outCols, k, s, padding);
    const padded = tf.pad(spread, [
      [0, 0],
      [k - 1 - top, rows + top - (outRows - 1) * s - 1],
      [k - 1 - left, cols + left - (outCols - 1) * s - 1],
      [0, 0],
    ]);
    const flipped = tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]);
    return tf.conv2d(padded, flipped, 1, 'valid');
  });
}

/** TensorFlow's pads [before, after] along one axis of `size` with `out` outputs. */
function convPads(size: number, out: number, k: number, strides: number, padding: 'same' | 'valid'): [number, number] {
  if (padding === 'valid') return [0, 0];
  const total = Math.max((out - 1) * strides + k - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * dL/dkernel `[k, k, channels, filters]` of a conv2d from its input x `[n, rows, cols, channels]` and
 * dL/doutput dz `[n, outRows, outCols, filters]`: dW[p, q, c, f] = sum over n, i, j of
 * xPadded[n, i*s + p, j*s + q, c] * dz[n, i, j, f], which is a VALID conv2d of xPadded read as
 * `[channels, rows, cols, n]` with dz read as the kernel `[outRows, outCols, n, filters]`, dilated by
 * the strides; its output can run past k where the stride skipped the last rows, and is cut to k.
 * @example kernelGradient(x, dz, 5, 1, 'valid') // [5, 5, channels, filters]
 */
export function kernelGradient(x: tf.Tensor4D, dz: tf.Tensor4D, k: number, strides: number, padding: 'same' | 'valid'): tf.Tensor4D {
  return tf.tidy(() => {
    const [, rows, cols, channels] = x.shape;
    const [, outRows, outCols, filters] = dz.shape;
    const padded = padding === 'valid' ? x : tf.pad(x, [[0, 0], convPads(rows, outRows, k, strides, padding), convPads(cols, outCols, k, strides, padding), [0, 0]]);
    const asBatch = tf.transpose(padded, [3, 1, 2, 0]);
    const asKernel = tf.transpose(dz, [1, 2, 0, 3]);
    const full = tf.conv2d(asBatch, asKernel, 1, 'valid', 'NHWC', strides);
    const cut = full.shape[1] === k && full.shape[2] === k ? full : tf.slice(full, [0, 0, 0, 0], [channels, k, k, filters]);
    return tf.transpose(cut, [1, 2, 0, 3]);
  });
}
