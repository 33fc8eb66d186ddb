// The runtime-agnostic MnistClassifier: input and model validation, predict, evaluate, metadata and
// disposal, shared by @mnist/infer-node and @mnist/infer-web, which only supply an InferenceRuntime
// (as onnxruntime-common is shared by onnxruntime-node and onnxruntime-web). What a model takes and
// gives is found once at load (detect-signature.ts); predictions run through model-run.ts.
import { detectSignature } from './detect-signature.js';
import type { InferenceRuntime, RuntimeSession } from './inference-runtime.js';
import { modelMetadata, type ModelFileMetadata } from './model-metadata.js';
import type { Preprocessing } from './model-spec.js';
import { METADATA_KEYS } from './onnx-contract.js';
import { accuracy, confusionMatrix } from './metrics.js';
import { inputSumSession, NonFiniteInputError, withInputSum } from './input-sum.js';
import { toModelInput, type ImageBatch, type ModelInput, type PixelTransform } from './model-input.js';
import { runModel, type RunWants } from './model-run.js';
import { checkLoadOptions, type ClassifierLoadOptions, type ModelSignature } from './model-signature.js';
import { ModelLoadError } from './model-load-error.js';
import { checkMaxModelBytes, modelTooLargeError } from './model-size-limit.js';
import { externalDataLocationProblem, externalDataReferences, type ExternalDataFile, type ExternalDataReference } from './onnx-external-data.js';
import { OnnxFormatError, readOnnxModelInfo, type OnnxModelInfo } from './onnx-model-info.js';

/** Class labels, one per image. */
export type LabelBatch = Uint8Array | Int32Array | Uint16Array | Float32Array | Float64Array | BigInt64Array | readonly number[];

export interface PredictOptions {
  /** Also return the logits. Default false. */
  logits?: boolean;
  /** Images per runtime call; bounds memory for raw-byte input. Default {@link DEFAULT_BATCH_SIZE} (512). */
  batchSize?: number;
}

