// Property tests of the SDK's outside inputs on onnxruntime-node: mutated or arbitrary model bytes give
// a ModelLoadError naming the source (one line) or a classifier that answers correctly-formed
// predictions, never a crash of the process; predict() inputs of any shape or value give a
// RangeError/TypeError naming the argument (one line) or a valid prediction.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError, type ImageBatch, type Prediction } from '@mnist/core';
import { MnistClassifier } from './mnist-classifier.js';
import { exportOnnx } from '@mnist/export';
import { randomCheckpoint, randomOnnxModel } from '@mnist/export/testing';

const RUNS = { seed: 20240611, numRuns: 200 };
// A plain copy: the exporter may return a Node Buffer, whose slice() is a view, not a copy.
const VALID = new Uint8Array(randomOnnxModel([8], 3).bytes);
const LOAD = { intraOpNumThreads: 1 };

/** Loads; fails the property on any error but a one-line ModelLoadError naming the bytes. */
async function loadOrModelError(bytes: Uint8Array): Promise<MnistClassifier | undefined> {
  try {
    return await MnistClassifier.load(bytes, LOAD);
  } catch (error) {
    if (!(error instanceof ModelLoadError)) throw error;
    expect(error.message.startsWith('model bytes')).toBe(true);
    expect(error.message).not.toContain('\n');
    return undefined;
  }
}

/** What every prediction must be: a class per image, the argmax of its probability row, which sums to 1. */
function expectWellFormed(p: Prediction, n: number): void {
  expect(p.classes).toHaveLength(n);
  expect(p.probabilities).toHaveLength(n * 10);
  for (let i = 0; i < n; i++) {
    const row = Array.from(p.probabilities.subarray(i * 10, i * 10 + 10));
    expect(row.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
    expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-4);
    expect(row[p.classes[i]]).toBe(Math.max(...row));
  }
}

/** Predicts; a model whose output is not well formed must say so with a ModelLoadError naming it. */
async function predictOrError(classifier: MnistClassifier, images: ImageBatch, n: number): Promise<void> {
  try {
    expectWellFormed(await classifier.predict(images), n);
  } catch (error) {
    if (!(error instanceof ModelLoadError || error instanceof RangeError)) throw error;
    expect(error.message).not.toContain('\n');
  }
}

describe('MnistClassifier.load on outside bytes', () => {
  it('arbitrary bytes give a ModelLoadError', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
      expect(await loadOrModelError(bytes)).toBeUndefined();
    }), RUNS);
  });

  // Flips in the weights' bytes only change values (an ONNX file has no checksum), so edits are drawn
  // mostly from the graph structure and header at both ends, where the runtime parses.
  const edit = fc.tuple(
    fc.oneof(fc.nat({ max: 700 }), fc.nat({ max: 900 }).map((d) => VALID.length - 1 - d), fc.nat({ max: VALID.length - 1 })),
    fc.integer({ min: 0, max: 7 }),
    fc.option(fc.integer({ min: 0, max: 255 })),
  );

  it('bit flips and byte overwrites give a ModelLoadError or a classifier with well-formed answers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
        const bytes = VALID.slice();
        for (const [at, bit, value] of edits) bytes[at] = value ?? bytes[at] ^ (1 << bit);
        const classifier = await loadOrModelError(bytes);
        if (!classifier) return;
        try {
          await predictOrError(classifier, new Float32Array(2 * 784).fill(0.5), 2);
        } finally {
          await classifier.dispose();
        }
      }),
      RUNS,
    );
  });

  it('a model whose weights hold NaN or Infinity answers with a ModelLoadError naming it, not a confident class', async () => {
    for (const bad of [NaN, Infinity]) {
      const checkpoint = randomCheckpoint([8], 3);
      checkpoint.weights.get('dnn/outputs/bias')!.values[4] = bad;
      const classifier = await MnistClassifier.load(exportOnnx(checkpoint), LOAD);
      try {
        await expect(classifier.predict(new Float32Array(784).fill(0.5))).rejects.toThrow(
          new ModelLoadError('model bytes', 'output probabilities is not finite for image 0 of the batch (corrupt model weights, or pixel values far outside [0, 1])'),
        );
      } finally {
        await classifier.dispose();
      }
    }
  });

  it('truncations give a ModelLoadError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: VALID.length - 1 }), async (at) => {
        expect(await loadOrModelError(VALID.slice(0, at))).toBeUndefined();
      }),
      { ...RUNS, numRuns: 100 },
    );
  });
});

