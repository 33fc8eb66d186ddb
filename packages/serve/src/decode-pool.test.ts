// Image decoding off the event loop: while the decode workers are busy with 16-megapixel PNGs the
// server still answers /healthz and JSON predictions, a full queue gets 503, and close stops the workers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_IMAGE_PIXELS } from '@mnist/infer-node';
import { randomOnnxModel } from '@mnist/export/testing';
import { createServer, type MnistServer } from './create-server.js';
import { compiledExecArgv, DecodePool } from './decode-pool.js';
import { barPng } from './png.fixture.js';
import { until } from './raw-http.fixture.js';

const model = randomOnnxModel([16, 8]).bytes;
// The largest picture the decoder accepts: each takes a worker a good part of a second.
const side = Math.floor(Math.sqrt(MAX_IMAGE_PIXELS));
const big = barPng(side, side);
const small = barPng(40, 40);

const postPng = (server: MnistServer, png: Buffer) => server.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'content-type': 'image/png' }, payload: png });

describe('decoding on worker threads', () => {
  let server: MnistServer;
  beforeAll(async () => {
    server = await createServer({ model, decodeWorkers: 1, decodeQueue: 1 });
  });
  afterAll(() => server.close());

  it('answers /healthz and a JSON prediction while the big PNGs are still being decoded', async () => {
    expect((await postPng(server, small)).statusCode).toBe(200);
    expect(server.decodeStats.workers).toBe(1);
    const before = server.decodeStats.decoded;
    const decodes = [postPng(server, big), postPng(server, big)];
    await until(() => server.decodeStats.decoding === 1 && server.decodeStats.queued === 1, 'both PNGs to reach the pool');

    const health = await server.app.inject({ method: 'GET', url: '/healthz' });
    const json = await server.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'content-type': 'application/json' }, payload: { images: [new Array(784).fill(0)] } });
    // Both answered while no PNG had finished: on the event loop, the first decode would have had to end first.
    expect(server.decodeStats.decoded).toBe(before);
    expect(health.statusCode).toBe(200);
    expect(json.statusCode).toBe(200);

    const responses = await Promise.all(decodes);
    expect(server.decodeStats.decoded).toBe(before + 2);
    for (const response of responses) {
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual(responses[0].json());
    }
    expect(responses[0].json().classes).toHaveLength(1);
  });

  it('refuses an image with 503 and Retry-After when the workers are busy and the queue is full', async () => {
    const refusedBefore = server.decodeStats.refused;
    const accepted = [postPng(server, big), postPng(server, big)];
    await until(() => server.decodeStats.queued === 1, 'the queue to fill');
    const refused = await postPng(server, small);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toEqual({ error: 'busy decoding images (1 decoding, 1 waiting); retry shortly' });
    expect(server.decodeStats.refused).toBe(refusedBefore + 1);
    for (const response of await Promise.all(accepted)) expect(response.statusCode).toBe(200);
  });
});

describe('DecodePool', () => {
  it('starts workers on first use, answers client errors from them, and stops them on close', async () => {
    const pool = new DecodePool({ workers: 2 });
    expect(pool.stats.workers).toBe(0);
    await expect(pool.decode(Buffer.from('not an image'))).rejects.toMatchObject({ statusCode: 400, message: expect.stringMatching(/^body is not a PNG or JPEG image/) });
    expect((await pool.decode(small)).length).toBe(784);
    expect(pool.stats).toMatchObject({ workers: 1, decoding: 0, queued: 0, decoded: 2 });
    const cut = expect(pool.decode(big)).rejects.toMatchObject({ statusCode: 503, message: 'the server shut down before the image was decoded' });
    await pool.close();
    await cut;
    expect(pool.stats.workers).toBe(0);
    await expect(pool.decode(small)).rejects.toMatchObject({ statusCode: 503, message: expect.stringMatching(/shutting down/) });
  });

  it('refuses bad sizes by option name', () => {
    expect(() => new DecodePool({ workers: 0 })).toThrow(/^decodeWorkers must be an integer in \[1, 64\], got 0$/);
    expect(() => new DecodePool({ maxQueue: -1 })).toThrow(/^decodeQueue must be a non-negative integer, got -1$/);
  });

  it('starts its workers without the TypeScript-source condition the tests run with', () => {
    expect(compiledExecArgv(['--conditions', '@mnist/source', '--conditions=@mnist/source', '-C', '@mnist/source', '--conditions', 'node', '--max-old-space-size=512'])).toEqual(['--conditions', 'node', '--max-old-space-size=512']);
  });
});
