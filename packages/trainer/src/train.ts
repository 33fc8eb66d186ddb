// `train`: the low-level program as a run on the registered platform (platform/: files on disk in Node):
// data from an IDX directory, the shared epoch loop (training-loop.ts) with per-epoch batch and
// validation accuracy, checkpoints after every epoch and at the end (with the test accuracy), early
// stopping, `resume` from the last completed epoch, and Keras-style callbacks (train-callbacks.ts).
import {
  DEFAULT_MODEL_SPEC,
  DEFAULT_VALIDATION_SIZE,
  DIGIT_LABELS,
  frozenLayersProblem,
  imageShapeOf,
  layerNames,
  layerShortNames,
  MNIST_PREPROCESSING,
  MODEL_JSON_FILE,
  newCheckpoint,
  sliceImages,
  splitValidation,
  withOutputSize,
  DEFAULT_AUGMENT,
  augmentOptionsProblem,
  type Activation,
  type AugmentOptions,
  type Checkpoint,
  type Initializer,
  type InitProvenance,
  type EpochRecord,
  type LayerSpec,
  type LabeledImages,
  type ModelSpec,
  type NamedWeight,
  type TrainingState,
} from '@mnist/core';
import { describeDataset, sameTrainingFiles } from './data/dataset-records.js';
import { inMemoryDataset, inMemoryRecord, type InMemoryDataset } from './data/in-memory-dataset.js';
import { createEngine, OPTIMIZER_NAMES, type OptimizerConfig, type OptimizerName, type TrainingEngine } from './engine.js';
import { initialWeights } from './initializers.js';
import { modelPreset, type ModelName } from './model-presets.js';
import { checkActivation, checkHiddenUnits, checkInitializer } from './network-options.js';
import { optimizerCheckpointState, resolveOptimizer } from './optimizer-slots.js';
import { epochLine } from './epoch-line.js';
import { SaveQueue } from './save-queue.js';
import { checkValidationSize } from './validation-size.js';
import { runTrainingLoop, scoreTopOne, type BestEpoch } from './training-loop.js';
import { platform, type SourceDataset, type TrainerPlatform, type TrainingLogSettings, type TrainingLogSink } from './platform/platform.js';
import { reportBatches, type TrainCallbacks } from './train-callbacks.js';

export { scoreTopOne } from './training-loop.js';
export type { BatchEndLog, EpochEndLog, TrainCallbacks } from './train-callbacks.js';
export type { InMemoryDataset, InMemorySet } from './data/in-memory-dataset.js';

/** Prefix of the best epoch's weights kept in a checkpoint mid-run, while the current ones are not the best. */
export const BEST_WEIGHTS_PREFIX = 'best/';

/** An optimizer by name, or with hyperparameters (TF1 defaults for unset ones; see OptimizerConfig). */
export type OptimizerOption = OptimizerName | (Omit<OptimizerConfig, 'learningRate'> & { learningRate?: number });

