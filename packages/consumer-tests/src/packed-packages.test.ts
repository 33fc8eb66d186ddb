// The inference packages as other people's dependencies: @mnist/core, @mnist/infer-node and
// @mnist/infer-web packed with `npm pack`, installed into a fresh project from the npm cache, then used
// from an ESM script, a CommonJS script, a strict TypeScript file without the DOM lib, and a Vite app
// built with no configuration, opened in headless Chromium.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumSkipReason, launchChromium } from '@mnist/demo/testing/chromium';
import { serveDemo } from '@mnist/demo';
import { argmaxRows10, randomImages, randomOnnxModel, referenceLogits, scaled } from '@mnist/export/testing';
import { createConsumerProject, MONOREPO_ROOT, type ConsumerProject } from './consumer-project.js';

const IMAGES = 8;
const { checkpoint, bytes: MODEL } = randomOnnxModel([32, 16], 11);
const PIXELS = randomImages(IMAGES, 5);
// The float64 reference of the network, independent of any ONNX Runtime: what every runtime must answer.
const EXPECTED = argmaxRows10(referenceLogits(checkpoint, scaled(PIXELS)));

const ESM_SCRIPT = `import { readFileSync } from 'node:fs';
import { MnistClassifier } from '@mnist/infer-node';
import { MnistClassifier as WebClassifier } from '@mnist/infer-web';
const pixels = new Uint8Array(readFileSync(process.argv[3]));
const node = await MnistClassifier.load(process.argv[2], { intraOpNumThreads: 1 });
const web = await WebClassifier.load(process.argv[2], { numThreads: 1 });
const answer = { node: Array.from((await node.predict(pixels)).classes), web: Array.from((await web.predict(pixels)).classes) };
await node.dispose();
await web.dispose();
console.log(JSON.stringify(answer));
`;

const CJS_SCRIPT = `const { readFileSync } = require('node:fs');
const { MnistClassifier } = require('@mnist/infer-node');
const { MnistClassifier: WebClassifier } = require('@mnist/infer-web');
(async () => {
  const pixels = new Uint8Array(readFileSync(process.argv[3]));
  const classifier = await MnistClassifier.load(process.argv[2]);
  const { classes, probabilities } = await classifier.predict(pixels);
  const web = await WebClassifier.load(process.argv[2], { numThreads: 1 });
  const webClasses = Array.from((await web.predict(pixels)).classes);
  console.log(JSON.stringify({ classes: Array.from(classes), probabilities: probabilities.length, webClasses }));
  await classifier.dispose();
  await web.dispose();
})().catch((error) => { console.error(error.message); process.exit(1); });
`;

// Strict, no DOM lib: @mnist/infer-node's declarations must stand on Node's types alone. skipLibCheck
// is off, so a DOM name anywhere in the declarations it loads fails here; the @ts-expect-error lines
// fail if the types were \`any\`.
const TS_CHECK = `import { MnistClassifier, decodeImage, MAX_MODEL_BYTES, type NodeClassifierOptions, type Prediction } from '@mnist/infer-node';
const options: NodeClassifierOptions = { intraOpNumThreads: 1, maxModelBytes: MAX_MODEL_BYTES };
const classifier: MnistClassifier = await MnistClassifier.load('model.onnx', options);
const prediction: Prediction = await classifier.predict(new Uint8Array(784));
const digit: number = prediction.classes[0];
const image = decodeImage(new Uint8Array(0), 'digit.png');
console.log(digit, image.width, classifier.metadata.labels.join(','));
// @ts-expect-error a string is not an image batch
await classifier.predict('not pixels');
// @ts-expect-error unknown option
await MnistClassifier.load('model.onnx', { threads: 1 });
`;
const TS_CONFIG = {
  compilerOptions: {
    strict: true,
    target: 'es2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    lib: ['es2022'],
    types: ['node'],
    skipLibCheck: false,
    noEmit: true,
  },
  files: ['check.ts'],
};