export interface Prediction {
  /** Predicted class per image. */
  classes: Int32Array;
  /** Class probabilities, N*K row-major (K = numClasses, 10 for digits). */
  probabilities: Float32Array;
  /** Logits, N*K row-major, when asked for (log(p) for a model that outputs probabilities). */
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

/**
 * What the model file says about itself, and what the classifier found in it: `labels` and
 * `preprocessing` are the ones predictions use (from the load options, else the file, else the
 * defaults), `signature` says where each came from.
 */
export interface ModelMetadata extends ModelFileMetadata {
  /** The model's input layout, output kind, classes, preprocessing and labels, as detected. */
  signature: ModelSignature;
}

export { ModelLoadError };

/** A model ready to classify, as validated by {@link prepareModel}. */
export interface PreparedModel {
  session: RuntimeSession;
  metadata: ModelMetadata;
  source: string;
  /** True when every run of `session` checks that its input is finite (see input-sum.ts). */
  checksInput?: boolean;
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
 * cannot be read from the model's own folder), creates a session on `runtime` and finds what the model
 * takes and gives (its ModelSignature: our own export, or any classifier of 28x28 grayscale digits,
 * steered by `options`). Releases the session if the model is refused.
 * @example const prepared = await prepareModel(runtime, bytes, 'model.onnx', { readExternalData: (location, max) => readBeside('model.onnx', location, max) }, { normalization: { mean: 0.1307, std: 0.3081 } });
 */
export async function prepareModel(
  runtime: InferenceRuntime,
  bytes: Uint8Array,
  source: string,
  context: ModelLoadContext = {},
  options: ClassifierLoadOptions = {},
): Promise<PreparedModel> {
  checkLoadOptions(options);
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
  const fileMetadata = modelMetadata(info, source);
  const externalData = await gatherExternalData(references, source, context, maxBytes - bytes.length);
  const { session, checksInput } = await createCheckedSession(runtime, bytes, source, externalData);
  let signature: ModelSignature;
  try {
    const props = info.metadataProps;
    signature = await detectSignature(
      session,
      {
        bytes,
        opset: fileMetadata.opset,
        preprocessing: fileMetadata.preprocessing,
        preprocessingInFile: Object.hasOwn(props, METADATA_KEYS.preprocessing),
        ...(Object.hasOwn(props, METADATA_KEYS.labels) && { labels: fileMetadata.labels }),
        runtime: runtime.name,
      },
      options,
      source,
    );
  } catch (error) {
    await session.release();
    throw error;
  }
  const { pixelScale, normalization } = signature.preprocessing;
  const preprocessing: Preprocessing = normalization ? { ...fileMetadata.preprocessing, pixelScale, mean: normalization.mean, std: normalization.std } : fileMetadata.preprocessing;
  return { session, metadata: { ...fileMetadata, labels: [...signature.labels], preprocessing, signature }, source, checksInput };
}

// The session on the model with its input sum added (input-sum.ts), so that runs check their own
// input; on the model as given when it cannot take the sum or the runtime refuses the rewritten one.
async function createCheckedSession(
  runtime: InferenceRuntime,
  bytes: Uint8Array,
  source: string,
  externalData: ExternalDataFile[] | undefined,
): Promise<{ session: RuntimeSession; checksInput: boolean }> {
  const withSum = withInputSum(bytes);
  if (withSum) {
    try {
      return { session: inputSumSession(await runtime.createSession(withSum, source, externalData)), checksInput: true };
    } catch {
      // The model as given is loaded below, and any refusal is about it.
    }
  }
  return { session: await runtime.createSession(bytes, source, externalData), checksInput: false };
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
  readonly #transform: PixelTransform;
  readonly #checksInput: boolean;

  protected constructor(prepared: PreparedModel) {
    this.#session = prepared.session;
    this.#checksInput = prepared.checksInput === true;
    this.#metadata = prepared.metadata;
    this.source = prepared.source;
    this.#numClasses = prepared.metadata.signature.output.classes;
    const { pixelScale, normalization } = prepared.metadata.signature.preprocessing;
    this.#transform = normalization ? { pixelScale, normalization } : { pixelScale };
  }

  /** The model's labels, preprocessing, test accuracy, opset and producer, and its detected `signature`. */
  get metadata(): ModelMetadata {
    return this.#metadata;
  }

  /**
   * What the classifier found in the model: input name and layout, output name, kind and classes,
   * preprocessing and labels, each with where it came from.
   * @example classifier.signature.output.kind // 'logits' for a typical PyTorch export
   */
  get signature(): ModelSignature {
    return this.#metadata.signature;
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
   * Classifies N images. Float32Array or number arrays are pixels in [0, 1]; Uint8Array is raw bytes,
   * scaled with the model's own `preprocessing.pixelScale`. Either way the model's normalization
   * (mean, std), if it has one, is applied by the classifier. Probabilities are given for every model
   * (softmax of a logits model's output); `logits: true` gives the model's logits, or log(p) for a
   * model that outputs probabilities (valid logits: their softmax is p).
   * @example const { classes } = await classifier.predict(new Uint8Array(784)); classes[0]
   */
  async predict(images: ImageBatch, options: PredictOptions = {}): Promise<Prediction> {
    const session = this.#live();
    if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${options === null ? 'null' : typeof options}`);
    const batchSize = checkBatchSize(options.batchSize);
    const input = toModelInput(images, this.#transform);
    const n = input.n;
    const k = this.#numClasses;
    const wants = options.logits ? 'logits' : 'probabilities';
    if (n === 0) {
      const empty = { classes: new Int32Array(0), probabilities: new Float32Array(0) };
      return options.logits ? { ...empty, logits: new Float32Array(0) } : empty;
    }
    if (n <= batchSize) return this.#run(session, input, 0, n, wants);
    const classes = new Int32Array(n);
    const probabilities = new Float32Array(n * k);
    const logits = options.logits ? new Float32Array(n * k) : undefined;
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      const part = await this.#run(session, input, start, count, wants);
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
    const batchSize = checkBatchSize(options.batchSize);
    const input = toModelInput(images, this.#transform);
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
      const out = await this.#run(this.#live(), input, start, count, 'classes');
      predicted.set(out.classes, start);
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

  // One runtime call on images [start, start + count). Float input is checked by the session's input
  // sum when it has one, and only a sum that is not finite pays for the scan that names the bad pixel.
  async #run(session: RuntimeSession, input: ModelInput, start: number, count: number, wants: RunWants) {
    if (!this.#checksInput) input.verify(start, count);
    try {
      return await runModel(session, this.#metadata.signature, input.chunk(start, count), count, wants, this.source);
    } catch (error) {
      if (!(error instanceof NonFiniteInputError)) throw error;
      input.verify(start, count);
      throw new RangeError(`images ${start} to ${start + count - 1} hold values so large that their sum overflows float32; pixels must be in [0, 1]`, { cause: error });
    }
  }

  #live(): RuntimeSession {
    if (!this.#session) {
      throw new Error(`MnistClassifier for ${this.source} has been disposed; load the model again to use it`);
    }
    return this.#session;
  }
}

/**
 * Images per runtime call when the caller does not say. onnxruntime's CPU matrix product (MLAS) splits a
 * product along its columns and depth but never along its rows, so one call on 10000 images streams the
 * 31 MB input and the first layer's 12 MB output through L3 for every column block; 512 rows (1.6 MB)
 * stay in L2. Measured on the chapter's network (1 thread): 0.83x the time of one 10000-image call.
 */
export const DEFAULT_BATCH_SIZE = 512;

function checkBatchSize(batchSize: number | undefined): number {
  if (batchSize === undefined) return DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  return batchSize;
}
