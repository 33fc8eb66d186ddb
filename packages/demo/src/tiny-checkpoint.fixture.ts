// Test fixture: a small deterministic checkpoint (16-3-4, weights from sin), built the same in Node and
// in a page that imports this file, so a store's bytes in Chromium can be compared with Node's.
import { DIGIT_LABELS, layerNames, newCheckpoint, type Checkpoint, type ModelSpec, type NamedWeight } from '@mnist/core';

/**
 * The checkpoint of `seed` (its training.seed too).
 * @example const bytes = encodeCheckpoint(tinyCheckpoint(1), { sha256 });
 */
export function tinyCheckpoint(seed: number): Checkpoint {
  const spec: ModelSpec = { inputSize: 16, hiddenUnits: [3], activation: 'relu', outputSize: 4, initializer: 'truncated_normal' };
  const weights = new Map<string, NamedWeight>();
  for (const l of layerNames(spec)) {
    weights.set(l.kernel, { name: l.kernel, shape: [l.fanIn, l.fanOut], values: Float32Array.from({ length: l.fanIn * l.fanOut }, (_, i) => Math.sin(seed + i)) });
    weights.set(l.bias, { name: l.bias, shape: [l.fanOut], values: new Float32Array(l.fanOut).fill(seed) });
  }
  const training = { epoch: 1, step: 2, epochs: 1, batchSize: 50, seed, validationSize: 10, engine: 'onnx', backend: 'web', optimizer: { name: 'sgd', learningRate: 0.01 }, history: [] };
  return newCheckpoint(spec, DIGIT_LABELS.slice(0, 4), training, weights);
}
