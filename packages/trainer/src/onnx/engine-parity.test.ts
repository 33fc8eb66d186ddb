// The tfjs and onnx engines agree: same initial weights and batches give the same per-step losses and weights.
import { DEFAULT_MODEL_SPEC, deriveSeed, Rng, shuffleBatch, type ModelSpec } from '@mnist/core';
import { afterEach, describe, expect, it } from 'vitest';
import { dropoutMasks } from '../dropout-masks.js';
import type { EngineOptions, OptimizerConfig, TrainingEngine } from '../engine.js';
import { initialWeights } from '../initializers.js';
import { createTfjsEngine } from '../tfjs/tfjs-engine.js';
import { createOnnxEngine } from './onnx-engine.js';
import { lockstepUnavailable } from '../testing/lockstep.js';
import { maxAbsDifference } from '@mnist/export/testing';
import { parityToyData } from '../testing/parity.js';

const SPEC: ModelSpec = { inputSize: 36, hiddenUnits: [24, 12], activation: 'relu', outputSize: 10, initializer: 'truncated_normal' };
const SCALE = 1 / 255;

const live: TrainingEngine[] = [];
afterEach(() => live.splice(0).forEach((e) => e.dispose()));

/** The onnx engine's two ways to run plain SGD: one session a block, or the lockstep runner's slices. */
const RUNNERS = [
  { label: 'one session', cores: 1 },
  { label: 'lockstep runner', cores: 2 },
];

async function pair(spec: ModelSpec, tfjsBackend: string, learningRate: number, cores = 1): Promise<[TrainingEngine, TrainingEngine]> {
  const options: EngineOptions = { spec, optimizer: { name: 'sgd', learningRate } };
  const tfjs = await createTfjsEngine({ ...options, backend: tfjsBackend });
  live.push(tfjs);
  const onnx = await createOnnxEngine({ ...options, backend: 'node', cores });
  live.push(onnx);
  const start = initialWeights(spec, 42);
  await tfjs.loadWeights(start);
  await onnx.loadWeights(start);
  return [tfjs, onnx];
}

/** The runner's cores; skips the test when the lockstep runner cannot run here (a failure in CI). */
function coresOf(runner: (typeof RUNNERS)[number], context: { skip: (reason: string) => never }): number {
  const why = runner.cores > 1 ? lockstepUnavailable() : undefined;
  if (why) context.skip(why);
  return runner.cores;
}

