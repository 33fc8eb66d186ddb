import { describe, expect, it } from 'vitest';
import { DEFAULT_CNN_SPEC, DEFAULT_MODEL_SPEC, type ModelSpec } from './model-spec.js';
import { describeNetwork, isLayeredSpec, layerNames, layersProblem, networkLayers, withOutputSize, type LayerSpec } from './network-layers.js';

const tiny = (layers: unknown[], rest: Partial<ModelSpec> = {}): ModelSpec => ({
  inputSize: 64,
  imageShape: [8, 8],
  hiddenUnits: [],
  activation: 'relu',
  outputSize: 3,
  initializer: 'he',
  layers: layers as LayerSpec[],
  ...rest,
});

describe('networkLayers', () => {
  it("resolves the MLP to its dense layers under the chapter's names", () => {
    const layers = networkLayers(DEFAULT_MODEL_SPEC);
    expect(layers.map((l) => l.weights!.kernel)).toEqual(['dnn/hidden1/kernel', 'dnn/hidden2/kernel', 'dnn/outputs/kernel']);
    expect(layers.map((l) => l.weights!.kernelShape)).toEqual([[784, 300], [300, 100], [100, 10]]);
    expect(layers.map((l) => l.activated)).toEqual([true, true, false]);
    expect(isLayeredSpec(DEFAULT_MODEL_SPEC)).toBe(false);
  });

  it('resolves the default convnet: shapes, OIHW kernels, fans and names', () => {
    const layers = networkLayers(DEFAULT_CNN_SPEC);
    expect(layers.map((l) => l.outputShape)).toEqual([[16, 24, 24], [16, 12, 12], [32, 8, 8], [32, 4, 4], [512], [128], [10]]);
    expect(layerNames(DEFAULT_CNN_SPEC).map((l) => [l.scope, l.kernelShape, l.fanIn, l.fanOut])).toEqual([
      ['cnn/conv1', [16, 1, 5, 5], 25, 400],
      ['cnn/conv2', [32, 16, 5, 5], 400, 800],
      ['cnn/dense1', [512, 128], 512, 128],
      ['cnn/outputs', [128, 10], 128, 10],
    ]);
    expect(layers.map((l) => l.activated)).toEqual([true, false, true, false, false, true, false]);
    expect(describeNetwork(DEFAULT_CNN_SPEC)).toBe('conv16x5v-pool2-conv32x5v-pool2-flatten-dense128-dense10 relu');
  });

  it("pads 'same' as TensorFlow (the extra row and column at the bottom and right) and strides with floor", () => {
    const [same, strided, pool] = networkLayers(
      tiny([
        { kind: 'conv2d', filters: 2, kernelSize: 4, strides: 1, padding: 'same' },
        { kind: 'conv2d', filters: 2, kernelSize: 3, strides: 2, padding: 'same' },
        { kind: 'maxPool2d', poolSize: 3, strides: 1 },
        { kind: 'flatten' },
        { kind: 'dense', units: 3 },
      ]),
    );
    expect([same.outputShape, same.pads]).toEqual([[2, 8, 8], [1, 1, 2, 2]]);
    expect([strided.outputShape, strided.pads]).toEqual([[2, 4, 4], [0, 0, 1, 1]]);
    expect(pool.outputShape).toEqual([2, 2, 2]);
  });

  it.each([
    [[{ kind: 'flatten' }], 'ends with flatten, expected a dense layer of outputSize 3 units'],
    [[{ kind: 'dense', units: 3 }], '[0] is dense on [1, 8, 8], expected a flatten before it'],
    [[{ kind: 'flatten' }, { kind: 'dense', units: 4 }], '[1] is the logits layer of 4 units, expected outputSize 3'],
    [[{ kind: 'flatten' }, { kind: 'flatten' }, { kind: 'dense', units: 3 }], '[1] is a second flatten'],
    [[{ kind: 'flatten' }, { kind: 'maxPool2d', poolSize: 2, strides: 2 }, { kind: 'dense', units: 3 }], '[1] is maxPool2d after flatten, expected it on [channels, rows, cols]'],
    [[{ kind: 'conv2d', filters: 2, kernelSize: 9, strides: 1, padding: 'valid' }, { kind: 'flatten' }, { kind: 'dense', units: 3 }], '[0] conv2d kernel 9 does not fit 8x8'],
    [[{ kind: 'conv2d', filters: 0, kernelSize: 3, strides: 1, padding: 'valid' }], '[0] conv2d filters must be an integer in 1..1024, got 0'],
    [[{ kind: 'conv2d', filters: 2, kernelSize: 3, strides: 1, padding: 'full' }], "[0] conv2d padding must be 'valid' or 'same', got \"full\""],
    [[{ kind: 'lstm' }], '[0] has kind "lstm", expected one of conv2d, maxPool2d, flatten, dense'],
    [[], 'must be a non-empty list of layers'],
  ])('refuses %j in one line', (layers, problem) => {
    expect(layersProblem(tiny(layers))).toBe(problem);
    expect(() => networkLayers(tiny(layers))).toThrow(`modelSpec.layers ${problem}`);
  });

  it('needs the image shape of a layered spec whose input is not 28x28', () => {
    expect(layersProblem(tiny([{ kind: 'flatten' }, { kind: 'dense', units: 3 }], { imageShape: undefined }))).toBe('needs modelSpec.imageShape for 64 inputs');
  });

  it('withOutputSize resizes the logits layer with the classes', () => {
    const letters = withOutputSize(DEFAULT_CNN_SPEC, 26);
    expect(letters.outputSize).toBe(26);
    expect(letters.layers!.at(-1)).toEqual({ kind: 'dense', units: 26 });
    expect(layersProblem(letters)).toBeUndefined();
    expect(DEFAULT_CNN_SPEC.layers!.at(-1)).toEqual({ kind: 'dense', units: 10 });
    expect(withOutputSize(DEFAULT_MODEL_SPEC, 26)).toEqual({ ...DEFAULT_MODEL_SPEC, outputSize: 26 });
  });
});
