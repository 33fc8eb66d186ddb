// Test support: the one plain-JS reference of the MLP (forward pass, gradients, one optimizer step by
// TF1's rules) that the ONNX graphs, the trainer's engines and the runtimes are checked against; a
// layered spec's forward pass and gradients are reference-convnet.ts's, through the same functions.
// float64 arithmetic; weights and slots live in float32 (NamedWeight values), as the engines store them.
import { isLayeredSpec, layerNames, layerShortNames, type ModelSpec, type NamedWeight } from '@mnist/core';
import { optimizerState, type TrainingOptimizer } from '../training-optimizers.js';
import { referenceActivation, referenceActivationGradient } from './reference-activation.js';
// The activations' reference has its own file (the convnet's reference reads it too); exported from here as before.
export { referenceActivation, referenceActivationGradient } from './reference-activation.js';
import { convnetForward, convnetGradients } from './reference-convnet.js';
import { referenceSoftmaxCrossEntropy } from './reference-loss.js';
import { referenceUpdate } from './reference-update.js';

/** Weights (and optimizer slots) by checkpoint name, as a checkpoint or an engine holds them. */
export type ReferenceWeights = Map<string, NamedWeight>;

/** An optimizer with every hyperparameter resolved, or plain SGD, which has none but its rate. */
export type ReferenceOptimizer = TrainingOptimizer | { name: 'sgd'; learningRate: number };

/** What the reference trains: the network, its optimizer, the dropout rate (0 = none) and the frozen layers. */
export interface ReferenceOptions {
  spec: ModelSpec;
  optimizer: ReferenceOptimizer;
  dropoutRate?: number;
  /** Short layer names (`layerShortNames`) whose weights and slots the step leaves as they are. */
  frozenLayers?: readonly string[];
}

/** One batch: its rows' inputs [rows, inputSize], labels [rows], and its dropout mask if any. */
export interface ReferenceBatch {
  /** Pixel bytes, or inputs already scaled (then `pixelScale` is 1). */
  images: ArrayLike<number>;
  labels: ArrayLike<number>;
  /** Multiplies every input before the first layer (1/255 for pixel bytes). */
  pixelScale: number;
  /** Per hidden layer in order, the [rows × units] keep-mask, concatenated (as the trainer's EpochData.dropoutMasks). */
  dropoutMask?: Uint8Array;
}

/** An epoch's data in the trainer's EpochData shape: the whole set and the batches' row indices. */
export interface ReferenceEpochData {
  images: Uint8Array;
  labels: Uint8Array;
  batches: readonly ArrayLike<number>[];
  pixelScale: number;
  dropoutMasks?: readonly Uint8Array[];
}

/** The loss of a batch and its gradients, before any update. */
export interface ReferenceGradients {
  /** mean over rows of logsumexp(logits) - logits[label]. */
  loss: number;
  /** d loss / d weight, by checkpoint name (kernels and biases). */
  gradients: Map<string, Float64Array>;
  /** d loss / d input, [rows, inputSize], with respect to the scaled inputs. */
  inputGradient: Float64Array;
}

/**
 * Weights for `spec` from their values in checkpoint order: each layer's kernel ([fanIn, fanOut],
 * row-major) then its bias. Values are copied to float32.
 * @example const weights = referenceWeights(spec, [w1, b1, w2, b2]);
 */
export function referenceWeights(spec: ModelSpec, values: readonly ArrayLike<number>[]): ReferenceWeights {
  const shapes = layerNames(spec).flatMap((l) => [
    { name: l.kernel, shape: [...l.kernelShape] },
    { name: l.bias, shape: [...l.biasShape] },
  ]);
  if (values.length !== shapes.length) throw new RangeError(`values: ${shapes.length} arrays (kernel and bias per layer) expected, got ${values.length}`);
  return new Map(
    shapes.map(({ name, shape }, i) => {
      const size = shape.reduce((a, b) => a * b, 1);
      if (values[i].length !== size) throw new RangeError(`values[${i}] (${name}): ${size} values expected, got ${values[i].length}`);
      return [name, { name, shape, values: Float32Array.from(values[i]) }];
    }),
  );
}

/**
 * The model weights plus every optimizer slot, slots taken from `weights` when present, else at their
 * initial values (as a run that starts without slots in its checkpoint). Values are copied.
 * @example const state = referenceState({ spec, optimizer: { name: 'sgd', learningRate: 0.1 } }, checkpoint.weights);
 */
