// A checkpoint save that fails mid-run (injected: the save that first replaces a checkpoint throws EIO at
// its first rename, of model.json) ends the run with that error, keeps the last good checkpoint and releases the run lock.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadCheckpoint } from './checkpoint-io.js';
import { scratchToyDataset } from './testing/toy-dataset.js';
import { train } from './train.js';

const fault = vi.hoisted(() => ({ armed: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fsp = await importOriginal<typeof import('node:fs/promises')>();
  const rename: typeof fsp.rename = async (from, to) => {
    // Only a save that replaces a checkpoint renames a temp file over an existing model.json.
    if (fault.armed && String(to).endsWith('model.json') && existsSync(String(to))) {
      fault.armed = false;
      throw Object.assign(new Error(`EIO: i/o error, rename '${String(from)}' -> '${String(to)}'`), { code: 'EIO' });
    }
    return fsp.rename(from, to);
  };
  return { ...fsp, default: { ...fsp, rename }, rename };
});

let root: string;
beforeAll(async () => {
  ({ root } = await scratchToyDataset('trainer-save-failure-', 400, 100));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('train with a failing checkpoint save', () => {
  it('fails at the next epoch boundary, keeps the previous checkpoint and releases the lock', async () => {
    const out = join(root, 'run');
    const lines: string[] = [];
    const reported: number[] = [];
    fault.armed = true; // epoch 0's save creates the checkpoint; epoch 1's, which replaces it, fails
    const run = train({
      dataDir: join(root, 'data'),
      out,
      epochs: 5,
      batchSize: 20,
      hiddenUnits: [8],
      validationSize: 100,
      engine: 'tfjs',
      onLog: (line) => lines.push(line),
      onEpoch: (record) => reported.push(record.epoch),
    });
    await expect(run).rejects.toThrow(`${join(out, 'model.json')}: cannot replace the file (EIO: i/o error)`);
    expect(fault.armed).toBe(false);
    expect(reported).toEqual([0]);
    expect(lines.filter((l) => /^epoch \d+\/\d+: loss /.test(l))).toHaveLength(1);
    const { modelJson } = await loadCheckpoint(out);
    expect(modelJson.training.epoch).toBe(1);
    expect(modelJson.training.history.map((h) => h.epoch)).toEqual([0]);
    expect(existsSync(`${out}.lock`)).toBe(false);
    // The directory resumes like any other: the failed epochs are run again.
    const resumed = await train({ dataDir: join(root, 'data'), out, epochs: 3, batchSize: 20, hiddenUnits: [8], validationSize: 100, engine: 'tfjs', resume: true });
    expect(resumed.epochs).toBe(3);
  });
});
