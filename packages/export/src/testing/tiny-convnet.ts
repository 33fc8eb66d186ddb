// The convnet the tests train and compare in a few milliseconds: every layer kind, a stride, SAME
// padding, and a second conv whose geometry the test picks (k2: a 2x2 map, so the flatten order matters;
// k3: its kernel gradient is cropped).
import type { Activation, ModelSpec } from '@mnist/core';

/** What a test may vary in the tiny convnet. */
export interface TinyConvnetOptions {
  /** The second conv's kernel (stride 2, valid). Default 2. */
  secondKernel?: number;
  /** Rows and columns of the image. Default 8 (28 for the export's 784-pixel contract). */
  size?: number;
  /** Classes. Default 3. */
  classes?: number;
  activation?: Activation;
}

/**
 * image -> conv 3 k3 same -> max pool 2 -> conv 4 k`secondKernel` stride 2 valid -> flatten -> dense 5 -> dense `classes`.
 * @example const spec = tinyConvnetSpec({ secondKernel: 3 });
 */
export function tinyConvnetSpec(options: TinyConvnetOptions = {}): ModelSpec {
  const size = options.size ?? 8;
  const classes = options.classes ?? 3;
  return {
    inputSize: size * size,
    imageShape: [size, size],
    hiddenUnits: [],
    activation: options.activation ?? 'relu',
    outputSize: classes,
    initializer: 'he',
    layers: [
      { kind: 'conv2d', filters: 3, kernelSize: 3, strides: 1, padding: 'same' },
      { kind: 'maxPool2d', poolSize: 2, strides: 2 },
      { kind: 'conv2d', filters: 4, kernelSize: options.secondKernel ?? 2, strides: 2, padding: 'valid' },
      { kind: 'flatten' },
      { kind: 'dense', units: 5 },
      { kind: 'dense', units: classes },
    ],
  };
}