export function referenceState(options: Pick<ReferenceOptions, 'spec' | 'optimizer'>, weights: ReferenceWeights): ReferenceWeights {
  const copy = (w: NamedWeight): NamedWeight => ({ name: w.name, shape: [...w.shape], values: Float32Array.from(w.values) });
  const state: ReferenceWeights = new Map();
  for (const layer of layerNames(options.spec)) {
    for (const name of [layer.kernel, layer.bias]) {
      const w = weights.get(name);
      if (!w) throw new RangeError(`weights: ${name} is missing`);
      state.set(name, copy(w));
    }
  }
  const { optimizer } = options;
  for (const slot of optimizer.name === 'sgd' ? [] : optimizerState(options.spec, optimizer)) {
    const given = weights.get(slot.name);
    const size = slot.shape.reduce((a, b) => a * b, 1);
    state.set(slot.name, given ? copy(given) : { name: slot.name, shape: [...slot.shape], values: new Float32Array(size).fill(slot.initial) });
  }
  return state;
}

/**
 * Logits (float64, [rows, outputSize]) of rows of inputs, without dropout; rows = inputs / inputSize.
 * @example const logits = referenceForward(spec, state, images, 1 / 255);
 */
export function referenceForward(spec: ModelSpec, weights: ReferenceWeights, images: ArrayLike<number>, pixelScale: number): Float64Array {
  if (isLayeredSpec(spec)) return convnetForward(spec, weights, images, pixelScale).logits;
  return forward(spec, weights, images, pixelScale).logits;
}

/**
 * The loss of `batch` and its gradients for every weight and for the inputs, through the dropout mask
 * when `options.dropoutRate` > 0.
 * @example const { loss, gradients } = referenceGradients({ spec }, weights, { images, labels, pixelScale: 1 });
 */
export function referenceGradients(options: Pick<ReferenceOptions, 'spec' | 'dropoutRate'>, weights: ReferenceWeights, batch: ReferenceBatch): ReferenceGradients {
  const { spec } = options;
  const rate = options.dropoutRate ?? 0;
  if (isLayeredSpec(spec)) {
    if (rate > 0) throw new RangeError(`options.dropoutRate must be 0 for a layered modelSpec, got ${rate}`);
    return convnetGradients(spec, weights, batch);
  }
  const rows = batch.labels.length;
  const layers = layerNames(spec);
  const unitsPerRow = spec.hiddenUnits.reduce((a, b) => a + b, 0);
  if (rate > 0 && (!batch.dropoutMask || batch.dropoutMask.length !== rows * unitsPerRow)) {
    throw new RangeError(`batch.dropoutMask must hold ${rows * unitsPerRow} values when dropoutRate > 0`);
  }
  const masks: (Uint8Array | undefined)[] = [];
  let offset = 0;
  for (const units of spec.hiddenUnits) {
    masks.push(rate > 0 ? (batch.dropoutMask as Uint8Array).subarray(offset, offset + rows * units) : undefined);
    offset += rows * units;
  }
  const f = forward(spec, weights, batch.images, batch.pixelScale, masks, rate);
  if (f.logits.length !== rows * spec.outputSize) throw new RangeError(`batch: ${rows} labels for ${f.logits.length / spec.outputSize} rows of images`);
  const { loss, dLogits } = referenceSoftmaxCrossEntropy(f.logits, batch.labels, spec.outputSize);
  let dz = dLogits;

  const gradients = new Map<string, Float64Array>();
  for (let l = layers.length - 1; l >= 0; l--) {
    const { fanIn, fanOut, kernel, bias } = layers[l];
    const input = f.inputs[l];
    const dKernel = new Float64Array(fanIn * fanOut);
    const dBias = new Float64Array(fanOut);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < fanOut; o++) {
        const d = dz[r * fanOut + o];
        if (d === 0) continue;
        dBias[o] += d;
        for (let i = 0; i < fanIn; i++) dKernel[i * fanOut + o] += input[r * fanIn + i] * d;
      }
    }
    gradients.set(kernel, dKernel);
    gradients.set(bias, dBias);
    // Back to the layer below: through this layer's kernel (before its update), then, for a hidden
    // layer below, the dropout mask and scale and the activation's derivative.
    const w = (weights.get(kernel) as NamedWeight).values;
    const below = new Float64Array(rows * fanIn);
    const mask = l > 0 ? masks[l - 1] : undefined;
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < fanIn; i++) {
        let s = 0;
        for (let o = 0; o < fanOut; o++) s += dz[r * fanOut + o] * w[i * fanOut + o];
        const k = r * fanIn + i;
        if (l === 0) {
          below[k] = s;
          continue;
        }
        if (mask) s = mask[k] ? s / (1 - rate) : 0;
        below[k] = s * referenceActivationGradient(spec, f.preActivations[l - 1][k], f.activations[l - 1][k]);
      }
    }
    dz = below;
  }
  return { loss, gradients, inputGradient: dz };
}

