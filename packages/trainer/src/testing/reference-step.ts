// The plain-JS reference of one training step (forward with any activation, dropout, backward, every
// optimizer's TF1 update) that every engine's parity tests compare against. float64 arithmetic;
// weights and slots are rounded to float32 after each step, as the engines store them.
import { ACTIVATION_PARAMS, layerNames, type Activation, type ModelSpec, type NamedWeight } from '@mnist/core';
import type { EpochData, OptimizerConfig } from '../engine.js';
import { ADAM_POWER_NAMES, initialSlots, resolveOptimizer, type ResolvedOptimizer } from '../optimizer-slots.js';

/** What the reference trains: the network, its optimizer and the dropout rate (0 = none). */
export interface ReferenceOptions {
  spec: ModelSpec;
  optimizer: OptimizerConfig;
  dropoutRate?: number;
}

/** One batch: its rows' pixel bytes [rows, inputSize], labels [rows], and its dropout mask if any. */
export interface ReferenceBatch {
  images: Uint8Array;
  labels: Uint8Array;
  pixelScale: number;
  /** Per hidden layer in order, the [rows × units] keep-mask, concatenated (as EpochData.dropoutMasks). */
  dropoutMask?: Uint8Array;
}

/**
 * The activation of pre-activation `z` (tf.nn.* semantics, constants from ACTIVATION_PARAMS).
 * @example activate('leaky_relu', -1) // -0.2
 */
export function activate(activation: Activation, z: number): number {
  const p = ACTIVATION_PARAMS;
  switch (activation) {
    case 'relu':
      return z > 0 ? z : 0;
    case 'leaky_relu':
      return z > 0 ? z : p.leakyReluAlpha * z;
    case 'elu':
      return z > 0 ? z : p.eluAlpha * (Math.exp(z) - 1);
    case 'selu':
      return p.seluScale * (z > 0 ? z : p.seluAlpha * (Math.exp(z) - 1));
    case 'tanh':
      return Math.tanh(z);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-z));
  }
}

/**
 * d activation / d z, from the pre-activation `z` and the output `out` (TF's *Grad kernels' forms).
 * @example activationGradient('sigmoid', 0, 0.5) // 0.25
 */
export function activationGradient(activation: Activation, z: number, out: number): number {
  const p = ACTIVATION_PARAMS;
  switch (activation) {
    case 'relu':
      return out > 0 ? 1 : 0;
    case 'leaky_relu':
      return z > 0 ? 1 : p.leakyReluAlpha;
    case 'elu':
      return z > 0 ? 1 : out + p.eluAlpha;
    case 'selu':
      return p.seluScale * (z > 0 ? 1 : p.seluAlpha * Math.exp(z));
    case 'tanh':
      return 1 - out * out;
    case 'sigmoid':
      return out * (1 - out);
  }
}

/**
 * The model weights plus every optimizer slot, slots taken from `weights` when present, else at their
 * initial values (as a run that starts without slots in its checkpoint). Values are copied.
 * @example const state = referenceState(options, initialWeights(spec, 42));
 */
export function referenceState(options: ReferenceOptions, weights: Map<string, NamedWeight>): Map<string, NamedWeight> {
  const state = new Map<string, NamedWeight>();
  for (const layer of layerNames(options.spec)) {
    for (const name of [layer.kernel, layer.bias]) {
      const w = weights.get(name);
      if (!w) throw new RangeError(`weights: ${name} is missing`);
      state.set(name, { name, shape: [...w.shape], values: Float32Array.from(w.values) });
    }
  }
  for (const [name, slot] of initialSlots(options.spec, resolveOptimizer(options.optimizer))) {
    const given = weights.get(name);
    state.set(name, given ? { name, shape: [...given.shape], values: Float32Array.from(given.values) } : slot);
  }
  return state;
}

/**
 * Logits (float64, [rows, outputSize]) of rows of pixel bytes, without dropout.
 * @example const logits = referenceLogits(spec, state, images, 10, 1 / 255);
 */
export function referenceLogits(spec: ModelSpec, state: Map<string, NamedWeight>, images: Uint8Array, rows: number, pixelScale: number): Float64Array {
  return forward(spec, state, images, rows, pixelScale).logits;
}

/**
 * One training step on `batch`: returns its loss (before the update) and updates `state` (from
 * `referenceState`) in place: weights and slots, by the optimizer's TF1 rule.
 * @example const loss = referenceStep(options, state, { images, labels, pixelScale: 1 / 255 });
 */