/** Options of `train`; every one has the original program's default. */
export interface TrainOptions {
  /**
   * A directory in the MNIST IDX layout; default: MNIST, fetched on first use into `data/mnist` inside
   * this repository, else the per-user cache (`MNIST_DATA_DIR` overrides; see `defaultMnistDir`).
   */
  dataDir?: string;
  /**
   * The dataset as arrays in memory instead of a folder (as Keras' `fit(x, y)`): image bytes and labels
   * for train and test, 28x28 images unless `imageShape` says otherwise. Excludes `dataDir`. The
   * checkpoint records it as `in-memory` (no folder), so `mnist eval` then needs `--data`.
   * @example await train({ data: { train: { images, labels }, test: { images: testImages, labels: testLabels } }, epochs: 1 });
   */
  data?: InMemoryDataset;
  /** Checkpoint directory (default `checkpoints/dnn`). */
  out?: string;
  /** Default 30. */
  epochs?: number;
  /** Default 50. */
  batchSize?: number;
  /** Learning rate, default 0.01 (an `optimizer` object's own learningRate wins). */
  learningRate?: number;
  /**
   * The model family with its recipe (MODEL_PRESETS): `mlp`, the chapter's (default), or `cnn`, a small
   * convnet trained with Adam. Its network, initializer, optimizer, learning rate, epochs and batch size
   * are defaults: any of those options given wins.
   */
  model?: ModelName;
  /** The MLP's hidden layers, default [300, 100]. Excludes `layers` and `model: 'cnn'`. */
  hiddenUnits?: number[];
  /**
   * A convolutional network of your own (core's LayerSpec: conv2d, maxPool2d, one flatten, dense), the
   * last dense layer the logits (its units become the number of classes). Default: `model`'s.
   * @example await train({ model: 'cnn', layers: [{ kind: 'conv2d', filters: 8, kernelSize: 3, strides: 1, padding: 'same' }, { kind: 'maxPool2d', poolSize: 2, strides: 2 }, { kind: 'flatten' }, { kind: 'dense', units: 10 }] });
   */
  layers?: LayerSpec[];
  /**
   * The number of classes, the output layer's size (as Keras' `Dense(num_classes)`), in [2, 256]. Default:
   * what the data implies (10 for the MNIST layout; EMNIST's split, its mapping file or its largest label + 1).
   * Give it when a dataset's labels do not reach its last class; a label at or above it is refused, naming
   * the labels file. The classes beyond the data's names are labelled by their index. With `resume` it must
   * be the checkpoint's output size; with `initFrom`, one that differs gives the run a new output layer.
   */
  classes?: number;
  /** Hidden-layer activation, default `relu`. */
  activation?: Activation;
  /** Kernel initializer, default `truncated_normal` (the original program's). */
  initializer?: Initializer;
  /** Default `sgd` (plain gradient descent, as the original program). */
  optimizer?: OptimizerOption;
  /** Dropout rate on hidden-layer outputs while training, default 0. */
  dropoutRate?: number;
  /**
   * Augment the training images every epoch (core's augmentImages: a random shift, rotation and scale,
   * and Simard's elastic distortion, per image per epoch, from `seed`): `true` for DEFAULT_AUGMENT, or
   * options of your own (unset ones DEFAULT_AUGMENT's). Validation and test images are never augmented.
   * The checkpoint records it; a resume must ask for the same. Default: the `model` preset's (none for mlp and cnn).
   */
  augment?: boolean | Partial<AugmentOptions>;
  /**
   * Stop when validation accuracy has not improved for `patience` epochs; the final checkpoint then
   * holds the best epoch's weights (the history still lists every epoch).
   */
  earlyStopping?: { patience: number };
  /** Stop after this many optimizer steps in total (the last epoch may be partial). */
  maxSteps?: number;
  /** Default 42: the same seed, data, backend and cores give a byte-identical checkpoint. */
  seed?: number;
  /** `auto` (default: the fastest engine that loads), `onnx` or `tfjs`. */
  engine?: string;
  /** Force an engine backend (`tensorflow`, `wasm`, `cpu` for tfjs); default: the first that loads. */
  backend?: string;
  /**
   * Cores each optimizer step is split across (EngineOptions.cores): default, 2 when the onnx engine's
   * lockstep runner can take the run. A checkpoint is byte-identical for the same seed, data, backend and cores.
   */
  cores?: number;
  /** Continue the run saved in `out` from its last completed epoch. */
  resume?: boolean;
  /**
   * Start a new run from the model weights of the checkpoint in this folder (a warm start, as Keras'
   * `load_weights` before `fit`): its network (hidden units, activation and its constants, classes) and
   * labels, a fresh optimizer, epoch 0. `hiddenUnits`, `activation` and `initializer` may be left out;
   * given, they must match it. Any checkpoint will do: trained here or made by `mnist import`. Excludes `resume`.
   * When only the classes differ (`classes`, or a dataset naming its classes, as EMNIST letters' 26), the
   * hidden layers are reused and the output layer is new, initialized as a fresh run's (`initializer`, `seed`).
   */
  initFrom?: string;
  /**
   * Layers to keep as `initFrom` gave them (as Keras' `layer.trainable = False`), by the names of their
   * weights' scopes: `hidden1` for `dnn/hidden1/kernel|bias`, ..., `outputs`. Their weights come out
   * bit-identical; the other layers train (at least one must). Needs `initFrom`; a `resume` keeps the
   * layers its run froze (given, they must be the same). The checkpoint records them (`training.frozen`).
   * @example await train({ initFrom: 'checkpoints/dnn', freeze: ['hidden1', 'hidden2'], out: 'checkpoints/head' });
   */
  freeze?: string[];
  /**
   * Start a new run in `out` although it holds a checkpoint: the first epoch's save replaces its
   * model.json and weights.bin (every other file in the folder is kept). Excludes `resume`.
   */
  overwrite?: boolean;
  /**
   * Keras/tfjs-style callbacks: `onEpochEnd` after each epoch's validation, `onBatchEnd` per step
   * (reported after its epoch ran), `onTrainEnd` with the result; each awaited (see TrainCallbacks).
   * @example await train({ epochs: 30, signal: stop.signal, callbacks: { onEpochEnd: (log) => { if (log.valLoss > 1) stop.abort(); } } });
   */
  callbacks?: TrainCallbacks;
  /**
   * Stops the run cleanly when aborted (as Keras' `model.stop_training`, e.g. from `callbacks.onEpochEnd`): the current epoch ends and is
   * saved, then `train` resolves with `aborted: true`, without scoring the test set or a final save,
   * so the checkpoint resumes like any other. Aborted before the first epoch starts, `train` rejects
   * with the signal's reason (an AbortError) and writes nothing.
   */
  signal?: AbortSignal;
  /** Leading training images held out for validation, default 5000. */
  validationSize?: number;
  /** Train on only the first N training images after the validation split (quick runs, tests). */
  trainLimit?: number;
  /** One line per event (engine choice, each epoch), for stderr. */
  onLog?: (line: string) => void;
  /** After every optimizer step: steps done and total in this epoch, and the epoch (0-based). */
  onProgress?: (done: number, total: number, epoch: number) => void;
  /**
   * After every epoch, once its checkpoint is on disk, with the seconds elapsed since `train` started.
   * Checkpoints are written while the next epoch trains, so this runs during that epoch, and a throw
   * from it (like a failed save) ends the run when that epoch is done, with this epoch's checkpoint kept.
   * @deprecated Use `callbacks.onEpochEnd`, awaited right after the epoch's validation, before the next epoch.
   */
  onEpoch?: (record: EpochRecord & { seconds: number }) => void;
  /**
   * Write TensorBoard event files into a new run folder in this directory (`tensorboard --logdir`
   * shows them): `batch/loss` every `logEvery` steps, and per epoch `epoch/loss`,
   * `epoch/batch_accuracy`, `epoch/val_loss`, `epoch/val_accuracy`, `epoch/learning_rate` (see tensorboard/training-log.ts).
   */
  logdir?: string;
  /** Steps between two `batch/loss` points in the TensorBoard log, default 100. */
  logEvery?: number;
}

