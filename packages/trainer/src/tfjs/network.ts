// The logits of any spec on tfjs: the MLP's `dnn` scope, or a layered spec's `convnet`.
import type * as tf from '@tensorflow/tfjs-core';
import { isLayeredSpec, type ModelSpec } from '@mnist/core';
import { convnet } from './convnet.js';
import { dnn, type DnnDropout, type DnnVariables } from './dnn.js';

/**
 * The logits `[n, outputSize]` of `spec` for X `[n, inputSize]`: `dnn` for an MLP (with dropout when
 * masks are given), `convnet` for a layered spec (which trains without dropout).
 * @example const logits = networkLogits(X, spec, variables);
 */
export function networkLogits(X: tf.Tensor2D, spec: ModelSpec, variables: DnnVariables, dropoutMasks?: DnnDropout): tf.Tensor2D {
  if (!isLayeredSpec(spec)) return dnn(X, spec, variables, dropoutMasks);
  if (dropoutMasks) throw new RangeError('dropoutMasks: a layered modelSpec trains without dropout on tfjs');
  return convnet(X, spec, variables);
}
