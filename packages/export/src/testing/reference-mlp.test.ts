// The float64 reference of the MLP checked against itself: SGD moves each weight by the finite-difference
// gradient for every activation (with and without dropout), the input gradient too, TF1's optimizer
// slots and Adam's powers, elu as ONNX and tf.nn define it.
import { ACTIVATION_PARAMS, ACTIVATIONS, Rng, type ModelSpec } from '@mnist/core';
import { describe, expect, it } from 'vitest';
import { randomCheckpoint } from './random-model.js';
import {
  referenceActivation,
  referenceActivationGradient,
  referenceForward,
  referenceGradients,
  referenceState,
  referenceStep,
  type ReferenceBatch,
  type ReferenceOptions,
  type ReferenceWeights,
} from './reference-mlp.js';
import type { TrainingOptimizer } from '../training-optimizers.js';

const SPEC: ModelSpec = { inputSize: 6, hiddenUnits: [5, 4], activation: 'relu', outputSize: 3, initializer: 'truncated_normal' };

/** TF1's defaults for the hyperparameters a test does not set. */
const TF1 = { momentum: 0.9, initialAccumulatorValue: 0.1, decay: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
const optimizer = (o: Pick<TrainingOptimizer, 'name' | 'learningRate'> & Partial<TrainingOptimizer>): TrainingOptimizer => ({ ...TF1, ...o });

function weightsOf(spec: ModelSpec, seed: number): ReferenceWeights {
  const { hiddenUnits, ...rest } = spec;
  return randomCheckpoint(hiddenUnits, seed, rest).weights;
}

function batch(rows: number, seed: number, rate = 0): ReferenceBatch {
  const rng = new Rng(seed);
  const units = SPEC.hiddenUnits.reduce((a, b) => a + b, 0);
  return {
    images: Uint8Array.from({ length: rows * SPEC.inputSize }, () => rng.int(256)),
    labels: Uint8Array.from({ length: rows }, () => rng.int(SPEC.outputSize)),
    pixelScale: 1 / 255,
    dropoutMask: rate > 0 ? Uint8Array.from({ length: rows * units }, () => (rng.float() < rate ? 0 : 1)) : undefined,
  };
}

/** The batch loss with weight `name[index]` nudged by `delta`, with the same dropout mask. */
function lossWith(options: ReferenceOptions, state: ReferenceWeights, b: ReferenceBatch, name: string, index: number, delta: number): number {
  const copy = referenceState(options, state);
  copy.get(name)!.values[index] += delta;
  return referenceStep({ ...options, optimizer: { name: 'sgd', learningRate: 1e-30 } }, copy, b);
}

describe('referenceStep', () => {
  for (const activation of ACTIVATIONS) {
    for (const rate of [0, 0.4]) {
      it(`SGD moves each weight by -lr * the finite-difference gradient (${activation}, dropout ${rate})`, () => {
        const spec = { ...SPEC, activation };
        const options: ReferenceOptions = { spec, optimizer: { name: 'sgd', learningRate: 0.5 }, dropoutRate: rate };
        const before = referenceState(options, weightsOf(spec, 3));
        const b = batch(7, 11, rate);
        const after = referenceState(options, before);
        referenceStep(options, after, b);
        for (const name of ['dnn/hidden1/kernel', 'dnn/hidden2/bias', 'dnn/outputs/kernel']) {
          const w0 = before.get(name)!.values;
          for (let i = 0; i < w0.length; i += 3) {
            const h = 1 / 65536; // exact in float32, and small enough not to cross a kink at z = 0
            const numeric = (lossWith(options, before, b, name, i, h) - lossWith(options, before, b, name, i, -h)) / (2 * h);
            const fromUpdate = (w0[i] - after.get(name)!.values[i]) / 0.5;
            expect(Math.abs(numeric - fromUpdate), `${name}[${i}]`).toBeLessThan(2e-4 + 1e-3 * Math.abs(numeric));
          }
        }
      });
    }
  }

  it('adam: the first step moves every weight with a non-zero gradient by about lr (bias-corrected m/sqrt(v) = ±1)', () => {
    const options: ReferenceOptions = { spec: SPEC, optimizer: optimizer({ name: 'adam', learningRate: 0.01 }) };
    const state = referenceState(options, weightsOf(SPEC, 3));
    const w0 = Float32Array.from(state.get('dnn/outputs/kernel')!.values);
    referenceStep(options, state, batch(8, 2));
    state.get('dnn/outputs/kernel')!.values.forEach((v, i) => expect(Math.abs(Math.abs(v - w0[i]) - 0.01)).toBeLessThan(1e-4));
    expect(state.get('beta1_power')!.values[0]).toBeCloseTo(0.81, 6);
    expect(state.get('beta2_power')!.values[0]).toBeCloseTo(0.999 * 0.999, 6);
  });

  it('starts slots at their initial values and keeps them in the state (momentum, adagrad, rmsprop)', () => {
    const w = weightsOf(SPEC, 3);
    expect(referenceState({ spec: SPEC, optimizer: optimizer({ name: 'adagrad', learningRate: 0.1 }) }, w).get('dnn/hidden1/bias/Adagrad')!.values[0]).toBeCloseTo(0.1, 7);
    const rms = referenceState({ spec: SPEC, optimizer: optimizer({ name: 'rmsprop', learningRate: 0.1, momentum: 0 }) }, w);
    expect(rms.get('dnn/hidden1/kernel/RMSProp')!.values[0]).toBe(1);
    expect(rms.has('dnn/hidden1/kernel/RMSProp_1')).toBe(false);
    expect(referenceState({ spec: SPEC, optimizer: optimizer({ name: 'rmsprop', learningRate: 0.1, momentum: 0.5 }) }, w).has('dnn/hidden1/kernel/RMSProp_1')).toBe(true);
    const options: ReferenceOptions = { spec: SPEC, optimizer: optimizer({ name: 'momentum', learningRate: 0.1 }) };
    const state = referenceState(options, w);
    referenceStep(options, state, batch(4, 5));
    const g = state.get('dnn/outputs/bias/Momentum')!.values;
    expect(Array.from(g).some((v) => v !== 0)).toBe(true);
    // The slot survives a round trip through referenceState (a checkpoint with slots).
    expect(referenceState(options, state).get('dnn/outputs/bias/Momentum')!.values).toEqual(g);
  });

  it('logits ignore dropout; a mask of all ones with rate r scales hidden outputs by 1/(1-r)', () => {
    const options: ReferenceOptions = { spec: SPEC, optimizer: { name: 'sgd', learningRate: 1e-30 }, dropoutRate: 0.5 };
    const state = referenceState(options, weightsOf(SPEC, 3));
    const b = batch(3, 9);
    const ones = { ...b, dropoutMask: new Uint8Array(3 * 9).fill(1) };
    const plain = referenceStep({ ...options, dropoutRate: 0 }, referenceState(options, state), b);
    expect(referenceStep(options, referenceState(options, state), ones)).not.toBeCloseTo(plain, 6);
    expect(referenceForward(SPEC, state, b.images, b.pixelScale)).toHaveLength(9);
  });

  it('gives the input gradient too: each input moved by h changes the loss by the gradient times h', () => {
    for (const activation of ACTIVATIONS) {
      const spec = { ...SPEC, activation };
      const weights = weightsOf(spec, 4);
      const x = Float64Array.from(batch(5, 13).images, (v) => v / 255);
      const labels = batch(5, 13).labels;
      const { inputGradient } = referenceGradients({ spec }, weights, { images: x, labels, pixelScale: 1 });
      expect(inputGradient).toHaveLength(x.length);
      const loss = (i: number, delta: number) => {
        const moved = x.slice();
        moved[i] += delta;
        return referenceGradients({ spec }, weights, { images: moved, labels, pixelScale: 1 }).loss;
      };
      for (let i = 0; i < x.length; i += 2) {
        const h = 1e-6;
        const numeric = (loss(i, h) - loss(i, -h)) / (2 * h);
        expect(Math.abs(numeric - inputGradient[i]), `${activation} x[${i}]`).toBeLessThan(1e-7 + 1e-5 * Math.abs(numeric));
      }
    }
  });
});

describe('referenceActivation', () => {
  it('elu is alpha * (e^z - 1) below 0 and its gradient alpha * e^z = out + alpha (ONNX Elu, tf.nn.elu)', () => {
    const alpha = ACTIVATION_PARAMS.eluAlpha;
    for (const z of [-5, -1, -1e-9]) {
      const out = referenceActivation('elu', z);
      expect(out).toBeCloseTo(alpha * (Math.exp(z) - 1), 15);
      expect(referenceActivationGradient('elu', z, out)).toBeCloseTo(alpha * Math.exp(z), 15);
    }
    expect(referenceActivation('elu', 2)).toBe(2);
    expect(referenceActivationGradient('elu', 2, 2)).toBe(1);
    // Near 0 it keeps the digits exp(z) - 1 would cancel (that form is off by about 1e-16 here).
    expect(Math.abs(referenceActivation('elu', -1e-12) - alpha * (-1e-12 + 0.5e-24))).toBeLessThan(1e-26);
  });
});