describe('predict() on outside inputs', () => {
  let classifier: MnistClassifier;
  beforeAll(async () => {
    classifier = await MnistClassifier.load(VALID, LOAD);
  });
  afterAll(async () => {
    await classifier.dispose();
  });

  const special = fc.constantFrom(NaN, Infinity, -Infinity, 1e30, -1e30, 3.4e38, -0, 256, -1, Number.MAX_VALUE, Number.MIN_VALUE);
  const pixel = fc.oneof({ weight: 4, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }, { weight: 1, arbitrary: special });
  const images = (n: number) => fc.array(pixel, { minLength: n * 784, maxLength: n * 784 });
  const notANumber = fc.constantFrom<unknown>('0.5', '', null, undefined, true, {}, [], [1], 1n);

  /** Predicts; fails the property on any error but a one-line RangeError/TypeError naming `images`. */
  async function predictOrArgumentError(input: unknown, n: number | undefined): Promise<Prediction | undefined> {
    try {
      const p = await classifier.predict(input as ImageBatch);
      expect(n).toBeDefined();
      expectWellFormed(p, n!);
      return p;
    } catch (error) {
      if (!(error instanceof RangeError || error instanceof TypeError)) throw error;
      expect(error.message).toMatch(/^images/);
      expect(error.message).not.toContain('\n');
      return undefined;
    }
  }

  it('flat number arrays and Float32Arrays with any values: a valid prediction or a RangeError naming the pixel', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.context(), async (n, typed, ctx) => {
        const values = fc.sample(images(n), { seed: n, numRuns: 1 })[0];
        const input = typed ? Float32Array.from(values) : values;
        ctx.log(`n=${n} typed=${typed}`);
        await predictOrArgumentError(input, n);
      }),
      { ...RUNS, numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 }), images(1), fc.boolean(), async (n, one, typed) => {
        const values = Array.from({ length: n }, () => one).flat();
        await predictOrArgumentError(typed ? Float32Array.from(values) : values, n);
      }),
      { ...RUNS, numRuns: 60 },
    );
  });

  it('wrong lengths give a RangeError naming images and the expected multiple of 784', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 * 784 }).filter((l) => l % 784 !== 0), fc.constantFrom('float', 'bytes', 'array'), async (length, kind) => {
        const input = kind === 'float' ? new Float32Array(length) : kind === 'bytes' ? new Uint8Array(length) : new Array<number>(length).fill(0);
        await expect(classifier.predict(input)).rejects.toThrow(new RangeError(`images has ${length} values, expected a multiple of 784 (28x28 pixels per image)`));
      }),
      { ...RUNS, numRuns: 50 },
    );
  });

  it('non-numbers among the pixels give a TypeError or RangeError naming the place, never a silent conversion', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 783 }), notANumber, fc.boolean(), async (at, bad, nested) => {
        const row: unknown[] = new Array(784).fill(0.5);
        row[at] = bad;
        const p = await predictOrArgumentError(nested ? [row] : row, 1);
        expect(p).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('nested arrays of wrong shapes, other typed arrays and non-arrays give a TypeError or RangeError', async () => {
    const wrong = fc.oneof(
      fc.array(fc.array(fc.double(), { maxLength: 5 }), { minLength: 1, maxLength: 3 }),
      fc.constant([new Float32Array(784), new Float32Array(783)]),
      fc.constant([new Uint8Array(784), 5]),
      fc.constant([[new Float32Array(784)]]),
      fc.constant(new Float64Array(784)),
      fc.constant(new Int32Array(784)),
      fc.constant(new DataView(new ArrayBuffer(784))),
      fc.constantFrom<unknown>(null, undefined, 42, 'pixels', {}, { length: 784 }),
    );
    await fc.assert(fc.asyncProperty(wrong, async (input) => {
      expect(await predictOrArgumentError(input, undefined)).toBeUndefined();
    }), RUNS);
  });
});
