// Training as an ONNX graph: forward pass, backward pass and optimizer update of the MLP over a block of batches.
import { DEFAULT_OPSET, frozenLayersProblem, isLayeredSpec, layerNames, layerShortNames, ONNX_PRODUCER_NAME, type ModelSpec } from '@mnist/core';
import { activationGradient, activationNode } from './activation-grads.js';
import { encodeModel, GraphBuilder, irVersionForOpset, resolveOpset } from './graph-builder.js';
import {
  cast,
  concat,
  gather,
  gemm,
  identity,
  loop,
  matMul,
  mul,
  oneHot,
  reduceSum,
  reshape,
  shape,
  sub,
  transpose,
} from './ops.js';
import { buildLayeredLogitsGraph, buildLayeredTrainingGraph } from './network-training-step.js';
import { dropoutMaskName, TRAINING_GRAPH_NAMES, updatedWeightName } from './training-graph-names.js';
import { checkActivation, checkLearningRate, pixelScaleOption, softmaxCrossEntropy, stepConstants, type StepConstants } from './training-step-parts.js';
import {
  adamStepSize,
  optimizerState,
  optimizerUpdate,
  slotKinds,
  type TrainingOptimizer,
} from './training-optimizers.js';

export * from './training-graph-names.js';

/** An optimizer's hyperparameters besides the learning rate (which is TrainingGraphOptions.learningRate). */
export type OptimizerHyperparameters = Omit<TrainingOptimizer, 'learningRate'>;

/** Knobs of the training graph; the defaults are the fastest measured forms (bench/onnx-train.mjs). */
export interface TrainingGraphOptions {
  /** Rows per batch; omit for a symbolic `batch` dimension (one session serves every batch size). */
  batchSize?: number;
  /** Batches per run; omit for a symbolic `steps` dimension. Required when `block` is 'unrolled'. */
  stepsPerRun?: number;
  learningRate: number;
  /**
   * 'sgd', or an optimizer with every hyperparameter resolved. Its slots (names of `optimizerState`)
   * are graph inputs and `updatedWeightName(slot)` outputs beside the weights.
   */
  optimizer: 'sgd' | OptimizerHyperparameters;
  /**
   * Inverted dropout on every hidden layer's output (0 = none, the default): h · mask / (1 - rate), the
   * masks given as `dropoutMaskName(scope)` inputs. The gradient flows through the same mask and scale.
   * MLP only: a layered spec refuses a rate above 0.
   */
  dropoutRate?: number;
  /** Multiplies every raw pixel byte inside the graph. Default MNIST's 1/255. */
  pixelScale?: number;
  /** ai.onnx opset, 13 to 26. Default 17. */
  opset?: number;
  /** 'loop': one ONNX Loop over the block (default); 'unrolled': stepsPerRun copies of the step (MLP only). */
  block?: 'loop' | 'unrolled';
  /**
   * 'gemm': gradients by Gemm with transA/transB (default); 'matmul': explicit Transpose then MatMul.
   * MLP only (a layered spec's dense layers use Gemm).
   */
  gradientProducts?: 'gemm' | 'matmul';
  /**
   * Fold `W - lr * (Xᵀ·dZ)` into one Gemm (alpha -lr, beta 1, C = W) instead of computing dW first, and
   * for momentum `m·accum + Xᵀ·dZ` (beta m, C = accum). Same arithmetic up to the rounding of the scaled
   * product; measured 6-8% faster per step with SGD. Default true. MLP only.
   */
  fusedKernelUpdate?: boolean;
  /**
   * Layers kept as loaded (`layerShortNames`: 'hidden1', ..., 'outputs', or a layered spec's 'conv1', ...,
   * 'dense1', ..., 'outputs'; not all of them): their weights
   * and optimizer slots come out of the block as they went in, with no gradient computed for them, and
   * the gradient stops below the lowest trained layer. Default none.
   */
  frozenLayers?: readonly string[];
}

/**
 * Names of the model's weights in graph order: kernel then bias of each layer.
 * @example trainingWeightNames(DEFAULT_MODEL_SPEC)[1] // 'dnn/hidden1/bias'
 */
export function trainingWeightNames(spec: ModelSpec): string[] {
  return layerNames(spec).flatMap((layer) => [layer.kernel, layer.bias]);
}

/** A tensor the training graph carries from step to step: a weight or an optimizer slot. */
export interface TrainingStateTensor {
  name: string;
  shape: number[];
  /** Where a run without it in its checkpoint starts (slots only; weights come from the initializer). */
  initial?: number;
}

