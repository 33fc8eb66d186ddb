// Browser inference benchmark: the demo page's @mnist/infer-web classifier in headless Chromium, on
// the chapter's 784-300-100-10 network (random weights; speed does not depend on them): one
// 10000-image batch (ms, images/s) and single-image latency p50/p99, with wasm threads (page served
// cross-origin isolated) and without (one thread). Prints a table.
// Usage (after `npm run build`): node bench/browser-infer.mjs [model.onnx]
// Needs Chromium (Debian: apt-get install -y chromium; MNIST_CHROMIUM=/path overrides /usr/bin/chromium).
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { buildDemo, serveDemo } from '@mnist/demo';
import { randomOnnxModel } from '@mnist/export/testing';

const CHROMIUM = process.env.MNIST_CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const BATCH = 10000;
const BATCH_RUNS = 10;
const LATENCY_CALLS = 2000;

// Runs inside the page, once per input kind: scaled float32 pixels, and raw bytes as a canvas or an
// image file gives them (the facade scales those with the model's pixelScale).
async function measureInPage({ batch, batchRuns, latencyCalls, input }) {
  const classifier = window.__mnist.classifier;
  let state = 7;
  const bytes = Uint8Array.from({ length: batch * 784 }, () => (state = (state * 48271) % 2147483647) % 256);
  const images = input === 'uint8' ? bytes : Float32Array.from(bytes, (v) => v / 255);
  for (let i = 0; i < 3; i++) await classifier.predict(images);
  const batchMs = [];
  for (let i = 0; i < batchRuns; i++) {
    const t0 = performance.now();
    await classifier.predict(images);
    batchMs.push(performance.now() - t0);
  }
  const one = (i) => images.subarray((i % 1000) * 784, ((i % 1000) + 1) * 784);
  for (let i = 0; i < 300; i++) await classifier.predict(one(i));
  const latencyMs = [];
  for (let i = 0; i < latencyCalls; i++) {
    const t0 = performance.now();
    await classifier.predict(one(i));
    latencyMs.push(performance.now() - t0);
  }
  return { batchMs, latencyMs, threads: window.__mnist.runtime.threads, isolated: crossOriginIsolated };
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
// Without isolation the browser coarsens performance.now() to 100 us: smaller times read as 0.
const latencyText = (ms, isolated) => (!isolated && ms < 0.1 ? '< 0.1' : ms.toFixed(3));

if (!existsSync(CHROMIUM)) {
  console.error(`browser-infer: Chromium is not installed at ${CHROMIUM} (Debian: apt-get install -y chromium); skipped`);
  process.exit(process.env.MNIST_REQUIRE_SYSTEM_DEPS === '1' ? 1 : 0);
}
const dir = await mkdtemp(join(tmpdir(), 'mnist-browser-bench-'));
const model = join(dir, 'model.onnx');
const modelArg = process.argv[2];
await writeFile(model, modelArg ? await readFile(modelArg) : randomOnnxModel([300, 100], 1).bytes);
const page = await buildDemo();
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
const rows = [];
try {
  for (const isolation of [true, false]) {
    const server = await serveDemo({ model, dir: page, isolation });
    const tab = await browser.newPage();
    try {
      await tab.goto(server.url);
      await tab.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 60_000 });
      if ((await tab.getAttribute('body', 'data-state')) !== 'ready') throw new Error(`the demo page did not load: ${await tab.textContent('#error')}`);
      for (const input of ['float32', 'uint8']) {
      const result = await tab.evaluate(measureInPage, { batch: BATCH, batchRuns: BATCH_RUNS, latencyCalls: LATENCY_CALLS, input });
      const batchMs = [...result.batchMs].sort((a, b) => a - b);
      const latency = [...result.latencyMs].sort((a, b) => a - b);
      const medianBatch = quantile(batchMs, 0.5);
      rows.push({
        page: isolation ? 'isolated (COOP/COEP)' : 'not isolated',
        threads: result.threads,
        input,
        'batch 10000 median ms': medianBatch.toFixed(1),
        'batch best ms': batchMs[0].toFixed(1),
        'images/s': Math.round((BATCH / medianBatch) * 1000),
        'single p50 ms': latencyText(quantile(latency, 0.5), result.isolated),
        'single p99 ms': latencyText(quantile(latency, 0.99), result.isolated),
      });
      }
    } finally {
      await tab.close();
      await server.close();
    }
  }
} finally {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
}
console.log(`Browser inference: @mnist/infer-web (onnxruntime-web wasm) in Chromium ${browser.version()}, 784-300-100-10, random weights`);
console.table(rows);
console.log(`Machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the machine skews these numbers).`);
console.log('Timer resolution: about 5 us when cross-origin isolated, 100 us otherwise (browsers coarsen performance.now()).');
