// Browser training benchmark: in ONE headless Chromium page (served cross-origin isolated, so wasm
// threads work), ms per optimizer step of the chapter's 784-300-100-10 network (batch 50, SGD 0.01)
// for our onnx engine on onnxruntime-web (1 and 2 threads) against TensorFlow.js's best backend in the
// same page (the trainer's tfjs engine on tfjs-backend-wasm, SIMD + threads; webgl when it can run),
// each in its own module worker, one after the other; the page's memory (workers included); and the
// full 30-epoch job's wall time in the page for ours at its best thread count (--full-job), else its
// projection from ms/step. Prints a table.
// `--configs webgpu` adds ours on onnxruntime-web's WebGPU provider: Chromium is then launched with
// SwiftShader's WebGPU adapter (on the CPU here, so slow: a few steps only).
// Usage: node bench/browser-train.mjs [--steps 300] [--repeats 3] [--configs onnx,tfjs,tfjs-webgl,webgpu] [--full-job]
// Needs Chromium (Debian: apt-get install -y chromium; MNIST_CHROMIUM=/path overrides /usr/bin/chromium).
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(join(root, 'packages/trainer/package.json'));
const CHROMIUM = process.env.MNIST_CHROMIUM || '/usr/bin/chromium';
// ForceEagerMeasureMemory: measureUserAgentSpecificMemory answers at once instead of at the next GC (up to 20 s).
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--enable-blink-features=ForceEagerMeasureMemory'];
const argv = process.argv.slice(2);
const flag = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const STEPS = Number(flag('steps', '300'));
const REPEATS = Number(flag('repeats', '3'));
const WARMUP_STEPS = 50;
// tfjs-backend-webgl on SwiftShader (no GPU here) is slow: a short warm-up, a 5-step probe, and at most
// WEBGL_STEPS timed steps, or a note instead of a number when the probe is over WEBGL_MAX_MS per step.
const WEBGL_STEPS = 30;
const WEBGL_MAX_MS = 100;
// WebGPU on SwiftShader takes about half a second a step: a short warm-up and a few timed steps.
const WEBGPU_STEPS = 10;
const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader'];
const FULL_JOB = argv.includes('--full-job');
// The chapter's job: 30 epochs of 55000 images in batches of 50.
const JOB_EPOCHS = 30;
const JOB_STEPS = JOB_EPOCHS * Math.ceil(55000 / 50);
for (const [name, value] of [['steps', STEPS], ['repeats', REPEATS]]) {
  if (!(Number.isInteger(value) && value >= 1)) throw new RangeError(`--${name} must be a positive integer, got ${flag(name)}`);
}

if (!existsSync(CHROMIUM)) {
  console.error(`browser-train: Chromium is not installed at ${CHROMIUM} (Debian: apt-get install -y chromium); skipped`);
  process.exit(process.env.MNIST_REQUIRE_SYSTEM_DEPS === '1' ? 1 : 0);
}

const { ensureMnist } = await import('../packages/trainer/dist/internal.js');
const dataDir = await ensureMnist();
const { build, defaultClientConditions } = await import('vite');
const outDir = await mkdtemp(join(tmpdir(), 'mnist-browser-train-'));
// The demo's resolution (packages/demo/vite.config.ts): sources of the workspace packages, onnxruntime-web's
// wasm-only build without its inlined runtime (the runtime files are served under ort/).
await build({
  configFile: false,
  root: join(root, 'bench/browser-train'),
  base: './',
  logLevel: 'error',
  resolve: {
    alias: [{ find: /^onnxruntime-web$/, replacement: 'onnxruntime-web/wasm' }],
    conditions: ['@mnist/source', 'onnxruntime-web-use-extern-wasm', ...defaultClientConditions],
  },
  worker: { format: 'es' },
  // Not minified: tfjs-backend-wasm's threaded build hands its Emscripten factory's source text
  // (Function.prototype.toString) to its pthread workers, which renamed outer names would break.
  build: { outDir, emptyOutDir: true, target: 'es2022', minify: false, chunkSizeWarningLimit: 100_000, reportCompressedSize: false },
});

