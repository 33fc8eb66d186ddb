// The server end to end through fastify's inject and one real listen: the same answers as
// infer-node's predict, PNG and JPEG digits, every malformed request's status and JSON error.
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preprocessDigitImage } from '@mnist/core';
import { MnistClassifier } from '@mnist/infer-node';
import { createServer, type MnistServer } from './create-server.js';
import { startServer } from './start-server.js';
import { exportOnnx } from '@mnist/export';
import { randomCheckpoint, randomImageRows, randomOnnxModel } from '@mnist/export/testing';
import { claimedSizePng } from './png.fixture.js';

const model = randomOnnxModel([300, 100]).bytes;
const rows = randomImageRows(8, 3);
let server: MnistServer;
let direct: MnistClassifier;

beforeAll(async () => {
  server = await createServer({ model, maxBatch: 16, maxBodyBytes: 256 * 1024 });
  direct = await MnistClassifier.load(model, { intraOpNumThreads: 1 });
});
afterAll(async () => {
  await server.close();
  await direct.dispose();
});

function postJson(body: unknown, contentType = 'application/json') {
  return server.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'content-type': contentType }, payload: typeof body === 'string' ? body : JSON.stringify(body) });
}

function rowsOf(probabilities: Float32Array, n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(probabilities.subarray(i * 10, i * 10 + 10)));
}

/** A dark "7" on a light 60x60 background, as RGBA (a photo-like digit, not MNIST-shaped). */
function drawnSeven(): { data: Uint8Array; width: number; height: number } {
  const width = 60;
  const height = 60;
  const data = new Uint8Array(width * height * 4).fill(255);
  const ink = (x: number, y: number) => {
    for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) {
      const o = ((y + dy) * width + (x + dx)) * 4;
      data[o] = data[o + 1] = data[o + 2] = 20;
    }
  };
  for (let x = 15; x <= 45; x++) ink(x, 12);
  for (let t = 0; t <= 36; t++) ink(Math.round(45 - t * 0.5), 12 + t);
  return { data, width, height };
}

