// The training page on WebGPU, in headless Chromium launched with SwiftShader's WebGPU adapter (on the
// CPU): the page measures a few steps on wasm and on WebGPU before training and says so with the two
// ms/step, and a short `?limit=` run reaches a sane accuracy on WebGPU when `?provider=webgpu` forces it
// (which of the two the page picks from the numbers is provider-choice.test.ts's); with WebGPU's runtime
// made to fail (a 404), the page trains on wasm and says why in one line. Slow (SwiftShader): ~50 s.
import { ensureMnist } from '@mnist/trainer/internal';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemo } from './build-demo.js';
import { chromiumSkipReason, launchChromium } from './chromium.fixture.js';
import { serveDemo, type DemoServer } from './serve-demo.js';

const skipReason = chromiumSkipReason("the training page's WebGPU test");
let server: DemoServer;
let browser: Browser;

beforeAll(async () => {
  if (skipReason !== undefined) return;
  const launching = launchChromium({ webgpu: true });
  const [dir, data] = await Promise.all([buildDemo(), ensureMnist(undefined, { verifyExisting: false })]);
  server = await serveDemo({ dir, data });
  browser = await launching;
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface PageRun {
  state: string;
  status: string;
  provider: string;
  providerText: string;
  wasmMs: number;
  webgpuMs: number;
  accuracy: number;
  errors: string[];
}

/** `blockWebGpuRuntime`: the WebGPU build's runtime files fail to load (a 404), so WebGPU fails as a broken driver would. */
interface RunOptions {
  blockWebGpuRuntime?: boolean;
}

// One short run from the page's form (1000 images, 2 epochs of 20 steps at SGD 0.1: enough for a sane
// accuracy, short on SwiftShader's WebGPU), with the page's console errors and ONNX Runtime's warnings.
async function trainOnPage(query: string, options: RunOptions = {}): Promise<PageRun> {
  const context = await browser.newContext();
  // The context's routes reach the page's worker's requests too.
  if (options.blockWebGpuRuntime) await context.route(/ort-wasm-simd-threaded\.asyncify\./, (route) => route.fulfill({ status: 404, body: 'blocked by the test' }));
  const page: Page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    // ONNX Runtime's warning (two lines) that it placed some nodes (the Loop, see provider-probe.ts) on the CPU is expected on WebGPU;
    // so is the blocked file's 404 when the test blocks it.
    const expected = /\[W:onnxruntime:, session_state\.cc:\d+ VerifyEachNodeIsAssignedToAnEp\]/.test(message.text()) || (options.blockWebGpuRuntime && /404/.test(message.text()));
    if (message.type() === 'error' && !expected) {
      errors.push(`console: ${message.text()}`);
    }
    if (process.env.MNIST_WEBGPU_LOG === '1' || message.type() === 'warning') console.log(`[page ${message.type()}] ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  try {
    await page.goto(`${server.trainUrl}?limit=1000${query}`);
    await page.waitForSelector('button#train:not([disabled])', { timeout: 60_000 });
    // The adapter is there (the flags work): the page says WebGPU will be measured.
    expect(await page.textContent('#provider')).toMatch(/^wasm, \d threads? \(WebGPU is available, measured against wasm when Train is pressed\)$/);
    await page.fill('#epochs', '2');
    await page.fill('#learning-rate', '0.1');
    await page.fill('#hidden', '64');
    await page.click('#train');
    await page.waitForSelector('#train-status[data-state="done"], #train-status[data-state="error"]', { timeout: 240_000 });
    const number = async (name: string) => Number((await page.getAttribute('#provider', name)) ?? Number.NaN);
    return {
      state: (await page.getAttribute('#train-status', 'data-state'))!,
      status: (await page.textContent('#train-status'))!,
      provider: (await page.getAttribute('#train-status', 'data-provider'))!,
      providerText: (await page.textContent('#provider'))!,
      wasmMs: await number('data-wasm-ms-per-step'),
      webgpuMs: await number('data-webgpu-ms-per-step'),
      accuracy: Number(await page.getAttribute('#train-status', 'data-accuracy')),
      errors,
    };
  } finally {
    await context.close();
  }
}

describe.skipIf(skipReason !== undefined)('the training page with a WebGPU adapter (SwiftShader)', () => {
  it('trains on WebGPU when ?provider=webgpu asks (or on wasm, saying why WebGPU failed)', async () => {
    const run = await trainOnPage('&provider=webgpu');
    console.log(`webgpu: ${run.providerText}; ${run.status}`);
    expect(run.state, run.status).toBe('done');
    expect(run.accuracy).toBeGreaterThan(0.7);
    if (run.provider === 'wasm') expect(run.providerText).toMatch(/^wasm, \d threads? \(WebGPU failed: [^\n]+\)$/);
    else expect(run.providerText).toMatch(/^webgpu \(as \?provider=webgpu asks; WebGPU measured [\d.]+ ms\/step vs wasm [\d.]+ ms\/step\)$/);
    expect(run.errors).toEqual([]);
  }, 300_000);

  it('falls back to wasm when WebGPU fails, and says why in one line', async () => {
    const run = await trainOnPage('', { blockWebGpuRuntime: true });
    console.log(`blocked: ${run.providerText}; ${run.status}`);
    expect(run.state, run.status).toBe('done');
    expect(run.provider).toBe('wasm');
    expect(run.accuracy).toBeGreaterThan(0.7);
    expect(run.providerText).toMatch(/^wasm, \d threads? \(WebGPU failed: [^\n]+\)$/);
    expect(run.wasmMs).toBeGreaterThan(0);
    expect(run.webgpuMs).toBeNaN();
    expect(run.errors).toEqual([]);
  }, 300_000);
});
