// Frozen layers (layer reuse, as Keras' `layer.trainable = False`): which layer names a spec has, and
// what is wrong with a list of layers to freeze.
import { type ModelSpec } from './model-spec.js';
import { layerNames } from './network-layers.js';

/**
 * The short names of `spec`'s layers, as in their weights' `dnn/<layer>/kernel|bias` names.
 * @example layerShortNames(DEFAULT_MODEL_SPEC) // ['hidden1', 'hidden2', 'outputs']
 */
export function layerShortNames(spec: Pick<ModelSpec, 'inputSize' | 'hiddenUnits' | 'outputSize' | 'imageShape' | 'layers'>): string[] {
  return layerNames(spec as ModelSpec).map((l) => l.scope.slice(l.scope.indexOf('/') + 1));
}

/**
 * What is wrong with `frozen` as the layers of `spec` to freeze (words after "it is"), or undefined when
 * it is a list of distinct layer names that leaves at least one layer to train.
 * @example frozenLayersProblem(DEFAULT_MODEL_SPEC, ['hidden3']) // 'an unknown layer "hidden3"; the layers are hidden1, hidden2, outputs'
 */
export function frozenLayersProblem(spec: Pick<ModelSpec, 'inputSize' | 'hiddenUnits' | 'outputSize' | 'imageShape' | 'layers'>, frozen: unknown): string | undefined {
  const valid = layerShortNames(spec);
  const names = `the layers are ${valid.join(', ')}`;
  if (!Array.isArray(frozen) || !frozen.every((n) => typeof n === 'string')) return `not a list of layer names; ${names}`;
  if (frozen.length === 0) return `an empty list; ${names}`;
  const unknown = frozen.find((n) => !valid.includes(n));
  if (unknown !== undefined) return `an unknown layer ${JSON.stringify(unknown)}; ${names}`;
  const twice = frozen.find((n, i) => frozen.indexOf(n) !== i);
  if (twice !== undefined) return `layer ${twice} twice; ${names}`;
  if (frozen.length === valid.length) return `every layer, which leaves nothing to train; ${names}`;
  return undefined;
}
