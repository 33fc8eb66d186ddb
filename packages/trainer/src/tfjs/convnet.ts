// A layered spec (the convolutional family) on tfjs: core's `networkLayers` walked in order, images
// NHWC, conv kernels HWIO in their variables (the engine transposes the checkpoint's OIHW).
import * as tf from '@tensorflow/tfjs-core';
import { imageShapeOf, networkLayers, type ModelSpec } from '@mnist/core';
import { conv2d } from './conv2d.js';
import { dense } from './dense.js';
import type { DnnVariables } from './dnn.js';
import { flattenNchw } from './flatten.js';
import { maxPool2d } from './max-pool.js';

/**
 * The logits `[n, outputSize]` of a layered `spec` for images X `[n, inputSize]` (row-major pixels):
 * conv2d and hidden dense layers with the spec's activation, max pooling, a channel-major flatten,
 * the last dense layer linear. Variables as the engine holds them: `cnn/conv1/kernel` HWIO, dense
 * kernels `[fan_in, units]`.
 * @example const logits = convnet(X, DEFAULT_CNN_SPEC, variables); // [batch, 10]
 */
export function convnet(X: tf.Tensor2D, spec: ModelSpec, variables: DnnVariables): tf.Tensor2D {
  const [rows, cols] = imageShapeOf(spec)!;
  let h: tf.Tensor = tf.reshape(X, [X.shape[0], rows, cols, 1]);
  // The first weighted layer reads data (or pooled data): no gradient for its input.
  let inputIsData = true;
  for (const l of networkLayers(spec)) {
    const { layer, weights } = l;
    switch (layer.kind) {
      case 'conv2d':
        h = conv2d(h as tf.Tensor4D, variable(variables, weights!.kernel), variable(variables, weights!.bias), {
          strides: layer.strides,
          padding: layer.padding,
          activation: spec,
          inputGradient: !inputIsData,
        });
        inputIsData = false;
        break;
      case 'maxPool2d':
        h = maxPool2d(h as tf.Tensor4D, layer.poolSize, layer.strides);
        break;
      case 'flatten':
        h = flattenNchw(h as tf.Tensor4D);
        break;
      case 'dense':
        h = dense(h as tf.Tensor2D, variable(variables, weights!.kernel), variable(variables, weights!.bias), {
          activation: l.activated ? spec : null,
          inputGradient: !inputIsData,
        });
        inputIsData = false;
        break;
    }
  }
  return h as tf.Tensor2D;
}

function variable<T extends tf.Tensor>(variables: DnnVariables, name: string): T {
  const v = variables.get(name);
  if (!v) throw new RangeError(`variables has no ${name}`);
  return v as unknown as T;
}
