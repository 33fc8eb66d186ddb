// The hidden-layer activations on tfjs tensors, each with its derivative written in terms of its own
// output y (as TensorFlow's ReluGrad/EluGrad/SeluGrad/TanhGrad/SigmoidGrad do): bare tfjs-core
// registers no gradients, and keeping only y saves the pre-activation tensor.
import * as tf from '@tensorflow/tfjs-core';
import { ACTIVATION_PARAMS, ACTIVATIONS, type Activation } from '@mnist/core';

const { leakyReluAlpha, eluAlpha, seluAlpha, seluScale } = ACTIVATION_PARAMS;

/**
 * `activation(z)`; tf.elu and tf.selu use the same constants as ACTIVATION_PARAMS (alpha 1, and
 * SELU's scale 1.0507..., scale*alpha 1.7581...).
 * @example applyActivation(tf.tensor1d([-1, 2]), 'leaky_relu') // [-0.2, 2]
 */
export function applyActivation(z: tf.Tensor, activation: Activation): tf.Tensor {
  switch (activation) {
    case 'relu':
      return tf.relu(z);
    case 'leaky_relu':
      return tf.leakyRelu(z, leakyReluAlpha);
    case 'elu':
      return tf.elu(z);
    case 'selu':
      return tf.selu(z);
    case 'tanh':
      return tf.tanh(z);
    case 'sigmoid':
      return tf.sigmoid(z);
    default:
      throw new RangeError(`activation must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(activation)}`);
  }
}

/**
 * dL/dz from dL/dy and y = activation(z). Every activation here is monotonic with f(z) > 0 exactly
 * when z > 0, so the branch taken by TF's kernels (on z or on y) is recovered from y.
 * @example activationGrad(dy, y, 'tanh') // dy * (1 - y^2)
 */
export function activationGrad(dy: tf.Tensor, y: tf.Tensor, activation: Activation): tf.Tensor {
  switch (activation) {
    case 'relu':
      return tf.mul(dy, tf.step(y));
    case 'leaky_relu':
      // step(y, alpha) is 1 where y > 0 and alpha elsewhere: exactly the slope.
      return tf.mul(dy, tf.step(y, leakyReluAlpha));
    case 'elu':
      // y > 0: 1; else y + alpha, which is below 1 for alpha <= 1.
      if (eluAlpha > 1) throw new RangeError(`eluAlpha ${eluAlpha} > 1 needs another gradient formula`);
      return tf.mul(dy, tf.minimum(tf.add(y, eluAlpha), 1));
    case 'selu':
      return tf.mul(dy, tf.where(tf.greater(y, 0), tf.fill(y.shape, seluScale), tf.add(y, seluScale * seluAlpha)));
    case 'tanh':
      return tf.mul(dy, tf.sub(1, tf.square(y)));
    case 'sigmoid':
      return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
    default:
      throw new RangeError(`activation must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(activation)}`);
  }
}
