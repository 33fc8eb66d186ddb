// The onnx engine against the plain-JS reference step: every activation, optimizer and dropout setting,
// per-step losses and weights; onnxruntime-node and onnxruntime-web agree; optimizer slots round-trip.
import { ACTIVATIONS, DEFAULT_MODEL_SPEC, deriveSeed, Rng, shuffleBatch, type Activation, type ModelSpec } from '@mnist/core';
import { afterEach, describe, expect, it } from 'vitest';
import { dropoutMasks } from '../dropout-masks.js';
import type { EpochData, OptimizerConfig } from '../engine.js';
import { initialWeights } from '../initializers.js';
import { maxAbsDifference, referenceEpoch, referenceState } from '@mnist/export/testing';
import { resolveOptimizer } from '../optimizer-slots.js';
import { createOnnxEngine, type OnnxEngine } from './onnx-engine.js';
import { parityToyData } from '../testing/parity.js';

const SPEC: ModelSpec = { inputSize: 36, hiddenUnits: [24, 12], activation: 'relu', outputSize: 10, initializer: 'truncated_normal' };
const SCALE = 1 / 255;
const STEPS = 100;

/** Learning rates that train the toy set without blowing up, per optimizer. */
const OPTIMIZERS: OptimizerConfig[] = [
  { name: 'sgd', learningRate: 0.1 },
  { name: 'momentum', learningRate: 0.05 },
  { name: 'nesterov', learningRate: 0.05 },
  { name: 'adagrad', learningRate: 0.1 },
  { name: 'rmsprop', learningRate: 0.005 },
  { name: 'rmsprop', learningRate: 0.005, momentum: 0.5 },
  { name: 'adam', learningRate: 0.005 },
];

/** STEPS batches of 20 over a set of 400, with dropout masks drawn as the training loop draws them. */
function epochData(spec: ModelSpec, dropoutRate: number): EpochData {
  const data = parityToyData(spec, 400, 3);
  const batches = [0, 1, 2, 3, 4].flatMap((epoch) => shuffleBatch(400, 20, new Rng(deriveSeed(42, epoch))));
  const sizes = batches.map((b) => b.length);
  const masks = dropoutRate > 0 ? dropoutMasks(sizes, spec.hiddenUnits, dropoutRate, new Rng(deriveSeed(42, 0, 1))) : undefined;
  return { ...data, batches, pixelScale: SCALE, dropoutMasks: masks };
}

const live: OnnxEngine[] = [];
afterEach(() => live.splice(0).forEach((e) => e.dispose()));

async function engine(spec: ModelSpec, optimizer: OptimizerConfig, dropoutRate: number, backend: 'node' | 'web' = 'node'): Promise<OnnxEngine> {
  const e = await createOnnxEngine({ spec, optimizer, dropoutRate, backend, stepsPerRun: 30 });
  live.push(e);
  return e;
}

function label(o: OptimizerConfig): string {
  return o.momentum === undefined ? o.name : `${o.name} (momentum ${o.momentum})`;
}

describe('onnx engine against the reference step', () => {
  const cases: [Activation, OptimizerConfig, number][] = [];
  for (const activation of ACTIVATIONS) for (const optimizer of OPTIMIZERS) for (const rate of [0, 0.3]) cases.push([activation, optimizer, rate]);

  it.each(cases)('%s, %o, dropout %d: 100 step losses within 1e-5, weights and slots close', async (activation, optimizer, rate) => {
    const spec = { ...SPEC, activation };
    const data = epochData(spec, rate);
    const options = { spec, optimizer: resolveOptimizer(optimizer), dropoutRate: rate };
    const state = referenceState(options, initialWeights(spec, 7));
    const e = await engine(spec, optimizer, rate);
    await e.loadWeights(initialWeights(spec, 7));
    const { losses } = await e.runEpoch(data);
    const expected = referenceEpoch(options, state, data);
    expect(losses.length).toBe(STEPS);
    let worst = 0;
    losses.forEach((loss, s) => (worst = Math.max(worst, Math.abs(loss - expected[s]))));
    expect(worst, `${activation} ${label(optimizer)} dropout ${rate}`).toBeLessThan(1e-5);
    // Training did something: the last losses are well below the first.
    expect(expected.slice(-10).reduce((a, b) => a + b) / 10).toBeLessThan(expected[0] * 0.9);
    expect(maxAbsDifference(await e.readWeights(), state)).toBeLessThan(1e-4);
  });
});

