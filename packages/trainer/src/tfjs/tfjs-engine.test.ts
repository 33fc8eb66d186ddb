// The tfjs engine: SGD steps as the original program takes them, no tensor leaks, weight round trip,
// backend choice.
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveSeed, Rng, shuffleBatch, type ModelSpec } from '@mnist/core';
import { initialWeights } from '../initializers.js';
import { TfjsEngine } from './tfjs-engine.js';
import { brightPixelSet, QUARTERS } from '../testing/toy-dataset.js';

const spec: ModelSpec = { inputSize: 16, hiddenUnits: [12, 8], activation: 'relu', outputSize: 4, initializer: 'truncated_normal' };
const optimizer = { name: 'sgd' as const, learningRate: 0.1 };

let engine: TfjsEngine | undefined;
afterEach(() => {
  engine?.dispose();
  engine = undefined;
});

describe('TfjsEngine', () => {
  it('lowers the loss with plain SGD steps and leaks no tensors across epochs', async () => {
    engine = await TfjsEngine.create({ spec, optimizer });
    await engine.loadWeights(initialWeights(spec, 1));
    const { images, labels } = brightPixelSet(400, 2, QUARTERS);
    const epoch = (e: number) => ({ images, labels, batches: shuffleBatch(400, 20, new Rng(deriveSeed(7, e))), pixelScale: 1 / 255 });
    const first = await engine.runEpoch(epoch(0));
    const tensors = tf.memory().numTensors;
    let last = first;
    for (let e = 1; e < 6; e++) last = await engine.runEpoch(epoch(e));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(first.steps).toBe(20);
    expect(last.meanLoss).toBeLessThan(first.meanLoss * 0.7);
    expect(last.lastBatchAccuracy).toBeGreaterThan(0.5);
  });

  it('takes exactly w <- w - lr * grad on one batch', async () => {
    const tiny: ModelSpec = { ...spec, inputSize: 2, hiddenUnits: [], outputSize: 2 };
    engine = await TfjsEngine.create({ spec: tiny, optimizer: { name: 'sgd', learningRate: 0.5 } });
    const w = { name: 'dnn/outputs/kernel', shape: [2, 2], values: new Float32Array([1, 0, 0, 1]) };
    const b = { name: 'dnn/outputs/bias', shape: [2], values: new Float32Array([0, 0]) };
    await engine.loadWeights(new Map([[w.name, w], [b.name, b]]));
    // One image [255, 0] -> x = [1, 0], label 1: logits [1, 0], p = [e/(e+1), 1/(e+1)], dz = p - [0, 1].
    const stats = await engine.runEpoch({ images: new Uint8Array([255, 0]), labels: new Uint8Array([1]), batches: [Int32Array.of(0)], pixelScale: 1 / 255 });
    const p0 = Math.E / (Math.E + 1);
    expect(stats.meanLoss).toBeCloseTo(Math.log(Math.E + 1), 6);
    const after = await engine.readWeights();
    const k = after.get('dnn/outputs/kernel')!.values;
    expect(k[0]).toBeCloseTo(1 - 0.5 * p0, 6);
    expect(k[1]).toBeCloseTo(0 - 0.5 * (1 - p0 - 1), 6);
    expect(k[2]).toBe(0);
    expect(k[3]).toBe(1);
    expect(Array.from(after.get('dnn/outputs/bias')!.values).map((v) => +v.toFixed(6))).toEqual([+(-0.5 * p0).toFixed(6), +(0.5 * p0).toFixed(6)]);
  });

  it('round-trips weights exactly and refuses unknown or misshapen ones', async () => {
    engine = await TfjsEngine.create({ spec, optimizer, backend: 'cpu' });
    expect(engine.backend).toBe('cpu');
    expect(engine.selection).toBe('backend cpu (requested)');
    const weights = initialWeights(spec, 9);
    await engine.loadWeights(weights);
    const back = await engine.readWeights();
    for (const [name, w] of weights) expect(Buffer.from(back.get(name)!.values.buffer)).toEqual(Buffer.from(w.values.buffer));
    const slot = { name: 'dnn/outputs/kernel/momentum', shape: [8, 4], values: new Float32Array(32) };
    await expect(engine.loadWeights(new Map([...weights, [slot.name, slot]]))).rejects.toThrow(/momentum, which the tfjs engine/);
    const bad = new Map(weights);
    bad.set('dnn/outputs/bias', { name: 'dnn/outputs/bias', shape: [5], values: new Float32Array(5) });
    await expect(engine.loadWeights(bad)).rejects.toThrow('weights dnn/outputs/bias has shape [5], the model needs [4]');
  });

  it('keeps optimizer slots under TF1 names and resumes from them exactly', async () => {
    const { images, labels } = brightPixelSet(200, 3, QUARTERS);
    const epoch = (e: number) => ({ images, labels, batches: shuffleBatch(200, 20, new Rng(deriveSeed(5, e))), pixelScale: 1 / 255 });
    const adam = { name: 'adam' as const, learningRate: 0.01 };
    engine = await TfjsEngine.create({ spec, optimizer: adam });
    await engine.loadWeights(initialWeights(spec, 1));
    await engine.runEpoch(epoch(0));
    const middle = await engine.readWeights();
    expect(middle.get('dnn/hidden1/kernel/Adam')!.shape).toEqual([16, 12]);
    expect(middle.get('dnn/outputs/bias/Adam_1')!.values.some((v) => v > 0)).toBe(true);
    expect(middle.get('beta1_power')!.values[0]).toBeCloseTo(0.9 ** 11, 5);
    await engine.runEpoch(epoch(1));
    const straight = await engine.readWeights();
    engine.dispose();
    engine = await TfjsEngine.create({ spec, optimizer: adam });
    await engine.loadWeights(middle);
    await engine.runEpoch(epoch(1));
    const resumed = await engine.readWeights();
    for (const [name, w] of straight) expect(Array.from(resumed.get(name)!.values), name).toEqual(Array.from(w.values));
    // Without slots the optimizer starts afresh (beta powers back at beta), which changes the result.
    const model = new Map([...middle].filter(([name]) => !name.includes('Adam') && !name.includes('_power')));
    await engine.loadWeights(model);
    expect((await engine.readWeights()).get('beta2_power')!.values[0]).toBeCloseTo(0.999, 6);
    const partial = new Map([...model, ['beta1_power', middle.get('beta1_power')!]]);
    await expect(engine.loadWeights(partial)).rejects.toThrow(/some adam slots but lacks/);
  });

  it('picks wasm when tfjs-node is absent, saying why tensorflow was refused', async () => {
    engine = await TfjsEngine.create({ spec, optimizer });
    let hasTfjsNode = true;
    // A string-typed specifier, as in backends.ts: the optional dependency may not be installed.
    const tfjsNode: string = '@tensorflow/tfjs-node';
    try {
      await import(tfjsNode);
    } catch {
      hasTfjsNode = false;
    }
    if (hasTfjsNode) {
      expect(engine.backend).toBe('tensorflow');
    } else {
      expect(engine.backend).toBe('wasm');
      expect(engine.selection).toMatch(/^backend wasm \(tensorflow refused: @tensorflow\/tfjs-node is not installed/);
    }
    await expect(TfjsEngine.create({ spec, optimizer })).rejects.toThrow(/already exists: dispose the previous tfjs engine/);
    await expect(TfjsEngine.create({ spec, optimizer: { name: 'sgd', learningRate: 0 } })).rejects.toThrow(RangeError);
  });
});
