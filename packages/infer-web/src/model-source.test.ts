// readModelSource within the size ceiling: a file's size and a response's Content-Length are checked
// before the body is read, a body without one is dropped as soon as it passes the ceiling, and
// directories and missing files are named.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '@mnist/core';
import { rejection } from '@mnist/export/testing';
import { readModelSource } from './model-source.js';

const dir = mkdtempSync(join(tmpdir(), 'infer-web-source-'));
let server: Server;
let base: string;

// /declared claims 300 MiB and sends a little; /chunked streams 1 MiB without a Content-Length.
function respond(url: string, response: ServerResponse): void {
  if (url === '/declared') {
    response.writeHead(200, { 'content-length': String(300 * 2 ** 20) });
    response.write(new Uint8Array(1024));
  } else if (url === '/chunked') {
    response.writeHead(200);
    for (let i = 0; i < 16; i++) response.write(new Uint8Array(64 * 1024));
    response.end();
  } else {
    response.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = createServer((request, response) => respond(request.url ?? '', response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('readModelSource', () => {
  it('refuses a 1.9 GB file (sparse) from its size, as a path and as a file URL', async () => {
    const path = join(dir, 'big.onnx');
    writeFileSync(path, '');
    truncateSync(path, 1992294400);
    const before = process.memoryUsage().rss;
    for (const source of [path, pathToFileURL(path).href]) {
      const error = await rejection(readModelSource(source));
      expect(error).toBeInstanceOf(ModelLoadError);
      expect(error.message).toBe(`${source}: the model file is 1.86 GiB (1992294400 bytes), over the 256 MiB a model may take`);
    }
    expect(process.memoryUsage().rss - before).toBeLessThan(128 * 2 ** 20);
  });

  it('refuses a response whose Content-Length is over the ceiling before reading its body', async () => {
    const error = await rejection(readModelSource(`${base}/declared`));
    expect(error.message).toBe(`${base}/declared: the model is 300 MiB (314572800 bytes), over the 256 MiB a model may take`);
  });

  it('stops reading a body without Content-Length once it passes the ceiling', async () => {
    const error = await rejection(readModelSource(`${base}/chunked`, 256 * 1024));
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toMatch(new RegExp(`^${base}/chunked: the model is over the 256 KiB a model may take \\(stopped reading at \\d+ bytes\\)$`));
    const stoppedAt = Number(/at (\d+) bytes/.exec(error.message)![1]);
    expect(stoppedAt).toBeGreaterThan(256 * 1024);
    expect((await readModelSource(`${base}/chunked`, 2 ** 20)).bytes.length).toBe(2 ** 20);
  });

  it('names a directory, a missing file and a bad ceiling', async () => {
    const folder = join(dir, 'models');
    mkdirSync(folder);
    await expect(readModelSource(folder)).rejects.toThrow(`${folder}: is a directory, expected an .onnx file`);
    await expect(readModelSource(join(dir, 'nope.onnx'))).rejects.toThrow(`${join(dir, 'nope.onnx')}: no such model file`);
    await expect(readModelSource(folder, 0)).rejects.toThrow(/^maxBytes must be an integer from 1 to 2147483647/);
  });
});
