// The convolutional family's inference graphs: exportOnnx (the ONNX contract, X [batch, 784] reshaped
// inside) and buildLogitsGraph, both from the layers' forward pieces, equal the float64 reference's
// forward pass on onnxruntime-node and onnxruntime-web; the export passes the onnx checker.
import { DEFAULT_CNN_SPEC, METADATA_KEYS } from '@mnist/core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from './export-onnx.js';
import { readOnnx } from './onnx-reader.js';
import { checkOnnxFile, randomCheckpoint, referenceForward, seededRandom, tinyConvnetSpec } from './testing/index.js';
import { buildLogitsGraph, TRAINING_GRAPH_NAMES } from './training-graph.js';

ortWeb.env.wasm.numThreads = 1;

// The training test's tiny network on a 28x28 image (the export contract is 784 pixels).
const SPEC = tinyConvnetSpec({ secondKernel: 3, size: 28, classes: 10, activation: 'elu' });
const RUNTIMES = [
  ['onnxruntime-node', ortNode],
  ['onnxruntime-web', ortWeb],
] as const;

function closeTo(got: Float32Array, expected: Float64Array, label: string): void {
  expect(got.length).toBe(expected.length);
  got.forEach((v, i) => expect(Math.abs(v - expected[i]), `${label} ${i}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected[i]))));
}

describe('exportOnnx of a layered checkpoint', () => {
  const checkpoint = randomCheckpoint([], 11, SPEC);
  const batch = 5;
  const x = Float32Array.from({ length: batch * 784 }, seededRandom(3));
  const expected = referenceForward(SPEC, checkpoint.weights, x, 1);

  for (const [runtime, ort] of RUNTIMES) {
    it(`${runtime}: logits equal the reference forward pass, probabilities and classes follow them`, async () => {
      const session = await ort.InferenceSession.create(exportOnnx(checkpoint));
      try {
        const out = await (session).run({ X: new ort.Tensor('float32', x, [batch, 784]) });
        closeTo(out.logits.data as Float32Array, expected, 'logit');
        const classes = Array.from(out.classes.data as BigInt64Array, Number);
        classes.forEach((c, r) => {
          const row = Array.from(expected.subarray(r * 10, r * 10 + 10));
          expect(c).toBe(row.indexOf(Math.max(...row)));
        });
        const probabilities = out.probabilities.data as Float32Array;
        expect(probabilities.subarray(0, 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      } finally {
        await session.release();
      }
    });
  }

  it('keeps the ONNX contract: X [batch, 784], the three outputs, kernels as initializers in OIHW, the layers in mnist.model_spec', () => {
    const s = readOnnx(exportOnnx(checkpoint, { source: 'checkpoints/cnn' }), 'model.onnx');
    expect(s.inputs).toEqual([{ name: 'X', elemType: 1, dtype: 'float32', dims: ['batch', 784] }]);
    expect(s.outputs.map((o) => [o.name, o.dims])).toEqual([
      ['logits', ['batch', 10]],
      ['probabilities', ['batch', 10]],
      ['classes', ['batch']],
    ]);
    expect(s.initializers.find((t) => t.name === 'cnn/conv2/kernel')!.dims).toEqual([4, 3, 3, 3]);
    expect(s.nodes.map((n) => n.opType)).toEqual(['Reshape', 'Conv', 'Elu', 'MaxPool', 'Conv', 'Elu', 'Reshape', 'Gemm', 'Elu', 'Gemm', 'Softmax', 'ArgMax']);
    expect(JSON.parse(s.metadata[METADATA_KEYS.modelSpec]).layers).toEqual(SPEC.layers);
    expect(JSON.parse(s.metadata[METADATA_KEYS.imageShape])).toEqual([28, 28]);
    expect(s.docString).toContain('conv3x3-pool2-conv4x3s2v-flatten-dense5-dense10 elu');
  });

  it('refuses a checkpoint whose kernel is not in its layer\'s shape, naming it', () => {
    const broken = randomCheckpoint([], 1, SPEC);
    const w = broken.weights.get('cnn/conv1/kernel')!;
    broken.weights.set(w.name, { ...w, shape: [3, 3, 1, 3] });
    expect(() => exportOnnx(broken)).toThrow('checkpoint: weight cnn/conv1/kernel has shape [3,3,1,3], the model spec needs [3,1,3,3]');
  });

  for (const [label, spec] of [
    ['the tiny network', SPEC],
    ['DEFAULT_CNN_SPEC', DEFAULT_CNN_SPEC],
  ] as const) {
    it(`${label}: passes onnx.checker.check_model(full_check=True)`, (ctx) => {
      const dir = mkdtempSync(join(tmpdir(), 'mnist-export-cnn-'));
      try {
        const file = join(dir, 'model.onnx');
        writeFileSync(file, exportOnnx(randomCheckpoint([], 5, spec), { source: 'checkpoints/cnn', testAccuracy: 0.99 }));
        const result = checkOnnxFile(file);
        if (!result.ran) {
          ctx.skip(result.reason);
          return;
        }
        expect(result.ok, result.output).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('buildLogitsGraph of a layered spec', () => {
  it('raw bytes and the weights as inputs give the reference forward pass', async () => {
    const checkpoint = randomCheckpoint([], 4, SPEC);
    const random = seededRandom(9);
    const count = 3;
    const images = Uint8Array.from({ length: count * 784 }, () => Math.floor(random() * 256));
    const session = await ortNode.InferenceSession.create(buildLogitsGraph(SPEC));
    try {
      const feeds: Record<string, ortNode.Tensor> = { [TRAINING_GRAPH_NAMES.logitsImages]: new ortNode.Tensor('uint8', images, [count, 784]) };
      for (const [name, w] of checkpoint.weights) feeds[name] = new ortNode.Tensor('float32', w.values, w.shape);
      const logits = (await session.run(feeds))[TRAINING_GRAPH_NAMES.logits].data as Float32Array;
      closeTo(logits, referenceForward(SPEC, checkpoint.weights, images, 1 / 255), 'logit');
    } finally {
      await session.release();
    }
  });
});