describe('onnx engine on the 784-300-100-10 network', () => {
  it('adam, elu, dropout 0.5: 12 steps of batch 50 follow the reference', async () => {
    const spec: ModelSpec = { ...DEFAULT_MODEL_SPEC, activation: 'elu' };
    const optimizer: OptimizerConfig = { name: 'adam', learningRate: 0.001 };
    const data = parityToyData(spec, 600, 6);
    const batches = shuffleBatch(600, 50, new Rng(1));
    const epoch: EpochData = { ...data, batches, pixelScale: SCALE, dropoutMasks: dropoutMasks(batches.map((b) => b.length), spec.hiddenUnits, 0.5, new Rng(2)) };
    const options = { spec, optimizer: resolveOptimizer(optimizer), dropoutRate: 0.5 };
    const state = referenceState(options, initialWeights(spec, 42));
    const e = await engine(spec, optimizer, 0.5);
    await e.loadWeights(initialWeights(spec, 42));
    const { losses } = await e.runEpoch(epoch);
    const expected = referenceEpoch(options, state, epoch);
    losses.forEach((loss, s) => expect(Math.abs(loss - expected[s]), `step ${s}`).toBeLessThan(1e-5));
    // Adam moves a weight with a near-zero gradient by about lr whatever that gradient's rounding, so
    // float32 against float64 can differ by a fraction of lr (0.001) there.
    expect(maxAbsDifference(await e.readWeights(), state)).toBeLessThan(1e-4);
  });
});

describe('onnx engine on onnxruntime-node and onnxruntime-web', () => {
  for (const optimizer of OPTIMIZERS.filter((o) => o.momentum === undefined)) {
    it(`${label(optimizer)} with elu and dropout: both runtimes give the same losses and weights`, async () => {
      const spec: ModelSpec = { ...SPEC, activation: 'elu' };
      const data = epochData(spec, 0.3);
      const [node, web] = [await engine(spec, optimizer, 0.3, 'node'), await engine(spec, optimizer, 0.3, 'web')];
      expect(web.backend).toBe('onnxruntime-web');
      for (const e of [node, web]) await e.loadWeights(initialWeights(spec, 7));
      const [a, b] = [await node.runEpoch(data), await web.runEpoch(data)];
      a.losses.forEach((loss, s) => expect(Math.abs(loss - b.losses[s]), `step ${s}`).toBeLessThan(1e-5));
      expect(maxAbsDifference(await node.readWeights(), await web.readWeights())).toBeLessThan(1e-5);
    });
  }
});

describe('onnx engine optimizer slots', () => {
  it('adam: readWeights returns the slots and powers; loading them continues the run exactly', async () => {
    const optimizer: OptimizerConfig = { name: 'adam', learningRate: 0.005 };
    const data = epochData(SPEC, 0);
    const half = (from: number) => ({ ...data, batches: data.batches.slice(from, from + 50) });
    const straight = await engine(SPEC, optimizer, 0);
    await straight.loadWeights(initialWeights(SPEC, 7));
    await straight.runEpoch(half(0));
    const checkpoint = await straight.readWeights();
    expect(checkpoint.get('beta1_power')!.values[0]).toBeCloseTo(0.9 ** 51, 6);
    expect(checkpoint.get('dnn/outputs/kernel/Adam_1')!.shape).toEqual([12, 10]);
    const resumed = await engine(SPEC, optimizer, 0);
    await resumed.loadWeights(checkpoint);
    const [a, b] = [await straight.runEpoch(half(50)), await resumed.runEpoch(half(50))];
    expect(b.losses).toEqual(a.losses);
    expect(maxAbsDifference(await straight.readWeights(), await resumed.readWeights())).toBe(0);
  });

  it('a checkpoint without slots starts them at TF1 values; a partial set or slots of another optimizer are refused', async () => {
    const rms = await engine(SPEC, { name: 'rmsprop', learningRate: 0.01 }, 0);
    await rms.loadWeights(initialWeights(SPEC, 7));
    const slots = await rms.readWeights();
    expect(slots.get('dnn/hidden1/kernel/RMSProp')!.values.every((v) => v === 1)).toBe(true);
    expect(slots.has('dnn/hidden1/kernel/RMSProp_1')).toBe(false);
    const partial = new Map(slots);
    partial.delete('dnn/outputs/bias/RMSProp');
    await expect(rms.loadWeights(partial)).rejects.toThrow(/holds some rmsprop slots but lacks dnn\/outputs\/bias\/RMSProp/);
    const momentum = await engine(SPEC, { name: 'momentum', learningRate: 0.01 }, 0);
    await expect(momentum.loadWeights(slots)).rejects.toThrow(/weights has dnn\/hidden1\/kernel\/RMSProp, which the onnx engine \(momentum\) does not hold/);
  });

  it('refuses a batch without its dropout mask', async () => {
    const e = await engine(SPEC, { name: 'sgd', learningRate: 0.1 }, 0.5);
    await e.loadWeights(initialWeights(SPEC, 7));
    const data = epochData(SPEC, 0);
    await expect(e.runEpoch(data)).rejects.toThrow(/dropoutMasks must hold one mask per batch/);
  });
});
