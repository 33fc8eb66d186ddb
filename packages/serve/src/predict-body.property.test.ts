// Property tests for the one reader of outside bytes here, the predict body: arbitrary JSON,
// near-miss image arrays and arbitrary or mutated image bytes never crash or hang the server; each
// gets 200 with a well-formed (and correct) answer or a 4xx with a JSON error.
import fc from 'fast-check';
import pngjs from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MnistClassifier } from '@mnist/infer-node';
import { createServer, type MnistServer } from './create-server.js';
import { randomOnnxModel } from '@mnist/export/testing';

const model = randomOnnxModel([32, 16]).bytes;
let server: MnistServer;
let direct: MnistClassifier;

beforeAll(async () => {
  server = await createServer({ model, maxBatch: 8, maxBodyBytes: 64 * 1024 });
  direct = await MnistClassifier.load(model, { intraOpNumThreads: 1 });
});
afterAll(async () => {
  await server.close();
  await direct.dispose();
});

const CONTENT_TYPES = ['application/json', 'image/png', 'image/jpeg', 'text/plain', 'application/octet-stream', 'application/json; charset=utf-8'];

/** Posts and checks the contract; returns the parsed 200 body, if any. */
async function postAndCheck(payload: string | Buffer, contentType: string): Promise<{ classes: number[]; probabilities: number[][] } | undefined> {
  const response = await Promise.race([
    server.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'content-type': contentType }, payload }),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('request hung for 5 s')), 5000)),
  ]);
  const body = response.json<Record<string, unknown>>();
  if (response.statusCode === 200) {
    const { classes, probabilities } = body as { classes: number[]; probabilities: number[][] };
    expect(Array.isArray(classes) && Array.isArray(probabilities)).toBe(true);
    expect(probabilities.length).toBe(classes.length);
    classes.forEach((c, i) => {
      expect(Number.isInteger(c) && c >= 0 && c < 10).toBe(true);
      expect(probabilities[i].length).toBe(10);
      expect(Math.abs(probabilities[i].reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-4);
    });
    return { classes, probabilities };
  }
  expect([400, 413, 415]).toContain(response.statusCode);
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body.error === 'string' && body.error.length > 0 && !body.error.includes('\n')).toBe(true);
  return undefined;
}

const pixel = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
  { weight: 1, arbitrary: fc.oneof(fc.double(), fc.string(), fc.constant(null), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 })) },
);
/** Arrays close to an image: mostly 784 values in [0, 1], sometimes a wrong length or a bad value. */
const nearImage = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 784, maxLength: 784 }) },
  { weight: 2, arbitrary: fc.array(pixel, { minLength: 784, maxLength: 784 }) },
  { weight: 1, arbitrary: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 780, maxLength: 788 }) },
  { weight: 1, arbitrary: fc.jsonValue() },
);

describe('POST /v1/predict under arbitrary input', () => {
  it('answers arbitrary JSON text and arbitrary bodies with 200 or a 4xx JSON error', async () => {
    const body = fc.oneof(fc.json(), fc.string(), fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)));
    await fc.assert(fc.asyncProperty(body, fc.constantFrom(...CONTENT_TYPES), async (payload, type) => {
      await postAndCheck(payload, type);
    }), { numRuns: 200, seed: 20261128 });
  });

  it('answers near-miss image arrays like infer-node, or with a 4xx naming the problem', async () => {
    const request = fc.record({ images: fc.array(nearImage, { maxLength: 10 }) });
    let answered = 0;
    await fc.assert(fc.asyncProperty(request, async (value) => {
      const text = JSON.stringify(value);
      const answer = await postAndCheck(text, 'application/json');
      const valid = Buffer.byteLength(text) <= 64 * 1024 && value.images.length <= 8 && value.images.every((image) => Array.isArray(image) && image.length === 784 && image.every((v) => typeof v === 'number' && v >= 0 && v <= 1));
      expect(answer !== undefined).toBe(valid);
      if (answer && value.images.length > 0) {
        answered++;
        const expected = await direct.predict(value.images as number[][]);
        expect(answer.classes).toEqual(Array.from(expected.classes));
        expect(answer.probabilities.flat()).toEqual(Array.from(expected.probabilities));
      }
    }), { numRuns: 100, seed: 7 });
    // The generator must reach the predicting path, not only the refusals.
    expect(answered).toBeGreaterThan(10);
  });

  it('answers arbitrary and mutated PNG and JPEG bytes with 200 or a 4xx JSON error', async () => {
    const png = new pngjs.PNG({ width: 12, height: 12 });
    png.data = Buffer.alloc(12 * 12 * 4, 255);
    for (let y = 2; y < 10; y++) png.data.fill(0, (y * 12 + 5) * 4, (y * 12 + 7) * 4);
    const validPng = pngjs.PNG.sync.write(png);
    const mutatedPng = fc.array(fc.tuple(fc.nat(validPng.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }).map((edits) => {
      const bytes = Buffer.from(validPng);
      for (const [at, value] of edits) bytes[at] = value;
      return bytes;
    });
    const withMagic = fc.tuple(fc.constantFrom([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [0xff, 0xd8, 0xff]), fc.uint8Array({ maxLength: 400 })).map(([magic, rest]) => Buffer.from([...magic, ...rest]));
    const truncated = fc.nat(validPng.length).map((n) => validPng.subarray(0, n));
    await fc.assert(fc.asyncProperty(fc.oneof(mutatedPng, withMagic, truncated), fc.constantFrom('image/png', 'image/jpeg'), async (payload, type) => {
      await postAndCheck(payload, type);
    }), { numRuns: 200, seed: 42 });
    // Still serving after all that.
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
