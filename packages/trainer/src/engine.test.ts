// createEngine with `auto`: the fastest engine that accepts the options, and the reason for every
// engine passed over in the one-line message.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_SPEC } from '@mnist/core';
import { createEngine, engineNames } from './engine.js';

describe('createEngine', () => {
  it('ranks onnx before tfjs', () => {
    expect(engineNames()).toEqual(['onnx', 'tfjs']);
  });

  it('auto falls back to tfjs when onnx refuses the options, and the message says why', async () => {
    // A tfjs backend name is an option the onnx engine refuses.
    const { engine, message } = await createEngine('auto', {
      spec: { ...DEFAULT_MODEL_SPEC, hiddenUnits: [8], activation: 'selu' },
      optimizer: { name: 'rmsprop', learningRate: 0.001 },
      dropoutRate: 0.5,
      backend: 'cpu',
    });
    try {
      expect(engine.name).toBe('tfjs');
      expect(message).toMatch(/^engine tfjs \(auto: the fastest engine that loads\) on backend cpu \(requested\); engine onnx refused: backend "cpu" is not one of/);
    } finally {
      engine.dispose();
    }
  });

  it('a forced engine that refuses says so, naming the option', async () => {
    await expect(
      createEngine('tfjs', { spec: DEFAULT_MODEL_SPEC, optimizer: { name: 'adam', learningRate: 0.001, beta1: 1 } }),
    ).rejects.toThrow('engine tfjs cannot run here: tfjs: optimizer.beta1 must be in [0, 1), got 1');
    await expect(createEngine('tfjs', { spec: DEFAULT_MODEL_SPEC, optimizer: { name: 'sgd', learningRate: 0.01 }, dropoutRate: 1 })).rejects.toThrow(
      /dropoutRate must be in \[0, 1\), got 1/,
    );
  });
});