/** What `train` returns (the CLI's `--json` line). */
export interface TrainResult {
  /** Epochs completed in total (including those of a resumed run). */
  epochs: number;
  /** Wall-clock seconds of this call, data loading included. */
  seconds: number;
  /**
   * The part of `seconds` spent in the engine's epochs: the optimizer steps (what a framework's training
   * loop alone takes), plus each epoch's last-batch accuracy and the first epoch's session set-up.
   */
  trainingSeconds: number;
  /** Validation accuracy of the saved weights (the last epoch's, or the best one's with early stopping). */
  validationAccuracy: number;
  /** With early stopping: the 0-based epoch whose weights were saved, and whether the run stopped early. */
  bestEpoch?: number;
  stoppedEarly?: boolean;
  /** Optimizer steps run in total. */
  steps: number;
  /** Test accuracy of the saved weights; absent when the run was aborted. */
  testAccuracy?: number;
  /** True when `signal` stopped the run: the checkpoint holds the last epoch and resumes from there. */
  aborted?: boolean;
  /** The per-epoch records of the whole run (a resumed run's earlier epochs too), as the checkpoint's history. */
  history: EpochRecord[];
  /** The checkpoint directory. */
  checkpoint: string;
  backend: string;
  engine: string;
}

interface Settings {
  out: string;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  spec: Omit<ModelSpec, 'inputSize'>;
  seed: number;
  validationSize: number;
  dropoutRate: number;
  augment?: AugmentOptions;
  patience?: number;
  maxSteps?: number;
  /** `classes` as given (undefined: the data's). */
  classes?: number;
}

/**
 * Trains the chapter's network and saves a checkpoint after every epoch and at the end. Logs, like
 * Keras, `epoch 1/30: loss 0.4012, last-batch accuracy 0.9000, validation loss 0.3311, validation
 * accuracy 0.9024; epoch time 4.1 s, total elapsed 5.0 s` (see epoch-line.ts). Refuses an `out` that already holds a checkpoint unless `resume` (continue it) or
 * `overwrite` (start over) is set, and holds the run lock of `out` while it runs; `signal` stops it
 * cleanly after the current epoch.
 * @example const result = await train({ epochs: 1, onLog: (line) => console.error(line) });
 */
export async function train(options: TrainOptions = {}): Promise<TrainResult> {
  const result = await runTrain(options);
  // After the run lock is released: the callback may export, evaluate or start another run there.
  await options.callbacks?.onTrainEnd?.(result);
  return result;
}

