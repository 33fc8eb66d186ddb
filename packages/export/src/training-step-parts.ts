// What the one-session training graph and the slice graphs share: their option checks, the batch size
// read from a block's shape, and the loss with its gradient. Internal to the package (not in index.ts).
import { ACTIVATIONS, MNIST_PREPROCESSING, type ModelSpec } from '@mnist/core';
import { activationGradConstants, type ActivationGradConstants } from './activation-grads.js';
import type { GraphBuilder } from './graph-builder.js';
import { optimizerConstants, type OptimizerConstants, type TrainingOptimizer } from './training-optimizers.js';
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

/** The constants every training step reads, made once in the outer graph so a Loop body shares them. */
export interface StepConstants {
  pixelScale: string;
  depth: string;
  offOn: string;
  batchSize: string;
  activation: ActivationGradConstants;
  optimizer: OptimizerConstants;
}

/**
 * Makes the step's constants: the pixel scale, the one-hot depth and values, the batch size read from
 * `labels` ([steps, batch]) once per run, and the activation's and optimizer's scalars.
 */
export function stepConstants(g: GraphBuilder, spec: ModelSpec, optimizer: TrainingOptimizer, pixelScale: number, labels: string): StepConstants {
  return {
    pixelScale: g.scalar(pixelScale, 'pixel_scale'),
    depth: g.int64s([spec.outputSize], 'classes_depth'),
    offOn: g.constant('one_hot_values', { dtype: 'float32', dims: [2], values: [0, 1] }),
    // Outside the Loop: read once per run.
    batchSize: blockBatchSize(g, labels),
    activation: activationGradConstants(g, spec),
    optimizer: optimizerConstants(g, optimizer),
  };
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
