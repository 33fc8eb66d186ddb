// A spec's own activation constants (leakyReluAlpha, eluAlpha: what `mnist import` keeps from a PyTorch
// or Keras model) reach every engine and the exporter: the tfjs engine, the onnx engine's one session
// and lockstep runner follow the float64 reference step, and the exported model the reference forward.
import { deriveSeed, Rng, shuffleBatch, type ModelSpec } from '@mnist/core';
import { exportOnnx } from '@mnist/export';
import { maxAbsDifference, randomCheckpoint, randomImages, referenceEpoch, referenceLogits, referenceState, scaled } from '@mnist/export/testing';
import * as ort from 'onnxruntime-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { EpochData, TrainingEngine } from './engine.js';
import { initialWeights } from './initializers.js';
import { createOnnxEngine } from './onnx/onnx-engine.js';
import { resolveOptimizer } from './optimizer-slots.js';
import { lockstepUnavailable } from './testing/lockstep.js';
import { parityToyData } from './testing/parity.js';
import { TfjsEngine } from './tfjs/tfjs-engine.js';

const BASE: ModelSpec = { inputSize: 36, hiddenUnits: [24, 12], activation: 'relu', outputSize: 10, initializer: 'truncated_normal' };
// PyTorch's LeakyReLU default; an ELU alpha below 1 and one above it (the tfjs gradient's two forms).
const CONSTANTS: Partial<ModelSpec>[] = [
  { activation: 'leaky_relu', leakyReluAlpha: 0.01 },
  { activation: 'elu', eluAlpha: 0.5 },
  { activation: 'elu', eluAlpha: 1.7 },
];
const ENGINES = ['tfjs', 'onnx one session', 'onnx lockstep'] as const;
const optimizer = resolveOptimizer({ name: 'sgd', learningRate: 0.1 });

const live: TrainingEngine[] = [];
afterEach(() => live.splice(0).forEach((e) => e.dispose()));

async function engineFor(kind: (typeof ENGINES)[number], spec: ModelSpec): Promise<TrainingEngine> {
  const e = kind === 'tfjs' ? await TfjsEngine.create({ spec, optimizer, backend: 'cpu' }) : await createOnnxEngine({ spec, optimizer, backend: 'node', cores: kind === 'onnx lockstep' ? 2 : 1 });
  live.push(e);
  return e;
}

/** 60 steps: three epochs of 20 batches of 20 over a toy set of 400. */
function epochs(spec: ModelSpec): EpochData[] {
  const data = parityToyData(spec, 400, 3);
  return [0, 1, 2].map((epoch) => ({ ...data, batches: shuffleBatch(400, 20, new Rng(deriveSeed(42, epoch))), pixelScale: 1 / 255 }));
}

describe('activation constants of a spec', () => {
  for (const constants of CONSTANTS)
    for (const kind of ENGINES) {
      it(`${kind}, ${JSON.stringify(constants)}: 60 SGD steps follow the reference with those constants`, async (context) => {
        if (kind === 'onnx lockstep') {
          const why = lockstepUnavailable();
          if (why) return context.skip(why);
        }
        const spec = { ...BASE, ...constants };
        const options = { spec, optimizer, dropoutRate: 0 };
        const state = referenceState(options, initialWeights(spec, 7));
        // The same steps with the default constants end elsewhere: the test sees the constant.
        const defaults = referenceState({ ...options, spec: { ...BASE, activation: spec.activation } }, initialWeights(spec, 7));
        const e = await engineFor(kind, spec);
        await e.loadWeights(initialWeights(spec, 7));
        for (const data of epochs(spec)) {
          const { meanLoss } = await e.runEpoch(data);
          const expected = referenceEpoch(options, state, data);
          referenceEpoch({ ...options, spec: { ...BASE, activation: spec.activation } }, defaults, data);
          expect(Math.abs(meanLoss - expected.reduce((a, b) => a + b) / expected.length)).toBeLessThan(1e-5);
        }
        expect(maxAbsDifference(await e.readWeights(), state)).toBeLessThan(1e-4);
        expect(maxAbsDifference(defaults, state)).toBeGreaterThan(1e-3);
      });
    }

  it.each(CONSTANTS)('the exported model of %o computes the reference logits (onnxruntime-node)', async (constants) => {
    const checkpoint = randomCheckpoint([16, 8], 5, constants);
    const session = await ort.InferenceSession.create(exportOnnx(checkpoint));
    const x = scaled(randomImages(8, 11));
    const { logits } = await session.run({ X: new ort.Tensor('float32', x, [8, 784]) });
    expect(maxAbsDifference(logits.data as Float32Array, referenceLogits(checkpoint, x))).toBeLessThan(1e-5);
    const defaults = randomCheckpoint([16, 8], 5, { activation: constants.activation });
    expect(maxAbsDifference(referenceLogits(defaults, x), referenceLogits(checkpoint, x))).toBeGreaterThan(1e-3);
  });

  it('a checkpoint with a constant that is not a positive number is refused when read', async () => {
    const { decodeCheckpoint, encodeCheckpoint } = await import('@mnist/core');
    const bytes = encodeCheckpoint(randomCheckpoint([4], 1, { activation: 'elu', eluAlpha: -1 }));
    expect(() => decodeCheckpoint(bytes.modelJson, bytes.weightsBin, 'ckpt')).toThrow(/ckpt\/model.json: has modelSpec.eluAlpha must be a finite number > 0, got -1/);
  });
});
