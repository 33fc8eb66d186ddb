// Training in Chromium is training in Node: a module worker of a Vite-built page trains with
// '@mnist/trainer' (onnxruntime-web's wasm, one thread) on a slice of MNIST served over HTTP; the same
// run through the browser entry in Node on onnxruntime-web gives the same weights.bin bit for bit, the
// Node entry on onnxruntime-node (one session) the same per-step losses within 1e-5, and the page's
// checkpoint, written to a folder, loads and scores in Node at the accuracy the page reported.
import { encodeIdx, MODEL_JSON_FILE, WEIGHTS_FILE } from '@mnist/core';
import { evaluateCheckpoint, loadCheckpoint, nodePlatform, readDataset, train as trainInNode, type TrainOptions } from '@mnist/trainer';
import { configureBrowserTrainer, MemoryCheckpointStore, setPlatform, train as trainThroughBrowserEntry } from '@mnist/trainer/browser';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import demoConfig from '../vite.config.ts';
import { chromiumSkipReason, launchChromium } from './chromium.fixture.js';
import { DEMO_PACKAGE_DIR } from './package-paths.js';

const skipReason = chromiumSkipReason('the Chromium training parity test');
const require = createRequire(import.meta.url);

// 200 validation + 1500 training images (30 steps of 50), 1000 test images: seconds, not minutes.
const TRAIN_IMAGES = 1700;
const TEST_IMAGES = 1000;
const SETTINGS = { epochs: 1, batchSize: 50, learningRate: 0.01, hiddenUnits: [300, 100], validationSize: 200, seed: 7, engine: 'onnx' } as const satisfies TrainOptions;

// The worker trains as a page would, one wasm thread, and hands back the checkpoint's two files and each step's loss.
const WORKER = `import { configureBrowserTrainer, MemoryCheckpointStore, train } from '@mnist/trainer';
self.onmessage = async (event) => {
  try {
    const checkpoints = new MemoryCheckpointStore();
    configureBrowserTrainer({ ortWasmPaths: event.data.wasmPaths, numThreads: 1, checkpoints });
    const losses = [];
    const result = await train({ ...event.data.settings, backend: 'web', dataDir: event.data.dataUrl, out: 'page/run', callbacks: { onBatchEnd: (log) => { losses.push(log.loss); } } });
    const files = checkpoints.files('page/run');
    self.postMessage({ backend: result.backend, testAccuracy: result.testAccuracy, losses, modelJson: files.modelJson, weightsBin: files.weightsBin });
  } catch (error) {
    self.postMessage({ error: String(error && error.stack || error) });
  }
};
`;
const MAIN = `window.trainInWorker = (message) => new Promise((resolve) => {
  const worker = new Worker(new URL('./train-worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (event) => { resolve(event.data); worker.terminate(); };
  worker.onerror = (event) => resolve({ error: event.message });
  worker.postMessage(message);
});
document.body.dataset.ready = 'yes';
`;

interface PageRun {
  error?: string;
  backend: string;
  testAccuracy: number;
  losses: number[];
  modelJson: Uint8Array;
  weightsBin: Uint8Array;
}

