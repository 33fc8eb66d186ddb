// The network's shape: the contract that the trainer, the exporter and the inference SDKs share.
import type { LayerSpec } from './network-layers.js';

/** Hidden-layer activation functions (chapter 11; their constants are in ACTIVATION_PARAMS). */
export type Activation = 'relu' | 'leaky_relu' | 'elu' | 'selu' | 'tanh' | 'sigmoid';

export const ACTIVATIONS: readonly Activation[] = Object.freeze(['relu', 'leaky_relu', 'elu', 'selu', 'tanh', 'sigmoid']);

/** Fixed constants of the activations, shared by every engine and the exporter so they agree. */
export const ACTIVATION_PARAMS = Object.freeze({
  /** tf.nn.leaky_relu's default slope. */
  leakyReluAlpha: 0.2,
  eluAlpha: 1,
  seluAlpha: 1.6732632423543772,
  seluScale: 1.0507009873554805,
});

/** The part of a spec that says how its hidden layers activate: the name and any constant of its own. */
export type ActivationSpec = Pick<ModelSpec, 'activation' | 'leakyReluAlpha' | 'eluAlpha'>;

/**
 * The constants of a spec's activation: its own `leakyReluAlpha`/`eluAlpha` where set, else
 * ACTIVATION_PARAMS's. A bare activation name takes ACTIVATION_PARAMS's. Every engine and the exporter
 * read them here, so they agree.
 * @example activationParams({ activation: 'leaky_relu', leakyReluAlpha: 0.01 }).leakyReluAlpha // 0.01
 */
export function activationParams(spec: Activation | ActivationSpec): ActivationParams {
  if (typeof spec === 'string') return { activation: spec, ...ACTIVATION_PARAMS };
  return {
    activation: spec.activation,
    ...ACTIVATION_PARAMS,
    ...(spec.leakyReluAlpha === undefined ? {} : { leakyReluAlpha: spec.leakyReluAlpha }),
    ...(spec.eluAlpha === undefined ? {} : { eluAlpha: spec.eluAlpha }),
  };
}

/** An activation with every constant resolved (see `activationParams`). */
export interface ActivationParams {
  activation: Activation;
  leakyReluAlpha: number;
  eluAlpha: number;
  seluAlpha: number;
  seluScale: number;
}

/**
 * Why a spec's own activation constant cannot be used, or undefined when it can: each must be a finite
 * number above 0 (the engines recover the branch of the derivative from the output's sign, which needs
 * a positive slope or alpha).
 * @example activationConstantProblem({ activation: 'elu', eluAlpha: -1 }) // 'eluAlpha must be a finite number > 0, got -1'
 */
export function activationConstantProblem(spec: ActivationSpec): string | undefined {
  for (const key of ['leakyReluAlpha', 'eluAlpha'] as const) {
    const value = spec[key];
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      return `${key} must be a finite number > 0, got ${JSON.stringify(value)}`;
    }
  }
  return undefined;
}

/**
 * Weight initializers. `truncated_normal` is the original program's: stddev 2/sqrt(fan_in), cut at
 * 2 stddev; `he` is variance scaling 2/fan_in (truncated normal, as tf.variance_scaling_initializer);
 * `glorot` is Glorot/Xavier uniform, limit sqrt(6/(fan_in+fan_out)).
 */
export type Initializer = 'truncated_normal' | 'he' | 'glorot';

export const INITIALIZERS: readonly Initializer[] = Object.freeze(['truncated_normal', 'he', 'glorot']);

