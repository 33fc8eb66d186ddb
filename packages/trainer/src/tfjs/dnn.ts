// The original program's network on tfjs: `neuron_layer` and the `dnn` name scope
// (hidden1, hidden2, ..., outputs), with weights held in tf.Variables named like TensorFlow's.
import type * as tf from '@tensorflow/tfjs-core';
import { layerNames, type Activation, type ActivationSpec, type ModelSpec } from '@mnist/core';
import { dense } from './dense.js';
import { dropout } from './dropout.js';

/** The network's variables by name (`dnn/hidden1/kernel`, `dnn/hidden1/bias`, ...). */
export type DnnVariables = ReadonlyMap<string, tf.Variable>;

/**
 * The original `neuron_layer(X, n_neurons, name, activation)`: `activation(X @ W + b)` with
 * `W = <name>/kernel` `[n_inputs, n_neurons]` and `b = <name>/bias` taken from `variables` (the
 * variables are created once, from `initialWeights`, by whoever owns them). Pass
 * `inputIsData: true` when X is the network's input, so no gradient is computed for it.
 * @example const hidden1 = neuronLayer(X, 300, 'dnn/hidden1', 'relu', variables, { inputIsData: true });
 */
export function neuronLayer(
  X: tf.Tensor2D,
  nNeurons: number,
  name: string,
  activation: Activation | ActivationSpec | null,
  variables: DnnVariables,
  options: { inputIsData?: boolean } = {},
): tf.Tensor2D {
  const nInputs = X.shape[1];
  const W = lookup(variables, `${name}/kernel`, [nInputs, nNeurons]);
  const b = lookup(variables, `${name}/bias`, [nNeurons]);
  return dense(X, W as tf.Tensor2D, b as tf.Tensor1D, { activation, inputGradient: !options.inputIsData });
}

/** Training-time dropout on the hidden layers' outputs: one `[rows, units]` 0/1 mask per hidden layer. */
export interface DnnDropout {
  masks: tf.Tensor2D[];
  keepProbability: number;
}

/**
 * The `dnn` scope: every hidden layer with the spec's activation (followed by inverted dropout when
 * `dropout` is given, i.e. while training), then the `outputs` layer of logits.
 * @example const logits = dnn(X, DEFAULT_MODEL_SPEC, variables); // [batch, 10]
 */
export function dnn(X: tf.Tensor2D, spec: ModelSpec, variables: DnnVariables, dropoutMasks?: DnnDropout): tf.Tensor2D {
  let h = X;
  for (const [i, layer] of layerNames(spec).entries()) {
    h = neuronLayer(h, layer.fanOut, layer.scope, layer.isOutput ? null : spec, variables, { inputIsData: i === 0 });
    if (dropoutMasks && !layer.isOutput) h = dropout(h, dropoutMasks.masks[i], dropoutMasks.keepProbability);
  }
  return h;
}

function lookup(variables: DnnVariables, name: string, shape: number[]): tf.Variable {
  const v = variables.get(name);
  if (!v) throw new RangeError(`variables has no ${name}`);
  if (v.shape.length !== shape.length || v.shape.some((d, i) => d !== shape[i])) {
    throw new RangeError(`${name} has shape [${v.shape}], the layer needs [${shape}]`);
  }
  return v;
}
