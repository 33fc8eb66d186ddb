// checkLoadOptions and the helpers beside the ModelSignature types: each bad option named in one line.
import { describe, expect, it } from 'vitest';
import { checkLoadOptions, defaultLabels, normalizationOf } from './model-signature.js';

describe('checkLoadOptions', () => {
  it('accepts the documented options', () => {
    expect(() => checkLoadOptions({})).not.toThrow();
    expect(() =>
      checkLoadOptions({ input: 'input', output: 'output', outputKind: 'log-probabilities', normalization: { mean: 0.1307, std: 0.3081 }, labels: ['a', 'b'], maxModelBytes: 1024 }),
    ).not.toThrow();
  });

  it('names each bad option, what it got and what it takes', () => {
    expect(() => checkLoadOptions(null as never)).toThrow('options must be an object');
    expect(() => checkLoadOptions({ input: '' })).toThrow(`options.input must be a non-empty string (the model's input name), got ""`);
    expect(() => checkLoadOptions({ output: 3 as never })).toThrow(`options.output must be a non-empty string (the model's output name), got 3`);
    expect(() => checkLoadOptions({ outputKind: 'softmax' as never })).toThrow('options.outputKind must be one of logits, probabilities, log-probabilities, got "softmax"');
    for (const normalization of [{ mean: 0.1, std: 0 }, { mean: NaN, std: 1 }, { mean: 0.1 }, 'x']) {
      expect(() => checkLoadOptions({ normalization: normalization as never })).toThrow(
        'options.normalization must be { mean, std } with finite numbers and std > 0, e.g. { mean: 0.1307, std: 0.3081 }',
      );
    }
    expect(() => checkLoadOptions({ labels: ['only'] })).toThrow('options.labels must be an array of at least 2 strings, one per class');
    expect(() => checkLoadOptions({ labels: [1, 2] as never })).toThrow(TypeError);
  });
});

describe('signature helpers', () => {
  it('reads a normalization from a Preprocessing and makes default labels', () => {
    expect(normalizationOf({ pixelScale: 1 / 255 })).toBeUndefined();
    expect(normalizationOf({ pixelScale: 1 / 255, mean: 0.5, std: 0.25 })).toEqual({ mean: 0.5, std: 0.25 });
    expect(defaultLabels(3)).toEqual(['0', '1', '2']);
  });
});
