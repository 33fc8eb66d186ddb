// The `onnx` training engine: SGD steps as an ONNX graph (a Loop over a block of batches) run by ONNX Runtime.
import { inTopK, layerNames, type ModelSpec, type NamedWeight } from '@mnist/core';
import { buildLogitsGraph, buildTrainingGraph, TRAINING_GRAPH_NAMES, trainingWeightNames, updatedWeightName } from '@mnist/export';
import type { EngineOptions, EpochData, EpochStats, TrainingEngine } from '../engine.js';
import { planBlocks } from './block-plan.js';
import { loadOrtRuntime, type OrtBackend, type OrtRuntime, type OrtSession, type OrtTensor } from './ort-runtime.js';

/** The onnx engine's options: the engine contract's, plus its runtime knobs. */
export interface OnnxEngineOptions extends EngineOptions {
  /** Compute threads. Default 1: on this model a second thread costs more in hand-offs than it saves. */
  threads?: number;
  /** Batches per session run (the Loop's trip count at most). Default 100. */
  stepsPerRun?: number;
}

/** An epoch's report, with every step's loss (for parity tests and diagnostics). */
export interface OnnxEpochStats extends EpochStats {
  losses: Float32Array;
}

const DEFAULT_STEPS_PER_RUN = 100;
/** Rows per logits run: bounds the hidden activations' memory for whole-dataset predictions. */
const LOGITS_CHUNK = 10_000;

/**
 * Creates the onnx engine on onnxruntime-node, or onnxruntime-web when the native one cannot load (or as
 * `options.backend` says). Only SGD is a graph so far: other optimizers are refused with the reason.
 * Weights must be given with `loadWeights` before training.
 * @example
 * const engine = await createOnnxEngine({ spec: DEFAULT_MODEL_SPEC, optimizer: { name: 'sgd', learningRate: 0.01 } });
 * await engine.loadWeights(initialWeights);
 * const { meanLoss } = await engine.runEpoch({ images, labels, batches, pixelScale: 1 / 255 });
 */
export async function createOnnxEngine(options: OnnxEngineOptions): Promise<OnnxEngine> {
  const { name: optimizer, learningRate } = options.optimizer;
  if (optimizer !== 'sgd') {
    throw new RangeError(`optimizer ${JSON.stringify(optimizer)} is not available in the onnx engine (it has: sgd); use --engine tfjs`);
  }
  if (!(Number.isFinite(learningRate) && learningRate > 0)) {
    throw new RangeError(`optimizer.learningRate must be a positive number, got ${learningRate}`);
  }
  const stepsPerRun = options.stepsPerRun ?? DEFAULT_STEPS_PER_RUN;
  if (!Number.isInteger(stepsPerRun) || stepsPerRun < 1) throw new RangeError(`stepsPerRun must be a positive integer, got ${stepsPerRun}`);
  const threads = options.threads ?? 1;
  const { value: runtime, message } = await loadOrtRuntime(options.backend, threads);
  return new OnnxEngine(runtime, options.spec, learningRate, stepsPerRun, `${message}, ${threads} thread${threads === 1 ? '' : 's'}`);
}

/**
 * Trains the MLP with ONNX Runtime. Weights live in runtime tensors between runs: each run feeds the
 * current weights and a block of batches, and takes back the updated weights and the block's losses.
 */
export class OnnxEngine implements TrainingEngine {
  readonly name = 'onnx';
  readonly backend: OrtBackend;
  readonly selection: string;
  private readonly runtime: OrtRuntime;
  private readonly spec: ModelSpec;
  private readonly learningRate: number;
  private readonly stepsPerRun: number;
  private readonly weightNames: string[];
  private readonly shapes: Map<string, number[]>;
  private weights: Record<string, OrtTensor> | undefined;
  /** Sessions by pixel scale: the scale is a constant of each graph. */
  private readonly trainingSessions = new Map<number, Promise<OrtSession>>();
  private readonly logitsSessions = new Map<number, Promise<OrtSession>>();
  private blockImages = new Uint8Array(0);
  private blockLabels = new Uint8Array(0);
  private disposed = false;

