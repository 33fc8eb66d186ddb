// The slice graphs, driven step by step from JavaScript as the lockstep runner drives them, train exactly as
// the one-session training graph does.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layerNames, Rng, type Activation, type ModelSpec } from '@mnist/core';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSliceGraphs, partialName, sliceState, SPLIT_GRAPH_NAMES } from './split-training-graph.js';
import { maxAbsDifference } from './testing/max-abs-difference.js';
import { checkOnnxFile } from './testing/onnx-checker.js';
import { buildTrainingGraph, TRAINING_GRAPH_NAMES, trainingWeightNames, updatedWeightName } from './training-graph.js';

const SCALE = 1 / 255;
const LR = 0.05;
const spec = (hiddenUnits: number[], activation: Activation = 'relu'): ModelSpec => ({ inputSize: 20, hiddenUnits, activation, outputSize: 10, initializer: 'truncated_normal' });

type Weights = Map<string, Float32Array>;
type Sliced = { units: number; weights: Weights; input: Float32Array; pre: Float32Array; act: Float32Array; partial: Float32Array };

function initial(s: ModelSpec, seed: number): Weights {
  const rng = new Rng(seed);
  return new Map(
    layerNames(s).flatMap((l) => [
      [l.kernel, Float32Array.from({ length: l.fanIn * l.fanOut }, () => ((rng.float() * 2 - 1) * 2) / Math.sqrt(l.fanIn))],
      [l.bias, Float32Array.from({ length: l.fanOut }, () => (rng.float() - 0.5) * 0.1)],
    ]),
  );
}

/** Slice k's weights: its columns of layer 1, its rows of layer 2's kernel, copies of the rest. */
function slice(s: ModelSpec, w: Weights, units: number, column: number): Weights {
  const [first, second] = layerNames(s);
  const out: Weights = new Map();
  for (const { name, shape } of sliceState(s, units)) {
    const source = w.get(name)!;
    if (name === first.kernel) out.set(name, Float32Array.from({ length: shape[0] * units }, (_, i) => source[Math.floor(i / units) * first.fanOut + column + (i % units)]));
    else if (name === first.bias) out.set(name, source.slice(column, column + units));
    else if (name === second.kernel) out.set(name, source.slice(column * second.fanOut, (column + units) * second.fanOut));
    else out.set(name, source.slice());
  }
  return out;
}

/** Trains `steps` batches (rows `batches` of the set) with the slice graphs: prologue, then one run per slice per batch. */
async function trainSliced(s: ModelSpec, w: Weights, units: number[], images: Uint8Array, labels: Uint8Array, batches: Int32Array, steps: number, batch: number) {
  const N = SPLIT_GRAPH_NAMES;
  const sessions = await Promise.all(
    units.map(async (_, k) => {
      const graphs = buildSliceGraphs(s, k, { sliceUnits: units, learningRate: LR, pixelScale: SCALE });
      return { step: await ort.InferenceSession.create(graphs.step), prologue: await ort.InferenceSession.create(graphs.prologue) };
    }),
  );
  const imagesT = new ort.Tensor('uint8', images, [labels.length, s.inputSize]);
  const labelsT = new ort.Tensor('uint8', labels, [labels.length]);
  const batchesT = new ort.Tensor('int32', batches, [steps, batch]);
  const index = (i: number) => new ort.Tensor('int64', BigInt64Array.of(BigInt(i)), []);
  const tensor = (data: Float32Array, shape: number[]) => new ort.Tensor('float32', data, shape);
  let column = 0;
  const slices: Sliced[] = [];
  for (const [k, u] of units.entries()) {
    const weights = slice(s, w, u, column);
    column += u;
    const shapes = sliceState(s, u);
    const feeds = Object.fromEntries(shapes.slice(0, 3).map(({ name, shape }) => [name, tensor(weights.get(name)!, shape)]));
    const out = await sessions[k].prologue.run({ ...feeds, [N.images]: imagesT, [N.batches]: batchesT, [N.nextStep]: index(0) });
    slices.push({ units: u, weights, input: out[N.nextInput].data as Float32Array, pre: out[N.nextPreActivation].data as Float32Array, act: out[N.nextActivation].data as Float32Array, partial: out[N.nextPartial].data as Float32Array });
  }
  const losses: number[] = [];
  const width = layerNames(s)[1].fanOut;
  for (let t = 0; t < steps; t++) {
    const partials = Object.fromEntries(slices.map((sl, j) => [partialName(j), tensor(sl.partial, [batch, width])]));
    const outs = await Promise.all(
      slices.map((sl, k) => {
        const weights = Object.fromEntries(sliceState(s, sl.units).map(({ name, shape }) => [name, tensor(sl.weights.get(name)!, shape)]));
        return sessions[k].step.run({
          ...weights,
          ...partials,
          [N.images]: imagesT,
          [N.labels]: labelsT,
          [N.batches]: batchesT,
          [N.step]: index(t),
          [N.nextStep]: index(Math.min(t + 1, steps - 1)),
          [N.input]: tensor(sl.input, [batch, s.inputSize]),
          [N.preActivation]: tensor(sl.pre, [batch, sl.units]),
          [N.activation]: tensor(sl.act, [batch, sl.units]),
        });
      }),
    );
    slices.forEach((sl, k) => {
      const out = outs[k];
      for (const { name } of sliceState(s, sl.units)) sl.weights.set(name, out[updatedWeightName(name)].data as Float32Array);
      [sl.input, sl.pre, sl.act, sl.partial] = [N.nextInput, N.nextPreActivation, N.nextActivation, N.nextPartial].map((n) => out[n].data as Float32Array);
    });
    const stepLosses = outs.map((o) => (o[N.loss].data as Float32Array)[0]);
    expect(new Set(stepLosses).size, `every slice computes the same loss at step ${t}`).toBe(1);
    losses.push(stepLosses[0]);
  }
  return { losses, slices };
}

