// MnistClassifier (onnxruntime-node) on models shaped as PyTorch and Keras export them, built with our
// GraphBuilder: every input layout and head, normalization from metadata and option, fixed and symbolic
// batches, several outputs, K != 10, and every refusal, checked against the float64 reference.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, argMax, encodeModel, identity, relu } from '@mnist/export';
import {
  foreignExpectation,
  foreignOnnxModel,
  randomImages,
  randomOnnxModel,
  rejection,
  scaled,
  type ForeignModelOptions,
} from '@mnist/export/testing';
import { MnistClassifier } from './mnist-classifier.js';
import type { NodeClassifierOptions } from './node-runtime.js';

const LAYOUTS = ['flat', 'nchw', 'nhwc', 'nhw'] as const;
const HEADS = ['logits', 'softmax', 'log_softmax'] as const;
const KIND = { logits: 'logits', softmax: 'probabilities', log_softmax: 'log-probabilities' } as const;
const NORMALIZATION = { mean: 0.1307, std: 0.3081 };
const raw = randomImages(7, 3);

async function load(model: Uint8Array, options: NodeClassifierOptions = {}): Promise<MnistClassifier> {
  return MnistClassifier.load(model, { intraOpNumThreads: 1, ...options });
}

// Predicts `images` with logits and holds classes, probabilities and logits to the reference.
async function expectReference(
  classifier: MnistClassifier,
  options: ForeignModelOptions,
  images: Uint8Array,
  normalization?: { mean: number; std: number },
  predictOptions: { batchSize?: number } = {},
): Promise<void> {
  const model = foreignOnnxModel(options);
  const expected = foreignExpectation(model, options.head ?? 'logits', images, normalization);
  const got = await classifier.predict(images, { logits: true, ...predictOptions });
  expect([...got.classes]).toEqual(expected.classes);
  expect(got.probabilities.length).toBe(expected.probabilities.length);
  for (let i = 0; i < expected.probabilities.length; i++) {
    expect(Math.abs(got.probabilities[i] - expected.probabilities[i])).toBeLessThan(1e-5);
    expect(Math.abs(got.logits![i] - expected.logits[i])).toBeLessThan(1e-4 * Math.max(1, Math.abs(expected.logits[i])));
  }
}

