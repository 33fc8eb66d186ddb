// The chapter's high-level way in: `DNNClassifier(hidden_units=[300,100], n_classes=10)` with
// fit/predict/evaluate, TensorFlow's defaults (Adagrad, learning rate 0.05), saved in the same
// checkpoint format as `train`, so `mnist export` and the inference SDKs take it unchanged.
import {
  argmaxRows,
  isImageShape,
  MNIST_PREPROCESSING,
  newCheckpoint,
  softmaxRows,
  sparseSoftmaxCrossEntropy,
  type Activation,
  type EpochRecord,
  type Initializer,
  type LabeledImages,
  type ModelSpec,
  type NamedWeight,
  type DatasetRecord,
  type TrainingState,
} from '@mnist/core';
import { loadCheckpoint, saveCheckpoint } from './checkpoint-io.js';
import { epochLine } from './epoch-line.js';
import { createEngine, type OptimizerConfig, type OptimizerName } from './engine.js';
import { forwardPassEngine } from './forward-pass.js';
import { initialWeights } from './initializers.js';
import { checkActivation, checkHiddenUnits, checkInitializer } from './network-options.js';
import { optimizerCheckpointState } from './optimizer-slots.js';
import { BEST_WEIGHTS_PREFIX, toOptimizerConfig, type OptimizerOption } from './train.js';
import { runTrainingLoop } from './training-loop.js';
import { reportBatches, type FitCallbacks } from './train-callbacks.js';

/** Images: `N * inputSize` pixels as bytes (0-255) or floats in [0, 1], or one array per image. */
export type ImageInput = Uint8Array | Float32Array | Float64Array | ArrayLike<number>[];

/** Class labels, one per image. */
export type LabelInput = ArrayLike<number>;

/** What a DNNClassifier is; unset fields take TensorFlow's DNNClassifier defaults. */
export interface DNNClassifierOptions {
  /** Units per hidden layer, e.g. [300, 100]. */
  hiddenUnits: number[];
  nClasses: number;
  /** Default `relu`. */
  activation?: Activation;
  /** Default `glorot` (TensorFlow's layers default). */
  initializer?: Initializer;
  /** Default Adagrad with learning rate 0.05, as tf.contrib.learn.DNNClassifier. */
  optimizer?: OptimizerOption;
  /** Learning rate for a named `optimizer` (default 0.05). */
  learningRate?: number;
  /** Dropout rate on hidden outputs while fitting, default 0. */
  dropout?: number;
  /** Training engine: `auto` (default), `onnx` or `tfjs`. */
  engine?: string;
  /** Force an engine backend (e.g. `wasm`). */
  backend?: string;
  /** Default 42: initial weights, shuffles and dropout masks derive from it. */
  seed?: number;
  /**
   * Rows and columns of each image (`rows * cols` = pixels per image), recorded in the checkpoint so an
   * export says what to feed it. Default: [28, 28] for 784-pixel images, unrecorded otherwise.
   */
  imageShape?: [number, number];
}

/** Options of `fit`. */
export interface FitOptions {
  /** Default 50. */
  batchSize?: number;
  /**
   * Optimizer steps to run in this call (epochs of shuffle_batch batches, the last one partial), as
   * TensorFlow's `fit(steps=)`. Give `steps`, `epochs` or both (then the first reached ends the call).
   */
  steps?: number;
  /** Whole epochs to run in this call, as Keras' `fit(epochs=)` (a second call runs that many more). */
  epochs?: number;
  /** Scored after every epoch (and required by `earlyStopping`). */
  validation?: { X: ImageInput; y: LabelInput };
  /** Stop when validation accuracy has not improved for `patience` epochs, keeping the best weights. */
  earlyStopping?: { patience: number };
  /** One line per epoch and the engine choice. */
  onLog?: (line: string) => void;
  /** After every step: done and total in the current epoch, and the epoch. */
  onProgress?: (done: number, total: number, epoch: number) => void;
  /**
   * Keras/tfjs-style callbacks, each awaited: `onEpochEnd` after each epoch (and its validation),
   * `onBatchEnd` per step (reported when its epoch has run), `onTrainEnd` at the end (see FitCallbacks).
   */
  callbacks?: FitCallbacks;
  /**
   * Ends the fit after the current epoch when aborted (e.g. from `onEpochEnd`); `fit` then resolves
   * with the weights of that epoch (or the best one's with `earlyStopping`). Aborted before the first
   * epoch, `fit` rejects with the signal's reason and leaves the classifier as it was.
   */
  signal?: AbortSignal;
}

