// The training page end to end, in Chromium, served by the compiled `mnist demo`: one epoch on the full
// MNIST training set in the page's worker reaches >= 0.90 test accuracy shown on the page, the drawing pad
// reads a digit with the new model, and the downloaded model.onnx scores that accuracy under `mnist eval
// --runtime web`; a run stopped mid-way ends `stopped` with a checkpoint zip that Node decodes and evaluates.
// Headless Chromium here has no WebGPU: the page trains on onnxruntime-web's wasm backend, as tested.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, unzipCheckpoint } from '@mnist/core';
import { chromiumSkipReason, launchChromium } from '@mnist/demo/testing/chromium';
import { buildCli, cliDir, lastJson, mnist, scratchDir, startLongRunning, stopWith, type LongRunning } from './mnist-bin.fixture.js';

const skipReason = chromiumSkipReason("the training page's browser test");
const work = scratchDir('mnist-train-page-');
const ARTIFACTS = join(cliDir, 'test-artifacts');
let demo: LongRunning;
let trainUrl: string;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  if (skipReason !== undefined) return;
  buildCli();
  const launching = launchChromium();
  // The first start builds the pages with Vite (skipped when an up-to-date build is there). In a folder
  // with no export, `mnist demo` serves the training page alone and prints its URL.
  demo = await startLongRunning(['demo', '--port', '0'], { cwd: work });
  trainUrl = demo.url;
  browser = await launching;
  context = await browser.newContext({ viewport: { width: 900, height: 1000 }, acceptDownloads: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (demo) expect(await stopWith(demo.child, 'SIGINT')).toBe(0);
});

async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  await page.goto(url);
  // Ready once the worker has loaded and filled the optimizer choices.
  await page.waitForSelector('button#train:not([disabled])', { timeout: 60_000 });
  return { page, errors };
}

async function downloadOf(page: Page, button: string, file: string): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  await download.saveAs(file);
  return file;
}

describe.skipIf(skipReason !== undefined)('the training page in Chromium', () => {
  it('stops a run at the end of the epoch in progress, with a checkpoint Node loads; the screenshot is taken mid-training', async () => {
    // ?limit=1000: short epochs (the page's documented test switch), so the run is caught in flight.
    const { page, errors } = await open(`${trainUrl}?limit=1000`);
    try {
      const threads = Number(await page.getAttribute('#provider', 'data-threads'));
      expect(threads).toBe(Math.min(4, await page.evaluate(() => navigator.hardwareConcurrency)));
      expect(await page.textContent('#provider')).toMatch(new RegExp(`^wasm, ${threads} threads? \\((no WebGPU in this browser|WebGPU is available, .*)\\)$`));
      expect(await page.$$eval('#optimizer option', (options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam']);
      await page.fill('#epochs', '500');
      await page.fill('#hidden', '64');
      await page.click('#train');
      expect(await page.getAttribute('#train-status', 'data-state')).toBe('training');
      await page.waitForFunction(() => Number(document.querySelector('#train-status')!.getAttribute('data-epochs')) >= 3, undefined, { timeout: 120_000 });
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'train-page.png'), fullPage: true });
      await page.click('#stop');
      await page.waitForSelector('#train-status[data-state="stopped"]', { timeout: 60_000 });
      const epochs = Number(await page.getAttribute('#train-status', 'data-epochs'));
      expect(epochs).toBeGreaterThanOrEqual(3);
      expect(epochs).toBeLessThan(500);
      expect(await page.textContent('#train-status')).toBe(`Stopped after epoch ${epochs}; its checkpoint can be downloaded.`);
      expect(await page.getAttribute('#train-status', 'data-accuracy')).toBeNull();
      expect(await page.$$eval('#loss-chart .series', (series) => series.map((s) => s.querySelectorAll('.point').length))).toEqual([epochs, epochs]);

      const zip = await downloadOf(page, '#download-checkpoint', join(work, 'checkpoint.zip'));
      const files = unzipCheckpoint(readFileSync(zip), zip);
      const checkpoint = decodeCheckpoint(new TextDecoder().decode(files.modelJson), files.weightsBin, zip);
      expect(checkpoint.modelJson.training.epoch).toBe(epochs);
      expect(checkpoint.modelJson.modelSpec.hiddenUnits).toEqual([64]);
      // The two files in a folder are a checkpoint like Node's: `mnist eval` scores it on the built-in MNIST.
      const folder = join(work, 'stopped');
      mkdirSync(folder);
      writeFileSync(join(folder, 'model.json'), files.modelJson);
      writeFileSync(join(folder, 'weights.bin'), files.weightsBin);
      expect(lastJson(mnist('eval', '--checkpoint', folder, '--json')).accuracy).toBeGreaterThan(0.5);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 300_000);

  it('trains one epoch on the full training set to >= 0.90, reads a drawn digit, and exports the ONNX model mnist eval scores the same', async () => {
    const { page, errors } = await open(trainUrl);
    try {
      await page.fill('#epochs', '1');
      await page.click('#train');
      await page.waitForSelector('#train-status[data-state="done"], #train-status[data-state="error"]', { timeout: 280_000 });
      expect(await page.getAttribute('#train-status', 'data-state'), (await page.textContent('#train-status')) ?? '').toBe('done');
      const accuracy = Number(await page.getAttribute('#train-status', 'data-accuracy'));
      expect(accuracy).toBeGreaterThanOrEqual(0.9);
      expect(await page.textContent('#train-status')).toContain(`test accuracy ${(accuracy * 100).toFixed(2)}%`);

      // A "1" drawn with the mouse: one slightly slanted vertical stroke, read by the model just trained.
      await page.waitForSelector('#pad[data-ready="true"]');
      const pad = (await page.locator('#pad').boundingBox())!;
      await page.mouse.move(pad.x + 0.52 * pad.width, pad.y + 0.15 * pad.height);
      await page.mouse.down();
      await page.mouse.move(pad.x + 0.48 * pad.width, pad.y + 0.85 * pad.height, { steps: 12 });
      await page.mouse.up();
      await page.waitForSelector('#pad[data-predicting="false"]');
      expect(await page.textContent('#prediction')).toBe('1');

      const model = await downloadOf(page, '#download-onnx', join(work, 'model.onnx'));
      const scored = lastJson(mnist('eval', '--model', model, '--runtime', 'web', '--json'));
      expect(scored.accuracy).toBe(accuracy);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 300_000);
});