// A page as a user writes it: import the package, load the model next to the page, no options.
const VITE_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>consumer</title></head>
<body><canvas id="pad" width="140" height="140"></canvas><script type="module" src="./main.js"></script></body></html>
`;
const VITE_MAIN = `import { MnistClassifier } from '@mnist/infer-web';
const loaded = MnistClassifier.load('./model.onnx');
function drawDigit() {
  const canvas = document.getElementById('pad');
  const context = canvas.getContext('2d');
  context.fillStyle = 'white';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.strokeStyle = 'black';
  context.lineWidth = 12;
  context.beginPath();
  context.moveTo(40, 30);
  context.lineTo(100, 30);
  context.lineTo(60, 120);
  context.stroke();
  return canvas;
}
window.__consumer = {
  async predict(bytes) {
    const classifier = await loaded;
    return Array.from((await classifier.predict(Uint8Array.from(bytes))).classes);
  },
  async predictDrawn() {
    const classifier = await loaded;
    const { class: digit, pixels } = await classifier.predictImage(drawDigit());
    return { digit, pixels: Array.from(pixels) };
  },
};
`;

let tmp: string;
let project: ConsumerProject;
let modelPath: string;
let pixelsPath: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mnist-consumer-'));
  project = createConsumerProject(tmp, {
    workspaces: ['core', 'infer-node', 'infer-web'],
    fromMonorepo: ['vite', 'typescript', '@types/node'],
    files: {
      'esm.mjs': ESM_SCRIPT,
      'cjs.cjs': CJS_SCRIPT,
      'check.ts': TS_CHECK,
      'tsconfig.json': JSON.stringify(TS_CONFIG, null, 2),
      'web/index.html': VITE_PAGE,
      'web/main.js': VITE_MAIN,
      'webgpu/index.html': VITE_PAGE,
      'webgpu/main.js': VITE_MAIN.replace("from '@mnist/infer-web'", "from '@mnist/infer-web/webgpu'"),
    },
  });
  modelPath = join(tmp, 'model.onnx');
  pixelsPath = join(tmp, 'pixels.bin');
  writeFileSync(modelPath, MODEL);
  writeFileSync(pixelsPath, PIXELS);
}, 180_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the packed packages in a fresh project', () => {
  it('ship only what users need: built JS, declarations and a README, no sources or build info', () => {
    for (const name of ['@mnist/core', '@mnist/infer-node', '@mnist/infer-web']) {
      const dir = join(project.dir, 'node_modules', name);
      const files = listFiles(dir);
      expect(files, name).toContain('README.md');
      expect(files, name).toContain('dist/index.d.ts');
      expect(files.filter((f) => f.startsWith('src/') || f.endsWith('.tsbuildinfo') || /\.test\.(js|d\.ts)$/.test(f)), name).toEqual([]);
    }
  });

  it('classify from an ESM script with infer-node and with infer-web (its node condition reads the file)', () => {
    const answer = JSON.parse(project.run('node', ['esm.mjs', modelPath, pixelsPath]).stdout) as { node: number[]; web: number[] };
    expect(answer.node).toEqual(EXPECTED);
    expect(answer.web).toEqual(EXPECTED);
  });

  it('classify from a CommonJS script (require of the ESM package, Node >= 20.19)', () => {
    const answer = JSON.parse(project.run('node', ['cjs.cjs', modelPath, pixelsPath]).stdout) as { classes: number[]; probabilities: number; webClasses: number[] };
    expect(answer).toEqual({ classes: EXPECTED, probabilities: IMAGES * 10, webClasses: EXPECTED });
  });

  it("type-check under strict TypeScript with only Node's types (no DOM lib)", () => {
    const result = project.run('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json']);
    expect(result.stdout.trim()).toBe('');
  });
});

describe('infer-web in a Vite app built with no configuration', () => {
  let outDir: string;
  let assets: { file: string; bytes: number }[];
  let buildLog: string;

  beforeAll(() => {
    const result = project.run('npx', ['--no-install', 'vite', 'build', 'web', '--outDir', 'dist', '--emptyOutDir']);
    buildLog = `${result.stdout}\n${result.stderr}`;
    outDir = join(project.dir, 'web', 'dist');
    assets = listFiles(outDir).map((file) => ({ file, bytes: statSync(join(outDir, file)).size }));
    const artifacts = join(MONOREPO_ROOT, 'test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(join(artifacts, 'consumer-vite-assets.json'), `${JSON.stringify(assets, null, 2)}\n`);
    console.log(`consumer Vite app assets: ${assets.map((a) => `${a.file} ${a.bytes}`).join(', ')}`);
  }, 120_000);

  it('has no Node module in its browser graph', () => {
    expect(buildLog).not.toMatch(/externalized for browser compatibility/);
    expect(assets.map((a) => a.file).filter((f) => f.includes('vite-browser-external'))).toEqual([]);
    for (const { file } of assets.filter((a) => a.file.endsWith('.js'))) {
      const code = readFileSync(join(outDir, file), 'utf8');
      // Static and dynamic imports; onnxruntime-web's bundle names node:fs and node:os only in require()
      // calls behind its Node checks, which never run in a browser.
      expect(code, file).not.toMatch(/\bfrom\s*["']node:|\bimport\s*\(\s*["']node:|\bimport\s*["']node:/);
      expect(code, file).not.toContain('@mnist/core/node/model-file');
    }
  });

  it("ships onnxruntime-web's WebAssembly-only runtime, not the 28 MB JSEP/WebGPU one", () => {
    const wasm = assets.filter((a) => a.file.endsWith('.wasm'));
    expect(wasm.filter((a) => /jsep|jspi|asyncify/.test(a.file))).toEqual([]);
    const plain = readFileSync(join(project.dir, 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm')).length;
    expect(wasm.map((a) => a.bytes)).toEqual([plain]);
    expect(wasm[0].file).toMatch(/^assets\/ort-wasm-simd-threaded-[\w-]+\.wasm$/);
  });

  // onnxruntime-web 1.30's webgpu build runs its native WebGPU provider from the asyncify wasm (27 MB);
  // the package's default build (JSEP: WebGPU and WebNN kernels in JS) brings the 28 MB jsep one.
  it('holds a WebGPU runtime only when the page imports @mnist/infer-web/webgpu', () => {
    project.run('npx', ['--no-install', 'vite', 'build', 'webgpu', '--outDir', 'dist', '--emptyOutDir']);
    const dir = join(project.dir, 'webgpu', 'dist');
    const wasm = listFiles(dir).filter((f) => f.endsWith('.wasm'));
    expect(wasm).toHaveLength(1);
    expect(wasm[0]).toMatch(/^assets\/ort-wasm-simd-threaded\.asyncify-[\w-]+\.wasm$/);
    console.log(`consumer Vite app on @mnist/infer-web/webgpu: ${listFiles(dir).map((f) => `${f} ${statSync(join(dir, f)).size}`).join(', ')}`);
  });

  const skipBrowser = chromiumSkipReason('the consumer Vite app in Chromium') !== undefined;

  it.skipIf(skipBrowser)('classifies digits given as pixels and drawn on a canvas in Chromium', () => classifyInChromium(outDir));

  // Headless Chromium here has no navigator.gpu, so this runs the WebGPU build's wasm fallback.
  it.skipIf(skipBrowser)('classifies in Chromium from the webgpu entry too (wasm where the browser has no WebGPU)', () =>
    classifyInChromium(join(project.dir, 'webgpu', 'dist')),
  );
});

// Serves a built app without isolation headers (as most static hosts do: one wasm thread), feeds it
// pixels and a drawn digit, and holds its answers to the float64 reference.
async function classifyInChromium(dir: string): Promise<void> {
  const server = await serveDemo({ model: modelPath, dir, isolation: false });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(server.url);
    await page.waitForFunction(() => '__consumer' in window);
    const classes = await page.evaluate((bytes) => (window as unknown as ConsumerWindow).__consumer.predict(bytes), Array.from(PIXELS));
    expect(classes).toEqual(EXPECTED);
    const drawn = await page.evaluate(() => (window as unknown as ConsumerWindow).__consumer.predictDrawn());
    const pixels = Uint8Array.from(drawn.pixels);
    expect(pixels.some((v) => v > 0)).toBe(true);
    expect(drawn.digit).toBe(argmaxRows10(referenceLogits(checkpoint, scaled(pixels)))[0]);
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
    await server.close();
  }
}

interface ConsumerWindow {
  __consumer: { predict(bytes: number[]): Promise<number[]>; predictDrawn(): Promise<{ digit: number; pixels: number[] }> };
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(dir, `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}
