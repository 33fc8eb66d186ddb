// External data on onnxruntime-web (wasm, in Node): a model loaded from a file path or a URL reads its
// external files from its own folder or URL directory, references that leave it are refused, and a
// model given as bytes (or a data: URL) with external data is refused. Decoys of the referenced name
// sit in the working directory and at the server's root, where a wrong resolution would find them.
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelLoadError } from '@mnist/core';
import { externalDataModel, randomImages, rejection, scaled } from '@mnist/export/testing';
import { MnistClassifier } from './mnist-classifier.js';

const root = mkdtempSync(join(tmpdir(), 'infer-web-external-'));
const models = join(root, 'models');
const standing = join(root, 'where-the-user-stands');
mkdirSync(models);
mkdirSync(standing);
const x = scaled(randomImages(8, 5));
const start = process.cwd();
const good = externalDataModel('local.bin');
const decoy = externalDataModel('local.bin', undefined, 99).data;
writeFileSync(join(standing, 'local.bin'), decoy);

// /m/ holds the model and its data; the root holds a decoy and a "secret".
const served: Record<string, Uint8Array> = {
  '/m/model.onnx': good.bytes,
  '/m/local.bin': good.data,
  '/local.bin': decoy,
  '/secret.bin': good.data,
  '/m/up.onnx': externalDataModel('../secret.bin').bytes,
  '/m/encoded.onnx': externalDataModel('%2e%2e/secret.bin').bytes,
};
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const body = served[request.url ?? ''];
    if (body) response.end(body);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
beforeEach(() => process.chdir(standing));
afterEach(() => process.chdir(start));
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

async function classes(model: string | Uint8Array): Promise<number[]> {
  const classifier = await MnistClassifier.load(model, { numThreads: 1 });
  try {
    return [...(await classifier.predict(x)).classes];
  } finally {
    await classifier.dispose();
  }
}

describe('external data (onnxruntime-web)', () => {
  it('is read beside a model file, not from the working directory', async () => {
    const path = join(models, 'model.onnx');
    writeFileSync(path, good.bytes);
    writeFileSync(join(models, 'local.bin'), good.data);
    expect(await classes(path)).toEqual(await classes(good.inline));
    expect(await classes(join('..', 'models', 'model.onnx'))).toEqual(await classes(good.inline));
  });

  it('is fetched from the model URL’s directory, not the server root', async () => {
    expect(await classes(`${base}/m/model.onnx`)).toEqual(await classes(good.inline));
  });

  it('is refused when it leaves the folder or URL directory, also through URL decoding (%2e%2e)', async () => {
    const up = await rejection(MnistClassifier.load(`${base}/m/up.onnx`));
    expect(up).toBeInstanceOf(ModelLoadError);
    expect(up.message).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/m\/up\.onnx: tensor dnn\/hidden1\/kernel keeps its data in "\.\.\/secret\.bin", which leaves the model's folder/);
    const encoded = await rejection(MnistClassifier.load(`${base}/m/encoded.onnx`));
    expect(encoded.message).toBe(
      `${base}/m/encoded.onnx: tensor dnn/hidden1/kernel's external data: ${base}/secret.bin: outside the model's folder ${base}/m/ (from "%2e%2e/secret.bin"); external data must stay inside it`,
    );
    const path = join(models, 'up.onnx');
    writeFileSync(path, served['/m/up.onnx']);
    expect((await rejection(MnistClassifier.load(path))).message).toMatch(/up\.onnx: tensor dnn\/hidden1\/kernel keeps its data in "\.\.\/secret\.bin", which leaves/);
  });

  it('is refused for bytes and for a data: URL, which have no folder', async () => {
    const bytes = await rejection(MnistClassifier.load(good.bytes));
    expect(bytes.message).toMatch(/^model bytes: tensor dnn\/hidden1\/kernel keeps its data in the external file "local\.bin", which a model given as bytes cannot use;/);
    const dataUrl = `data:application/octet-stream;base64,${Buffer.from(good.bytes).toString('base64')}`;
    expect((await rejection(MnistClassifier.load(dataUrl))).message).toMatch(
      /^data:application\/octet-stream;base64,\.\.\.: tensor dnn\/hidden1\/kernel's external data: "local\.bin": cannot be resolved against the model's URL \(data: and blob: URLs have no folder\)$/,
    );
  });
});
