// Flatten [N, C, H, W] to [N, C·H·W], channel-major (ONNX's and PyTorch's order); its gradient is the
// reshape back.
import { reshape } from '../ops.js';
import type { LayerKernel } from './layer-kernel.js';

export const flattenKernel: LayerKernel = {
  kind: 'flatten',
  forward(g, layer, input, _weights, out) {
    return { output: reshape(g, input, [-1, layer.outputShape[0]], {}, out) };
  },
  backward(g, { layer, dOutput, inputGradient }) {
    return inputGradient ? { dInput: reshape(g, dOutput, [-1, ...layer.inputShape]) } : {};
  },
};
