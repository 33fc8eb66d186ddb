// Whether the lockstep runner can run here, for tests: a clear skip reason on a developer's machine without
// its addon or a second core, a failure under MNIST_REQUIRE_SYSTEM_DEPS=1 (CI builds the addon).
import { DEFAULT_MODEL_SPEC } from '@mnist/core';
import { lockstepRefusal } from '../onnx/lockstep-runner.js';
import { resolveOptimizer } from '../optimizer-slots.js';

/**
 * Undefined when the lockstep runner can train plain SGD here, else why not.
 * @example it('...', (context) => { const why = lockstepUnavailable(); if (why) return context.skip(why); ... });
 */
export function lockstepUnavailable(): string | undefined {
  const refusal = lockstepRefusal(DEFAULT_MODEL_SPEC, resolveOptimizer({ name: 'sgd', learningRate: 0.01 }), 0, 'onnxruntime-node');
  if (refusal && process.env.MNIST_REQUIRE_SYSTEM_DEPS === '1') throw new Error(`the lockstep runner cannot run: ${refusal}; MNIST_REQUIRE_SYSTEM_DEPS=1 requires it`);
  return refusal && `lockstep runner unavailable: ${refusal}`;
}
