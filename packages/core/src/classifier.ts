// The runtime-agnostic MnistClassifier: input and model validation, predict, evaluate, metadata and
// disposal, shared by @mnist/infer-node and @mnist/infer-web, which only supply an InferenceRuntime
// (as onnxruntime-common is shared by onnxruntime-node and onnxruntime-web).
import { accuracy, confusionMatrix } from './metrics.js';
import { DIGIT_LABELS, MNIST_PREPROCESSING, type ModelSpec, type Preprocessing } from './model-spec.js';
import { METADATA_KEYS, ONNX_CLASSES, ONNX_INPUT, ONNX_LOGITS, ONNX_PROBABILITIES } from './onnx-contract.js';
import { ModelLoadError } from './model-load-error.js';
import { checkMaxModelBytes, modelTooLargeError } from './model-size-limit.js';
import { externalDataLocationProblem, externalDataReferences, type ExternalDataFile, type ExternalDataReference } from './onnx-external-data.js';
import { OnnxFormatError, readOnnxModelInfo, type OnnxModelInfo } from './onnx-model-info.js';

/** Pixels per image: 28 x 28. */
export const IMAGE_PIXELS = 784;

/** A graph input or output as the runtime reports it. */
export interface RuntimeValueInfo {
  name: string;
  /** Element type ('float32', 'int64', ...); undefined for non-tensors. */
  type?: string;
  /** Dimensions; a string is a symbolic dimension such as 'batch'. Empty when unknown. */
  shape: ReadonlyArray<number | string>;
}

/** The outputs a session can be asked for. */
export type ClassifierOutputName = typeof ONNX_LOGITS | typeof ONNX_PROBABILITIES | typeof ONNX_CLASSES;

/** What a run returns, per requested output, as flat row-major arrays. */
export interface RuntimeOutputs {
  logits?: Float32Array;
  probabilities?: Float32Array;
  classes?: BigInt64Array | Int32Array;
}

/** A loaded model on one runtime. */
export interface RuntimeSession {
  readonly inputs: readonly RuntimeValueInfo[];
  readonly outputs: readonly RuntimeValueInfo[];
  /** Runs `X` = `x` as [batchSize, 784] and returns the requested outputs. */
  run(x: Float32Array, batchSize: number, outputs: readonly ClassifierOutputName[]): Promise<RuntimeOutputs>;
  release(): Promise<void>;
}

/**
 * An ONNX runtime behind the classifier (onnxruntime-node, onnxruntime-web). Sessions are created
 * from bytes only: the facade needs the bytes anyway to read metadata_props, which onnxruntime's
 * JavaScript API does not expose, and a runtime given bytes reads no file of its own when every
 * external-data file is handed to it in `externalData`.
 */
export interface InferenceRuntime {
  /** e.g. 'onnxruntime-node'. */
  readonly name: string;
  /** Creates a session; a model the runtime refuses throws an error naming `source`. */
  createSession(model: Uint8Array, source: string, externalData?: readonly ExternalDataFile[]): Promise<RuntimeSession>;
}

/** N images: scaled float pixels (N*784, in [0, 1]), raw bytes (N*784, scaled by the model's metadata), or one array per image. */
export type ImageBatch =
  | Float32Array
  | Uint8Array
  | Uint8ClampedArray
  | readonly number[]
  | ReadonlyArray<Float32Array | Uint8Array | Uint8ClampedArray | readonly number[]>;

/** Class labels, one per image. */
export type LabelBatch = Uint8Array | Int32Array | Uint16Array | Float32Array | Float64Array | BigInt64Array | readonly number[];

export interface PredictOptions {
  /** Also return the logits. Default false. */
  logits?: boolean;
  /** Images per runtime call; bounds memory for raw-byte input. Default 10000. */
  batchSize?: number;
}

export interface Prediction {
  /** Predicted class per image. */
  classes: Int32Array;
  /** Softmax probabilities, N*10 row-major. */
  probabilities: Float32Array;
  /** Logits, N*10 row-major, when asked for. */
  logits?: Float32Array;
}

export interface Evaluation {
  /** Fraction of images whose predicted class equals the label. */
  accuracy: number;
  /** `confusionMatrix[label][predicted]` counts. */
  confusionMatrix: number[][];
  /** Number of images scored. */
  n: number;
}

