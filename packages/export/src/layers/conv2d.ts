// A 2-D convolution on NCHW, kernel [F, C, k, k], from standard ONNX ops only (stock ONNX Runtime has
// no ConvGrad outside its training build):
// - kernel gradient: dK[f,c,i,j] = Σ_{n,y,x} X[n,c,s·y+i,s·x+j] dY[n,f,y,x] is itself a convolution
//   over the batch axis: Conv of Xᵀ [C,N,H,W] (the forward's pads) with dYᵀ [F,N,h,w] as the kernel,
//   dilated by the stride, giving [C,F,k',k'] (k' >= k when a strided layer dropped rows), then
//   cropped to k and transposed to [F,C,k,k];
// - input gradient: ConvTranspose of dY with the same kernel, strides and pads, its output padding
//   the rows and columns a strided forward rounded away, so that dX has X's shape;
// - bias gradient: Σ over N, h, w.
import type { NetworkLayer } from '@mnist/core';
import { conv, convTranspose, reduceSum, slice, transpose } from '../ops.js';
import { requireWeights, type LayerKernel } from './layer-kernel.js';

const SWAP_NC = [1, 0, 2, 3];

export const conv2dKernel: LayerKernel = {
  kind: 'conv2d',
  forward(g, layer, input, weights, out) {
    const w = requireWeights(layer, weights);
    const { k, s, pads } = geometry(layer);
    return { output: conv(g, input, w.kernel, w.bias, { kernelShape: [k, k], strides: [s, s], pads }, out) };
  },
  backward(g, { layer, input, dOutput, weights, weightGradients, inputGradient }) {
    const w = requireWeights(layer, weights);
    const { k, s, pads, reach } = geometry(layer);
    const grads: { dKernel?: string; dBias?: string; dInput?: string } = {};
    if (weightGradients) {
      const swapped = conv(g, transpose(g, input, { perm: SWAP_NC }), transpose(g, dOutput, { perm: SWAP_NC }), undefined, { pads, dilations: [s, s] });
      const cropped = reach.some((r) => r > k) ? slice(g, swapped, { starts: [0, 0], ends: [k, k], axes: [2, 3] }) : swapped;
      grads.dKernel = transpose(g, cropped, { perm: SWAP_NC });
      grads.dBias = reduceSum(g, dOutput, { axes: [0, 2, 3], keepdims: false });
    }
    if (inputGradient) {
      const outputPadding = reach.map((r) => r - k);
      grads.dInput = convTranspose(g, dOutput, w.kernel, undefined, { kernelShape: [k, k], strides: [s, s], pads, outputPadding });
    }
    return grads;
  },
};

/**
 * Kernel size, stride and pads of a conv2d layer, and per axis the extent the kernel gradient's Conv
 * yields (padded size - stride·(out - 1)): k plus the rows a strided forward never reached.
 */
function geometry(layer: NetworkLayer): { k: number; s: number; pads: number[]; reach: number[] } {
  if (layer.layer.kind !== 'conv2d' || !layer.pads) throw new RangeError(`layer must be a resolved conv2d layer, got ${layer.layer.kind}`);
  const k = layer.layer.kernelSize;
  const s = layer.layer.strides;
  const [, rows, cols] = layer.inputShape;
  const [, outRows, outCols] = layer.outputShape;
  const [top, left, bottom, right] = layer.pads;
  return { k, s, pads: [...layer.pads], reach: [rows + top + bottom - s * (outRows - 1), cols + left + right - s * (outCols - 1)] };
}