export function referenceStep(options: ReferenceOptions, state: Map<string, NamedWeight>, batch: ReferenceBatch): number {
  const { spec } = options;
  const optimizer = resolveOptimizer(options.optimizer);
  const rate = options.dropoutRate ?? 0;
  const rows = batch.labels.length;
  const layers = layerNames(spec);
  const hidden = layers.length - 1;
  const unitsPerRow = spec.hiddenUnits.reduce((a, b) => a + b, 0);
  if (rate > 0 && (!batch.dropoutMask || batch.dropoutMask.length !== rows * unitsPerRow)) {
    throw new RangeError(`batch.dropoutMask must hold ${rows * unitsPerRow} values when dropoutRate > 0`);
  }
  const masks: (Uint8Array | undefined)[] = [];
  let offset = 0;
  for (let l = 0; l < hidden; l++) {
    const size = rows * spec.hiddenUnits[l];
    masks.push(rate > 0 ? (batch.dropoutMask as Uint8Array).subarray(offset, offset + size) : undefined);
    offset += size;
  }
  const f = forward(spec, state, batch.images, rows, batch.pixelScale, masks, rate);
  const out = spec.outputSize;

  // Loss = mean(logsumexp(logits) - logits[y]); d loss / d logits = (softmax - onehot) / rows.
  let loss = 0;
  let dz = new Float64Array(rows * out);
  for (let r = 0; r < rows; r++) {
    const row = f.logits.subarray(r * out, (r + 1) * out);
    const max = Math.max(...row);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    const logSum = max + Math.log(sum);
    const y = batch.labels[r];
    loss += logSum - row[y];
    for (let c = 0; c < out; c++) dz[r * out + c] = (Math.exp(row[c] - logSum) - (c === y ? 1 : 0)) / rows;
  }
  loss /= rows;

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
    if (l === 0) break;
    // Back to the layer below: through this layer's kernel (before its update), the dropout mask and
    // scale, then the activation's derivative.
    const w = (state.get(kernel) as NamedWeight).values;
    const below = new Float64Array(rows * fanIn);
    const mask = masks[l - 1];
    const activation = spec.activation;
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < fanIn; i++) {
        let s = 0;
        for (let o = 0; o < fanOut; o++) s += dz[r * fanOut + o] * w[i * fanOut + o];
        const k = r * fanIn + i;
        if (mask) s = mask[k] ? s / (1 - rate) : 0;
        below[k] = s * activationGradient(activation, f.preActivations[l - 1][k], f.activations[l - 1][k]);
      }
    }
    dz = below;
  }
  applyUpdate(optimizer, state, gradients);
  return loss;
}

/**
 * Runs every batch of `data` through `referenceStep`, in order; returns each step's loss.
 * @example const losses = referenceEpoch(options, state, epochData);
 */
export function referenceEpoch(options: ReferenceOptions, state: Map<string, NamedWeight>, data: EpochData): number[] {
  const n = options.spec.inputSize;
  return data.batches.map((indices, s) => {
    const images = new Uint8Array(indices.length * n);
    const labels = new Uint8Array(indices.length);
    indices.forEach((i, r) => {
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
  state: Map<string, NamedWeight>,
  images: Uint8Array,
  rows: number,
  pixelScale: number,
  masks: (Uint8Array | undefined)[] = [],
  rate = 0,
): Forward {
  const layers = layerNames(spec);
  let x = Float64Array.from(images.subarray(0, rows * spec.inputSize), (b) => b * pixelScale);
  const result: Forward = { inputs: [], preActivations: [], activations: [], logits: x };
  layers.forEach((layer, l) => {
    result.inputs.push(x);
    const w = (state.get(layer.kernel) as NamedWeight).values;
    const b = (state.get(layer.bias) as NamedWeight).values;
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
    const h = z.map((v) => activate(spec.activation, v));
    result.preActivations.push(z);
    result.activations.push(h);
    const mask = masks[l];
    x = mask ? h.map((v, k) => (mask[k] ? v / (1 - rate) : 0)) : h;
  });
  return result;
}

/** TF1's update rules (training_ops ApplyMomentum, ApplyAdagrad, ApplyRMSProp, ApplyAdam). */
function applyUpdate(o: ResolvedOptimizer, state: Map<string, NamedWeight>, gradients: Map<string, Float64Array>): void {
  const lr = o.learningRate;
  let adamLr = 0;
  if (o.name === 'adam') {
    const b1p = (state.get(ADAM_POWER_NAMES.beta1) as NamedWeight).values;
    const b2p = (state.get(ADAM_POWER_NAMES.beta2) as NamedWeight).values;
    adamLr = (lr * Math.sqrt(1 - b2p[0])) / (1 - b1p[0]);
  }
  const slot = (name: string, suffix: string) => (state.get(`${name}/${suffix}`) as NamedWeight).values;
  for (const [name, g] of gradients) {
    const w = (state.get(name) as NamedWeight).values;
    for (let i = 0; i < w.length; i++) {
      const gi = g[i];
      switch (o.name) {
        case 'sgd':
          w[i] = w[i] - lr * gi;
          break;
        case 'momentum':
        case 'nesterov': {
          const accum = slot(name, 'Momentum');
          const a = o.momentum * accum[i] + gi;
          accum[i] = a;
          w[i] = w[i] - (o.name === 'nesterov' ? lr * (gi + o.momentum * a) : lr * a);
          break;
        }
        case 'adagrad': {
          const accum = slot(name, 'Adagrad');
          const a = accum[i] + gi * gi;
          accum[i] = a;
          w[i] = w[i] - (lr * gi) / Math.sqrt(a);
          break;
        }
        case 'rmsprop': {
          const ms = slot(name, 'RMSProp');
          const m = o.decay * ms[i] + (1 - o.decay) * gi * gi;
          ms[i] = m;
          const step = (lr * gi) / Math.sqrt(m + o.epsilon);
          if (o.momentum > 0) {
            const mom = slot(name, 'RMSProp_1');
            const v = o.momentum * mom[i] + step;
            mom[i] = v;
            w[i] = w[i] - v;
          } else {
            w[i] = w[i] - step;
          }
          break;
        }
        case 'adam': {
          const m1 = slot(name, 'Adam');
          const m2 = slot(name, 'Adam_1');
          const m = o.beta1 * m1[i] + (1 - o.beta1) * gi;
          const v = o.beta2 * m2[i] + (1 - o.beta2) * gi * gi;
          m1[i] = m;
          m2[i] = v;
          w[i] = w[i] - (adamLr * m) / (Math.sqrt(v) + o.epsilon);
          break;
        }
      }
    }
  }
  if (o.name === 'adam') {
    // TF1 advances the powers after the step (AdamOptimizer._finish).
    (state.get(ADAM_POWER_NAMES.beta1) as NamedWeight).values[0] *= o.beta1;
    (state.get(ADAM_POWER_NAMES.beta2) as NamedWeight).values[0] *= o.beta2;
  }
}