describe('MnistClassifier on foreign models (onnxruntime-node)', () => {
  for (const layout of LAYOUTS) {
    for (const head of HEADS) {
      it(`${layout} input, ${head} head: detects it and answers as the reference`, async () => {
        const options: ForeignModelOptions = { layout, head };
        const classifier = await load(foreignOnnxModel(options).bytes);
        const { signature } = classifier;
        expect(signature.contract).toBe('foreign');
        expect(signature.input).toEqual({ name: 'input', layout, shape: ['N', ...{ flat: [784], nchw: [1, 28, 28], nhwc: [28, 28, 1], nhw: [28, 28] }[layout]] });
        expect(signature.output).toEqual({ name: 'output', kind: KIND[head], detectedBy: head === 'logits' ? 'probe' : 'graph', classes: 10 });
        expect(signature.preprocessing).toEqual({ pixelScale: 1 / 255, from: 'default' });
        expect(signature.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
        expect(signature.labelsFrom).toBe('default');
        expect(classifier.metadata.signature).toBe(signature);
        expect(classifier.numClasses).toBe(10);
        await expectReference(classifier, options, raw);
        // Float input is [0, 1] pixels, the same answers as bytes.
        const fromFloat = await classifier.predict(scaled(raw), { logits: true });
        const fromBytes = await classifier.predict(raw, { logits: true });
        expect(fromFloat.classes).toEqual(fromBytes.classes);
        expect(fromFloat.logits).toEqual(fromBytes.logits);
        const evaluation = await classifier.evaluate(raw, fromBytes.classes);
        expect(evaluation.accuracy).toBe(1);
        await classifier.dispose();
      });
    }
  }

  it('normalizes bytes and float input with mnist.preprocessing mean/std from the metadata', async () => {
    const options: ForeignModelOptions = {
      layout: 'nchw',
      metadata: { 'mnist.preprocessing': JSON.stringify({ pixelScale: 1 / 255, ...NORMALIZATION }) },
    };
    const classifier = await load(foreignOnnxModel(options).bytes);
    expect(classifier.signature.preprocessing).toEqual({ pixelScale: 1 / 255, normalization: NORMALIZATION, from: 'metadata' });
    expect(classifier.metadata.preprocessing).toEqual({ pixelScale: 1 / 255, ...NORMALIZATION });
    await expectReference(classifier, options, raw, NORMALIZATION);
    const fromFloat = await classifier.predict(scaled(raw), { logits: true });
    const fromBytes = await classifier.predict(raw, { logits: true });
    expect(fromFloat.classes).toEqual(fromBytes.classes);
    for (let i = 0; i < fromBytes.logits!.length; i++) expect(Math.abs(fromFloat.logits![i] - fromBytes.logits![i])).toBeLessThan(1e-5);
    const perImage = Array.from({ length: 7 }, (_, i) => raw.subarray(i * 784, (i + 1) * 784));
    expect((await classifier.predict(perImage)).classes).toEqual(fromBytes.classes);
    await classifier.dispose();
  });

  it('takes the normalization option over the metadata, and none gives other answers', async () => {
    const options: ForeignModelOptions = { layout: 'flat', head: 'softmax', metadata: { 'mnist.preprocessing': JSON.stringify({ pixelScale: 1 / 255, mean: 0.5, std: 0.5 }) } };
    const bytes = foreignOnnxModel(options).bytes;
    const withOption = await load(bytes, { normalization: NORMALIZATION });
    expect(withOption.signature.preprocessing).toEqual({ pixelScale: 1 / 255, normalization: NORMALIZATION, from: 'option' });
    await expectReference(withOption, options, raw, NORMALIZATION);
    const plain = await load(foreignOnnxModel({ layout: 'flat', head: 'softmax' }).bytes, { normalization: NORMALIZATION });
    await expectReference(plain, { layout: 'flat', head: 'softmax' }, raw, NORMALIZATION);
    const unnormalized = await load(foreignOnnxModel({ layout: 'flat', head: 'softmax' }).bytes);
    expect((await unnormalized.predict(raw)).probabilities).not.toEqual((await plain.predict(raw)).probabilities);
    await Promise.all([withOption.dispose(), plain.dispose(), unnormalized.dispose()]);
  });

  for (const batch of [1, 3]) {
    it(`serves any number of images from a fixed batch of ${batch}, padding the last run`, async () => {
      for (const head of HEADS) {
        const options: ForeignModelOptions = { layout: 'nhwc', head, batch };
        const classifier = await load(foreignOnnxModel(options).bytes);
        expect(classifier.signature.input.fixedBatch).toBe(batch);
        expect(classifier.signature.input.shape).toEqual([batch, 28, 28, 1]);
        await expectReference(classifier, options, raw);
        await expectReference(classifier, options, raw, undefined, { batchSize: 2 });
        await expectReference(classifier, options, raw.subarray(0, 784));
        expect((await classifier.predict(new Uint8Array(0))).classes.length).toBe(0);
        const truth = (await classifier.predict(raw)).classes;
        expect((await classifier.evaluate(raw, truth, { batchSize: 4 })).accuracy).toBe(1);
        await classifier.dispose();
      }
    });
  }

  it('uses the named output among several and lists them when none is named', async () => {
    const options: ForeignModelOptions = { layout: 'nchw', head: 'log_softmax', featuresOutput: true };
    const { bytes } = foreignOnnxModel(options);
    const error = await rejection(load(bytes));
    expect(error.message).toBe(
      'model bytes: is not a 28x28 digit classifier: it has 2 outputs ("features", "output"), expected [N,K] float32 class scores (K >= 2); name the one to use with the output option',
    );
    const classifier = await load(bytes, { output: 'output' });
    expect(classifier.signature.output).toEqual({ name: 'output', kind: 'log-probabilities', detectedBy: 'graph', classes: 10 });
    await expectReference(classifier, options, raw);
    await classifier.dispose();
    await expect(load(bytes, { output: 'scores' })).rejects.toThrow('model bytes: is not a 28x28 digit classifier: it has no output "scores" (outputs: "features", "output")');
  });

  it('tells probabilities and log-probabilities apart by a probe when no Softmax is next to the output', async () => {
    for (const head of ['softmax', 'log_softmax'] as const) {
      const options: ForeignModelOptions = { layout: 'nhw', head, hideHead: true };
      const classifier = await load(foreignOnnxModel(options).bytes);
      expect(classifier.signature.output.kind).toBe(KIND[head]);
      expect(classifier.signature.output.detectedBy).toBe('probe');
      await expectReference(classifier, options, raw);
      await classifier.dispose();
    }
    // A Softmax over the batch axis does not make class probabilities: the probe sees logits.
    const acrossBatch = await load(foreignOnnxModel({ layout: 'flat', head: 'softmax', headAxis: 0 }).bytes);
    expect(acrossBatch.signature.output).toMatchObject({ kind: 'logits', detectedBy: 'probe' });
    await acrossBatch.dispose();
  });

  it('takes the outputKind option over detection', async () => {
    const options: ForeignModelOptions = { layout: 'flat', head: 'logits' };
    const classifier = await load(foreignOnnxModel(options).bytes, { outputKind: 'logits' });
    expect(classifier.signature.output).toEqual({ name: 'output', kind: 'logits', detectedBy: 'option', classes: 10 });
    await expectReference(classifier, options, raw);
    await classifier.dispose();
    await expect(load(foreignOnnxModel(options).bytes, { outputKind: 'scores' as never })).rejects.toThrow(
      'options.outputKind must be one of logits, probabilities, log-probabilities, got "scores"',
    );
  });

  it('gives log(p) as the logits of a probability model, whose softmax is p', async () => {
    const classifier = await load(foreignOnnxModel({ layout: 'flat', head: 'softmax' }).bytes);
    const { probabilities, logits } = await classifier.predict(raw, { logits: true });
    for (let r = 0; r < 7; r++) {
      const row = logits!.subarray(r * 10, r * 10 + 10);
      const sum = row.reduce((s, v) => s + Math.exp(v), 0);
      for (let j = 0; j < 10; j++) expect(Math.abs(Math.exp(row[j]) / sum - probabilities[r * 10 + j])).toBeLessThan(1e-6);
    }
    await classifier.dispose();
  });

  it('finds K from the output, takes labels from metadata or option, and refuses labels that disagree', async () => {
    const options: ForeignModelOptions = { layout: 'flat', classes: 3, metadata: { 'mnist.labels': JSON.stringify(['cat', 'dog', 'fox']) } };
    const classifier = await load(foreignOnnxModel(options).bytes);
    expect(classifier.numClasses).toBe(3);
    expect(classifier.signature.labels).toEqual(['cat', 'dog', 'fox']);
    expect(classifier.signature.labelsFrom).toBe('metadata');
    expect(classifier.metadata.labels).toEqual(['cat', 'dog', 'fox']);
    await expectReference(classifier, options, raw);
    await expect(classifier.evaluate(raw.subarray(0, 784), [3])).rejects.toThrow('labels[0] = 3 is not a class in [0, 3)');
    await classifier.dispose();

    const plain = foreignOnnxModel({ layout: 'flat', classes: 3 }).bytes;
    const defaults = await load(plain);
    expect(defaults.signature.labels).toEqual(['0', '1', '2']);
    await defaults.dispose();
    const named = await load(plain, { labels: ['a', 'b', 'c'] });
    expect(named.signature).toMatchObject({ labels: ['a', 'b', 'c'], labelsFrom: 'option' });
    await named.dispose();
    await expect(load(plain, { labels: ['a', 'b'] })).rejects.toThrow(
      'model bytes: is not a 28x28 digit classifier: output "output" has 3 classes but the labels (option) have 2',
    );
  });

  it('keeps our own exports on their contract', async () => {
    const { bytes } = randomOnnxModel([16, 8], 7);
    const classifier = await load(bytes);
    expect(classifier.signature).toEqual({
      contract: 'sdk',
      input: { name: 'X', layout: 'flat', shape: ['batch', 784] },
      output: { name: 'probabilities', kind: 'probabilities', detectedBy: 'contract', classes: 10 },
      preprocessing: { pixelScale: 1 / 255, from: 'metadata' },
      labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      labelsFrom: 'metadata',
    });
    await classifier.dispose();
    const named = await load(bytes, { labels: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] });
    expect(named.signature).toMatchObject({ contract: 'sdk', labelsFrom: 'option' });
    expect(named.metadata.labels[3]).toBe('three');
    await named.dispose();
    await expect(load(bytes, { labels: ['a', 'b'] })).rejects.toThrow(
      'model bytes: is not a 28x28 digit classifier: output logits has shape [batch, 10], expected [batch, 2]; output probabilities has shape [batch, 10], expected [batch, 2]',
    );
    // Naming its logits output takes it down the foreign path, with the same classes.
    const viaLogits = await load(bytes, { output: 'logits' });
    expect(viaLogits.signature.output).toEqual({ name: 'logits', kind: 'logits', detectedBy: 'probe', classes: 10 });
    const reference = await load(bytes);
    expect((await viaLogits.predict(raw)).classes).toEqual((await reference.predict(raw)).classes);
    await Promise.all([viaLogits.dispose(), reference.dispose()]);
  });

  it('refuses, in one line, models that are not 28x28 digit classifiers', async () => {
    const build = (define: (g: GraphBuilder) => void): Uint8Array => {
      const g = new GraphBuilder({ opset: 17 });
      define(g);
      return encodeModel(g.build({ irVersion: 8 }));
    };
    const cases: [Uint8Array, string, NodeClassifierOptions?][] = [
      [
        build((g) => g.output(identity(g, g.input('input', 'float32', ['N', 3, 224, 224]), { name: 'output' }), 'float32', ['N', 3, 224, 224])),
        'input "input" is float32 [N, 3, 224, 224], expected one float32 input [N,784], [N,1,28,28], [N,28,28,1] or [N,28,28]',
      ],
      [
        build((g) => g.output(identity(g, g.input('input', 'int64', ['N', 784]), { name: 'output' }), 'int64', ['N', 784])),
        'input "input" is int64 [N, 784], expected one float32 input [N,784], [N,1,28,28], [N,28,28,1] or [N,28,28]',
      ],
      [
        build((g) => {
          const a = g.input('a', 'float32', ['N', 784]);
          g.input('b', 'float32', ['N', 784]);
          g.output(identity(g, a, { name: 'output' }), 'float32', ['N', 784]);
        }),
        'it has 2 inputs ("a", "b"), expected one float32 input [N,784], [N,1,28,28], [N,28,28,1] or [N,28,28]; name the one to use with the input option',
      ],
      [
        build((g) => g.output(identity(g, g.input('input', 'float32', ['N', 784]), { name: 'output' }), 'float32', ['N', 784])),
        'output "output" has 784 classes but the labels (option) have 2',
        { labels: ['a', 'b'] },
      ],
      [
        build((g) => g.output(relu(g, g.input('input', 'float32', ['N', 1, 28, 28]), { name: 'output' }), 'float32', ['N', 1, 28, 28])),
        'output "output" is float32 [N, 1, 28, 28], expected [N,K] float32 class scores (K >= 2)',
      ],
      [
        build((g) => g.output(identity(g, g.input('input', 'float32', ['N', 784]), { name: 'output' }), 'float32', ['N', 784])),
        'it has no input "pixels" (inputs: "input")',
        { input: 'pixels' },
      ],
      [foreignOnnxModel({ classes: 1 }).bytes, 'output "output" is float32 [N, 1]: 1 class, expected K >= 2 classes'],
      [
        build((g) => g.output(argMax(g, g.input('input', 'float32', ['N', 784]), { axis: 1, keepdims: false }, { name: 'classes' }), 'int64', ['N'])),
        'output "classes" is int64 [N], expected [N,K] float32 class scores (K >= 2)',
      ],
    ];
    for (const [bytes, problem, options] of cases) {
      const error = await rejection(load(bytes, options));
      expect(error.message).toBe(`model bytes: is not a 28x28 digit classifier: ${problem}`);
    }
    await expect(load(foreignOnnxModel().bytes, { normalization: { mean: 0.1, std: 0 } })).rejects.toThrow(RangeError);
    await expect(load(foreignOnnxModel().bytes, { labels: 'abc' as never })).rejects.toThrow('options.labels must be an array of at least 2 strings');
  });

  it('matches the reference for any layout, head, batch and normalization (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...LAYOUTS),
        fc.constantFrom(...HEADS),
        fc.constantFrom<number | string>('batch', 1, 2, 3),
        fc.integer({ min: 0, max: 9 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 1000 }),
        async (layout, head, batch, n, normalized, seed) => {
          const options: ForeignModelOptions = { layout, head, batch, seed };
          const classifier = await load(foreignOnnxModel(options).bytes, normalized ? { normalization: NORMALIZATION } : {});
          try {
            await expectReference(classifier, options, randomImages(n, seed), normalized ? NORMALIZATION : undefined);
          } finally {
            await classifier.dispose();
          }
        },
      ),
      { numRuns: 25, seed: 14 },
    );
  });
});
