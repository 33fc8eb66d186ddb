import { encodeIdx } from '@mnist/core';
import { describe, expect, it } from 'vitest';
import { loadOrtRuntime } from '../onnx/ort-runtime.js';
import { brightPixelSet, ROW_THIRDS } from '../testing/toy-dataset.js';
import { browserCheckpoints, browserPlatform, configureBrowserTrainer } from './browser-platform.js';
import { MemoryCheckpointStore } from './memory-checkpoint-store.js';
import { platform } from './platform.js';

// An injected fetch serving a toy set under any prefix: what the page's server would give.
function toyFetch(seen: string[]): typeof fetch {
  const set = (prefix: string, count: number, seed: number) => {
    const { images, labels } = brightPixelSet(count, seed, ROW_THIRDS);
    return {
      [`${prefix}-images-idx3-ubyte`]: encodeIdx({ dtype: 'uint8', shape: [count, 6, 6], data: images }),
      [`${prefix}-labels-idx1-ubyte`]: encodeIdx({ dtype: 'uint8', shape: [count], data: labels }),
    };
  };
  const files: Record<string, Uint8Array> = { ...set('train', 30, 1), ...set('t10k', 10, 2) };
  return (async (url: string) => {
    seen.push(url);
    const bytes = files[url.split('/').at(-1)!];
    return bytes ? new Response(bytes as Uint8Array<ArrayBuffer>) : new Response(null, { status: 404 });
  }) as unknown as typeof fetch;
}

describe('configureBrowserTrainer', () => {
  it('registers a browser platform reading the built-in set from datasetUrl into the store given', async () => {
    const seen: string[] = [];
    const checkpoints = new MemoryCheckpointStore();
    const configured = configureBrowserTrainer({ datasetUrl: 'https://page.test/data/mnist', fetch: toyFetch(seen), checkpoints, numThreads: 1 });
    expect(platform()).toBe(configured);
    expect(configured.name).toBe('browser');
    expect(configured.checkpoints).toBe(checkpoints);
    expect(configured.trainingLog).toBeUndefined();
    // The digests are MNIST's: a toy set served as the built-in one is refused, from the configured URL.
    await expect(configured.datasets.read(undefined, {})).rejects.toThrow(/^https:\/\/page\.test\/data\/mnist\/train-images-idx3-ubyte: SHA-256 mismatch/);
    const { train } = await configured.datasets.read('https://page.test/toy/', { nClasses: 3 });
    expect(train.count).toBe(30);
    expect(seen).toContain('https://page.test/toy/t10k-labels-idx1-ubyte');
  });

  it("sets onnxruntime-web's thread count before its first session", async () => {
    configureBrowserTrainer({ numThreads: 1 });
    expect((await loadOrtRuntime('web', 3)).value.threads).toBe(1);
    expect(() => configureBrowserTrainer({ numThreads: 2 })).toThrow(/^configureOrtWeb: onnxruntime-web is already set up with \{"numThreads":1\}/);
    expect(() => configureBrowserTrainer({ numThreads: 0 })).toThrow('numThreads must be a positive integer, got 0');
  });

  it('trains on the execution provider asked for, loading the WebGPU build only then, and back on wasm when asked again', async () => {
    expect(() => configureBrowserTrainer({ numThreads: 1, executionProvider: 'webgl' as 'wasm' })).toThrow('executionProvider must be one of wasm, webgpu, got "webgl"');
    expect(() => configureBrowserTrainer({ numThreads: 1, executionProvider: 'webgpu' })).toThrow(
      "executionProvider 'webgpu' needs loadWebGpu, e.g. () => import('onnxruntime-web/webgpu')",
    );
    let loads = 0;
    // Node has no navigator.gpu: the wasm build stands in for the WebGPU one, to see which is loaded with what.
    const loadWebGpu = async () => {
      loads += 1;
      return import('onnxruntime-web');
    };
    configureBrowserTrainer({ numThreads: 1, loadWebGpu });
    const wasm = (await loadOrtRuntime('web', 1)).value;
    expect([wasm.executionProvider, wasm.sessionOptions.executionProviders, loads]).toEqual(['wasm', ['wasm'], 0]);
    configureBrowserTrainer({ numThreads: 1, executionProvider: 'webgpu', loadWebGpu });
    const webgpu = (await loadOrtRuntime('web', 1)).value;
    expect([webgpu.executionProvider, webgpu.sessionOptions.executionProviders, webgpu.threads, loads]).toEqual(['webgpu', ['webgpu'], 1, 1]);
    configureBrowserTrainer({ numThreads: 1 });
    expect((await loadOrtRuntime('web', 1)).value.sessionOptions.executionProviders).toEqual(['wasm']);
    expect(loads).toBe(1);
  });

  it('without configuration, keeps checkpoints in browserCheckpoints and asks for the dataset URL', async () => {
    expect(browserPlatform.checkpoints).toBe(browserCheckpoints);
    await expect(browserPlatform.datasets.read(undefined, {})).rejects.toThrow('the built-in MNIST has no URL here: call configureBrowserTrainer({ datasetUrl })');
    await import('./register-browser.js');
    expect(platform()).toBe(browserPlatform);
  });
});
