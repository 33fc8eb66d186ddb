/**
 * @mnist/export: ONNX for the MNIST SDK. The ONNX protobuf schema (protobufjs), a GraphBuilder with one
 * typed helper per operator we emit, each layer kind's forward and backward graph pieces (`layerKernel`),
 * `exportOnnx` (checkpoint -> inference graph bytes) and `readOnnx` (bytes -> summary, for tests and
 * `mnist inspect`). Node-side: inference packages never import this.
 */
export * from './onnx-proto.js';
export * from './graph-builder.js';
export * from './ops.js';
export * from './onnx-reader.js';
export * from './import-mlp.js';
export * from './export-onnx.js';
export * from './training-graph.js';
export * from './split-training-graph.js';
export * from './activation-grads.js';
export * from './training-optimizers.js';
export type { LayerBackwardArgs, LayerForward, LayerGradients, LayerKernel, LayerWeights } from './layers/layer-kernel.js';
export * from './layers/registry.js';
export * from './layers/network-forward.js';
