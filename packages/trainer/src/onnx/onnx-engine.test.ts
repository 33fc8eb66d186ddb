// The onnx engine on onnxruntime-node and onnxruntime-web against the plain-JS reference step, over whole epochs.
import { DEFAULT_MODEL_SPEC, inTopK, layerNames, Rng, shuffleBatch, type ModelSpec, type NamedWeight } from '@mnist/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { OptimizerConfig } from '../engine.js';
import { maxAbsDifference, referenceEpoch, referenceForward, referenceState } from '@mnist/export/testing';
import { resolveOptimizer } from '../optimizer-slots.js';
import { createOnnxEngine, type OnnxEngine } from './onnx-engine.js';

const SPEC: ModelSpec = { inputSize: 30, hiddenUnits: [20, 12], activation: 'relu', outputSize: 10, initializer: 'truncated_normal' };
const SCALE = 1 / 255;
const SGD: OptimizerConfig = { name: 'sgd', learningRate: 0.05 };

function initialWeights(spec: ModelSpec, seed: number): Map<string, NamedWeight> {
  const rng = new Rng(seed);
  const weights = new Map<string, NamedWeight>();
  for (const l of layerNames(spec)) {
    const kernel = Float32Array.from({ length: l.fanIn * l.fanOut }, () => ((rng.float() * 2 - 1) * 2) / Math.sqrt(l.fanIn));
    weights.set(l.kernel, { name: l.kernel, shape: [l.fanIn, l.fanOut], values: kernel });
    weights.set(l.bias, { name: l.bias, shape: [l.fanOut], values: new Float32Array(l.fanOut) });
  }
  return weights;
}

/** A learnable random dataset: the label is a function of a few pixels. */
function dataset(spec: ModelSpec, count: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  const rng = new Rng(seed);
  const images = Uint8Array.from({ length: count * spec.inputSize }, () => rng.int(4) * 85);
  const labels = Uint8Array.from({ length: count }, (_, r) => (images[r * spec.inputSize] + 2 * images[r * spec.inputSize + 1]) % 10);
  return { images, labels };
}

const engines: OnnxEngine[] = [];
async function engine(backend: 'node' | 'web', spec = SPEC, stepsPerRun = 7): Promise<OnnxEngine> {
  const e = await createOnnxEngine({ spec, optimizer: SGD, backend, stepsPerRun });
  engines.push(e);
  return e;
}
afterAll(() => engines.forEach((e) => e.dispose()));

