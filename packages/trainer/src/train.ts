// The training loop, one piece of code for every engine: the original program's epochs of
// shuffle_batch mini-batches, per-epoch batch and validation accuracy, checkpoints after every epoch
// and at the end (with the test accuracy), and `resume` from the last completed epoch.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  DEFAULT_MODEL_SPEC,
  DEFAULT_VALIDATION_SIZE,
  deriveSeed,
  DIGIT_LABELS,
  inTopK,
  MNIST_PREPROCESSING,
  MODEL_JSON_FILE,
  Rng,
  shuffleBatch,
  sliceImages,
  splitValidation,
  type Checkpoint,
  type EpochRecord,
  type LabeledImages,
  type ModelSpec,
  type NamedWeight,
  type TrainingState,
} from '@mnist/core';
import { acquireRunLock, loadCheckpoint, saveCheckpoint } from './checkpoint-io.js';
import { readDataset } from './data/index.js';
import { createEngine, type OptimizerConfig, type TrainingEngine } from './engine.js';
import { initialWeights } from './initializers.js';

/** Options of `train`; every one has the original program's default. */
export interface TrainOptions {
  /** A directory in the MNIST IDX layout; default: MNIST in data/mnist, fetched on first use. */
  dataDir?: string;
  /** Checkpoint directory (default `checkpoints/dnn`). */
  out?: string;
  /** Default 30. */
  epochs?: number;
  /** Default 50. */
  batchSize?: number;
  /** Gradient descent learning rate, default 0.01. */
  learningRate?: number;
  /** Default [300, 100]. */
  hiddenUnits?: number[];
  /** Default 42: the same seed, data and backend give a byte-identical checkpoint. */
  seed?: number;
  /** `auto` (default: the fastest engine that loads), `onnx` or `tfjs`. */
  engine?: string;
  /** Force an engine backend (`tensorflow`, `wasm`, `cpu` for tfjs); default: the first that loads. */
  backend?: string;
  /** Continue the run saved in `out` from its last completed epoch. */
  resume?: boolean;
  /** Leading training images held out for validation, default 5000. */
  validationSize?: number;
  /** Train on only the first N training images after the validation split (quick runs, tests). */
  trainLimit?: number;
  /** One line per event (engine choice, each epoch), for stderr. */
  onLog?: (line: string) => void;
  /** After every optimizer step: steps done and total in this epoch, and the epoch (0-based). */
  onProgress?: (done: number, total: number, epoch: number) => void;
  /** After every epoch, with the seconds elapsed since `train` started. */
  onEpoch?: (record: EpochRecord & { seconds: number }) => void;
}

/** What `train` returns (the CLI's `--json` line). */
export interface TrainResult {
  /** Epochs completed in total (including those of a resumed run). */
  epochs: number;
  /** Wall-clock seconds of this call, data loading included. */
  seconds: number;
  /** Validation accuracy after the last epoch. */
  validationAccuracy: number;
  testAccuracy: number;
  /** The checkpoint directory. */
  checkpoint: string;
  backend: string;
  engine: string;
}

interface Settings {
  out: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  hiddenUnits: number[];
  seed: number;
  validationSize: number;
}

/**
 * Trains the chapter's network and saves a checkpoint after every epoch and at the end. Logs, like
 * the original program, `0 Batch accuracy: 0.9 Val accuracy: 0.9024` plus the mean loss and the
 * elapsed time. Refuses an `out` that already holds a checkpoint unless `resume` is set, and holds
 * the run lock of `out` while it runs.
 * @example const result = await train({ epochs: 1, onLog: (line) => console.error(line) });
 */