/** The multilayer perceptron: input, hidden layers, logits. */
export interface ModelSpec {
  inputSize: number;
  /**
   * The images' rows and columns, `rows * cols === inputSize`: what the network was trained on, so an
   * exported model says what to feed it. Absent in checkpoints written before it was recorded (and in
   * a DNNClassifier's, which sees flat vectors): read it with `imageShapeOf`.
   */
  imageShape?: [number, number];
  hiddenUnits: number[];
  activation: Activation;
  /**
   * LeakyReLU's slope below 0 when it is not ACTIVATION_PARAMS's 0.2 (PyTorch's nn.LeakyReLU defaults to
   * 0.01, Keras's to 0.3): set by `mnist import`; absent in every checkpoint trained here. Read it with
   * `activationParams`.
   */
  leakyReluAlpha?: number;
  /** ELU's alpha when it is not ACTIVATION_PARAMS's 1 (as `leakyReluAlpha`). */
  eluAlpha?: number;
  outputSize: number;
  initializer: Initializer;
  /**
   * The convolutional family: the network as a list of layers on the `imageShape` image (one channel),
   * conv2d and maxPool2d, one flatten, dense layers, the last giving the logits (`networkLayers`
   * resolves it). Absent for the MLP, whose layers are `hiddenUnits` (then empty for a layered spec).
   */
  layers?: LayerSpec[];
}

/** The chapter's network: 784-300-100-10, ReLU, truncated normal. */
export const DEFAULT_MODEL_SPEC: ModelSpec = Object.freeze({
  inputSize: 784,
  imageShape: [28, 28],
  hiddenUnits: [300, 100],
  activation: 'relu',
  outputSize: 10,
  initializer: 'truncated_normal',
}) as ModelSpec;

/**
 * The convolutional network of `mnist train --model cnn`, after the TensorFlow tutorial's and PyTorch's
 * MNIST convnets sized for two cores.
 */
export const DEFAULT_CNN_SPEC: ModelSpec = Object.freeze<ModelSpec>({
  inputSize: 784,
  imageShape: [28, 28],
  hiddenUnits: [],
  activation: 'relu',
  outputSize: 10,
  initializer: 'he',
  layers: [
    { kind: 'conv2d', filters: 16, kernelSize: 5, strides: 1, padding: 'valid' },
    { kind: 'maxPool2d', poolSize: 2, strides: 2 },
    { kind: 'conv2d', filters: 32, kernelSize: 5, strides: 1, padding: 'valid' },
    { kind: 'maxPool2d', poolSize: 2, strides: 2 },
    { kind: 'flatten' },
    { kind: 'dense', units: 128 },
    { kind: 'dense', units: 10 },
  ],
});

/** The MNIST image: 28 rows of 28 pixels. */
export const MNIST_IMAGE_SHAPE: readonly [number, number] = Object.freeze<[number, number]>([28, 28]);

/**
 * True when `shape` is `[rows, cols]` of positive integers with `rows * cols === inputSize`.
 * @example isImageShape([32, 32], 1024) // true
 */
export function isImageShape(shape: unknown, inputSize: number): shape is [number, number] {
  return (
    Array.isArray(shape) &&
    shape.length === 2 &&
    shape.every((d) => Number.isInteger(d) && d > 0) &&
    shape[0] * shape[1] === inputSize
  );
}

/**
 * The image size a spec was trained on: its `imageShape`; for a spec without one (a checkpoint from
 * before it was recorded), [28, 28] when it takes 784 pixels, MNIST's; otherwise undefined: 1024
 * pixels may be 32x32 or 16x64, and a guess would mislabel the model, so callers refuse instead.
 * @example imageShapeOf({ ...DEFAULT_MODEL_SPEC, imageShape: undefined }) // [28, 28]
 */
export function imageShapeOf(spec: Pick<ModelSpec, 'inputSize' | 'imageShape'>): [number, number] | undefined {
  if (spec.imageShape !== undefined) return [spec.imageShape[0], spec.imageShape[1]];
  return spec.inputSize === MNIST_IMAGE_SHAPE[0] * MNIST_IMAGE_SHAPE[1] ? [MNIST_IMAGE_SHAPE[0], MNIST_IMAGE_SHAPE[1]] : undefined;
}

/**
 * Pixel preprocessing stored with every checkpoint and model: raw byte * pixelScale, then, when the
 * model was trained on normalized pixels (as PyTorch's MNIST examples are, mean 0.1307 and std 0.3081),
 * (x - mean) / std. Our own exports carry no mean/std.
 */
export interface Preprocessing {
  pixelScale: number;
  mean?: number;
  std?: number;
}

export const MNIST_PREPROCESSING: Preprocessing = Object.freeze({ pixelScale: 1 / 255 });

/** Class labels of MNIST digits. */
export const DIGIT_LABELS: readonly string[] = Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
