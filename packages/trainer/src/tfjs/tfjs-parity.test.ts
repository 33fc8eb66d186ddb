// The tfjs engine against the plain-JS reference step: per-step losses over 100 steps of a small
// network, for every activation, every optimizer (TF1 rules) and dropout on and off.
import { afterEach, describe, expect, it } from 'vitest';
import { ACTIVATIONS, deriveSeed, Rng, shuffleBatch, type Activation, type ModelSpec } from '@mnist/core';
import { dropoutMasks } from '../dropout-masks.js';
import { OPTIMIZER_NAMES, type EpochData, type OptimizerConfig } from '../engine.js';
import { initialWeights } from '../initializers.js';
import { maxAbsDifference, referenceEpoch, referenceState } from '@mnist/export/testing';
import { resolveOptimizer } from '../optimizer-slots.js';
import { TfjsEngine } from './tfjs-engine.js';
import { brightPixelSet, QUARTERS } from '../testing/toy-dataset.js';

const BASE: ModelSpec = { inputSize: 16, hiddenUnits: [12, 8], activation: 'relu', outputSize: 4, initializer: 'truncated_normal' };
const LEARNING_RATES: Record<string, number> = { sgd: 0.1, momentum: 0.05, nesterov: 0.05, adagrad: 0.05, rmsprop: 0.005, adam: 0.005 };

let engine: TfjsEngine | undefined;
afterEach(() => {
  engine?.dispose();
  engine = undefined;
});

/** Runs 100 steps (5 epochs of 20 batches) on both; returns the largest loss and weight gaps. */
async function compare(backend: string, activation: Activation, optimizer: OptimizerConfig, dropoutRate: number) {
  const spec = { ...BASE, activation };
  const { images, labels } = brightPixelSet(400, 2, QUARTERS);
  engine = await TfjsEngine.create({ spec, optimizer, dropoutRate, backend });
  const weights = initialWeights(spec, 1);
  await engine.loadWeights(weights);
  const reference = { spec, optimizer: resolveOptimizer(optimizer), dropoutRate };
  const state = referenceState(reference, weights);
  let lossGap = 0;
  for (let e = 0; e < 5; e++) {
    const batches = shuffleBatch(400, 20, new Rng(deriveSeed(7, e)));
    const data: EpochData = { images, labels, batches, pixelScale: 1 / 255 };
    if (dropoutRate > 0) data.dropoutMasks = dropoutMasks(batches.map((b) => b.length), spec.hiddenUnits, dropoutRate, new Rng(deriveSeed(7, e, 1)));
    const expected = referenceEpoch(reference, state, data);
    // One batch per call, so each call's mean loss is that step's loss (taken before its update).
    for (let s = 0; s < batches.length; s++) {
      const stats = await engine.runEpoch({ ...data, batches: [batches[s]], dropoutMasks: data.dropoutMasks && [data.dropoutMasks[s]] });
      lossGap = Math.max(lossGap, Math.abs(stats.meanLoss - expected[s]));
    }
  }
  // Same names on both sides (checked), and the largest difference of any value.
  const weightGap = maxAbsDifference(state, await engine.readWeights());
  return { lossGap, weightGap };
}

describe.each(['wasm', 'cpu'])('tfjs engine on %s: parity with the reference step (100 steps)', (backend) => {
  for (const activation of ACTIVATIONS) {
    it(`activation ${activation}, sgd, with and without dropout`, async () => {
      for (const rate of [0, 0.3]) {
        const { lossGap, weightGap } = await compare(backend, activation, { name: 'sgd', learningRate: LEARNING_RATES.sgd }, rate);
        engine!.dispose();
        expect(lossGap, `dropout ${rate}`).toBeLessThan(1e-5);
        expect(weightGap, `dropout ${rate}`).toBeLessThan(1e-5);
      }
    });
  }
  for (const name of OPTIMIZER_NAMES) {
    it(`optimizer ${name} (TF1 rules and slots), relu`, async () => {
      const { lossGap, weightGap } = await compare(backend, 'relu', { name, learningRate: LEARNING_RATES[name] }, 0);
      expect(lossGap).toBeLessThan(1e-5);
      expect(weightGap).toBeLessThan(1e-5);
    });
  }
  it('rmsprop with momentum and adam with dropout, elu', async () => {
    for (const optimizer of [{ name: 'rmsprop', learningRate: 0.002, momentum: 0.5 }, { name: 'adam', learningRate: 0.005 }] as OptimizerConfig[]) {
      const { lossGap, weightGap } = await compare(backend, 'elu', optimizer, 0.3);
      engine!.dispose();
      expect(lossGap, optimizer.name).toBeLessThan(1e-5);
      expect(weightGap, optimizer.name).toBeLessThan(1e-5);
    }
  });
});
