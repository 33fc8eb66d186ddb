// importOnnx: a foreign MLP becomes a checkpoint that computes, on pixels / 255, what the model computed
// on its own preprocessing (checked against onnxruntime-node on the original), written safely.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { METADATA_KEYS } from '@mnist/core';
import { encodeModel, gemm, GraphBuilder, leakyRelu, softmax } from '@mnist/export';
import { maxAbsDifference, randomImages, referenceLogits, scaled, seededRandom } from '@mnist/export/testing';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint-io.js';
import { importOnnx } from './import-onnx.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'import-onnx-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A PyTorch-style 784-24-K MLP (Gemm transB 1, LeakyReLU 0.01, Softmax head) with `metadata`. */
async function foreignModel(name: string, metadata: Record<string, string> = {}, classes = 10): Promise<string> {
  const g = new GraphBuilder({ opset: 17 });
  const random = seededRandom(11);
  const values = (n: number, scale: number) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
  const x = g.input('input', 'float32', ['batch', 784]);
  const w1 = g.initializer('fc1.weight', { dtype: 'float32', dims: [24, 784], values: values(24 * 784, 0.08) });
  const b1 = g.initializer('fc1.bias', { dtype: 'float32', dims: [24], values: values(24, 0.3) });
  const w2 = g.initializer('fc2.weight', { dtype: 'float32', dims: [classes, 24], values: values(classes * 24, 0.4) });
  const b2 = g.initializer('fc2.bias', { dtype: 'float32', dims: [classes], values: values(classes, 0.3) });
  const h = leakyRelu(g, gemm(g, x, w1, b1, { transB: true }), { alpha: 0.01 });
  g.output(softmax(g, gemm(g, h, w2, b2, { transB: true }), { axis: 1 }, { name: 'output' }), 'float32', ['batch', classes]);
  const file = join(root, name);
  await writeFile(file, encodeModel(g.build({ irVersion: 8, producerName: 'pytorch', producerVersion: '1.13.1', metadata })));
  return file;
}

/** The original model's probabilities on `bytes` fed as it was trained: (bytes * scale - mean) / std. */
async function original(file: string, bytes: Uint8Array, scale: number, mean: number, std: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(file);
  const n = bytes.length / 784;
  const x = Float32Array.from(bytes, (b) => (b * scale - mean) / std);
  return (await session.run({ input: new ort.Tensor('float32', x, [n, 784]) })).output.data as Float32Array;
}

function softmaxRows(logits: Float32Array, k: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / k; r++) {
    const row = Array.from(logits.subarray(r * k, r * k + k));
    const max = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    row.forEach((v, j) => (out[r * k + j] = Math.exp(v - max) / sum));
  }
  return out;
}

const images = randomImages(16, 5);

