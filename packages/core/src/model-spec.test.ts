// The image size in the model spec: which shapes fit, what a spec without one reads as, and that a
// checkpoint holding a shape that does not fit its input is refused.
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, newCheckpoint, type NamedWeight, type TrainingState } from './checkpoint-format.js';
import { DEFAULT_MODEL_SPEC, imageShapeOf, isImageShape, type ModelSpec } from './model-spec.js';
import { layerNames } from './network-layers.js';

describe('isImageShape', () => {
  it('takes [rows, cols] of positive integers whose product is the input size', () => {
    expect(isImageShape([28, 28], 784)).toBe(true);
    expect(isImageShape([16, 64], 1024)).toBe(true);
    for (const bad of [[28, 28, 1], [32, 32], [0, 784], [-28, -28], [28.5, 27.5], '28x28', [28], undefined]) {
      expect(isImageShape(bad, 784), JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('imageShapeOf', () => {
  it('reads the recorded shape, else 28x28 for 784 pixels, else nothing', () => {
    expect(imageShapeOf({ inputSize: 1024, imageShape: [32, 32] })).toEqual([32, 32]);
    expect(imageShapeOf(DEFAULT_MODEL_SPEC)).toEqual([28, 28]);
    expect(imageShapeOf({ inputSize: 784 })).toEqual([28, 28]);
    expect(imageShapeOf({ inputSize: 1024 })).toBeUndefined();
  });
});

describe('decodeCheckpoint and modelSpec.imageShape', () => {
  const training: TrainingState = {
    epoch: 0, step: 0, epochs: 1, batchSize: 1, seed: 1, validationSize: 1, engine: 'onnx', backend: 'cpu',
    optimizer: { name: 'sgd', learningRate: 0.01 }, history: [],
  };
  const encoded = (spec: ModelSpec) => {
    const weights = new Map<string, NamedWeight>();
    for (const l of layerNames(spec)) {
      weights.set(l.kernel, { name: l.kernel, shape: [l.fanIn, l.fanOut], values: new Float32Array(l.fanIn * l.fanOut) });
      weights.set(l.bias, { name: l.bias, shape: [l.fanOut], values: new Float32Array(l.fanOut) });
    }
    return encodeCheckpoint(newCheckpoint(spec, ['a', 'b'], training, weights));
  };
  const spec = (extra: Partial<ModelSpec>): ModelSpec => ({ inputSize: 6, hiddenUnits: [], activation: 'relu', outputSize: 2, initializer: 'glorot', ...extra });

  it('keeps a shape that fits, and reads a checkpoint without one', () => {
    const { modelJson, weightsBin } = encoded(spec({ imageShape: [2, 3] }));
    expect(decodeCheckpoint(modelJson, weightsBin, 'c').modelJson.modelSpec.imageShape).toEqual([2, 3]);
    const old = encoded(spec({}));
    expect(decodeCheckpoint(old.modelJson, old.weightsBin, 'c').modelJson.modelSpec.imageShape).toBeUndefined();
  });

  it('refuses a shape that does not fit the input size, naming model.json', () => {
    const { modelJson, weightsBin } = encoded(spec({ imageShape: [28, 28] }));
    expect(() => decodeCheckpoint(modelJson, weightsBin, 'ckpt')).toThrow(
      'ckpt/model.json: has modelSpec.imageShape [28,28], expected [rows, cols] of positive integers with rows * cols = inputSize 6',
    );
  });
});
