// A dense layer (X W + b, optional activation) whose gradient is written out by hand, so no matMul runs
// with a transposed operand: tfjs-backend-wasm 4.22 runs those about 15x slower than plain ones
// (about 1.2 vs 20 GFLOP/s, measured on these machines), and the stock MatMul gradient uses exactly those.
import * as tf from '@tensorflow/tfjs-core';
import type { Activation, ActivationSpec } from '@mnist/core';
import { activationGrad, applyActivation } from './activation.js';

/** Options of `dense`. */
export interface DenseOptions {
  /** Activation applied to the output (a name, or a spec with its own constants); null (default) for the logits layer. */
  activation?: Activation | ActivationSpec | null;
  /**
   * Compute the gradient with respect to `x` (default true). Pass false for the first layer, whose
   * input is data: dX = dZ W^T would be a wasted [batch, fan_out] x [fan_out, fan_in] product.
   */
  inputGradient?: boolean;
}

/**
 * `activation(x @ kernel + bias)` with a custom gradient: dZ = dY * f'(Y) (see `activationGrad`),
 * dW = transpose(X) @ dZ, dX = dZ @ transpose(W), db = sum(dZ, 0), each transpose materialized first.
 * Works under `optimizer.minimize` like any op.
 * @example const h = dense(x, w, b, { activation: 'relu', inputGradient: false });
 */
export function dense(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, options: DenseOptions = {}): tf.Tensor2D {
  const activation = options.activation ?? null;
  const activationName = typeof activation === 'string' ? activation : activation?.activation;
  const forward = (input: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D => {
    // The fused kernel adds the bias and applies ReLU in one pass over the output (XNNPACK on wasm).
    if (activation === null || activationName === 'relu') {
      return tf.fused.matMul({ a: input, b: w, bias: b, activation: activation === null ? 'linear' : 'relu' }) as tf.Tensor2D;
    }
    return tf.tidy(() => applyActivation(tf.fused.matMul({ a: input, b: w, bias: b }), activation)) as tf.Tensor2D;
  };
  const preActivationGrad = (dy: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D =>
    activation === null ? dy : (activationGrad(dy, y, activation) as tf.Tensor2D);

  if (options.inputGradient === false) {
    const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [w, b, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
      const y = forward(x, w, b);
      save([y]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const dz = preActivationGrad(dy as tf.Tensor2D, saved[0] as tf.Tensor2D);
          return [tf.matMul(tf.transpose(x), dz), tf.sum(dz, 0)];
        },
      };
    });
    return op(kernel, bias);
  }
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const y = forward(input, w, b);
    save([input, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved as tf.Tensor2D[];
        const dz = preActivationGrad(dy as tf.Tensor2D, ys);
        return [tf.matMul(dz, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dz), tf.sum(dz, 0)];
      },
    };
  });
  return op(x, kernel, bias);
}
