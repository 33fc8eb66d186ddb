// The checkpoint contract: model.json (spec, preprocessing, training state, weightsManifest) plus
// weights.bin (little-endian float32), as bytes. Files and URLs are the IO handlers' business.
import { ACTIVATIONS, activationConstantProblem, INITIALIZERS, isImageShape, MNIST_PREPROCESSING, type ModelSpec, type Preprocessing } from './model-spec.js';
import { layerNames, layersProblem } from './network-layers.js';
import { SourcedError } from './sourced-error.js';
import { augmentOptionsProblem, type AugmentOptions } from './augment.js';
import { frozenLayersProblem } from './frozen-layers.js';

export const CHECKPOINT_FORMAT = 'mnist-dnn-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;
export const MODEL_JSON_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
/**
 * The largest model.json a reader accepts (16 MiB), checked before it is read: the header of the
 * default network is about 2 KB, and each epoch's record adds about 100 bytes.
 */
export const MODEL_JSON_MAX_BYTES = 16 * 1024 * 1024;
/**
 * The largest weights.bin a reader accepts (1 GiB: 268 million float32 values for the weights, their
 * optimizer slots and early stopping's best copy together; the default network has 266 thousand),
 * checked against the manifest before the file is read, so a header cannot make a reader allocate more.
 */
export const WEIGHTS_MAX_BYTES = 1024 * 1024 * 1024;

/** One weight in the TensorFlow.js-style manifest. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

export interface WeightsManifestEntry {
  paths: string[];
  weights: WeightSpec[];
}

/** One line of the per-epoch log. No wall-clock times: the same seed must give the same bytes. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  batchAccuracy: number;
  validationAccuracy: number;
  /** Mean sparse softmax cross-entropy on the validation set; absent in checkpoints from before it was recorded. */
  valLoss?: number;
}

/** Optimizer name, hyperparameters and per-weight slot state (e.g. momentum accumulators). */
export interface OptimizerState {
  name: string;
  learningRate: number;
  /** Other hyperparameters (momentum, beta1, ...). */
  params?: Record<string, number>;
  /** Names of slot weights stored in weights.bin, e.g. "dnn/hidden1/kernel/momentum". */
  slots?: string[];
}

/** Where a run stands, so `--resume` can continue it exactly. */
export interface TrainingState {
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps completed. */
  step: number;
  /** Epochs the run was asked for. */
  epochs: number;
  batchSize: number;
  seed: number;
  /** Number of leading training images held out for validation. */
  validationSize: number;
  engine: string;
  backend: string;
  optimizer: OptimizerState;
  history: EpochRecord[];
  /** Test accuracy measured at the end of the run, if any. */
  testAccuracy?: number;
  /** Dropout rate on the hidden layers while training; absent means 0. */
  dropoutRate?: number;
  /** The augmentation every epoch's training images went through (`--augment`); absent: none. */
  augment?: AugmentOptions;
  /** The run's budget of optimizer steps (DNNClassifier's `steps`), when it had one. */
  maxSteps?: number;
  /** Early stopping on validation accuracy, when the run used it. */
  earlyStopping?: EarlyStoppingState;
  /**
   * Set by `mnist import`: the weights were read from a foreign ONNX model, not trained here (epoch 0,
   * no history); a run continues from them with `--init-from`, not `--resume`.
   */
  importedFrom?: ImportProvenance;
  /** Set when the run started from another checkpoint's weights (`--init-from`) instead of drawn ones. */
  initializedFrom?: InitProvenance;
  /**
   * Layers kept as `initializedFrom` gave them, never updated (`--freeze`), by their short names
   * (`hidden1` for `dnn/hidden1/kernel|bias`); absent when every layer trained.
   */
  frozen?: string[];
  /** The dataset the run trained on, so `mnist eval` scores on it by default; absent in older checkpoints (MNIST). */
  dataset?: DatasetRecord;
}

/** Which dataset a checkpoint was trained on. */
export interface DatasetRecord {
  /** 'mnist' for the built-in MNIST, else the folder's base name (e.g. 'fashion-mnist'). */
  name: string;
  /** The folder as trained from: relative to the working directory when under it; absent for the built-in MNIST. */
  folder?: string;
  /** SHA-256 of each file's uncompressed bytes, 64 lowercase hex digits: the test files at least. */
  sha256: { testImages: string; testLabels: string; trainImages?: string; trainLabels?: string };
}

