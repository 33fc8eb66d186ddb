// MnistClassifier on onnxruntime-web (wasm, in Node) against a pure-JS forward pass and against
// onnxruntime-node on the same model.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder, encodeModel, gemm } from '@mnist/export';
import { MnistClassifier as NodeClassifier } from '@mnist/infer-node';
import { MnistClassifier } from './mnist-classifier.js';
import { argmaxRows10, randomImages, randomOnnxModel, referenceLogits, rejection, scaled } from '@mnist/export/testing';

const { checkpoint, bytes } = randomOnnxModel([16, 8], 7);
const raw = randomImages(64, 11);
const x = scaled(raw);
const expected = referenceLogits(checkpoint, x);
let dir: string;
let server: Server;
let baseUrl: string;
let classifier: MnistClassifier;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'infer-web-'));
  server = createServer((request, response) => {
    if (request.url === '/model.onnx') response.end(bytes);
    else if (request.url === '/garbage.onnx') response.end('<html>not found, but served with 200</html>');
    else response.writeHead(404).end('missing');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  classifier = await MnistClassifier.load(bytes, { numThreads: 1 });
});
afterAll(async () => {
  await classifier.dispose();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('MnistClassifier (onnxruntime-web in Node)', () => {
  it('predicts the classes and logits of the pure-JS forward pass', async () => {
    const prediction = await classifier.predict(x, { logits: true });
    expect([...prediction.classes]).toEqual(argmaxRows10(expected));
    for (let i = 0; i < expected.length; i++) expect(Math.abs(prediction.logits![i] - expected[i])).toBeLessThan(1e-5);
    expect(new Set(prediction.classes).size).toBeGreaterThan(2);
  });

  it('gives the same classes and logits (within 1e-5) as onnxruntime-node on the same model', async () => {
    const node = await NodeClassifier.load(bytes, { intraOpNumThreads: 1 });
    const big = randomImages(500, 99);
    const [fromNode, fromWeb] = [await node.predict(big, { logits: true }), await classifier.predict(big, { logits: true })];
    await node.dispose();
    expect(fromWeb.classes).toEqual(fromNode.classes);
    let worst = 0;
    for (let i = 0; i < fromNode.logits!.length; i++) worst = Math.max(worst, Math.abs(fromNode.logits![i] - fromWeb.logits![i]));
    expect(worst).toBeLessThan(1e-5);
    for (let i = 0; i < fromNode.probabilities.length; i++) expect(Math.abs(fromNode.probabilities[i] - fromWeb.probabilities[i])).toBeLessThan(1e-6);
  });

  it('checks float input in the runtime (its input sum) and names a bad pixel', async () => {
    // Only the runtime's sum sees finite pixels whose sum overflows: JavaScript's check would pass them.
    await expect(classifier.predict(new Float32Array(784).fill(3e38))).rejects.toThrow('images 0 to 0 hold values so large that their sum overflows float32');
    const bad = x.slice();
    bad[3 * 784 + 1] = Number.NaN;
    await expect(classifier.predict(bad)).rejects.toThrow(`images has a non-finite value NaN at index ${3 * 784 + 1} (image 3, pixel 1)`);
  });

  it('scales raw uint8 pixels with the model metadata, equal to scaled float input', async () => {
    const fromFloat = await classifier.predict(x, { logits: true });
    const fromBytes = await classifier.predict(raw, { logits: true });
    expect(fromBytes.classes).toEqual(fromFloat.classes);
    expect(fromBytes.logits).toEqual(fromFloat.logits);
  });

  it('evaluates accuracy and the confusion matrix', async () => {
    const reference = argmaxRows10(expected);
    const labels = Uint8Array.from(reference, (c, i) => (i % 2 === 0 ? c : (c + 3) % 10));
    const result = await classifier.evaluate(x, labels, { batchSize: 16 });
    expect(result).toMatchObject({ n: 64, accuracy: 0.5 });
    expect(result.confusionMatrix.reduce((sum, row, i) => sum + row[i], 0)).toBe(32);
  });

  it('predicts a drawn digit from ImageData-like RGBA, preprocessed MNIST-style', async () => {
    const width = 140;
    const height = 140;
    const data = new Uint8ClampedArray(width * height * 4).fill(255);
    for (let y = 20; y < 120; y++) for (let xx = 60; xx < 72; xx++) data.fill(0, (y * width + xx) * 4, (y * width + xx) * 4 + 3);
    const result = await classifier.predictImage({ data, width, height });
    const direct = await classifier.predict(result.pixels);
    expect(result.class).toBe(direct.classes[0]);
    expect(result.label).toBe(String(direct.classes[0]));
    expect(result.probabilities).toEqual(direct.probabilities);
    await expect(classifier.predictImage({ data: new Uint8ClampedArray(16).fill(255), width: 2, height: 2 })).rejects.toThrow(/image is empty/);
  });

  it('loads from an http URL, a file path and a file URL; a 404 or garbage says so', async () => {
    for (const source of [`${baseUrl}/model.onnx`, new URL(`${baseUrl}/model.onnx`)]) {
      const c = await MnistClassifier.load(source);
      expect((await c.predict(x)).classes).toEqual(Int32Array.from(argmaxRows10(expected)));
      await c.dispose();
    }
    const path = join(dir, 'model.onnx');
    writeFileSync(path, bytes);
    for (const source of [path, pathToFileURL(path)]) {
      const c = await MnistClassifier.load(source);
      expect(c.metadata.testAccuracy).toBe(0.5);
      await c.dispose();
    }
    await expect(MnistClassifier.load(`${baseUrl}/absent.onnx`)).rejects.toThrow(`${baseUrl}/absent.onnx: could not load model from URL: HTTP 404`);
    await expect(MnistClassifier.load(`${baseUrl}/garbage.onnx`)).rejects.toThrow(`${baseUrl}/garbage.onnx: is not an ONNX model`);
    await expect(MnistClassifier.load(join(dir, 'nope.onnx'))).rejects.toThrow(`${join(dir, 'nope.onnx')}: no such model file`);
  });

  it('refuses a foreign ONNX model and garbage bytes with one-line errors', async () => {
    const g = new GraphBuilder({ opset: 17 });
    const input = g.input('X', 'float32', ['batch', 28]);
    g.initializer('w', { dtype: 'float32', dims: [28, 10], values: new Float32Array(280) });
    g.initializer('b', { dtype: 'float32', dims: [10], values: new Float32Array(10) });
    g.output(gemm(g, input, 'w', 'b', {}, { name: 'logits' }), 'float32', ['batch', 10]);
    const error = await rejection(MnistClassifier.load(encodeModel(g.build({ irVersion: 8 }))));
    expect(error.message).toBe(
      'model bytes: is not a 28x28 digit classifier: input "X" is float32 [batch, 28], expected one float32 input [N,784], [N,1,28,28], [N,28,28,1] or [N,28,28]',
    );
    await expect(MnistClassifier.load(new Uint8Array([1, 2, 3, 4, 5]))).rejects.toThrow(/^model bytes: is not an ONNX model/);
  });

  it('keeps the wasm settings of the first load and says so on a conflict', async () => {
    await expect(MnistClassifier.load(bytes, { numThreads: 2 })).rejects.toThrow(/onnxruntime-web already started with numThreads 1/);
    await expect(MnistClassifier.load(bytes, { numThreads: -1 })).rejects.toThrow(RangeError);
  });

  it('disposes once; use afterwards says what to do', async () => {
    const c = await MnistClassifier.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    await c.dispose();
    await c.dispose();
    await expect(c.predict(x)).rejects.toThrow(/has been disposed/);
    const dot = new Uint8ClampedArray(9 * 4).fill(255);
    dot.fill(0, 4 * 4, 4 * 4 + 3);
    await expect(c.predictImage({ data: dot, width: 3, height: 3 })).rejects.toThrow(/has been disposed/);
  });
});