/**
 * The weights then the optimizer slots of the training graph, in graph order, with their shapes.
 * @example trainingState(spec, { learningRate: 0.01, optimizer: 'sgd' }).length // 2 per layer
 */
export function trainingState(spec: ModelSpec, options: Pick<TrainingGraphOptions, 'learningRate' | 'optimizer'>): TrainingStateTensor[] {
  return stateTensorsOf(spec, resolvedOptimizer(options));
}

/** `trainingState` for an optimizer already resolved, so buildTrainingGraph checks its options once. */
function stateTensorsOf(spec: ModelSpec, optimizer: TrainingOptimizer): TrainingStateTensor[] {
  const weights: TrainingStateTensor[] = layerNames(spec).flatMap((l) => [
    { name: l.kernel, shape: [...l.kernelShape] },
    { name: l.bias, shape: [...l.biasShape] },
  ]);
  return [...weights, ...optimizerState(spec, optimizer)];
}

/**
 * Builds the ONNX training graph of `spec`. Inputs: `images` uint8 [steps, batch, inputSize], `labels` uint8
 * [steps, batch], every weight and optimizer slot under its checkpoint name (float32, kernels in their
 * `kernelShape`: dense [fan_in, fan_out], conv2d [filters, channels, k, k]; see `trainingState`), and with dropout each hidden layer's `dropoutMaskName(scope)`. Outputs:
 * each of them after the block as `updatedWeightName(name)`, and `losses` float32 [steps]. Each step is the
 * original program's: logits of the batch, loss = mean(logsumexp(logits) - logits[y]), gradient of the
 * logits (softmax - onehot) / batch, back through the activations (and dropout masks), then the
 * optimizer's TF1 update. SGD with the fused kernel update is the fast path. A layered spec (the
 * convolutional family) gets the same contract from its layers' registered pieces (network-training-step.ts).
 * @example
 * const bytes = buildTrainingGraph(DEFAULT_MODEL_SPEC, { learningRate: 0.01, optimizer: 'sgd' });
 * const session = await ort.InferenceSession.create(bytes);
 */
