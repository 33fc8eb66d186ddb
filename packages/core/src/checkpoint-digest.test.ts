// The digest model.json records of its weights.bin (weightsSha256) and the two halves of decoding that
// let a reader check weights.bin's size before reading it: encode writes the digest it is given and
// never a stale one, decode refuses a malformed one, parseModelJson + weightsByteLength + decodeWeights
// equal decodeCheckpoint.
import { describe, expect, it } from 'vitest';
import {
  CheckpointError,
  decodeCheckpoint,
  decodeWeights,
  encodeCheckpoint,
  newCheckpoint,
  parseModelJson,
  weightsByteLength,
  type NamedWeight,
} from './checkpoint-format.js';
import { DIGIT_LABELS, type ModelSpec } from './model-spec.js';
import { layerNames } from './network-layers.js';

// Core takes the hash from its IO handler (the trainer passes node:crypto's SHA-256) and has no Node
// built-ins, even in tests: any function of the bytes to 64 hex digits shows the plumbing (FNV-1a, 8 lanes).
const sha256 = (bytes: Uint8Array): string =>
  Array.from({ length: 8 }, (_, lane) => {
    let h = 0x811c9dc5 ^ lane;
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    return h.toString(16).padStart(8, '0');
  }).join('');

function checkpoint(seed: number) {
  const spec: ModelSpec = { inputSize: 784, hiddenUnits: [3], activation: 'relu', outputSize: 10, initializer: 'truncated_normal' };
  const weights = new Map<string, NamedWeight>();
  for (const l of layerNames(spec)) {
    weights.set(l.kernel, { name: l.kernel, shape: [l.fanIn, l.fanOut], values: Float32Array.from({ length: l.fanIn * l.fanOut }, (_, i) => Math.sin(seed + i)) });
    weights.set(l.bias, { name: l.bias, shape: [l.fanOut], values: new Float32Array(l.fanOut).fill(seed) });
  }
  const training = { epoch: 1, step: 2, epochs: 1, batchSize: 50, seed, validationSize: 10, engine: 'onnx', backend: 'cpu', optimizer: { name: 'sgd', learningRate: 0.01 }, history: [] };
  return newCheckpoint(spec, DIGIT_LABELS, training, weights);
}

describe('weightsSha256', () => {
  it('is the given hash of the encoded weights.bin, and absent without one', () => {
    const { modelJson, weightsBin } = encodeCheckpoint(checkpoint(1), { sha256 });
    expect(JSON.parse(modelJson).weightsSha256).toBe(sha256(weightsBin));
    expect(JSON.parse(encodeCheckpoint(checkpoint(1)).modelJson)).not.toHaveProperty('weightsSha256');
  });

  it('of a loaded checkpoint is never carried into another encoding', () => {
    const first = encodeCheckpoint(checkpoint(1), { sha256 });
    const loaded = decodeCheckpoint(first.modelJson, first.weightsBin);
    loaded.weights.get('dnn/outputs/bias')!.values.fill(9);
    const again = encodeCheckpoint(loaded, { sha256 });
    expect(JSON.parse(again.modelJson).weightsSha256).toBe(sha256(again.weightsBin));
    expect(JSON.parse(encodeCheckpoint(loaded).modelJson)).not.toHaveProperty('weightsSha256');
  });

  it.each([['not hex'], ['ABC'], [42], ['0'.repeat(63)]])('refuses a malformed value %j, naming model.json', (value) => {
    const json = JSON.parse(encodeCheckpoint(checkpoint(1)).modelJson);
    json.weightsSha256 = value;
    expect(() => parseModelJson(JSON.stringify(json), 'ckpt')).toThrow(CheckpointError);
    expect(() => parseModelJson(JSON.stringify(json), 'ckpt')).toThrow(/^ckpt\/model\.json: has weightsSha256 .*, expected 64 lowercase hex digits$/);
  });

  it('refuses a hash function that does not return 64 lowercase hex digits', () => {
    expect(() => encodeCheckpoint(checkpoint(1), { sha256: () => 'nope' })).toThrow(TypeError);
  });
});

describe('parseModelJson, weightsByteLength, decodeWeights', () => {
  it('together decode what decodeCheckpoint decodes', () => {
    const { modelJson, weightsBin } = encodeCheckpoint(checkpoint(2), { sha256 });
    const parsed = parseModelJson(modelJson, 'ckpt');
    expect(weightsByteLength(parsed)).toBe(weightsBin.byteLength);
    expect(decodeWeights(parsed, weightsBin, 'ckpt')).toEqual(decodeCheckpoint(modelJson, weightsBin, 'ckpt'));
  });
});