export async function train(options: TrainOptions = {}): Promise<TrainResult> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const settings = checkOptions(options);
  const log = options.onLog ?? (() => undefined);
  const releaseLock = await acquireRunLock(settings.out);
  let engine: TrainingEngine | undefined;
  try {
    const existing = await holdsCheckpoint(settings.out);
    if (existing && !options.resume) {
      throw new Error(`${settings.out} already holds a checkpoint; pass --resume to continue it, or choose another --out`);
    }
    if (options.resume && !existing) {
      throw new Error(`${settings.out} holds no checkpoint to resume; run without --resume to start one`);
    }
    const dataset = await readDataset(options.dataDir);
    const split = splitValidation(dataset.train, settings.validationSize);
    const trainSet = limitTraining(split.train, options.trainLimit);
    const validation = split.validation;
    const spec: ModelSpec = {
      ...DEFAULT_MODEL_SPEC,
      inputSize: dataset.train.height * dataset.train.width,
      hiddenUnits: [...settings.hiddenUnits],
    };
    const optimizer: OptimizerConfig = { name: 'sgd', learningRate: settings.learningRate };

    let weights: Map<string, NamedWeight>;
    let history: EpochRecord[] = [];
    let step = 0;
    if (options.resume) {
      const checkpoint = await loadCheckpoint(settings.out);
      checkResumable(checkpoint, spec, settings);
      weights = checkpoint.weights;
      history = [...checkpoint.modelJson.training.history];
      step = checkpoint.modelJson.training.step;
      log(`Resuming ${settings.out} after epoch ${checkpoint.modelJson.training.epoch} of ${settings.epochs}`);
    } else {
      weights = initialWeights(spec, settings.seed);
    }

    const choice = await createEngine(options.engine ?? 'auto', { spec, optimizer, backend: options.backend });
    engine = choice.engine;
    log(choice.message);
    await engine.loadWeights(weights);

    const pixelScale = MNIST_PREPROCESSING.pixelScale;
    const state = (epoch: number, testAccuracy?: number): TrainingState => ({
      epoch,
      step,
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      seed: settings.seed,
      validationSize: settings.validationSize,
      engine: engine!.name,
      backend: engine!.backend,
      optimizer: { name: optimizer.name, learningRate: optimizer.learningRate },
      history: [...history],
      ...(testAccuracy === undefined ? {} : { testAccuracy }),
    });
    const save = async (epoch: number, testAccuracy?: number) =>
      saveCheckpoint(settings.out, await toCheckpoint(engine!, spec, state(epoch, testAccuracy)));

    for (let epoch = history.length; epoch < settings.epochs; epoch++) {
      const batches = shuffleBatch(trainSet.count, settings.batchSize, new Rng(deriveSeed(settings.seed, epoch)));
      const stats = await engine.runEpoch(
        { images: trainSet.images, labels: trainSet.labels, batches, pixelScale },
        options.onProgress ? (done, total) => options.onProgress!(done, total, epoch) : undefined,
      );
      step += stats.steps;
      const validationAccuracy = await scoreTopOne(engine, validation, pixelScale);
      const record: EpochRecord = { epoch, loss: stats.meanLoss, batchAccuracy: stats.lastBatchAccuracy, validationAccuracy };
      history.push(record);
      await save(epoch + 1);
      const seconds = elapsed();
      log(
        `${epoch} Batch accuracy: ${formatAccuracy(record.batchAccuracy)} Val accuracy: ${formatAccuracy(validationAccuracy)}` +
          ` Loss: ${record.loss.toFixed(4)} (${seconds.toFixed(1)} s)`,
      );
      options.onEpoch?.({ ...record, seconds });
    }

    const testAccuracy = await scoreTopOne(engine, dataset.test, pixelScale);
    await save(history.length, testAccuracy);
    return {
      epochs: history.length,
      seconds: elapsed(),
      validationAccuracy: history[history.length - 1].validationAccuracy,
      testAccuracy,
      checkpoint: settings.out,
      backend: engine.backend,
      engine: engine.name,
    };
  } finally {
    engine?.dispose();
    await releaseLock();
  }
}

/**
 * The fraction of `set` whose label is the engine's top-1 class (`in_top_k(logits, y, 1)`).
 * @example const acc = await scoreTopOne(engine, test, 1 / 255);
 */
export async function scoreTopOne(engine: TrainingEngine, set: LabeledImages, pixelScale: number): Promise<number> {
  const logits = await engine.predictLogits(set.images, set.count, pixelScale);
  const hits = inTopK(logits, set.labels, logits.length / Math.max(1, set.count), 1);
  let correct = 0;
  for (const h of hits) correct += h;
  return set.count === 0 ? 0 : correct / set.count;
}

