// Property tests of decodeCheckpoint on outside bytes: arbitrary JSON, mutated valid model.json and
// truncated or extended weights.bin give a CheckpointError naming the file (one line) or a checkpoint
// that is whole and consistent, never a TypeError, a hang or a silently wrong shape.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  newCheckpoint,
  type Checkpoint,
  type NamedWeight,
} from './checkpoint-format.js';
import { DIGIT_LABELS, type ModelSpec } from './model-spec.js';
import { layerNames } from './network-layers.js';

const RUNS = { seed: 20240608, numRuns: 300 };
const SOURCE = 'checkpoints/dnn';

function smallCheckpoint(hiddenUnits: number[], seed: number): Checkpoint {
  const spec: ModelSpec = { inputSize: 784, hiddenUnits, activation: 'relu', outputSize: 10, initializer: 'truncated_normal' };
  const weights = new Map<string, NamedWeight>();
  let x = seed;
  const next = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  for (const layer of layerNames(spec)) {
    weights.set(layer.kernel, { name: layer.kernel, shape: [layer.fanIn, layer.fanOut], values: Float32Array.from({ length: layer.fanIn * layer.fanOut }, next) });
    weights.set(layer.bias, { name: layer.bias, shape: [layer.fanOut], values: Float32Array.from({ length: layer.fanOut }, next) });
  }
  const training = {
    epoch: 1, step: 10, epochs: 2, batchSize: 50, seed, validationSize: 100, engine: 'onnx', backend: 'cpu',
    optimizer: { name: 'sgd', learningRate: 0.01 }, history: [{ epoch: 0, loss: 1, batchAccuracy: 0.5, validationAccuracy: 0.5 }],
  };
  return newCheckpoint(spec, DIGIT_LABELS, training, weights);
}

const VALID = encodeCheckpoint(smallCheckpoint([3, 2], 1));
const VALID_JSON = JSON.parse(VALID.modelJson) as Record<string, unknown>;

/** Decodes; fails the property on any error but a one-line CheckpointError naming a file of SOURCE. */
function decodeOrCheckpointError(text: string, bin: Uint8Array): Checkpoint | undefined {
  try {
    const checkpoint = decodeCheckpoint(text, bin, SOURCE);
    expectWhole(checkpoint, bin);
    return checkpoint;
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    expect(error.message.startsWith(`${SOURCE}/`)).toBe(true);
    expect(error.message).not.toContain('\n');
    return undefined;
  }
}

/** What any decoded checkpoint must satisfy for its users (resume, export, evaluate) to work. */
function expectWhole(checkpoint: Checkpoint, bin: Uint8Array): void {
  const { modelJson, weights } = checkpoint;
  const spec = modelJson.modelSpec;
  for (const layer of layerNames(spec)) {
    expect(weights.get(layer.kernel)?.shape).toEqual([layer.fanIn, layer.fanOut]);
    expect(weights.get(layer.bias)?.shape).toEqual([layer.fanOut]);
  }
  let total = 0;
  for (const w of weights.values()) {
    expect(w.values.length).toBe(w.shape.reduce((a, b) => a * b, 1));
    total += w.values.length;
  }
  // Every byte of weights.bin belongs to exactly one weight: no duplicate names overwriting others.
  expect(total * 4).toBe(bin.byteLength);
  expect(Array.isArray(modelJson.labels) && modelJson.labels.every((l) => typeof l === 'string')).toBe(true);
  expect(modelJson.labels).toHaveLength(spec.outputSize);
  expect(Number.isFinite(modelJson.preprocessing.pixelScale) && modelJson.preprocessing.pixelScale > 0).toBe(true);
  const t = modelJson.training;
  for (const key of ['epoch', 'step', 'epochs', 'batchSize', 'seed', 'validationSize'] as const) {
    expect(Number.isInteger(t[key]) && t[key] >= 0, `training.${key}`).toBe(true);
  }
  expect(Array.isArray(t.history)).toBe(true);
  expect(typeof t.optimizer?.name).toBe('string');
  expect(typeof t.optimizer?.learningRate).toBe('number');
}