export function buildTrainingGraph(spec: ModelSpec, options: TrainingGraphOptions): Uint8Array {
  const opset = resolveOpset(options.opset ?? DEFAULT_OPSET, 'options.opset');
  checkActivation(spec);
  checkLearningRate(options.learningRate);
  const optimizer = resolvedOptimizer(options);
  const dropoutRate = options.dropoutRate ?? 0;
  if (!(Number.isFinite(dropoutRate) && dropoutRate >= 0 && dropoutRate < 1)) {
    throw new RangeError(`options.dropoutRate must be in [0, 1), got ${dropoutRate}`);
  }
  const pixelScale = pixelScaleOption(options.pixelScale);
  checkOptionalSize(options.batchSize, 'options.batchSize');
  checkOptionalSize(options.stepsPerRun, 'options.stepsPerRun');
  const block = options.block ?? 'loop';
  if (block !== 'loop' && block !== 'unrolled') throw new RangeError(`options.block must be 'loop' or 'unrolled', got ${String(block)}`);
  if (block === 'unrolled' && options.stepsPerRun === undefined) {
    throw new RangeError("options.stepsPerRun is required when options.block is 'unrolled'");
  }
  const products = options.gradientProducts ?? 'gemm';
  if (products !== 'gemm' && products !== 'matmul') {
    throw new RangeError(`options.gradientProducts must be 'gemm' or 'matmul', got ${String(products)}`);
  }

  const frozenNames = options.frozenLayers ?? [];
  const frozenProblem = frozenNames.length === 0 ? undefined : frozenLayersProblem(spec, [...frozenNames]);
  if (frozenProblem) throw new RangeError(`options.frozenLayers is ${frozenProblem}`);
  const shortNames = layerShortNames(spec);
  const frozen = new Set(frozenNames.map((n) => shortNames.indexOf(n)));
  if (isLayeredSpec(spec)) {
    // The convolutional family: a step built from the layers' registered pieces; the MLP below keeps its own fast path.
    if (dropoutRate > 0) throw new RangeError(`options.dropoutRate must be 0 for a layered modelSpec (no dropout in its graph yet), got ${dropoutRate}`);
    if (block !== 'loop') throw new RangeError(`options.block must be 'loop' for a layered modelSpec, got ${String(block)}`);
    return buildLayeredTrainingGraph(spec, { opset, optimizer, pixelScale, batchSize: options.batchSize, stepsPerRun: options.stepsPerRun, frozen, frozenNames, state: stateTensorsOf(spec, optimizer) });
  }

  const batch = options.batchSize ?? 'batch';
  const steps = options.stepsPerRun ?? 'steps';
  const layers = layerNames(spec);
  const g = new GraphBuilder({ opset, name: 'dnn_training', docString: `${optimizer.name} steps of the MNIST multilayer perceptron` });
  const images = g.input(TRAINING_GRAPH_NAMES.images, 'uint8', [steps, batch, spec.inputSize]);
  const labels = g.input(TRAINING_GRAPH_NAMES.labels, 'uint8', [steps, batch]);
  const stateTensors = stateTensorsOf(spec, optimizer);
  const state = stateTensors.map((t) => g.input(t.name, 'float32', t.shape));
  const masks =
    dropoutRate > 0
      ? layers.filter((l) => !l.isOutput).map((l) => g.input(dropoutMaskName(l.scope), 'uint8', [steps, batch, l.fanOut]))
      : [];
  const consts: MlpStepConstants = {
    ...stepConstants(g, spec, optimizer, pixelScale, labels),
    keepScale: dropoutRate > 0 ? g.scalar(1 / (1 - dropoutRate), 'dropout_keep_scale') : undefined,
  };
  const step: StepForm = {
    spec,
    layers,
    optimizer,
    products,
    // Gemm's C term takes plain SGD's weight update, or momentum's accumulator; the others need dW itself.
    fused: (optimizer.name === 'sgd' || optimizer.name === 'momentum') && (options.fusedKernelUpdate ?? true),
    frozen,
    lowestTrained: layers.findIndex((_, i) => !frozen.has(i)),
  };
  const stateOut = stateTensors.map((t) => updatedWeightName(t.name));

  if (block === 'loop') {
    // Loop state: weights and slots; scan output: each step's loss. The body reads the block by iteration number.
    const body = g.subgraph(`${optimizer.name}_step`);
    const iteration = body.input('step_index', 'int64', []);
    const condition = body.input('condition_in', 'bool', []);
    const carried = state.map((w, i) => body.input(`${w}/in_loop`, 'float32', stateTensors[i].shape));
    const x = gather(body, images, iteration, { axis: 0 });
    const y = gather(body, labels, iteration, { axis: 0 });
    const stepMasks = masks.map((m) => gather(body, m, iteration, { axis: 0 }));
    const { loss, updated } = trainingStep(body, step, consts, x, y, stepMasks, carried);
    body.output(identity(body, condition, { name: 'condition_out' }), 'bool', []);
    updated.forEach((w, i) => body.output(w, 'float32', stateTensors[i].shape));
    body.output(loss, 'float32', []);
    const tripCount = gather(g, shape(g, images), g.constant('steps_axis', { dtype: 'int64', dims: [], values: [0] }), { axis: 0 });
    loop(g, tripCount, '', state, body.graph(), 1, [...stateOut, TRAINING_GRAPH_NAMES.losses]);
  } else {
    let current = state;
    const losses: string[] = [];
    const count = options.stepsPerRun as number;
    for (let k = 0; k < count; k++) {
      const index = g.constant(`step_${k}`, { dtype: 'int64', dims: [], values: [k] });
      const stepMasks = masks.map((m) => gather(g, m, index));
      const { loss, updated } = trainingStep(g, step, consts, gather(g, images, index), gather(g, labels, index), stepMasks, current, k === count - 1 ? stateOut : undefined);
      losses.push(reshape(g, loss, [1]));
      current = updated;
    }
    concat(g, losses, { axis: 0 }, { name: TRAINING_GRAPH_NAMES.losses });
  }
  stateOut.forEach((name, i) => g.output(name, 'float32', stateTensors[i].shape));
  g.output(TRAINING_GRAPH_NAMES.losses, 'float32', [steps]);
  const dropout = (dropoutRate > 0 ? `, dropout ${dropoutRate}` : '') + (frozenNames.length ? `, frozen ${frozenNames.join(', ')}` : '');
  return encodeModel(
    g.build({
      irVersion: irVersionForOpset(opset),
      producerName: ONNX_PRODUCER_NAME,
      docString: `${optimizer.name} training steps of ${layers.map((l) => l.fanIn).join('-')}-${spec.outputSize} ${spec.activation}, learning rate ${options.learningRate}${dropout}`,
    }),
  );
}

/** Options of the logits graph. */
export interface LogitsGraphOptions {
  /** Multiplies every raw pixel byte. Default MNIST's 1/255. */
  pixelScale?: number;
  opset?: number;
}

