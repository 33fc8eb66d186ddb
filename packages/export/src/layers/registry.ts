// The layer kinds' graph pieces by kind: every graph looks a layer up here, so each kind's forward pass
// and gradient are written once.
import type { LayerSpec } from '@mnist/core';
import { conv2dKernel } from './conv2d.js';
import { denseKernel } from './dense.js';
import { flattenKernel } from './flatten.js';
import type { LayerKernel } from './layer-kernel.js';
import { maxPool2dKernel } from './max-pool-2d.js';

/** Each layer kind's forward and backward pieces. */
export const LAYER_KERNELS: Readonly<Record<LayerSpec['kind'], LayerKernel>> = Object.freeze({
  conv2d: conv2dKernel,
  maxPool2d: maxPool2dKernel,
  flatten: flattenKernel,
  dense: denseKernel,
});

/**
 * The graph pieces of a layer kind; RangeError for a kind with none.
 * @example const { output } = layerKernel('conv2d').forward(g, layer, x, { kernel, bias });
 */
export function layerKernel(kind: LayerSpec['kind']): LayerKernel {
  const kernel = (LAYER_KERNELS as Record<string, LayerKernel | undefined>)[kind];
  if (!kernel) throw new RangeError(`layer kind must be one of ${Object.keys(LAYER_KERNELS).join(', ')}, got ${JSON.stringify(kind)}`);
  return kernel;
}
