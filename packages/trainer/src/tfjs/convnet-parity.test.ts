// The tfjs engine on a layered spec against export's float64 reference step (reference-convnet.ts:
// the convolution's gradients written as loops): per-step losses and every weight and slot, for every
// optimizer, with frozen layers too.
import { afterEach, describe, expect, it } from 'vitest';
import { deriveSeed, Rng, shuffleBatch } from '@mnist/core';
import { maxAbsDifference, referenceEpoch, referenceState, tinyConvnetSpec } from '@mnist/export/testing';
import { OPTIMIZER_NAMES, type OptimizerConfig } from '../engine.js';
import { initialWeights } from '../initializers.js';
import { resolveOptimizer } from '../optimizer-slots.js';
import { TfjsEngine } from './tfjs-engine.js';

const TINY = tinyConvnetSpec();
const LEARNING_RATES: Record<string, number> = { sgd: 0.1, momentum: 0.05, nesterov: 0.05, adagrad: 0.05, rmsprop: 0.005, adam: 0.005 };
const COUNT = 24;

let engine: TfjsEngine | undefined;
afterEach(() => {
  engine?.dispose();
  engine = undefined;
});

/** 12 steps of batch 4 (2 epochs of 6) on both; the largest loss gap and weight-or-slot gap. */
async function compare(backend: string, optimizer: OptimizerConfig, frozenLayers?: string[]) {
  const rng = new Rng(21);
  const images = Uint8Array.from({ length: COUNT * TINY.inputSize }, () => rng.int(256));
  const labels = Uint8Array.from({ length: COUNT }, () => rng.int(TINY.outputSize));
  engine = await TfjsEngine.create({ spec: TINY, optimizer, backend, frozenLayers });
  const weights = initialWeights(TINY, 3);
  await engine.loadWeights(weights);
  const reference = { spec: TINY, optimizer: resolveOptimizer(optimizer), frozenLayers };
  const state = referenceState(reference, weights);
  let lossGap = 0;
  for (let e = 0; e < 2; e++) {
    const batches = shuffleBatch(COUNT, COUNT / 4, new Rng(deriveSeed(9, e)));
    const data = { images, labels, batches, pixelScale: 1 / 255 };
    const expected = referenceEpoch(reference, state, data);
    const stats = await engine.runEpoch(data);
    for (let s = 0; s < batches.length; s++) lossGap = Math.max(lossGap, Math.abs(stats.losses![s] - expected[s]));
  }
  return { lossGap, weightGap: maxAbsDifference(state, await engine.readWeights()), weights: await engine.readWeights(), initial: weights };
}

describe.each(['wasm', 'cpu'])('tfjs convnet on %s: parity with the float64 reference step', (backend) => {
  for (const name of OPTIMIZER_NAMES) {
    it(`optimizer ${name}`, async () => {
      const { lossGap, weightGap } = await compare(backend, { name, learningRate: LEARNING_RATES[name] });
      expect(lossGap).toBeLessThan(1e-5);
      expect(weightGap).toBeLessThan(1e-5);
    });
  }

  it('frozen conv1 and dense1 (momentum): those weights bit-identical, the rest as the reference', async () => {
    const { lossGap, weightGap, weights, initial } = await compare(backend, { name: 'momentum', learningRate: 0.05 }, ['conv1', 'dense1']);
    expect(lossGap).toBeLessThan(1e-5);
    expect(weightGap).toBeLessThan(1e-5);
    for (const name of ['cnn/conv1/kernel', 'cnn/conv1/bias', 'cnn/dense1/kernel', 'cnn/dense1/bias']) {
      expect(Buffer.from(weights.get(name)!.values.buffer), name).toEqual(Buffer.from(initial.get(name)!.values.buffer));
    }
    expect(weights.get('cnn/conv2/kernel')!.values.some((v, i) => v !== initial.get('cnn/conv2/kernel')!.values[i])).toBe(true);
  });
});
