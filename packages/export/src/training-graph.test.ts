// The training graph run in onnxruntime-node against the plain-JS reference SGD of the same network, step by step.
import { DEFAULT_MODEL_SPEC, layerNames, Rng, type ModelSpec } from '@mnist/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { readOnnx } from './onnx-reader.js';
import { maxAbsDifference, referenceForward, referenceState, referenceStep, type ReferenceWeights } from './testing/index.js';
import {
  buildLogitsGraph,
  buildTrainingGraph,
  dropoutMaskName,
  TRAINING_GRAPH_NAMES,
  trainingState,
  trainingWeightNames,
  updatedWeightName,
  type TrainingGraphOptions,
} from './training-graph.js';

const SMALL_SPEC: ModelSpec = { inputSize: 24, hiddenUnits: [16, 12], activation: 'relu', outputSize: 10, initializer: 'truncated_normal' };
const SCALE = 1 / 255;

function initialWeights(spec: ModelSpec, seed: number): ReferenceWeights {
  const rng = new Rng(seed);
  const weights: ReferenceWeights = new Map();
  for (const l of layerNames(spec)) {
    // Uniform in ±2/sqrt(fan_in): the initializer's spread without its sampler, which is not under test.
    const kernel = Float32Array.from({ length: l.fanIn * l.fanOut }, () => ((rng.float() * 2 - 1) * 2) / Math.sqrt(l.fanIn));
    weights.set(l.kernel, { name: l.kernel, shape: [l.fanIn, l.fanOut], values: kernel });
    weights.set(l.bias, { name: l.bias, shape: [l.fanOut], values: Float32Array.from({ length: l.fanOut }, () => (rng.float() - 0.5) * 0.1) });
  }
  return weights;
}

function randomBytes(n: number, rng: Rng, max = 256): Uint8Array {
  return Uint8Array.from({ length: n }, () => rng.int(max));
}

/** One step of the reference SGD on `reference`; the loss before the update. */
function sgdStep(spec: ModelSpec, reference: ReferenceWeights, images: Uint8Array, labels: Uint8Array, learningRate: number): number {
  return referenceStep({ spec, optimizer: { name: 'sgd', learningRate } }, reference, { images, labels, pixelScale: SCALE });
}

async function open(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
}

/** Runs one block of `steps` batches of `batch` rows; replaces the weights in place; returns the losses. */
async function runBlock(
  session: ort.InferenceSession,
  spec: ModelSpec,
  w: ReferenceWeights,
  images: Uint8Array,
  labels: Uint8Array,
  steps: number,
  batch: number,
): Promise<Float32Array> {
  const feeds: Record<string, ort.Tensor> = {
    [TRAINING_GRAPH_NAMES.images]: new ort.Tensor('uint8', images, [steps, batch, spec.inputSize]),
    [TRAINING_GRAPH_NAMES.labels]: new ort.Tensor('uint8', labels, [steps, batch]),
  };
  const layers = layerNames(spec);
  for (const l of layers) {
    feeds[l.kernel] = new ort.Tensor('float32', w.get(l.kernel)!.values.slice(), [l.fanIn, l.fanOut]);
    feeds[l.bias] = new ort.Tensor('float32', w.get(l.bias)!.values.slice(), [l.fanOut]);
  }
  const out = await session.run(feeds);
  for (const name of trainingWeightNames(spec)) w.get(name)!.values.set(out[updatedWeightName(name)].data as Float32Array);
  return out[TRAINING_GRAPH_NAMES.losses].data as Float32Array;
}

function cloneWeights(spec: ModelSpec, w: ReferenceWeights): ReferenceWeights {
  return referenceState({ spec, optimizer: { name: 'sgd', learningRate: 1 } }, w);
}

