// Test fixture: a checkpoint of the chapter's 784-300-100-10 shape that classifies digits without
// training, as a nearest-centroid classifier: hidden1's first ten units score x.mu_k - |mu_k|^2/2
// (largest for the closest class mean), lifted by a common bias so ReLU keeps them, and carried through
// hidden2 and the outputs; every other weight is small seeded noise, so the whole of each Gemm still
// shapes the logits. Good enough (about 4 in 5 right) to make a drawn digit's prediction meaningful,
// and built in milliseconds.
import { MNIST_PREPROCESSING, Rng, layerNames, type Checkpoint, type ModelSpec, type NamedWeight } from '@mnist/core';
import { untrainedCheckpoint } from '@mnist/export/testing';

const SPEC: ModelSpec = { inputSize: 784, hiddenUnits: [300, 100], activation: 'relu', outputSize: 10, initializer: 'truncated_normal' };
const CLASSES = 10;
// Squared distances between digits run to tens; this keeps the softmax from being all-or-nothing.
const SCORE_SCALE = 0.25;

/**
 * A centroid checkpoint from `images` (N*784 bytes) and their labels.
 * @example const checkpoint = centroidCheckpoint(train.images.subarray(0, 784 * 5000), train.labels.subarray(0, 5000), 1);
 */
export function centroidCheckpoint(images: Uint8Array, labels: Uint8Array, seed: number): Checkpoint {
  const n = labels.length;
  const sums = new Float64Array(CLASSES * 784);
  const counts = new Float64Array(CLASSES);
  for (let r = 0; r < n; r++) {
    const label = labels[r];
    counts[label]++;
    for (let i = 0; i < 784; i++) {
      const v = images[r * 784 + i] * MNIST_PREPROCESSING.pixelScale;
      sums[label * 784 + i] += v;
    }
  }
  const means = Array.from({ length: CLASSES }, (_, k) => Float64Array.from({ length: 784 }, (_, i) => sums[k * 784 + i] / counts[k]));
  const halfNorms = means.map((mean) => mean.reduce((sum, v) => sum + v * v, 0) / 2);
  const lift = Math.max(...halfNorms);
  const rng = new Rng(seed);
  const noise = (scale: number): number => (rng.float() * 2 - 1) * scale;
  const weights = new Map<string, NamedWeight>();
  for (const [index, layer] of layerNames(SPEC).entries()) {
    const kernel = Float32Array.from({ length: layer.fanIn * layer.fanOut }, () => noise(0.002));
    const bias = new Float32Array(layer.fanOut);
    for (let k = 0; k < CLASSES; k++) {
      if (index === 0) {
        for (let i = 0; i < 784; i++) kernel[i * layer.fanOut + k] = means[k][i] * SCORE_SCALE;
        bias[k] = (lift - halfNorms[k]) * SCORE_SCALE;
      } else {
        kernel[k * layer.fanOut + k] = 1;
      }
    }
    weights.set(layer.kernel, { name: layer.kernel, shape: [layer.fanIn, layer.fanOut], values: kernel });
    weights.set(layer.bias, { name: layer.bias, shape: [layer.fanOut], values: bias });
  }
  return untrainedCheckpoint(SPEC, weights, seed);
}
