import { ACTIVATIONS, Rng, type ModelSpec, type NamedWeight } from '@mnist/core';
import { describe, expect, it } from 'vitest';
import { dropoutMasks } from '../dropout-masks.js';
import { initialWeights } from '../initializers.js';
import { referenceLogits, referenceState, referenceStep, type ReferenceBatch, type ReferenceOptions } from './reference-step.js';

const SPEC: ModelSpec = { inputSize: 6, hiddenUnits: [5, 4], activation: 'relu', outputSize: 3, initializer: 'truncated_normal' };

function batch(rows: number, seed: number, rate = 0): ReferenceBatch {
  const rng = new Rng(seed);
  return {
    images: Uint8Array.from({ length: rows * SPEC.inputSize }, () => rng.int(256)),
    labels: Uint8Array.from({ length: rows }, () => rng.int(SPEC.outputSize)),
    pixelScale: 1 / 255,
    dropoutMask: rate > 0 ? dropoutMasks([rows], SPEC.hiddenUnits, rate, rng)[0] : undefined,
  };
}

/** The batch loss with weight `name[index]` nudged by `delta`, with the same dropout mask. */
function lossWith(options: ReferenceOptions, state: Map<string, NamedWeight>, b: ReferenceBatch, name: string, index: number, delta: number): number {
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
        const before = referenceState(options, initialWeights(spec, 3));
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
    const options: ReferenceOptions = { spec: SPEC, optimizer: { name: 'adam', learningRate: 0.01 } };
    const state = referenceState(options, initialWeights(SPEC, 3));
    const w0 = Float32Array.from(state.get('dnn/outputs/kernel')!.values);
    referenceStep(options, state, batch(8, 2));
    state.get('dnn/outputs/kernel')!.values.forEach((v, i) => expect(Math.abs(Math.abs(v - w0[i]) - 0.01)).toBeLessThan(1e-4));
    expect(state.get('beta1_power')!.values[0]).toBeCloseTo(0.81, 6);
    expect(state.get('beta2_power')!.values[0]).toBeCloseTo(0.999 * 0.999, 6);
  });

  it('starts slots at TF1 values and keeps them in the state (momentum, adagrad, rmsprop)', () => {
    const w = initialWeights(SPEC, 3);
    expect(referenceState({ spec: SPEC, optimizer: { name: 'adagrad', learningRate: 0.1 } }, w).get('dnn/hidden1/bias/Adagrad')!.values[0]).toBeCloseTo(0.1, 7);
    const rms = referenceState({ spec: SPEC, optimizer: { name: 'rmsprop', learningRate: 0.1 } }, w);
    expect(rms.get('dnn/hidden1/kernel/RMSProp')!.values[0]).toBe(1);
    expect(rms.has('dnn/hidden1/kernel/RMSProp_1')).toBe(false);
    expect(referenceState({ spec: SPEC, optimizer: { name: 'rmsprop', learningRate: 0.1, momentum: 0.5 } }, w).has('dnn/hidden1/kernel/RMSProp_1')).toBe(true);
    const options: ReferenceOptions = { spec: SPEC, optimizer: { name: 'momentum', learningRate: 0.1 } };
    const state = referenceState(options, w);
    referenceStep(options, state, batch(4, 5));
    const g = state.get('dnn/outputs/bias/Momentum')!.values;
    expect(Array.from(g).some((v) => v !== 0)).toBe(true);
    // The slot survives a round trip through referenceState (a checkpoint with slots).
    expect(referenceState(options, state).get('dnn/outputs/bias/Momentum')!.values).toEqual(g);
  });

  it('logits ignore dropout; a mask of all ones with rate r scales hidden outputs by 1/(1-r)', () => {
    const options: ReferenceOptions = { spec: SPEC, optimizer: { name: 'sgd', learningRate: 1e-30 }, dropoutRate: 0.5 };
    const state = referenceState(options, initialWeights(SPEC, 3));
    const b = batch(3, 9);
    const ones = { ...b, dropoutMask: new Uint8Array(3 * 9).fill(1) };
    const plain = referenceStep({ ...options, dropoutRate: 0 }, referenceState(options, state), b);
    expect(referenceStep(options, referenceState(options, state), ones)).not.toBeCloseTo(plain, 6);
    expect(referenceLogits(SPEC, state, b.images, 3, b.pixelScale)).toHaveLength(9);
  });
});

describe('dropoutMasks', () => {
  it('draws keep-masks with probability 1 - rate, deterministically from the rng', () => {
    const masks = dropoutMasks([50, 20], [300, 100], 0.3, new Rng(1));
    expect(masks.map((m) => m.length)).toEqual([50 * 400, 20 * 400]);
    const kept = masks[0].reduce((a, b) => a + b, 0) / masks[0].length;
    expect(Math.abs(kept - 0.7)).toBeLessThan(0.02);
    expect(dropoutMasks([50, 20], [300, 100], 0.3, new Rng(1))).toEqual(masks);
    expect(dropoutMasks([2], [3], 0, new Rng(1))[0]).toEqual(new Uint8Array(6).fill(1));
    expect(() => dropoutMasks([2], [3], 1, new Rng(1))).toThrow(/rate/);
  });
});
