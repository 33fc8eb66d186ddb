// Optimizer hyperparameter defaults and slot variables with TensorFlow 1's names and initial values,
// shared by every engine and the reference step so checkpoints stay interchangeable between engines.
import { layerNames, type ModelSpec, type NamedWeight } from '@mnist/core';
import { OPTIMIZER_NAMES, type OptimizerConfig, type OptimizerName } from './engine.js';

/** An optimizer config with every hyperparameter filled in (TensorFlow 1's defaults where unset). */
export interface ResolvedOptimizer {
  name: OptimizerName;
  learningRate: number;
  momentum: number;
  initialAccumulatorValue: number;
  decay: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

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

/** One slot kind of an optimizer: the suffix after `<weight>/` and the value it starts from. */
export interface SlotKind {
  suffix: string;
  initial: number;
}

/**
 * The per-weight slots of an optimizer, as TF1 names them (`<weight>/Momentum`, ...).
 * @example slotKinds(resolveOptimizer({ name: 'adam', learningRate: 0.001 })).map((s) => s.suffix) // ['Adam', 'Adam_1']
 */
export function slotKinds(optimizer: ResolvedOptimizer): SlotKind[] {
  switch (optimizer.name) {
    case 'sgd':
      return [];
    case 'momentum':
    case 'nesterov':
      return [{ suffix: 'Momentum', initial: 0 }];
    case 'adagrad':
      return [{ suffix: 'Adagrad', initial: optimizer.initialAccumulatorValue }];
    case 'rmsprop':
      // TF1 starts the mean square at 1, not 0, so the first steps are not huge.
      return optimizer.momentum > 0
        ? [
            { suffix: 'RMSProp', initial: 1 },
            { suffix: 'RMSProp_1', initial: 0 },
          ]
        : [{ suffix: 'RMSProp', initial: 1 }];
    case 'adam':
      return [
        { suffix: 'Adam', initial: 0 },
        { suffix: 'Adam_1', initial: 0 },
      ];
  }
}

/** Adam's step counters, kept as TF1's AdamOptimizer does: beta^t for the step about to run. */
export const ADAM_POWER_NAMES = Object.freeze({ beta1: 'beta1_power', beta2: 'beta2_power' });

/**
 * Every optimizer slot of `spec` with its initial value, in a stable order: per weight (kernel, bias
 * of each layer) its slot kinds, then Adam's `beta1_power`/`beta2_power` ([1], starting at beta1/beta2).
 * @example initialSlots(spec, resolveOptimizer({ name: 'momentum', learningRate: 0.01 })).has('dnn/hidden1/kernel/Momentum') // true
 */
export function initialSlots(spec: ModelSpec, optimizer: ResolvedOptimizer): Map<string, NamedWeight> {
  const slots = new Map<string, NamedWeight>();
  const kinds = slotKinds(optimizer);
  for (const layer of layerNames(spec)) {
    for (const [weight, shape] of [
      [layer.kernel, [layer.fanIn, layer.fanOut]],
      [layer.bias, [layer.fanOut]],
    ] as const) {
      for (const kind of kinds) {
        const name = `${weight}/${kind.suffix}`;
        slots.set(name, { name, shape: [...shape], values: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(kind.initial) });
      }
    }
  }
  if (optimizer.name === 'adam') {
    slots.set(ADAM_POWER_NAMES.beta1, { name: ADAM_POWER_NAMES.beta1, shape: [1], values: Float32Array.of(optimizer.beta1) });
    slots.set(ADAM_POWER_NAMES.beta2, { name: ADAM_POWER_NAMES.beta2, shape: [1], values: Float32Array.of(optimizer.beta2) });
  }
  return slots;
}