/**
 * Builds the forward pass with the weights as inputs (so one session serves every checkpoint): `images`
 * uint8 [count, inputSize] and the weights under their checkpoint names in, `logits` float32 out. A
 * layered spec's is built from its layers' forward pieces.
 * @example
 * const bytes = buildLogitsGraph(DEFAULT_MODEL_SPEC);
 */
export function buildLogitsGraph(spec: ModelSpec, options: LogitsGraphOptions = {}): Uint8Array {
  const opset = resolveOpset(options.opset ?? DEFAULT_OPSET, 'options.opset');
  checkActivation(spec);
  const pixelScale = pixelScaleOption(options.pixelScale);
  if (isLayeredSpec(spec)) return buildLayeredLogitsGraph(spec, opset, pixelScale);
  const layers = layerNames(spec);
  const g = new GraphBuilder({ opset, name: 'dnn_logits' });
  const images = g.input(TRAINING_GRAPH_NAMES.logitsImages, 'uint8', ['count', spec.inputSize]);
  let activations = mul(g, cast(g, images, { to: 'float32' }), g.scalar(pixelScale, 'pixel_scale'));
  for (const layer of layers) {
    g.input(layer.kernel, 'float32', [layer.fanIn, layer.fanOut]);
    g.input(layer.bias, 'float32', [layer.fanOut]);
    const z = gemm(g, activations, layer.kernel, layer.bias, {}, layer.isOutput ? { name: TRAINING_GRAPH_NAMES.logits } : undefined);
    activations = layer.isOutput ? z : activationNode(g, spec, z);
  }
  g.output(activations, 'float32', ['count', spec.outputSize]);
  return encodeModel(g.build({ irVersion: irVersionForOpset(opset), producerName: ONNX_PRODUCER_NAME }));
}

interface MlpStepConstants extends StepConstants {
  /** 1 / (1 - dropout rate), when there is dropout. */
  keepScale?: string;
}

type Layers = ReturnType<typeof layerNames>;

interface StepForm {
  spec: ModelSpec;
  layers: Layers;
  optimizer: TrainingOptimizer;
  products: 'gemm' | 'matmul';
  fused: boolean;
  /** Indexes (in `layers`) of the frozen layers. */
  frozen: ReadonlySet<number>;
  /** Index of the lowest layer that trains: no gradient flows below it. */
  lowestTrained: number;
}

/**
 * One step on batch (x uint8 [B, in], y uint8 [B], masks uint8 [B, units] per hidden layer when there is
 * dropout); `state` is the weights then the slots (`trainingState` order). Returns its loss and the new state.
 */
