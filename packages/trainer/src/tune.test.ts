// The random search on a tiny generated IDX dataset: a reproducible table sorted by validation
// accuracy, the best trial's checkpoint saved, budgets and refusals.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint-io.js';
import { DEFAULT_SEARCH_SPACE, drawTrials, tune, type TuneOptions } from './tune.js';
import { scratchToyDataset } from './testing/toy-dataset.js';

let root: string;
let dataDir: string;

beforeAll(async () => {
  ({ root, dataDir } = await scratchToyDataset('tune-', 500, 100));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const small: TuneOptions['space'] = { units: [4, 24] };
const options = (out: string, extra: Partial<TuneOptions> = {}): TuneOptions => ({
  dataDir, out: join(root, out), trials: 4, epochs: 3, patience: 1, batchSize: 20, validationSize: 100, engine: 'tfjs', space: small, ...extra,
});

describe('drawTrials', () => {
  it('draws within the space, reproducibly from the seed', () => {
    const trials = drawTrials(DEFAULT_SEARCH_SPACE, 200, 42);
    expect(drawTrials(DEFAULT_SEARCH_SPACE, 200, 42)).toEqual(trials);
    expect(drawTrials(DEFAULT_SEARCH_SPACE, 5, 42)).toEqual(trials.slice(0, 5));
    expect(drawTrials(DEFAULT_SEARCH_SPACE, 5, 43)).not.toEqual(trials.slice(0, 5));
    const depths = new Set(trials.map((t) => t.hiddenUnits.length));
    expect([...depths].sort()).toEqual([1, 2, 3, 4]);
    for (const t of trials) {
      for (const u of t.hiddenUnits) expect(u >= 50 && u <= 500).toBe(true);
      const [lo, hi] = DEFAULT_SEARCH_SPACE.learningRates[t.optimizer];
      expect(t.learningRate).toBeGreaterThanOrEqual(Number(lo.toPrecision(3)));
      expect(t.learningRate).toBeLessThanOrEqual(hi);
    }
    // Log scale: about as many draws below the geometric middle (~158) as above.
    const units = trials.flatMap((t) => t.hiddenUnits);
    const below = units.filter((u) => u < Math.sqrt(50 * 500)).length / units.length;
    expect(Math.abs(below - 0.5)).toBeLessThan(0.1);
    expect(new Set(trials.map((t) => t.optimizer)).size).toBe(6);
    expect(new Set(trials.map((t) => t.activation)).size).toBe(6);
  });
});

describe('tune', () => {
  it('ranks trials by validation accuracy, saves the best one, and repeats itself from the seed', async () => {
    const lines: string[] = [];
    const seen: number[] = [];
    const result = await tune(options('a', { onLog: (l) => lines.push(l), onTrial: (r) => seen.push(r.trial) }));
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(result.trials).toHaveLength(4);
    const accs = result.trials.map((t) => t.validationAccuracy);
    expect([...accs].sort((a, b) => b - a)).toEqual(accs);
    expect(result.best).toBe(result.trials[0]);
    expect(lines[0]).toMatch(/^Trial 1\/4: \[\d+(,\d+)*\] \w+ \w+ lr=[\d.e-]+ dropout=[\d.]+$/);
    const saved = await loadCheckpoint(join(root, 'a'));
    expect(saved.modelJson.modelSpec.hiddenUnits).toEqual(result.best.hiddenUnits);
    expect(saved.modelJson.modelSpec.activation).toBe(result.best.activation);
    expect(saved.modelJson.training.optimizer.name).toBe(result.best.optimizer);
    expect(saved.modelJson.training.earlyStopping?.bestValidationAccuracy).toBe(result.best.validationAccuracy);
    expect(result.testAccuracy).toBe(saved.modelJson.training.testAccuracy);
    const again = await tune(options('b'));
    const strip = (r: typeof result) => r.trials.map(({ seconds, ...t }) => t);
    expect(strip(again)).toEqual(strip(result));
  });

  it('stops starting trials when the minutes run out (the first always runs), and refuses a used --out', async () => {
    const result = await tune(options('c', { trials: undefined, minutes: 1e-6 }));
    expect(result.trials).toHaveLength(1);
    await expect(tune(options('c'))).rejects.toThrow(/already holds a checkpoint/);
    await expect(tune(options('d', { space: { layers: [0, 2] } }))).rejects.toThrow(/space.layers/);
  });
});
