// The browser entry trains in Node as it would in a page (onnxruntime-web, checkpoints in memory, the
// dataset over HTTP) and gives the checkpoint the Node platform gives from the same folder, bit for bit.
import { MODEL_JSON_FILE, WEIGHTS_FILE } from '@mnist/core';
import { readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureBrowserTrainer, MemoryCheckpointStore, platform, setPlatform, train, type TrainOptions } from './browser.js';
import { nodePlatform } from './platform/node-platform.js';
import { scratchToyDataset } from './testing/toy-dataset.js';

let root: string;
let dataDir: string;
let server: Server;
let dataUrl: string;

beforeAll(async () => {
  ({ root, dataDir } = await scratchToyDataset('browser-entry-', 300, 60));
  server = createServer((req, res) => {
    readFile(join(dataDir, new URL(req.url!, 'http://x').pathname.split('/').at(-1)!)).then(
      (bytes) => res.writeHead(200, { 'content-length': bytes.length }).end(bytes),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  dataUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data/toy/`;
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
  await rm(root, { recursive: true, force: true });
});

describe('the browser entry', () => {
  it('registers the browser platform and trains on onnxruntime-web bit for bit as the Node platform does', async () => {
    expect(platform().name).toBe('browser');
    // Before any onnx engine: onnxruntime-web reads its thread count once per process, for both runs.
    const store = new MemoryCheckpointStore();
    const page = configureBrowserTrainer({ numThreads: 1, checkpoints: store });
    const settings: TrainOptions = { epochs: 1, batchSize: 20, learningRate: 0.1, hiddenUnits: [8], validationSize: 50, seed: 5, engine: 'onnx', backend: 'web' };

    setPlatform(nodePlatform);
    const nodeOut = join(root, 'node-run');
    const inNode = await train({ ...settings, dataDir, out: nodeOut });

    setPlatform(page);
    const lines: string[] = [];
    const inPage = await train({ ...settings, dataDir: dataUrl, out: 'page/run', onLog: (line) => lines.push(line) });
    expect(inPage.backend).toBe('onnxruntime-web');
    expect(lines.join('\n')).toContain('onnxruntime-web');
    expect(inPage.history).toEqual(inNode.history);
    expect(inPage.testAccuracy).toBe(inNode.testAccuracy);

    const files = store.files('page/run');
    expect(Buffer.compare(Buffer.from(files.weightsBin), await readFile(join(nodeOut, WEIGHTS_FILE)))).toBe(0);
    // model.json differs only in where the data came from: a URL (no folder) against a folder.
    const pageJson = JSON.parse(new TextDecoder().decode(files.modelJson));
    const nodeJson = JSON.parse(await readFile(join(nodeOut, MODEL_JSON_FILE), 'utf8'));
    expect(pageJson.training.dataset).toEqual({ name: 'toy', sha256: nodeJson.training.dataset.sha256 });
    delete pageJson.training.dataset;
    delete nodeJson.training.dataset;
    expect(pageJson).toEqual(nodeJson);

    // The page's run lock and resume work on its own store.
    await expect(train({ ...settings, dataDir: dataUrl, out: 'page/run' })).rejects.toThrow('page/run already holds a checkpoint');
    const resumed = await train({ ...settings, epochs: 2, resume: true, dataDir: dataUrl, out: 'page/run' });
    expect(resumed.history).toHaveLength(2);
    await expect(train({ ...settings, logdir: 'runs' })).rejects.toThrow(/^logdir: /);
  }, 60_000);
});
