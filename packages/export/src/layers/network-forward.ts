// A network's forward pass from its layers' pieces (registry.ts): the one definition the training
// step, the logits graph and the exported model share for the convolutional family.
import type { ModelSpec, NetworkLayer } from '@mnist/core';
import type { GraphBuilder } from '../graph-builder.js';
import { reshape } from '../ops.js';
import { activationForward } from './activation.js';
import type { LayerForward, LayerWeights } from './layer-kernel.js';
import { layerKernel } from './registry.js';

/** One layer's values in the forward pass, as its backward piece needs them. */
export interface ForwardStep {
  input: string;
  forward: LayerForward;
  /** The activation's output, on activated layers. */
  activated?: string;
}

/** The forward pass: the logits and each layer's values. */
export interface NetworkForward {
  logits: string;
  steps: ForwardStep[];
}

/** How the forward pass names its values. */
export interface NetworkForwardNames {
  /** The logits' name (the last layer's output). */
  logits?: string;
  /** Name weighted layers' values under their scope (`cnn/conv1/conv`, `cnn/dense1/linear`, `.../activation`), as the export does. */
  scoped?: boolean;
}

/**
 * Nodes of `layers` (`networkLayers(spec)`) on `x` float32 [N, inputSize], already scaled: reshaped to
 * [N, 1, rows, cols] when the first layer works on the image, then each layer's forward piece and,
 * where the spec says so, its activation.
 * @example const { logits } = networkForward(g, spec, networkLayers(spec), x, (l) => l.weights && { kernel: l.weights.kernel, bias: l.weights.bias });
 */
export function networkForward(
  g: GraphBuilder,
  spec: ModelSpec,
  layers: readonly NetworkLayer[],
  x: string,
  weightsOf: (layer: NetworkLayer, index: number) => LayerWeights | undefined,
  names: NetworkForwardNames = {},
): NetworkForward {
  let value = layers[0].inputShape.length === 3 ? reshape(g, x, [-1, ...layers[0].inputShape]) : x;
  const steps: ForwardStep[] = [];
  layers.forEach((layer, i) => {
    const isLast = i === layers.length - 1;
    const scope = names.scoped ? layer.weights?.scope : undefined;
    const outName = isLast && names.logits ? names.logits : scope ? `${scope}/${layer.layer.kind === 'conv2d' ? 'conv' : 'linear'}` : undefined;
    const forward = layerKernel(layer.layer.kind).forward(g, layer, value, weightsOf(layer, i), outName ? { name: outName } : undefined);
    const step: ForwardStep = { input: value, forward };
    value = forward.output;
    if (layer.activated) {
      step.activated = activationForward(g, spec, forward.output, scope ? { name: `${scope}/activation` } : undefined);
      value = step.activated;
    }
    steps.push(step);
  });
  return { logits: value, steps };
}
