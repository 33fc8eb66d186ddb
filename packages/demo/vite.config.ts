// Vite build of the demo pages (page/ -> dist/page/: the drawing pad, and the training page with its
// worker). onnxruntime-web is taken as its wasm-only build in its "extern wasm" flavour; the training
// worker alone imports its WebGPU build (`onnxruntime-web/webgpu`, a chunk of its own loaded only where
// WebGPU gives an adapter). The runtime files both fetch are copied to ort/ beside the page: the page
// points env.wasm.wasmPaths there, and the threaded runtime's workers load the small .mjs loader instead
// of the whole page bundle (which would run the page's DOM code inside a worker).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

/** The ONNX Runtime Web files the wasm build fetches at run time, served under ort/. */
export const ORT_RUNTIME_FILES = ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs'] as const;

/** The files onnxruntime-web's WebGPU build fetches instead (its asyncify runtime), also under ort/. */
export const ORT_WEBGPU_RUNTIME_FILES = ['ort-wasm-simd-threaded.asyncify.wasm', 'ort-wasm-simd-threaded.asyncify.mjs'] as const;

const require = createRequire(import.meta.url);

function copyOrtRuntime(): Plugin {
  return {
    name: 'mnist-demo:copy-ort-runtime',
    apply: 'build',
    generateBundle() {
      for (const file of [...ORT_RUNTIME_FILES, ...ORT_WEBGPU_RUNTIME_FILES]) {
        this.emitFile({ type: 'asset', fileName: `ort/${file}`, source: readFileSync(require.resolve(`onnxruntime-web/${file}`)) });
      }
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('./page', import.meta.url)),
  // Relative asset URLs: the page works from any path prefix it is served under.
  base: './',
  resolve: {
    alias: [{ find: /^onnxruntime-web$/, replacement: 'onnxruntime-web/wasm' }],
    // Sibling packages from their TypeScript sources (no stale dist/); ort without its inlined runtime.
    conditions: ['@mnist/source', 'onnxruntime-web-use-extern-wasm', ...defaultClientConditions],
  },
  build: {
    outDir: fileURLToPath(new URL('./dist/page', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
    reportCompressedSize: false,
    rolldownOptions: {
      // Two pages: the drawing pad (index.html) and the training page (train.html), linked both ways.
      input: {
        index: fileURLToPath(new URL('./page/index.html', import.meta.url)),
        train: fileURLToPath(new URL('./page/train.html', import.meta.url)),
      },
      // @mnist/infer-web reads model files with node:fs only when running in Node, through a dynamic
      // import that a browser never reaches: left as is rather than replaced by a stub.
      external: [/^node:/],
    },
  },
  // The training page's worker is an ES module: the trainer imports its engines and runtimes on first
  // use, which needs code splitting (the default iife worker format cannot split).
  worker: { format: 'es' },
  plugins: [copyOrtRuntime()],
  logLevel: 'warn',
});
