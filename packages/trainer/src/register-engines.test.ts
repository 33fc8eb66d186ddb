// Engine registration: the contract (engine.ts) knows no engine; importing the package's entry
// registers onnx and tfjs, fastest first, as onnxruntime-node registers its backend.
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_MODEL_SPEC } from '@mnist/core';

// Each test reads fresh module instances, so the engines this package's test setup registered do not count.
async function freshContract(): Promise<typeof import('./engine.js')> {
  vi.resetModules();
  return import('./engine.js');
}

describe('engine registration', () => {
  it('the contract alone registers nothing, and createEngine says what to import', async () => {
    const { createEngine, engineNames } = await freshContract();
    expect(engineNames()).toEqual([]);
    await expect(createEngine('auto', { spec: DEFAULT_MODEL_SPEC, optimizer: { name: 'sgd', learningRate: 0.01 } })).rejects.toThrow(
      "no engine is registered: import '@mnist/trainer' (it registers onnx and tfjs) or call registerEngine first",
    );
  });

  it("the package's entry registers onnx before tfjs", async () => {
    const { engineNames } = await freshContract();
    const entry = await import('./index.js');
    expect(engineNames()).toEqual(['onnx', 'tfjs']);
    expect(entry.engineNames()).toEqual(['onnx', 'tfjs']);
  });
});
