// What one layer kind gives every graph: its forward piece and its backward piece (the gradient of
// its input, and of its kernel and bias when it has them), as TensorFlow.js registers one gradient per
// kernel. The training step, the logits graph and the export all build a layer from these.
import type { LayerSpec, NetworkLayer } from '@mnist/core';
import type { GraphBuilder } from '../graph-builder.js';
import type { OutputName } from '../ops.js';

/** The names of a weighted layer's kernel and bias in the graph being built. */
export interface LayerWeights {
  kernel: string;
  bias: string;
}

/** What a layer's forward piece produced, and what its backward piece will need besides the input. */
export interface LayerForward {
  /** The layer's output, before the spec's activation (which layers/activation.ts applies). */
  output: string;
  /** maxPool2d: the flat int64 index of every maximum (MaxPool's Indices). */
  indices?: string;
}

/** What a backward piece reads, and which gradients it is asked for. */
export interface LayerBackwardArgs {
  layer: NetworkLayer;
  /** The forward piece's input and result. */
  input: string;
  forward: LayerForward;
  /** d loss / d output (after the activation's gradient). */
  dOutput: string;
  weights?: LayerWeights;
  /** False for a frozen layer: no kernel or bias gradient is built. */
  weightGradients: boolean;
  /** False for the lowest layer that trains: nothing below needs a gradient. */
  inputGradient: boolean;
}

/** The gradients a backward piece built (each only when asked for). */
export interface LayerGradients {
  dInput?: string;
  dKernel?: string;
  dBias?: string;
}

/** One layer kind's graph pieces. */
export interface LayerKernel {
  kind: LayerSpec['kind'];
  /** Nodes of the layer on `input` ([N, C, H, W] or [N, units]); `out` names its output. */
  forward(g: GraphBuilder, layer: NetworkLayer, input: string, weights?: LayerWeights, out?: OutputName): LayerForward;
  backward(g: GraphBuilder, args: LayerBackwardArgs): LayerGradients;
}

/** The weights of a layer that must have them (conv2d, dense), with a one-line error otherwise. */
export function requireWeights(layer: NetworkLayer, weights: LayerWeights | undefined): LayerWeights {
  if (!weights) throw new RangeError(`weights are required for a ${layer.layer.kind} layer`);
  return weights;
}
