// Hidden-layer activations as ONNX nodes, forward (shared by the exported, logits and training graphs)
// and backward (the training graph), with the spec's constants (its own, else ACTIVATION_PARAMS's).
import { activationParams, ACTIVATIONS, type Activation, type ActivationSpec } from '@mnist/core';
import type { GraphBuilder } from './graph-builder.js';
import { add, elu, greater, leakyRelu, mul, relu, selu, sigmoid, sub, tanh, where, type OutputName } from './ops.js';

/**
 * The node of an activation (a name, or a spec with its own constants) applied to pre-activation `z`;
 * throws RangeError for an unknown name.
 * @example const h = activationNode(g, spec, z, { name: 'dnn/hidden1/activation' });
 */
export function activationNode(g: GraphBuilder, spec: Activation | ActivationSpec, z: string, out?: OutputName): string {
  const p = activationParams(spec);
  const activation = p.activation;
  switch (activation) {
    case 'relu':
      return relu(g, z, out);
    case 'leaky_relu':
      return leakyRelu(g, z, { alpha: p.leakyReluAlpha }, out);
    case 'elu':
      return elu(g, z, { alpha: p.eluAlpha }, out);
    case 'selu':
      return selu(g, z, { alpha: p.seluAlpha, gamma: p.seluScale }, out);
    case 'tanh':
      return tanh(g, z, out);
    case 'sigmoid':
      return sigmoid(g, z, out);
    default:
      throw new RangeError(`activation must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(activation)}`);
  }
}

/** Scalar constants the backward pass reads; made once in the outer graph so a Loop body shares them. */
export interface ActivationGradConstants {
  /** For the activations with a kink at 0 (relu, leaky relu, elu, selu). */
  zero?: string;
  /** For tanh and sigmoid. */
  one?: string;
  /** The activation's own constant: leaky slope, elu alpha, or selu's scale and scale * alpha. */
  alpha?: string;
  scale?: string;
}

/**
 * Makes the scalars `activationGradient` needs for an activation (a name, or a spec with its own
 * constants) in graph `g`.
 * @example const c = activationGradConstants(g, spec);
 */
export function activationGradConstants(g: GraphBuilder, spec: Activation | ActivationSpec): ActivationGradConstants {
  const p = activationParams(spec);
  const activation = p.activation;
  // Only what the activation reads: ONNX Runtime warns about every unused initializer.
  const c: ActivationGradConstants = activation === 'tanh' || activation === 'sigmoid' ? { one: g.scalar(1, 'one') } : { zero: g.scalar(0, 'zero') };
  if (activation === 'leaky_relu') c.alpha = g.scalar(p.leakyReluAlpha, 'leaky_relu_alpha');
  if (activation === 'elu') c.alpha = g.scalar(p.eluAlpha, 'elu_alpha');
  if (activation === 'selu') {
    c.scale = g.scalar(p.seluScale, 'selu_scale');
    c.alpha = g.scalar(p.seluScale * p.seluAlpha, 'selu_scale_alpha');
  }
  return c;
}

/**
 * d loss / d z from d loss / d h, given the pre-activation `z` and the output `h`, in the forms of
 * TensorFlow's gradient kernels: relu passes where h > 0; leaky relu scales by alpha where z <= 0; elu
 * by h + alpha; selu by scale, or h + scale * alpha; tanh by 1 - h²; sigmoid by h (1 - h).
 * @example const dz = activationGradient(g, 'tanh', c, z, h, dh);
 */
export function activationGradient(g: GraphBuilder, spec: Activation | ActivationSpec, c: ActivationGradConstants, z: string, h: string, dh: string): string {
  const activation = typeof spec === 'string' ? spec : spec.activation;
  const need = (value: string | undefined): string => {
    if (value === undefined) throw new RangeError(`activation constants were made for another activation than ${activation}`);
    return value;
  };
  switch (activation) {
    case 'relu':
      return where(g, greater(g, h, need(c.zero)), dh, need(c.zero));
    case 'leaky_relu':
      return where(g, greater(g, z, need(c.zero)), dh, mul(g, dh, need(c.alpha)));
    case 'elu':
      return where(g, greater(g, z, need(c.zero)), dh, mul(g, dh, add(g, h, need(c.alpha))));
    case 'selu': {
      const scaled = mul(g, dh, need(c.scale));
      return where(g, greater(g, z, need(c.zero)), scaled, mul(g, dh, add(g, h, need(c.alpha))));
    }
    case 'tanh':
      return mul(g, dh, sub(g, need(c.one), mul(g, h, h)));
    case 'sigmoid':
      return mul(g, dh, mul(g, h, sub(g, need(c.one), h)));
    default:
      throw new RangeError(`activation must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(activation)}`);
  }
}