async function trainWhole(s: ModelSpec, w: Weights, images: Uint8Array, labels: Uint8Array, steps: number, batch: number) {
  const session = await ort.InferenceSession.create(buildTrainingGraph(s, { learningRate: LR, optimizer: 'sgd', pixelScale: SCALE }));
  const feeds: Record<string, ort.Tensor> = {
    [TRAINING_GRAPH_NAMES.images]: new ort.Tensor('uint8', images, [steps, batch, s.inputSize]),
    [TRAINING_GRAPH_NAMES.labels]: new ort.Tensor('uint8', labels, [steps, batch]),
  };
  for (const l of layerNames(s)) {
    feeds[l.kernel] = new ort.Tensor('float32', w.get(l.kernel)!, [l.fanIn, l.fanOut]);
    feeds[l.bias] = new ort.Tensor('float32', w.get(l.bias)!, [l.fanOut]);
  }
  const out = await session.run(feeds);
  const weights: Weights = new Map(trainingWeightNames(s).map((name) => [name, out[updatedWeightName(name)].data as Float32Array]));
  return { losses: [...(out[TRAINING_GRAPH_NAMES.losses].data as Float32Array)], weights };
}

describe('buildSliceGraphs', () => {
  for (const [label, s, units] of [
    ['relu, 2 equal slices', spec([16, 12]), [8, 8]],
    ['tanh, 3 unequal slices', spec([16, 12], 'tanh'), [7, 5, 4]],
    ['elu, one hidden layer (the partials are the logits)', spec([12], 'elu'), [6, 6]],
    ['selu, three hidden layers', spec([14, 10, 8], 'selu'), [7, 7]],
  ] as [string, ModelSpec, number[]][]) {
    it(`${label}: 40 steps give the one-session graph's losses and weights`, async () => {
      const steps = 40;
      const batch = 7;
      const rng = new Rng(3);
      const count = steps * batch + 13;
      const images = Uint8Array.from({ length: count * s.inputSize }, () => (rng.float() < 0.4 ? rng.int(256) : 0));
      const labels = Uint8Array.from({ length: count }, () => rng.int(10));
      // Rows drawn from the whole set, some twice; the one-session graph gets them gathered into a block.
      const batches = Int32Array.from({ length: steps * batch }, () => rng.int(count));
      const block = new Uint8Array(steps * batch * s.inputSize);
      batches.forEach((row, i) => block.set(images.subarray(row * s.inputSize, (row + 1) * s.inputSize), i * s.inputSize));
      const w = initial(s, 5);
      const whole = await trainWhole(s, w, block, Uint8Array.from(batches, (row) => labels[row]), steps, batch);
      const split = await trainSliced(s, w, units, images, labels, batches, steps, batch);
      split.losses.forEach((loss, t) => expect(Math.abs(loss - whole.losses[t]), `step ${t}`).toBeLessThan(1e-6));
      // Joined back, the slices hold the one-session weights; the shared ones are the same bits in every slice.
      let column = 0;
      for (const sl of split.slices) {
        const expected = slice(s, whole.weights, sl.units, column);
        column += sl.units;
        for (const [name, values] of sl.weights) {
          const reference = expected.get(name)!;
          expect(maxAbsDifference(values, reference), name).toBeLessThan(1e-6);
        }
        for (const name of [...sl.weights.keys()].slice(3)) expect(sl.weights.get(name)).toEqual(split.slices[0].weights.get(name));
      }
    });
  }

  it('refuses slices that do not cover the first hidden layer, a slice out of range, and a bad learning rate', () => {
    const s = spec([16, 12]);
    const options = { learningRate: LR, pixelScale: SCALE };
    expect(() => buildSliceGraphs(s, 0, { ...options, sliceUnits: [8, 7] })).toThrow('options.sliceUnits must be two or more positive integers summing to 16, got [8, 7]');
    expect(() => buildSliceGraphs(s, 0, { ...options, sliceUnits: [16] })).toThrow('two or more');
    expect(() => buildSliceGraphs(s, 2, { ...options, sliceUnits: [8, 8] })).toThrow('slice 2 is not in [0, 2)');
    expect(() => buildSliceGraphs(s, 0, { sliceUnits: [8, 8], learningRate: 0, pixelScale: SCALE })).toThrow('options.learningRate must be a positive number, got 0');
    expect(() => buildSliceGraphs(spec([]), 0, { ...options, sliceUnits: [8, 8] })).toThrow('at least one hidden layer');
  });

  describe('the ONNX checker', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slice-graphs-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    it('passes both graphs of a slice of a 20-300-100-10 network with full_check', (context) => {
      const graphs = buildSliceGraphs(spec([300, 100]), 1, { sliceUnits: [150, 150], learningRate: 0.01, pixelScale: SCALE });
      for (const [name, bytes] of Object.entries(graphs)) {
        const file = join(dir, `${name}.onnx`);
        writeFileSync(file, bytes);
        const result = checkOnnxFile(file);
        if (!result.ran) return context.skip(result.reason);
        expect(result.ok, result.output).toBe(true);
      }
    });
  });
});
