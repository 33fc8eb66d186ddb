// trainEstimator (`mnist train --estimator`) in a folder that already holds a checkpoint: refused by
// default, started over with `overwrite`, and the folder's other files kept either way.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint-io.js';
import { scratchToyDataset } from './testing/toy-dataset.js';
import { trainEstimator, type EstimatorOptions } from './train-estimator.js';

let root: string;
let dataDir: string;
beforeAll(async () => {
  ({ root, dataDir } = await scratchToyDataset('train-estimator-', 300, 60));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const options = (out: string, extra: Partial<EstimatorOptions> = {}): EstimatorOptions => ({
  dataDir, out, steps: 5, batchSize: 20, hiddenUnits: [8], validationSize: 50, engine: 'tfjs', ...extra,
});

describe('trainEstimator in a folder holding a checkpoint', () => {
  it('refuses by default naming --overwrite, and with overwrite starts over keeping the other files', async () => {
    const out = join(root, 'run');
    await trainEstimator(options(out, { seed: 1 }));
    await writeFile(join(out, 'NOTES.txt'), 'mine\n');
    const first = await loadCheckpoint(out);
    await expect(trainEstimator(options(out, { seed: 2 }))).rejects.toThrow(
      `${out} already holds a checkpoint; pass --overwrite to start a new run there (other files in it are kept), or choose another --out`,
    );
    await trainEstimator(options(out, { seed: 2, overwrite: true }));
    const second = await loadCheckpoint(out);
    expect(second.modelJson.training.seed).toBe(2);
    const kernel = (c: typeof first) => c.weights.get('dnn/hidden1/kernel')!.values;
    expect(kernel(second)).not.toEqual(kernel(first));
    expect(await readFile(join(out, 'NOTES.txt'), 'utf8')).toBe('mine\n');
  });
});