/** Where an imported checkpoint's weights came from. */
export interface ImportProvenance {
  /** The model's file name (not its path). */
  file: string;
  /** SHA-256 of the model file, 64 lowercase hex digits. */
  sha256: string;
  /** The model's producer_name and producer_version, e.g. "pytorch 1.13.1". */
  producer: string;
  /** What the model's output held; a final Softmax or LogSoftmax was dropped (checkpoints give logits). */
  output: 'logits' | 'probabilities' | 'log-probabilities';
  /** The preprocessing the model was trained with, folded into the first layer (the checkpoint takes pixels / 255). */
  preprocessing: Preprocessing;
}

/** The checkpoint a run's first weights were taken from. */
export interface InitProvenance {
  /** The checkpoint folder as given. */
  checkpoint: string;
  /** Its weights.bin digest, when its model.json records one. */
  weightsSha256?: string;
  /** Epochs it had been trained for. */
  epoch: number;
  /** Carried over when that checkpoint was itself imported. */
  importedFrom?: ImportProvenance;
}

/** Where early stopping stands: the best epoch so far and whether the run has stopped. */
export interface EarlyStoppingState {
  /** Epochs without a better validation accuracy before the run stops. */
  patience: number;
  /** The 0-based epoch (index into history) with the best validation accuracy. */
  bestEpoch: number;
  bestValidationAccuracy: number;
  /** True once the run stopped for lack of improvement; the saved weights are then the best epoch's. */
  stopped: boolean;
}

/** The parsed model.json. */
export interface ModelJson {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  modelSpec: ModelSpec;
  preprocessing: Preprocessing;
  labels: string[];
  training: TrainingState;
  weightsManifest: WeightsManifestEntry[];
  /**
   * SHA-256 (64 lowercase hex digits) of the weights.bin saved with this model.json, so a reader can tell
   * a matching pair from a mixed one. Written by the file saver; checkpoints saved before it existed lack it.
   */
  weightsSha256?: string;
}