async function runTrain(options: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const settings = checkOptions(options);
  const host = platform();
  const { checkpoints, datasets, trainingLog: logFactory } = host;
  const logOptions = checkLogOptions(host, options);
  if (options.resume && options.overwrite) {
    throw new RangeError('resume and overwrite exclude each other: resume continues the run saved in out, overwrite starts a new one there');
  }
  if (options.resume && options.initFrom !== undefined) {
    throw new RangeError('resume and initFrom exclude each other: resume continues the run saved in out, initFrom starts a new one from another checkpoint\'s weights');
  }
  if (options.freeze !== undefined && !options.resume && options.initFrom === undefined) {
    // Before the run lock creates `out`. The layer names are those of the network asked for.
    const layers = layerShortNames({ ...settings.spec, inputSize: 784, imageShape: [28, 28] }).join(', ');
    throw new Error(`--freeze ${[options.freeze].flat().join(',')} needs --init-from CHECKPOINT: frozen layers keep another checkpoint's weights (the layers are ${layers})`);
  }
  if (options.data !== undefined && options.dataDir !== undefined) {
    throw new RangeError('data and dataDir exclude each other: data gives the dataset as arrays, dataDir as a folder');
  }
  // Checked before the run lock creates `out`: bad arrays leave nothing behind.
  const inMemory = options.data === undefined ? undefined : inMemoryDataset(options.data, settings.classes);
  if (inMemory) checkValidationSize(settings.validationSize, inMemory.train.count);
  options.signal?.throwIfAborted();
  const log = options.onLog ?? (() => undefined);
  const releaseLock = await checkpoints.lock(settings.out);
  let engine: TrainingEngine | undefined;
  let trainingLog: TrainingLogSink | undefined;
  const saves = new SaveQueue();
  try {
    const existing = await checkpoints.holds(settings.out);
    if (existing && !options.resume && !options.overwrite) {
      throw new Error(
        `${settings.out} already holds a checkpoint; pass --resume to continue it or --overwrite to start a new run there (other files in it are kept), or choose another --out`,
      );
    }
    if (options.resume && !existing) {
      throw new Error(`${settings.out} holds no checkpoint to resume; run without --resume to start one`);
    }
    // Read before anything is written: with overwrite, initFrom may be `out` itself.
    const source = options.initFrom === undefined ? undefined : await checkpoints.load(options.initFrom);
    if (source) settings.spec = initSpec(source, options);
    const saved = options.resume ? await checkpoints.load(settings.out) : undefined;
    if (saved) {
      const t = saved.modelJson.training;
      if (t.importedFrom) {
        throw new Error(
          `cannot resume ${settings.out}: it was imported from ${t.importedFrom.file} by mnist import, not trained here; fine-tune it with --init-from ${settings.out} --out <new folder>`,
        );
      }
      // A warm-started run's network came from its source checkpoint, not from flags: resume takes it from its own.
      if (t.initializedFrom && options.hiddenUnits === undefined && options.activation === undefined && options.initializer === undefined) {
        settings.spec = networkOf(saved.modelJson.modelSpec);
      }
    }
    // A warm start's classes are its source's unless `classes` or the dataset's names say otherwise
    // (checkInitSource checks the labels against them).
    const dataset = inMemory ?? (await datasets.read(options.dataDir, { nClasses: source && settings.classes === undefined ? undefined : settings.classes }));
    // Recorded so `mnist eval` scores on this dataset by default (read once more for the digests).
    const trainedOn = inMemory ? await inMemoryRecord(inMemory) : await datasets.record(options.dataDir);
    checkValidationSize(settings.validationSize, dataset.train.count);
    const split = splitValidation(dataset.train, settings.validationSize);
    const trainSet = limitTraining(split.train, options.trainLimit);
    const validation = split.validation;
    if (settings.maxSteps !== undefined && options.epochs === undefined) {
      settings.epochs = Math.ceil(settings.maxSteps / Math.max(1, Math.floor(trainSet.count / settings.batchSize)));
    }
    // The checkpoint records the image size, so the export says what to feed the model (mnist.image_shape).
    // A dataset that names its classes (EMNIST letters: 26) sets the output size and the exported labels.
    // `classes` overrides it (the dataset was read with it as its class count, labels checked below it).
    // A warm start keeps its source's output size unless `classes` or the dataset's names give another:
    // then its hidden layers are reused under a new output layer.
    const named = (dataset as SourceDataset).classNames;
    const sourceClasses = source?.modelJson.modelSpec.outputSize;
    const newOutputs = source !== undefined && (settings.classes ?? named?.length ?? sourceClasses) !== sourceClasses;
    const classNames = source && !newOutputs ? undefined : named;
    const outputSize = source && !newOutputs ? undefined : settings.classes ?? classNames?.length;
    const spec: ModelSpec = {
      ...(outputSize !== undefined ? withOutputSize(settings.spec, outputSize) : settings.spec),
      inputSize: dataset.train.height * dataset.train.width,
      imageShape: [dataset.train.height, dataset.train.width],
    };
    if (source) checkInitSource(source, options.initFrom!, spec, dataset.train.labels, dataset.test.labels);
    if (newOutputs && Array.isArray(options.freeze) && options.freeze.includes('outputs')) {
      throw new RangeError(`--freeze ${options.freeze.join(',')}: outputs is a new layer (${spec.outputSize} classes, --init-from ${options.initFrom} has ${sourceClasses}), which cannot be frozen; freeze hidden layers only`);
    }
    const frozen = frozenLayersOf(options, spec, saved?.modelJson.training.frozen, settings.out);
    const labels = source && !newOutputs ? source.modelJson.labels : classNames ? [...classNames] : classLabels(spec.outputSize);
    const initializedFrom: InitProvenance | undefined = source
      ? {
          checkpoint: options.initFrom!,
          ...(source.modelJson.weightsSha256 ? { weightsSha256: source.modelJson.weightsSha256 } : {}),
          epoch: source.modelJson.training.epoch,
          ...(source.modelJson.training.importedFrom ? { importedFrom: source.modelJson.training.importedFrom } : {}),
        }
      : (saved?.modelJson.training.initializedFrom);
    const optimizer = settings.optimizer;

    let weights: Map<string, NamedWeight>;
    let history: EpochRecord[] = [];
    let step = 0;
    let best: BestEpoch | undefined;
    if (saved) {
      const checkpoint = saved;
      checkResumable(checkpoint, spec, settings);
      // Resuming on other training files would be another run under the old one's history (settings
      // that differ are named first, above); a moved folder (same digests) is the same data, and the
      // checkpoint then records where it is now.
      const savedOn = checkpoint.modelJson.training.dataset;
      if (savedOn && !sameTrainingFiles(savedOn, trainedOn)) {
        throw new Error(
          `cannot resume ${settings.out}: it was trained on ${describeDataset(savedOn)}, not on ${describeDataset(trainedOn)} (other training files); resume with its data, or fine-tune on this data with --init-from ${settings.out} --out <new folder>`,
        );
      }
      ({ weights, best } = splitBestWeights(checkpoint));
      history = [...checkpoint.modelJson.training.history];
      step = checkpoint.modelJson.training.step;
      log(`Resuming ${settings.out} after epoch ${checkpoint.modelJson.training.epoch} of ${settings.epochs}`);
    } else if (source) {
      // The model weights only: optimizer slots and an early-stopping copy belong to the other run.
      // A new output layer starts as a fresh run's would (same initializer, seed and seed stream).
      const fresh = newOutputs ? initialWeights(spec, settings.seed) : undefined;
      const outputLayer = layerNames(spec).at(-1)!;
      weights = new Map(
        layerNames(spec)
          .flatMap((l) => [l.kernel, l.bias])
          .map((name) => [name, fresh && (name === outputLayer.kernel || name === outputLayer.bias) ? fresh.get(name)! : source.weights.get(name)!]),
      );
      log(`Starting from the weights of ${options.initFrom} (${source.modelJson.training.importedFrom ? `imported from ${source.modelJson.training.importedFrom.file}` : `epoch ${source.modelJson.training.epoch}`})`);
      if (newOutputs) log(`init-from ${options.initFrom}: hidden layers reused, new output layer for ${spec.outputSize} classes (the checkpoint has ${sourceClasses})`);
    } else {
      weights = initialWeights(spec, settings.seed);
    }

    const choice = await createEngine(options.engine ?? 'auto', {
      spec,
      optimizer,
      backend: options.backend,
      cores: options.cores,
      dropoutRate: settings.dropoutRate,
      ...(frozen.length ? { frozenLayers: frozen } : {}),
    });
    if (frozen.length) log(`Frozen: ${frozen.join(', ')} (kept as ${initializedFrom?.checkpoint ?? 'loaded'} gave them)`);
    engine = choice.engine;
    log(choice.message);
    await engine.loadWeights(weights);

    const pixelScale = MNIST_PREPROCESSING.pixelScale;
    const state = (epoch: number, records: EpochRecord[], steps: number, bestSoFar: BestEpoch | undefined, stopped: boolean, testAccuracy?: number): TrainingState => ({
      epoch,
      step: steps,
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      seed: settings.seed,
      validationSize: settings.validationSize,
      engine: engine!.name,
      backend: engine!.backend,
      optimizer: optimizerCheckpointState(optimizer),
      history: [...records],
      ...(testAccuracy === undefined ? {} : { testAccuracy }),
      ...(settings.dropoutRate > 0 ? { dropoutRate: settings.dropoutRate } : {}),
      ...(settings.augment ? { augment: settings.augment } : {}),
      ...(settings.maxSteps !== undefined ? { maxSteps: settings.maxSteps } : {}),
      ...(initializedFrom ? { initializedFrom } : {}),
      ...(frozen.length ? { frozen: [...frozen] } : {}),
      dataset: trainedOn,
      ...(settings.patience !== undefined && bestSoFar
        ? {
            earlyStopping: {
              patience: settings.patience,
              bestEpoch: bestSoFar.epoch,
              bestValidationAccuracy: bestSoFar.validationAccuracy,
              stopped,
            },
          }
        : {}),
    });

    // No await between this check and the loop's first: once training starts, an abort ends an epoch.
    options.signal?.throwIfAborted();
    if (logOptions && logFactory) {
      trainingLog = logFactory.open(logOptions, optimizer.learningRate);
      log(`TensorBoard log: ${trainingLog.runDir} (see it with: tensorboard --logdir ${logOptions.logdir})`);
    }
    let epochStarted = performance.now();
    const loop = await runTrainingLoop({
      signal: options.signal,
      engine,
      spec,
      train: trainSet,
      validation,
      pixelScale,
      batchSize: settings.batchSize,
      seed: settings.seed,
      epochs: settings.epochs,
      maxSteps: settings.maxSteps,
      dropoutRate: settings.dropoutRate,
      augment: settings.augment,
      patience: settings.patience,
      history,
      step,
      best,
      onProgress: options.onProgress,
      onEpoch: async (now, stats) => {
        const record = now.history[now.history.length - 1];
        trainingLog?.epoch(now.epochs, stats, record, now.step);
        // Mid-run the engine holds this epoch's weights (to resume from); the best ones ride along.
        const extra = now.best && now.best.epoch !== record.epoch ? now.best.weights : undefined;
        // The snapshot is taken now; it is written while the next epoch trains, and the epoch is
        // reported (log line, options.onEpoch) once its checkpoint is on disk.
        const checkpoint = await toCheckpoint(engine!, spec, labels, state(now.epochs, now.history, now.step, now.best, now.stopped), extra);
        const epochSeconds = (performance.now() - epochStarted) / 1000;
        epochStarted = performance.now();
        saves.enqueue(async () => {
          await checkpoints.save(settings.out, checkpoint);
          const seconds = elapsed();
          log(epochLine({ ...record, epochs: settings.epochs, epochSeconds, totalSeconds: seconds, best: now.best?.epoch === record.epoch }));
          if (now.stopped) log(`Early stopping: no better validation accuracy for ${settings.patience} epochs; keeping epoch ${now.best!.epoch + 1} (validation accuracy ${now.best!.validationAccuracy.toFixed(4)})`);
          options.onEpoch?.({ ...record, seconds });
        });
        const callbacks = options.callbacks;
        await reportBatches(callbacks, stats, now.step);
        await callbacks?.onEpochEnd?.({
          epoch: record.epoch,
          loss: record.loss,
          accuracy: record.batchAccuracy,
          valLoss: record.valLoss!,
          valAccuracy: record.validationAccuracy,
          seconds: elapsed(),
        });
      },
    });

    const summary = (outcome: { testAccuracy: number } | { aborted: true }): TrainResult => {
      const kept = loop.best ? loop.history[loop.best.epoch] : loop.history[loop.history.length - 1];
      return {
        epochs: loop.history.length,
        seconds: elapsed(),
        trainingSeconds: loop.trainingSeconds,
        validationAccuracy: kept.validationAccuracy,
        ...outcome,
        checkpoint: settings.out,
        backend: engine!.backend,
        engine: engine!.name,
        steps: loop.step,
        history: loop.history,
        ...(loop.best ? { bestEpoch: loop.best.epoch, stoppedEarly: loop.stopped } : {}),
      };
    };
    if (options.signal?.aborted) {
      // The last epoch's checkpoint (queued above) is the run's: no test score, no final save over it.
      await saves.flush();
      return summary({ aborted: true });
    }
    // With early stopping the engine now holds the best epoch's weights: those are scored and saved.
    const testAccuracy = await scoreTopOne(engine, dataset.test, pixelScale);
    const final = await toCheckpoint(engine, spec, labels, state(loop.history.length, loop.history, loop.step, loop.best, loop.stopped, testAccuracy));
    saves.enqueue(() => checkpoints.save(settings.out, final));
    await saves.flush();
    return summary({ testAccuracy });
  } finally {
    // No save may outlive the run lock, whatever else fails here.
    try {
      await saves.settle();
      engine?.dispose();
      trainingLog?.close();
    } finally {
      await releaseLock();
    }
  }
}