function checkOptions(options: TrainOptions): Settings {
  const int = (name: string, value: number | undefined, fallback: number, min: number): number => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
    return v;
  };
  const learningRate = options.learningRate ?? 0.01;
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw new RangeError(`learningRate must be a positive finite number, got ${learningRate}`);
  }
  const hiddenUnits = options.hiddenUnits ?? [300, 100];
  if (!Array.isArray(hiddenUnits) || !hiddenUnits.every((n) => Number.isInteger(n) && n > 0)) {
    throw new RangeError(`hiddenUnits must be a list of positive integers, got ${JSON.stringify(hiddenUnits)}`);
  }
  const seed = int('seed', options.seed, 42, 0);
  if (seed > 0xffffffff) throw new RangeError(`seed must be at most ${0xffffffff}, got ${seed}`);
  if (options.trainLimit !== undefined) int('trainLimit', options.trainLimit, 1, 1);
  const out = options.out ?? 'checkpoints/dnn';
  if (typeof out !== 'string' || out === '') throw new TypeError(`out must be a non-empty path, got ${JSON.stringify(out)}`);
  return {
    out,
    epochs: int('epochs', options.epochs, 30, 1),
    batchSize: int('batchSize', options.batchSize, 50, 1),
    learningRate,
    hiddenUnits,
    seed,
    validationSize: int('validationSize', options.validationSize, DEFAULT_VALIDATION_SIZE, 1),
  };
}

function limitTraining(train: LabeledImages, trainLimit: number | undefined): LabeledImages {
  if (trainLimit === undefined) return train;
  if (trainLimit > train.count) {
    throw new RangeError(`trainLimit must be at most ${train.count} (the training images after the validation split), got ${trainLimit}`);
  }
  return sliceImages(train, 0, trainLimit);
}

async function holdsCheckpoint(dir: string): Promise<boolean> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new Error(`${dir} is a file, not a checkpoint directory; choose another --out`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  // A directory without model.json is not a checkpoint; saving over it would still replace it whole.
  return stat(join(dir, MODEL_JSON_FILE)).then(
    () => true,
    () => {
      throw new Error(`${dir} exists but holds no ${MODEL_JSON_FILE}; choose another --out (or remove the directory)`);
    },
  );
}

function checkResumable(checkpoint: Checkpoint, spec: ModelSpec, settings: Settings): void {
  const t = checkpoint.modelJson.training;
  const m = checkpoint.modelJson.modelSpec;
  const differences: string[] = [];
  const differ = (flag: string, saved: unknown, now: unknown) => {
    if (JSON.stringify(saved) !== JSON.stringify(now)) differences.push(`${flag} ${JSON.stringify(saved)} (now ${JSON.stringify(now)})`);
  };
  differ('--hidden', m.hiddenUnits, spec.hiddenUnits);
  differ('input size', m.inputSize, spec.inputSize);
  differ('output size', m.outputSize, spec.outputSize);
  differ('--batch-size', t.batchSize, settings.batchSize);
  differ('--seed', t.seed, settings.seed);
  differ('validation size', t.validationSize, settings.validationSize);
  differ('optimizer', t.optimizer.name, 'sgd');
  differ('--learning-rate', t.optimizer.learningRate, settings.learningRate);
  if (differences.length) {
    throw new Error(`cannot resume ${settings.out}: it was trained with ${differences.join(', ')}; pass the same settings or choose another --out`);
  }
  if (t.history.length !== t.epoch) throw new Error(`${settings.out}/${MODEL_JSON_FILE}: history holds ${t.history.length} epochs, training.epoch says ${t.epoch}`);
  if (t.epoch > settings.epochs) {
    throw new Error(`cannot resume ${settings.out}: it already completed ${t.epoch} epochs, more than --epochs ${settings.epochs}`);
  }
}

async function toCheckpoint(engine: TrainingEngine, spec: ModelSpec, training: TrainingState): Promise<Checkpoint> {
  return {
    modelJson: {
      format: CHECKPOINT_FORMAT,
      formatVersion: CHECKPOINT_FORMAT_VERSION,
      modelSpec: spec,
      preprocessing: { ...MNIST_PREPROCESSING },
      labels: [...DIGIT_LABELS],
      training,
      weightsManifest: [],
    },
    weights: await engine.readWeights(),
  };
}

// The original printed numpy floats (0.9, 0.9024); four decimals keep 5000-image accuracies exact.
function formatAccuracy(value: number): string {
  return String(Number(value.toFixed(4)));
}
