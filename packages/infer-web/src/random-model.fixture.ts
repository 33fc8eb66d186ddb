// Test fixture: a small random checkpoint built in memory, its ONNX export, and a pure-JS forward
// pass (float64 accumulation) as the reference the runtimes are checked against.
import {
  DIGIT_LABELS,
  MNIST_PREPROCESSING,
  layerNames,
  type Checkpoint,
  type ModelSpec,
  type NamedWeight,
} from '@mnist/core';
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

/** A checkpoint of the given hidden sizes with random weights scaled like the chapter's initializer. */
export function randomCheckpoint(hiddenUnits: number[], seed: number): Checkpoint {
  const random = seededRandom(seed);
  const spec: ModelSpec = { inputSize: 784, hiddenUnits, activation: 'relu', outputSize: 10, initializer: 'truncated_normal' };
  const weights = new Map<string, NamedWeight>();
  for (const layer of layerNames(spec)) {
    const scale = 2 / Math.sqrt(layer.fanIn);
    const kernel = Float32Array.from({ length: layer.fanIn * layer.fanOut }, () => (random() * 2 - 1) * scale * 1.7);
    const bias = Float32Array.from({ length: layer.fanOut }, () => (random() * 2 - 1) * 0.1);
    weights.set(layer.kernel, { name: layer.kernel, shape: [layer.fanIn, layer.fanOut], values: kernel });
    weights.set(layer.bias, { name: layer.bias, shape: [layer.fanOut], values: bias });
  }
  return {
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
}

/** The exported .onnx bytes of a random checkpoint, with test accuracy metadata. */
export function randomOnnxModel(hiddenUnits: number[] = [16, 8], seed = 7): { checkpoint: Checkpoint; bytes: Uint8Array } {
  const checkpoint = randomCheckpoint(hiddenUnits, seed);
  return { checkpoint, bytes: exportOnnx(checkpoint, { source: 'random-fixture', testAccuracy: 0.5 }) };
}

/** Logits of N scaled images through the checkpoint's dense layers. */
export function referenceLogits(checkpoint: Checkpoint, x: Float32Array): Float32Array {
  const layers = layerNames(checkpoint.modelJson.modelSpec);
  let activations = Float64Array.from(x);
  let width = 784;
  const n = x.length / 784;
  for (const layer of layers) {
    const kernel = checkpoint.weights.get(layer.kernel)!.values;
    const bias = checkpoint.weights.get(layer.bias)!.values;
    const next = new Float64Array(n * layer.fanOut);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < layer.fanOut; j++) {
        let sum = bias[j];
        for (let i = 0; i < width; i++) sum += activations[r * width + i] * kernel[i * layer.fanOut + j];
        next[r * layer.fanOut + j] = layer.isOutput ? sum : Math.max(0, sum);
      }
    }
    activations = next;
    width = layer.fanOut;
  }
  return Float32Array.from(activations);
}

/** N random raw images: mostly black with bright strokes, like digits. */
export function randomImages(n: number, seed: number): Uint8Array {
  const random = seededRandom(seed);
  return Uint8Array.from({ length: n * 784 }, () => (random() < 0.8 ? 0 : Math.floor(random() * 256)));
}

/** Bytes scaled as the model's metadata says (1/255). */
export function scaled(bytes: Uint8Array): Float32Array {
  return Float32Array.from(bytes, (b) => b * MNIST_PREPROCESSING.pixelScale);
}

/** Index of the largest value per row of 10. */
export function argmaxRows10(values: Float32Array): number[] {
  const out: number[] = [];
  for (let r = 0; r < values.length / 10; r++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (values[r * 10 + c] > values[r * 10 + best]) best = c;
    out.push(best);
  }
  return out;
}
