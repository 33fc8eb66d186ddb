// Test support: the float64 reference of the convolutional family (conv2d, maxPool2d, flatten, dense
// on NCHW, as `networkLayers` resolves them), forward pass and gradients written plainly as loops,
// for the layered training and logits graphs and the export to be checked against. referenceForward,
// referenceGradients and referenceStep (reference-mlp.ts) route layered specs here.
import { networkLayers, type ModelSpec, type NetworkLayer } from '@mnist/core';
import { referenceActivation, referenceActivationGradient } from './reference-activation.js';
import { referenceSoftmaxCrossEntropy } from './reference-loss.js';
import type { ReferenceBatch, ReferenceGradients, ReferenceWeights } from './reference-mlp.js';

/** The forward pass of a batch: each layer's input, output (before the activation) and activation. */
export interface ConvnetForward {
  layers: NetworkLayer[];
  rows: number;
  inputs: Float64Array[];
  outputs: Float64Array[];
  /** The activation's output, on activated layers. */
  activations: (Float64Array | undefined)[];
  /** maxPool2d layers: for every output, the flat index (over the whole batch's input) of its maximum. */
  argmax: (Int32Array | undefined)[];
  logits: Float64Array;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const valuesOf = (weights: ReferenceWeights, name: string) => {
  const w = weights.get(name);
  if (!w) throw new RangeError(`weights: ${name} is missing`);
  return w.values;
};

/**
 * The forward pass of rows of `images` (each `spec.inputSize` values, scaled by `pixelScale`) through a
 * layered spec's layers. MaxPool keeps the first maximum of a window in row-major order, as ONNX
 * Runtime does.
 * @example const { logits } = convnetForward(spec, weights, images, 1 / 255);
 */
export function convnetForward(spec: ModelSpec, weights: ReferenceWeights, images: ArrayLike<number>, pixelScale: number): ConvnetForward {
  if (images.length % spec.inputSize !== 0) throw new RangeError(`images: ${images.length} values are not whole rows of ${spec.inputSize}`);
  const layers = networkLayers(spec);
  const rows = images.length / spec.inputSize;
  const f: ConvnetForward = { layers, rows, inputs: [], outputs: [], activations: [], argmax: [], logits: new Float64Array() };
  let x = Float64Array.from(images, (b) => b * pixelScale);
  for (const layer of layers) {
    f.inputs.push(x);
    const out = new Float64Array(rows * size(layer.outputShape));
    let argmax: Int32Array | undefined;
    const l = layer.layer;
    if (l.kind === 'conv2d') {
      const [C, H, W] = layer.inputShape;
      const [F, h, w] = layer.outputShape;
      const [top, left] = layer.pads as number[];
      const k = l.kernelSize;
      const kernel = valuesOf(weights, layer.weights!.kernel);
      const bias = valuesOf(weights, layer.weights!.bias);
      for (let n = 0; n < rows; n++)
        for (let o = 0; o < F; o++)
          for (let yy = 0; yy < h; yy++)
            for (let xx = 0; xx < w; xx++) {
              let s = bias[o];
              for (let c = 0; c < C; c++)
                for (let i = 0; i < k; i++) {
                  const r = yy * l.strides + i - top;
                  if (r < 0 || r >= H) continue;
                  for (let j = 0; j < k; j++) {
                    const q = xx * l.strides + j - left;
                    if (q < 0 || q >= W) continue;
                    s += x[((n * C + c) * H + r) * W + q] * kernel[((o * C + c) * k + i) * k + j];
                  }
                }
              out[((n * F + o) * h + yy) * w + xx] = s;
            }
    } else if (l.kind === 'maxPool2d') {
      const [C, H, W] = layer.inputShape;
      const [, h, w] = layer.outputShape;
      argmax = new Int32Array(out.length);
      for (let n = 0; n < rows; n++)
        for (let c = 0; c < C; c++)
          for (let yy = 0; yy < h; yy++)
            for (let xx = 0; xx < w; xx++) {
              let best = -Infinity;
              let at = -1;
              for (let i = 0; i < l.poolSize; i++)
                for (let j = 0; j < l.poolSize; j++) {
                  const index = ((n * C + c) * H + yy * l.strides + i) * W + xx * l.strides + j;
                  if (x[index] > best) [best, at] = [x[index], index];
                }
              const o = ((n * C + c) * h + yy) * w + xx;
              out[o] = best;
              argmax[o] = at;
            }
    } else if (l.kind === 'flatten') {
      // NCHW rows are already channel-major vectors.
      out.set(x);
    } else {
      const [fanIn] = layer.inputShape;
      const units = l.units;
      const kernel = valuesOf(weights, layer.weights!.kernel);
      const bias = valuesOf(weights, layer.weights!.bias);
      for (let n = 0; n < rows; n++)
        for (let o = 0; o < units; o++) {
          let s = bias[o];
          for (let i = 0; i < fanIn; i++) s += x[n * fanIn + i] * kernel[i * units + o];
          out[n * units + o] = s;
        }
    }
    f.outputs.push(out);
    f.argmax.push(argmax);
    const activated = layer.activated ? out.map((v) => referenceActivation(spec, v)) : undefined;
    f.activations.push(activated);
    x = activated ?? out;
  }
  f.logits = x;
  return f;
}

/**
 * The loss of `batch` (mean of logsumexp(logits) - logits[label]) and its gradients for every kernel and
 * bias and for the scaled inputs, back through each layer: conv2d's by the definition of the
 * convolution, maxPool2d's to the maximum's position, flatten's as is, dense's as the MLP's.
 * @example const { loss, gradients } = convnetGradients(spec, weights, { images, labels, pixelScale: 1 / 255 });
 */
export function convnetGradients(spec: ModelSpec, weights: ReferenceWeights, batch: ReferenceBatch): ReferenceGradients {
  const f = convnetForward(spec, weights, batch.images, batch.pixelScale);
  const { rows, layers } = f;
  if (batch.labels.length !== rows) throw new RangeError(`batch: ${batch.labels.length} labels for ${rows} rows of images`);
  const { loss, dLogits } = referenceSoftmaxCrossEntropy(f.logits, batch.labels, spec.outputSize);
  let d = dLogits;

  const gradients = new Map<string, Float64Array>();
  for (let li = layers.length - 1; li >= 0; li--) {
    const layer = layers[li];
    const x = f.inputs[li];
    const activated = f.activations[li];
    if (activated) d = d.map((v, i) => v * referenceActivationGradient(spec, f.outputs[li][i], activated[i]));
    const dx = new Float64Array(x.length);
    const l = layer.layer;
    if (l.kind === 'conv2d') {
      const [C, H, W] = layer.inputShape;
      const [F, h, w] = layer.outputShape;
      const [top, left] = layer.pads as number[];
      const k = l.kernelSize;
      const kernel = valuesOf(weights, layer.weights!.kernel);
      const dKernel = new Float64Array(kernel.length);
      const dBias = new Float64Array(F);
      for (let n = 0; n < rows; n++)
        for (let o = 0; o < F; o++)
          for (let yy = 0; yy < h; yy++)
            for (let xx = 0; xx < w; xx++) {
              const g = d[((n * F + o) * h + yy) * w + xx];
              dBias[o] += g;
              for (let c = 0; c < C; c++)
                for (let i = 0; i < k; i++) {
                  const r = yy * l.strides + i - top;
                  if (r < 0 || r >= H) continue;
                  for (let j = 0; j < k; j++) {
                    const q = xx * l.strides + j - left;
                    if (q < 0 || q >= W) continue;
                    const xi = ((n * C + c) * H + r) * W + q;
                    const ki = ((o * C + c) * k + i) * k + j;
                    dKernel[ki] += x[xi] * g;
                    dx[xi] += kernel[ki] * g;
                  }
                }
            }
      gradients.set(layer.weights!.kernel, dKernel);
      gradients.set(layer.weights!.bias, dBias);
    } else if (l.kind === 'maxPool2d') {
      const argmax = f.argmax[li] as Int32Array;
      for (let o = 0; o < d.length; o++) dx[argmax[o]] += d[o];
    } else if (l.kind === 'flatten') {
      dx.set(d);
    } else {
      const [fanIn] = layer.inputShape;
      const units = l.units;
      const kernel = valuesOf(weights, layer.weights!.kernel);
      const dKernel = new Float64Array(kernel.length);
      const dBias = new Float64Array(units);
      for (let n = 0; n < rows; n++)
        for (let o = 0; o < units; o++) {
          const g = d[n * units + o];
          dBias[o] += g;
          for (let i = 0; i < fanIn; i++) {
            dKernel[i * units + o] += x[n * fanIn + i] * g;
            dx[n * fanIn + i] += kernel[i * units + o] * g;
          }
        }
      gradients.set(layer.weights!.kernel, dKernel);
      gradients.set(layer.weights!.bias, dBias);
    }
    d = dx;
  }
  return { loss, gradients, inputGradient: d };
}
