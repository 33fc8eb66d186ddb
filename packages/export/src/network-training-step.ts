// The training graph and the logits graph of a layered spec (the convolutional family), built from the
// layers' registered pieces (layers/registry.ts): one Loop over the block, each step the forward pass,
// softmax cross-entropy, each layer's backward piece from the top down, and the optimizer's TF1 update.
// buildTrainingGraph and buildLogitsGraph route layered specs here; the MLP keeps its own fast path.
import { describeNetwork, networkLayers, ONNX_PRODUCER_NAME, type ModelSpec, type NetworkLayer } from '@mnist/core';
import { activationGradient } from './activation-grads.js';
import { encodeModel, GraphBuilder, irVersionForOpset } from './graph-builder.js';
import type { LayerWeights } from './layers/layer-kernel.js';
import { networkForward } from './layers/network-forward.js';
import { layerKernel } from './layers/registry.js';
import { cast, gather, identity, loop, mul, oneHot, shape } from './ops.js';
import { TRAINING_GRAPH_NAMES, updatedWeightName } from './training-graph-names.js';
import { softmaxCrossEntropy, stepConstants, type StepConstants } from './training-step-parts.js';
import { adamStepSize, optimizerUpdate, slotKinds, type TrainingOptimizer } from './training-optimizers.js';

/** What buildTrainingGraph resolved and checked before routing a layered spec here. */
export interface LayeredTrainingGraphForm {
  opset: number;
  optimizer: TrainingOptimizer;
  pixelScale: number;
  batchSize?: number;
  stepsPerRun?: number;
  /** Indexes (in `layerNames(spec)`) of the frozen layers, and their short names for the doc string. */
  frozen: ReadonlySet<number>;
  frozenNames: readonly string[];
  /** The weights then the optimizer slots, in graph order (`trainingState`). */
  state: readonly { name: string; shape: number[] }[];
}


/**
 * The training graph of a layered spec, same contract as the MLP's (see buildTrainingGraph).
 * @example const bytes = buildLayeredTrainingGraph(DEFAULT_CNN_SPEC, form);
 */
export function buildLayeredTrainingGraph(spec: ModelSpec, form: LayeredTrainingGraphForm): Uint8Array {
  const { optimizer, state: stateTensors } = form;
  const layers = networkLayers(spec);
  const batch = form.batchSize ?? 'batch';
  const steps = form.stepsPerRun ?? 'steps';
  const g = new GraphBuilder({ opset: form.opset, name: 'cnn_training', docString: `${optimizer.name} steps of the MNIST convolutional network` });
  const images = g.input(TRAINING_GRAPH_NAMES.images, 'uint8', [steps, batch, spec.inputSize]);
  const labels = g.input(TRAINING_GRAPH_NAMES.labels, 'uint8', [steps, batch]);
  const state = stateTensors.map((t) => g.input(t.name, 'float32', t.shape));
  const consts = stepConstants(g, spec, optimizer, form.pixelScale, labels);

  const body = g.subgraph(`${optimizer.name}_step`);
  const iteration = body.input('step_index', 'int64', []);
  const condition = body.input('condition_in', 'bool', []);
  const carried = state.map((w, i) => body.input(`${w}/in_loop`, 'float32', stateTensors[i].shape));
  const x = gather(body, images, iteration, { axis: 0 });
  const y = gather(body, labels, iteration, { axis: 0 });
  const { loss, updated } = layeredStep(body, spec, layers, form, consts, x, y, carried);
  body.output(identity(body, condition, { name: 'condition_out' }), 'bool', []);
  updated.forEach((w, i) => body.output(w, 'float32', stateTensors[i].shape));
  body.output(loss, 'float32', []);
  const stateOut = stateTensors.map((t) => updatedWeightName(t.name));
  const tripCount = gather(g, shape(g, images), g.constant('steps_axis', { dtype: 'int64', dims: [], values: [0] }), { axis: 0 });
  loop(g, tripCount, '', state, body.graph(), 1, [...stateOut, TRAINING_GRAPH_NAMES.losses]);
  stateOut.forEach((name, i) => g.output(name, 'float32', stateTensors[i].shape));
  g.output(TRAINING_GRAPH_NAMES.losses, 'float32', [steps]);
  const frozen = form.frozenNames.length ? `, frozen ${form.frozenNames.join(', ')}` : '';
  return encodeModel(
    g.build({
      irVersion: irVersionForOpset(form.opset),
      producerName: ONNX_PRODUCER_NAME,
      docString: `${optimizer.name} training steps of ${describeNetwork(spec)}, learning rate ${optimizer.learningRate}${frozen}`,
    }),
  );
}

/**
 * The logits graph of a layered spec: `images` uint8 [count, inputSize] and the weights (kernels in
 * their `kernelShape`) in, `logits` float32 [count, outputSize] out.
 * @example const bytes = buildLayeredLogitsGraph(DEFAULT_CNN_SPEC, 17, 1 / 255);
 */