const ortDir = dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
const tfjsWasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
const fileOf = (pathname) => {
  if (pathname === '/') return join(outDir, 'index.html');
  if (pathname === '/favicon.ico') return undefined;
  for (const [prefix, dir] of [['/ort/', ortDir], ['/tfjs-wasm/', tfjsWasmDir], ['/data/mnist/', dataDir]]) {
    if (pathname.startsWith(prefix)) return join(dir, pathname.slice(prefix.length));
  }
  return join(outDir, pathname);
};
// Cross-origin isolated, as `mnist demo` serves its pages: SharedArrayBuffer, so wasm threads.
const server = createServer((req, res) => {
  const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (pathname.includes('..')) return res.writeHead(400).end();
  try {
    const file = fileOf(pathname);
    if (file === undefined) return res.writeHead(204).end();
    const bytes = readFileSync(file);
    res
      .writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': bytes.length,
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
        'cross-origin-resource-policy': 'same-origin',
      })
      .end(bytes);
  } catch {
    console.error(`browser-train: 404 ${pathname}`);
    res.writeHead(404).end();
  }
});
await new Promise((done) => server.listen(0, '127.0.0.1', done));
const url = `http://127.0.0.1:${server.address().port}/`;

console.log(`browser training bench, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load average ${loadavg()[0].toFixed(2)}`);
// --configs is read before the launch: the webgpu config needs Chromium's WebGPU flags (and the GPU process).
const picked = flag('configs', 'onnx,tfjs').split(',');
const launchArgs = picked.includes('webgpu') ? [...ARGS.filter((a) => a !== '--disable-gpu'), ...WEBGPU_ARGS] : ARGS;
if (picked.includes('webgpu')) console.log(`webgpu config: Chromium launched with ${WEBGPU_ARGS.join(' ')}`);
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: launchArgs });
const rows = [];
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  page.on('console', (message) => message.type() === 'error' && console.error(`page console: ${message.text()}`));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="yes"]', { state: 'attached' });
  const isolated = await page.evaluate(() => window.bench.isolated());
  const webgl2 = await page.evaluate(() => window.bench.webgl2());
  const common = { kind: 'steps', batchSize: 50, learningRate: 0.01, warmupSteps: WARMUP_STEPS, steps: STEPS, repeats: REPEATS, datasetUrl: `${url}data/mnist/`, ortWasmPaths: `${url}ort/`, tfjsWasmPaths: `${url}tfjs-wasm/` };
  const run = (message) => page.evaluate((m) => window.bench.run(m), message);
  const configs = [
    { name: 'ours, onnxruntime-web wasm, 1 thread', engine: 'onnx', backend: 'web', threads: 1 },
    { name: 'ours, onnxruntime-web wasm, 2 threads', engine: 'onnx', backend: 'web', threads: 2 },
    { name: 'tfjs, tfjs-backend-wasm, 1 thread', engine: 'tfjs', backend: 'wasm', threads: 1 },
    { name: 'tfjs, tfjs-backend-wasm, 2 threads', engine: 'tfjs', backend: 'wasm', threads: 2 },
    // The worker registers the webgl backend (the trainer does not depend on it) and this config asks for it by name.
    { name: 'ours, onnxruntime-web webgpu', id: 'webgpu', engine: 'onnx', backend: 'web', provider: 'webgpu', threads: 1, warmupSteps: 5, steps: Math.min(STEPS, WEBGPU_STEPS), repeats: 1 },
    { name: 'tfjs, tfjs-backend-webgl', id: 'tfjs-webgl', engine: 'tfjs', backend: 'webgl', warmupSteps: 5, probeSteps: 5, steps: Math.min(STEPS, WEBGL_STEPS), repeats: 1, maxMsPerStep: WEBGL_MAX_MS },
  ];
  // --configs onnx,tfjs picks engines (e.g. to look at one alone), tfjs-webgl and webgpu those configs alone.
  const known = new Set(configs.flatMap((c) => [c.engine, c.id].filter(Boolean)));
  const unknown = picked.find((p) => !known.has(p));
  if (unknown !== undefined) throw new RangeError(`--configs: unknown config "${unknown}"; expected a comma-separated list of ${[...known].join(', ')}`);
  // The webgpu config runs only when named (onnx alone does not pick it: it needs the WebGPU launch flags).
  for (const config of configs.filter((c) => (c.id !== 'webgpu' && picked.includes(c.engine)) || picked.includes(c.id))) {
    const result = await run({ ...common, ...config });
    const row = { ...config, ...result };
    // A backend that cannot start here (no WebGL 2 context, say) is a note on its row, not a failed bench.
    if (result.error && config.provider === 'webgpu') row.error = `n/a: ${result.error}`;
    if (result.error && config.backend === 'webgl') row.error = `n/a: ${result.error} (the page's WebGL 2: ${webgl2 ?? 'none'})`;
    rows.push(row);
    console.error(`${config.name}: ${row.error ?? row.note ?? `${result.msPerStep.map((ms) => ms.toFixed(3)).join(', ')} ms/step (${result.message})`}`);
  }

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const timed = rows.filter((r) => r.msPerStep);
  for (const r of timed) r.ms = median(r.msPerStep);
  const ours = timed.filter((r) => r.engine === 'onnx');
  const theirs = timed.filter((r) => r.engine === 'tfjs');
  const oursBest = ours.length ? ours.reduce((a, b) => (a.ms < b.ms ? a : b)) : undefined;
  const theirsBest = theirs.length ? theirs.reduce((a, b) => (a.ms < b.ms ? a : b)) : undefined;

  let job;
  if (oursBest && FULL_JOB) {
    job = await run({ kind: 'job', engine: 'onnx', epochs: JOB_EPOCHS, threads: oursBest.threads, datasetUrl: common.datasetUrl, ortWasmPaths: common.ortWasmPaths });
  }

  console.log(`\n== Training in one Chromium page (${isolated ? 'cross-origin isolated' : 'NOT isolated: 1 thread only'}): 784-300-100-10, batch 50, SGD 0.01, ${REPEATS} x ${STEPS} steps after ${WARMUP_STEPS} warm-up (webgl: 1 x ${Math.min(STEPS, WEBGL_STEPS)} after 5 + a 5-step probe; webgpu: 1 x ${Math.min(STEPS, WEBGPU_STEPS)} after 5) ==`);
  const cells = rows.map((r) => [
    r.name,
    r.ms === undefined ? '' : r.ms.toFixed(3),
    r.msPerStep ? `${Math.min(...r.msPerStep).toFixed(3)}-${Math.max(...r.msPerStep).toFixed(3)}` : '',
    r.memoryBytes === undefined ? '' : (r.memoryBytes / 2 ** 20).toFixed(0),
    r.error ?? r.note ?? r.message ?? '',
  ]);
  const header = ['run', 'ms/step (median)', 'range', 'page MB', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => String(c[i]).length)));
  for (const line of [header, ...cells]) console.log(line.map((c, i) => (i === line.length - 1 ? c : String(c).padEnd(widths[i]))).join('  '));
  if (oursBest && theirsBest) console.log(`ratio tfjs-best / ours-best: ${(theirsBest.ms / oursBest.ms).toFixed(2)}x (${theirsBest.name} / ${oursBest.name})`);
  if (oursBest) {
    console.log(`full ${JOB_EPOCHS}-epoch job (${JOB_STEPS} steps), ours on ${oursBest.threads} thread(s): projected ${((JOB_STEPS * oursBest.ms) / 1000).toFixed(0)} s of steps from ms/step`);
    if (job?.error) console.log(`full job in the page failed: ${job.error}`);
    else if (job) {
      console.log(`full job in the page (train(), data over HTTP, validation, test scoring): ${job.seconds.toFixed(1)} s wall, ${job.trainingSeconds.toFixed(1)} s training, ${job.steps} steps, test accuracy ${job.testAccuracy?.toFixed(4)}, page ${job.memoryBytes === undefined ? '?' : (job.memoryBytes / 2 ** 20).toFixed(0)} MB`);
    } else console.log('(run with --full-job to time it in the page)');
  }
  console.log('page MB: performance.measureUserAgentSpecificMemory() of the page and its worker at the end of each run (JS and wasm heaps)');
} finally {
  await browser.close();
  server.close();
  await rm(outDir, { recursive: true, force: true });
}
