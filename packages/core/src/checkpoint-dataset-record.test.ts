// training.dataset in model.json: the dataset a checkpoint was trained on round-trips, is optional
// (older checkpoints load unchanged), and a malformed record is refused naming the field.
import { describe, expect, it } from 'vitest';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, newCheckpoint, parseModelJson, type DatasetRecord, type NamedWeight, type TrainingState } from './checkpoint-format.js';
import { DIGIT_LABELS, type ModelSpec } from './model-spec.js';
import { layerNames } from './network-layers.js';

const HEX = 'ab'.repeat(32);

function modelJsonWith(dataset?: unknown): string {
  const spec: ModelSpec = { inputSize: 4, hiddenUnits: [2], activation: 'relu', outputSize: 10, initializer: 'truncated_normal' };
  const weights = new Map<string, NamedWeight>();
  for (const l of layerNames(spec)) {
    weights.set(l.kernel, { name: l.kernel, shape: [l.fanIn, l.fanOut], values: new Float32Array(l.fanIn * l.fanOut) });
    weights.set(l.bias, { name: l.bias, shape: [l.fanOut], values: new Float32Array(l.fanOut) });
  }
  const training = { epoch: 1, step: 2, epochs: 1, batchSize: 50, seed: 1, validationSize: 10, engine: 'onnx', backend: 'cpu', optimizer: { name: 'sgd', learningRate: 0.01 }, history: [] } as TrainingState;
  if (dataset !== undefined) training.dataset = dataset as DatasetRecord;
  return encodeCheckpoint(newCheckpoint(spec, DIGIT_LABELS, training, weights)).modelJson;
}

describe('training.dataset', () => {
  it('round-trips through model.json', () => {
    const record: DatasetRecord = { name: 'fashion', folder: 'data/fashion', sha256: { testImages: HEX, testLabels: HEX, trainImages: HEX, trainLabels: HEX } };
    const text = modelJsonWith(record);
    expect(parseModelJson(text).training.dataset).toEqual(record);
  });

  it('is optional: a checkpoint without it loads with none', () => {
    const text = modelJsonWith();
    expect(JSON.parse(text).training).not.toHaveProperty('dataset');
    expect(parseModelJson(text).training.dataset).toBeUndefined();
  });

  it.each([
    [{ folder: 'x', sha256: { testImages: HEX, testLabels: HEX } }],
    [{ name: 'x', folder: 3, sha256: { testImages: HEX, testLabels: HEX } }],
    [{ name: 'x', sha256: { testImages: HEX } }],
    [{ name: 'x', sha256: { testImages: HEX, testLabels: 'ABC' } }],
    [{ name: 'x', sha256: { testImages: HEX, testLabels: HEX, trainImages: 7 } }],
    ['mnist'],
  ])('refuses a malformed record %j, naming training.dataset', (record) => {
    const text = modelJsonWith(record);
    expect(() => parseModelJson(text, 'ckpt')).toThrow(CheckpointError);
    expect(() => parseModelJson(text, 'ckpt')).toThrow(/^ckpt\/model\.json: has a training\.dataset without /);
  });

  it('is kept by decodeCheckpoint', () => {
    const record: DatasetRecord = { name: 'mnist', sha256: { testImages: HEX, testLabels: HEX } };
    const text = modelJsonWith(record);
    const bytes = encodeCheckpoint(decodeCheckpoint(text, new Uint8Array((4 * 2 + 2 + 2 * 10 + 10) * 4)));
    expect(JSON.parse(bytes.modelJson).training.dataset).toEqual(record);
  });
});
