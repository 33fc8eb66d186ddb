// The hidden-layer activations on tfjs tensors, each with its derivative written in terms of its own
// output y (as TensorFlow's ReluGrad/EluGrad/SeluGrad/TanhGrad/SigmoidGrad do): bare tfjs-core
// registers no gradients, and keeping only y saves the pre-activation tensor.
import * as tf from '@tensorflow/tfjs-core';
import { activationParams, ACTIVATIONS, type Activation, type ActivationSpec } from '@mnist/core';

/**
 * `activation(z)` for an activation name or a spec with its own constants (see core's
 * `activationParams`); tf.elu and tf.selu use ACTIVATION_PARAMS's constants (alpha 1, and SELU's scale
 * 1.0507..., scale*alpha 1.7581...), so an ELU with another alpha is written out.
 * @example applyActivation(tf.tensor1d([-1, 2]), 'leaky_relu') // [-0.2, 2]
 */
export function applyActivation(z: tf.Tensor, spec: Activation | ActivationSpec): tf.Tensor {
  const { activation, leakyReluAlpha, eluAlpha } = activationParams(spec);
  switch (activation) {
    case 'relu':
      return tf.relu(z);
    case 'leaky_relu':
      return tf.leakyRelu(z, leakyReluAlpha);
    case 'elu':
      return eluAlpha === 1 ? tf.elu(z) : tf.tidy(() => tf.where(tf.greater(z, 0), z, tf.mul(tf.expm1(z), eluAlpha)));
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
export function activationGrad(dy: tf.Tensor, y: tf.Tensor, spec: Activation | ActivationSpec): tf.Tensor {
  const { activation, leakyReluAlpha, eluAlpha, seluAlpha, seluScale } = activationParams(spec);
  switch (activation) {
    case 'relu':
      return tf.mul(dy, tf.step(y));
    case 'leaky_relu':
      // step(y, alpha) is 1 where y > 0 and alpha elsewhere: exactly the slope.
      return tf.mul(dy, tf.step(y, leakyReluAlpha));
    case 'elu':
      // y > 0: 1; else y + alpha. With alpha 1, min(y + 1, 1) is exactly that in one op fewer than a
      // where; with any other alpha, y + alpha crosses 1 on the wrong side of y = 0.
      if (eluAlpha !== 1) return tf.mul(dy, tf.where(tf.greater(y, 0), tf.onesLike(y), tf.add(y, eluAlpha)));
      return tf.mul(dy, tf.minimum(tf.add(y, 1), 1));
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
