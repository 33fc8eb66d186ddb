// MnistClassifier on onnxruntime-web (wasm, in Node) on models shaped as PyTorch and Keras export them:
// the same detection and answers as the float64 reference for every layout and head, normalization,
// fixed batches, a chosen output, K != 10 through predictImage, and a refusal in one line.
import { describe, expect, it } from 'vitest';
import { foreignExpectation, foreignOnnxModel, randomImages, rejection, scaled, type ForeignModelOptions } from '@mnist/export/testing';
import { MnistClassifier } from './mnist-classifier.js';
import type { WebClassifierOptions } from './web-runtime.js';

const NORMALIZATION = { mean: 0.1307, std: 0.3081 };
const NORMALIZED_METADATA = { 'mnist.preprocessing': JSON.stringify({ pixelScale: 1 / 255, ...NORMALIZATION }) };
const raw = randomImages(5, 21);

interface Case {
  model: ForeignModelOptions;
  load?: WebClassifierOptions;
  normalized?: boolean;
  signature: { layout: string; kind: string; detectedBy: string; fixedBatch?: number; from: string };
}

// Each layout and each head at least once; normalization by metadata and by option; fixed batches 1 and 3.
const CASES: Case[] = [
  { model: { layout: 'flat', head: 'logits' }, signature: { layout: 'flat', kind: 'logits', detectedBy: 'probe', from: 'default' } },
  { model: { layout: 'nchw', head: 'softmax', metadata: NORMALIZED_METADATA }, normalized: true, signature: { layout: 'nchw', kind: 'probabilities', detectedBy: 'graph', from: 'metadata' } },
  { model: { layout: 'nhwc', head: 'log_softmax' }, load: { normalization: NORMALIZATION }, normalized: true, signature: { layout: 'nhwc', kind: 'log-probabilities', detectedBy: 'graph', from: 'option' } },
  { model: { layout: 'nhw', head: 'softmax', hideHead: true }, signature: { layout: 'nhw', kind: 'probabilities', detectedBy: 'probe', from: 'default' } },
  { model: { layout: 'nchw', head: 'logits', batch: 1 }, signature: { layout: 'nchw', kind: 'logits', detectedBy: 'probe', fixedBatch: 1, from: 'default' } },
  { model: { layout: 'flat', head: 'log_softmax', batch: 3, hideHead: true }, signature: { layout: 'flat', kind: 'log-probabilities', detectedBy: 'probe', fixedBatch: 3, from: 'default' } },
  { model: { layout: 'nhwc', head: 'softmax', batch: 3, featuresOutput: true }, load: { output: 'output' }, signature: { layout: 'nhwc', kind: 'probabilities', detectedBy: 'graph', fixedBatch: 3, from: 'default' } },
];

describe('MnistClassifier on foreign models (onnxruntime-web)', () => {
  for (const c of CASES) {
    it(`${c.model.layout} ${c.model.head} batch ${c.model.batch ?? 'N'}${c.load ? ` with ${Object.keys(c.load).join(', ')}` : ''}`, async () => {
      const model = foreignOnnxModel(c.model);
      const classifier = await MnistClassifier.load(model.bytes, { numThreads: 1, ...c.load });
      const { input, output, preprocessing } = classifier.signature;
      expect({ layout: input.layout, kind: output.kind, detectedBy: output.detectedBy, fixedBatch: input.fixedBatch, from: preprocessing.from }).toEqual(c.signature);
      const expected = foreignExpectation(model, c.model.head ?? 'logits', raw, c.normalized ? NORMALIZATION : undefined);
      for (const images of [raw, scaled(raw)]) {
        const got = await classifier.predict(images, { logits: true, batchSize: 2 });
        expect([...got.classes]).toEqual(expected.classes);
        got.probabilities.forEach((p, i) => expect(Math.abs(p - expected.probabilities[i])).toBeLessThan(1e-5));
        got.logits!.forEach((l, i) => expect(Math.abs(l - expected.logits[i])).toBeLessThan(1e-4 * Math.max(1, Math.abs(expected.logits[i]))));
      }
      expect((await classifier.evaluate(raw, expected.classes)).accuracy).toBe(1);
      await classifier.dispose();
    });
  }

  it('labels predictImage with the model labels for K != 10, and the class index when it has none', async () => {
    const stroke = new Uint8ClampedArray(28 * 28 * 4).fill(255);
    for (let row = 6; row < 22; row++) for (let col = 12; col < 16; col++) stroke.fill(0, (row * 28 + col) * 4, (row * 28 + col) * 4 + 3);
    const image = { data: stroke, width: 28, height: 28 };
    const labelled = await MnistClassifier.load(foreignOnnxModel({ layout: 'nchw', classes: 3, metadata: { 'mnist.labels': JSON.stringify(['a', 'b', 'c']) } }).bytes);
    const result = await labelled.predictImage(image);
    expect(result.probabilities.length).toBe(3);
    expect(result.label).toBe(['a', 'b', 'c'][result.class]);
    await labelled.dispose();
    const unlabelled = await MnistClassifier.load(foreignOnnxModel({ layout: 'flat', classes: 4 }).bytes);
    const plain = await unlabelled.predictImage(image);
    expect(plain.label).toBe(String(plain.class));
    await unlabelled.dispose();
  });

  it('refuses several outputs without the output option, listing them, in one line', async () => {
    const error = await rejection(MnistClassifier.load(foreignOnnxModel({ featuresOutput: true }).bytes));
    expect(error.message).toBe(
      'model bytes: is not a 28x28 digit classifier: it has 2 outputs ("features", "output"), expected [N,K] float32 class scores (K >= 2); name the one to use with the output option',
    );
  });
});
