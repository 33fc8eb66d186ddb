// Frozen layer names: the spec's short layer names, the problems of a freeze list, and training.frozen
// in model.json (kept through encode and decode, refused when it names no layer of the spec).
import { describe, expect, it } from 'vitest';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, newCheckpoint, type NamedWeight, type TrainingState } from './checkpoint-format.js';
import { frozenLayersProblem, layerShortNames } from './frozen-layers.js';
import { DEFAULT_MODEL_SPEC, DIGIT_LABELS, type ModelSpec } from './model-spec.js';
import { layerNames } from './network-layers.js';

const SPEC: ModelSpec = { inputSize: 4, hiddenUnits: [3, 2], activation: 'relu', outputSize: 10, initializer: 'truncated_normal' };

function checkpointWith(frozen?: unknown) {
  const weights = new Map<string, NamedWeight>();
  for (const l of layerNames(SPEC)) {
    weights.set(l.kernel, { name: l.kernel, shape: [l.fanIn, l.fanOut], values: new Float32Array(l.fanIn * l.fanOut).fill(0.5) });
    weights.set(l.bias, { name: l.bias, shape: [l.fanOut], values: new Float32Array(l.fanOut) });
  }
  const training = {
    epoch: 1, step: 2, epochs: 1, batchSize: 50, seed: 1, validationSize: 10, engine: 'onnx', backend: 'cpu',
    optimizer: { name: 'sgd', learningRate: 0.01 }, history: [],
    ...(frozen === undefined ? {} : { frozen }),
  } as TrainingState;
  return encodeCheckpoint(newCheckpoint(SPEC, DIGIT_LABELS, training, weights));
}

describe('layerShortNames', () => {
  it("names each layer as its weights' dnn/<layer>/ scope", () => {
    expect(layerShortNames(DEFAULT_MODEL_SPEC)).toEqual(['hidden1', 'hidden2', 'outputs']);
  });
});

describe('frozenLayersProblem', () => {
  it('accepts distinct layer names that leave one layer to train', () => {
    expect(frozenLayersProblem(SPEC, ['hidden1', 'hidden2'])).toBeUndefined();
  });
  it('names an unknown layer, a repeat, an empty list and freezing everything, with the valid names', () => {
    expect(frozenLayersProblem(SPEC, ['hidden3'])).toBe('an unknown layer "hidden3"; the layers are hidden1, hidden2, outputs');
    expect(frozenLayersProblem(SPEC, ['hidden1', 'hidden1'])).toMatch(/^layer hidden1 twice/);
    expect(frozenLayersProblem(SPEC, [])).toMatch(/^an empty list/);
    expect(frozenLayersProblem(SPEC, ['outputs', 'hidden1', 'hidden2'])).toMatch(/^every layer, which leaves nothing to train/);
    expect(frozenLayersProblem(SPEC, 'hidden1')).toMatch(/^not a list of layer names/);
  });
});

describe('training.frozen in model.json', () => {
  it('is absent unless given, and kept through encode and decode', () => {
    expect(checkpointWith().modelJson).not.toContain('frozen');
    const { modelJson, weightsBin } = checkpointWith(['hidden1']);
    expect(decodeCheckpoint(modelJson, weightsBin).modelJson.training.frozen).toEqual(['hidden1']);
  });
  it('is refused naming the field when it names no layer of the spec', () => {
    const { modelJson, weightsBin } = checkpointWith(['dnn/hidden1']);
    expect(() => decodeCheckpoint(modelJson, weightsBin, 'model.json')).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(modelJson, weightsBin, 'model.json')).toThrow(/training\.frozen \["dnn\/hidden1"\]: an unknown layer "dnn\/hidden1"; the layers are hidden1, hidden2, outputs/);
  });
});
