// exportOnnx: the graph of the ONNX contract (ARCHITECTURE.md, "ONNX model"), run in onnxruntime-node, agrees with a plain-JS forward pass.
import { ACTIVATIONS, DIGIT_LABELS, layerNames, METADATA_KEYS, type ModelSpec } from '@mnist/core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from './export-onnx.js';
import { readOnnx } from './onnx-reader.js';
import { checkOnnxFile, randomCheckpoint, referenceLogits, seededRandom } from './testing/index.js';

const SPEC: ModelSpec = { inputSize: 784, hiddenUnits: [8, 4], activation: 'relu', outputSize: 10, initializer: 'truncated_normal' };

async function runModel(bytes: Uint8Array, x: Float32Array, batch: number) {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ X: new ort.Tensor('float32', x, [batch, 784]) });
    return {
      logits: out.logits.data as Float32Array,
      probabilities: out.probabilities.data as Float32Array,
      classes: out.classes.data as BigInt64Array,
      dims: [out.logits.dims, out.probabilities.dims, out.classes.dims],
    };
  } finally {
    await session.release();
  }
}

describe('exportOnnx', () => {
  const ckpt = randomCheckpoint(SPEC.hiddenUnits, 42);
  const batch = 7;
  const x = Float32Array.from({ length: batch * 784 }, seededRandom(7));

  for (const opset of [17, 21]) {
    it(`opset ${opset}: logits match a plain-JS forward pass, probabilities sum to 1, classes are the argmax`, async () => {
      const result = await runModel(exportOnnx(ckpt, { opset }), x, batch);
      expect(result.dims).toEqual([[batch, 10], [batch, 10], [batch]]);
      const expected = referenceLogits(ckpt, x);
      for (let r = 0; r < batch; r++) {
        const logits = Array.from(result.logits.subarray(r * 10, r * 10 + 10));
        logits.forEach((v, k) => expect(Math.abs(v - expected[r * 10 + k]), `row ${r} logit ${k}`).toBeLessThan(1e-5));
        const probs = result.probabilities.subarray(r * 10, r * 10 + 10);
        expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
        expect(Number(result.classes[r])).toBe(logits.indexOf(Math.max(...logits)));
      }
      // The classes must differ across rows somewhere, or the argmax check proves little.
      expect(new Set(result.classes).size).toBeGreaterThan(1);
    });
  }

  for (const activation of ACTIVATIONS) {
    it(`${activation}: the graph has its own op and its logits match the JS forward pass in onnxruntime-node`, async () => {
      const c = randomCheckpoint(SPEC.hiddenUnits, 5, { activation });
      const bytes = exportOnnx(c);
      const opType = { relu: 'Relu', leaky_relu: 'LeakyRelu', elu: 'Elu', selu: 'Selu', tanh: 'Tanh', sigmoid: 'Sigmoid' }[activation];
      expect(readOnnx(bytes).nodes.filter((n) => n.opType === opType)).toHaveLength(SPEC.hiddenUnits.length);
      const result = await runModel(bytes, x, batch);
      const expected = referenceLogits(c, x);
      for (let r = 0; r < batch; r++) {
        for (let k = 0; k < 10; k++) expect(Math.abs(result.logits[r * 10 + k] - expected[r * 10 + k]), `row ${r} logit ${k}`).toBeLessThan(1e-5);
      }
    });
  }

  it('writes the names, versions, initializers and metadata of the ONNX contract', () => {
    const s = readOnnx(exportOnnx(ckpt, { source: 'checkpoints/dnn', testAccuracy: 0.9781 }), 'model.onnx');
    expect(s.irVersion).toBe(8);
    expect(s.opset).toBe(17);
    expect(s.producerName).toBe('mnist-onnx-sdk');
    expect(s.producerVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(s.docString).toContain('784-8-4 relu-10');
    expect(s.inputs).toEqual([{ name: 'X', elemType: 1, dtype: 'float32', dims: ['batch', 784] }]);
    expect(s.outputs).toEqual([
      { name: 'logits', elemType: 1, dtype: 'float32', dims: ['batch', 10] },
      { name: 'probabilities', elemType: 1, dtype: 'float32', dims: ['batch', 10] },
      { name: 'classes', elemType: 7, dtype: 'int64', dims: ['batch'] },
    ]);
    expect(s.initializers.map((t) => t.name)).toEqual(layerNames(SPEC).flatMap((l) => [l.kernel, l.bias]));
    const kernel = s.initializers.find((t) => t.name === 'dnn/hidden2/kernel')!;
    expect(kernel.dims).toEqual([8, 4]);
    expect(kernel.values).toEqual(ckpt.weights.get('dnn/hidden2/kernel')!.values);
    expect(s.nodes.map((n) => n.opType)).toEqual(['Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm', 'Softmax', 'ArgMax']);
    expect(JSON.parse(s.metadata[METADATA_KEYS.preprocessing])).toEqual({ pixelScale: 1 / 255 });
    expect(JSON.parse(s.metadata[METADATA_KEYS.labels])).toEqual([...DIGIT_LABELS]);
    expect(JSON.parse(s.metadata[METADATA_KEYS.modelSpec])).toEqual(SPEC);
    expect(JSON.parse(s.metadata[METADATA_KEYS.imageShape])).toEqual([28, 28]);
    expect(s.metadata[METADATA_KEYS.sourceCheckpoint]).toBe('checkpoints/dnn');
    expect(s.metadata[METADATA_KEYS.testAccuracy]).toBe('0.9781');
  });

  it('records the image size the checkpoint was trained on; a spec without one is 28x28 only at 784 pixels', () => {
    const imageShape = (c: ReturnType<typeof randomCheckpoint>) => JSON.parse(readOnnx(exportOnnx(c), 'm').metadata[METADATA_KEYS.imageShape]);
    const c32 = randomCheckpoint([4], 3, { inputSize: 1024, imageShape: [32, 32] });
    expect(imageShape(c32)).toEqual([32, 32]);
    expect(JSON.parse(readOnnx(exportOnnx(c32), 'm').metadata[METADATA_KEYS.modelSpec]).imageShape).toEqual([32, 32]);
    expect(imageShape(randomCheckpoint([4], 3, { inputSize: 16 * 64, imageShape: [16, 64] }))).toEqual([16, 64]);
    // Checkpoints from before the image size was recorded.
    expect(imageShape(randomCheckpoint([4], 3))).toEqual([28, 28]);
    expect(() => exportOnnx(randomCheckpoint([4], 3, { inputSize: 1024 }), { source: 'checkpoints/old' })).toThrow(
      'checkpoints/old: modelSpec.inputSize is 1024 and model.json records no modelSpec.imageShape, so the image size is unknown; add "imageShape": [rows, cols] to its modelSpec',
    );
  });

  it("records the checkpoint's training.dataset as mnist.dataset JSON, none when it records none; two exports are byte-identical", () => {
    const record = { name: 'fashion', folder: 'data/fashion', sha256: { testImages: 'ab'.repeat(32), testLabels: 'cd'.repeat(32), trainImages: 'ef'.repeat(32), trainLabels: '01'.repeat(32) } };
    const trained = randomCheckpoint([4], 5);
    trained.modelJson.training.dataset = record;
    const bytes = exportOnnx(trained, { source: 'checkpoints/dnn', testAccuracy: 0.9 });
    expect(JSON.parse(readOnnx(bytes, 'm').metadata[METADATA_KEYS.dataset])).toEqual(record);
    expect(Buffer.compare(bytes, exportOnnx(trained, { source: 'checkpoints/dnn', testAccuracy: 0.9 }))).toBe(0);
    expect(readOnnx(exportOnnx(ckpt), 'm').metadata).not.toHaveProperty(METADATA_KEYS.dataset);
  });

  it('leaves test accuracy out when unknown and picks the IR version of later opsets', () => {
    expect(readOnnx(exportOnnx(ckpt), 'm').metadata).not.toHaveProperty(METADATA_KEYS.testAccuracy);
    expect(readOnnx(exportOnnx(ckpt, { opset: 21 }), 'm').irVersion).toBe(10);
    expect(readOnnx(exportOnnx(ckpt, { opset: 19 }), 'm').irVersion).toBe(9);
  });

  it('refuses opsets outside 13..26 and a checkpoint whose weights do not fit its spec', () => {
    expect(() => exportOnnx(ckpt, { opset: 12 })).toThrow(/^opset must be an integer from 13 to 26, got 12$/);
    expect(() => exportOnnx(ckpt, { opset: 27 })).toThrow(RangeError);
    const broken = randomCheckpoint(SPEC.hiddenUnits, 1);
    broken.weights.delete('dnn/outputs/bias');
    expect(() => exportOnnx(broken)).toThrow(/weight dnn\/outputs\/bias is missing/);
  });
});

describe('the independent ONNX checker', () => {
  it('passes onnx.checker.check_model(model, full_check=True) for the default export', (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), 'mnist-export-'));
    try {
      const file = join(dir, 'model.onnx');
      writeFileSync(file, exportOnnx(randomCheckpoint(SPEC.hiddenUnits, 5), { source: 'checkpoints/dnn', testAccuracy: 0.97 }));
      const result = checkOnnxFile(file);
      if (!result.ran) {
        console.warn(`skipped: ${result.reason}`);
        ctx.skip(result.reason);
        return;
      }
      expect(result.ok, result.output).toBe(true);
      expect(result.output).toMatch(/^ok \S+ 8 17$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