/** What the model file says about itself. */
export interface ModelMetadata {
  labels: string[];
  preprocessing: Preprocessing;
  /** Test accuracy recorded at export, if any. */
  testAccuracy?: number;
  /** The default-domain ONNX opset. */
  opset: number;
  irVersion: number;
  producer: { name: string; version: string };
  modelSpec?: ModelSpec;
  sourceCheckpoint?: string;
  imageShape: [number, number];
  docString: string;
  /** All metadata_props as stored. */
  metadataProps: Record<string, string>;
}

export { ModelLoadError };

/** A model ready to classify, as validated by {@link prepareModel}. */
export interface PreparedModel {
  session: RuntimeSession;
  metadata: ModelMetadata;
  source: string;
}

/** Where a model came from, as far as {@link prepareModel} needs to know: how to reach its external data, and its size limit. */
export interface ModelLoadContext {
  /**
   * Reads the external-data file at `location`, a path relative to the model's own folder (file) or
   * URL, already checked not to leave it; refuses files over `maxBytes`. Absent for models given as
   * bytes, whose external data is refused: bytes have no folder, and ONNX Runtime would resolve the
   * location against the process's working directory.
   */
  readExternalData?: (location: string, maxBytes: number) => Promise<Uint8Array>;
  /** Ceiling on the model's bytes plus its external data; default MAX_MODEL_BYTES (256 MiB). */
  maxModelBytes?: number;
}

/**
 * Reads metadata from `bytes`, gathers the model's external data through `context` (refused when it
 * cannot be read from the model's own folder), creates a session on `runtime` and checks the graph
 * is an MNIST classifier of our contract. Releases the session if the check fails.
 * @example const prepared = await prepareModel(runtime, bytes, 'model.onnx', { readExternalData: (location, max) => readBeside('model.onnx', location, max) });
 */
export async function prepareModel(runtime: InferenceRuntime, bytes: Uint8Array, source: string, context: ModelLoadContext = {}): Promise<PreparedModel> {
  const maxBytes = checkMaxModelBytes(context.maxModelBytes);
  if (bytes.length > maxBytes) throw modelTooLargeError(source, bytes.length, maxBytes, 'model');
  let info: OnnxModelInfo;
  let references: ExternalDataReference[];
  try {
    info = readOnnxModelInfo(bytes, source);
    references = externalDataReferences(bytes, source);
  } catch (error) {
    if (!(error instanceof OnnxFormatError)) throw error;
    throw new ModelLoadError(error.source, error.detail, { cause: error });
  }
  const metadata = modelMetadata(info, source);
  const externalData = await gatherExternalData(references, source, context, maxBytes - bytes.length);
  const session = await runtime.createSession(bytes, source, externalData);
  try {
    checkGraph(session, metadata, source);
  } catch (error) {
    await session.release();
    throw error;
  }
  return { session, metadata, source };
}

// Every location is checked before any is read; each file is read once, within what the model's own
// bytes leave of the ceiling, and every reference must fit inside the data it points at.
async function gatherExternalData(
  references: readonly ExternalDataReference[],
  source: string,
  context: ModelLoadContext,
  budget: number,
): Promise<ExternalDataFile[] | undefined> {
  if (references.length === 0) return undefined;
  const read = context.readExternalData;
  if (!read) {
    const first = references[0];
    throw new ModelLoadError(
      source,
      `tensor ${first.tensor} keeps its data in the external file ${JSON.stringify(first.location)}, which a model given as bytes cannot use; load the model from its file path (or URL), or save it with its data inline`,
    );
  }
  for (const { tensor, location } of references) {
    const problem = externalDataLocationProblem(location);
    if (problem) {
      throw new ModelLoadError(
        source,
        `tensor ${tensor} keeps its data in ${JSON.stringify(location)}, ${problem}; external data must be a relative path inside the model's folder`,
      );
    }
  }
  const files = new Map<string, Uint8Array>();
  let remaining = budget;
  for (const { tensor, location, offset, length } of references) {
    let data = files.get(location);
    if (data === undefined) {
      try {
        data = await read(location, remaining);
      } catch (error) {
        throw new ModelLoadError(source, `tensor ${tensor}'s external data: ${(error as Error).message}`, { cause: error });
      }
      remaining -= data.length;
      files.set(location, data);
    }
    const end = offset + (length ?? Math.max(0, data.length - offset));
    if (offset > data.length || end > data.length) {
      throw new ModelLoadError(source, `tensor ${tensor} wants bytes ${offset} to ${end} of ${JSON.stringify(location)}, which holds ${data.length}`);
    }
  }
  return [...files].map(([path, data]) => ({ path, data }));
}

