// TensorFlow 1's optimizer updates (training_ops.cc) written with tfjs ops, because tfjs's own
// optimizers differ from TF1 (epsilon inside vs outside the root, no RMSProp mean-square of 1,
// Adam's bias correction folded differently). Slots are tf.Variables with TF1's names.
import * as tf from '@tensorflow/tfjs-core';
import type { NamedWeight } from '@mnist/core';
import { ADAM_POWER_NAMES, type ResolvedOptimizer } from '../optimizer-slots.js';

/**
 * The optimizer's state and update rule for a set of weights. Slot variables are created from
 * `initialSlots` (names like `dnn/hidden1/kernel/Momentum`, plus Adam's `beta1_power`/`beta2_power`).
 * @example const opt = new Tf1Optimizer(resolveOptimizer({ name: 'adam', learningRate: 1e-3 }), initialSlots(spec, resolved)); opt.apply(variables, grads);
 */
export class Tf1Optimizer {
  readonly slots = new Map<string, tf.Variable>();
  /** The slots' starting values, for `reset`. */
  private readonly initial: Map<string, NamedWeight>;

  constructor(
    readonly config: ResolvedOptimizer,
    initialSlots: Map<string, NamedWeight>,
  ) {
    this.initial = initialSlots;
    try {
      for (const [name, w] of initialSlots) {
        if (tf.engine().registeredVariables[name]) {
          throw new Error(`a tfjs variable named ${name} already exists: dispose the previous tfjs engine first`);
        }
        this.slots.set(name, tf.variable(tf.tensor(w.values, w.shape, 'float32'), false, name));
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** Sets every slot back to its starting value (a fresh run from loaded weights). */
  reset(): void {
    for (const [name, v] of this.slots) {
      const w = this.initial.get(name)!;
      tf.tidy(() => v.assign(tf.tensor(w.values, w.shape, 'float32')));
    }
  }

  /** One update of every variable in `variables` from its gradient in `grads` (same names). */
  apply(variables: ReadonlyMap<string, tf.Variable>, grads: Record<string, tf.Tensor>): void {
    const c = this.config;
    const lr = c.learningRate;
    const slot = (name: string) => this.slots.get(name)!;
    tf.tidy(() => {
      // Adam's step size with bias correction, from the powers of this step (TF1: lr_t).
      let adamLr: tf.Tensor | undefined;
      if (c.name === 'adam') {
        const b1p = slot(ADAM_POWER_NAMES.beta1);
        const b2p = slot(ADAM_POWER_NAMES.beta2);
        adamLr = tf.div(tf.mul(lr, tf.sqrt(tf.sub(1, b2p))), tf.sub(1, b1p));
      }
      for (const [name, w] of variables) {
        const g = grads[name];
        if (!g) throw new Error(`no gradient for ${name}`);
        switch (c.name) {
          case 'sgd':
            w.assign(tf.sub(w, tf.mul(g, lr)));
            break;
          case 'momentum':
          case 'nesterov': {
            // ApplyMomentum: accum = accum * momentum + grad; var -= lr * accum
            // (nesterov: var -= grad * lr + accum * momentum * lr).
            const accum = slot(`${name}/Momentum`);
            const a = tf.add(tf.mul(accum, c.momentum), g);
            accum.assign(a);
            const step = c.name === 'nesterov' ? tf.add(tf.mul(g, lr), tf.mul(tf.mul(a, c.momentum), lr)) : tf.mul(a, lr);
            w.assign(tf.sub(w, step));
            break;
          }
          case 'adagrad': {
            // ApplyAdagrad: accum += grad^2; var -= lr * grad * rsqrt(accum).
            const accum = slot(`${name}/Adagrad`);
            const a = tf.add(accum, tf.square(g));
            accum.assign(a);
            w.assign(tf.sub(w, tf.mul(tf.mul(g, lr), tf.rsqrt(a))));
            break;
          }
          case 'rmsprop': {
            // ApplyRMSProp: ms += (grad^2 - ms) * (1 - decay); mom = mom * momentum + lr * grad / sqrt(ms + eps); var -= mom.
            const ms = slot(`${name}/RMSProp`);
            const m = tf.add(ms, tf.mul(tf.sub(tf.square(g), ms), 1 - c.decay));
            ms.assign(m);
            let step = tf.div(tf.mul(g, lr), tf.sqrt(tf.add(m, c.epsilon)));
            const momSlot = this.slots.get(`${name}/RMSProp_1`);
            if (momSlot) {
              step = tf.add(tf.mul(momSlot, c.momentum), step);
              momSlot.assign(step);
            }
            w.assign(tf.sub(w, step));
            break;
          }
          case 'adam': {
            // ApplyAdam: m += (g - m) * (1 - beta1); v += (g^2 - v) * (1 - beta2); var -= lr_t * m / (sqrt(v) + eps).
            const mSlot = slot(`${name}/Adam`);
            const vSlot = slot(`${name}/Adam_1`);
            const m = tf.add(mSlot, tf.mul(tf.sub(g, mSlot), 1 - c.beta1));
            const v = tf.add(vSlot, tf.mul(tf.sub(tf.square(g), vSlot), 1 - c.beta2));
            mSlot.assign(m);
            vSlot.assign(v);
            w.assign(tf.sub(w, tf.div(tf.mul(adamLr!, m), tf.add(tf.sqrt(v), c.epsilon))));
            break;
          }
        }
      }
      if (c.name === 'adam') {
        const b1p = slot(ADAM_POWER_NAMES.beta1);
        const b2p = slot(ADAM_POWER_NAMES.beta2);
        b1p.assign(tf.mul(b1p, c.beta1));
        b2p.assign(tf.mul(b2p, c.beta2));
      }
    });
  }

  dispose(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
  }
}