/** A weight tensor by name, row-major; kernels are [fan_in, fan_out]. */
export interface NamedWeight {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** A checkpoint in memory: the IO handlers' one artifact type. */
export interface Checkpoint {
  modelJson: ModelJson;
  weights: Map<string, NamedWeight>;
}

/** The two files of a checkpoint, as bytes. */
export interface CheckpointBytes {
  modelJson: string;
  weightsBin: Uint8Array;
}

/** A checkpoint that cannot be read; `source` names the file. */
export class CheckpointError extends SourcedError {
  override readonly name = 'CheckpointError';
}

/**
 * A checkpoint of a network trained on MNIST-preprocessed pixels: the header for `spec`, `labels` and
 * `training`, and the weights by name (`encodeCheckpoint` derives the manifest from them).
 * @example const checkpoint = newCheckpoint(spec, DIGIT_LABELS, training, weights);
 */
export function newCheckpoint(spec: ModelSpec, labels: readonly string[], training: TrainingState, weights: Map<string, NamedWeight>): Checkpoint {
  return {
    modelJson: {
      format: CHECKPOINT_FORMAT,
      formatVersion: CHECKPOINT_FORMAT_VERSION,
      modelSpec: spec,
      preprocessing: { ...MNIST_PREPROCESSING },
      labels: [...labels],
      training,
      weightsManifest: [],
    },
    weights,
  };
}

/** Options of `encodeCheckpoint`. */
export interface EncodeCheckpointOptions {
  /**
   * Hex SHA-256 of the encoded weights.bin, recorded as model.json's `weightsSha256` (core has no hash of
   * its own: the IO handler passes its platform's). Without it, model.json carries no digest.
   */
  sha256?: (weightsBin: Uint8Array) => string;
}

/**
 * Serializes a checkpoint: the manifest is derived from `weights` (model weights first, in layer order,
 * then optimizer slots), values written little-endian. A `weightsSha256` in `checkpoint.modelJson` (from
 * a loaded checkpoint) is never carried over: it is recomputed with `options.sha256`, or left out.
 * @example const { modelJson, weightsBin } = encodeCheckpoint(checkpoint, { sha256: (bytes) => sha256Hex(bytes) });
 */
export function encodeCheckpoint(checkpoint: Checkpoint, options: EncodeCheckpointOptions = {}): CheckpointBytes {
  const ordered = orderedWeights(checkpoint);
  const total = ordered.reduce((n, w) => n + w.values.length, 0);
  const weightsBin = new Uint8Array(total * 4);
  const view = new DataView(weightsBin.buffer);
  let offset = 0;
  for (const w of ordered) {
    for (let i = 0; i < w.values.length; i++, offset += 4) view.setFloat32(offset, w.values[i], true);
  }
  // A loaded checkpoint's digest described the bytes it was loaded from, not these.
  const { weightsSha256: _stale, ...header } = checkpoint.modelJson;
  const digest = options.sha256?.(weightsBin);
  if (digest !== undefined && !SHA256_HEX.test(digest)) throw new TypeError(`sha256 must return 64 lowercase hex digits, got ${JSON.stringify(digest)}`);
  const modelJson: ModelJson = {
    ...header,
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    weightsManifest: [
      { paths: [WEIGHTS_FILE], weights: ordered.map((w) => ({ name: w.name, shape: [...w.shape], dtype: 'float32' })) },
    ],
    ...(digest === undefined ? {} : { weightsSha256: digest }),
  };
  return { modelJson: JSON.stringify(modelJson, null, 2) + '\n', weightsBin };
}

/**
 * Parses and validates a checkpoint's two files. Throws CheckpointError naming `source` for anything
 * that is not a complete checkpoint of this format (bad JSON, missing weights, wrong byte length).
 * @example const ckpt = decodeCheckpoint(text, bytes, 'checkpoints/dnn');
 */
export function decodeCheckpoint(modelJsonText: string, weightsBin: Uint8Array, source = 'checkpoint'): Checkpoint {
  return decodeWeights(parseModelJson(modelJsonText, source), weightsBin, source);
}

/**
 * Parses and validates model.json alone (the first half of `decodeCheckpoint`), so a reader can check
 * weights.bin's size against `weightsByteLength` before reading it. Throws CheckpointError naming
 * `<source>/model.json`.
 * @example const modelJson = parseModelJson(text, 'checkpoints/dnn'); weightsByteLength(modelJson) // 1071160
 */
export function parseModelJson(modelJsonText: string, source = 'checkpoint'): ModelJson {
  const jsonSource = `${source}/${MODEL_JSON_FILE}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(modelJsonText);
  } catch {
    throw new CheckpointError(jsonSource, 'is not valid JSON (torn or corrupt checkpoint?)');
  }
  return validateModelJson(parsed, jsonSource);
}

/**
 * The byte length of weights.bin that a validated model.json's manifest declares.
 * @example if (stats.size !== weightsByteLength(modelJson)) throw new Error('torn checkpoint');
 */
export function weightsByteLength(modelJson: ModelJson): number {
  return modelJson.weightsManifest.flatMap((entry) => entry.weights).reduce((n, s) => n + 4 * product(s.shape), 0);
}

/**
 * The second half of `decodeCheckpoint`: the weights of a parsed model.json from weights.bin's bytes.
 * Throws CheckpointError naming `source`'s file on a wrong byte length or weights the spec lacks.
 * @example const checkpoint = decodeWeights(parseModelJson(text, dir), bytes, dir);
 */
export function decodeWeights(modelJson: ModelJson, weightsBin: Uint8Array, source = 'checkpoint'): Checkpoint {
  const jsonSource = `${source}/${MODEL_JSON_FILE}`;
  const specs = modelJson.weightsManifest.flatMap((entry) => entry.weights);
  const expectedBytes = weightsByteLength(modelJson);
  if (weightsBin.byteLength !== expectedBytes) {
    throw new CheckpointError(
      `${source}/${WEIGHTS_FILE}`,
      `has ${weightsBin.byteLength} bytes, the manifest expects ${expectedBytes} (torn or corrupt checkpoint?)`,
    );
  }
  const view = new DataView(weightsBin.buffer, weightsBin.byteOffset, weightsBin.byteLength);
  const weights = new Map<string, NamedWeight>();
  let offset = 0;
  for (const s of specs) {
    const values = new Float32Array(product(s.shape));
    for (let i = 0; i < values.length; i++, offset += 4) values[i] = view.getFloat32(offset, true);
    weights.set(s.name, { name: s.name, shape: [...s.shape], values });
  }
  for (const layer of layerNames(modelJson.modelSpec)) {
    checkWeight(weights, layer.kernel, layer.kernelShape, jsonSource);
    checkWeight(weights, layer.bias, layer.biasShape, jsonSource);
  }
  return { modelJson, weights };
}

function orderedWeights(checkpoint: Checkpoint): NamedWeight[] {
  const modelNames = layerNames(checkpoint.modelJson.modelSpec).flatMap((l) => [l.kernel, l.bias]);
  const rest = [...checkpoint.weights.keys()].filter((n) => !modelNames.includes(n));
  return [...modelNames, ...rest].map((name) => {
    const w = checkpoint.weights.get(name);
    if (!w) throw new CheckpointError('checkpoint', `weight ${name} is missing`);
    if (w.values.length !== product(w.shape)) {
      throw new CheckpointError('checkpoint', `weight ${name} has ${w.values.length} values for shape [${w.shape}]`);
    }
    return w;
  });
}

function validateModelJson(value: unknown, source: string): ModelJson {
  const fail = (what: string): never => {
    throw new CheckpointError(source, what);
  };
  if (typeof value !== 'object' || value === null) fail('is not a JSON object');
  const json = value as Partial<ModelJson>;
  if (json.format !== CHECKPOINT_FORMAT) fail(`is not an ${CHECKPOINT_FORMAT} (format is ${JSON.stringify(json.format)})`);
  if (json.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    fail(`has format version ${json.formatVersion}, this build reads version ${CHECKPOINT_FORMAT_VERSION}`);
  }
  const spec = json.modelSpec;
  if (
    !spec ||
    !isPositiveInt(spec.inputSize) ||
    !isPositiveInt(spec.outputSize) ||
    !Array.isArray(spec.hiddenUnits) ||
    !spec.hiddenUnits.every(isPositiveInt)
  ) {
    fail('has no valid modelSpec (inputSize, hiddenUnits, outputSize)');
  }
  const layers = spec!.layers === undefined ? undefined : layersProblem(spec!);
  if (layers !== undefined) fail(`has modelSpec.layers ${layers}`);
  if (spec!.activation !== undefined && !ACTIVATIONS.includes(spec!.activation)) {
    fail(`has modelSpec.activation ${JSON.stringify(spec!.activation)}, expected one of ${ACTIVATIONS.join(', ')}`);
  }
  const constantProblem = activationConstantProblem(spec!);
  if (constantProblem !== undefined) fail(`has modelSpec.${constantProblem}`);
  if (spec!.initializer !== undefined && !INITIALIZERS.includes(spec!.initializer)) {
    fail(`has modelSpec.initializer ${JSON.stringify(spec!.initializer)}, expected one of ${INITIALIZERS.join(', ')}`);
  }
  // Absent in checkpoints from before it was recorded (imageShapeOf reads those); present, it must fit.
  if (spec!.imageShape !== undefined && !isImageShape(spec!.imageShape, spec!.inputSize)) {
    fail(`has modelSpec.imageShape ${JSON.stringify(spec!.imageShape)}, expected [rows, cols] of positive integers with rows * cols = inputSize ${spec!.inputSize}`);
  }
  // A zero, negative or non-finite scale would turn every image into the same input, silently.
  const pixelScale = json.preprocessing?.pixelScale;
  if (typeof pixelScale !== 'number' || !Number.isFinite(pixelScale) || pixelScale <= 0) fail('has no positive preprocessing.pixelScale');
  const labels = json.labels;
  if (!Array.isArray(labels) || labels.length !== spec!.outputSize || !labels.every((l) => typeof l === 'string')) {
    fail(`has no labels: expected an array of ${spec!.outputSize} strings (modelSpec.outputSize)`);
  }
  validateTraining(json.training, fail);
  const augment = (json.training as Partial<TrainingState>).augment;
  const augmentProblem = augment === undefined ? undefined : augmentOptionsProblem(augment);
  if (augmentProblem) fail(`has training.augment ${JSON.stringify(augment)}: ${augmentProblem}`);
  const frozen = (json.training as Partial<TrainingState>).frozen;
  const frozenProblem = frozen === undefined ? undefined : frozenLayersProblem(spec!, frozen);
  if (frozenProblem) fail(`has training.frozen ${JSON.stringify(frozen)}: ${frozenProblem}`);
  const manifest = json.weightsManifest;
  if (
    !Array.isArray(manifest) ||
    !manifest.every(
      (e) =>
        Array.isArray(e?.weights) &&
        e.weights.every(
          (w) => typeof w?.name === 'string' && w.dtype === 'float32' && Array.isArray(w.shape) && w.shape.every(isPositiveInt),
        ),
    )
  ) {
    fail('has no valid weightsManifest of float32 weights');
  }
  const names = manifest!.flatMap((e) => e.weights.map((w) => w.name));
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) fail(`lists weight ${duplicate} twice in its weightsManifest`);
  if (json.weightsSha256 !== undefined && !(typeof json.weightsSha256 === 'string' && SHA256_HEX.test(json.weightsSha256))) {
    fail(`has weightsSha256 ${JSON.stringify(json.weightsSha256)}, expected 64 lowercase hex digits`);
  }
  return json as ModelJson;
}

// What --resume and the exporters read from the training state: present, and of the right types.
function validateTraining(value: unknown, fail: (what: string) => never): void {
  if (typeof value !== 'object' || value === null) fail('has no training state');
  const t = value as Partial<TrainingState>;
  for (const key of ['epoch', 'step', 'epochs', 'batchSize', 'seed', 'validationSize'] as const) {
    if (!Number.isInteger(t[key]) || (t[key] as number) < 0) fail(`has training.${key} ${JSON.stringify(t[key])}, expected a non-negative integer`);
  }
  if (!Array.isArray(t.history) || !t.history.every((r) => typeof r === 'object' && r !== null && Number.isInteger(r.epoch))) {
    fail('has no training.history array of epoch records');
  }
  const imported = t.importedFrom;
  if (imported !== undefined && !(typeof imported === 'object' && imported !== null && typeof imported.file === 'string' && SHA256_HEX.test(imported.sha256))) {
    fail('has a training.importedFrom without a file name and a sha256');
  }
  const datasetProblem = t.dataset === undefined ? undefined : datasetRecordProblem(t.dataset);
  if (datasetProblem) fail(`has a training.dataset ${datasetProblem}`);
  const o = t.optimizer;
  if (typeof o !== 'object' || o === null || typeof o.name !== 'string' || typeof o.learningRate !== 'number' || !Number.isFinite(o.learningRate)) {
    fail('has no training.optimizer with a name and a finite learningRate');
  }
}

/**
 * What is wrong with a dataset record (a checkpoint's training.dataset, an export's `mnist.dataset`), as
 * words that follow "a dataset record": undefined when it is well formed.
 * @example datasetRecordProblem({ name: 'fashion' }) // 'without sha256 digests (64 lowercase hex digits) of its test files'
 */
export function datasetRecordProblem(value: unknown): string | undefined {
  const d = value as Partial<DatasetRecord> | null;
  if (typeof d !== 'object' || d === null || typeof d.name !== 'string' || d.name === '' || (d.folder !== undefined && typeof d.folder !== 'string')) {
    return 'without a name (and a folder, if any, as a string)';
  }
  const digests = d.sha256 as Record<string, unknown> | undefined;
  const ok = (key: string, required: boolean) => (digests?.[key] === undefined ? !required : typeof digests[key] === 'string' && SHA256_HEX.test(digests[key]));
  if (typeof digests !== 'object' || digests === null || !ok('testImages', true) || !ok('testLabels', true) || !ok('trainImages', false) || !ok('trainLabels', false)) {
    return 'without sha256 digests (64 lowercase hex digits) of its test files';
  }
  return undefined;
}

function checkWeight(weights: Map<string, NamedWeight>, name: string, shape: number[], source: string): void {
  const w = weights.get(name);
  if (!w) throw new CheckpointError(source, `lacks weight ${name}`);
  if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
    throw new CheckpointError(source, `weight ${name} has shape [${w.shape}], the model spec needs [${shape}]`);
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

function isPositiveInt(n: unknown): n is number {
  return Number.isInteger(n) && (n as number) > 0;
}

function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
