// serveDemo over real HTTP: MIME types, isolation headers on and off, the model route, 404s, path
// escapes, methods, and argument and file errors. Uses a tiny page directory, not a Vite build.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDemo, type DemoServer } from './serve-demo.js';

let dir: string;
let page: string;
let model: string;
let isolated: DemoServer;
let plain: DemoServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'serve-demo-'));
  page = join(dir, 'page');
  mkdirSync(join(page, 'ort'), { recursive: true });
  mkdirSync(join(page, 'assets'));
  writeFileSync(join(page, 'index.html'), '<!doctype html><title>demo</title>');
  writeFileSync(join(page, 'assets', 'index-abc.js'), 'export {};');
  writeFileSync(join(page, 'ort', 'ort-wasm-simd-threaded.wasm'), new Uint8Array([0, 97, 115, 109]));
  writeFileSync(join(page, 'ort', 'ort-wasm-simd-threaded.mjs'), 'export default 1;');
  writeFileSync(join(dir, 'secret.txt'), 'outside the page');
  model = join(dir, 'trained.onnx');
  writeFileSync(model, new Uint8Array([8, 8, 18, 3]));
  [isolated, plain] = await Promise.all([serveDemo({ model, dir: page }), serveDemo({ model, dir: page, isolation: false })]);
});
afterAll(async () => {
  await Promise.all([isolated?.close(), plain?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

// Raw requests: fetch would normalize the ../ escapes this test needs to send.
function get(url: string, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveDemo', () => {
  it("puts a foreign model's options in the page URL's query, which the page reads them from", async () => {
    const options = { normalization: { mean: 0.1307, std: 0.3081 }, input: 'input', outputKind: 'logits' as const, labels: ['a', 'b'] };
    const server = await serveDemo({ model, dir: page, modelOptions: options });
    try {
      const url = new URL(server.url);
      expect(url.pathname).toBe('/');
      expect(Object.fromEntries(url.searchParams)).toEqual({ normalize: '0.1307,0.3081', input: 'input', outputKind: 'logits', labels: 'a,b' });
    } finally {
      await server.close();
    }
    expect(isolated.url).toMatch(/\/$/);
  });

  it('listens on 127.0.0.1 at a free port by default', () => {
    expect(isolated.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(isolated.url).not.toBe(plain.url);
  });

  it('serves the page, its assets and the ort runtime with the right content types', async () => {
    const cases: Array<[string, string, string]> = [
      ['/', 'text/html; charset=utf-8', '<!doctype html><title>demo</title>'],
      ['/index.html', 'text/html; charset=utf-8', '<!doctype html><title>demo</title>'],
      ['/assets/index-abc.js', 'text/javascript; charset=utf-8', 'export {};'],
      ['/ort/ort-wasm-simd-threaded.mjs', 'text/javascript; charset=utf-8', 'export default 1;'],
      ['/ort/ort-wasm-simd-threaded.wasm', 'application/wasm', '\0asm'],
    ];
    for (const [path, type, body] of cases) {
      const response = await get(isolated.url, path);
      expect(response.status, path).toBe(200);
      expect(response.headers['content-type'], path).toBe(type);
      expect(response.body.toString('latin1'), path).toBe(body);
    }
  });

  it('serves the given model file at /model.onnx, uncached', async () => {
    const response = await get(isolated.url, '/model.onnx?v=1');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/octet-stream');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect([...response.body]).toEqual([8, 8, 18, 3]);
  });

  it('revalidates with an ETag: 304 while the file is unchanged, 200 once it changes', async () => {
    const first = await get(isolated.url, '/model.onnx');
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    const again = await get(isolated.url, '/model.onnx', 'GET', { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers['cross-origin-embedder-policy']).toBe('require-corp');
    writeFileSync(model, new Uint8Array([8, 8, 18, 3, 0]));
    const changed = await get(isolated.url, '/model.onnx', 'GET', { 'If-None-Match': etag });
    expect(changed.status).toBe(200);
    expect(changed.body.length).toBe(5);
    writeFileSync(model, new Uint8Array([8, 8, 18, 3]));
  });

  it('sends COOP/COEP when isolation is on, and not when it is off', async () => {
    const on = await get(isolated.url, '/');
    expect(on.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(on.headers['cross-origin-embedder-policy']).toBe('require-corp');
    const wasm = await get(isolated.url, '/ort/ort-wasm-simd-threaded.wasm');
    expect(wasm.headers['cross-origin-embedder-policy']).toBe('require-corp');
    const off = await get(plain.url, '/');
    expect(off.headers['cross-origin-opener-policy']).toBeUndefined();
    expect(off.headers['cross-origin-embedder-policy']).toBeUndefined();
  });

  it('answers 404 for missing files and for paths that leave the page directory', async () => {
    expect((await get(isolated.url, '/absent.onnx')).status).toBe(404);
    expect((await get(isolated.url, '/ort/')).status).toBe(404);
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
      const response = await get(isolated.url, path);
      expect(response.status, path).toBe(404);
      expect(response.body.toString(), path).not.toContain('outside the page');
    }
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get(isolated.url, '/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('34');
    expect(head.body.length).toBe(0);
    const post = await get(isolated.url, '/', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('refuses bad arguments, a missing model, a model directory, a page without index.html and a busy port', async () => {
    await expect(serveDemo({ model: '' })).rejects.toThrow(TypeError);
    await expect(serveDemo({ model, port: 70000, dir: page })).rejects.toThrow(/options\.port must be an integer from 0 to 65535, got 70000/);
    await expect(serveDemo({ model, dir: page, isolation: 'yes' as unknown as boolean })).rejects.toThrow(/options\.isolation/);
    await expect(serveDemo({ model: join(dir, 'nope.onnx'), dir: page })).rejects.toThrow(`${join(dir, 'nope.onnx')}: no such model file`);
    await expect(serveDemo({ model: dir, dir: page })).rejects.toThrow(`${dir}: is a directory, expected an .onnx file`);
    await expect(serveDemo({ model, dir })).rejects.toThrow(`${dir}: expected a built demo page (index.html), found none`);
    const port = Number(new URL(isolated.url).port);
    await expect(serveDemo({ model, dir: page, port })).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
  });
});
