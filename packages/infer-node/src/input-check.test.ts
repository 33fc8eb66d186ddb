// The finiteness check of float input done by ONNX Runtime (core's input-sum.ts): the model the
// runtime gets sums its input, the file is untouched, the sum never shows as an output, and bad input
// is still named pixel by pixel, whether the runtime or JavaScript caught it.
import { describe, expect, it } from 'vitest';
import { INPUT_SUM_OUTPUT, withInputSum } from '@mnist/core';
import { readOnnx } from '@mnist/export';
import { foreignOnnxModel, randomOnnxModel } from '@mnist/export/testing';
import { MnistClassifier } from './mnist-classifier.js';

const ours = randomOnnxModel([16, 8], 3).bytes;

describe('input sum', () => {
  it('adds one ReduceSum of the image input as an extra output, leaving the given bytes alone', () => {
    const before = ours.slice();
    const withSum = withInputSum(ours);
    expect(ours).toEqual(before);
    if (!withSum) throw new Error('expected the model to take an input sum');
    const original = readOnnx(ours);
    const rewritten = readOnnx(withSum);
    expect(rewritten.nodes.slice(0, -1)).toEqual(original.nodes);
    expect(rewritten.nodes.at(-1)).toMatchObject({ opType: 'ReduceSum', inputs: ['X'], outputs: [INPUT_SUM_OUTPUT] });
    expect(rewritten.outputs.map((o) => o.name)).toEqual([...original.outputs.map((o) => o.name), INPUT_SUM_OUTPUT]);
    expect(rewritten.metadata).toEqual(original.metadata);
  });

  it('is not added where it could not be checked or would clash', () => {
    expect(withInputSum(foreignOnnxModel({ outputName: INPUT_SUM_OUTPUT }).bytes)).toBeUndefined();
    expect(withInputSum(new Uint8Array([1, 2, 3]))).toBeUndefined();
  });

  it('hides the sum from the classifier and keeps its answers', async () => {
    const classifier = await MnistClassifier.load(ours, { intraOpNumThreads: 1 });
    const images = new Float32Array(600 * 784).map((_, i) => (i % 255) / 255);
    const { classes, probabilities } = await classifier.predict(images);
    const unbatched = await classifier.predict(images, { batchSize: 7 });
    expect(classes).toEqual(unbatched.classes);
    expect(probabilities).toEqual(unbatched.probabilities);
    expect(classifier.signature.output.name).toBe('probabilities');
    await classifier.dispose();
  });

  it.each([
    ['our export', ours],
    ['a foreign NCHW model with a fixed batch of 4', foreignOnnxModel({ layout: 'nchw', batch: 4 }).bytes],
    ['a model whose output already has the sum name (checked in JavaScript)', foreignOnnxModel({ outputName: INPUT_SUM_OUTPUT }).bytes],
  ])('names the first non-finite pixel of %s', async (_name, bytes) => {
    const classifier = await MnistClassifier.load(bytes, { normalization: { mean: 0.1, std: 0.3 } });
    const images = new Float32Array(1200 * 784).fill(0.5);
    for (const [bad, shown] of [[Number.NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity']] as const) {
      images[1100 * 784 + 9] = bad;
      await expect(classifier.predict(images)).rejects.toThrow(`images has a non-finite value ${shown} at index ${1100 * 784 + 9} (image 1100, pixel 9)`);
      await expect(classifier.evaluate(images, new Uint8Array(1200))).rejects.toThrow(`image 1100, pixel 9`);
    }
    await classifier.dispose();
  });

  it('refuses finite pixels whose sum overflows float32', async () => {
    const classifier = await MnistClassifier.load(ours);
    await expect(classifier.predict(new Float32Array(784).fill(3e38))).rejects.toThrow(
      'images 0 to 0 hold values so large that their sum overflows float32; pixels must be in [0, 1]',
    );
    await classifier.dispose();
  });
});
