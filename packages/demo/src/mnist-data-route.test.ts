// The training page's data route: serveDemo's `data` folder at /data/mnist/, the four MNIST names raw or
// .gz and nothing else (no other file of the folder, no sub-folder, no escape), and its option errors.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMnist } from '@mnist/trainer/internal';
import { MNIST_DATA_FILES, mnistDataFile } from './mnist-data-route.js';
import { serveDemo, type DemoServer } from './serve-demo.js';

let dir: string;
let page: string;
let data: string;
let model: string;
let server: DemoServer;
let noData: DemoServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mnist-data-route-'));
  page = join(dir, 'page');
  data = join(dir, 'mnist');
  mkdirSync(page);
  mkdirSync(join(data, 'nested'), { recursive: true });
  writeFileSync(join(page, 'index.html'), '<!doctype html><title>demo</title>');
  writeFileSync(join(data, 'train-images-idx3-ubyte'), new Uint8Array([0, 0, 8, 3]));
  writeFileSync(join(data, 't10k-labels-idx1-ubyte.gz'), new Uint8Array([0x1f, 0x8b, 8, 0]));
  writeFileSync(join(data, 'notes.txt'), 'not a dataset file');
  writeFileSync(join(data, 'nested', 'train-labels-idx1-ubyte'), new Uint8Array([0, 0, 8, 1]));
  writeFileSync(join(dir, 'secret.txt'), 'outside');
  model = join(dir, 'model.onnx');
  writeFileSync(model, new Uint8Array([8, 8]));
  [server, noData] = await Promise.all([serveDemo({ model, dir: page, data }), serveDemo({ model, dir: page })]);
});
afterAll(async () => {
  await Promise.all([server?.close(), noData?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

// Raw requests: fetch would normalize the ../ escapes this test sends.
function get(url: string, path: string): Promise<{ status: number; type?: string; encoding?: string; body: Buffer }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('mnistDataFile', () => {
  it("names the four files of the trainer's built-in MNIST folder (what mnist demo serves), raw or gzipped", async () => {
    const mnist = await ensureMnist(undefined, { verifyExisting: false });
    expect(MNIST_DATA_FILES).toHaveLength(4);
    for (const name of MNIST_DATA_FILES) expect(existsSync(join(mnist, name)), name).toBe(true);
    for (const name of MNIST_DATA_FILES) {
      expect(mnistDataFile('/srv/mnist', `/data/mnist/${name}`)).toBe(join('/srv/mnist', name));
      expect(mnistDataFile('/srv/mnist', `/data/mnist/${name}.gz`)).toBe(join('/srv/mnist', `${name}.gz`));
    }
  });

  it('refuses every other path', () => {
    for (const path of ['/data/mnist/', '/data/mnist/notes.txt', '/data/mnist/nested/train-labels-idx1-ubyte', '/data/mnist/../secret.txt',
      '/data/mnist/train-images-idx3-ubyte/', '/data/mnist/train-images-idx3-ubyte.zip', '/data/mnistx/train-images-idx3-ubyte', '/model.onnx']) {
      expect(mnistDataFile('/srv/mnist', path), path).toBeUndefined();
    }
  });
});

describe("serveDemo's data folder", () => {
  it('serves the MNIST files there byte for byte, a .gz as it is stored (the page inflates it)', async () => {
    const raw = await get(server.url, '/data/mnist/train-images-idx3-ubyte');
    expect(raw.status).toBe(200);
    expect(raw.type).toBe('application/octet-stream');
    expect([...raw.body]).toEqual([0, 0, 8, 3]);
    const gz = await get(server.url, '/data/mnist/t10k-labels-idx1-ubyte.gz');
    expect(gz.status).toBe(200);
    expect(gz.type).toBe('application/gzip');
    expect(gz.encoding).toBeUndefined();
    expect([...gz.body]).toEqual([0x1f, 0x8b, 8, 0]);
  });

  it('answers 404 for a missing MNIST file, any other name, sub-folders and escapes, and without a data folder', async () => {
    for (const path of ['/data/mnist/t10k-images-idx3-ubyte', '/data/mnist/notes.txt', '/data/mnist/nested/train-labels-idx1-ubyte',
      '/data/mnist/../secret.txt', '/data/mnist/..%2Fsecret.txt', '/data/mnist/%2e%2e/%2e%2e/secret.txt', '/data/mnist/']) {
      expect((await get(server.url, path)).status, path).toBe(404);
    }
    expect((await get(noData.url, '/data/mnist/train-images-idx3-ubyte')).status).toBe(404);
  });

  it('gives the training page its own URL', () => {
    expect(server.trainUrl).toBe(new URL('train.html', server.url).href);
  });

  it('refuses a data folder that is missing or a file, in one line', async () => {
    await expect(serveDemo({ model, dir: page, data: join(dir, 'absent') })).rejects.toThrow(`${join(dir, 'absent')}: no such data folder (expected the MNIST IDX files in it)`);
    await expect(serveDemo({ model, dir: page, data: model })).rejects.toThrow(`${model}: is a file, expected a folder holding the MNIST IDX files`);
    await expect(serveDemo({ model, dir: page, data: '' })).rejects.toThrow('options.data must be the path of a folder holding the MNIST IDX files');
  });
});
