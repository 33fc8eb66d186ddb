// The layered (convolutional) training graph on onnxruntime-node and onnxruntime-web against the
// float64 reference, step by step: losses and every weight and slot, for sgd and adam (and on node
// every other optimizer), with a frozen conv layer; opsets and fixed shapes agreeing; and
// DEFAULT_CNN_SPEC's graph running a step.
import { DEFAULT_CNN_SPEC, layerNames, Rng, type ModelSpec, type NamedWeight } from '@mnist/core';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { readOnnx } from './onnx-reader.js';
import { randomCheckpoint, referenceState, referenceStep, tinyConvnetSpec, type ReferenceOptimizer, type ReferenceWeights } from './testing/index.js';
import { buildTrainingGraph, TRAINING_GRAPH_NAMES, trainingState, updatedWeightName, type TrainingGraphOptions } from './training-graph.js';

ortWeb.env.wasm.numThreads = 1;

const TINY_CNN_SPEC = tinyConvnetSpec({ secondKernel: 3 });
const SCALE = 1 / 255;
const ADAM = { name: 'adam', learningRate: 0.01, momentum: 0, initialAccumulatorValue: 0.1, decay: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

type Ort = typeof ortNode | typeof ortWeb;
const RUNTIMES: [string, Ort][] = [
  ['onnxruntime-node', ortNode],
  ['onnxruntime-web', ortWeb],
];

function graphOptions(optimizer: ReferenceOptimizer, extra: Partial<TrainingGraphOptions> = {}): TrainingGraphOptions {
  const { learningRate, ...hyper } = optimizer;
  return { learningRate, optimizer: optimizer.name === 'sgd' ? 'sgd' : (hyper as Exclude<TrainingGraphOptions['optimizer'], 'sgd'>), ...extra };
}

/** Runs one block through the graph: feeds every state tensor, returns the losses and the state after it. */
async function runBlock(ort: Ort, bytes: Uint8Array, spec: ModelSpec, state: ReferenceWeights, images: Uint8Array, labels: Uint8Array, steps: number, batch: number) {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const feeds: Record<string, ortNode.Tensor> = {
      [TRAINING_GRAPH_NAMES.images]: new ort.Tensor('uint8', images, [steps, batch, spec.inputSize]),
      [TRAINING_GRAPH_NAMES.labels]: new ort.Tensor('uint8', labels, [steps, batch]),
    };
    for (const [name, w] of state) feeds[name] = new ort.Tensor('float32', w.values.slice(), w.shape);
    const out = await (session).run(feeds);
    const after: ReferenceWeights = new Map([...state].map(([name, w]) => [name, { name, shape: w.shape, values: out[updatedWeightName(name)].data as Float32Array }]));
    return { losses: Array.from(out[TRAINING_GRAPH_NAMES.losses].data as Float32Array), after };
  } finally {
    await session.release();
  }
}

/** The largest |a - b| of each tensor relative to the largest |b| of that tensor (1 when b is all zeros). */
function worstRelative(a: ReferenceWeights, b: ReferenceWeights): { name: string; relative: number } {
  let worst = { name: '', relative: 0 };
  for (const [name, w] of b) {
    const got = (a.get(name) as NamedWeight).values;
    let diff = 0;
    let scale = 0;
    w.values.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(got[i] - v));
      scale = Math.max(scale, Math.abs(v));
    });
    const relative = diff / (scale || 1);
    if (relative > worst.relative) worst = { name, relative };
  }
  return worst;
}

function block(spec: ModelSpec, steps: number, batch: number, seed: number) {
  const rng = new Rng(seed);
  return {
    images: Uint8Array.from({ length: steps * batch * spec.inputSize }, () => rng.int(256)),
    labels: Uint8Array.from({ length: steps * batch }, () => rng.int(spec.outputSize)),
  };
}

