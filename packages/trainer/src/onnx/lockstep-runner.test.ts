// The lockstep runner: which runs it takes, exact weight round trips through its slices, and training that
// matches the one-session onnx engine step for step.
import { deriveSeed, Rng, shuffleBatch, type ModelSpec } from '@mnist/core';
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { initialWeights } from '../initializers.js';
import { resolveOptimizer } from '../optimizer-slots.js';
import { lockstepUnavailable } from '../testing/lockstep.js';
import { maxAbsDifference } from '@mnist/export/testing';
import { parityToyData } from '../testing/parity.js';
import { createOnnxEngine, type OnnxEngine } from './onnx-engine.js';
import { LockstepRunner, lockstepRefusal, sliceWidths } from './lockstep-runner.js';

const SPEC: ModelSpec = { inputSize: 36, hiddenUnits: [24, 12], activation: 'relu', outputSize: 10, initializer: 'truncated_normal' };
const SGD = resolveOptimizer({ name: 'sgd', learningRate: 0.05 });
const SCALE = 1 / 255;

const live: OnnxEngine[] = [];
afterEach(() => live.splice(0).forEach((e) => e.dispose()));

async function engine(cores: number, stepsPerRun = 100): Promise<OnnxEngine> {
  const e = await createOnnxEngine({ spec: SPEC, optimizer: { name: 'sgd', learningRate: 0.05 }, backend: 'node', cores, stepsPerRun });
  live.push(e);
  await e.loadWeights(initialWeights(SPEC, 42));
  return e;
}

describe('sliceWidths', () => {
  it('splits the units into nearly equal slices, the larger first', () => {
    expect(sliceWidths(300, 2)).toEqual([150, 150]);
    expect(sliceWidths(7, 3)).toEqual([3, 2, 2]);
  });
});

describe('lockstepRefusal', () => {
  it('takes plain SGD without dropout on onnxruntime-node with 2 cores, and says why not otherwise', () => {
    const node = 'onnxruntime-node';
    expect(lockstepRefusal(SPEC, SGD, 0, 'onnxruntime-web', 2, 2)).toBe('it runs on onnxruntime-node, not onnxruntime-web');
    expect(lockstepRefusal(SPEC, SGD, 0, node, 2, 1)).toBe('it needs 2 cores and this process may use 1');
    expect(lockstepRefusal(SPEC, SGD, 0, node, 3, 2)).toBe('it needs 3 cores and this process may use 2');
    expect(lockstepRefusal(SPEC, resolveOptimizer({ name: 'adam', learningRate: 0.001 }), 0, node, 2, 2)).toBe('it runs plain SGD, not adam');
    expect(lockstepRefusal(SPEC, SGD, 0.5, node, 2, 2)).toBe('it runs without dropout');
    expect(lockstepRefusal(SPEC, SGD, 0, node, 2, 2, ['hidden1'])).toBe('it trains every layer, and hidden1 is frozen');
    expect(lockstepRefusal({ ...SPEC, hiddenUnits: [1, 12] }, SGD, 0, node, 2, 2)).toBe('it needs a first hidden layer of 2 units or more');
    expect(lockstepRefusal({ ...SPEC, hiddenUnits: [2, 12] }, SGD, 0, node, 3, 4)).toBe('it needs a first hidden layer of 3 units or more');
  });

  it('refuses more cores than this process may use, in one line, when the engine is created', async () => {
    const cores = availableParallelism() + 1;
    await expect(createOnnxEngine({ spec: SPEC, optimizer: { name: 'sgd', learningRate: 0.05 }, backend: 'node', cores })).rejects.toThrow(
      `cores ${cores}: the lockstep runner cannot take this run: it needs ${cores} cores and this process may use ${cores - 1}`,
    );
  });

  it('an explicit cores of 2 refuses a run it cannot take; by default the engine says why it trains on one core', async () => {
    const adam = { spec: SPEC, optimizer: { name: 'adam' as const, learningRate: 0.001 }, backend: 'node' };
    await expect(createOnnxEngine({ ...adam, cores: 2 })).rejects.toThrow('cores 2: the lockstep runner cannot take this run: it runs plain SGD, not adam');
    await expect(createOnnxEngine({ ...adam, cores: 0 })).rejects.toThrow('cores must be a positive integer, got 0');
    const fallback = await createOnnxEngine(adam);
    live.push(fallback);
    expect(fallback.selection).toContain('1 thread (lockstep runner refused: it runs plain SGD, not adam)');
  });
});

