// The tfjs forward pass of a set of weights, for inference: restoreClassifier and DNNClassifier's
// predictions (engines agree, and inference needs no optimizer state).
import { layerNames, type ModelSpec, type NamedWeight } from '@mnist/core';
import type { TfjsEngine } from './tfjs/tfjs-engine.js';

/**
 * A tfjs engine holding the model weights of `spec` from `weights` (optimizer slots and other entries
 * left out). Its optimizer never steps; the caller disposes the engine. Any spec the engine trains
 * runs: an MLP, or a layered spec whose conv kernels `weights` holds OIHW as checkpoints do.
 * @example const engine = await forwardPassEngine(spec, checkpoint.weights); const logits = await engine.predictLogits(bytes, n, 1 / 255);
 */
export async function forwardPassEngine(spec: ModelSpec, weights: Map<string, NamedWeight>, backend?: string): Promise<TfjsEngine> {
  // Imported here, not at the top: the package's entry (and `mnist eval --model`) loads no TensorFlow.js.
  const { TfjsEngine } = await import('./tfjs/tfjs-engine.js');
  const engine = await TfjsEngine.create({ spec, optimizer: { name: 'sgd', learningRate: 0.01 }, backend });
  try {
    const model = new Map<string, NamedWeight>();
    for (const layer of layerNames(spec)) {
      for (const name of [layer.kernel, layer.bias]) model.set(name, weights.get(name)!);
    }
    await engine.loadWeights(model);
    return engine;
  } catch (e) {
    engine.dispose();
    throw e;
  }
}