export function buildLayeredLogitsGraph(spec: ModelSpec, opset: number, pixelScale: number): Uint8Array {
  const layers = networkLayers(spec);
  const g = new GraphBuilder({ opset, name: 'cnn_logits' });
  const images = g.input(TRAINING_GRAPH_NAMES.logitsImages, 'uint8', ['count', spec.inputSize]);
  for (const l of layers) {
    if (!l.weights) continue;
    g.input(l.weights.kernel, 'float32', l.weights.kernelShape);
    g.input(l.weights.bias, 'float32', l.weights.biasShape);
  }
  const x = mul(g, cast(g, images, { to: 'float32' }), g.scalar(pixelScale, 'pixel_scale'));
  const { logits } = networkForward(g, spec, layers, x, weightsByName, { logits: TRAINING_GRAPH_NAMES.logits });
  g.output(logits, 'float32', ['count', spec.outputSize]);
  return encodeModel(g.build({ irVersion: irVersionForOpset(opset), producerName: ONNX_PRODUCER_NAME }));
}

const weightsByName = (l: NetworkLayer): LayerWeights | undefined => (l.weights ? { kernel: l.weights.kernel, bias: l.weights.bias } : undefined);

/**
 * One step on batch x uint8 [B, inputSize], y uint8 [B]; `state` is the weights then the slots. Returns
 * its loss and the new state, in the same order.
 */
function layeredStep(
  g: GraphBuilder,
  spec: ModelSpec,
  layers: readonly NetworkLayer[],
  form: LayeredTrainingGraphForm,
  c: StepConstants,
  xBytes: string,
  yBytes: string,
  state: readonly string[],
): { loss: string; updated: string[] } {
  const { optimizer, frozen } = form;
  // Weighted layer w of layerNames(spec) is network layer weighted[w]; its kernel is state[2w], its bias state[2w + 1].
  const weighted = layers.flatMap((l, i) => (l.weights ? [i] : []));
  const weightCount = 2 * weighted.length;
  const kinds = slotKinds(optimizer).length;
  const weightsOf = new Map(weighted.map((layerIndex, w) => [layerIndex, { kernel: state[2 * w], bias: state[2 * w + 1] }]));

  const x = mul(g, cast(g, xBytes, { to: 'float32' }), c.pixelScale);
  const forward = networkForward(g, spec, layers, x, (_, i) => weightsOf.get(i), {});
  const oneHotLabels = oneHot(g, cast(g, yBytes, { to: 'int64' }), c.depth, c.offOn);
  const { loss, dLogits } = softmaxCrossEntropy(g, forward.logits, oneHotLabels, c.batchSize);

  const updated = new Array<string>(state.length);
  let adamStep: string | undefined;
  if (optimizer.name === 'adam') {
    const p = state.length - 2;
    const adam = adamStepSize(g, c.optimizer, [state[p], state[p + 1]]);
    adamStep = adam.stepSize;
    [updated[p], updated[p + 1]] = adam.powers;
  }
  // Weight `at` (kernel or bias) by its gradient; its slots follow the weights in `state`.
  const update = (at: number, gradient: string) => {
    const slotsAt = (k: number) => weightCount + at * kinds + k;
    const result = optimizerUpdate(g, optimizer, c.optimizer, state[at], gradient, state.slice(slotsAt(0), slotsAt(kinds)), adamStep);
    updated[at] = result.weight;
    result.slots.forEach((s, k) => (updated[slotsAt(k)] = s));
  };
  // A frozen layer's weights and slots leave the step as they came in.
  for (const w of frozen) {
    for (const at of [2 * w, 2 * w + 1]) {
      updated[at] = identity(g, state[at]);
      for (let k = 0; k < kinds; k++) updated[weightCount + at * kinds + k] = identity(g, state[weightCount + at * kinds + k]);
    }
  }

  // Backward from the logits down to the lowest layer that trains; no gradient flows below it.
  const lowest = weighted[[...weighted.keys()].find((w) => !frozen.has(w)) as number];
  let dOutput: string | undefined = dLogits;
  for (let i = layers.length - 1; i >= lowest; i--) {
    const layer = layers[i];
    const step = forward.steps[i];
    const w = weighted.indexOf(i);
    const dz = layer.activated ? activationGradient(g, spec, c.activation, step.forward.output, step.activated as string, dOutput as string) : (dOutput as string);
    const trains = w >= 0 && !frozen.has(w);
    const grads = layerKernel(layer.layer.kind).backward(g, {
      layer,
      input: step.input,
      forward: step.forward,
      dOutput: dz,
      weights: weightsOf.get(i),
      weightGradients: trains,
      inputGradient: i > lowest,
    });
    if (trains) {
      update(2 * w, grads.dKernel as string);
      update(2 * w + 1, grads.dBias as string);
    }
    dOutput = grads.dInput;
  }
  return { loss, updated };
}