describe('POST /v1/predict', () => {
  it('answers JSON images exactly as infer-node predicts them', async () => {
    const response = await postJson({ images: rows });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.json<{ classes: number[]; probabilities: number[][] }>();
    const expected = await direct.predict(rows);
    expect(body.classes).toEqual(Array.from(expected.classes));
    expect(body.probabilities).toEqual(rowsOf(expected.probabilities, 8));
    expect(new Set(body.classes).size).toBeGreaterThan(1);
  });

  it('batches concurrent requests into fewer runtime calls with the same answers', async () => {
    const before = { ...server.batchStats };
    const responses = await Promise.all(rows.map((row) => postJson({ images: [row] })));
    const expected = await direct.predict(rows);
    responses.forEach((response, i) => {
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ classes: [expected.classes[i]], probabilities: rowsOf(expected.probabilities.subarray(i * 10, i * 10 + 10), 1) });
    });
    expect(server.batchStats.images - before.images).toBe(8);
    expect(server.batchStats.calls - before.calls).toBeLessThan(8);
  });

  it('answers an empty list with empty lists, and accepts a charset in the content type', async () => {
    const response = await postJson({ images: [] }, 'application/json; charset=utf-8');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ classes: [], probabilities: [] });
  });

  it('classifies a PNG and a JPEG digit after MNIST-style preprocessing', async () => {
    const seven = drawnSeven();
    const png = new pngjs.PNG({ width: seven.width, height: seven.height });
    png.data = Buffer.from(seven.data);
    const pngBytes = pngjs.PNG.sync.write(png);
    const expected = await direct.predict([preprocessDigitImage(seven, { output: 'float32' })]);
    const response = await server.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'content-type': 'image/png' }, payload: pngBytes });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ classes: [expected.classes[0]], probabilities: rowsOf(expected.probabilities, 1) });

    const jpegBytes = jpeg.encode({ data: Buffer.from(seven.data), width: seven.width, height: seven.height }, 95).data;
    const fromJpeg = await server.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'content-type': 'image/jpeg' }, payload: jpegBytes });
    expect(fromJpeg.statusCode).toBe(200);
    const decoded = jpeg.decode(jpegBytes, { useTArray: true, formatAsRGBA: true });
    const expectedJpeg = await direct.predict([preprocessDigitImage(decoded, { output: 'float32' })]);
    expect(fromJpeg.json().classes).toEqual([expectedJpeg.classes[0]]);
  });

  const image = () => new Array(784).fill(0.5);
  const withValue = (value: unknown) => `{"images": [[${[...new Array(783).fill('0'), value].join(',')}]]}`;
  const cases: Array<[string, string | Buffer, string, number, RegExp]> = [
    ['invalid JSON', '{"images": [[0, 1,', 'application/json', 400, /^body is not valid JSON/],
    ['an empty JSON body', '', 'application/json', 400, /^body is not valid JSON/],
    ['a body that is not an object', '[1, 2, 3]', 'application/json', 400, /^body must be a JSON object .* got an array of 3$/],
    ['no images field', '{"image": []}', 'application/json', 400, /^body has no "images" field/],
    ['images not an array', '{"images": "abc"}', 'application/json', 400, /^images must be an array of images, got a string "abc"$/],
    ['an image that is not an array', '{"images": [5]}', 'application/json', 400, /^images\[0\] must be an array of 784 numbers in \[0, 1\], got number 5$/],
    ['an image of 783 values', JSON.stringify({ images: [image(), image().slice(1)] }), 'application/json', 400, /^images\[1\] has 783 values, expected 784 \(28x28 pixels\)$/],
    ['a string pixel', withValue('"0.5"'), 'application/json', 400, /^images\[0\]\[783\] is not a number, got a string "0.5"$/],
    ['a null pixel', withValue('null'), 'application/json', 400, /^images\[0\]\[783\] is not a number, got null$/],
    ['a pixel above 1', withValue('1.5'), 'application/json', 400, /^images\[0\]\[783\] = 1.5 is outside \[0, 1\]$/],
    ['a negative pixel', withValue('-0.25'), 'application/json', 400, /^images\[0\]\[783\] = -0.25 is outside \[0, 1\]$/],
    ['a pixel that overflows to Infinity', withValue('1e999'), 'application/json', 400, /^images\[0\]\[783\] is not a finite number \(Infinity\)$/],
    ['more images than maxBatch', JSON.stringify({ images: Array.from({ length: 17 }, () => new Array(784).fill(0)) }), 'application/json', 413, /^images has 17 images, more than the limit of 16 per request$/],
    ['a body over maxBodyBytes', `{"images": [${'0,'.repeat(140 * 1024)}0]}`, 'application/json', 413, /^body is larger than the limit of 262144 bytes$/],
    ['a text body', 'hello', 'text/plain', 415, /^unsupported content type; send application\/json, image\/png or image\/jpeg$/],
    ['bytes that are not an image', Buffer.from('not a png at all'), 'image/png', 400, /^body is not a PNG or JPEG image/],
    ['a truncated PNG', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), 'image/png', 400, /^cannot decode the PNG image/],
    ['a truncated JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]), 'image/jpeg', 400, /^cannot decode the JPEG image/],
  ];
  it.each(cases)('refuses %s with its status and a JSON error', async (_name, payload, contentType, status, message) => {
    const response = await server.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'content-type': contentType }, payload });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.json<{ error: string }>();
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error).toMatch(message);
  });

  it('refuses a blank image (no ink) and a huge PNG before decoding it', async () => {
    const blank = new pngjs.PNG({ width: 8, height: 8 });
    blank.data = Buffer.alloc(8 * 8 * 4, 255);
    const response = await server.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'content-type': 'image/png' }, payload: pngjs.PNG.sync.write(blank) });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatch(/^cannot preprocess the image: /);
    const huge = await server.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'content-type': 'image/png' }, payload: claimedSizePng(65536, 65536) });
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toEqual({ error: expect.stringMatching(/^the PNG image is 65536x65536 pixels, more than the limit of \d+ pixels$/) });
  });

  it('refuses a body without a content type and an unknown route as JSON', async () => {
    const untyped = await server.app.inject({ method: 'POST', url: '/v1/predict', payload: '{"images": []}', headers: { 'content-type': '' } });
    expect(untyped.statusCode).toBeGreaterThanOrEqual(400);
    expect(untyped.statusCode).toBeLessThan(500);
    expect(typeof untyped.json().error).toBe('string');
    const missing = await server.app.inject({ method: 'GET', url: '/v2/nothing' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatch(/^no route GET \/v2\/nothing/);
  });
});

