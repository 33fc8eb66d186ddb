// A fully connected layer: Z = X·K + b (kernel [fanIn, units]) as one Gemm; its gradients dK = Xᵀ·dZ,
// db = Σ_rows dZ and dX = dZ·Kᵀ, as Gemms with transposed operands (no Transpose nodes).
import { gemm, reduceSum } from '../ops.js';
import { requireWeights, type LayerKernel } from './layer-kernel.js';

export const denseKernel: LayerKernel = {
  kind: 'dense',
  forward(g, layer, input, weights, out) {
    const w = requireWeights(layer, weights);
    return { output: gemm(g, input, w.kernel, w.bias, {}, out) };
  },
  backward(g, { layer, input, dOutput, weights, weightGradients, inputGradient }) {
    const w = requireWeights(layer, weights);
    return {
      dKernel: weightGradients ? gemm(g, input, dOutput, undefined, { transA: true }) : undefined,
      dBias: weightGradients ? reduceSum(g, dOutput, { axes: [0], keepdims: false }) : undefined,
      dInput: inputGradient ? gemm(g, dOutput, w.kernel, undefined, { transB: true }) : undefined,
    };
  },
};
