// The network-size ceilings: checked from the options alone, so an oversized network is a one-line
// RangeError naming the option before a weight (or an engine, or the data) is touched.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_SPEC, MAX_MODEL_BYTES, type ModelSpec } from '@mnist/core';
import { DNNClassifier } from './dnn-classifier.js';
import { createEngine } from './engine.js';
import { initialWeights } from './initializers.js';
import { checkHiddenUnits, checkNetworkSize, MAX_HIDDEN_LAYERS, MAX_HIDDEN_UNITS, MAX_PARAMETERS, parameterCount } from './network-options.js';
import { train } from './train.js';

const root = mkdtempSync(join(tmpdir(), 'network-options-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const spec = (hiddenUnits: number[], inputSize = 784, outputSize = 10): ModelSpec => ({ ...DEFAULT_MODEL_SPEC, inputSize, hiddenUnits, outputSize });

describe('network size ceilings', () => {
  it('keep every network the trainer builds within the model size ceiling once exported', () => {
    expect(MAX_PARAMETERS * 4).toBeLessThan(MAX_MODEL_BYTES);
    expect(parameterCount(DEFAULT_MODEL_SPEC)).toBe(266610);
  });

  it('name the option, the layer and the ceiling in one line', () => {
    expect(() => checkHiddenUnits([300, 1500000])).toThrow(new RangeError('hiddenUnits[1] is 1500000 units, more than the 65536 a hidden layer may have'));
    expect(() => checkHiddenUnits(new Array(33).fill(10))).toThrow(new RangeError('hiddenUnits has 33 hidden layers, more than the 32 the trainer builds'));
    expect(() => checkHiddenUnits([300, 0], 'spec.hiddenUnits')).toThrow(new RangeError('spec.hiddenUnits must be a list of positive integers, got [300,0]'));
    expect(() => checkNetworkSize(spec([40000, 40000]))).toThrow(
      new RangeError(
        'hiddenUnits [40000, 40000] with 784 inputs and 10 outputs is 1631840010 parameters (6.08 GiB of float32), more than the 33554432 (128 MiB) the trainer builds',
      ),
    );
  });

  it('refuse exactly the networks over a ceiling (property)', () => {
    const units = fc.oneof(fc.integer({ min: 1, max: 512 }), fc.integer({ min: 1, max: 2 * MAX_HIDDEN_UNITS }), fc.integer({ min: 1, max: 2 ** 40 }));
    fc.assert(
      fc.property(
        fc.array(units, { maxLength: MAX_HIDDEN_LAYERS + 4 }),
        fc.integer({ min: 1, max: 4096 }),
        fc.integer({ min: 2, max: 256 }),
        (hiddenUnits, inputSize, outputSize) => {
          const s = spec(hiddenUnits, inputSize, outputSize);
          const over =
            hiddenUnits.length > MAX_HIDDEN_LAYERS || hiddenUnits.some((u) => u > MAX_HIDDEN_UNITS) || parameterCount(s) > MAX_PARAMETERS;
          let error: unknown;
          try {
            checkNetworkSize(s);
          } catch (e) {
            error = e;
          }
          expect(error !== undefined).toBe(over);
          if (error) {
            expect(error).toBeInstanceOf(RangeError);
            expect((error as Error).message).toMatch(/^hiddenUnits[ [][^\n]*$/);
          }
        },
      ),
      { seed: 20261203, numRuns: 500 },
    );
  });

  it('count the parameters initialWeights makes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 4 }), fc.integer({ min: 1, max: 50 }), (hiddenUnits, inputSize) => {
        const weights = initialWeights(spec(hiddenUnits, inputSize), 1);
        expect([...weights.values()].reduce((n, w) => n + w.values.length, 0)).toBe(parameterCount(spec(hiddenUnits, inputSize)));
      }),
      { seed: 20261204, numRuns: 100 },
    );
  });

  it('stop initialWeights, createEngine, DNNClassifier and train before they allocate', async () => {
    const before = process.memoryUsage().rss;
    const huge = spec([MAX_HIDDEN_UNITS, MAX_HIDDEN_UNITS]); // 4.3 billion parameters, 17 GB as float32
    expect(() => initialWeights(huge, 1)).toThrow(/^hiddenUnits \[65536, 65536\] with 784 inputs and 10 outputs is 4347133962 parameters/);
    await expect(createEngine('tfjs', { spec: huge, optimizer: { name: 'sgd', learningRate: 0.01 } })).rejects.toThrow(/^hiddenUnits \[65536, 65536\]/);
    expect(() => new DNNClassifier({ hiddenUnits: [1500000], nClasses: 10 })).toThrow('hiddenUnits[0] is 1500000 units, more than the 65536 a hidden layer may have');
    // Refused from the options: the data directory does not exist and is never looked at.
    await expect(train({ hiddenUnits: [1500000], dataDir: join(root, 'no-data'), out: join(root, 'out'), engine: 'tfjs' })).rejects.toThrow(
      new RangeError('hiddenUnits[0] is 1500000 units, more than the 65536 a hidden layer may have'),
    );
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 2 ** 20);
  });
});
