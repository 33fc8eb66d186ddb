// The inference forward pass of a layered checkpoint (what `mnist eval --checkpoint` and `predict
// --checkpoint` run): through the checkpoint's bytes, its logits are the training engine's, bit for bit.
import { tinyConvnetSpec } from '@mnist/export/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, newCheckpoint, Rng, type TrainingState } from '@mnist/core';
import { forwardPassEngine } from './forward-pass.js';
import { initialWeights } from './initializers.js';
import { restoreClassifier } from './restore.js';
import { TfjsEngine } from './tfjs/tfjs-engine.js';

const SPEC = tinyConvnetSpec();

const TRAINING: TrainingState = {
  epoch: 1,
  step: 2,
  epochs: 1,
  batchSize: 4,
  seed: 1,
  validationSize: 0,
  engine: 'tfjs',
  backend: 'wasm',
  optimizer: { name: 'adam', learningRate: 0.01, params: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } },
  history: [],
};

let engine: TfjsEngine | undefined;
afterEach(() => {
  engine?.dispose();
  engine = undefined;
});

describe('forwardPassEngine on a layered spec', () => {
  it("gives the trained engine's logits from the checkpoint's bytes, restoreClassifier too", async () => {
    const rng = new Rng(3);
    const images = Uint8Array.from({ length: 12 * 64 }, () => rng.int(256));
    const labels = Uint8Array.from({ length: 12 }, () => rng.int(3));
    engine = await TfjsEngine.create({ spec: SPEC, optimizer: { name: 'adam', learningRate: 0.01 }, backend: 'wasm' });
    await engine.loadWeights(initialWeights(SPEC, 4));
    await engine.runEpoch({ images, labels, batches: [Int32Array.of(0, 1, 2, 3), Int32Array.of(4, 5, 6, 7)], pixelScale: 1 / 255 });
    const expected = await engine.predictLogits(images, 12, 1 / 255);
    const { modelJson, weightsBin } = encodeCheckpoint(newCheckpoint(SPEC, ['a', 'b', 'c'], TRAINING, await engine.readWeights()));
    engine.dispose();
    engine = undefined;
    const checkpoint = decodeCheckpoint(modelJson, weightsBin);
    expect(checkpoint.weights.get('cnn/conv2/kernel')!.shape).toEqual([4, 3, 2, 2]);

    engine = await forwardPassEngine(SPEC, checkpoint.weights, 'wasm');
    expect(Array.from(await engine.predictLogits(images, 12, 1 / 255))).toEqual(Array.from(expected));
    engine.dispose();
    engine = undefined;

    const restored = await restoreClassifier(checkpoint, { backend: 'wasm' });
    try {
      expect(Array.from(await restored.predictLogits(images, 12))).toEqual(Array.from(expected));
      expect((await restored.predictClasses(images, 12)).length).toBe(12);
    } finally {
      restored.dispose();
    }
  });
});
