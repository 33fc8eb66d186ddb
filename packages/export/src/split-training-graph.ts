// Training split across cores: each core holds a slice of the first hidden layer's units, and one
// exchange per step (the slices' partial sums of the next layer's pre-activation) joins them.
import { DEFAULT_OPSET, layerNames, ONNX_PRODUCER_NAME, type ModelSpec } from '@mnist/core';
import { activationGradConstants, activationGradient, activationNode } from './activation-grads.js';
import { encodeModel, GraphBuilder, irVersionForOpset, resolveOpset } from './graph-builder.js';
import { add, cast, gather, gemm, matMul, mul, oneHot, reduceSum, sub } from './ops.js';
import { TRAINING_GRAPH_NAMES, updatedWeightName } from './training-graph.js';
import { blockBatchSize, checkActivation, checkLearningRate, pixelScaleOption, softmaxCrossEntropy } from './training-step-parts.js';

/** Inputs and outputs of the slice graphs besides the weights (which keep their checkpoint names). */
export const SPLIT_GRAPH_NAMES = Object.freeze({
  /** uint8 [count, inputSize] and [count]: the whole training set, which the graphs index (no gathering outside). */
  images: TRAINING_GRAPH_NAMES.images,
  labels: TRAINING_GRAPH_NAMES.labels,
  /** int32 [steps, batch]: the rows of every batch of the block. */
  batches: 'batches',
  /** int64 []: the batch of the block this step trains on. */
  step: 'step',
  /** int64 []: the batch whose forward pass through the slice the run prepares for the next run. */
  nextStep: 'next_step',
  /**
   * float32 [batch, inputSize]: batch `step`'s pixels as floats, unscaled (the pixel scale is folded into
   * the first layer's products); then the slice's pre-activation and activation [batch, units] of that batch.
   * All from the run before.
   */
  input: 'slice/input',
  preActivation: 'slice/pre_activation',
  activation: 'slice/activation',
  /** The same of batch `nextStep`, with the updated weights: the next run's inputs. */
  nextInput: 'next/input',
  nextPreActivation: 'next/pre_activation',
  nextActivation: 'next/activation',
  /** float32 [batch, fanOut of layer 2]: this slice's share of layer 2's pre-activation for batch `nextStep`. */
  nextPartial: 'next/partial',
  /** float32 []: the step's mean loss, before its update. */
  loss: 'loss',
});

/**
 * The name of slice `k`'s partial-sum input.
 * @example partialName(1) // 'partial_1'
 */
export function partialName(k: number): string {
  return `partial_${k}`;
}

/** The two graphs of one slice: the step, and the prologue that prepares a block's first step. */
export interface SliceGraphs {
  step: Uint8Array;
  prologue: Uint8Array;
}

export interface SplitTrainingGraphOptions {
  /** Units of the first hidden layer held by each slice, in order; they sum to hiddenUnits[0]. */
  sliceUnits: readonly number[];
  /** Plain SGD's learning rate (the only optimizer of the split form). */
  learningRate: number;
  /** Multiplies every raw pixel byte. */
  pixelScale: number;
  opset?: number;
}

/**
 * The weights of a slice of `units` units with their shapes, in graph order: its columns of the first
 * layer's kernel and bias, its rows of the second layer's kernel, then every other weight whole (each slice
 * keeps a copy and updates it identically).
 * @example sliceState(DEFAULT_MODEL_SPEC, 150)[0] // { name: 'dnn/hidden1/kernel', shape: [784, 150] }
 */
export function sliceState(spec: ModelSpec, units: number): { name: string; shape: number[] }[] {
  const [first, second, ...rest] = layerNames(spec);
  return [
    { name: first.kernel, shape: [first.fanIn, units] },
    { name: first.bias, shape: [units] },
    { name: second.kernel, shape: [units, second.fanOut] },
    { name: second.bias, shape: [second.fanOut] },
    ...rest.flatMap((l) => [
      { name: l.kernel, shape: [l.fanIn, l.fanOut] },
      { name: l.bias, shape: [l.fanOut] },
    ]),
  ];
}

