// buildDemo: a real Vite build into a temporary directory, skipped while its inputs are unchanged.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILD_STAMP, buildDemo, demoInputsHash } from './build-demo.js';

const parent = mkdtempSync(join(tmpdir(), 'build-demo-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('buildDemo', () => {
  it('builds the page with the ort runtime beside it, then skips an up-to-date build', async () => {
    const outDir = join(parent, 'page');
    expect(await buildDemo({ outDir })).toBe(outDir);
    // The wasm build's runtime, and the asyncify one of the WebGPU build the training worker loads where WebGPU exists.
    expect(readdirSync(join(outDir, 'ort')).sort()).toEqual([
      'ort-wasm-simd-threaded.asyncify.mjs',
      'ort-wasm-simd-threaded.asyncify.wasm',
      'ort-wasm-simd-threaded.mjs',
      'ort-wasm-simd-threaded.wasm',
    ]);
    const html = readFileSync(join(outDir, 'index.html'), 'utf8');
    const script = /<script type="module" crossorigin src="\.\/(assets\/[^"]+\.js)"><\/script>/.exec(html);
    expect(script, html).not.toBeNull();
    // Two pages share chunks (onnxruntime-web, the pad): the page's entry and what it imports.
    const bundle = [script![1], ...[...readFileSync(join(outDir, script![1]), 'utf8').matchAll(/from"\.\/([\w.-]+\.js)"/g)].map((m) => `assets/${m[1]}`)]
      .map((file) => readFileSync(join(outDir, file), 'utf8'))
      .join('\n');
    // The wasm-only ort build: it loads ort-wasm-simd-threaded.mjs, never the 20 MB WebGPU (jsep) runtime.
    expect(bundle).toContain('ort-wasm-simd-threaded');
    expect(bundle).not.toContain('jsep.mjs');
    expect(bundle).not.toContain('asyncify');
    // The training page, linked both ways with the drawing page, and its module worker as its own chunk.
    expect(html).toContain('href="./train.html"');
    const trainHtml = readFileSync(join(outDir, 'train.html'), 'utf8');
    expect(trainHtml).toContain('href="./"');
    const trainScript = /<script type="module" crossorigin src="\.\/(assets\/[^"]+\.js)"><\/script>/.exec(trainHtml);
    expect(trainScript, trainHtml).not.toBeNull();
    const trainBundle = readFileSync(join(outDir, trainScript![1]), 'utf8');
    const workerFile = /["'`](?:\.\/)?(train-worker-[\w-]+\.js)["'`]/.exec(trainBundle);
    expect(workerFile, 'the worker chunk named in the training page').not.toBeNull();
    expect(readFileSync(join(outDir, 'assets', workerFile![1]), 'utf8')).toMatch(/\bimport\b/);
    expect(JSON.parse(readFileSync(join(outDir, BUILD_STAMP), 'utf8'))).toEqual({ inputs: demoInputsHash() });

    const builtAt = statSync(join(outDir, 'index.html')).mtimeMs;
    expect(await buildDemo({ outDir })).toBe(outDir);
    expect(statSync(join(outDir, 'index.html')).mtimeMs).toBe(builtAt);
    await buildDemo({ outDir, force: true });
    expect(statSync(join(outDir, 'index.html')).mtimeMs).toBeGreaterThan(builtAt);
    expect(readdirSync(parent)).toEqual(['page']);
  });

  it('refuses a bad outDir', async () => {
    await expect(buildDemo({ outDir: '' })).rejects.toThrow(/options\.outDir/);
    expect(existsSync(join(parent, 'nothing'))).toBe(false);
  });
});