describe.skipIf(skipReason !== undefined)('training in Chromium against Node', () => {
  let root: string;
  let sliceDir: string;
  let server: Server;
  let url: string;
  let browser: Browser;
  let page: PageRun;

  beforeAll(async () => {
    mkdirSync(join(DEMO_PACKAGE_DIR, 'dist'), { recursive: true });
    root = mkdtempSync(join(DEMO_PACKAGE_DIR, 'dist', '.train-parity-'));
    // The slice: the first images of the built-in MNIST, as IDX files under the MNIST names.
    sliceDir = join(root, 'slice');
    mkdirSync(sliceDir);
    const mnist = await readDataset();
    const write = (prefix: string, set: typeof mnist.train, count: number) => {
      const { height, width } = set;
      writeFileSync(join(sliceDir, `${prefix}-images-idx3-ubyte`), encodeIdx({ dtype: 'uint8', shape: [count, height, width], data: set.images.subarray(0, count * height * width) }));
      writeFileSync(join(sliceDir, `${prefix}-labels-idx1-ubyte`), encodeIdx({ dtype: 'uint8', shape: [count], data: set.labels.subarray(0, count) }));
    };
    write('train', mnist.train, TRAIN_IMAGES);
    write('t10k', mnist.test, TEST_IMAGES);

    writeFileSync(join(root, 'index.html'), '<!doctype html><html><body><script type="module" src="./main.ts"></script></body></html>\n');
    writeFileSync(join(root, 'main.ts'), MAIN);
    writeFileSync(join(root, 'train-worker.ts'), WORKER);
    const launching = launchChromium();
    const { build } = await import('vite');
    const outDir = join(root, 'out');
    await build({
      configFile: false,
      root,
      base: './',
      logLevel: 'error',
      resolve: demoConfig.resolve,
      worker: { format: 'es' },
      build: { outDir, emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
    });
    // The page, onnxruntime-web's two runtime files under ort/ (as the demo copies them) and the slice under data/slice/.
    const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
    const fileOf = (pathname: string): string => {
      if (pathname === '/') return join(outDir, 'index.html');
      if (pathname.startsWith('/ort/')) return require.resolve(`onnxruntime-web/${pathname.slice('/ort/'.length)}`);
      if (pathname.startsWith('/data/slice/')) return join(sliceDir, pathname.slice('/data/slice/'.length));
      return join(outDir, pathname);
    };
    server = createServer((req, res) => {
      const pathname = new URL(req.url!, 'http://x').pathname;
      try {
        const file = fileOf(pathname);
        const bytes = readFileSync(file);
        res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'content-length': bytes.length }).end(bytes);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await launching;
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (error) => errors.push(error.message));
    await tab.goto(url);
    await tab.waitForSelector('body[data-ready="yes"]', { state: 'attached' });
    const run = await tab.evaluate(
      (message) => (window as unknown as { trainInWorker: (m: unknown) => Promise<unknown> }).trainInWorker(message),
      { settings: SETTINGS, dataUrl: `${url}data/slice/`, wasmPaths: `${url}ort/` },
    );
    expect(errors).toEqual([]);
    page = run as PageRun;
    expect(page.error).toBeUndefined();
    page = { ...page, modelJson: Uint8Array.from(Object.values(page.modelJson)), weightsBin: Uint8Array.from(Object.values(page.weightsBin)) };
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((done) => server?.close(done));
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('trains in the page on onnxruntime-web and reports each step and the test accuracy', () => {
    expect(page.backend).toBe('onnxruntime-web');
    expect(page.losses).toHaveLength((TRAIN_IMAGES - SETTINGS.validationSize) / SETTINGS.batchSize);
    // 30 steps of SGD at 0.01 learn something (0.356 here), well above chance (0.1).
    expect(page.testAccuracy).toBeGreaterThan(0.25);
  });

  it("gives Node's onnxruntime-web weights.bin bit for bit, and onnxruntime-node's per-step losses within 1e-5", async () => {
    const store = new MemoryCheckpointStore();
    // One wasm thread, as in the page (onnxruntime-web reads it once per process).
    const web = configureBrowserTrainer({ numThreads: 1, checkpoints: store });
    setPlatform(web);
    const webLosses: number[] = [];
    const onWeb = await trainThroughBrowserEntry({ ...SETTINGS, backend: 'web', dataDir: `${url}data/slice/`, out: 'node/web', callbacks: { onBatchEnd: (log) => void webLosses.push(log.loss) } });
    expect(onWeb.backend).toBe('onnxruntime-web');
    const webFiles = store.files('node/web');
    expect(Buffer.compare(Buffer.from(page.weightsBin), Buffer.from(webFiles.weightsBin))).toBe(0);
    expect(new TextDecoder().decode(page.modelJson)).toBe(new TextDecoder().decode(webFiles.modelJson));
    expect(webLosses).toEqual(page.losses);
    expect(onWeb.testAccuracy).toBe(page.testAccuracy);

    // onnxruntime-node, one session (cores 1: no lockstep runner), from the slice's folder.
    setPlatform(nodePlatform);
    const nodeLosses: number[] = [];
    const onNode = await trainInNode({ ...SETTINGS, backend: 'node', cores: 1, dataDir: sliceDir, out: join(root, 'node-run'), callbacks: { onBatchEnd: (log) => void nodeLosses.push(log.loss) } });
    expect(onNode.backend).toBe('onnxruntime-node');
    expect(nodeLosses).toHaveLength(page.losses.length);
    const worst = Math.max(...nodeLosses.map((loss, i) => Math.abs(loss - page.losses[i])));
    expect(worst).toBeLessThan(1e-5);
  }, 120_000);

  it("saves as a checkpoint folder that Node loads and scores at the page's test accuracy", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mnist-page-checkpoint-'));
    try {
      writeFileSync(join(dir, MODEL_JSON_FILE), page.modelJson);
      writeFileSync(join(dir, WEIGHTS_FILE), page.weightsBin);
      const checkpoint = await loadCheckpoint(dir);
      expect(checkpoint.modelJson.training.dataset).toMatchObject({ name: 'slice' });
      const warnings: string[] = [];
      const scored = await evaluateCheckpoint(dir, { dataDir: sliceDir, onWarning: (line) => warnings.push(line) });
      expect(warnings).toEqual([]);
      expect(scored.n).toBe(TEST_IMAGES);
      expect(scored.accuracy).toBe(page.testAccuracy);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
