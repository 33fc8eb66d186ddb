// train goes through the registered platform: checkpoints, run lock and dataset from its services (a
// store of the user's own writes nothing to disk), and `logdir` is refused where there is no log factory.
import type { Checkpoint } from '@mnist/core';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nodePlatform } from './platform/node-platform.js';
import { setPlatform, type CheckpointStore } from './platform/platform.js';
import { scratchToyDataset } from './testing/toy-dataset.js';
import { train, type TrainOptions } from './train.js';

let root: string;
let dataDir: string;
const settings: TrainOptions = { epochs: 1, batchSize: 20, learningRate: 0.1, hiddenUnits: [8], validationSize: 50, seed: 3, engine: 'tfjs' };

beforeAll(async () => {
  ({ root, dataDir } = await scratchToyDataset('train-platform-', 300, 60));
});
afterEach(() => {
  setPlatform(nodePlatform);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Checkpoints in a Map, logging each call as `<method> <location>`. */
function mapStore(calls: string[]): CheckpointStore & { saved: Map<string, Checkpoint> } {
  const saved = new Map<string, Checkpoint>();
  return {
    saved,
    holds: async (location) => (calls.push(`holds ${location}`), saved.has(location)),
    load: async (location) => (calls.push(`load ${location}`), saved.get(location)!),
    save: async (location, checkpoint) => void (calls.push(`save ${location}`), saved.set(location, checkpoint)),
    lock: async (location) => (calls.push(`lock ${location}`), async () => void calls.push(`release ${location}`)),
  };
}

describe('train on the registered platform', () => {
  it('locks, saves and resumes through the platform\'s checkpoint store, and reads the data from its source', async () => {
    const calls: string[] = [];
    const checkpoints = mapStore(calls);
    const read: string[] = [];
    setPlatform({
      ...nodePlatform,
      checkpoints,
      datasets: {
        read: async (location, options) => (read.push(`read ${location}`), nodePlatform.datasets.read(location, options)),
        record: async (location) => (read.push(`record ${location}`), nodePlatform.datasets.record(location)),
      },
    });
    const out = join(root, 'in-the-store');
    const result = await train({ ...settings, dataDir, out });
    expect(calls).toEqual([`lock ${out}`, `holds ${out}`, `save ${out}`, `save ${out}`, `release ${out}`]);
    expect(read).toEqual([`read ${dataDir}`, `record ${dataDir}`]);
    expect(existsSync(out)).toBe(false);
    const saved = checkpoints.saved.get(out)!;
    expect(saved.modelJson.training.testAccuracy).toBe(result.testAccuracy);
    expect(saved.modelJson.training.dataset?.folder).toBe((await nodePlatform.datasets.record(dataDir)).folder);

    calls.length = 0;
    const resumed = await train({ ...settings, epochs: 2, dataDir, out, resume: true });
    expect(calls.slice(0, 3)).toEqual([`lock ${out}`, `holds ${out}`, `load ${out}`]);
    expect(resumed.history.slice(0, 1)).toEqual(result.history);
    expect(resumed.epochs).toBe(2);
  });

  it('refuses logdir and logEvery in one line on a platform without TensorBoard files, before taking the lock', async () => {
    const calls: string[] = [];
    setPlatform({ name: 'browser', checkpoints: mapStore(calls), datasets: nodePlatform.datasets });
    await expect(train({ ...settings, dataDir, out: 'run', logdir: 'runs' })).rejects.toThrow(
      new RangeError('logdir: TensorBoard event files go into a folder, and the browser platform has none; train without logdir'),
    );
    await expect(train({ ...settings, dataDir, out: 'run', logEvery: 10 })).rejects.toThrow(
      new RangeError('logEvery: TensorBoard event files go into a folder, and the browser platform has none; train without logEvery'),
    );
    expect(calls).toEqual([]);
  });
});
