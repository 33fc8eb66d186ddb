// The hand-written dense gradient (no transposed matMul) against the textbook gradient in float64.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { layerNames, Rng, type ModelSpec } from '@mnist/core';
import { referenceGradients, referenceWeights } from '@mnist/export/testing';
import { useTfjsBackend } from './backends.js';
import { dense } from './dense.js';
import { sparseSoftmaxCrossEntropy } from './loss.js';

beforeAll(async () => {
  await useTfjsBackend();
});

const random = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.float() * 2 - 1);

// Reference: loss = mean CE(relu(X W1 + b1) W2 + b2), gradients by the chain rule in float64 (the shared reference).
function reference(x: Float32Array, w1: Float32Array, b1: Float32Array, w2: Float32Array, b2: Float32Array, y: number[], n: number, d: number, h: number, c: number) {
  const spec: ModelSpec = { inputSize: d, hiddenUnits: [h], activation: 'relu', outputSize: c, initializer: 'truncated_normal' };
  const [hidden, outputs] = layerNames(spec);
  const weights = referenceWeights(spec, [w1, b1, w2, b2]);
  const { gradients, inputGradient } = referenceGradients({ spec }, weights, { images: x, labels: y, pixelScale: 1 });
  expect(inputGradient).toHaveLength(n * d);
  const g = (name: string) => gradients.get(name)!;
  return { gx: inputGradient, gw1: g(hidden.kernel), gb1: g(hidden.bias), gw2: g(outputs.kernel), gb2: g(outputs.bias) };
}

function expectClose(actual: tf.Tensor, expected: Float64Array) {
  const a = actual.dataSync();
  expect(a.length).toBe(expected.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - expected[i])).toBeLessThan(1e-6);
}

describe('dense', () => {
  it('has the gradients of matMul + bias + ReLU, for the inputs and the weights', () => {
    const rng = new Rng(3);
    const [n, d, h, c] = [5, 7, 6, 4];
    const x = random(rng, n * d), w1 = random(rng, d * h), b1 = random(rng, h), w2 = random(rng, h * c), b2 = random(rng, c);
    const y = [0, 3, 1, 2, 3];
    const ref = reference(x, w1, b1, w2, b2, y, n, d, h, c);
    const labels = tf.tensor1d(y, 'int32');
    const f = (X: tf.Tensor, W1: tf.Tensor, B1: tf.Tensor, W2: tf.Tensor, B2: tf.Tensor) =>
      sparseSoftmaxCrossEntropy(
        labels,
        dense(dense(X as tf.Tensor2D, W1 as tf.Tensor2D, B1 as tf.Tensor1D, { activation: 'relu' }), W2 as tf.Tensor2D, B2 as tf.Tensor1D),
      );
    const [gx, gw1, gb1, gw2, gb2] = tf.grads(f)([tf.tensor2d(x, [n, d]), tf.tensor2d(w1, [d, h]), tf.tensor1d(b1), tf.tensor2d(w2, [h, c]), tf.tensor1d(b2)]);
    expectClose(gx, ref.gx);
    expectClose(gw1, ref.gw1);
    expectClose(gb1, ref.gb1);
    expectClose(gw2, ref.gw2);
    expectClose(gb2, ref.gb2);
  });

  it('skips only the input gradient when the input is data', () => {
    const rng = new Rng(4);
    const x = tf.tensor2d(random(rng, 6), [2, 3]);
    const w = tf.tensor2d(random(rng, 12), [3, 4]);
    const b = tf.tensor1d(random(rng, 4));
    // Bare tfjs-core registers no op gradients, so differentiate through the (self-differentiating) CE.
    const labels = tf.tensor1d([1, 2], 'int32');
    const ce = (data: boolean) => (W: tf.Tensor, B: tf.Tensor) =>
      sparseSoftmaxCrossEntropy(labels, dense(x, W as tf.Tensor2D, B as tf.Tensor1D, { activation: 'relu', inputGradient: !data }));
    const [a, bGrad] = tf.grads(ce(true))([w, b]);
    const [c, d] = tf.grads(ce(false))([w, b]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(c.dataSync()));
    expect(Array.from(bGrad.dataSync())).toEqual(Array.from(d.dataSync()));
  });
});
