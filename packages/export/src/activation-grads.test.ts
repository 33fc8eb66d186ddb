// Each activation's forward node and gradient, run in onnxruntime-node, against tf.nn's formulas (the
// shared float64 reference) and a central finite difference of them.
import { ACTIVATIONS } from '@mnist/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { activationGradConstants, activationGradient, activationNode } from './activation-grads.js';
import { encodeModel, GraphBuilder } from './graph-builder.js';
import { referenceActivation as reference } from './testing/index.js';

describe('activationNode and activationGradient', () => {
  // Points away from the kink at 0, where relu-like derivatives are one-sided.
  const z = Float32Array.from([-3, -1.5, -0.5, -0.1, 0.1, 0.5, 1.5, 3]);
  const dh = Float32Array.from([1, -2, 0.5, 1, 3, -1, 0.25, 2]);

  for (const activation of ACTIVATIONS) {
    it(`${activation}: output is tf.nn's, gradient is dh times the derivative`, async () => {
      const g = new GraphBuilder({ opset: 17, name: activation });
      const zIn = g.input('z', 'float32', [z.length]);
      const dhIn = g.input('dh', 'float32', [z.length]);
      const h = activationNode(g, activation, zIn, { name: 'h' });
      const c = activationGradConstants(g, activation);
      const dz = activationGradient(g, activation, c, zIn, h, dhIn);
      g.output(h, 'float32', [z.length]);
      g.output(g.node('Identity', [dz], { outputs: ['dz'] })[0], 'float32', [z.length]);
      const session = await ort.InferenceSession.create(encodeModel(g.build({ irVersion: 8, producerName: 'test' })));
      try {
        const out = await session.run({ z: new ort.Tensor('float32', z, [z.length]), dh: new ort.Tensor('float32', dh, [z.length]) });
        const [hs, dzs] = [out.h.data as Float32Array, out.dz.data as Float32Array];
        z.forEach((v, i) => {
          expect(Math.abs(hs[i] - reference(activation, v)), `h(${v})`).toBeLessThan(1e-6);
          const e = 1e-4;
          const numeric = (reference(activation, v + e) - reference(activation, v - e)) / (2 * e);
          expect(Math.abs(dzs[i] - dh[i] * numeric), `dz(${v})`).toBeLessThan(1e-5 * Math.max(1, Math.abs(dh[i] * numeric)));
        });
      } finally {
        await session.release();
      }
    });
  }
});