describe('importOnnx', () => {
  it.each<[string, Record<string, string>, { mean: number; std: number } | undefined, [number, number, number]]>([
    ['no normalization', {}, undefined, [1 / 255, 0, 1]],
    ['mean/std from mnist.preprocessing', { [METADATA_KEYS.preprocessing]: JSON.stringify({ pixelScale: 1 / 255, mean: 0.1307, std: 0.3081 }) }, undefined, [1 / 255, 0.1307, 0.3081]],
    ['mean/std given as an option', {}, { mean: 0.1307, std: 0.3081 }, [1 / 255, 0.1307, 0.3081]],
    ['raw bytes (pixelScale 1) with mean/std', { [METADATA_KEYS.preprocessing]: JSON.stringify({ pixelScale: 1, mean: 33.3, std: 78.6 }) }, undefined, [1, 33.3, 78.6]],
  ])('%s: the checkpoint on pixels / 255 gives the original probabilities within 1e-5', async (label, metadata, normalization, [scale, mean, std]) => {
    const slug = label.replace(/\W+/g, '-');
    const file = await foreignModel(`${slug}.onnx`, metadata);
    const out = join(root, `ckpt-${slug}`);
    const result = await importOnnx(file, { out, normalization });
    const checkpoint = await loadCheckpoint(out);
    expect(checkpoint.modelJson.modelSpec).toMatchObject({ inputSize: 784, imageShape: [28, 28], hiddenUnits: [24], activation: 'leaky_relu', leakyReluAlpha: 0.01, outputSize: 10 });
    expect(checkpoint.modelJson.preprocessing).toEqual({ pixelScale: 1 / 255 });
    const expected = await original(file, images, scale, mean, std);
    const logits = referenceLogits(checkpoint, scaled(images));
    expect(maxAbsDifference(softmaxRows(logits, 10), expected)).toBeLessThan(1e-5);
    expect(result.preprocessing).toMatchObject({ pixelScale: scale, from: normalization ? 'option' : Object.keys(metadata).length ? 'metadata' : 'default' });
    const t = checkpoint.modelJson.training;
    expect(t).toMatchObject({ epoch: 0, step: 0, history: [] });
    expect(t.importedFrom).toEqual({
      file: `${slug}.onnx`,
      sha256: createHash('sha256').update(await readFile(file)).digest('hex'),
      producer: 'pytorch 1.13.1',
      output: 'probabilities',
      preprocessing: { pixelScale: scale, ...(mean ? { mean, std } : {}) },
    });
  });

  it('keeps the labels of mnist.labels, and a model of 5 classes gets 0..4 without them', async () => {
    const letters = ['a', 'b', 'c', 'd', 'e'];
    await importOnnx(await foreignModel('letters.onnx', { [METADATA_KEYS.labels]: JSON.stringify(letters) }, 5), { out: join(root, 'letters') });
    expect((await loadCheckpoint(join(root, 'letters'))).modelJson.labels).toEqual(letters);
    await importOnnx(await foreignModel('five.onnx', {}, 5), { out: join(root, 'five') });
    expect((await loadCheckpoint(join(root, 'five'))).modelJson.labels).toEqual(['0', '1', '2', '3', '4']);
    await expect(importOnnx(await foreignModel('mislabelled.onnx', { [METADATA_KEYS.labels]: JSON.stringify(letters) }), { out: join(root, 'x') })).rejects.toThrow(
      /mislabelled\.onnx: metadata mnist\.labels has 5 labels, the model gives 10 classes/,
    );
  });

  it('refuses a folder holding a checkpoint without overwrite, and with it replaces only the pair', async () => {
    const file = await foreignModel('twice.onnx');
    const out = join(root, 'twice');
    await importOnnx(file, { out });
    await writeFile(join(out, 'notes.txt'), 'mine');
    const before = await readFile(join(out, 'weights.bin'));
    await expect(importOnnx(file, { out, normalization: { mean: 0.5, std: 0.5 } })).rejects.toThrow(/twice already holds a checkpoint; pass --overwrite/);
    expect(await readFile(join(out, 'weights.bin'))).toEqual(before);
    await importOnnx(file, { out, normalization: { mean: 0.5, std: 0.5 }, overwrite: true });
    expect(await readFile(join(out, 'weights.bin'))).not.toEqual(before);
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('refuses what is not an MLP, naming the file, and a missing file, writing nothing', async () => {
    const g = new GraphBuilder({ opset: 17 });
    const x = g.input('input', 'float32', ['batch', 1, 28, 28]);
    g.output(g.node('MaxPool', [x], { attributes: {}, name: 'pool' })[0], 'float32', ['batch', 10]);
    const file = join(root, 'pool.onnx');
    await writeFile(file, encodeModel(g.build({ irVersion: 8 })));
    await expect(importOnnx(file, { out: join(root, 'pool') })).rejects.toThrow(/pool\.onnx: MaxPool node "pool" \(node 1 of 1\) is a MaxPool, which mnist import does not read/);
    await expect(importOnnx(join(root, 'missing.onnx'), { out: join(root, 'pool') })).rejects.toThrow(/missing\.onnx/);
    await expect(loadCheckpoint(join(root, 'pool'))).rejects.toThrow();
  });
});
