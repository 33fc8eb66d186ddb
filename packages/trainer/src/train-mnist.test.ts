// End to end on real MNIST: a short run on a slice learns far above chance, and the checkpoint
// restores for eval and predict.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateCheckpoint, predictCheckpoint } from './restore.js';
import { train } from './train.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trainer-mnist-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('train on MNIST', () => {
  it('reaches far above chance on 10000 images in 2 epochs; eval and predict agree with it', async () => {
    const out = join(root, 'dnn');
    const result = await train({ out, epochs: 2, trainLimit: 10_000 });
    expect(result.testAccuracy).toBeGreaterThan(0.8);
    expect(result.validationAccuracy).toBeGreaterThan(0.8);
    const evaluation = await evaluateCheckpoint(out);
    expect(evaluation).toMatchObject({ accuracy: result.testAccuracy, n: 10_000, labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
    const diagonal = evaluation.confusionMatrix.reduce((sum, row, i) => sum + row[i], 0);
    expect(diagonal / evaluation.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(evaluation.accuracy);
    const { predictions, labels } = await predictCheckpoint(out, { first: 20 });
    expect(labels).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5, 9, 7, 3, 4]);
    expect(predictions.filter((p, i) => p === labels[i]).length).toBeGreaterThanOrEqual(15);
    await expect(predictCheckpoint(out, { first: 0 })).rejects.toThrow('first must be an integer in [1, 10000]');
    await expect(evaluateCheckpoint(join(root, 'missing'))).rejects.toThrow(/missing/);
  });
});
