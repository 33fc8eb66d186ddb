// Optimizer hyperparameter defaults and slot variables with TensorFlow 1's names and initial values,
// shared by every engine and the reference step so checkpoints stay interchangeable between engines.
// The names and the update graphs live in @mnist/export (training-optimizers.ts), the one place both read.
import type { ModelSpec, NamedWeight, OptimizerState } from '@mnist/core';
import { ADAM_POWER_NAMES, optimizerState, slotKinds, type SlotKind, type TrainingOptimizer } from '@mnist/export';
import { OPTIMIZER_NAMES, type OptimizerConfig, type OptimizerName } from './engine.js';

export { ADAM_POWER_NAMES, slotKinds, type SlotKind };

/** An optimizer config with every hyperparameter filled in (TensorFlow 1's defaults where unset). */
export type ResolvedOptimizer = TrainingOptimizer;

/**
 * Fills in TF1's defaults: momentum 0.9 (momentum, nesterov) or 0 (rmsprop); adagrad accumulator 0.1;
 * rmsprop decay 0.9, epsilon 1e-10; adam beta1 0.9, beta2 0.999, epsilon 1e-8. Throws RangeError
 * naming the bad field.
 * @example resolveOptimizer({ name: 'adam', learningRate: 0.001 }).beta2 // 0.999
 */
export function resolveOptimizer(config: OptimizerConfig): ResolvedOptimizer {
  if (!OPTIMIZER_NAMES.includes(config.name)) {
    throw new RangeError(`optimizer.name must be one of ${OPTIMIZER_NAMES.join(', ')}, got ${JSON.stringify(config.name)}`);
  }
  const resolved: ResolvedOptimizer = {
    name: config.name,
    learningRate: config.learningRate,
    momentum: config.momentum ?? (config.name === 'rmsprop' ? 0 : 0.9),
    initialAccumulatorValue: config.initialAccumulatorValue ?? 0.1,
    decay: config.decay ?? 0.9,
    beta1: config.beta1 ?? 0.9,
    beta2: config.beta2 ?? 0.999,
    epsilon: config.epsilon ?? (config.name === 'adam' ? 1e-8 : 1e-10),
  };
  const check = (field: keyof ResolvedOptimizer, ok: (v: number) => boolean, what: string) => {
    const v = resolved[field] as number;
    if (!(Number.isFinite(v) && ok(v))) throw new RangeError(`optimizer.${field} must be ${what}, got ${v}`);
  };
  check('learningRate', (v) => v > 0, 'a positive number');
  check('momentum', (v) => v >= 0, 'a non-negative number');
  check('initialAccumulatorValue', (v) => v > 0, 'a positive number');
  check('decay', (v) => v >= 0 && v < 1, 'in [0, 1)');
  check('beta1', (v) => v >= 0 && v < 1, 'in [0, 1)');
  check('beta2', (v) => v >= 0 && v < 1, 'in [0, 1)');
  check('epsilon', (v) => v >= 0, 'a non-negative number');
  return resolved;
}

// The hyperparameters each optimizer reads: the ones a checkpoint records.
const HYPERPARAMETERS: Readonly<Record<OptimizerName, readonly (keyof ResolvedOptimizer)[]>> = Object.freeze({
  sgd: [],
  momentum: ['momentum'],
  nesterov: ['momentum'],
  adagrad: ['initialAccumulatorValue'],
  rmsprop: ['decay', 'momentum', 'epsilon'],
  adam: ['beta1', 'beta2', 'epsilon'],
});

/**
 * The checkpoint's optimizer entry: name, learning rate and the hyperparameters it reads, as TF1
 * resolves them (`params` is left out for plain SGD, which has none).
 * @example optimizerCheckpointState({ name: 'momentum', learningRate: 0.01 }) // { name: 'momentum', learningRate: 0.01, params: { momentum: 0.9 } }
 */
export function optimizerCheckpointState(config: OptimizerConfig): OptimizerState {
  const resolved = resolveOptimizer(config);
  const used = HYPERPARAMETERS[resolved.name];
  if (!used.length) return { name: resolved.name, learningRate: resolved.learningRate };
  return { name: resolved.name, learningRate: resolved.learningRate, params: Object.fromEntries(used.map((k) => [k, resolved[k] as number])) };
}

/**
 * Every optimizer slot of `spec` with its initial value, in a stable order: per weight (kernel, bias
 * of each layer) its slot kinds, then Adam's `beta1_power`/`beta2_power` ([1], starting at beta1/beta2).
 * @example initialSlots(spec, resolveOptimizer({ name: 'momentum', learningRate: 0.01 })).has('dnn/hidden1/kernel/Momentum') // true
 */
export function initialSlots(spec: ModelSpec, optimizer: ResolvedOptimizer): Map<string, NamedWeight> {
  return new Map(
    optimizerState(spec, optimizer).map((t) => [
      t.name,
      { name: t.name, shape: [...t.shape], values: new Float32Array(t.shape.reduce((x, y) => x * y, 1)).fill(t.initial) },
    ]),
  );
}
