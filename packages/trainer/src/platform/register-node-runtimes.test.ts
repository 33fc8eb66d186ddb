// What the Node registrations add: without them (a browser's module graph) the onnx engine runs on
// onnxruntime-web with the same selection line a Node run on web gets; with them, onnxruntime-node first.
import type { ModelSpec } from '@mnist/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OnnxEngine } from '../onnx/onnx-engine.js';

const SPEC: ModelSpec = { inputSize: 36, hiddenUnits: [24, 12], activation: 'relu', outputSize: 10, initializer: 'truncated_normal' };
const OPTIONS = { spec: SPEC, optimizer: { name: 'sgd' as const, learningRate: 0.05 } };
const WEB_LINE = 'backend onnxruntime-web (requested), 1 thread (lockstep runner refused: it runs on onnxruntime-node, not onnxruntime-web)';

const live: OnnxEngine[] = [];
afterEach(() => live.splice(0).forEach((e) => e.dispose()));

/** The engine's modules afresh: the setup file's registrations live in the instances it imported. */
async function freshModules() {
  vi.resetModules();
  const [engine, runtime] = await Promise.all([import('../onnx/onnx-engine.js'), import('../onnx/ort-runtime.js')]);
  return { createOnnxEngine: engine.createOnnxEngine, configureOrtWeb: runtime.configureOrtWeb };
}

describe('the onnx engine without the Node registrations', () => {
  it('picks onnxruntime-web, says why no lockstep runner, and refuses backend node in one line', async () => {
    const { createOnnxEngine } = await freshModules();
    const web = await createOnnxEngine({ ...OPTIONS, backend: 'web' });
    live.push(web);
    expect(web.selection).toBe(WEB_LINE);
    const auto = await createOnnxEngine(OPTIONS);
    live.push(auto);
    expect(auto.selection).toBe('backend onnxruntime-web, 1 thread (lockstep runner refused: it runs on onnxruntime-node, not onnxruntime-web)');
    await expect(createOnnxEngine({ ...OPTIONS, backend: 'node' })).rejects.toThrow(
      `backend "node": onnxruntime-node is not registered here (the Node entry, import '@mnist/trainer', registers it)`,
    );
    await expect(createOnnxEngine({ ...OPTIONS, backend: 'web', cores: 2 })).rejects.toThrow(
      'cores 2: the lockstep runner cannot take this run: it runs on onnxruntime-node, not onnxruntime-web',
    );
  });

  it('configureOrtWeb checks its options and refuses to change them once onnxruntime-web is set up', async () => {
    const { createOnnxEngine, configureOrtWeb } = await freshModules();
    expect(() => configureOrtWeb({ numThreads: 0 })).toThrow('numThreads must be a positive integer, got 0');
    expect(() => configureOrtWeb({ wasmPaths: { wasm: '' } })).toThrow('wasmPaths must be a URL prefix or { wasm, mjs } URLs, got {"wasm":""}');
    configureOrtWeb({ numThreads: 1 });
    const web = await createOnnxEngine({ ...OPTIONS, backend: 'web', threads: 3 });
    live.push(web);
    // The configured wasm thread count wins over the engine's, and the selection line says so.
    expect(web.selection).toBe(WEB_LINE);
    expect(() => configureOrtWeb({ numThreads: 1 })).not.toThrow();
    expect(() => configureOrtWeb({ numThreads: 2 })).toThrow(
      'configureOrtWeb: onnxruntime-web is already set up with {"numThreads":1}; call it before the first onnx engine on backend web',
    );
  });

  it('compares a late configureOrtWeb with what onnxruntime-web really runs, not with what was asked', async () => {
    const { createOnnxEngine, configureOrtWeb } = await freshModules();
    const web = await createOnnxEngine({ ...OPTIONS, backend: 'web', threads: 1 });
    live.push(web);
    expect(() => configureOrtWeb({ numThreads: 1 })).not.toThrow();
    expect(() => configureOrtWeb({ numThreads: 2 })).toThrow(/already set up with \{"numThreads":1\}/);
  });
});

describe('the onnx engine with the Node registrations', () => {
  it('picks onnxruntime-node by default and gives a run on web the same line as a browser', async () => {
    const { createOnnxEngine } = await freshModules();
    await import('./register-node-runtimes.js');
    const native = await createOnnxEngine({ ...OPTIONS, cores: 1 });
    live.push(native);
    expect(native.selection).toBe('backend onnxruntime-node, 1 thread');
    const web = await createOnnxEngine({ ...OPTIONS, backend: 'web' });
    live.push(web);
    expect(web.selection).toBe(WEB_LINE);
  });
});

describe('tfjs backends', () => {
  it('offer tensorflow (tfjs-node) only with the Node registrations', async () => {
    vi.resetModules();
    const bare = await import('../tfjs/backends.js');
    await expect(bare.useTfjsBackend('tensorflow')).rejects.toThrow('unknown backend "tensorflow"; choose one of: auto, wasm, cpu');
    await import('./register-node-runtimes.js');
    // Registered: it loads, or (tfjs-node is optional) is refused for a reason of its own.
    const outcome = await bare.useTfjsBackend('tensorflow').then(
      (r) => r.name,
      (e: Error) => e.message,
    );
    expect(outcome).toMatch(/^(tensorflow|backend tensorflow cannot run here: tensorflow: .+)$/);
  });
});
