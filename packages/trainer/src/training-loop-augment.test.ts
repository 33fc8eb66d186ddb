import { augmentImages, DEFAULT_AUGMENT, DEFAULT_MODEL_SPEC, deriveSeed, Rng, type LabeledImages, type NamedWeight } from '@mnist/core';
import { describe, expect, it } from 'vitest';
import type { EpochData, TrainingEngine } from './engine.js';
import { AUGMENT_STREAM, runTrainingLoop } from './training-loop.js';

const PIXELS = 784;

function digits(count: number, seed: number): LabeledImages {
  const rng = new Rng(seed);
  const images = new Uint8Array(count * PIXELS);
  // A filled square per image, so every distortion moves some ink.
  for (let k = 0; k < count; k++) {
    const x0 = 8 + rng.int(6);
    const y0 = 8 + rng.int(6);
    for (let y = y0; y < y0 + 8; y++) for (let x = x0; x < x0 + 8; x++) images[k * PIXELS + y * 28 + x] = 200;
  }
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count, height: 28, width: 28 };
}

/** An engine that learns nothing and records the bytes it is given, to check what the loop feeds it. */
class RecordingEngine implements TrainingEngine {
  readonly name = 'recording';
  readonly backend = 'none';
  readonly selection = 'recording';
  readonly epochs: { copy: Uint8Array; buffer: Uint8Array }[] = [];
  readonly predicted: Uint8Array[] = [];
  async loadWeights(): Promise<void> {}
  async readWeights(): Promise<Map<string, NamedWeight>> {
    return new Map();
  }
  async runEpoch(data: EpochData) {
    this.epochs.push({ copy: Uint8Array.from(data.images), buffer: data.images });
    return { meanLoss: 1, lastBatchLoss: 1, lastBatchAccuracy: 0, steps: data.batches.length };
  }
  async predictLogits(images: Uint8Array, count: number): Promise<Float32Array> {
    this.predicted.push(Uint8Array.from(images.subarray(0, count * PIXELS)));
    return new Float32Array(count * 10);
  }
  dispose(): void {}
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('runTrainingLoop with augment', () => {
  const train = digits(30, 1);
  const validation = digits(10, 2);
  const base = { spec: DEFAULT_MODEL_SPEC, train, validation, pixelScale: 1 / 255, batchSize: 10, seed: 42, epochs: 3 };

  it('feeds each epoch freshly augmented bytes from the seed, and scores validation as it is', async () => {
    const engine = new RecordingEngine();
    const plain = new RecordingEngine();
    await runTrainingLoop({ ...base, engine, augment: DEFAULT_AUGMENT });
    await runTrainingLoop({ ...base, engine: plain });
    expect(plain.epochs.every((e) => same(e.copy, train.images))).toBe(true);
    expect(engine.epochs).toHaveLength(3);
    engine.epochs.forEach((e, epoch) => {
      expect(same(e.copy, train.images)).toBe(false);
      expect(same(e.copy, augmentImages(train.images, 30, 28, 28, deriveSeed(42, epoch, AUGMENT_STREAM), DEFAULT_AUGMENT))).toBe(true);
    });
    expect(same(engine.epochs[0].copy, engine.epochs[1].copy)).toBe(false);
    // One buffer serves every epoch, and the training set itself is left alone.
    expect(engine.epochs[1].buffer).toBe(engine.epochs[0].buffer);
    expect(engine.epochs[0].buffer).not.toBe(train.images);
    expect(same(train.images, digits(30, 1).images)).toBe(true);
    expect(engine.predicted).toHaveLength(3);
    expect(engine.predicted.every((p) => same(p, validation.images))).toBe(true);
  });

  it('gives a resumed run the epoch images an uninterrupted run saw', async () => {
    const whole = new RecordingEngine();
    const resumed = new RecordingEngine();
    await runTrainingLoop({ ...base, engine: whole, augment: DEFAULT_AUGMENT });
    await runTrainingLoop({ ...base, engine: resumed, augment: DEFAULT_AUGMENT, epoch: 2 });
    expect(resumed.epochs).toHaveLength(1);
    expect(same(resumed.epochs[0].copy, whole.epochs[2].copy)).toBe(true);
  });

  it('refuses bad augment options and images that are not inputSize pixels, in one line', async () => {
    await expect(runTrainingLoop({ ...base, engine: new RecordingEngine(), augment: { ...DEFAULT_AUGMENT, elasticSigma: -1 } })).rejects.toThrow(
      /^augment\.elasticSigma must be a finite number of pixels > 0, got -1$/,
    );
    const flat = { ...train, height: 1, width: 28 };
    await expect(runTrainingLoop({ ...base, train: flat, engine: new RecordingEngine(), augment: DEFAULT_AUGMENT })).rejects.toThrow(
      'augment needs images of height * width = inputSize (784), got 1 x 28',
    );
  });
});
