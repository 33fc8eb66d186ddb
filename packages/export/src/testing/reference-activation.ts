// Test support: the activations and their derivatives in float64, as tf.nn and ONNX compute them,
// for the references of the MLP and of the convolutional family.
import { activationParams, type Activation, type ActivationSpec } from '@mnist/core';

/**
 * The activation of pre-activation `z`, as tf.nn and ONNX compute it (elu: alpha * (e^z - 1) below 0),
 * with a spec's own constants where it has them, else core's ACTIVATION_PARAMS.
 * @example referenceActivation('leaky_relu', -1) // -0.2
 */
export function referenceActivation(spec: Activation | ActivationSpec, z: number): number {
  const p = activationParams(spec);
  switch (p.activation) {
    case 'relu':
      return z > 0 ? z : 0;
    case 'leaky_relu':
      return z > 0 ? z : p.leakyReluAlpha * z;
    case 'elu':
      // expm1, not exp(z) - 1: no cancellation near 0.
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
 * d activation / d z, from the pre-activation `z` and the output `out`, in the forms of TF's *Grad
 * kernels (elu: out + alpha = alpha * e^z below 0; selu: scale * alpha * e^z).
 * @example referenceActivationGradient('sigmoid', 0, 0.5) // 0.25
 */
export function referenceActivationGradient(spec: Activation | ActivationSpec, z: number, out: number): number {
  const p = activationParams(spec);
  switch (p.activation) {
    case 'relu':
      return out > 0 ? 1 : 0;
    case 'leaky_relu':
      return z > 0 ? 1 : p.leakyReluAlpha;
    case 'elu':
      return z > 0 ? 1 : out + p.eluAlpha;
    case 'selu':
      return p.seluScale * (z > 0 ? 1 : p.seluAlpha * Math.exp(z));
    case 'tanh':
      return 1 - out * out;
    case 'sigmoid':
      return out * (1 - out);
  }
}
