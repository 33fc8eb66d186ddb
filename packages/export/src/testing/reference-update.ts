// Test support: the optimizer step of the float64 references (the MLP's and the convolutional
// family's), weights and slots kept in float32 as the engines keep them.
import type { NamedWeight } from '@mnist/core';
import { ADAM_POWER_NAMES } from '../training-optimizers.js';
import type { ReferenceOptimizer, ReferenceWeights } from './reference-mlp.js';

/**
 * One optimizer step on `state` in place by TF1's update rules (training_ops ApplyGradientDescent,
 * ApplyMomentum, ApplyAdagrad, ApplyRMSProp, ApplyAdam): every weight named in `gradients` and its
 * slots, then Adam's powers.
 * @example referenceUpdate({ name: 'sgd', learningRate: 0.1 }, state, gradients);
 */
export function referenceUpdate(o: ReferenceOptimizer, state: ReferenceWeights, gradients: ReadonlyMap<string, Float64Array>): void {
  const lr = o.learningRate;
  let adamLr = 0;
  if (o.name === 'adam') {
    const b1p = (state.get(ADAM_POWER_NAMES.beta1) as NamedWeight).values;
    const b2p = (state.get(ADAM_POWER_NAMES.beta2) as NamedWeight).values;
    adamLr = (lr * Math.sqrt(1 - b2p[0])) / (1 - b1p[0]);
  }
  const slot = (name: string, suffix: string) => (state.get(`${name}/${suffix}`) as NamedWeight).values;
  for (const [name, g] of gradients) {
    const w = (state.get(name) as NamedWeight).values;
    for (let i = 0; i < w.length; i++) {
      const gi = g[i];
      switch (o.name) {
        case 'sgd':
          w[i] = w[i] - lr * gi;
          break;
        case 'momentum':
        case 'nesterov': {
          const accum = slot(name, 'Momentum');
          const a = o.momentum * accum[i] + gi;
          accum[i] = a;
          w[i] = w[i] - (o.name === 'nesterov' ? lr * (gi + o.momentum * a) : lr * a);
          break;
        }
        case 'adagrad': {
          const accum = slot(name, 'Adagrad');
          const a = accum[i] + gi * gi;
          accum[i] = a;
          w[i] = w[i] - (lr * gi) / Math.sqrt(a);
          break;
        }
        case 'rmsprop': {
          const ms = slot(name, 'RMSProp');
          const m = o.decay * ms[i] + (1 - o.decay) * gi * gi;
          ms[i] = m;
          const step = (lr * gi) / Math.sqrt(m + o.epsilon);
          if (o.momentum > 0) {
            const mom = slot(name, 'RMSProp_1');
            const v = o.momentum * mom[i] + step;
            mom[i] = v;
            w[i] = w[i] - v;
          } else {
            w[i] = w[i] - step;
          }
          break;
        }
        case 'adam': {
          const m1 = slot(name, 'Adam');
          const m2 = slot(name, 'Adam_1');
          const m = o.beta1 * m1[i] + (1 - o.beta1) * gi;
          const v = o.beta2 * m2[i] + (1 - o.beta2) * gi * gi;
          m1[i] = m;
          m2[i] = v;
          w[i] = w[i] - (adamLr * m) / (Math.sqrt(v) + o.epsilon);
          break;
        }
      }
    }
  }
  if (o.name === 'adam') {
    // TF1 advances the powers after the step (AdamOptimizer._finish).
    (state.get(ADAM_POWER_NAMES.beta1) as NamedWeight).values[0] *= o.beta1;
    (state.get(ADAM_POWER_NAMES.beta2) as NamedWeight).values[0] *= o.beta2;
  }
}