  constructor(runtime: OrtRuntime, spec: ModelSpec, learningRate: number, stepsPerRun: number, selection: string) {
    this.runtime = runtime;
    this.selection = selection;
    this.backend = runtime.backend;
    this.spec = spec;
    this.learningRate = learningRate;
    this.stepsPerRun = stepsPerRun;
    this.weightNames = trainingWeightNames(spec);
    this.shapes = new Map(
      layerNames(spec).flatMap((l) => [
        [l.kernel, [l.fanIn, l.fanOut]],
        [l.bias, [l.fanOut]],
      ]),
    );
  }

  /**
   * Replaces the weights (copied, so the caller's arrays stay untouched). Every weight of the spec must be
   * present with its shape; other entries (optimizer slots) are ignored.
   * @example await engine.loadWeights(checkpoint.weights);
   */
  async loadWeights(weights: Map<string, NamedWeight>): Promise<void> {
    this.checkOpen();
    const tensors: Record<string, OrtTensor> = {};
    for (const name of this.weightNames) {
      const shape = this.shapes.get(name) as number[];
      const w = weights.get(name);
      if (!w) throw new RangeError(`weights: ${name} is missing`);
      const size = shape.reduce((a, b) => a * b, 1);
      if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i]) || w.values.length !== size) {
        throw new RangeError(`weights: ${name} has shape [${w.shape}], the model needs [${shape}]`);
      }
      tensors[name] = new this.runtime.ort.Tensor('float32', Float32Array.from(w.values), shape);
    }
    this.weights = tensors;
  }

  /**
   * The current weights as copies, by checkpoint name.
   * @example const weights = await engine.readWeights();
   */
  async readWeights(): Promise<Map<string, NamedWeight>> {
    const weights = this.currentWeights();
    return new Map(
      this.weightNames.map((name) => {
        const tensor = weights[name];
        return [name, { name, shape: [...(this.shapes.get(name) as number[])], values: Float32Array.from(tensor.data as Float32Array) }];
      }),
    );
  }

  /**
   * Runs one SGD step per batch, in order, `stepsPerRun` batches per session run.
   * @example const r = await engine.runEpoch({ images, labels, batches: shuffleBatch(n, 50, rng), pixelScale: 1 / 255 });
   */
  async runEpoch(data: EpochData, onBatch?: (done: number, total: number) => void): Promise<OnnxEpochStats> {
    let weights = this.currentWeights();
    const { images, labels, batches, pixelScale } = data;
    const inputSize = this.spec.inputSize;
    if (images.length !== labels.length * inputSize) {
      throw new RangeError(`data.images has ${images.length} bytes, expected data.labels.length * ${inputSize} = ${labels.length * inputSize}`);
    }
    if (batches.length === 0) throw new RangeError('data.batches must hold at least one batch');
    const session = await this.trainingSession(pixelScale);
    const blocks = planBlocks(
      batches.map((b) => b.length),
      this.stepsPerRun,
    );
    const maxRows = Math.max(...blocks.map((b) => b.steps * b.batchSize));
    if (this.blockImages.length < maxRows * inputSize) {
      this.blockImages = new Uint8Array(maxRows * inputSize);
      this.blockLabels = new Uint8Array(maxRows);
    }
    const { Tensor } = this.runtime.ort;
    const losses = new Float32Array(batches.length);
    for (const block of blocks) {
      const rows = block.steps * block.batchSize;
      this.gatherBlock(data, block.first, block.steps, rows);
      const feeds: Record<string, OrtTensor> = {
        ...weights,
        [TRAINING_GRAPH_NAMES.images]: new Tensor('uint8', this.blockImages.subarray(0, rows * inputSize), [block.steps, block.batchSize, inputSize]),
        [TRAINING_GRAPH_NAMES.labels]: new Tensor('uint8', this.blockLabels.subarray(0, rows), [block.steps, block.batchSize]),
      };
      const out = await session.run(feeds);
      const next: Record<string, OrtTensor> = {};
      for (const name of this.weightNames) next[name] = out[updatedWeightName(name)];
      weights = next;
      this.weights = next;
      losses.set(out[TRAINING_GRAPH_NAMES.losses].data as Float32Array, block.first);
      onBatch?.(block.first + block.steps, batches.length);
    }
    let total = 0;
    for (const loss of losses) total += loss;
    const last = batches[batches.length - 1];
    const lastLogits = await this.logitsOfRows(images, last, pixelScale);
    const lastLabels = Array.from(last, (i) => labels[i]);
    const hits = inTopK(lastLogits, lastLabels, this.spec.outputSize, 1);
    return {
      meanLoss: total / losses.length,
      lastBatchLoss: losses[losses.length - 1],
      lastBatchAccuracy: hits.reduce((a, b) => a + b, 0) / hits.length,
      steps: batches.length,
      losses,
    };
  }

  /**
   * Logits [count, outputSize] of `count` images given as raw bytes, with the current weights.
   * @example const logits = await engine.predictLogits(test.images, 10000, 1 / 255);
   */
  async predictLogits(images: Uint8Array, count: number, pixelScale: number): Promise<Float32Array> {
    const inputSize = this.spec.inputSize;
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
    if (images.length < count * inputSize) throw new RangeError(`images has ${images.length} bytes, expected at least ${count * inputSize}`);
    const weights = this.currentWeights();
    const session = await this.logitsSession(pixelScale);
    const out = new Float32Array(count * this.spec.outputSize);
    for (let start = 0; start < count; start += LOGITS_CHUNK) {
      const n = Math.min(LOGITS_CHUNK, count - start);
      const chunk = images.subarray(start * inputSize, (start + n) * inputSize);
      const result = await session.run({
        ...weights,
        [TRAINING_GRAPH_NAMES.logitsImages]: new this.runtime.ort.Tensor('uint8', chunk, [n, inputSize]),
      });
      out.set(result[TRAINING_GRAPH_NAMES.logits].data as Float32Array, start * this.spec.outputSize);
    }
    return out;
  }

  /** Releases the sessions; the engine cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const session of [...this.trainingSessions.values(), ...this.logitsSessions.values()]) {
      // A session that failed to open has nothing to release.
      session.then((s) => s.release()).catch(() => undefined);
    }
    this.trainingSessions.clear();
    this.logitsSessions.clear();
    this.weights = undefined;
  }

  private gatherBlock(data: EpochData, first: number, steps: number, rows: number): void {
    const { images, labels, batches } = data;
    const inputSize = this.spec.inputSize;
    const count = labels.length;
    let row = 0;
    for (let s = first; s < first + steps; s++) {
      const batch = batches[s];
      for (let r = 0; r < batch.length; r++, row++) {
        const i = batch[r];
        if (!(i >= 0 && i < count)) throw new RangeError(`data.batches[${s}][${r}] = ${i} is outside [0, ${count})`);
        this.blockImages.set(images.subarray(i * inputSize, (i + 1) * inputSize), row * inputSize);
        this.blockLabels[row] = labels[i];
      }
    }
    if (row !== rows) throw new RangeError(`data.batches: block at batch ${first} holds ${row} rows, expected ${rows}`);
  }

  private async logitsOfRows(images: Uint8Array, indices: Int32Array, pixelScale: number): Promise<Float32Array> {
    const inputSize = this.spec.inputSize;
    const rows = new Uint8Array(indices.length * inputSize);
    indices.forEach((i, r) => rows.set(images.subarray(i * inputSize, (i + 1) * inputSize), r * inputSize));
    return this.predictLogits(rows, indices.length, pixelScale);
  }

  private trainingSession(pixelScale: number): Promise<OrtSession> {
    checkPixelScale(pixelScale);
    return this.session(this.trainingSessions, pixelScale, () =>
      buildTrainingGraph(this.spec, { learningRate: this.learningRate, optimizer: 'sgd', pixelScale }),
    );
  }

  private logitsSession(pixelScale: number): Promise<OrtSession> {
    checkPixelScale(pixelScale);
    return this.session(this.logitsSessions, pixelScale, () => buildLogitsGraph(this.spec, { pixelScale }));
  }

  private session(cache: Map<number, Promise<OrtSession>>, key: number, build: () => Uint8Array): Promise<OrtSession> {
    this.checkOpen();
    let session = cache.get(key);
    if (!session) {
      session = this.runtime.ort.InferenceSession.create(build(), this.runtime.sessionOptions);
      cache.set(key, session);
    }
    return session;
  }

  private currentWeights(): Record<string, OrtTensor> {
    this.checkOpen();
    if (!this.weights) throw new Error('the onnx engine has no weights yet: call loadWeights first');
    return this.weights;
  }

  private checkOpen(): void {
    if (this.disposed) throw new Error('the onnx engine was disposed: create a new one');
  }
}

function checkPixelScale(pixelScale: number): void {
  if (!Number.isFinite(pixelScale)) throw new RangeError(`pixelScale must be a finite number, got ${pixelScale}`);
}