/**
 * The shared MnistClassifier: subclasses in @mnist/infer-node and @mnist/infer-web add `load`.
 * @example
 * const classifier = await MnistClassifier.load('model.onnx');
 * const { classes, probabilities } = await classifier.predict(pixels);
 * await classifier.dispose();
 */
export class MnistClassifierBase {
  #session: RuntimeSession | undefined;
  readonly #metadata: ModelMetadata;
  /** Where the model came from (file, URL or 'bytes'). */
  readonly source: string;
  readonly #numClasses: number;
  readonly #fetchDefault: readonly ClassifierOutputName[] = [ONNX_PROBABILITIES, ONNX_CLASSES];
  readonly #fetchWithLogits: readonly ClassifierOutputName[] = [ONNX_LOGITS, ONNX_PROBABILITIES, ONNX_CLASSES];

  protected constructor(prepared: PreparedModel) {
    this.#session = prepared.session;
    this.#metadata = prepared.metadata;
    this.source = prepared.source;
    this.#numClasses = prepared.metadata.labels.length;
  }

  /** The model's labels, preprocessing, test accuracy, opset and producer. */
  get metadata(): ModelMetadata {
    return this.#metadata;
  }

  /** Number of classes (10 for digits). */
  get numClasses(): number {
    return this.#numClasses;
  }

  /** True once {@link dispose} has been called. */
  get disposed(): boolean {
    return this.#session === undefined;
  }

