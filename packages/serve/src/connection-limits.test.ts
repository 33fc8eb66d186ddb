// The connection limits on real loopback sockets: stalled headers and bodies get 408, idle keep-alive
// connections are closed, connections over the cap are refused, and every error raised before a
// route (the HTTP parser's, fastify's) has the same {"error": "..."} body as the routes' errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomOnnxModel } from '@mnist/export/testing';
import { connectionLimits, timeoutCheckInterval } from './connection-limits.js';
import { connect, until, type RawResponse } from './raw-http.fixture.js';
import { startServer, type RunningServer } from './start-server.js';

const model = randomOnnxModel([16, 8]).bytes;
const image = JSON.stringify({ images: [new Array(784).fill(0)] });
const post = (length: number, body: string, type = 'application/json') =>
  `POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\n\r\n${body}`;

function expectJsonError(response: RawResponse, status: number, message: RegExp): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(response.body) as Record<string, unknown>;
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatch(message);
}

describe('timeouts', () => {
  let server: RunningServer;
  let port: number;
  beforeAll(async () => {
    // Short limits set by option keep these tests fast; the defaults are checked below.
    server = await startServer({ model, port: 0, handleSignals: false, requestTimeoutMs: 400, headersTimeoutMs: 200, keepAliveTimeoutMs: 50 });
    port = Number(new URL(server.url).port);
  });
  afterAll(() => server.close());

  it('answers a body that stops half way with 408 and closes the connection', async () => {
    const stalled = await connect(port, post(image.length, image.slice(0, 100)));
    expectJsonError(await stalled.response(), 408, /^the request did not arrive in time \(headers within 0.2 s, the whole request within 0.4 s\)$/);
    expect(await stalled.closed()).toBe('end');
  });

  it('answers headers that stop half way, and a connection that sends nothing, with 408', async () => {
    const halfHeaders = await connect(port, 'POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Ty');
    const silent = await connect(port);
    for (const connection of [halfHeaders, silent]) {
      expectJsonError(await connection.response(), 408, /^the request did not arrive in time/);
      expect(await connection.closed()).toBe('end');
    }
  });

  it('closes a keep-alive connection left idle after its answer', async () => {
    const idle = await connect(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const response = await idle.response();
    expect(response.status).toBe(200);
    expect(response.headers.connection).toBe('keep-alive');
    expect(await idle.closed()).toBe('end');
    expect(idle.received().split('HTTP/1.1').length - 1).toBe(1);
  });

  it('keeps serving a client that sends its request in time, in pieces', async () => {
    const slow = await connect(port, post(image.length, image.slice(0, 100)));
    slow.socket.write(image.slice(100));
    expect((await slow.response()).status).toBe(200);
    slow.socket.destroy();
  });
});

describe('connection cap', () => {
  it('closes connections beyond maxConnections as they are accepted, and accepts again when one ends', async () => {
    const server = await startServer({ model, port: 0, handleSignals: false, maxConnections: 2 });
    const port = Number(new URL(server.url).port);
    const openConnections = () => new Promise<number>((resolve, reject) => server.app.server.getConnections((error, n) => (error ? reject(error) : resolve(n))));
    try {
      const held = [await connect(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'), await connect(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')];
      for (const connection of held) expect((await connection.response()).status).toBe(200);
      const refused = await connect(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(['end', 'ECONNRESET']).toContain(await refused.closed());
      expect(refused.received()).toBe('');
      held[0].socket.destroy();
      let n = 2;
      await until(() => (void openConnections().then((count) => (n = count)), n < 2), 'the server to see a connection end');
      const again = await connect(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect((await again.response()).status).toBe(200);
      held[1].socket.destroy();
    } finally {
      await server.close();
    }
  });
});

describe('errors before the route', () => {
  let server: RunningServer;
  let port: number;
  beforeAll(async () => {
    server = await startServer({ model, port: 0, handleSignals: false, maxBodyBytes: 64 * 1024 });
    port = Number(new URL(server.url).port);
  });
  afterAll(() => server.close());

  const cases: Array<[string, string, number, RegExp]> = [
    ['a bad percent-encoding in the URL', 'GET /v1/%zz HTTP/1.1\r\nHost: x\r\n\r\n', 400, /^the URL "\/v1\/%zz" is not valid \(bad percent-encoding\)$/],
    ['headers over the size limit', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(32 * 1024)}\r\n\r\n`, 431, /^request headers are larger than the limit of \d+ bytes$/],
    ['a malformed Content-Length', 'POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400, /^malformed HTTP request \(.+\)$/],
    ['an unknown route', 'GET /v2/nothing HTTP/1.1\r\nHost: x\r\n\r\n', 404, /^no route GET \/v2\/nothing; try POST \/v1\/predict/],
    ['a declared body over maxBodyBytes', post(1024 * 1024, ''), 413, /^body is larger than the limit of 65536 bytes$/],
    ['an unsupported media type', post(5, 'hello', 'text/plain'), 415, /^unsupported content type; send application\/json, image\/png or image\/jpeg$/],
    ['a body that is not JSON', post(6, '{"imag'), 400, /^body is not valid JSON/],
  ];
  it.each(cases)('answers %s with its status and {"error": "..."}', async (_name, request, status, message) => {
    const connection = await connect(port, request);
    expectJsonError(await connection.response(), status, message);
    connection.socket.destroy();
  });
});

describe('connectionLimits', () => {
  it('has documented defaults, keeps the headers timeout within the request timeout, and names a bad option', () => {
    expect(connectionLimits({})).toEqual({ requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000, maxConnections: 128, shutdownTimeoutMs: 5_000 });
    expect(connectionLimits({ requestTimeoutMs: 2000 }).headersTimeoutMs).toBe(2000);
    expect(connectionLimits({ requestTimeoutMs: 0 }).headersTimeoutMs).toBe(10_000);
    expect(() => connectionLimits({ requestTimeoutMs: -1 })).toThrow(/^options.requestTimeoutMs must be a whole number of milliseconds/);
    expect(() => connectionLimits({ keepAliveTimeoutMs: 0 })).toThrow(/^options.keepAliveTimeoutMs must be/);
    expect(() => connectionLimits({ maxConnections: 0 })).toThrow(/^options.maxConnections must be a positive integer, got 0$/);
    expect(timeoutCheckInterval(connectionLimits({}))).toBe(1000);
    expect(timeoutCheckInterval({ requestTimeoutMs: 400, headersTimeoutMs: 200 })).toBe(50);
  });
});