/** What `predict` returns: the class and the softmax probabilities (row-major `[N, nClasses]`) of each image. */
export interface ClassifierPrediction {
  classes: Int32Array;
  probabilities: Float32Array;
}

/**
 * A deep neural network classifier with TensorFlow's DNNClassifier interface.
 * @example
 * const dnnClf = new DNNClassifier({ hiddenUnits: [300, 100], nClasses: 10 });
 * await dnnClf.fit(XTrain, yTrain, { batchSize: 50, steps: 40000 });
 * const yPred = await dnnClf.predict(XTest);
 * accuracyScore(yTest, yPred.classes);
 */
export class DNNClassifier {
  private readonly optimizer: OptimizerConfig;
  private readonly settings: Required<Pick<DNNClassifierOptions, 'hiddenUnits' | 'nClasses' | 'activation' | 'initializer' | 'dropout' | 'seed'>> &
    Pick<DNNClassifierOptions, 'engine' | 'backend' | 'imageShape'>;
  private spec: ModelSpec | undefined;
  private weights: Map<string, NamedWeight> | undefined;
  private history: EpochRecord[] = [];
  private epochs = 0;
  private step = 0;
  private batchSize = 50;
  private validationSize = 0;
  private engineName = '';
  private backendName = '';

  constructor(options: DNNClassifierOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object like { hiddenUnits: [300, 100], nClasses: 10 }');
    const { hiddenUnits, nClasses } = options;
    checkHiddenUnits(hiddenUnits);
    if (!Number.isInteger(nClasses) || nClasses < 2 || nClasses > 256) throw new RangeError(`nClasses must be an integer in [2, 256], got ${nClasses}`);
    const activation = options.activation ?? 'relu';
    checkActivation(activation);
    const dropout = options.dropout ?? 0;
    if (!(Number.isFinite(dropout) && dropout >= 0 && dropout < 1)) throw new RangeError(`dropout must be in [0, 1), got ${dropout}`);
    const seed = options.seed ?? 42;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be an integer in [0, ${0xffffffff}], got ${seed}`);
    this.optimizer = toOptimizerConfig(options.optimizer ?? 'adagrad', options.learningRate ?? 0.05);
    // The initializer name is checked now rather than at the first fit (with initialWeights' wording).
    const initializer = options.initializer ?? 'glorot';
    checkInitializer(initializer, 'spec.initializer');
    const { imageShape } = options;
    if (imageShape !== undefined && !isImageShape(imageShape, imageShape[0] * imageShape[1])) {
      throw new RangeError(`imageShape must be [rows, cols] of positive integers, got ${JSON.stringify(imageShape)}`);
    }
    this.settings = {
      hiddenUnits: [...hiddenUnits],
      nClasses,
      activation,
      initializer,
      dropout,
      seed,
      engine: options.engine,
      backend: options.backend,
      imageShape: imageShape && [imageShape[0], imageShape[1]],
    };
  }

  /** The network's shape once fitted or loaded. */
  get modelSpec(): ModelSpec | undefined {
    return this.spec && { ...this.spec, hiddenUnits: [...this.spec.hiddenUnits] };
  }

  /** Optimizer steps run so far (across `fit` calls). */
  get globalStep(): number {
    return this.step;
  }

  /** The engine and backend of the last `fit` (or of the loaded checkpoint's run). */
  get trainedOn(): { engine: string; backend: string } {
    return { engine: this.engineName, backend: this.backendName };
  }

  /** Per-epoch records of the fits that had a validation set. */
  get epochHistory(): EpochRecord[] {
    return [...this.history];
  }

  /**
   * Trains for `steps` more optimizer steps, or `epochs` more epochs, on mini-batches from
   * `shuffleBatch`, one epoch after another (with `steps`, the last one may be partial). A second call
   * continues from where the first stopped. Resolves to `this`.
   * @example await clf.fit(X, y, { epochs: 5, validation: { X: XVal, y: yVal }, callbacks: { onEpochEnd: (log) => console.log(log.valLoss) } });
   */
  async fit(X: ImageInput, y: LabelInput, options: FitOptions): Promise<this> {
    const { steps, epochs } = options;
    if (steps === undefined && epochs === undefined) throw new RangeError('fit needs steps or epochs (how long to train), got neither');
    if (steps !== undefined && (!Number.isInteger(steps) || steps < 1)) throw new RangeError(`steps must be a positive integer, got ${steps}`);
    if (epochs !== undefined && (!Number.isInteger(epochs) || epochs < 1)) throw new RangeError(`epochs must be a positive integer, got ${epochs}`);
    const batchSize = options.batchSize ?? 50;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    const train = toLabeledImages(X, y, 'X', 'y', this.spec?.inputSize, this.settings.nClasses);
    if (train.count < batchSize) throw new RangeError(`X holds ${train.count} images, fewer than batchSize ${batchSize}`);
    const validation = options.validation && toLabeledImages(options.validation.X, options.validation.y, 'validation.X', 'validation.y', train.width, this.settings.nClasses);
    const { imageShape } = this.settings;
    if (imageShape !== undefined && imageShape[0] * imageShape[1] !== train.width) {
      throw new RangeError(`X holds images of ${train.width} pixels, but imageShape ${imageShape[0]}x${imageShape[1]} is ${imageShape[0] * imageShape[1]}`);
    }
    const spec: ModelSpec = this.spec ?? {
      inputSize: train.width,
      ...(imageShape ? { imageShape } : {}),
      hiddenUnits: this.settings.hiddenUnits,
      activation: this.settings.activation,
      outputSize: this.settings.nClasses,
      initializer: this.settings.initializer,
    };
    const { engine, message } = await createEngine(this.settings.engine ?? 'auto', {
      spec,
      optimizer: this.optimizer,
      dropoutRate: this.settings.dropout,
      backend: this.settings.backend,
    });
    options.onLog?.(message);
    let aborted: boolean;
    try {
      options.signal?.throwIfAborted();
      await engine.loadWeights(this.weights ?? initialWeights(spec, this.settings.seed));
      const started = performance.now();
      let epochStarted = started;
      // The epoch this fit ends in: full epochs of floor(count / batchSize) batches, the last may be partial.
      const perEpoch = Math.floor(train.count / batchSize);
      const stepsTaken = Math.min(steps ?? Infinity, (epochs ?? Infinity) * perEpoch);
      const lastEpoch = this.epochs + Math.ceil(stepsTaken / perEpoch);
      const lastStep = this.step + stepsTaken;
      const callbacks = options.callbacks;
      const loop = await runTrainingLoop({
        signal: options.signal,
        engine,
        spec,
        train,
        validation,
        pixelScale: MNIST_PREPROCESSING.pixelScale,
        batchSize,
        seed: this.settings.seed,
        epochs: epochs === undefined ? Number.MAX_SAFE_INTEGER : this.epochs + epochs,
        ...(steps === undefined ? {} : { maxSteps: this.step + steps }),
        dropoutRate: this.settings.dropout,
        patience: options.earlyStopping?.patience,
        epoch: this.epochs,
        history: this.history,
        step: this.step,
        onProgress: options.onProgress,
        onEpoch: async (now, stats) => {
          const last = now.history[now.history.length - 1];
          const ended = performance.now();
          options.onLog?.(
            epochLine({
              epoch: now.epochs - 1,
              epochs: lastEpoch,
              step: now.step,
              steps: lastStep,
              loss: stats.meanLoss,
              batchAccuracy: stats.lastBatchAccuracy,
              ...(validation && last ? { valLoss: last.valLoss, validationAccuracy: last.validationAccuracy } : {}),
              epochSeconds: (ended - epochStarted) / 1000,
              totalSeconds: (ended - started) / 1000,
            }),
          );
          epochStarted = ended;
          await reportBatches(callbacks, stats, now.step);
          await callbacks?.onEpochEnd?.({
            epoch: now.epochs - 1,
            loss: stats.meanLoss,
            accuracy: stats.lastBatchAccuracy,
            ...(validation && last ? { valLoss: last.valLoss!, valAccuracy: last.validationAccuracy } : {}),
            seconds: (performance.now() - started) / 1000,
          });
        },
      });
      this.weights = await engine.readWeights();
      this.spec = spec;
      this.history = loop.history;
      this.epochs = loop.epochs;
      this.step = loop.step;
      this.batchSize = batchSize;
      this.validationSize = validation?.count ?? 0;
      this.engineName = engine.name;
      this.backendName = engine.backend;
      // Stopped by the signal rather than by its budget or early stopping.
      aborted = (options.signal?.aborted ?? false) && !loop.stopped && loop.step < lastStep;
    } finally {
      engine.dispose();
    }
    await options.callbacks?.onTrainEnd?.({ epochs: this.epochs, steps: this.step, history: this.epochHistory, aborted });
    return this;
  }

  /** Classes and softmax probabilities of `X` (no dropout). */
  async predict(X: ImageInput): Promise<ClassifierPrediction> {
    const logits = await this.logits(X);
    const n = this.settings.nClasses;
    return { classes: argmaxRows(logits.values, n), probabilities: softmaxRows(logits.values, n) };
  }

  /** Accuracy and mean sparse softmax cross-entropy on `X`, `y`. */
  async evaluate(X: ImageInput, y: LabelInput): Promise<{ accuracy: number; loss: number }> {
    const set = toLabeledImages(X, y, 'X', 'y', this.requireSpec().inputSize, this.settings.nClasses);
    const logits = await this.logitsOf(set.images, set.count);
    const n = this.settings.nClasses;
    const classes = argmaxRows(logits, n);
    let correct = 0;
    for (let i = 0; i < set.count; i++) if (classes[i] === set.labels[i]) correct++;
    return { accuracy: correct / set.count, loss: sparseSoftmaxCrossEntropy(logits, set.labels, n) };
  }

  /**
   * Saves model.json + weights.bin (with the optimizer's slots), atomically, as `train` does.
   * `testAccuracy`, when given, is recorded (the ONNX export carries it into its metadata), and so is
   * `dataset`, the dataset it was fitted on (`mnist eval` then scores on it by default).
   */
  async save(dir: string, options: { testAccuracy?: number; dataset?: DatasetRecord } = {}): Promise<void> {
    const spec = this.requireSpec();
    const training: TrainingState = {
      epoch: this.epochs,
      step: this.step,
      epochs: this.epochs,
      batchSize: this.batchSize,
      seed: this.settings.seed,
      validationSize: this.validationSize,
      engine: this.engineName,
      backend: this.backendName,
      optimizer: optimizerCheckpointState(this.optimizer),
      history: [...this.history],
      maxSteps: this.step,
      ...(options.testAccuracy !== undefined ? { testAccuracy: options.testAccuracy } : {}),
      ...(this.settings.dropout > 0 ? { dropoutRate: this.settings.dropout } : {}),
      ...(options.dataset ? { dataset: options.dataset } : {}),
    };
    const labels = Array.from({ length: spec.outputSize }, (_, i) => String(i));
    await saveCheckpoint(dir, newCheckpoint(spec, labels, training, this.weights!));
  }

  /**
   * A classifier from a checkpoint saved by `save` (or by `train`): its network, optimizer (with its
   * slots, so `fit` continues), dropout rate and seed.
   * @example const clf = await DNNClassifier.load('checkpoints/dnn-clf');
   */
  static async load(dir: string, options: { engine?: string; backend?: string } = {}): Promise<DNNClassifier> {
    const checkpoint = await loadCheckpoint(dir);
    const { modelSpec: spec, training } = checkpoint.modelJson;
    const optimizer = { name: training.optimizer.name as OptimizerName, learningRate: training.optimizer.learningRate, ...(training.optimizer.params ?? {}) };
    const clf = new DNNClassifier({
      hiddenUnits: spec.hiddenUnits,
      nClasses: spec.outputSize,
      activation: spec.activation,
      initializer: spec.initializer,
      optimizer,
      dropout: training.dropoutRate ?? 0,
      seed: training.seed,
      ...options,
    });
    clf.spec = spec;
    // `train` may have kept a best epoch's copies aside mid-run: those are not the model.
    clf.weights = new Map([...checkpoint.weights].filter(([name]) => !name.startsWith(BEST_WEIGHTS_PREFIX)));
    clf.history = [...training.history];
    clf.epochs = training.epoch;
    clf.step = training.step;
    clf.batchSize = training.batchSize;
    clf.validationSize = training.validationSize;
    clf.engineName = training.engine;
    clf.backendName = training.backend;
    return clf;
  }

  private requireSpec(): ModelSpec {
    if (!this.spec || !this.weights) throw new Error('this DNNClassifier has not been fitted: call fit (or DNNClassifier.load) first');
    return this.spec;
  }

  private async logits(X: ImageInput): Promise<{ values: Float32Array; count: number }> {
    const { images, count } = toImageBytes(X, 'X', this.requireSpec().inputSize);
    return { values: await this.logitsOf(images, count), count };
  }

  private async logitsOf(images: Uint8Array, count: number): Promise<Float32Array> {
    const spec = this.requireSpec();
    const engine = await forwardPassEngine(spec, this.weights!, this.settings.engine === 'tfjs' ? this.settings.backend : undefined);
    try {
      return await engine.predictLogits(images, count, MNIST_PREPROCESSING.pixelScale);
    } finally {
      engine.dispose();
    }
  }
}

/**
 * Pixels as bytes: byte input as is, float input (in [0, 1]) rounded to k/255, which is exact for
 * MNIST's pixels and keeps 47 MB instead of 188 MB for 60000 images.
 */
function toImageBytes(X: ImageInput, name: string, inputSize: number | undefined): { images: Uint8Array; count: number; inputSize: number } {
  if (Array.isArray(X)) {
    const size = inputSize ?? X[0]?.length;
    if (!X.length || !size) throw new RangeError(`${name} must hold at least one image`);
    const images = new Uint8Array(X.length * size);
    X.forEach((row, i) => {
      if (row.length !== size) throw new RangeError(`${name}[${i}] has ${row.length} pixels, expected ${size}`);
      images.set(toBytes(row, `${name}[${i}]`), i * size);
    });
    return { images, count: X.length, inputSize: size };
  }
  if (!(X instanceof Uint8Array || X instanceof Float32Array || X instanceof Float64Array)) {
    throw new TypeError(`${name} must be a Uint8Array, Float32Array, Float64Array or an array of images`);
  }
  const size = inputSize ?? 784;
  if (X.length === 0 || X.length % size !== 0) throw new RangeError(`${name} has ${X.length} values, not a positive multiple of ${size} pixels per image`);
  return { images: X instanceof Uint8Array ? X : toBytes(X, name), count: X.length / size, inputSize: size };
}

function toBytes(values: ArrayLike<number>, name: string): Uint8Array {
  if (values instanceof Uint8Array) return values;
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 1)) throw new RangeError(`${name} must hold pixels in [0, 1] (or bytes), got ${v} at ${i}`);
    bytes[i] = Math.round(v * 255);
  }
  return bytes;
}

function toLabeledImages(X: ImageInput, y: LabelInput, xName: string, yName: string, inputSize: number | undefined, nClasses: number): LabeledImages {
  if (y === null || typeof y !== 'object' || typeof y.length !== 'number') throw new TypeError(`${yName} must be an array of class labels`);
  // Without a known size, a flat X is split by the number of labels.
  const size = inputSize ?? (Array.isArray(X) ? undefined : y.length > 0 && X.length % y.length === 0 ? X.length / y.length : undefined);
  if (size === undefined && !Array.isArray(X)) throw new RangeError(`${xName} has ${X.length} values, not a multiple of the ${y.length} labels in ${yName}`);
  const { images, count, inputSize: width } = toImageBytes(X, xName, size);
  if (count !== y.length) throw new RangeError(`${xName} holds ${count} images but ${yName} has ${y.length} labels`);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = Number(y[i]);
    if (!Number.isInteger(label) || label < 0 || label >= nClasses) throw new RangeError(`${yName}[${i}] = ${y[i]} is not a class in [0, ${nClasses})`);
    labels[i] = label;
  }
  // Flat pixels: one row of `width` (the loop needs only count and height * width).
  return { images, labels, count, height: 1, width };
}