/**
 * Builds the step and prologue graphs of slice `k` (width `sliceUnits[k]`) for SGD on `spec`.
 *
 * A run of the step graph on batch t: layer 2's pre-activation is the sum, in slice order, of every
 * slice's `partialName(j)` plus its bias; the rest of the forward pass, the loss and the backward pass are
 * the training graph's; the slice's kernel columns are updated from its own stored activations; then the
 * run does batch `nextStep`'s forward pass through the slice with the new weights, so that the only
 * exchange between slices is `nextPartial`. The prologue does that forward pass alone, before a block.
 * Summing the slices in a fixed order makes every slice's copy of the shared weights the same bits.
 * @example const { step, prologue } = buildSliceGraphs(DEFAULT_MODEL_SPEC, 0, { sliceUnits: [150, 150], learningRate: 0.01, pixelScale: 1 / 255 });
 */
export function buildSliceGraphs(spec: ModelSpec, k: number, options: SplitTrainingGraphOptions): SliceGraphs {
  const opset = resolveOpset(options.opset ?? DEFAULT_OPSET, 'options.opset');
  checkActivation(spec);
  if (spec.hiddenUnits.length < 1) throw new RangeError('a split training graph needs at least one hidden layer');
  const slices = options.sliceUnits;
  if (slices.length < 2 || slices.some((u) => !Number.isInteger(u) || u < 1) || slices.reduce((a, b) => a + b, 0) !== spec.hiddenUnits[0]) {
    throw new RangeError(`options.sliceUnits must be two or more positive integers summing to ${spec.hiddenUnits[0]}, got [${slices.join(', ')}]`);
  }
  if (!Number.isInteger(k) || k < 0 || k >= slices.length) throw new RangeError(`slice ${k} is not in [0, ${slices.length})`);
  checkLearningRate(options.learningRate);
  pixelScaleOption(options.pixelScale);
  const units = slices[k];
  const layers = layerNames(spec);
  const state = sliceState(spec, units);
  const build = (g: GraphBuilder) => encodeModel(g.build({ irVersion: irVersionForOpset(opset), producerName: ONNX_PRODUCER_NAME }));
  const N = SPLIT_GRAPH_NAMES;

  const prologue = new GraphBuilder({ opset, name: 'slice_prologue' });
  {
    const images = prologue.input(N.images, 'uint8', ['count', spec.inputSize]);
    const batches = prologue.input(N.batches, 'int32', ['steps', 'batch']);
    const next = prologue.input(N.nextStep, 'int64', []);
    const [w1, b1, w2] = state.slice(0, 3).map((t) => prologue.input(t.name, 'float32', t.shape));
    sliceForward(prologue, spec, images, gather(prologue, batches, next, { axis: 0 }), options.pixelScale, w1, b1, w2);
    outputForward(prologue, spec, units, layers[1].fanOut);
  }

  const g = new GraphBuilder({ opset, name: 'slice_step' });
  const images = g.input(N.images, 'uint8', ['count', spec.inputSize]);
  const labels = g.input(N.labels, 'uint8', ['count']);
  const batches = g.input(N.batches, 'int32', ['steps', 'batch']);
  const step = g.input(N.step, 'int64', []);
  const next = g.input(N.nextStep, 'int64', []);
  const partials = slices.map((_, j) => g.input(partialName(j), 'float32', ['batch', layers[1].fanOut]));
  const x = g.input(N.input, 'float32', ['batch', spec.inputSize]);
  const sliceZ = g.input(N.preActivation, 'float32', ['batch', units]);
  const sliceH = g.input(N.activation, 'float32', ['batch', units]);
  const weights = state.map((t) => g.input(t.name, 'float32', t.shape));
  const learningRate = g.scalar(options.learningRate, 'learning_rate');
  const gradConstants = activationGradConstants(g, spec);
  const batchSize = blockBatchSize(g, batches);

  // Forward from layer 2: its pre-activation is the slices' partial sums, in slice order, plus its bias.
  // preActivations[i] and outputs[i] are hidden layer i's (layer 0's are the slice's, from the last run).
  const preActivations = [sliceZ];
  const outputs = [sliceH];
  let z = add(g, partials.slice(1).reduce((sum, p) => add(g, sum, p), partials[0]), weights[3]);
  for (let i = 1; !layers[i].isOutput; i++) {
    preActivations.push(z);
    outputs.push(activationNode(g, spec, z));
    z = gemm(g, outputs[i], weights[2 * i + 2], weights[2 * i + 3]);
  }
  const logits = z;
  const oneHotLabels = oneHot(
    g,
    cast(g, gather(g, labels, gather(g, batches, step, { axis: 0 }), { axis: 0 }), { to: 'int64' }),
    g.int64s([spec.outputSize], 'classes_depth'),
    g.constant('one_hot_values', { dtype: 'float32', dims: [2], values: [0, 1] }),
  );
  const { loss, dLogits } = softmaxCrossEntropy(g, logits, oneHotLabels, batchSize, { name: N.loss });
  let dz = dLogits;

  const lr = -options.learningRate;
  const updateBias = (w: number, gradient: string) =>
    sub(g, weights[w], mul(g, learningRate, reduceSum(g, gradient, { axes: [0], keepdims: false })), { name: updatedWeightName(state[w].name) });
  for (let i = layers.length - 1; i >= 1; i--) {
    const kernel = weights[2 * i];
    // The gradient flowing to the layer below uses this layer's kernel before its update.
    const dInput = gemm(g, dz, kernel, undefined, { transB: true });
    gemm(g, outputs[i - 1], dz, kernel, { transA: true, alpha: lr, beta: 1 }, { name: updatedWeightName(state[2 * i].name) });
    updateBias(2 * i + 1, dz);
    dz = activationGradient(g, spec, gradConstants, preActivations[i - 1], outputs[i - 1], dInput);
  }
  const w1 = gemm(g, x, dz, weights[0], { transA: true, alpha: lr * options.pixelScale, beta: 1 }, { name: updatedWeightName(state[0].name) });
  const b1 = updateBias(1, dz);
  sliceForward(g, spec, images, gather(g, batches, next, { axis: 0 }), options.pixelScale, w1, b1, updatedWeightName(state[2].name));
  g.output(loss, 'float32', []);
  state.forEach((t) => g.output(updatedWeightName(t.name), 'float32', t.shape));
  outputForward(g, spec, units, layers[1].fanOut);
  return { step: build(g), prologue: build(prologue) };
}

