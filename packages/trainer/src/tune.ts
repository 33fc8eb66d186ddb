// Random search over the chapter's tuning knobs (depth, width, learning rate, activation, dropout,
// optimizer): each trial is a `train` run with early stopping at a fixed epoch budget; trials are
// ranked by validation accuracy and the best one's checkpoint is kept.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACTIVATIONS, deriveSeed, Rng, type Activation } from '@mnist/core';
import { acquireRunLock, checkpointExists, loadCheckpoint, saveCheckpoint } from './checkpoint-io.js';
import { OPTIMIZER_NAMES, type OptimizerName } from './engine.js';
import { train } from './train.js';

/** Where the search draws from. Units and learning rates are drawn log-uniformly. */
export interface SearchSpace {
  /** Hidden layers, inclusive range. */
  layers: [number, number];
  /** Units per hidden layer, inclusive range (log scale). */
  units: [number, number];
  activations: Activation[];
  optimizers: OptimizerName[];
  /** Learning-rate range per optimizer (log-uniform): plain SGD wants far larger steps than Adam. */
  learningRates: Record<OptimizerName, [number, number]>;
  /** Dropout rates to pick from. */
  dropoutRates: number[];
}

/** The default space: 1-4 layers of 50-500 units, every activation and optimizer, dropout 0-0.5. */
export const DEFAULT_SEARCH_SPACE: SearchSpace = Object.freeze({
  layers: [1, 4],
  units: [50, 500],
  activations: [...ACTIVATIONS],
  optimizers: [...OPTIMIZER_NAMES],
  learningRates: {
    sgd: [0.01, 0.3],
    momentum: [0.001, 0.05],
    nesterov: [0.001, 0.05],
    adagrad: [0.01, 0.3],
    rmsprop: [0.0001, 0.003],
    adam: [0.0001, 0.003],
  },
  dropoutRates: [0, 0, 0.1, 0.2, 0.3, 0.5],
}) as SearchSpace;

/** One trial's settings. */
export interface TrialConfig {
  hiddenUnits: number[];
  activation: Activation;
  optimizer: OptimizerName;
  learningRate: number;
  dropoutRate: number;
}

/** One finished trial. */
export interface TrialResult extends TrialConfig {
  /** 1-based, in the order drawn. */
  trial: number;
  /** Best validation accuracy of the trial, and the 0-based epoch it came from. */
  validationAccuracy: number;
  bestEpoch: number;
  /** Epochs run (fewer than the budget when early stopping ended the trial). */
  epochs: number;
  stoppedEarly: boolean;
  seconds: number;
  engine: string;
}

/** Options of `tune`. */
export interface TuneOptions {
  /** Directory for the best trial's checkpoint (default `checkpoints/tuned`). */
  out?: string;
  dataDir?: string;
  /** Trials to run; default 10 without `minutes`, unbounded with it. */
  trials?: number;
  /** Start no trial after this many minutes (a running trial finishes). */
  minutes?: number;
  /** Epoch budget per trial (default 10). */
  epochs?: number;
  /** Early-stopping patience per trial (default 2). */
  patience?: number;
  batchSize?: number;
  /** Seeds the draws and every trial's initial weights, shuffles and dropout masks (default 42). */
  seed?: number;
  trainLimit?: number;
  validationSize?: number;
  engine?: string;
  backend?: string;
  space?: Partial<SearchSpace>;
  onLog?: (line: string) => void;
  onTrial?: (result: TrialResult, index: number, total: number | undefined) => void;
  onProgress?: (done: number, total: number, epoch: number) => void;
}

/** What `tune` returns: every trial, best first; the saved checkpoint and the best trial's test accuracy. */
export interface TuneResult {
  trials: TrialResult[];
  best: TrialResult;
  checkpoint: string;
  testAccuracy: number;
  seconds: number;
}

/** Stream tag of the search's own draws ("tune"), apart from each trial's training streams. */
const TUNE_STREAM = 0x74756e65;

