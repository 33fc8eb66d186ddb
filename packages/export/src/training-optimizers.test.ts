// Optimizer state names and starting values as TF1 keeps them, and one update of each rule in onnxruntime-node.
import { layerNames, type ModelSpec } from '@mnist/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encodeModel, GraphBuilder } from './graph-builder.js';
import { adamStepSize, optimizerConstants, optimizerState, optimizerUpdate, slotKinds, type TrainingOptimizer } from './training-optimizers.js';

const SPEC: ModelSpec = { inputSize: 4, hiddenUnits: [3], activation: 'relu', outputSize: 2, initializer: 'truncated_normal' };
const BASE = { learningRate: 0.1, momentum: 0.9, initialAccumulatorValue: 0.1, decay: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
const opt = (name: TrainingOptimizer['name'], extra: Partial<TrainingOptimizer> = {}): TrainingOptimizer => ({ ...BASE, name, ...extra });

describe('optimizerState', () => {
  it('names slots <weight>/<Slot> per weight in layer order, then adam powers; starts them as TF1', () => {
    expect(optimizerState(SPEC, opt('sgd'))).toEqual([]);
    const momentum = optimizerState(SPEC, opt('momentum'));
    expect(momentum.map((t) => t.name)).toEqual(layerNames(SPEC).flatMap((l) => [`${l.kernel}/Momentum`, `${l.bias}/Momentum`]));
    expect(momentum[0]).toEqual({ name: 'dnn/hidden1/kernel/Momentum', shape: [4, 3], initial: 0 });
    expect(optimizerState(SPEC, opt('adagrad', { initialAccumulatorValue: 0.2 }))[1].initial).toBe(0.2);
    expect(slotKinds(opt('rmsprop', { momentum: 0 }))).toEqual([{ suffix: 'RMSProp', initial: 1 }]);
    expect(slotKinds(opt('rmsprop')).map((k) => k.suffix)).toEqual(['RMSProp', 'RMSProp_1']);
    const adam = optimizerState(SPEC, opt('adam', { beta1: 0.8 }));
    expect(adam.slice(0, 2).map((t) => t.name)).toEqual(['dnn/hidden1/kernel/Adam', 'dnn/hidden1/kernel/Adam_1']);
    expect(adam.slice(-2)).toEqual([
      { name: 'beta1_power', shape: [1], initial: 0.8 },
      { name: 'beta2_power', shape: [1], initial: 0.999 },
    ]);
  });
});

/** One update of w by g with the given slots, in onnxruntime-node: the new weight then the new slots. */
async function runUpdate(o: TrainingOptimizer, w: number[], g: number[], slots: number[][], powers?: [number, number]): Promise<number[][]> {
  const b = new GraphBuilder({ opset: 17, name: o.name });
  const n = w.length;
  const [wIn, gIn] = [b.input('w', 'float32', [n]), b.input('g', 'float32', [n])];
  const slotIns = slots.map((_, i) => b.input(`s${i}`, 'float32', [n]));
  const c = optimizerConstants(b, o);
  let step: string | undefined;
  if (powers) step = adamStepSize(b, c, [b.input('p1', 'float32', [1]), b.input('p2', 'float32', [1])]).stepSize;
  const names = ['w_out', ...slots.map((_, i) => `s${i}_out`)];
  optimizerUpdate(b, o, c, wIn, gIn, slotIns, step, names);
  names.forEach((name) => b.output(name, 'float32', [n]));
  const session = await ort.InferenceSession.create(encodeModel(b.build({ irVersion: 8, producerName: 'test' })));
  const feeds: Record<string, ort.Tensor> = { w: new ort.Tensor('float32', Float32Array.from(w), [n]), g: new ort.Tensor('float32', Float32Array.from(g), [n]) };
  slots.forEach((s, i) => (feeds[`s${i}`] = new ort.Tensor('float32', Float32Array.from(s), [n])));
  if (powers) [feeds.p1, feeds.p2] = powers.map((p) => new ort.Tensor('float32', Float32Array.of(p), [1]));
  const out = await session.run(feeds);
  await session.release();
  return names.map((name) => Array.from(out[name].data as Float32Array));
}

describe('optimizerUpdate', () => {
  const w = [1, -0.5];
  const g = [0.2, -0.4];
  const close = (got: number[][], want: number[][]) => got.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 6)));

  it('momentum and nesterov: accum = m·accum + g; w -= lr·accum, or lr·(g + m·accum)', async () => {
    const accum = [0.1, 0.3];
    const a = accum.map((v, i) => 0.9 * v + g[i]);
    close(await runUpdate(opt('momentum'), w, g, [accum]), [w.map((v, i) => v - 0.1 * a[i]), a]);
    close(await runUpdate(opt('nesterov'), w, g, [accum]), [w.map((v, i) => v - 0.1 * (g[i] + 0.9 * a[i])), a]);
  });

  it('adagrad: accum += g²; w -= lr·g/sqrt(accum)', async () => {
    const a = [0.1 + 0.04, 0.1 + 0.16];
    close(await runUpdate(opt('adagrad'), w, g, [[0.1, 0.1]]), [w.map((v, i) => v - (0.1 * g[i]) / Math.sqrt(a[i])), a]);
  });

  it('rmsprop with momentum: ms = d·ms + (1-d)·g²; mom = m·mom + lr·g/sqrt(ms+eps); w -= mom', async () => {
    const ms = g.map((x) => 0.9 * 1 + 0.1 * x * x);
    const mom = g.map((x, i) => 0.5 * 0.2 + (0.1 * x) / Math.sqrt(ms[i] + 1e-10));
    close(await runUpdate(opt('rmsprop', { momentum: 0.5, epsilon: 1e-10 }), w, g, [[1, 1], [0.2, 0.2]]), [w.map((v, i) => v - mom[i]), ms, mom]);
  });

  it('adam: bias-corrected step lr·sqrt(1-β2ᵗ)/(1-β1ᵗ) of m/(sqrt(v)+eps)', async () => {
    const [m0, v0] = [[0.01, -0.02], [0.001, 0.002]];
    const m = m0.map((x, i) => 0.9 * x + 0.1 * g[i]);
    const v = v0.map((x, i) => 0.999 * x + 0.001 * g[i] * g[i]);
    const [p1, p2] = [0.9 ** 3, 0.999 ** 3];
    const lrT = (0.1 * Math.sqrt(1 - p2)) / (1 - p1);
    close(await runUpdate(opt('adam'), w, g, [m0, v0], [p1, p2]), [w.map((x, i) => x - (lrT * m[i]) / (Math.sqrt(v[i]) + 1e-8)), m, v]);
  });
});
