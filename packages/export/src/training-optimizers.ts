// Optimizer updates as ONNX nodes with TensorFlow 1's rules (training_ops ApplyMomentum, ApplyAdagrad,
// ApplyRMSProp, ApplyAdam), and their slot variables under TF1's checkpoint names.
import { layerNames, type ModelSpec } from '@mnist/core';
import type { GraphBuilder } from './graph-builder.js';
import { add, div, mul, sqrt, sub, type OutputName } from './ops.js';

export type TrainingOptimizerName = 'sgd' | 'momentum' | 'nesterov' | 'adagrad' | 'rmsprop' | 'adam';

/** Every hyperparameter of an optimizer, resolved (the trainer fills TF1's defaults). */
export interface TrainingOptimizer {
  name: TrainingOptimizerName;
  learningRate: number;
  momentum: number;
  initialAccumulatorValue: number;
  decay: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** One slot kind of an optimizer: the suffix after `<weight>/` and the value it starts from. */
export interface SlotKind {
  suffix: string;
  initial: number;
}

/** Adam's step counters, kept as TF1's AdamOptimizer does: beta^t for the step about to run, shape [1]. */
export const ADAM_POWER_NAMES = Object.freeze({ beta1: 'beta1_power', beta2: 'beta2_power' });

/**
 * The per-weight slots of an optimizer, as TF1 names them (`<weight>/Momentum`, ...).
 * @example slotKinds({ name: 'adam', momentum: 0 }).map((s) => s.suffix) // ['Adam', 'Adam_1']
 */
export function slotKinds(optimizer: Pick<TrainingOptimizer, 'name' | 'momentum'> & Partial<TrainingOptimizer>): SlotKind[] {
  switch (optimizer.name) {
    case 'sgd':
      return [];
    case 'momentum':
    case 'nesterov':
      return [{ suffix: 'Momentum', initial: 0 }];
    case 'adagrad':
      return [{ suffix: 'Adagrad', initial: optimizer.initialAccumulatorValue ?? 0.1 }];
    case 'rmsprop': {
      // TF1 starts the mean square at 1, not 0, so the first steps are not huge.
      const ms = { suffix: 'RMSProp', initial: 1 };
      return optimizer.momentum > 0 ? [ms, { suffix: 'RMSProp_1', initial: 0 }] : [ms];
    }
    case 'adam':
      return [
        { suffix: 'Adam', initial: 0 },
        { suffix: 'Adam_1', initial: 0 },
      ];
  }
}

/** One tensor of optimizer state: its checkpoint name, shape and starting value. */
export interface OptimizerStateTensor {
  name: string;
  shape: number[];
  initial: number;
}

/**
 * Every optimizer state tensor of `spec`, in graph order: per weight (kernel, bias of each layer) its
 * slots, then Adam's `beta1_power` and `beta2_power` (starting at beta1 and beta2).
 * @example optimizerState(spec, adam).at(-1)!.name // 'beta2_power'
 */
export function optimizerState(spec: ModelSpec, optimizer: TrainingOptimizer): OptimizerStateTensor[] {
  const kinds = slotKinds(optimizer);
  const state: OptimizerStateTensor[] = [];
  for (const layer of layerNames(spec)) {
    for (const [weight, shape] of [
      [layer.kernel, layer.kernelShape],
      [layer.bias, layer.biasShape],
    ] as const) {
      for (const kind of kinds) state.push({ name: `${weight}/${kind.suffix}`, shape: [...shape], initial: kind.initial });
    }
  }
  if (optimizer.name === 'adam') {
    state.push({ name: ADAM_POWER_NAMES.beta1, shape: [1], initial: optimizer.beta1 });
    state.push({ name: ADAM_POWER_NAMES.beta2, shape: [1], initial: optimizer.beta2 });
  }
  return state;
}

/** Scalars of the update, made once in the outer graph so a Loop body shares them. */
export interface OptimizerConstants {
  learningRate: string;
  /** Adam's bias correction only. */
  one?: string;
  momentum?: string;
  decay?: string;
  oneMinusDecay?: string;
  beta1?: string;
  beta2?: string;
  oneMinusBeta1?: string;
  oneMinusBeta2?: string;
  epsilon?: string;
}

/**
 * Makes the scalars `optimizerUpdate` needs.
 * @example const c = optimizerConstants(g, adam);
 */
export function optimizerConstants(g: GraphBuilder, o: TrainingOptimizer): OptimizerConstants {
  // Only what the optimizer reads: ONNX Runtime warns about every unused initializer.
  const c: OptimizerConstants = { learningRate: g.scalar(o.learningRate, 'learning_rate') };
  if (o.name === 'momentum' || o.name === 'nesterov' || (o.name === 'rmsprop' && o.momentum > 0)) c.momentum = g.scalar(o.momentum, 'momentum');
  if (o.name === 'rmsprop') {
    c.decay = g.scalar(o.decay, 'decay');
    c.oneMinusDecay = g.scalar(1 - o.decay, 'one_minus_decay');
    c.epsilon = g.scalar(o.epsilon, 'epsilon');
  }
  if (o.name === 'adam') {
    c.one = g.scalar(1, 'one');
    c.beta1 = g.scalar(o.beta1, 'beta1');
    c.beta2 = g.scalar(o.beta2, 'beta2');
    c.oneMinusBeta1 = g.scalar(1 - o.beta1, 'one_minus_beta1');
    c.oneMinusBeta2 = g.scalar(1 - o.beta2, 'one_minus_beta2');
    c.epsilon = g.scalar(o.epsilon, 'epsilon');
  }
  return c;
}

/**
 * Adam's step size of this step, lr·sqrt(1 - beta2^t)/(1 - beta1^t), and the powers for the next step.
 * @example const { stepSize, powers } = adamStepSize(g, c, [beta1Power, beta2Power]);
 */
export function adamStepSize(g: GraphBuilder, c: OptimizerConstants, powers: readonly [string, string], outputNames?: readonly [string, string]): { stepSize: string; powers: [string, string] } {
  const [b1p, b2p] = powers;
  const stepSize = div(g, mul(g, c.learningRate, sqrt(g, sub(g, req(c.one), b2p))), sub(g, req(c.one), b1p));
  const out = (i: 0 | 1): OutputName | undefined => (outputNames ? { name: outputNames[i] } : undefined);
  return { stepSize, powers: [mul(g, b1p, req(c.beta1), out(0)), mul(g, b2p, req(c.beta2), out(1))] };
}

/**
 * The update of one weight by its gradient: returns the new weight and the new slots (same order as
 * `slotKinds`). `adamStepSize` is required for adam. Output names, when given: weight then slots.
 * @example const { weight, slots } = optimizerUpdate(g, momentum, c, w, dw, [accum]);
 */
export function optimizerUpdate(
  g: GraphBuilder,
  o: TrainingOptimizer,
  c: OptimizerConstants,
  weight: string,
  gradient: string,
  slots: readonly string[],
  adamStep?: string,
  outputNames?: readonly string[],
): { weight: string; slots: string[] } {
  const out = (i: number): OutputName | undefined => (outputNames ? { name: outputNames[i] } : undefined);
  switch (o.name) {
    case 'sgd':
      return { weight: sub(g, weight, mul(g, c.learningRate, gradient), out(0)), slots: [] };
    case 'momentum':
    case 'nesterov': {
      const accum = add(g, mul(g, req(c.momentum), slots[0]), gradient, out(1));
      const step = o.name === 'nesterov' ? add(g, gradient, mul(g, req(c.momentum), accum)) : accum;
      return { weight: sub(g, weight, mul(g, c.learningRate, step), out(0)), slots: [accum] };
    }
    case 'adagrad': {
      const accum = add(g, slots[0], mul(g, gradient, gradient), out(1));
      return { weight: sub(g, weight, div(g, mul(g, c.learningRate, gradient), sqrt(g, accum)), out(0)), slots: [accum] };
    }
    case 'rmsprop': {
      const ms = add(g, mul(g, req(c.decay), slots[0]), mul(g, req(c.oneMinusDecay), mul(g, gradient, gradient)), out(1));
      const step = div(g, mul(g, c.learningRate, gradient), sqrt(g, add(g, ms, req(c.epsilon))));
      if (o.momentum > 0) {
        const mom = add(g, mul(g, req(c.momentum), slots[1]), step, out(2));
        return { weight: sub(g, weight, mom, out(0)), slots: [ms, mom] };
      }
      return { weight: sub(g, weight, step, out(0)), slots: [ms] };
    }
    case 'adam': {
      if (adamStep === undefined) throw new RangeError('adamStep is required for adam');
      const m = add(g, mul(g, req(c.beta1), slots[0]), mul(g, req(c.oneMinusBeta1), gradient), out(1));
      const v = add(g, mul(g, req(c.beta2), slots[1]), mul(g, req(c.oneMinusBeta2), mul(g, gradient, gradient)), out(2));
      const step = div(g, mul(g, adamStep, m), add(g, sqrt(g, v), req(c.epsilon)));
      return { weight: sub(g, weight, step, out(0)), slots: [m, v] };
    }
  }
}

function req(value: string | undefined): string {
  if (value === undefined) throw new RangeError('optimizer constants were made for another optimizer');
  return value;
}