describe('the lockstep runner', () => {
  it('splits weights into 3 unequal slices (9, 8, 8 units) and joins them back bit for bit', (context) => {
    const why = lockstepUnavailable();
    if (why) return context.skip(why);
    const spec = { ...SPEC, hiddenUnits: [25, 12] };
    const runner = new LockstepRunner(spec, 0.05, 3);
    try {
      const weights = initialWeights(spec, 7);
      runner.setWeights(weights);
      const joined = runner.weights();
      expect(maxAbsDifference(weights, joined)).toBe(0);
      for (const [name, w] of weights) expect(joined.get(name)?.shape).toEqual(w.shape);
    } finally {
      runner.dispose();
    }
  });

  it('trains 300 steps in blocks of 7 (odd blocks swap its buffers) as the one-session engine does: losses and weights within 1e-6', async (context) => {
    const why = lockstepUnavailable();
    if (why) return context.skip(why);
    const [single, lockstep] = [await engine(1, 7), await engine(2, 7)];
    expect(single.selection).not.toContain('lockstep');
    expect(lockstep.selection).toContain('each step split across 2 cores (lockstep runner)');
    const data = parityToyData(SPEC, 1500, 3);
    for (let epoch = 0; epoch < 10; epoch++) {
      const epochData = { ...data, batches: shuffleBatch(1500, 50, new Rng(deriveSeed(42, epoch))), pixelScale: SCALE };
      const [a, b] = [await single.runEpoch(epochData), await lockstep.runEpoch(epochData)];
      a.losses.forEach((loss, s) => expect(Math.abs(loss - b.losses[s]), `epoch ${epoch} step ${s}`).toBeLessThan(1e-6));
      expect(b.lastBatchAccuracy).toBe(a.lastBatchAccuracy);
    }
    expect(maxAbsDifference(await single.readWeights(), await lockstep.readWeights())).toBeLessThan(1e-6);
    const test = parityToyData(SPEC, 100, 4);
    const [la, lb] = [await single.predictLogits(test.images, 100, SCALE), await lockstep.predictLogits(test.images, 100, SCALE)];
    la.forEach((v, i) => expect(Math.abs(v - lb[i])).toBeLessThan(1e-5));
  });

  it('is deterministic, and resumes from weights loaded mid-run', async (context) => {
    const why = lockstepUnavailable();
    if (why) return context.skip(why);
    const data = parityToyData(SPEC, 600, 5);
    const epoch = (e: number) => ({ ...data, batches: shuffleBatch(600, 30, new Rng(deriveSeed(1, e))), pixelScale: SCALE });
    const [a, b] = [await engine(2), await engine(2)];
    await a.runEpoch(epoch(0));
    await b.runEpoch(epoch(0));
    expect(maxAbsDifference(await a.readWeights(), await b.readWeights())).toBe(0);
    // A third engine picks up a's weights and trains on exactly as a does.
    const c = await engine(2);
    await c.loadWeights(await a.readWeights());
    const [ra, rc] = [await a.runEpoch(epoch(1)), await c.runEpoch(epoch(1))];
    expect([...rc.losses]).toEqual([...ra.losses]);
    expect(maxAbsDifference(await a.readWeights(), await c.readWeights())).toBe(0);
  });

  it('a bad batch index in a later block ends the epoch with a RangeError once the block before it has trained', async (context) => {
    const why = lockstepUnavailable();
    if (why) return context.skip(why);
    const [single, lockstep] = [await engine(1, 5), await engine(2, 5)];
    const data = parityToyData(SPEC, 200, 6);
    const batches = shuffleBatch(200, 10, new Rng(2));
    batches[12] = Int32Array.from(batches[12], (i, r) => (r === 3 ? 200 : i));
    const epochData = { ...data, batches, pixelScale: SCALE };
    for (const e of [single, lockstep]) await expect(e.runEpoch(epochData)).rejects.toThrow('data.batches[12][3] = 200 is outside [0, 200)');
    // Both kept the weights of the two blocks (10 steps) before the bad one.
    expect(maxAbsDifference(await single.readWeights(), await lockstep.readWeights())).toBeLessThan(1e-6);
    expect(maxAbsDifference(await lockstep.readWeights(), initialWeights(SPEC, 42))).toBeGreaterThan(0);
  });

  it('disposing the engine while a block trains frees the runner once the block is done', async (context) => {
    const why = lockstepUnavailable();
    if (why) return context.skip(why);
    const e = await engine(2, 500);
    const data = parityToyData(SPEC, 2000, 2);
    const epoch = e.runEpoch({ ...data, batches: shuffleBatch(2000, 2, new Rng(3)), pixelScale: SCALE });
    e.dispose();
    // The block in training finishes; the next one is refused.
    await expect(epoch).rejects.toThrow('the onnx engine was disposed');
  });

  it('refuses a block whose batches do not match its shape, and keeps its weights', async (context) => {
    const why = lockstepUnavailable();
    if (why) return context.skip(why);
    const runner = new LockstepRunner(SPEC, 0.05, 2);
    try {
      const weights = initialWeights(SPEC, 7);
      runner.setWeights(weights);
      const { images, labels } = parityToyData(SPEC, 100, 1);
      await expect(runner.runBlock(images, labels, new Int32Array(39), 4, 10, SCALE)).rejects.toThrow('slice 0 prologue: batches: data holds 39 values, its shape needs 40');
      expect(maxAbsDifference(weights, runner.weights())).toBe(0);
    } finally {
      runner.dispose();
    }
  });

  it('a step that fails inside ONNX Runtime leaves the weights of the steps before it', async (context) => {
    const why = lockstepUnavailable();
    if (why) return context.skip(why);
    const { images, labels } = parityToyData(SPEC, 100, 1);
    const rows = Int32Array.from({ length: 8 * 10 }, (_, i) => (i * 37) % 100);
    const [broken, reference] = [new LockstepRunner(SPEC, 0.05, 2), new LockstepRunner(SPEC, 0.05, 2)];
    try {
      for (const runner of [broken, reference]) runner.setWeights(initialWeights(SPEC, 7));
      // Batch 5 holds a row past the set: step 4 reads it for its look-ahead, after writing its update.
      const bad = rows.slice();
      bad[5 * 10 + 3] = 100;
      const failure = await broken.runBlock(images, labels, bad, 8, 10, SCALE).then(() => undefined, (error: unknown) => error);
      expect(String(failure)).toMatch(/^Error: slice \d: .*/);
      expect((failure as { completedSteps: number }).completedSteps).toBe(4);
      await reference.runBlock(images, labels, rows.slice(0, 4 * 10), 4, 10, SCALE);
      expect(maxAbsDifference(reference.weights(), broken.weights())).toBe(0);
    } finally {
      broken.dispose();
      reference.dispose();
    }
  });
});