/** The reference's losses of the same block, stepping `state` in place. */
function referenceBlock(spec: ModelSpec, optimizer: ReferenceOptimizer, state: ReferenceWeights, images: Uint8Array, labels: Uint8Array, steps: number, batch: number, frozenLayers?: string[]): number[] {
  return Array.from({ length: steps }, (_, s) =>
    referenceStep({ spec, optimizer, frozenLayers }, state, {
      images: images.subarray(s * batch * spec.inputSize, (s + 1) * batch * spec.inputSize),
      labels: labels.subarray(s * batch, (s + 1) * batch),
      pixelScale: SCALE,
    }),
  );
}

describe('buildTrainingGraph for a layered spec', () => {
  const [steps, batch] = [3, 4];
  const initial = randomCheckpoint([], 5, TINY_CNN_SPEC).weights;

  const others: ReferenceOptimizer[] = [
    { ...ADAM, name: 'momentum', momentum: 0.9 },
    { ...ADAM, name: 'nesterov', momentum: 0.9 },
    { ...ADAM, name: 'adagrad' },
    { ...ADAM, name: 'rmsprop', momentum: 0.9 },
  ];
  for (const [runtime, ort] of RUNTIMES) {
    for (const optimizer of [{ name: 'sgd', learningRate: 0.1 } as const, ADAM, ...(ort === ortNode ? others : [])]) {
      it(`${runtime}, ${optimizer.name}: two blocks of ${steps} steps follow the float64 reference (losses, weights, slots)`, async () => {
        const bytes = buildTrainingGraph(TINY_CNN_SPEC, graphOptions(optimizer));
        let state = referenceState({ spec: TINY_CNN_SPEC, optimizer }, initial);
        const reference = referenceState({ spec: TINY_CNN_SPEC, optimizer }, initial);
        for (const seed of [1, 2]) {
          const { images, labels } = block(TINY_CNN_SPEC, steps, batch, seed);
          const { losses, after } = await runBlock(ort, bytes, TINY_CNN_SPEC, state, images, labels, steps, batch);
          const expected = referenceBlock(TINY_CNN_SPEC, optimizer, reference, images, labels, steps, batch);
          losses.forEach((loss, s) => expect(Math.abs(loss - expected[s]) / expected[s], `block ${seed} step ${s}`).toBeLessThan(1e-5));
          const worst = worstRelative(after, reference);
          expect(worst.relative, worst.name).toBeLessThan(1e-5);
          state = after;
        }
        // The block trained: every weight moved.
        for (const name of layerNames(TINY_CNN_SPEC).flatMap((l) => [l.kernel, l.bias])) {
          expect(state.get(name)!.values.some((v, i) => v !== initial.get(name)!.values[i]), name).toBe(true);
        }
      });
    }
  }

  for (const frozenLayers of [['conv1'], ['dense1', 'outputs']]) {
    it(`frozen ${frozenLayers.join(', ')} (adam): their weights and slots come out bit-identical, the rest follows the reference`, async () => {
      const bytes = buildTrainingGraph(TINY_CNN_SPEC, graphOptions(ADAM, { frozenLayers }));
      const state = referenceState({ spec: TINY_CNN_SPEC, optimizer: ADAM }, initial);
      const reference = referenceState({ spec: TINY_CNN_SPEC, optimizer: ADAM }, initial);
      const { images, labels } = block(TINY_CNN_SPEC, steps, batch, 3);
      const { losses, after } = await runBlock(ortNode, bytes, TINY_CNN_SPEC, state, images, labels, steps, batch);
      const expected = referenceBlock(TINY_CNN_SPEC, ADAM, reference, images, labels, steps, batch, frozenLayers);
      losses.forEach((loss, s) => expect(Math.abs(loss - expected[s]) / expected[s], `step ${s}`).toBeLessThan(1e-5));
      const isFrozen = (name: string) => frozenLayers.some((l) => name.startsWith(`cnn/${l}/`));
      for (const name of [...state.keys()].filter(isFrozen)) {
        expect(Buffer.from(after.get(name)!.values.buffer).equals(Buffer.from(state.get(name)!.values.buffer)), name).toBe(true);
      }
      for (const name of ['cnn/conv1/kernel', 'cnn/conv2/kernel', 'cnn/outputs/kernel'].filter((n) => !isFrozen(n))) {
        expect(after.get(name)!.values, name).not.toEqual(state.get(name)!.values);
      }
      const worst = worstRelative(after, reference);
      expect(worst.relative, worst.name).toBeLessThan(1e-5);
    });
  }

  it('DEFAULT_CNN_SPEC: the graph builds and one step of batch 4 follows the reference', async () => {
    const spec = DEFAULT_CNN_SPEC;
    const optimizer = { name: 'sgd', learningRate: 0.05 } as const;
    const start = referenceState({ spec, optimizer }, randomCheckpoint([], 9, spec).weights);
    const reference = referenceState({ spec, optimizer }, start);
    const { images, labels } = block(spec, 1, 4, 4);
    const { losses, after } = await runBlock(ortNode, buildTrainingGraph(spec, graphOptions(optimizer)), spec, start, images, labels, 1, 4);
    const [expected] = referenceBlock(spec, optimizer, reference, images, labels, 1, 4);
    expect(Math.abs(losses[0] - expected) / expected).toBeLessThan(1e-5);
    const worst = worstRelative(after, reference);
    expect(worst.relative, worst.name).toBeLessThan(1e-5);
  });

  it('opset 21 and a fixed batch and block length compute the same block as the defaults', async () => {
    const state = referenceState({ spec: TINY_CNN_SPEC, optimizer: ADAM }, initial);
    const { images, labels } = block(TINY_CNN_SPEC, steps, batch, 6);
    const runs = [];
    for (const extra of [{}, { opset: 21 }, { batchSize: batch, stepsPerRun: steps }]) {
      runs.push(await runBlock(ortNode, buildTrainingGraph(TINY_CNN_SPEC, graphOptions(ADAM, extra)), TINY_CNN_SPEC, state, images, labels, steps, batch));
    }
    const [first, ...rest] = runs;
    for (const other of rest) {
      expect(other.losses).toEqual(first.losses);
      expect(worstRelative(other.after, first.after).relative).toBeLessThan(1e-6);
    }
  });

  it('declares the kernels in their kernelShape, slots beside them, and the same outputs as the MLP graph', () => {
    const options = graphOptions(ADAM);
    const state = trainingState(TINY_CNN_SPEC, options);
    expect(state.slice(0, 2)).toEqual([
      { name: 'cnn/conv1/kernel', shape: [3, 1, 3, 3] },
      { name: 'cnn/conv1/bias', shape: [3] },
    ]);
    expect(state.find((t) => t.name === 'cnn/conv2/kernel/Adam_1')).toMatchObject({ shape: [4, 3, 3, 3], initial: 0 });
    const summary = readOnnx(buildTrainingGraph(TINY_CNN_SPEC, options));
    expect(summary.inputs.map((i) => i.name)).toEqual(['images', 'labels', ...state.map((t) => t.name)]);
    expect(summary.outputs.map((o) => o.name)).toEqual([...state.map((t) => updatedWeightName(t.name)), 'losses']);
    expect(summary.nodes.map((n) => n.opType)).toEqual(['Shape', 'Gather', 'Cast', 'Shape', 'Gather', 'Loop']);
  });

  it('refuses dropout and an unrolled block for a layered spec, in one line', () => {
    expect(() => buildTrainingGraph(TINY_CNN_SPEC, { learningRate: 0.1, optimizer: 'sgd', dropoutRate: 0.5 })).toThrow(/^options\.dropoutRate must be 0 for a layered modelSpec/);
    expect(() => buildTrainingGraph(TINY_CNN_SPEC, { learningRate: 0.1, optimizer: 'sgd', block: 'unrolled', stepsPerRun: 2 })).toThrow(/^options\.block must be 'loop'/);
    expect(() => buildTrainingGraph(TINY_CNN_SPEC, { learningRate: 0.1, optimizer: 'sgd', frozenLayers: ['hidden1'] })).toThrow(/conv1, conv2, dense1, outputs/);
  });
});
