// The training graph with frozen layers: their weights and optimizer slots come out bit-identical, the
// rest trains exactly as without freezing on a first step (its gradient does not depend on the frozen update).
import { layerNames, Rng, type ModelSpec } from '@mnist/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildTrainingGraph, TRAINING_GRAPH_NAMES, trainingState, updatedWeightName, type TrainingGraphOptions } from './training-graph.js';

const SPEC: ModelSpec = { inputSize: 24, hiddenUnits: [16, 12], activation: 'relu', outputSize: 10, initializer: 'truncated_normal' };
const ADAM = { name: 'adam', momentum: 0, initialAccumulatorValue: 0.1, decay: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;
const MOMENTUM = { ...ADAM, name: 'momentum', momentum: 0.9 } as const;

/** Random weights and slots (slots nonzero, so an update of them would show), by name. */
function randomState(options: Pick<TrainingGraphOptions, 'learningRate' | 'optimizer'>, seed: number): Map<string, { shape: number[]; values: Float32Array }> {
  const rng = new Rng(seed);
  return new Map(
    trainingState(SPEC, options).map((t) => {
      const size = t.shape.reduce((a, b) => a * b, 1);
      const values = Float32Array.from({ length: size }, () => (t.initial !== undefined ? t.initial + rng.float() * 0.1 : (rng.float() * 2 - 1) * 0.4));
      return [t.name, { shape: t.shape, values }];
    }),
  );
}

async function run(options: TrainingGraphOptions, state: Map<string, { shape: number[]; values: Float32Array }>, steps: number, seed: number): Promise<Map<string, Float32Array>> {
  const session = await ort.InferenceSession.create(buildTrainingGraph(SPEC, options), { intraOpNumThreads: 1 });
  const rng = new Rng(seed);
  const batch = 8;
  const feeds: Record<string, ort.Tensor> = {
    [TRAINING_GRAPH_NAMES.images]: new ort.Tensor('uint8', Uint8Array.from({ length: steps * batch * SPEC.inputSize }, () => rng.int(256)), [steps, batch, SPEC.inputSize]),
    [TRAINING_GRAPH_NAMES.labels]: new ort.Tensor('uint8', Uint8Array.from({ length: steps * batch }, () => rng.int(10)), [steps, batch]),
  };
  for (const [name, t] of state) feeds[name] = new ort.Tensor('float32', t.values, t.shape);
  const out = await session.run(feeds);
  await session.release();
  return new Map([...state.keys()].map((name) => [name, out[updatedWeightName(name)].data as Float32Array]));
}

describe('buildTrainingGraph with frozenLayers', () => {
  for (const [label, optimizer, block] of [
    ['sgd (fused)', 'sgd', 'loop'],
    ['sgd unrolled', 'sgd', 'unrolled'],
    ['momentum (fused)', MOMENTUM, 'loop'],
    ['adam', ADAM, 'loop'],
  ] as const) {
    it(`${label}: frozen weights and slots come out bit-identical, the others change`, async () => {
      const options: TrainingGraphOptions = { learningRate: 0.05, optimizer, block, stepsPerRun: 3, frozenLayers: ['hidden1'] };
      const state = randomState(options, 1);
      const after = await run(options, state, 3, 2);
      for (const [name, values] of after) {
        if (name.startsWith('dnn/hidden1/')) expect(values, name).toEqual(state.get(name)!.values);
        else if (name.startsWith('dnn/')) expect(values, name).not.toEqual(state.get(name)!.values);
      }
    });
  }

  it('trains the unfrozen layers of a first step exactly as the graph without freezing', async () => {
    for (const frozenLayers of [['hidden1'], ['hidden2'], ['hidden1', 'hidden2'], ['outputs']]) {
      const base: TrainingGraphOptions = { learningRate: 0.05, optimizer: ADAM, stepsPerRun: 1 };
      const state = randomState(base, 3);
      const free = await run(base, state, 1, 4);
      const frozen = await run({ ...base, frozenLayers }, state, 1, 4);
      for (const layer of layerNames(SPEC)) {
        const isFrozen = frozenLayers.includes(layer.scope.slice('dnn/'.length));
        for (const name of [...frozen.keys()].filter((n) => n.startsWith(`${layer.scope}/`))) {
          expect(frozen.get(name), `${frozenLayers}: ${name}`).toEqual(isFrozen ? state.get(name)!.values : free.get(name));
        }
      }
    }
  });

  it('leaves the graph without frozen layers unchanged', () => {
    const options: TrainingGraphOptions = { learningRate: 0.01, optimizer: 'sgd' };
    expect(buildTrainingGraph(SPEC, { ...options, frozenLayers: [] })).toEqual(buildTrainingGraph(SPEC, options));
  });

  it('computes no gradient below the lowest trained layer', () => {
    const options: TrainingGraphOptions = { learningRate: 0.01, optimizer: 'sgd' };
    expect(buildTrainingGraph(SPEC, { ...options, frozenLayers: ['hidden1', 'hidden2'] }).length).toBeLessThan(buildTrainingGraph(SPEC, { ...options, frozenLayers: ['hidden1'] }).length);
  });

  it('refuses an unknown layer and freezing every layer, naming the layers', () => {
    const options: TrainingGraphOptions = { learningRate: 0.01, optimizer: 'sgd' };
    expect(() => buildTrainingGraph(SPEC, { ...options, frozenLayers: ['hidden3'] })).toThrow('options.frozenLayers is an unknown layer "hidden3"; the layers are hidden1, hidden2, outputs');
    expect(() => buildTrainingGraph(SPEC, { ...options, frozenLayers: ['hidden1', 'hidden2', 'outputs'] })).toThrow(/every layer, which leaves nothing to train/);
  });
});