describe('buildTrainingGraph', () => {
  const variants: [string, Partial<TrainingGraphOptions>][] = [
    ['Loop, Gemm products, fused kernel update (default)', {}],
    ['Loop, MatMul products', { gradientProducts: 'matmul' }],
    ['Loop, separate dW then W - lr * dW', { fusedKernelUpdate: false }],
    ['unrolled, fixed shapes', { block: 'unrolled', stepsPerRun: 4, batchSize: 9 }],
    ['Loop at opset 21', { opset: 21 }],
  ];
  for (const [label, extra] of variants) {
    it(`${label}: per-step losses and weights follow plain-JS SGD`, async () => {
      const rng = new Rng(7);
      const lr = 0.2;
      const session = await open(buildTrainingGraph(SMALL_SPEC, { learningRate: lr, optimizer: 'sgd', ...extra }));
      const w = initialWeights(SMALL_SPEC, 1);
      const reference = cloneWeights(SMALL_SPEC, w);
      try {
        for (let block = 0; block < 10; block++) {
          const steps = 4;
          const batch = 9;
          const images = randomBytes(steps * batch * SMALL_SPEC.inputSize, rng);
          const labels = randomBytes(steps * batch, rng, 10);
          const losses = await runBlock(session, SMALL_SPEC, w, images, labels, steps, batch);
          expect(losses.length).toBe(steps);
          for (let s = 0; s < steps; s++) {
            const rows = (k: Uint8Array, width: number) => k.subarray(s * batch * width, (s + 1) * batch * width);
            const expected = sgdStep(SMALL_SPEC, reference, rows(images, SMALL_SPEC.inputSize), rows(labels, 1), lr);
            expect(Math.abs(losses[s] - expected), `block ${block} step ${s}`).toBeLessThan(1e-5);
          }
        }
        expect(maxAbsDifference(w, reference)).toBeLessThan(2e-5);
      } finally {
        await session.release();
      }
    });
  }

  it('one session serves batches of B and B + 1 rows and any block length, for a few hundred steps', async () => {
    const rng = new Rng(11);
    const lr = 0.1;
    const session = await open(buildTrainingGraph(SMALL_SPEC, { learningRate: lr, optimizer: 'sgd' }));
    const w = initialWeights(SMALL_SPEC, 2);
    const reference = cloneWeights(SMALL_SPEC, w);
    // Learnable data: the label is a function of the pixels, so the loss must fall.
    const labelOf = (x: Uint8Array) => (x[0] + x[1] + x[2]) % 10;
    const losses: number[] = [];
    try {
      for (let block = 0; block < 60; block++) {
        const steps = 1 + (block % 7);
        const batch = block % 2 === 0 ? 21 : 20;
        const images = randomBytes(steps * batch * SMALL_SPEC.inputSize, rng, 4).map((v) => v * 80);
        const labels = Uint8Array.from({ length: steps * batch }, (_, r) =>
          labelOf(images.subarray(r * SMALL_SPEC.inputSize, (r + 1) * SMALL_SPEC.inputSize)),
        );
        const got = await runBlock(session, SMALL_SPEC, w, images, labels, steps, batch);
        for (let s = 0; s < steps; s++) {
          const x = images.subarray(s * batch * SMALL_SPEC.inputSize, (s + 1) * batch * SMALL_SPEC.inputSize);
          const expected = sgdStep(SMALL_SPEC, reference, x, labels.subarray(s * batch, (s + 1) * batch), lr);
          expect(Math.abs(got[s] - expected), `block ${block} step ${s}`).toBeLessThan(1e-5);
          losses.push(got[s]);
        }
      }
      expect(losses.length).toBeGreaterThan(200);
      expect(maxAbsDifference(w, reference)).toBeLessThan(1e-4);
    } finally {
      await session.release();
    }
  });

  it('the 784-300-100-10 network: three steps of batch 50 follow plain-JS SGD', async () => {
    const spec = DEFAULT_MODEL_SPEC;
    const rng = new Rng(3);
    const session = await open(buildTrainingGraph(spec, { learningRate: 0.01, optimizer: 'sgd', batchSize: 50, stepsPerRun: 3 }));
    const w = initialWeights(spec, 5);
    const reference = cloneWeights(spec, w);
    try {
      const images = randomBytes(3 * 50 * 784, rng);
      const labels = randomBytes(3 * 50, rng, 10);
      const losses = await runBlock(session, spec, w, images, labels, 3, 50);
      for (let s = 0; s < 3; s++) {
        const expected = sgdStep(spec, reference, images.subarray(s * 50 * 784, (s + 1) * 50 * 784), labels.subarray(s * 50, (s + 1) * 50), 0.01);
        expect(Math.abs(losses[s] - expected), `step ${s}`).toBeLessThan(1e-5);
      }
      expect(maxAbsDifference(w, reference)).toBeLessThan(1e-5);
    } finally {
      await session.release();
    }
  });

  it('declares uint8 images and labels, the weights by checkpoint name, and their updated outputs', () => {
    const summary = readOnnx(buildTrainingGraph(SMALL_SPEC, { learningRate: 0.01, optimizer: 'sgd', batchSize: 50 }));
    expect(summary.inputs.map((i) => i.name)).toEqual(['images', 'labels', ...trainingWeightNames(SMALL_SPEC)]);
    expect(summary.outputs.map((o) => o.name)).toEqual([...trainingWeightNames(SMALL_SPEC).map(updatedWeightName), 'losses']);
  });

  it('adam, selu and dropout: the Loop, unrolled and MatMul forms compute the same block, state and masks threaded', async () => {
    const spec: ModelSpec = { ...SMALL_SPEC, activation: 'selu' };
    const adam = { name: 'adam', momentum: 0, initialAccumulatorValue: 0.1, decay: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;
    const base = { learningRate: 0.01, optimizer: adam, dropoutRate: 0.25 };
    const rng = new Rng(5);
    const [steps, batch] = [5, 8];
    const feeds: Record<string, ort.Tensor> = {
      [TRAINING_GRAPH_NAMES.images]: new ort.Tensor('uint8', randomBytes(steps * batch * spec.inputSize, rng), [steps, batch, spec.inputSize]),
      [TRAINING_GRAPH_NAMES.labels]: new ort.Tensor('uint8', randomBytes(steps * batch, rng, 10), [steps, batch]),
    };
    const w = initialWeights(spec, 3);
    for (const t of trainingState(spec, base)) {
      const values = w.get(t.name)?.values ?? new Float32Array(t.shape.reduce((a, b) => a * b, 1)).fill(t.initial!);
      feeds[t.name] = new ort.Tensor('float32', values, t.shape);
    }
    for (const l of layerNames(spec).filter((l) => !l.isOutput)) {
      feeds[dropoutMaskName(l.scope)] = new ort.Tensor('uint8', randomBytes(steps * batch * l.fanOut, rng, 2), [steps, batch, l.fanOut]);
    }
    const results: Record<string, ort.Tensor>[] = [];
    for (const extra of [{}, { block: 'unrolled', stepsPerRun: steps, batchSize: batch } as const, { gradientProducts: 'matmul' } as const]) {
      const session = await open(buildTrainingGraph(spec, { ...base, ...extra }));
      results.push(await session.run(feeds));
      await session.release();
    }
    const [loop, ...others] = results;
    // Adam advanced its powers once per step; its moments moved off zero.
    expect((loop[updatedWeightName('beta1_power')].data as Float32Array)[0]).toBeCloseTo(0.9 ** (steps + 1), 6);
    expect(Array.from(loop[updatedWeightName('dnn/hidden1/kernel/Adam')].data as Float32Array).some((v) => v !== 0)).toBe(true);
    for (const other of others) {
      for (const name of Object.keys(loop)) {
        const [a, b] = [loop[name].data as Float32Array, other[name].data as Float32Array];
        a.forEach((v, i) => expect(Math.abs(v - b[i]), `${name}[${i}]`).toBeLessThan(1e-6));
      }
    }
  });

  it('with adam and dropout: slots and powers in and out by checkpoint name, one mask per hidden layer', () => {
    const adam = { name: 'adam', momentum: 0, initialAccumulatorValue: 0.1, decay: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;
    const options = { learningRate: 0.001, optimizer: adam, dropoutRate: 0.5 };
    const state = trainingState(SMALL_SPEC, options).map((t) => t.name);
    expect(state.slice(0, 6)).toEqual(trainingWeightNames(SMALL_SPEC));
    expect(state.slice(6, 8)).toEqual(['dnn/hidden1/kernel/Adam', 'dnn/hidden1/kernel/Adam_1']);
    expect(state.slice(-2)).toEqual(['beta1_power', 'beta2_power']);
    const summary = readOnnx(buildTrainingGraph(SMALL_SPEC, options));
    expect(summary.inputs.map((i) => i.name)).toEqual(['images', 'labels', ...state, dropoutMaskName('dnn/hidden1'), dropoutMaskName('dnn/hidden2')]);
    expect(summary.outputs.map((o) => o.name)).toEqual([...state.map(updatedWeightName), 'losses']);
  });

  it('refuses unknown optimizers, bad learning rates, dropout rates, and an unrolled block without a length', () => {
    const base = { learningRate: 0.01, optimizer: 'sgd' } as const;
    expect(() => buildTrainingGraph(SMALL_SPEC, { ...base, optimizer: 'adamw' as 'sgd' })).toThrow(/options.optimizer must be/);
    expect(() => buildTrainingGraph(SMALL_SPEC, { ...base, dropoutRate: 1 })).toThrow(/dropoutRate/);
    expect(() => buildTrainingGraph(SMALL_SPEC, { ...base, learningRate: 0 })).toThrow(RangeError);
    expect(() => buildTrainingGraph(SMALL_SPEC, { ...base, block: 'unrolled' })).toThrow(/stepsPerRun is required/);
    expect(() => buildTrainingGraph(SMALL_SPEC, { ...base, batchSize: 0 })).toThrow(/batchSize/);
    expect(() => buildTrainingGraph(SMALL_SPEC, { ...base, opset: 12 })).toThrow(/opset/);
    expect(() => buildTrainingGraph({ ...SMALL_SPEC, activation: 'swish' as 'relu' }, base)).toThrow(/activation must be one of/);
  });
});

describe('buildLogitsGraph', () => {
  it('computes the forward pass of raw bytes with the weights given as inputs', async () => {
    const rng = new Rng(9);
    const w = initialWeights(SMALL_SPEC, 4);
    const count = 7;
    const images = randomBytes(count * SMALL_SPEC.inputSize, rng);
    const session = await open(buildLogitsGraph(SMALL_SPEC));
    try {
      const feeds: Record<string, ort.Tensor> = { [TRAINING_GRAPH_NAMES.logitsImages]: new ort.Tensor('uint8', images, [count, SMALL_SPEC.inputSize]) };
      for (const l of layerNames(SMALL_SPEC)) {
        feeds[l.kernel] = new ort.Tensor('float32', w.get(l.kernel)!.values, [l.fanIn, l.fanOut]);
        feeds[l.bias] = new ort.Tensor('float32', w.get(l.bias)!.values, [l.fanOut]);
      }
      const logits = (await session.run(feeds))[TRAINING_GRAPH_NAMES.logits].data as Float32Array;
      expect(logits.length).toBe(count * 10);
      const expected = referenceForward(SMALL_SPEC, w, images, SCALE);
      expected.forEach((v, i) => expect(Math.abs(logits[i] - v), `logit ${i}`).toBeLessThan(1e-5));
    } finally {
      await session.release();
    }
  });
});