function trainingStep(
  g: GraphBuilder,
  form: StepForm,
  c: MlpStepConstants,
  xBytes: string,
  yBytes: string,
  maskBytes: readonly string[],
  state: readonly string[],
  outputNames?: readonly string[],
): { loss: string; updated: string[] } {
  const { layers, optimizer, spec } = form;
  const weights = state.slice(0, 2 * layers.length);
  const kinds = slotKinds(optimizer).length;
  const slotsOf = (w: number) => state.slice(weights.length + w * kinds, weights.length + (w + 1) * kinds);
  const name = (index: number) => (outputNames ? { name: outputNames[index] } : undefined);
  const slotNames = (w: number) => (outputNames ? [outputNames[w], ...outputNames.slice(weights.length + w * kinds, weights.length + (w + 1) * kinds)] : undefined);

  // Forward: keep each layer's input (for dW), and each hidden layer's pre-activation and output (for its gradient).
  const x = mul(g, cast(g, xBytes, { to: 'float32' }), c.pixelScale);
  const scaledMasks = maskBytes.map((m) => mul(g, cast(g, m, { to: 'float32' }), c.keepScale as string));
  const inputs: string[] = [];
  const preActivations: string[] = [];
  const outputs: string[] = [];
  let activations = x;
  layers.forEach((layer, i) => {
    inputs.push(activations);
    const z = gemm(g, activations, weights[2 * i], weights[2 * i + 1]);
    if (layer.isOutput) {
      activations = z;
      return;
    }
    const h = activationNode(g, spec, z);
    preActivations.push(z);
    outputs.push(h);
    activations = scaledMasks.length ? mul(g, h, scaledMasks[i]) : h;
  });
  const logits = activations;

  const oneHotLabels = oneHot(g, cast(g, yBytes, { to: 'int64' }), c.depth, c.offOn);
  const { loss, dLogits } = softmaxCrossEntropy(g, logits, oneHotLabels, c.batchSize);
  let dz = dLogits;

  let adamStep: string | undefined;
  const updated = new Array<string>(state.length);
  if (optimizer.name === 'adam') {
    const p = state.length - 2;
    const powerNames = outputNames ? ([outputNames[p], outputNames[p + 1]] as const) : undefined;
    const adam = adamStepSize(g, c.optimizer, [state[p], state[p + 1]], powerNames);
    adamStep = adam.stepSize;
    [updated[p], updated[p + 1]] = adam.powers;
  }
  const update = (w: number, gradient: string) => {
    const result = optimizerUpdate(g, optimizer, c.optimizer, weights[w], gradient, slotsOf(w), adamStep, slotNames(w));
    updated[w] = result.weight;
    result.slots.forEach((s, k) => (updated[weights.length + w * kinds + k] = s));
  };
  // A frozen weight and its slots leave the step as they came in.
  const keep = (w: number) => {
    updated[w] = identity(g, weights[w], name(w));
    slotsOf(w).forEach((slot, k) => {
      const at = weights.length + w * kinds + k;
      updated[at] = identity(g, slot, outputNames ? { name: outputNames[at] } : undefined);
    });
  };
  for (let i = layers.length - 1; i >= 0; i--) {
    const kernel = weights[2 * i];
    // The gradient flowing to the layer below uses this layer's kernel before its update; none is
    // needed below the lowest trained layer.
    const dInput = i > form.lowestTrained ? product(g, form, dz, kernel, false, true) : undefined;
    if (form.frozen.has(i)) {
      keep(2 * i);
      keep(2 * i + 1);
    } else if (form.fused && optimizer.name === 'sgd') {
      updated[2 * i] = gemm(g, inputs[i], dz, kernel, { transA: true, alpha: -optimizer.learningRate, beta: 1 }, name(2 * i));
    } else if (form.fused) {
      // Momentum: accum = momentum * accum + Xᵀ·dZ in one Gemm, then W -= lr * accum.
      const w = 2 * i;
      const accum = gemm(g, inputs[i], dz, slotsOf(w)[0], { transA: true, alpha: 1, beta: optimizer.momentum }, outputNames ? { name: outputNames[weights.length + w * kinds] } : undefined);
      updated[weights.length + w * kinds] = accum;
      updated[w] = sub(g, kernel, mul(g, c.optimizer.learningRate, accum), name(w));
    } else {
      update(2 * i, product(g, form, inputs[i], dz, true, false));
    }
    if (!form.frozen.has(i)) update(2 * i + 1, reduceSum(g, dz, { axes: [0], keepdims: false }));
    if (dInput !== undefined) {
      const dh = scaledMasks.length ? mul(g, dInput, scaledMasks[i - 1]) : dInput;
      dz = activationGradient(g, spec, c.activation, preActivations[i - 1], outputs[i - 1], dh);
    }
  }
  return { loss, updated };
}

/** a·b with optional transposes, as Gemm attributes or as explicit Transpose nodes before MatMul. */
function product(g: GraphBuilder, form: StepForm, a: string, b: string, transA: boolean, transB: boolean): string {
  if (form.products === 'gemm') return gemm(g, a, b, undefined, { transA, transB });
  return matMul(g, transA ? transpose(g, a) : a, transB ? transpose(g, b) : b);
}

const OPTIMIZERS = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'];

function resolvedOptimizer(options: Pick<TrainingGraphOptions, 'learningRate' | 'optimizer'>): TrainingOptimizer {
  const o = options.optimizer;
  if (o === 'sgd') return { name: 'sgd', learningRate: options.learningRate, momentum: 0, initialAccumulatorValue: 0.1, decay: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
  if (typeof o !== 'object' || o === null || !OPTIMIZERS.includes(o.name)) {
    throw new RangeError(`options.optimizer must be 'sgd' or an optimizer named one of ${OPTIMIZERS.join(', ')}, got ${JSON.stringify(o)}`);
  }
  for (const key of ['momentum', 'initialAccumulatorValue', 'decay', 'beta1', 'beta2', 'epsilon'] as const) {
    if (!Number.isFinite(o[key])) throw new RangeError(`options.optimizer.${key} must be a finite number, got ${o[key]}`);
  }
  return { ...o, learningRate: options.learningRate };
}

function checkOptionalSize(value: number | undefined, argument: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
    throw new RangeError(`${argument} must be a positive integer, got ${value}`);
  }
}
