// The graph's loss and accuracy against values computed by hand, on a tiny network.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { layerNames, type ModelSpec } from '@mnist/core';
import { useTfjsBackend } from './backends.js';
import { dnn } from './dnn.js';
import { inTopKAccuracy, sparseSoftmaxCrossEntropy } from './loss.js';

beforeAll(async () => {
  await useTfjsBackend();
});

describe('sparseSoftmaxCrossEntropy and inTopKAccuracy', () => {
  it('give the mean of logsumexp(row) - row[label] and the top-1 hit rate', async () => {
    const logits = tf.tensor2d([
      [1, 2, 3],
      [0, 0, 0],
      [5, -1, 2],
    ]);
    const labels = tf.tensor1d([2, 1, 1], 'int32');
    const lse = (row: number[]) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    const expected = (lse([1, 2, 3]) - 3 + (Math.log(3) - 0) + (lse([5, -1, 2]) + 1)) / 3;
    expect(sparseSoftmaxCrossEntropy(labels, logits).dataSync()[0]).toBeCloseTo(expected, 5);
    // Row 0 hit, row 1 a three-way tie (TensorFlow counts the label in), row 2 missed.
    expect(await inTopKAccuracy(tf.tensor2d([[1, 2, 3], [0, 3, 1], [5, -1, 2]]), labels)).toBeCloseTo(2 / 3, 6);
  });

  it('scores a tiny network by hand', async () => {
    // 2 inputs -> 2 ReLU units -> 2 logits.
    const spec: ModelSpec = { inputSize: 2, hiddenUnits: [2], activation: 'relu', outputSize: 2, initializer: 'truncated_normal' };
    const [h, o] = layerNames(spec);
    const vars = new Map<string, tf.Variable>([
      [h.kernel, tf.variable(tf.tensor2d([[1, -1], [2, 1]]), true, 'loss-test/h/kernel')],
      [h.bias, tf.variable(tf.tensor1d([0, 0.5]), true, 'loss-test/h/bias')],
      [o.kernel, tf.variable(tf.tensor2d([[1, 0], [0, 1]]), true, 'loss-test/o/kernel')],
      [o.bias, tf.variable(tf.tensor1d([0, -1]), true, 'loss-test/o/bias')],
    ]);
    // x = [1, 1]: hidden = relu([3, 0.5]) = [3, 0.5]; logits = [3, -0.5].
    // x = [1, -1]: hidden = relu([-1, -1.5]) = [0, 0]; logits = [0, -1].
    const logits = dnn(tf.tensor2d([[1, 1], [1, -1]]), spec, vars);
    expect(Array.from(logits.dataSync())).toEqual([3, -0.5, 0, -1]);
    const labels = tf.tensor1d([1, 0], 'int32');
    const expected = (Math.log(Math.exp(3) + Math.exp(-0.5)) + 0.5 + Math.log(1 + Math.exp(-1))) / 2;
    expect(sparseSoftmaxCrossEntropy(labels, logits).dataSync()[0]).toBeCloseTo(expected, 5);
    expect(await inTopKAccuracy(logits, labels)).toBe(0.5);
  });
});
