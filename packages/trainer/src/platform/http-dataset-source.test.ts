import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultMnistDir, ensureMnist } from '../data/ensure-mnist.js';
import { readIdxDataset } from '../data/load-mnist.js';
import { datasetRecord } from '../data/dataset-identity.js';
import { builtInMnistRecord, MNIST_FILE_NAMES } from '../data/mnist-files.js';
import { writeToyDataset } from '../testing/toy-dataset.js';
import { HttpDatasetSource } from './http-dataset-source.js';

// A static server over `root` (/toy/, /gz/, /mnist/), plus /status/<code>/... answering that status.
let root: string;
let mnistDir: string;
let server: Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  mnistDir = await ensureMnist(defaultMnistDir(), { verifyExisting: false });
  root = await mkdtemp(join(tmpdir(), 'http-dataset-'));
  await mkdir(join(root, 'toy'));
  await writeToyDataset(join(root, 'toy'), 'train', 60, 1);
  await writeToyDataset(join(root, 'toy'), 't10k', 20, 2);
  await mkdir(join(root, 'gz'));
  for (const name of MNIST_FILE_NAMES) await writeFile(join(root, 'gz', `${name}.gz`), gzipSync(await readFile(join(root, 'toy', name))));
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    requests.push(path);
    const status = /^\/status\/(\d+)\//.exec(path);
    if (status) {
      res.writeHead(Number(status[1]), 'Teapot Trouble').end();
      return;
    }
    const file = path.startsWith('/mnist/') ? join(mnistDir, path.slice('/mnist/'.length)) : join(root, path);
    readFile(file).then(
      (bytes) => res.writeHead(200, { 'content-length': bytes.length }).end(bytes),
      () => res.writeHead(404).end('not found'),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((done) => server.close(done));
  await rm(root, { recursive: true, force: true });
});

describe('HttpDatasetSource', () => {
  it('reads raw and gzipped files as the disk reader reads the folder, and records their digests', async () => {
    const source = new HttpDatasetSource({ baseUrl: `${base}/mnist/` });
    const disk = await readIdxDataset(join(root, 'toy'), { nClasses: 3 });
    const raw = await source.read(`${base}/toy`, { nClasses: 3 });
    requests.length = 0;
    const gz = await source.read(`${base}/gz/`, { nClasses: 3 });
    expect(raw.train.images).toEqual(disk.train.images);
    expect(raw.test.labels).toEqual(disk.test.labels);
    expect(gz.train.images).toEqual(disk.train.images);
    expect(gz.test.labels).toEqual(disk.test.labels);
    // Raw first, `.gz` on its 404.
    expect(requests.filter((p) => p.includes('t10k-labels'))).toEqual(['/gz/t10k-labels-idx1-ubyte', '/gz/t10k-labels-idx1-ubyte.gz']);
    const { sha256 } = await datasetRecord(join(root, 'toy'));
    expect(await source.record(`${base}/gz/`)).toEqual({ name: 'gz', sha256 });
    // A prefix never read is fetched for its record.
    expect(await new HttpDatasetSource({ baseUrl: `${base}/mnist/` }).record(`${base}/toy/`)).toEqual({ name: 'toy', sha256 });
  });

  it("reads the built-in MNIST from baseUrl, checked against its digests, and records it as Node does", async () => {
    const source = new HttpDatasetSource({ baseUrl: `${base}/mnist` });
    const { train, test } = await source.read(undefined, {});
    expect([train.count, test.count, train.height, train.width]).toEqual([60000, 10000, 28, 28]);
    expect(await source.record(undefined)).toEqual(builtInMnistRecord());
    expect(await source.record(undefined)).toEqual(await datasetRecord(undefined));
  }, 30_000);

  it('refuses other files as the built-in MNIST, naming the URL and both digests', async () => {
    const source = new HttpDatasetSource({ baseUrl: `${base}/toy/` });
    await expect(source.read(undefined, {})).rejects.toThrow(
      new RegExp(`^${base}/toy/train-images-idx3-ubyte: SHA-256 mismatch: expected ba891046[0-9a-f]{56}, got [0-9a-f]{64} \\(corrupt or not the MNIST train-images-idx3-ubyte\\)$`),
    );
  });

  it('gives one line naming the URL and the status for a non-2xx answer, and for files that are nowhere', async () => {
    const source = new HttpDatasetSource({ baseUrl: `${base}/mnist/` });
    await expect(source.read(`${base}/status/500/`, {})).rejects.toThrow(`${base}/status/500/train-images-idx3-ubyte: HTTP 500 Teapot Trouble, expected 200 with the IDX file`);
    const missing = source.read(`${base}/nowhere/`, {});
    await expect(missing).rejects.toThrow(`${base}/nowhere/train-images-idx3-ubyte: not found (HTTP 404, and 404 for train-images-idx3-ubyte.gz too)`);
    await expect(missing).rejects.not.toThrow(/\n/);
  });

  it('refuses a truncated file as the disk reader does, and a fetch that fails, naming the URL', async () => {
    const truncated = async (url: string) => {
      const bytes = await readFile(join(root, 'toy', url.split('/').at(-1)!));
      return new Response(bytes.subarray(0, bytes.length - 5));
    };
    await expect(new HttpDatasetSource({ baseUrl: 'http://data.test/', fetch: truncated as unknown as typeof fetch }).read('http://data.test/x/', {})).rejects.toThrow(
      /^http:\/\/data\.test\/x\/train-images-idx3-ubyte: /,
    );
    const offline = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    await expect(new HttpDatasetSource({ baseUrl: 'http://data.test/', fetch: offline }).read(undefined, {})).rejects.toThrow(
      'http://data.test/train-images-idx3-ubyte: could not be fetched (fetch failed)',
    );
    expect(() => new HttpDatasetSource({ baseUrl: '' })).toThrow('HttpDatasetSource: baseUrl must be the URL prefix of the MNIST files, got ""');
    await expect(new HttpDatasetSource({ fetch: offline }).read(undefined, {})).rejects.toThrow('the built-in MNIST has no URL here: call configureBrowserTrainer({ datasetUrl })');
  });

  it("bounds what a built-in file's header may claim by MNIST's own size, with no Content-Length to go by", async () => {
    // A header declaring 60000 images of 100x100 (600 MB) on a chunked answer: refused before any allocation.
    const header = new Uint8Array([0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 100, 0, 0, 0, 100]);
    const chunked = (async () => new Response(new ReadableStream({ start: (c) => (c.enqueue(header), c.close()) }))) as typeof fetch;
    await expect(new HttpDatasetSource({ baseUrl: 'http://data.test/', fetch: chunked }).read(undefined, {})).rejects.toThrow(
      /^http:\/\/data\.test\/train-images-idx3-ubyte: .*more than the ceiling of 47040016 bytes/,
    );
  });
});