  /**
   * Classifies N images. Float32Array or number arrays are scaled pixels in [0, 1]; Uint8Array is
   * raw bytes, scaled with the model's own `preprocessing.pixelScale`.
   * @example const { classes } = await classifier.predict(new Uint8Array(784)); classes[0]
   */
  async predict(images: ImageBatch, options: PredictOptions = {}): Promise<Prediction> {
    const session = this.#live();
    if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${options === null ? 'null' : typeof options}`);
    const batchSize = checkBatchSize(options.batchSize);
    const input = toModelInput(images, this.#metadata.preprocessing.pixelScale);
    const n = input.n;
    const k = this.#numClasses;
    const fetch = options.logits ? this.#fetchWithLogits : this.#fetchDefault;
    if (n === 0) {
      const empty = { classes: new Int32Array(0), probabilities: new Float32Array(0) };
      return options.logits ? { ...empty, logits: new Float32Array(0) } : empty;
    }
    if (n <= batchSize) {
      const out = await session.run(input.chunk(0, n), n, fetch);
      return toPrediction(out, n, k, options.logits === true, this.source);
    }
    const classes = new Int32Array(n);
    const probabilities = new Float32Array(n * k);
    const logits = options.logits ? new Float32Array(n * k) : undefined;
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      const part = toPrediction(await session.run(input.chunk(start, count), count, fetch), count, k, logits !== undefined, this.source);
      classes.set(part.classes, start);
      probabilities.set(part.probabilities, start * k);
      if (logits && part.logits) logits.set(part.logits, start * k);
    }
    return logits ? { classes, probabilities, logits } : { classes, probabilities };
  }

  /**
   * Scores N labelled images in chunks: accuracy and confusion matrix (`[label][predicted]`).
   * @example const { accuracy, confusionMatrix } = await classifier.evaluate(testImages, testLabels);
   */
  async evaluate(images: ImageBatch, labels: LabelBatch, options: { batchSize?: number } = {}): Promise<Evaluation> {
    this.#live();
    const batchSize = checkBatchSize(options.batchSize ?? 1000);
    const input = toModelInput(images, this.#metadata.preprocessing.pixelScale);
    const n = input.n;
    if (n === 0) throw new RangeError('images must hold at least one image to evaluate');
    if (labels.length !== n) throw new RangeError(`labels has ${labels.length} entries, images has ${n} images`);
    const truth = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const label = Number(labels[i]);
      if (!Number.isInteger(label) || label < 0 || label >= this.#numClasses) {
        throw new RangeError(`labels[${i}] = ${String(labels[i])} is not a class in [0, ${this.#numClasses})`);
      }
      truth[i] = label;
    }
    const predicted = new Int32Array(n);
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      const out = await this.#live().run(input.chunk(start, count), count, [ONNX_CLASSES]);
      predicted.set(toClasses(out.classes, count, this.#numClasses, this.source), start);
    }
    return { accuracy: accuracy(predicted, truth), confusionMatrix: confusionMatrix(predicted, truth, this.#numClasses), n };
  }

  /**
   * Releases the runtime session. Calling it again does nothing; any other call afterwards throws.
   * @example await classifier.dispose();
   */
  async dispose(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    if (session) await session.release();
  }

  #live(): RuntimeSession {
    if (!this.#session) {
      throw new Error(`MnistClassifier for ${this.source} has been disposed; load the model again to use it`);
    }
    return this.#session;
  }
}

interface ModelInput {
  n: number;
  /** Float pixels of images [start, start + count), as [count * 784]. */
  chunk(start: number, count: number): Float32Array;
}

/**
 * Validates an image batch and returns it as scaled float pixels, chunk by chunk (raw bytes are
 * scaled per chunk, so a 60000-image byte array never becomes one 188 MB float array).
 */
function toModelInput(images: ImageBatch, pixelScale: number): ModelInput {
  if (images instanceof Float32Array) {
    const n = imageCount(images.length, 'images');
    checkFinite(images, 'images');
    return { n, chunk: (start, count) => (start === 0 && count === n ? images : images.subarray(start * IMAGE_PIXELS, (start + count) * IMAGE_PIXELS)) };
  }
  if (images instanceof Uint8Array || images instanceof Uint8ClampedArray) {
    const n = imageCount(images.length, 'images');
    return { n, chunk: (start, count) => scaleBytes(images, start * IMAGE_PIXELS, count * IMAGE_PIXELS, pixelScale) };
  }
  if (!Array.isArray(images)) {
    throw new TypeError('images must be a Float32Array, a Uint8Array, a number[] or an array of per-image arrays');
  }
  if (images.length > 0 && typeof images[0] !== 'number') return perImageInput(images as ReadonlyArray<unknown>, pixelScale);
  checkNumbers(images as ReadonlyArray<unknown>, 'images');
  const flat = Float32Array.from(images as readonly number[]);
  const n = imageCount(flat.length, 'images');
  checkFinite(flat, 'images', images as readonly number[]);
  return { n, chunk: (start, count) => flat.subarray(start * IMAGE_PIXELS, (start + count) * IMAGE_PIXELS) };
}

function perImageInput(images: ReadonlyArray<unknown>, pixelScale: number): ModelInput {
  const n = images.length;
  const flat = new Float32Array(n * IMAGE_PIXELS);
  for (let i = 0; i < n; i++) {
    const image = images[i];
    const name = `images[${i}]`;
    if (image instanceof Uint8Array || image instanceof Uint8ClampedArray) {
      if (image.length !== IMAGE_PIXELS) throw new RangeError(`${name} has ${image.length} values, expected ${IMAGE_PIXELS} (28x28 pixels)`);
      flat.set(scaleBytes(image, 0, IMAGE_PIXELS, pixelScale), i * IMAGE_PIXELS);
    } else if (image instanceof Float32Array || Array.isArray(image)) {
      if (image.length !== IMAGE_PIXELS) throw new RangeError(`${name} has ${image.length} values, expected ${IMAGE_PIXELS} (28x28 pixels)`);
      if (Array.isArray(image)) checkNumbers(image, name);
      const row = flat.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS);
      row.set(image as ArrayLike<number>);
      checkFinite(row, name, image as ArrayLike<unknown>);
    } else {
      throw new TypeError(`${name} must be a Float32Array, a Uint8Array or a number[] of ${IMAGE_PIXELS} pixels`);
    }
  }
  return { n, chunk: (start, count) => flat.subarray(start * IMAGE_PIXELS, (start + count) * IMAGE_PIXELS) };
}

// Float32Array.from would turn '0.5' into 0.5, null and '' into 0 and true into 1: a caller's bug
// would become a confident answer. Only numbers are pixels (NaN and Infinity are checked later).
function checkNumbers(values: ReadonlyArray<unknown>, name: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number') throw new TypeError(`${name}[${i}] is ${describeValue(v)}, expected a number (a pixel)`);
  }
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v)}`;
  if (typeof v === 'bigint') return `the bigint ${v}n`;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v);
}

function imageCount(length: number, name: string): number {
  if (length % IMAGE_PIXELS !== 0) {
    throw new RangeError(`${name} has ${length} values, expected a multiple of ${IMAGE_PIXELS} (28x28 pixels per image)`);
  }
  return length / IMAGE_PIXELS;
}

// Called on every predict, so it must cost little next to inference (10000 images are 7.8M values):
// x * 0 is 0 for finite x and NaN for NaN and +-Infinity, and four independent sums let the CPU
// overlap the additions. Only when the sum is not 0 does the slow loop look for the first bad index.
function checkFinite(values: Float32Array, name: string, original?: ArrayLike<unknown>): void {
  const n = values.length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += values[i] * 0;
    s1 += values[i + 1] * 0;
    s2 += values[i + 2] * 0;
    s3 += values[i + 3] * 0;
  }
  for (; i < n; i++) s0 += values[i] * 0;
  if (s0 + s1 + s2 + s3 === 0) return;
  for (let j = 0; j < n; j++) {
    const v = values[j];
    if (v - v !== 0) {
      const shown = original ? String(original[j]) : String(v);
      throw new RangeError(`${name} has a non-finite value ${shown} at index ${j} (image ${Math.floor(j / IMAGE_PIXELS)}, pixel ${j % IMAGE_PIXELS})`);
    }
  }
}

function scaleBytes(bytes: Uint8Array | Uint8ClampedArray, offset: number, length: number, pixelScale: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = bytes[offset + i] * pixelScale;
  return out;
}

function checkBatchSize(batchSize: number | undefined): number {
  if (batchSize === undefined) return 10000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  return batchSize;
}

function toPrediction(out: RuntimeOutputs, n: number, k: number, withLogits: boolean, source: string): Prediction {
  const probabilities = checkFloats(out.probabilities, n * k, ONNX_PROBABILITIES, source);
  checkProbabilities(probabilities, k, source);
  const classes = toClasses(out.classes, n, k, source);
  if (!withLogits) return { classes, probabilities };
  return { classes, probabilities, logits: checkFloats(out.logits, n * k, ONNX_LOGITS, source) };
}

function checkFloats(values: Float32Array | undefined, length: number, name: string, source: string): Float32Array {
  if (!(values instanceof Float32Array) || values.length !== length) {
    throw new ModelLoadError(source, `output ${name} has ${values?.length ?? 'no'} values, expected ${length}`);
  }
  return values;
}

// NaN probabilities (weights corrupted to NaN or Infinity, or inputs so large the logits overflow)
// would come with a confident-looking ArgMax class: refuse them. Inputs are finite by then, so the
// cause is named from the image's own range.
function checkProbabilities(probabilities: Float32Array, k: number, source: string): void {
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) sum += probabilities[i] * 0;
  if (sum === 0) return;
  const index = probabilities.findIndex((p) => !Number.isFinite(p));
  throw new ModelLoadError(
    source,
    `output ${ONNX_PROBABILITIES} is not finite for image ${Math.floor(index / k)} of the batch (corrupt model weights, or pixel values far outside [0, 1])`,
  );
}

function toClasses(values: BigInt64Array | Int32Array | undefined, n: number, k: number, source: string): Int32Array {
  if (!values || values.length !== n) {
    throw new ModelLoadError(source, `output ${ONNX_CLASSES} has ${values?.length ?? 'no'} values, expected ${n}`);
  }
  if (values instanceof Int32Array) return values;
  const classes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = Number(values[i]);
    if (c < 0 || c >= k) throw new ModelLoadError(source, `output ${ONNX_CLASSES}[${i}] = ${c} is not a class in [0, ${k})`);
    classes[i] = c;
  }
  return classes;
}

/**
 * Interprets an ONNX model's header for the classifier: labels, preprocessing and test accuracy from
 * metadata_props (defaults: digits 0-9, pixel scale 1/255), opset, IR version and producer.
 * @example modelMetadata(readOnnxModelInfo(bytes), 'model.onnx').preprocessing.pixelScale
 */
export function modelMetadata(info: OnnxModelInfo, source: string): ModelMetadata {
  const props = info.metadataProps;
  const bad = (key: string, expected: string): never => {
    throw new ModelLoadError(source, `metadata ${key} is not ${expected}`);
  };
  const json = (key: string): unknown => {
    const text = props[key];
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return bad(key, 'valid JSON');
    }
  };
  const preprocessing = (json(METADATA_KEYS.preprocessing) ?? { ...MNIST_PREPROCESSING }) as Preprocessing;
  if (typeof preprocessing !== 'object' || !(typeof preprocessing.pixelScale === 'number' && preprocessing.pixelScale > 0)) {
    bad(METADATA_KEYS.preprocessing, 'an object with a positive pixelScale');
  }
  const labels = (json(METADATA_KEYS.labels) ?? [...DIGIT_LABELS]) as string[];
  if (!Array.isArray(labels) || labels.length < 1 || !labels.every((l) => typeof l === 'string')) {
    bad(METADATA_KEYS.labels, 'a JSON array of strings');
  }
  const imageShape = (json(METADATA_KEYS.imageShape) ?? [28, 28]) as [number, number];
  if (!Array.isArray(imageShape) || imageShape.length !== 2 || imageShape[0] * imageShape[1] !== IMAGE_PIXELS) {
    bad(METADATA_KEYS.imageShape, `a JSON [height, width] of ${IMAGE_PIXELS} pixels`);
  }
  const metadata: ModelMetadata = {
    labels,
    preprocessing,
    opset: info.opsets[''] ?? info.opsets['ai.onnx'] ?? 0,
    irVersion: info.irVersion,
    producer: { name: info.producerName, version: info.producerVersion },
    imageShape,
    docString: info.docString,
    metadataProps: { ...props },
  };
  const accuracyText = props[METADATA_KEYS.testAccuracy];
  if (accuracyText !== undefined && accuracyText !== '') {
    const value = Number(accuracyText);
    if (!Number.isFinite(value)) bad(METADATA_KEYS.testAccuracy, 'a number');
    metadata.testAccuracy = value;
  }
  const spec = json(METADATA_KEYS.modelSpec);
  if (spec !== undefined) metadata.modelSpec = spec as ModelSpec;
  if (props[METADATA_KEYS.sourceCheckpoint] !== undefined) metadata.sourceCheckpoint = props[METADATA_KEYS.sourceCheckpoint];
  return metadata;
}

// The graph must take X float32 [batch, 784] and give logits/probabilities float32 [batch, K] and
// classes int64 [batch], K being the number of labels. Symbolic dims are accepted for batch only.
function checkGraph(session: RuntimeSession, metadata: ModelMetadata, source: string): void {
  const k = metadata.labels.length;
  const problems: string[] = [];
  const find = (list: readonly RuntimeValueInfo[], name: string, kind: string): RuntimeValueInfo | undefined => {
    const found = list.find((v) => v.name === name);
    if (!found) problems.push(`${kind} ${name} is missing (${kind}s: ${list.map((v) => v.name).join(', ') || 'none'})`);
    return found;
  };
  const expect = (value: RuntimeValueInfo | undefined, kind: string, type: string, dims: (number | 'batch')[]): void => {
    if (!value) return;
    const shown = `[${dims.join(', ')}]`;
    if (value.type !== undefined && value.type !== type) problems.push(`${kind} ${value.name} is ${value.type}, expected ${type} ${shown}`);
    if (value.shape.length === 0) return;
    const ok =
      value.shape.length === dims.length &&
      dims.every((d, i) => (d === 'batch' ? typeof value.shape[i] === 'string' || value.shape[i] > 0 || value.shape[i] === -1 : value.shape[i] === d));
    if (!ok) problems.push(`${kind} ${value.name} has shape [${value.shape.join(', ')}], expected ${shown}`);
  };
  expect(find(session.inputs, ONNX_INPUT, 'input'), 'input', 'float32', ['batch', IMAGE_PIXELS]);
  expect(find(session.outputs, ONNX_LOGITS, 'output'), 'output', 'float32', ['batch', k]);
  expect(find(session.outputs, ONNX_PROBABILITIES, 'output'), 'output', 'float32', ['batch', k]);
  expect(find(session.outputs, ONNX_CLASSES, 'output'), 'output', 'int64', ['batch']);
  if (problems.length > 0) throw new ModelLoadError(source, `not an MNIST model: ${problems.join('; ')}`);
}
