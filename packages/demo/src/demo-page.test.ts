// End-to-end: the built demo page in headless Chromium, served by serveDemo with and without
// cross-origin isolation, against onnxruntime-node on the same model and the same MNIST test images.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '@mnist/export';
import { maxAbsDifference } from '@mnist/export/testing';
import { MnistClassifier as NodeClassifier } from '@mnist/infer-node';
import { readDataset } from '@mnist/trainer';
import { buildDemo } from './build-demo.js';
import { centroidCheckpoint } from './centroid-model.fixture.js';
import { chromiumSkipReason, launchChromium } from './chromium.fixture.js';
import { serveDemo, type DemoServer } from './serve-demo.js';

const skipReason = chromiumSkipReason();
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
const COMPARED_IMAGES = 300;

interface PageHookPrediction {
  classes: number[];
  probabilities: number[];
  logits: number[];
}

describe.skipIf(skipReason !== undefined)('the demo page in Chromium', () => {
  let dir: string;
  let browser: Browser;
  // One context for all pages: the 14 MB wasm runtime and its compiled code are cached between them.
  let context: BrowserContext;
  let isolated: DemoServer;
  let plain: DemoServer;
  let garbage: DemoServer;
  let node: NodeClassifier;
  let testImages: Uint8Array;
  let testAccuracy: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mnist-demo-'));
    const launching = launchChromium();
    const building = buildDemo();
    const { train, test } = await readDataset();
    testImages = test.images.subarray(0, COMPARED_IMAGES * 784);
    const checkpoint = centroidCheckpoint(train.images.subarray(0, 5000 * 784), train.labels.subarray(0, 5000), 1);
    node = await NodeClassifier.load(exportOnnx(checkpoint), { intraOpNumThreads: 1 });
    testAccuracy = (await node.evaluate(test.images, test.labels)).accuracy;
    const model = join(dir, 'model.onnx');
    writeFileSync(model, exportOnnx(checkpoint, { source: 'centroid fixture', testAccuracy }));
    writeFileSync(join(dir, 'garbage.onnx'), '<!doctype html><title>Not a model</title>');
    const page = await building;
    [isolated, plain, garbage] = await Promise.all([
      serveDemo({ model, dir: page }),
      serveDemo({ model, dir: page, isolation: false }),
      serveDemo({ model: join(dir, 'garbage.onnx'), dir: page }),
    ]);
    browser = await launching;
    context = await browser.newContext({ viewport: { width: 820, height: 640 }, hasTouch: true });
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([isolated?.close(), plain?.close(), garbage?.close()]);
    await node?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // A fresh page that records console errors, uncaught exceptions and the wasm responses.
  async function open(url: string): Promise<{ page: Page; errors: string[]; wasmTypes: string[] }> {
    const page = await context.newPage();
    const errors: string[] = [];
    const wasmTypes: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('response', (response) => {
      if (response.url().endsWith('.wasm')) wasmTypes.push(`${response.status()} ${response.headers()['content-type'] ?? ''}`);
    });
    await page.goto(url);
    await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 30_000 });
    return { page, errors, wasmTypes };
  }

  it('loads with no console errors, shows the metadata, and runs several wasm threads when cross-origin isolated', async () => {
    const { page, errors, wasmTypes } = await open(isolated.url);
    try {
      expect(await page.getAttribute('body', 'data-state')).toBe('ready');
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      expect(await page.textContent('#model-accuracy')).toBe(`${(testAccuracy * 100).toFixed(2)}%`);
      expect(await page.textContent('#model-format')).toMatch(/^opset 17, IR 8, by /);
      expect(await page.textContent('#model-source')).toMatch(/model\.onnx · 784-300-100-10 MLP$/);
      const threads = Number(await page.getAttribute('#runtime-info', 'data-threads'));
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      expect(threads).toBe(Math.min(4, cores));
      if (cores > 1) expect(threads).toBeGreaterThan(1);
      // The threads are real: onnxruntime-web's pthread pool runs in web workers of the page.
      expect(page.workers().length).toBeGreaterThanOrEqual(threads - 1);
      expect(await page.textContent('#runtime-info')).toContain(`${threads} threads · cross-origin isolated`);
      expect(await page.isHidden('#error')).toBe(true);
      expect(wasmTypes).toEqual(['200 application/wasm']);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('falls back to one thread without the isolation headers, and says so', async () => {
    const { page, errors } = await open(plain.url);
    try {
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      expect(await page.getAttribute('#runtime-info', 'data-threads')).toBe('1');
      expect(page.workers()).toEqual([]);
      expect(await page.textContent('#runtime-info')).toContain('1 thread · not cross-origin isolated');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('predicts digits drawn by touch and with the mouse, draws ten probability bars, and clears', async () => {
    const { page, errors } = await open(isolated.url);
    try {
      const at = async (points: Array<[number, number]>) => {
        const pad = (await page.locator('#pad').boundingBox())!;
        return points.map(([x, y]) => ({ x: pad.x + x * pad.width, y: pad.y + y * pad.height }));
      };
      // Predictions run live during a stroke; wait for the one of the finished drawing.
      const settled = () => page.waitForSelector('#pad[data-predicting="false"]');
      const mouseStroke = async (points: Array<[number, number]>) => {
        const [first, ...rest] = await at(points);
        await page.mouse.move(first.x, first.y);
        await page.mouse.down();
        for (const { x, y } of rest) await page.mouse.move(x, y, { steps: 8 });
        await page.mouse.up();
        await settled();
      };
      // A finger: real touch events from the browser's input pipeline, which it turns into pointer events.
      const touchStroke = async (points: Array<[number, number]>) => {
        const cdp = await page.context().newCDPSession(page);
        const path = await at(points);
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [path[0]] });
        for (let i = 1; i < path.length; i++) {
          for (let step = 1; step <= 8; step++) {
            const x = path[i - 1].x + ((path[i].x - path[i - 1].x) * step) / 8;
            const y = path[i - 1].y + ((path[i].y - path[i - 1].y) * step) / 8;
            await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y }] });
          }
        }
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
        await cdp.detach();
        await settled();
      };
      // A "1" by touch: one slightly slanted vertical stroke.
      await touchStroke([[0.52, 0.15], [0.48, 0.85]]);
      const one = await page.textContent('#prediction');
      const bars = await page.$$eval('#probabilities .bar', (elements) => elements.map((e) => Number(e.getAttribute('aria-valuenow'))));
      expect(bars).toHaveLength(10);
      expect(bars.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
      expect(bars.indexOf(Math.max(...bars))).toBe(Number(one));
      expect(one).toBe('1');
      expect(await page.isHidden('#error')).toBe(true);
      // The 28x28 image the model saw: ink near the center column, as a "1" in MNIST.
      const seen = await page.$eval('#model-input', (canvas) => [...(canvas as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data]);
      const inkColumns = new Set<number>();
      for (let i = 0; i < 784; i++) if (seen[i * 4] > 128) inkColumns.add(i % 28);
      expect(Math.min(...inkColumns)).toBeGreaterThanOrEqual(9);
      expect(Math.max(...inkColumns)).toBeLessThanOrEqual(18);
      expect(await page.getAttribute('.model-input', 'class')).toBe('model-input');

      await page.click('#clear');
      expect(await page.textContent('#prediction')).toBe('–');
      expect(await page.getAttribute('.model-input', 'class')).toBe('model-input empty');
      expect(await page.$$eval('#probabilities .bar', (elements) => elements.map((e) => (e as HTMLElement).style.width))).toEqual(Array(10).fill('0%'));
      // A "7" with the mouse: a top bar, then a long diagonal down to the left.
      await mouseStroke([[0.25, 0.2], [0.75, 0.2], [0.42, 0.85]]);
      expect(await page.textContent('#prediction')).toBe('7');
      expect(await page.$$eval('#probabilities .bar-row.top', (rows) => rows.map((r) => (r as HTMLElement).dataset.label))).toEqual(['7']);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'demo.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('gives, inside the page, the same predictions as onnxruntime-node for MNIST test images', async () => {
    const fromNode = await node.predict(testImages, { logits: true });
    for (const server of [isolated, plain]) {
      const { page, errors } = await open(server.url);
      try {
        // Base64 crosses into the page far faster than an array of 235200 numbers.
        const fromPage: PageHookPrediction = await page.evaluate(
          (base64) => window.__mnist!.predict(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))),
          Buffer.from(testImages).toString('base64'),
        );
        expect(fromPage.classes).toEqual([...fromNode.classes]);
        expect(maxAbsDifference(fromPage.logits, fromNode.logits!)).toBeLessThan(1e-5);
        expect(new Set(fromPage.classes).size).toBe(10);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    }
  });

  it('shows a clear message for a model URL that 404s', async () => {
    const { page } = await open(`${isolated.url}?model=./absent.onnx`);
    try {
      expect(await page.getAttribute('body', 'data-state')).toBe('error');
      expect(await page.textContent('#error')).toBe(
        `Could not load the model: ${isolated.url}absent.onnx: could not load model from URL: HTTP 404 Not Found. ` +
          'Serve one with "mnist demo --model FILE", name another with ?model=URL, or train one on the training page (train.html).',
      );
      expect(await page.isVisible('#error')).toBe(true);
      expect(await page.textContent('#runtime-info')).toBe('No model loaded.');
    } finally {
      await page.close();
    }
  });

  it('shows a clear message for a model URL that holds garbage', async () => {
    const { page, errors } = await open(garbage.url);
    try {
      expect(await page.getAttribute('body', 'data-state')).toBe('error');
      expect(await page.textContent('#error')).toMatch(new RegExp(`^Could not load the model: ${garbage.url}model\\.onnx: is not an ONNX model`));
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

declare global {
  interface Window {
    __mnist?: { predict(pixels: ArrayLike<number>): Promise<PageHookPrediction> };
  }
}
