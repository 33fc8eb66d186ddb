// Property tests of loadCheckpoint on a directory whose files were corrupted on disk (truncated,
// extended, bit-flipped, replaced by a directory or removed): a CheckpointError naming the directory or
// file in one line, or the whole checkpoint; never another error.
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError, DIGIT_LABELS, layerNames, MNIST_PREPROCESSING, type Checkpoint, type ModelSpec, type NamedWeight } from '@mnist/core';
import { loadCheckpoint, saveCheckpoint } from './checkpoint-io.js';

const RUNS = { seed: 20240612, numRuns: 100 };
const root = mkdtempSync(join(tmpdir(), 'mnist-ckpt-prop-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function smallCheckpoint(): Checkpoint {
  const spec: ModelSpec = { inputSize: 784, hiddenUnits: [3], activation: 'relu', outputSize: 10, initializer: 'truncated_normal' };
  const weights = new Map<string, NamedWeight>();
  for (const l of layerNames(spec)) {
    weights.set(l.kernel, { name: l.kernel, shape: [l.fanIn, l.fanOut], values: Float32Array.from({ length: l.fanIn * l.fanOut }, (_, i) => Math.sin(i)) });
    weights.set(l.bias, { name: l.bias, shape: [l.fanOut], values: new Float32Array(l.fanOut).fill(0.1) });
  }
  return {
    modelJson: {
      format: 'mnist-dnn-checkpoint', formatVersion: 1, modelSpec: spec, preprocessing: { ...MNIST_PREPROCESSING }, labels: [...DIGIT_LABELS],
      training: { epoch: 1, step: 2, epochs: 1, batchSize: 50, seed: 1, validationSize: 10, engine: 'onnx', backend: 'cpu', optimizer: { name: 'sgd', learningRate: 0.01 }, history: [{ epoch: 0, loss: 1, batchAccuracy: 0, validationAccuracy: 0 }] },
      weightsManifest: [],
    },
    weights,
  };
}

const corruption = fc.record({
  file: fc.constantFrom('model.json', 'weights.bin'),
  kind: fc.constantFrom('truncate', 'extend', 'flip', 'directory', 'remove', 'empty'),
  at: fc.nat(),
  bit: fc.integer({ min: 0, max: 7 }),
});

let case_ = 0;

describe('loadCheckpoint on a corrupted directory', () => {
  it('gives a CheckpointError naming the checkpoint, or the whole checkpoint', async () => {
    await fc.assert(
      fc.asyncProperty(corruption, async ({ file, kind, at, bit }) => {
        const dir = join(root, `c${case_++}`, 'dnn');
        await saveCheckpoint(dir, smallCheckpoint());
        const path = join(dir, file);
        const bytes = readFileSync(path);
        rmSync(path);
        if (kind === 'truncate') writeFileSync(path, bytes.subarray(0, at % bytes.length));
        else if (kind === 'extend') writeFileSync(path, Buffer.concat([bytes, Buffer.from([at & 0xff])]));
        else if (kind === 'flip') writeFileSync(path, Buffer.from(bytes.map((b, i) => (i === at % bytes.length ? b ^ (1 << bit) : b))));
        else if (kind === 'directory') mkdirSync(path);
        else if (kind === 'empty') writeFileSync(path, '');
        try {
          const checkpoint = await loadCheckpoint(dir);
          // Only a flip in model.json can leave a loadable checkpoint (it may change a value into another
          // valid one); any change to weights.bin fails model.json's SHA-256 of it.
          expect(`${file} ${kind}`).toBe('model.json flip');
          expect(checkpoint.weights.size).toBe(4);
        } catch (error) {
          if (!(error instanceof CheckpointError)) throw error;
          expect(error.message.startsWith(dir)).toBe(true);
          expect(error.message).not.toContain('\n');
        }
      }),
      RUNS,
    );
  });

  it('a path that is a file, not a directory, gives a CheckpointError naming it', async () => {
    const path = join(root, 'a-file');
    writeFileSync(path, 'x');
    await expect(loadCheckpoint(path)).rejects.toThrow(CheckpointError);
    await expect(loadCheckpoint(path)).rejects.toThrow(/a-file: is not a directory/);
  });
});