/**
 * The platform's check of `logdir`/`logEvery`; a platform without TensorBoard files (a page) refuses them.
 */
function checkLogOptions(host: TrainerPlatform, options: { logdir?: string; logEvery?: number }): TrainingLogSettings | undefined {
  if (host.trainingLog) return host.trainingLog.check(options);
  const given = options.logdir !== undefined ? 'logdir' : options.logEvery !== undefined ? 'logEvery' : undefined;
  if (given) throw new RangeError(`${given}: TensorBoard event files go into a folder, and the ${host.name} platform has none; train without ${given}`);
  return undefined;
}

/** A checkpoint's weights for the engine, and the best epoch kept aside (`best/` weights) if any. */
function splitBestWeights(checkpoint: Checkpoint): { weights: Map<string, NamedWeight>; best?: BestEpoch } {
  const weights = new Map<string, NamedWeight>();
  const bestWeights = new Map<string, NamedWeight>();
  for (const [name, w] of checkpoint.weights) {
    if (name.startsWith(BEST_WEIGHTS_PREFIX)) {
      const bare = name.slice(BEST_WEIGHTS_PREFIX.length);
      bestWeights.set(bare, { ...w, name: bare });
    } else {
      weights.set(name, w);
    }
  }
  const es = checkpoint.modelJson.training.earlyStopping;
  if (!es) return { weights };
  return {
    weights,
    best: { epoch: es.bestEpoch, validationAccuracy: es.bestValidationAccuracy, weights: bestWeights.size ? bestWeights : weights },
  };
}