/**
 * One training step on `batch`: returns its loss (before the update) and updates `state` (from
 * `referenceState`) in place: weights and slots, by the optimizer's TF1 rule.
 * @example const loss = referenceStep(options, state, { images, labels, pixelScale: 1 / 255 });
 */
export function referenceStep(options: ReferenceOptions, state: ReferenceWeights, batch: ReferenceBatch): number {
  const { loss, gradients } = referenceGradients(options, state, batch);
  for (const frozen of frozenWeightNames(options)) gradients.delete(frozen);
  referenceUpdate(options.optimizer, state, gradients);
  return loss;
}

/** The kernel and bias names of `options.frozenLayers`. */
function frozenWeightNames(options: Pick<ReferenceOptions, 'spec' | 'frozenLayers'>): string[] {
  const frozen = new Set(options.frozenLayers ?? []);
  const short = layerShortNames(options.spec);
  return layerNames(options.spec).flatMap((l, i) => (frozen.has(short[i]) ? [l.kernel, l.bias] : []));
}

/**
 * Runs every batch of `data` through `referenceStep`, in order; returns each step's loss.
 * @example const losses = referenceEpoch(options, state, epochData);
 */
export function referenceEpoch(options: ReferenceOptions, state: ReferenceWeights, data: ReferenceEpochData): number[] {
  const n = options.spec.inputSize;
  return data.batches.map((indices, s) => {
    const images = new Uint8Array(indices.length * n);
    const labels = new Uint8Array(indices.length);
    Array.from(indices).forEach((i, r) => {
      images.set(data.images.subarray(i * n, (i + 1) * n), r * n);
      labels[r] = data.labels[i];
    });
    return referenceStep(options, state, { images, labels, pixelScale: data.pixelScale, dropoutMask: data.dropoutMasks?.[s] });
  });
}

interface Forward {
  /** Each layer's input (after the previous layer's activation and dropout). */
  inputs: Float64Array[];
  /** Each hidden layer's pre-activation and activation (before dropout). */
  preActivations: Float64Array[];
  activations: Float64Array[];
  logits: Float64Array;
}

function forward(
  spec: ModelSpec,
  weights: ReferenceWeights,
  images: ArrayLike<number>,
  pixelScale: number,
  masks: (Uint8Array | undefined)[] = [],
  rate = 0,
): Forward {
  if (images.length % spec.inputSize !== 0) throw new RangeError(`images: ${images.length} values are not whole rows of ${spec.inputSize}`);
  const rows = images.length / spec.inputSize;
  let x = Float64Array.from(images, (b) => b * pixelScale);
  const result: Forward = { inputs: [], preActivations: [], activations: [], logits: x };
  layerNames(spec).forEach((layer, l) => {
    result.inputs.push(x);
    const w = (weights.get(layer.kernel) as NamedWeight).values;
    const b = (weights.get(layer.bias) as NamedWeight).values;
    const z = new Float64Array(rows * layer.fanOut);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < layer.fanOut; o++) {
        let s = b[o];
        for (let i = 0; i < layer.fanIn; i++) s += x[r * layer.fanIn + i] * w[i * layer.fanOut + o];
        z[r * layer.fanOut + o] = s;
      }
    }
    if (layer.isOutput) {
      result.logits = z;
      return;
    }
    const h = z.map((v) => referenceActivation(spec, v));
    result.preActivations.push(z);
    result.activations.push(h);
    const mask = masks[l];
    x = mask ? h.map((v, k) => (mask[k] ? v / (1 - rate) : 0)) : h;
  });
  return result;
}