/**
 * The `count` trial configurations drawn from `space` with `seed`: a pure function, so a search is
 * reproducible and a time-limited search runs a prefix of the same sequence.
 * @example drawTrials(DEFAULT_SEARCH_SPACE, 3, 42).map((t) => t.hiddenUnits.length)
 */
export function drawTrials(space: SearchSpace, count: number, seed: number): TrialConfig[] {
  const rng = new Rng(deriveSeed(seed, TUNE_STREAM));
  const logUniform = ([lo, hi]: [number, number]) => Math.exp(Math.log(lo) + rng.float() * (Math.log(hi) - Math.log(lo)));
  const pick = <T>(items: readonly T[]): T => items[rng.int(items.length)];
  return Array.from({ length: count }, () => {
    const layers = space.layers[0] + rng.int(space.layers[1] - space.layers[0] + 1);
    const hiddenUnits = Array.from({ length: layers }, () => Math.round(logUniform(space.units)));
    const activation = pick(space.activations);
    const optimizer = pick(space.optimizers);
    // Three significant digits: the table stays readable and the value is what ran.
    const learningRate = Number(logUniform(space.learningRates[optimizer]).toPrecision(3));
    return { hiddenUnits, activation, optimizer, learningRate, dropoutRate: pick(space.dropoutRates) };
  });
}

/**
 * Runs a random search: trials one after another until `trials` or `minutes` runs out, each a
 * `train` run with early stopping; saves the best trial's checkpoint (its best epoch's weights) to
 * `out` and scores it on the test set.
 * @example const { best, trials } = await tune({ trials: 6, epochs: 5, trainLimit: 10000, onLog: console.error });
 */