function checkOptions(options: TrainOptions): Settings {
  const int = (name: string, value: number | undefined, fallback: number, min: number): number => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
    return v;
  };
  const preset = modelPreset(options.model);
  const layers = options.layers ?? preset.network.layers;
  if (layers !== undefined && options.hiddenUnits !== undefined) {
    throw new RangeError(`hiddenUnits shapes the MLP; a convolutional network (${options.layers ? 'layers' : `model ${options.model}`}) takes layers instead`);
  }
  const hiddenUnits = layers !== undefined ? [] : (options.hiddenUnits ?? preset.network.hiddenUnits);
  checkHiddenUnits(hiddenUnits);
  const activation = options.activation ?? preset.network.activation;
  checkActivation(activation);
  const initializer = options.initializer ?? preset.network.initializer;
  checkInitializer(initializer);
  // The preset's learning rate goes with its optimizer: another optimizer takes its own default.
  const optimizer = toOptimizerConfig(options.optimizer ?? preset.optimizer, options.learningRate ?? (options.optimizer === undefined ? preset.learningRate : undefined));
  const dropoutRate = options.dropoutRate ?? 0;
  if (!(Number.isFinite(dropoutRate) && dropoutRate >= 0 && dropoutRate < 1)) throw new RangeError(`dropoutRate must be in [0, 1), got ${dropoutRate}`);
  if (dropoutRate > 0 && layers !== undefined) throw new RangeError(`dropoutRate ${dropoutRate}: dropout applies to the MLP's hidden layers; a convolutional network trains without it`);
  const augment = augmentOption(options.augment ?? preset.augment);
  const seed = int('seed', options.seed, 42, 0);
  if (seed > 0xffffffff) throw new RangeError(`seed must be at most ${0xffffffff}, got ${seed}`);
  if (options.trainLimit !== undefined) int('trainLimit', options.trainLimit, 1, 1);
  const patience = options.earlyStopping === undefined ? undefined : int('earlyStopping.patience', options.earlyStopping.patience, 0, 1);
  const maxSteps = options.maxSteps === undefined ? undefined : int('maxSteps', options.maxSteps, 0, 1);
  const out = options.out ?? 'checkpoints/dnn';
  const classes = options.classes;
  // 256: labels are bytes (IDX uint8).
  if (classes !== undefined && !(Number.isInteger(classes) && classes >= 2 && classes <= 256)) throw new RangeError(`classes must be an integer in [2, 256], got ${classes}`);
  if (typeof out !== 'string' || out === '') throw new TypeError(`out must be a non-empty path, got ${JSON.stringify(out)}`);
  return {
    out,
    // With only a step budget, the epochs it takes are known once the data is (see `train`).
    epochs: int('epochs', options.epochs, maxSteps === undefined ? preset.epochs : Number.MAX_SAFE_INTEGER, 1),
    batchSize: int('batchSize', options.batchSize, preset.batchSize, 1),
    optimizer,
    spec: { hiddenUnits: [...hiddenUnits], activation, outputSize: DEFAULT_MODEL_SPEC.outputSize, initializer, ...(layers !== undefined ? { layers: structuredClone(layers) } : {}) },
    seed,
    validationSize: int('validationSize', options.validationSize, DEFAULT_VALIDATION_SIZE, 1),
    dropoutRate,
    augment,
    patience,
    maxSteps,
    classes,
  };
}

