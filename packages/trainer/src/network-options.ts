// Checks of the network options that `train` and `DNNClassifier` share, worded once, with the
// ceilings on a network's size: checked from the options alone, before any weight is allocated.
import { ACTIVATIONS, formatBytes, INITIALIZERS, isLayeredSpec, layerNames, layersProblem, type Activation, type Initializer, type ModelSpec } from '@mnist/core';

/** Most units in one hidden layer: 65536 (the chapter's widest is 300). */
export const MAX_HIDDEN_UNITS = 65536;

/** Most hidden layers: 32 (the chapter has 2; each layer is a few graph nodes per training step). */
export const MAX_HIDDEN_LAYERS = 32;

/**
 * Most trainable parameters (weights and biases) in a network: 2^25, 128 MiB as float32. Training
 * holds several copies (gradients, optimizer slots, the engine's own), about 1 GiB at this size, and
 * the exported .onnx stays within MAX_MODEL_BYTES, so every network the trainer builds also loads.
 */
export const MAX_PARAMETERS = 2 ** 25;

/**
 * Throws RangeError, naming `argument`, unless `hiddenUnits` is a list of at most MAX_HIDDEN_LAYERS
 * positive integers, each at most MAX_HIDDEN_UNITS.
 * @example checkHiddenUnits([300, 100]);
 */
export function checkHiddenUnits(hiddenUnits: unknown, argument = 'hiddenUnits'): asserts hiddenUnits is number[] {
  if (!Array.isArray(hiddenUnits) || !hiddenUnits.every((n) => Number.isInteger(n) && n > 0)) {
    const shown = Array.isArray(hiddenUnits) && hiddenUnits.length > 8 ? `a list of ${hiddenUnits.length}` : JSON.stringify(hiddenUnits);
    throw new RangeError(`${argument} must be a list of positive integers, got ${shown}`);
  }
  if (hiddenUnits.length > MAX_HIDDEN_LAYERS) {
    throw new RangeError(`${argument} has ${hiddenUnits.length} hidden layers, more than the ${MAX_HIDDEN_LAYERS} the trainer builds`);
  }
  const wide = hiddenUnits.findIndex((n) => n > MAX_HIDDEN_UNITS);
  if (wide >= 0) {
    throw new RangeError(`${argument}[${wide}] is ${hiddenUnits[wide]} units, more than the ${MAX_HIDDEN_UNITS} a hidden layer may have`);
  }
}

/**
 * Trainable parameters of a dense network: (fan_in + 1) * fan_out summed over its layers.
 * @example parameterCount({ inputSize: 784, hiddenUnits: [300, 100], outputSize: 10 }) // 266610
 */
export function parameterCount(spec: Pick<ModelSpec, 'inputSize' | 'hiddenUnits' | 'outputSize'>): number {
  const sizes = [spec.inputSize, ...spec.hiddenUnits, spec.outputSize];
  let total = 0;
  for (let i = 1; i < sizes.length; i++) total += (sizes[i - 1] + 1) * sizes[i];
  return total;
}

/**
 * Throws RangeError unless the network `spec` describes (its hidden layers, checked as by
 * checkHiddenUnits, with its input and output sizes) has at most MAX_PARAMETERS parameters. Called
 * before weights or an engine are made, so an oversized request costs nothing.
 * @example checkNetworkSize({ inputSize: 784, hiddenUnits: [300, 100], outputSize: 10 });
 */
export function checkNetworkSize(spec: Pick<ModelSpec, 'inputSize' | 'hiddenUnits' | 'outputSize'> & Partial<ModelSpec>, argument = 'hiddenUnits'): void {
  if (isLayeredSpec(spec)) {
    const problem = layersProblem(spec);
    if (problem) throw new RangeError(`layers ${problem}`);
    // A convolution's cost is in its activations, which grow with the image, not its parameters: the
    // layer checks bound those (filters, kernel sizes); the parameters are bounded as an MLP's.
    const count = layerNames(spec as ModelSpec).reduce((sum, l) => sum + l.kernelShape.reduce((a, b) => a * b, 1) + l.biasShape[0], 0);
    if (count > MAX_PARAMETERS) throw new RangeError(`layers are ${count} parameters (${formatBytes(count * 4)} of float32), more than the ${MAX_PARAMETERS} the trainer builds`);
    return;
  }
  checkHiddenUnits(spec.hiddenUnits, argument);
  const count = parameterCount(spec);
  if (count > MAX_PARAMETERS) {
    throw new RangeError(
      `${argument} [${spec.hiddenUnits.join(', ')}] with ${spec.inputSize} inputs and ${spec.outputSize} outputs is ${count} parameters (${formatBytes(count * 4)} of float32), more than the ${MAX_PARAMETERS} (${formatBytes(MAX_PARAMETERS * 4)}) the trainer builds`,
    );
  }
}

/**
 * Throws RangeError unless `activation` is one of ACTIVATIONS.
 * @example checkActivation('relu');
 */
export function checkActivation(activation: unknown): asserts activation is Activation {
  if (!ACTIVATIONS.includes(activation as Activation)) {
    throw new RangeError(`activation must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(activation)}`);
  }
}

/**
 * Throws RangeError, naming `argument`, unless `initializer` is one of INITIALIZERS.
 * @example checkInitializer(spec.initializer, 'spec.initializer');
 */
export function checkInitializer(initializer: unknown, argument = 'initializer'): asserts initializer is Initializer {
  if (!INITIALIZERS.includes(initializer as Initializer)) {
    throw new RangeError(`${argument} must be one of ${INITIALIZERS.join(', ')}, got ${JSON.stringify(initializer)}`);
  }
}