describe('tfjs and onnx engines', () => {
  for (const runner of RUNNERS) {
    it(`300 steps (tfjs cpu vs onnxruntime-node, ${runner.label}): every step loss within 1e-5, weights within 1e-6`, async (context) => {
      const [tfjs, onnx] = await pair(SPEC, 'cpu', 0.05, coresOf(runner, context));
      const count = 1530; // 30 batches of 51: both engines see the same odd size
      const data = parityToyData(SPEC, count, 3);
      let step = 0;
      for (let epoch = 0; epoch < 10; epoch++) {
        for (const batch of shuffleBatch(count, 50, new Rng(deriveSeed(42, epoch)))) {
          // One batch per call exposes each step's loss through lastBatchLoss.
          const epochData = { ...data, batches: [batch], pixelScale: SCALE };
          const [a, b] = [await tfjs.runEpoch(epochData), await onnx.runEpoch(epochData)];
          expect(Math.abs(a.lastBatchLoss - b.lastBatchLoss), `step ${step}`).toBeLessThan(1e-5);
          step++;
        }
      }
      expect(step).toBe(300);
      expect(maxAbsDifference(await tfjs.readWeights(), await onnx.readWeights())).toBeLessThan(1e-6);
    });

    it(`whole epochs report the same mean loss, last-batch loss and accuracy, and the same test logits (${runner.label})`, async (context) => {
      const [tfjs, onnx] = await pair(SPEC, 'cpu', 0.1, coresOf(runner, context));
      const count = 1000;
      const data = parityToyData(SPEC, count, 4);
      for (let epoch = 0; epoch < 5; epoch++) {
        const epochData = { ...data, batches: shuffleBatch(count, 40, new Rng(deriveSeed(7, epoch))), pixelScale: SCALE };
        const a = await tfjs.runEpoch(epochData);
        const b = await onnx.runEpoch(epochData);
        expect(b.steps).toBe(a.steps);
        expect(Math.abs(a.meanLoss - b.meanLoss)).toBeLessThan(1e-5);
        expect(Math.abs(a.lastBatchLoss - b.lastBatchLoss)).toBeLessThan(1e-5);
        expect(b.lastBatchAccuracy).toBe(a.lastBatchAccuracy);
      }
      const test = parityToyData(SPEC, 200, 5);
      const [la, lb] = [await tfjs.predictLogits(test.images, 200, SCALE), await onnx.predictLogits(test.images, 200, SCALE)];
      la.forEach((v, i) => expect(Math.abs(v - lb[i])).toBeLessThan(1e-4));
    });

    it(`the 784-300-100-10 network (tfjs wasm vs onnxruntime-node, ${runner.label}): 30 steps of batch 50 agree`, async (context) => {
      const [tfjs, onnx] = await pair(DEFAULT_MODEL_SPEC, 'wasm', 0.01, coresOf(runner, context));
      const data = parityToyData(DEFAULT_MODEL_SPEC, 1500, 6);
      const batches = shuffleBatch(1500, 50, new Rng(1));
      for (let s = 0; s < batches.length; s++) {
        const epochData = { ...data, batches: [batches[s]], pixelScale: SCALE };
        const [a, b] = [await tfjs.runEpoch(epochData), await onnx.runEpoch(epochData)];
        expect(Math.abs(a.lastBatchLoss - b.lastBatchLoss), `step ${s}`).toBeLessThan(1e-5);
      }
      expect(maxAbsDifference(await tfjs.readWeights(), await onnx.readWeights())).toBeLessThan(1e-6);
    });
  }

  it('a run continues on the other engine from the weights it read out', async () => {
    const [tfjs, onnx] = await pair(SPEC, 'cpu', 0.05);
    const data = parityToyData(SPEC, 500, 8);
    const epoch = (e: number) => ({ ...data, batches: shuffleBatch(500, 25, new Rng(deriveSeed(9, e))), pixelScale: SCALE });
    await onnx.runEpoch(epoch(0));
    await tfjs.loadWeights(await onnx.readWeights());
    const [a, b] = [await tfjs.runEpoch(epoch(1)), await onnx.runEpoch(epoch(1))];
    expect(Math.abs(a.meanLoss - b.meanLoss)).toBeLessThan(1e-6);
    expect(maxAbsDifference(await tfjs.readWeights(), await onnx.readWeights())).toBeLessThan(1e-6);
  });

  for (const optimizer of [
    { name: 'momentum', learningRate: 0.05 },
    { name: 'nesterov', learningRate: 0.05 },
    { name: 'adagrad', learningRate: 0.1 },
    { name: 'rmsprop', learningRate: 0.005, momentum: 0.5 },
    { name: 'adam', learningRate: 0.005 },
  ] as OptimizerConfig[]) {
    it(`${optimizer.name}, tanh, dropout 0.3: same losses; the checkpoint with its slots resumes on the other engine`, async () => {
      const spec: ModelSpec = { ...SPEC, activation: 'tanh' };
      const options: EngineOptions = { spec, optimizer, dropoutRate: 0.3 };
      const tfjs = await createTfjsEngine({ ...options, backend: 'cpu' });
      live.push(tfjs);
      const onnx = await createOnnxEngine({ ...options, backend: 'node' });
      live.push(onnx);
      const data = parityToyData(spec, 600, 3);
      const epoch = (e: number) => {
        const batches = shuffleBatch(600, 20, new Rng(deriveSeed(42, e)));
        const masks = dropoutMasks(batches.map((b) => b.length), spec.hiddenUnits, 0.3, new Rng(deriveSeed(42, e, 1)));
        return { ...data, batches, pixelScale: SCALE, dropoutMasks: masks };
      };
      await tfjs.loadWeights(initialWeights(spec, 42));
      await onnx.loadWeights(initialWeights(spec, 42));
      const [a, b] = [await tfjs.runEpoch(epoch(0)), await onnx.runEpoch(epoch(0))];
      expect(Math.abs(a.meanLoss - b.meanLoss)).toBeLessThan(1e-5);
      expect(Math.abs(a.lastBatchLoss - b.lastBatchLoss)).toBeLessThan(1e-5);
      // Swap: each engine continues from the other's checkpoint, optimizer slots included.
      const [fromTfjs, fromOnnx] = [await tfjs.readWeights(), await onnx.readWeights()];
      expect([...fromTfjs.keys()].sort()).toEqual([...fromOnnx.keys()].sort());
      await tfjs.loadWeights(fromOnnx);
      await onnx.loadWeights(fromTfjs);
      const [c, d] = [await tfjs.runEpoch(epoch(1)), await onnx.runEpoch(epoch(1))];
      expect(Math.abs(c.meanLoss - d.meanLoss)).toBeLessThan(1e-5);
      expect(maxAbsDifference(await tfjs.readWeights(), await onnx.readWeights())).toBeLessThan(1e-4);
    });
  }
});