// `augment` resolved: true is DEFAULT_AUGMENT, an object fills its unset fields from it, false/undefined none.
function augmentOption(augment: boolean | Partial<AugmentOptions> | undefined): AugmentOptions | undefined {
  if (augment === undefined || augment === false) return undefined;
  if (augment !== true && (typeof augment !== 'object' || augment === null)) throw new RangeError(`augment must be true, false or augmentation options, got ${JSON.stringify(augment)}`);
  const resolved = augment === true ? { ...DEFAULT_AUGMENT, scale: [...DEFAULT_AUGMENT.scale] as [number, number] } : { ...DEFAULT_AUGMENT, ...augment };
  const problem = augmentOptionsProblem(resolved);
  if (problem) throw new RangeError(problem);
  return resolved;
}

// Labels of classes with no names: their indexes, as the digits '0'..'9' of MNIST.
function classLabels(count: number): string[] {
  return count === DIGIT_LABELS.length ? [...DIGIT_LABELS] : Array.from({ length: count }, (_, i) => String(i));
}

/**
 * The engine's optimizer config from `train`'s options: a name or an object, the learning rate from
 * the object, else `learningRate`, else 0.01. Throws RangeError naming the bad field.
 * @example toOptimizerConfig('adam', 0.001) // { name: 'adam', learningRate: 0.001 }
 */
export function toOptimizerConfig(optimizer: OptimizerOption | undefined, learningRate: number | undefined): OptimizerConfig {
  const given = typeof optimizer === 'string' || optimizer === undefined ? { name: optimizer ?? 'sgd' } : optimizer;
  if (!OPTIMIZER_NAMES.includes(given.name)) {
    throw new RangeError(`optimizer must be one of ${OPTIMIZER_NAMES.join(', ')}, got ${JSON.stringify(given.name)}`);
  }
  const config = { ...given, learningRate: ('learningRate' in given ? given.learningRate : undefined) ?? learningRate ?? 0.01 };
  if (!(config.learningRate > 0) || !Number.isFinite(config.learningRate)) {
    throw new RangeError(`learningRate must be a positive finite number, got ${config.learningRate}`);
  }
  resolveOptimizer(config);
  return config;
}

function limitTraining(train: LabeledImages, trainLimit: number | undefined): LabeledImages {
  if (trainLimit === undefined) return train;
  if (trainLimit > train.count) {
    throw new RangeError(`trainLimit must be at most ${train.count} (the training images after the validation split), got ${trainLimit}`);
  }
  return sliceImages(train, 0, trainLimit);
}

// The network of a spec without its input size (which the dataset decides): what Settings.spec holds.
function networkOf(m: ModelSpec): Settings['spec'] {
  return {
    hiddenUnits: [...m.hiddenUnits],
    activation: m.activation,
    ...(m.leakyReluAlpha !== undefined ? { leakyReluAlpha: m.leakyReluAlpha } : {}),
    ...(m.eluAlpha !== undefined ? { eluAlpha: m.eluAlpha } : {}),
    outputSize: m.outputSize,
    initializer: m.initializer,
    ...(m.layers !== undefined ? { layers: structuredClone(m.layers) } : {}),
  };
}

// The family of a network as `--model` names it.
function familyOf(network: { layers?: LayerSpec[] }): ModelName {
  return network.layers === undefined ? 'mlp' : 'cnn';
}

// The network of an initFrom checkpoint; network options given too must agree with it (classes may
// differ: the run then gets a new output layer).
function initSpec(source: Checkpoint, options: TrainOptions): Settings['spec'] {
  const m = source.modelJson.modelSpec;
  const conflicts: string[] = [];
  const differ = (flag: string, given: unknown, saved: unknown) => {
    if (given !== undefined && JSON.stringify(given) !== JSON.stringify(saved)) conflicts.push(`${flag} ${JSON.stringify(given)} (it has ${JSON.stringify(saved)})`);
  };
  differ('--hidden', options.hiddenUnits, m.hiddenUnits);
  differ('--model', options.model === undefined ? undefined : familyOf(modelPreset(options.model).network), familyOf(m));
  if (m.layers !== undefined) differ('layers', options.layers, m.layers);
  differ('--activation', options.activation, m.activation);
  differ('--initializer', options.initializer, m.initializer);
  if (conflicts.length) {
    throw new Error(`--init-from ${options.initFrom} gives the network, which conflicts with ${conflicts.join(', ')}; leave those flags out`);
  }
  return networkOf(m);
}

/**
 * The layers to freeze, in layer order: `freeze` as given (with initFrom), or on resume the ones the run
 * recorded (`freeze`, given, must name the same). One-line errors name --freeze and the valid layers.
 */
