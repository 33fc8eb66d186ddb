// Max pooling on NCHW: MaxPool with its Indices output (the flat position of each maximum over the
// whole tensor); the gradient scatters dY into zeros at exactly those positions, so ties go where ONNX
// Runtime's own argmax went. Overlapping windows (strides < poolSize) can pick one input twice: there
// the scatter adds (ScatterElements' reduction, opset 16 and later).
import { constantOfShape, maxPool, reshape, SCATTER_REDUCTION_SINCE, scatterElements, shape } from '../ops.js';
import type { LayerKernel } from './layer-kernel.js';

export const maxPool2dKernel: LayerKernel = {
  kind: 'maxPool2d',
  forward(g, layer, input, _weights, out) {
    if (layer.layer.kind !== 'maxPool2d') throw new RangeError(`layer must be a maxPool2d layer, got ${layer.layer.kind}`);
    const { poolSize, strides } = layer.layer;
    const [output, indices] = maxPool(g, input, { kernelShape: [poolSize, poolSize], strides: [strides, strides] }, out?.name ? [out.name, `${out.name}/indices`] : undefined);
    return { output, indices };
  },
  backward(g, { layer, input, forward, dOutput, inputGradient }) {
    if (!inputGradient) return {};
    if (layer.layer.kind !== 'maxPool2d' || forward.indices === undefined) throw new RangeError('forward must hold the maxPool2d indices');
    const overlapping = layer.layer.strides < layer.layer.poolSize;
    if (overlapping && g.opset < SCATTER_REDUCTION_SINCE) {
      throw new RangeError(`opset must be ${SCATTER_REDUCTION_SINCE} or later for the gradient of maxPool2d with strides < poolSize (overlapping windows), got ${g.opset}`);
    }
    const flatInput = reshape(g, input, [-1]);
    const zeros = constantOfShape(g, shape(g, flatInput), 0);
    const scattered = scatterElements(g, zeros, reshape(g, forward.indices, [-1]), reshape(g, dOutput, [-1]), { reduction: overlapping ? 'add' : 'none' });
    return { dInput: reshape(g, scattered, shape(g, input)) };
  },
};