describe('GET /v1/model and /healthz', () => {
  it('describes the model and the limits', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/v1/model' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(body.preprocessing.pixelScale).toBeCloseTo(1 / 255, 12);
    expect(body.testAccuracy).toBe(0.5);
    expect(body.opset).toBe(17);
    expect(body.irVersion).toBe(8);
    expect(body.producer.name).toBe('mnist-onnx-sdk');
    expect(body.modelSpec.hiddenUnits).toEqual([300, 100]);
    expect(body.sourceCheckpoint).toBe('random-fixture');
    expect(body.limits).toEqual({ maxBatch: 16, maxBodyBytes: 256 * 1024 });
    expect(body.signature).toMatchObject({
      contract: 'sdk',
      input: { name: 'X', layout: 'flat', shape: ['batch', 784] },
      output: { name: 'probabilities', kind: 'probabilities', detectedBy: 'contract', classes: 10 },
      preprocessing: { from: 'metadata' },
      labelsFrom: 'metadata',
    });
  });
  it('names the source checkpoint without the folders above it, and shows no machine path', async () => {
    for (const [source, name] of [
      ['/home/ana/runs/checkpoints/dnn', 'dnn'],
      ['/home/ana/runs/checkpoints/dnn/', 'dnn'],
      ['C:\\Users\\ana\\checkpoints\\dnn', 'dnn'],
      ['checkpoints/dnn', 'dnn'],
      ['dnn', 'dnn'],
    ]) {
      const exported = await createServer({ model: exportOnnx(randomCheckpoint([8], 3), { source, testAccuracy: 0.25 }) });
      try {
        const response = await exported.app.inject({ method: 'GET', url: '/v1/model' });
        expect(response.json().sourceCheckpoint).toBe(name);
        expect(response.body).not.toMatch(/home|Users|ana|checkpoints/);
      } finally {
        await exported.close();
      }
    }
  });
  it('says it is healthy', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });
});

describe('startServer', () => {
  it('listens on 127.0.0.1, and on close finishes the requests in flight before refusing new ones', async () => {
    // A long batch window keeps the requests in the server while close() is called.
    const running = await startServer({ model, port: 0, handleSignals: false, batchWindowMs: 300 });
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${running.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const inFlight = rows.slice(0, 4).map((row) =>
      fetch(`${running.url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ images: [row] }) }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = running.close();
    const responses = await Promise.all(inFlight);
    const expected = await direct.predict(rows.slice(0, 4));
    for (const [i, response] of responses.entries()) {
      expect(response.status).toBe(200);
      expect(((await response.json()) as { classes: number[] }).classes).toEqual([expected.classes[i]]);
    }
    await closed;
    expect(running.classifier.disposed).toBe(true);
    await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
  });

  it('closes gracefully on SIGTERM and removes its signal handlers', async () => {
    const before = process.listenerCount('SIGTERM');
    const beforeInt = process.listenerCount('SIGINT');
    const running = await startServer({ model, port: 0, batchWindowMs: 300 });
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    expect(process.listenerCount('SIGINT')).toBe(beforeInt + 1);
    const inFlight = fetch(`${running.url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ images: [rows[0]] }) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Emitting the event runs the handler without delivering a real signal to the test process.
    process.emit('SIGTERM', 'SIGTERM');
    expect(running.classifier.disposed).toBe(false);
    expect((await inFlight).status).toBe(200);
    await running.close();
    expect(running.classifier.disposed).toBe(true);
    expect(process.listenerCount('SIGTERM')).toBe(before);
    expect(process.listenerCount('SIGINT')).toBe(beforeInt);
  });

  it('refuses a bad port and names an address it cannot listen on', async () => {
    await expect(startServer({ model, port: 70000, handleSignals: false })).rejects.toThrow(RangeError);
    const first = await startServer({ model, port: 0, handleSignals: false });
    const port = Number(new URL(first.url).port);
    await expect(startServer({ model, port, handleSignals: false })).rejects.toThrow(`cannot listen on 127.0.0.1:${port}`);
    await first.close();
  });
});