/**
 * The forward pass through the slice of the batch whose rows are `rows`, to the slice's partial sum of layer
 * 2's pre-activation. The pixel scale multiplies the product (Gemm's alpha) instead of every pixel, which
 * saves a pass over them.
 */
function sliceForward(g: GraphBuilder, spec: ModelSpec, images: string, rows: string, pixelScale: number, w1: string, b1: string, w2: string): void {
  const N = SPLIT_GRAPH_NAMES;
  const x = cast(g, gather(g, images, rows, { axis: 0 }), { to: 'float32' }, { name: N.nextInput });
  const z = gemm(g, x, w1, b1, { alpha: pixelScale, beta: 1 }, { name: N.nextPreActivation });
  const h = activationNode(g, spec, z, { name: N.nextActivation });
  matMul(g, h, w2, { name: N.nextPartial });
}

function outputForward(g: GraphBuilder, spec: ModelSpec, units: number, partialWidth: number): void {
  const N = SPLIT_GRAPH_NAMES;
  g.output(N.nextInput, 'float32', ['batch', spec.inputSize]);
  g.output(N.nextPreActivation, 'float32', ['batch', units]);
  g.output(N.nextActivation, 'float32', ['batch', units]);
  g.output(N.nextPartial, 'float32', ['batch', partialWidth]);
}