/** Replaces or deletes the value at a random path of a JSON value. */
function mutateJson(value: unknown, path: number[], replacement: unknown, remove: boolean): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return remove ? undefined : replacement;
  const keys = Object.keys(value);
  if (keys.length === 0) return remove ? undefined : replacement;
  const key = keys[path[0] % keys.length];
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
  const child = mutateJson((value as Record<string, unknown>)[key], path.slice(1), replacement, remove);
  if (child === undefined && !Array.isArray(copy)) delete copy[key];
  else (copy as Record<string, unknown>)[key] = child;
  return copy;
}

const jsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(0, -1, 1.5, 1e9, 2 ** 31, -0, '', '10', null, [], {}, [0], [-1], [1e6, 1e6], ['a'], true),
);

describe('decodeCheckpoint on outside bytes', () => {
  it('decodes the valid checkpoint (the mutations below start from it)', () => {
    expect(decodeOrCheckpointError(VALID.modelJson, VALID.weightsBin)).toBeDefined();
  });

  it('arbitrary text and JSON give a CheckpointError', () => {
    const text = fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v) ?? ''));
    fc.assert(fc.property(text, fc.uint8Array({ maxLength: 64 }), (t, bin) => void decodeOrCheckpointError(t, bin)), RUNS);
  });

  it('a valid model.json with one value replaced or removed gives a CheckpointError or a whole checkpoint', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), jsonValue, fc.boolean(), (path, replacement, remove) => {
        const mutated = mutateJson(VALID_JSON, path, replacement, remove);
        decodeOrCheckpointError(JSON.stringify(mutated) ?? '', VALID.weightsBin);
      }),
      RUNS,
    );
  });

  it('model.json truncated at any character gives a CheckpointError', () => {
    fc.assert(
      fc.property(fc.nat({ max: VALID.modelJson.length - 2 }), (at) => {
        expect(decodeOrCheckpointError(VALID.modelJson.slice(0, at), VALID.weightsBin)).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('weights.bin truncated or extended by any number of bytes gives a CheckpointError naming it', () => {
    fc.assert(
      fc.property(fc.integer({ min: -VALID.weightsBin.length, max: 64 }).filter((d) => d !== 0), (delta) => {
        const bin = new Uint8Array(VALID.weightsBin.length + delta);
        bin.set(VALID.weightsBin.subarray(0, bin.length));
        expect(() => decodeCheckpoint(VALID.modelJson, bin, SOURCE)).toThrow(`${SOURCE}/weights.bin: has ${bin.length} bytes`);
      }),
      RUNS,
    );
  });

  it('a manifest declaring huge shapes is refused by length, without allocating them', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 2 ** 31 }), { minLength: 1, maxLength: 4 }), (shape) => {
        const json = { ...VALID_JSON, weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'x', shape, dtype: 'float32' }] }] };
        decodeOrCheckpointError(JSON.stringify(json), VALID.weightsBin);
      }),
      { ...RUNS, numRuns: 100 },
    );
  });

  it('any bytes of the right length decode to exactly those float32 values, in manifest order', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: VALID.weightsBin.length, maxLength: VALID.weightsBin.length }), (bin) => {
        const checkpoint = decodeCheckpoint(VALID.modelJson, bin, SOURCE);
        const expected = new Float32Array(bin.slice().buffer);
        const names = (VALID_JSON.weightsManifest as { weights: { name: string }[] }[])[0].weights.map((w) => w.name);
        const got = names.flatMap((n) => Array.from(checkpoint.weights.get(n)!.values));
        expect(got).toEqual(Array.from(expected)); // toEqual treats NaN as equal to NaN
      }),
      { ...RUNS, numRuns: 50 },
    );
  });
});