export async function tune(options: TuneOptions = {}): Promise<TuneResult> {
  const started = performance.now();
  const space = checkSpace({ ...DEFAULT_SEARCH_SPACE, ...options.space });
  const int = (name: string, v: number | undefined, fallback: number) => {
    const n = v ?? fallback;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${n}`);
    return n;
  };
  const minutes = options.minutes;
  if (minutes !== undefined && !(Number.isFinite(minutes) && minutes > 0)) throw new RangeError(`minutes must be a positive number, got ${minutes}`);
  const maxTrials = options.trials === undefined && minutes !== undefined ? 10_000 : int('trials', options.trials, 10);
  const epochs = int('epochs', options.epochs, 10);
  const patience = int('patience', options.patience, 2);
  const seed = options.seed ?? 42;
  const out = options.out ?? 'checkpoints/tuned';
  const log = options.onLog ?? (() => undefined);
  const deadline = minutes === undefined ? Infinity : started + minutes * 60_000;

  const releaseLock = await acquireRunLock(out);
  if (await checkpointExists(out)) {
    await releaseLock();
    throw new Error(`${out} already holds a checkpoint; choose another --out`);
  }
  const scratch = await mkdtemp(join(tmpdir(), 'mnist-tune-'));
  try {
    const results: TrialResult[] = [];
    const configs = drawTrials(space, maxTrials, seed);
    let bestDir: string | undefined;
    for (const [i, config] of configs.entries()) {
      // The first trial always runs: a search with no result would be no answer at all.
      if (i > 0 && performance.now() >= deadline) {
        log(`Time budget of ${minutes} min reached after ${i} trials`);
        break;
      }
      const dir = join(scratch, `trial-${i + 1}`);
      const t0 = performance.now();
      log(`Trial ${i + 1}${options.trials !== undefined ? `/${maxTrials}` : ''}: ${describeTrial(config)}`);
      const run = await train({
        dataDir: options.dataDir,
        out: dir,
        epochs,
        batchSize: options.batchSize,
        hiddenUnits: config.hiddenUnits,
        activation: config.activation,
        optimizer: config.optimizer,
        learningRate: config.learningRate,
        dropoutRate: config.dropoutRate,
        earlyStopping: { patience },
        seed,
        trainLimit: options.trainLimit,
        validationSize: options.validationSize,
        engine: options.engine,
        backend: options.backend,
        onProgress: options.onProgress,
        onLog: (line) => {
          if (/^(engine|Early stopping)/.test(line)) log(`  ${line}`);
        },
      });
      const result: TrialResult = {
        trial: i + 1,
        ...config,
        validationAccuracy: run.validationAccuracy,
        bestEpoch: run.bestEpoch ?? run.epochs - 1,
        epochs: run.epochs,
        stoppedEarly: run.stoppedEarly ?? false,
        seconds: (performance.now() - t0) / 1000,
        engine: run.engine,
      };
      results.push(result);
      // Keep only the best trial's checkpoint on disk.
      const leader = results.reduce((a, b) => (b.validationAccuracy > a.validationAccuracy ? b : a));
      if (leader === result) {
        if (bestDir) await rm(bestDir, { recursive: true, force: true });
        bestDir = dir;
      } else {
        await rm(dir, { recursive: true, force: true });
      }
      log(
        `  val accuracy ${result.validationAccuracy.toFixed(4)} (epoch ${result.bestEpoch + 1}${result.stoppedEarly ? ', stopped early' : ''}) ` +
          `in ${result.seconds.toFixed(1)} s; best so far: trial ${leader.trial} ${leader.validationAccuracy.toFixed(4)}`,
      );
      options.onTrial?.(result, i, options.trials !== undefined ? maxTrials : undefined);
    }
    if (!bestDir) throw new Error('no trial finished');
    const ranked = [...results].sort((a, b) => b.validationAccuracy - a.validationAccuracy || a.trial - b.trial);
    const best = await loadCheckpoint(bestDir);
    await saveCheckpoint(out, best);
    return {
      trials: ranked,
      best: ranked[0],
      checkpoint: out,
      testAccuracy: best.modelJson.training.testAccuracy ?? NaN,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await releaseLock();
  }
}

/**
 * A trial in one line: `2x[231,87] elu adam lr=0.00123 dropout=0.2`.
 * @example describeTrial({ hiddenUnits: [300, 100], activation: 'relu', optimizer: 'sgd', learningRate: 0.01, dropoutRate: 0 })
 */
export function describeTrial(t: TrialConfig): string {
  return `[${t.hiddenUnits.join(',')}] ${t.activation} ${t.optimizer} lr=${t.learningRate} dropout=${t.dropoutRate}`;
}

function checkSpace(space: SearchSpace): SearchSpace {
  const range = (name: string, [lo, hi]: [number, number], min: number, integer: boolean) => {
    const ok = (v: number) => Number.isFinite(v) && v >= min && (!integer || Number.isInteger(v));
    if (!ok(lo) || !ok(hi) || lo > hi) throw new RangeError(`space.${name} must be a range [lo, hi] with ${min} <= lo <= hi, got [${lo}, ${hi}]`);
  };
  range('layers', space.layers, 1, true);
  range('units', space.units, 1, true);
  if (!space.activations.length || !space.activations.every((a) => ACTIVATIONS.includes(a))) {
    throw new RangeError(`space.activations must be a non-empty list of ${ACTIVATIONS.join(', ')}`);
  }
  if (!space.optimizers.length || !space.optimizers.every((o) => OPTIMIZER_NAMES.includes(o))) {
    throw new RangeError(`space.optimizers must be a non-empty list of ${OPTIMIZER_NAMES.join(', ')}`);
  }
  for (const o of space.optimizers) range(`learningRates.${o}`, space.learningRates[o], Number.MIN_VALUE, false);
  if (!space.dropoutRates.length || !space.dropoutRates.every((r) => r >= 0 && r < 1)) throw new RangeError('space.dropoutRates must be a non-empty list of rates in [0, 1)');
  return space;
}