describe('onnx engine', () => {
  // 1010 images at batch 50: 20 batches, the first 10 of 51 rows (array_split), so blocks of both sizes.
  const COUNT = 1010;
  const EPOCHS = 15;
  const { images, labels } = dataset(SPEC, COUNT, 21);

  for (const backend of ['node', 'web'] as const) {
    it(`on onnxruntime-${backend}: ${EPOCHS} epochs (300 steps, batches of 51 and 50) follow plain-JS SGD step by step`, async () => {
      const e = await engine(backend);
      expect(e.backend).toBe(`onnxruntime-${backend}`);
      expect(e.selection).toContain(`onnxruntime-${backend}`);
      const initial = initialWeights(SPEC, 8);
      await e.loadWeights(initial);
      const reference = referenceState({ spec: SPEC, optimizer: resolveOptimizer(SGD) }, initial);
      const rng = new Rng(42);
      let steps = 0;
      for (let epoch = 0; epoch < EPOCHS; epoch++) {
        const batches = shuffleBatch(COUNT, 50, rng);
        expect(batches[0].length).toBe(51);
        const progress: number[] = [];
        const stats = await e.runEpoch({ images, labels, batches, pixelScale: SCALE }, (done, total) => {
          expect(total).toBe(batches.length);
          progress.push(done);
        });
        expect(progress[progress.length - 1]).toBe(batches.length);
        expect(stats.steps).toBe(batches.length);
        let sum = 0;
        referenceEpoch({ spec: SPEC, optimizer: resolveOptimizer(SGD) }, reference, { images, labels, batches, pixelScale: SCALE }).forEach((expected, s) => {
          expect(Math.abs(stats.losses[s] - expected), `epoch ${epoch} step ${s}`).toBeLessThan(1e-5);
          sum += stats.losses[s];
        });
        expect(stats.meanLoss).toBeCloseTo(sum / batches.length, 12);
        expect(stats.lastBatchLoss).toBe(stats.losses[batches.length - 1]);
        // The last batch's accuracy is taken with the weights after the epoch, as the original program did.
        const last = batches[batches.length - 1];
        const lastImages = new Uint8Array(last.length * SPEC.inputSize);
        last.forEach((i, r) => lastImages.set(images.subarray(i * SPEC.inputSize, (i + 1) * SPEC.inputSize), r * SPEC.inputSize));
        const lastLogits = Float32Array.from(referenceForward(SPEC, reference, lastImages, SCALE));
        const hits = inTopK(lastLogits, Array.from(last, (i) => labels[i]), 10);
        expect(stats.lastBatchAccuracy).toBeCloseTo(hits.reduce((a, b) => a + b, 0) / last.length, 12);
        steps += stats.steps;
      }
      expect(steps).toBe(300);
      const trained = await e.readWeights();
      expect(maxAbsDifference(trained, reference)).toBeLessThan(1e-5);
    });
  }

  it('onnxruntime-node and onnxruntime-web agree on the 784-300-100-10 network', async () => {
    const count = 400;
    const data = dataset(DEFAULT_MODEL_SPEC, count, 5);
    const results = [];
    for (const backend of ['node', 'web'] as const) {
      const e = await engine(backend, DEFAULT_MODEL_SPEC, 3);
      await e.loadWeights(initialWeights(DEFAULT_MODEL_SPEC, 6));
      const stats = await e.runEpoch({ ...data, batches: shuffleBatch(count, 50, new Rng(1)), pixelScale: SCALE });
      results.push({ losses: stats.losses, weights: await e.readWeights(), logits: await e.predictLogits(data.images, count, SCALE) });
    }
    const [node, web] = results;
    expect(node.losses.length).toBe(8);
    node.losses.forEach((l, i) => expect(Math.abs(l - web.losses[i]), `step ${i}`).toBeLessThan(1e-5));
    expect(maxAbsDifference(node.weights, web.weights)).toBeLessThan(1e-6);
    node.logits.forEach((v, i) => expect(Math.abs(v - web.logits[i])).toBeLessThan(1e-4));
  });

  it('is deterministic: the same weights and batches give the same bits, whatever the block length', async () => {
    const runs = [];
    for (const stepsPerRun of [7, 7, 100]) {
      const e = await engine('node', SPEC, stepsPerRun);
      await e.loadWeights(initialWeights(SPEC, 12));
      const stats = await e.runEpoch({ images, labels, batches: shuffleBatch(COUNT, 50, new Rng(3)), pixelScale: SCALE });
      runs.push({ losses: stats.losses, weights: await e.readWeights() });
    }
    for (const other of runs.slice(1)) {
      expect(other.losses).toEqual(runs[0].losses);
      for (const [name, w] of runs[0].weights) expect(other.weights.get(name)!.values, name).toEqual(w.values);
    }
  });

  it('predictLogits gives the forward pass of raw bytes in chunks, with the current weights', async () => {
    const e = await engine('node');
    const w = initialWeights(SPEC, 3);
    await e.loadWeights(w);
    const count = 1033; // three runs of the logits graph: 500, 500 and 33 rows
    const { images: x } = dataset(SPEC, count, 4);
    const logits = await e.predictLogits(x, count, SCALE);
    const expected = referenceForward(SPEC, w, x, SCALE);
    expect(logits.length).toBe(count * 10);
    logits.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(1e-5));
  });

  it('copies weights in and out, and refuses missing or misshapen ones', async () => {
    const e = await engine('node');
    const w = initialWeights(SPEC, 9);
    await e.loadWeights(w);
    const out = await e.readWeights();
    expect([...out.keys()]).toEqual([...w.keys()]);
    for (const [name, weight] of out) expect(weight.values).toEqual(w.get(name)!.values);
    out.get('dnn/hidden1/kernel')!.values[0] += 1;
    expect((await e.readWeights()).get('dnn/hidden1/kernel')!.values[0]).toBe(w.get('dnn/hidden1/kernel')!.values[0]);
    const missing = new Map(w);
    missing.delete('dnn/outputs/bias');
    await expect(e.loadWeights(missing)).rejects.toThrow(/dnn\/outputs\/bias is missing/);
    const misshapen = new Map(w);
    misshapen.set('dnn/hidden2/bias', { name: 'dnn/hidden2/bias', shape: [13], values: new Float32Array(13) });
    await expect(e.loadWeights(misshapen)).rejects.toThrow(/dnn\/hidden2\/bias has shape \[13\], the model needs \[12\]/);
  });

  it('refuses unknown optimizers, unknown backends, training before weights, and use after dispose', async () => {
    await expect(createOnnxEngine({ spec: SPEC, optimizer: { name: 'adamw', learningRate: 0.01 } as unknown as OptimizerConfig })).rejects.toThrow(
      /optimizer.name must be one of sgd, momentum, nesterov, adagrad, rmsprop, adam, got "adamw"/,
    );
    await expect(createOnnxEngine({ spec: SPEC, optimizer: SGD, dropoutRate: 1 })).rejects.toThrow(/dropoutRate must be in \[0, 1\)/);
    await expect(createOnnxEngine({ spec: SPEC, optimizer: SGD, backend: 'wasm' })).rejects.toThrow(/backend "wasm" is not one of/);
    const e = await createOnnxEngine({ spec: SPEC, optimizer: SGD });
    expect(e.backend).toBe('onnxruntime-node');
    const { images: x, labels: y } = dataset(SPEC, 10, 1);
    await expect(e.runEpoch({ images: x, labels: y, batches: [Int32Array.of(0, 1)], pixelScale: SCALE })).rejects.toThrow(/loadWeights first/);
    await e.loadWeights(initialWeights(SPEC, 1));
    await expect(e.runEpoch({ images: x, labels: y, batches: [Int32Array.of(0, 10)], pixelScale: SCALE })).rejects.toThrow(/outside \[0, 10\)/);
    e.dispose();
    await expect(e.predictLogits(x, 10, SCALE)).rejects.toThrow(/disposed/);
  });
});
