// Test support: small seeded checkpoints and their ONNX exports, built in memory in milliseconds, so
// runtimes, servers and pages are tested on real models of any shape without training one.
import {
  CHECKPOINT_FORMAT,
  DIGIT_LABELS,
  MNIST_PREPROCESSING,
  layerNames,
  type Checkpoint,
  type ModelSpec,
  type NamedWeight,
} from '@mnist/core';
import { exportOnnx } from '../export-onnx.js';

/**
 * Deterministic uniform numbers in [0, 1) (mulberry32): the same seed gives the same stream everywhere.
 * @example const random = seededRandom(7); const u = random(); // 0 <= u < 1
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A checkpoint holding `weights` for `spec` with an empty training record (epoch 0, no history), for
 * models whose weights a test builds itself.
 * @example const checkpoint = untrainedCheckpoint(spec, weights, 1);
 */
export function untrainedCheckpoint(spec: ModelSpec, weights: Map<string, NamedWeight>, seed: number): Checkpoint {
  return {
    modelJson: {
      format: CHECKPOINT_FORMAT,
      formatVersion: 1,
      modelSpec: spec,
      preprocessing: { ...MNIST_PREPROCESSING },
      labels: [...DIGIT_LABELS],
      training: {
        epoch: 0, step: 0, epochs: 0, batchSize: 50, seed, validationSize: 5000, engine: 'none', backend: 'none',
        optimizer: { name: 'sgd', learningRate: 0.01 }, history: [],
      },
      weightsManifest: [],
    },
    weights,
  };
}

/**
 * A 784-...-10 checkpoint with the given hidden sizes and seeded random weights, scaled a little wider
 * than the chapter's initializer so the logits (and so the argmax) differ clearly between images.
 * `spec` overrides the rest of the model spec (activation, initializer); with `spec.layers` (and its
 * `imageShape`) it is a layered network, kernels in their `kernelShape`.
 * @example const checkpoint = randomCheckpoint([16, 8], 7, { activation: 'elu' });
 * @example const cnn = randomCheckpoint([], 7, DEFAULT_CNN_SPEC);
 */
export function randomCheckpoint(hiddenUnits: number[], seed: number, spec: Partial<Omit<ModelSpec, 'hiddenUnits'>> = {}): Checkpoint {
  const random = seededRandom(seed);
  const modelSpec: ModelSpec = { inputSize: 784, hiddenUnits, activation: 'relu', outputSize: 10, initializer: 'truncated_normal', ...spec };
  const weights = new Map<string, NamedWeight>();
  for (const layer of layerNames(modelSpec)) {
    const scale = 2 / Math.sqrt(layer.fanIn);
    const kernel = Float32Array.from({ length: layer.kernelShape.reduce((a, b) => a * b, 1) }, () => (random() * 2 - 1) * scale * 1.7);
    const bias = Float32Array.from({ length: layer.biasShape[0] }, () => (random() * 2 - 1) * 0.1);
    weights.set(layer.kernel, { name: layer.kernel, shape: [...layer.kernelShape], values: kernel });
    weights.set(layer.bias, { name: layer.bias, shape: [...layer.biasShape], values: bias });
  }
  return untrainedCheckpoint(modelSpec, weights, seed);
}

/**
 * A random checkpoint and its exported .onnx bytes (opset 17, test accuracy metadata 0.5).
 * @example const { checkpoint, bytes } = randomOnnxModel([300, 100], 7);
 */
export function randomOnnxModel(hiddenUnits: number[] = [16, 8], seed = 7): { checkpoint: Checkpoint; bytes: Uint8Array } {
  const checkpoint = randomCheckpoint(hiddenUnits, seed);
  return { checkpoint, bytes: exportOnnx(checkpoint, { source: 'random-fixture', testAccuracy: 0.5 }) };
}
