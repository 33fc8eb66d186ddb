import { describe, expect, it } from 'vitest';
import { ortBuild, webExecutionProviders } from './ort-build.js';
import { MnistClassifier } from './mnist-classifier.js';

describe('webExecutionProviders', () => {
  it('defaults to wasm, and to webgpu then wasm only on the WebGPU build of a browser with navigator.gpu', () => {
    expect(webExecutionProviders(undefined, 'wasm')).toEqual(['wasm']);
    expect(webExecutionProviders(undefined, 'node')).toEqual(['wasm']);
    // Node has no navigator.gpu: the WebGPU build falls back to wasm by default.
    expect(webExecutionProviders(undefined, 'webgpu')).toEqual(['wasm']);
    expect(webExecutionProviders(['webgpu', 'wasm'], 'webgpu')).toEqual(['webgpu', 'wasm']);
  });

  it('refuses webgpu without the WebGPU build, naming the entry to import, and unknown names', () => {
    expect(() => webExecutionProviders(['webgpu'], 'wasm')).toThrow(/'webgpu' needs onnxruntime-web's WebGPU build: import \{ MnistClassifier \} from '@mnist\/infer-web\/webgpu'/);
    expect(() => webExecutionProviders(['webgpu'], 'node')).toThrow(/browsers only; in Node, @mnist\/infer-node/);
    expect(() => webExecutionProviders(['cuda' as 'wasm'], 'webgpu')).toThrow(/unknown execution provider "cuda"; valid choices: webgpu, wasm/);
    expect(() => webExecutionProviders([], 'wasm')).toThrow(TypeError);
  });
});

describe('the selected build', () => {
  it('is the Node build under vitest (the setup file does what the entry does in Node)', () => {
    expect(ortBuild().name).toBe('node');
  });

  it('refuses a load that asks for webgpu in Node, before reading the model', async () => {
    await expect(MnistClassifier.load('missing.onnx', { executionProviders: ['webgpu'] })).rejects.toThrow(/browsers only/);
  });
});
