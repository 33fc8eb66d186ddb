// What the one-session training graph and the slice graphs share: their option checks, the batch size
// read from a block's shape, and the loss with its gradient. Internal to the package (not in index.ts).
import { ACTIVATIONS, MNIST_PREPROCESSING, type ModelSpec } from '@mnist/core';
import type { GraphBuilder } from './graph-builder.js';
import { cast, div, gather, logSoftmax, mul, neg, reduceMean, reduceSum, shape, softmax, sub, type OutputName } from './ops.js';

export function checkActivation(spec: ModelSpec): void {
  if (!ACTIVATIONS.includes(spec.activation)) {
    throw new RangeError(`spec.activation must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(spec.activation)}`);
  }
}

export function checkLearningRate(learningRate: number): void {
  if (!(Number.isFinite(learningRate) && learningRate > 0)) throw new RangeError(`options.learningRate must be a positive number, got ${learningRate}`);
}

/** `options.pixelScale`, MNIST's 1/255 when omitted; the graphs multiply every raw byte by it. */
export function pixelScaleOption(pixelScale: number | undefined): number {
  const value = pixelScale ?? MNIST_PREPROCESSING.pixelScale;
  if (!Number.isFinite(value)) throw new RangeError(`options.pixelScale must be a finite number, got ${value}`);
  return value;
}

/**
 * The batch size as a float32 scalar, read from axis 1 of `block` ([steps, batch, ...]) once per run, so
 * that one session serves any batch size.
 */
export function blockBatchSize(g: GraphBuilder, block: string): string {
  return cast(g, gather(g, shape(g, block), g.constant('batch_axis', { dtype: 'int64', dims: [], values: [1] })), { to: 'float32' });
}

/**
 * The original program's loss, mean over the batch of -log softmax(logits)[y] (= logsumexp(logits) -
 * logits[y]), and its gradient with respect to the logits, (softmax - onehot) / batchSize.
 */
export function softmaxCrossEntropy(g: GraphBuilder, logits: string, oneHotLabels: string, batchSize: string, lossName?: OutputName): { loss: string; dLogits: string } {
  const logProbabilities = logSoftmax(g, logits);
  const loss = reduceMean(g, neg(g, reduceSum(g, mul(g, oneHotLabels, logProbabilities), { axes: [1], keepdims: false })), { keepdims: false }, lossName);
  return { loss, dLogits: div(g, sub(g, softmax(g, logits), oneHotLabels), batchSize) };
}