function frozenLayersOf(options: TrainOptions, spec: ModelSpec, recorded: string[] | undefined, out: string): string[] {
  const valid = layerShortNames(spec);
  const layers = `the layers are ${valid.join(', ')}`;
  const given = options.freeze;
  if (given === undefined) return recorded ? [...recorded] : [];
  if (!Array.isArray(given) || !given.every((n) => typeof n === 'string')) throw new TypeError(`--freeze must be a list of layer names; ${layers}`);
  const flag = `--freeze ${given.join(',')}`;
  if (options.resume) {
    const same = JSON.stringify([...given].sort()) === JSON.stringify([...(recorded ?? [])].sort());
    if (!same) {
      throw new Error(`${flag}: cannot resume ${out}, which ${recorded ? `froze ${recorded.join(',')}` : 'froze no layer'}; resume it without --freeze (it keeps its frozen layers)`);
    }
  }
  const problem = frozenLayersProblem(spec, given);
  if (problem) throw new RangeError(`${flag} is ${problem}`);
  return valid.filter((n) => given.includes(n));
}

// What a warm start needs of its source: the images and classes of this dataset, MNIST's pixel scale.
function checkInitSource(source: Checkpoint, dir: string, spec: ModelSpec, ...labelSets: Uint8Array[]): void {
  const m = source.modelJson.modelSpec;
  const shape = imageShapeOf(m);
  if (m.inputSize !== spec.inputSize || (shape && (shape[0] !== spec.imageShape![0] || shape[1] !== spec.imageShape![1]))) {
    throw new Error(`--init-from ${dir} takes ${shape ? shape.join('x') : m.inputSize} images, the dataset's are ${spec.imageShape!.join('x')}`);
  }
  const p = source.modelJson.preprocessing;
  if (p.pixelScale !== MNIST_PREPROCESSING.pixelScale || p.mean !== undefined || p.std !== undefined) {
    throw new Error(`--init-from ${dir} takes pixels preprocessed as ${JSON.stringify(p)}; training here feeds pixels / 255`);
  }
  let top = 0;
  for (const labels of labelSets) for (const l of labels) if (l > top) top = l;
  if (top >= m.outputSize) throw new Error(`--init-from ${dir} has ${m.outputSize} classes, the dataset has label ${top}`);
}

function checkResumable(checkpoint: Checkpoint, spec: ModelSpec, settings: Settings): void {
  const t = checkpoint.modelJson.training;
  const m = checkpoint.modelJson.modelSpec;
  const differences: string[] = [];
  const differ = (flag: string, saved: unknown, now: unknown) => {
    if (JSON.stringify(saved) !== JSON.stringify(now)) differences.push(`${flag} ${JSON.stringify(saved)} (now ${JSON.stringify(now)})`);
  };
  differ('--hidden', m.hiddenUnits, spec.hiddenUnits);
  differ('--model', familyOf(m), familyOf(spec));
  if (m.layers !== undefined && spec.layers !== undefined) differ('layers', m.layers, spec.layers);
  differ('--activation', m.activation, spec.activation);
  differ('--initializer', m.initializer, spec.initializer);
  differ('input size', m.inputSize, spec.inputSize);
  differ('image size', imageShapeOf(m) ?? 'unrecorded', spec.imageShape);
  differ(settings.classes !== undefined ? '--classes' : 'output size (--classes)', m.outputSize, spec.outputSize);
  differ('--batch-size', t.batchSize, settings.batchSize);
  differ('--seed', t.seed, settings.seed);
  differ('validation size', t.validationSize, settings.validationSize);
  differ('--optimizer', t.optimizer.name, settings.optimizer.name);
  differ('--learning-rate', t.optimizer.learningRate, settings.optimizer.learningRate);
  differ('optimizer settings', t.optimizer.params ?? {}, optimizerCheckpointState(settings.optimizer).params ?? {});
  differ('--dropout', t.dropoutRate ?? 0, settings.dropoutRate);
  differ('--augment', t.augment ?? 'none', settings.augment ?? 'none');
  differ('--patience', t.earlyStopping?.patience, settings.patience);
  differ('--steps', t.maxSteps, settings.maxSteps);
  if (differences.length) {
    throw new Error(`cannot resume ${settings.out}: it was trained with ${differences.join(', ')}; pass the same settings or choose another --out`);
  }
  if (t.history.length !== t.epoch) throw new Error(`${settings.out}/${MODEL_JSON_FILE}: history holds ${t.history.length} epochs, training.epoch says ${t.epoch}`);
  if (t.epoch > settings.epochs) {
    throw new Error(`cannot resume ${settings.out}: it already completed ${t.epoch} epochs, more than --epochs ${settings.epochs}`);
  }
  const es = t.earlyStopping;
  if (es?.stopped) throw new Error(`cannot resume ${settings.out}: early stopping already ended it at epoch ${t.epoch} (best epoch ${es.bestEpoch + 1})`);
  // A finished run saves the best epoch's weights, which are not the last epoch's: nothing to continue from.
  const hasBest = [...checkpoint.weights.keys()].some((n) => n.startsWith(BEST_WEIGHTS_PREFIX));
  if (es && t.testAccuracy !== undefined && es.bestEpoch !== t.epoch - 1 && !hasBest) {
    throw new Error(`cannot resume ${settings.out}: it holds the weights of its best epoch ${es.bestEpoch + 1}, not of its last epoch ${t.epoch}`);
  }
}

async function toCheckpoint(engine: TrainingEngine, spec: ModelSpec, labels: readonly string[], training: TrainingState, best?: Map<string, NamedWeight>): Promise<Checkpoint> {
  const weights = await engine.readWeights();
  for (const [name, w] of best ?? []) weights.set(BEST_WEIGHTS_PREFIX + name, { ...w, name: BEST_WEIGHTS_PREFIX + name });
  return newCheckpoint(spec, labels, training, weights);
}
