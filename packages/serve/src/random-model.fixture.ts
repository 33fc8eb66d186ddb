// Test fixture: a random-weights 784-300-100-10 checkpoint built in memory and exported to ONNX, and
// digit-like images, so the server is tested on a real model of the chapter's shape without training.
import { DIGIT_LABELS, MNIST_PREPROCESSING, layerNames, type Checkpoint, type ModelSpec, type NamedWeight } from '@mnist/core';
import { exportOnnx } from '@mnist/export';

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
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

/** The .onnx bytes of a random checkpoint with the given hidden layers (default the chapter's 300, 100). */
export function randomOnnxModel(hiddenUnits: number[] = [300, 100], seed = 7): Uint8Array {
  const random = seededRandom(seed);
  const spec: ModelSpec = { inputSize: 784, hiddenUnits, activation: 'relu', outputSize: 10, initializer: 'truncated_normal' };
  const weights = new Map<string, NamedWeight>();
  for (const layer of layerNames(spec)) {
    const scale = 2 / Math.sqrt(layer.fanIn);
    weights.set(layer.kernel, {
      name: layer.kernel,
      shape: [layer.fanIn, layer.fanOut],
      values: Float32Array.from({ length: layer.fanIn * layer.fanOut }, () => (random() * 2 - 1) * scale * 1.7),
    });
    weights.set(layer.bias, { name: layer.bias, shape: [layer.fanOut], values: Float32Array.from({ length: layer.fanOut }, () => (random() * 2 - 1) * 0.1) });
  }
  const checkpoint: Checkpoint = {
    modelJson: {
      format: 'mnist-dnn-checkpoint',
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
  return exportOnnx(checkpoint, { source: 'random-fixture', testAccuracy: 0.5 });
}

/** N digit-like images as rows of 784 numbers in [0, 1]: mostly black, some bright strokes (b/255). */
export function randomImageRows(n: number, seed: number): number[][] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => Array.from({ length: 784 }, () => (random() < 0.8 ? 0 : Math.floor(random() * 256) / 255)));
}
