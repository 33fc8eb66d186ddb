// The `onnx` training engine: optimizer steps as an ONNX graph (a Loop over a block of batches) run by ONNX Runtime.
import { frozenLayersProblem, isLayeredSpec, layerNames, topOneAccuracy, type ModelSpec, type NamedWeight } from '@mnist/core';
import {
  buildLogitsGraph,
  buildTrainingGraph,
  dropoutMaskName,
  TRAINING_GRAPH_NAMES,
  trainingState,
  trainingWeightNames,
  updatedWeightName,
  type TrainingGraphOptions,
  type TrainingStateTensor,
} from '@mnist/export';
import type { EngineOptions, EpochData, EpochStats, TrainingEngine } from '../engine.js';
import { resolveOptimizer, type ResolvedOptimizer } from '../optimizer-slots.js';
import { planBlocks, type BatchBlock } from './block-plan.js';
import { loadLockstep, unregisteredLockstepRefusal, type LockstepRunnerLike } from './lockstep-support.js';
import { loadOrtRuntime, type OrtBackend, type OrtRuntime, type OrtSession, type OrtTensor } from './ort-runtime.js';

/** Batches gathered into contiguous rows. */
interface GatheredRows {
  images: Uint8Array;
  labels: Uint8Array;
}

/** The onnx engine's options: the engine contract's, plus its runtime knobs. */
export interface OnnxEngineOptions extends EngineOptions {
  /** Compute threads. Default 1: on this model a second thread costs more in hand-offs than it saves. */
  threads?: number;
  /** Batches per session run (the Loop's trip count at most). Default 100 (10 for a convnet). */
  stepsPerRun?: number;
}

/** An epoch's report, with every step's loss (for parity tests and diagnostics). */
export interface OnnxEpochStats extends EpochStats {
  losses: Float32Array;
}

const DEFAULT_STEPS_PER_RUN = 100;
/** Batches per run of a convnet: about 0.2 s of work, so a save or a progress update waits no longer. */
const CONVNET_STEPS_PER_RUN = 10;
/** Intra-op threads of a convnet's session when `cores` does not say: the two cores of these machines. */
const DEFAULT_CONVNET_THREADS = 2;
/**
 * Rows per logits run. Small chunks keep the runtime's buffers (1.6 MB of float pixels) in cache and
 * cheap to fault in: 500-row chunks score 5000 images in ~18 ms with ~45 ms for the first call, where one
 * 5000-row run faults in 30 MB and takes ~130 ms for each of its first two calls (bench: ~18 ms after).
 */
const LOGITS_CHUNK = 500;

/**
 * Creates the onnx engine on onnxruntime-node, or onnxruntime-web when the native one cannot load (or as
 * `options.backend` says). Every optimizer (TF1 rules, slots under TF1 names), activation and dropout rate
 * of the contract is a graph. Plain SGD without dropout on onnxruntime-node trains on two cores with the
 * lockstep runner where it can (`options.cores`; the selection line says which and why). Weights must be
 * given with `loadWeights` before training.
 * @example
 * const engine = await createOnnxEngine({ spec: DEFAULT_MODEL_SPEC, optimizer: { name: 'sgd', learningRate: 0.01 } });
 * await engine.loadWeights(initialWeights);
 * const { meanLoss } = await engine.runEpoch({ images, labels, batches, pixelScale: 1 / 255 });
 */
export async function createOnnxEngine(options: OnnxEngineOptions): Promise<OnnxEngine> {
  const optimizer = resolveOptimizer(options.optimizer);
  const dropoutRate = options.dropoutRate ?? 0;
  if (!(Number.isFinite(dropoutRate) && dropoutRate >= 0 && dropoutRate < 1)) throw new RangeError(`dropoutRate must be in [0, 1), got ${dropoutRate}`);
  // A convnet's step is ~100x the MLP's: shorter runs keep the event loop (checkpoint saves, progress) moving.
  const stepsPerRun = options.stepsPerRun ?? (isLayeredSpec(options.spec) ? CONVNET_STEPS_PER_RUN : DEFAULT_STEPS_PER_RUN);
  if (!Number.isInteger(stepsPerRun) || stepsPerRun < 1) throw new RangeError(`stepsPerRun must be a positive integer, got ${stepsPerRun}`);
  // Build once here so a spec the graph cannot express is refused before a runtime is loaded.
  const graph = graphOptions(optimizer, dropoutRate, options.frozenLayers ?? []);
  trainingState(options.spec, graph);
  const frozenProblem = graph.frozenLayers ? frozenLayersProblem(options.spec, graph.frozenLayers) : undefined;
  if (frozenProblem) throw new RangeError(`frozenLayers is ${frozenProblem}`);
  const cores = options.cores;
  if (cores !== undefined && !(Number.isInteger(cores) && cores >= 1)) throw new RangeError(`cores must be a positive integer, got ${cores}`);
  // A convnet's step is a few large convolutions, which ONNX Runtime splits across its intra-op threads
  // well (13-15 ms a step on two against about twice that on one); the MLP's small products are not worth
  // the hand-offs, so it splits a step across cores with the lockstep runner instead.
  const layered = isLayeredSpec(options.spec);
  const threads = options.threads ?? (layered ? (cores ?? DEFAULT_CONVNET_THREADS) : 1);
  const { value: runtime, message } = await loadOrtRuntime(options.backend, threads);
  const oneSession = `${message}, ${runtime.threads} thread${runtime.threads === 1 ? '' : 's'}`;
  if (cores === 1 || layered) return new OnnxEngine(runtime, options.spec, graph, stepsPerRun, oneSession);
  // Explicit cores insist on the lockstep runner; by default the engine falls back to one session and says why.
  const refuse = (reason: string) => {
    if (cores !== undefined) throw new RangeError(`cores ${cores}: the lockstep runner cannot take this run: ${reason}`);
    return new OnnxEngine(runtime, options.spec, graph, stepsPerRun, `${oneSession} (lockstep runner refused: ${reason})`);
  };
  let support;
  try {
    support = await loadLockstep();
  } catch (error) {
    return refuse(`it cannot load: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!support) return refuse(unregisteredLockstepRefusal(runtime.backend));
  const refusal = support.lockstepRefusal(options.spec, optimizer, dropoutRate, runtime.backend, cores ?? 2, undefined, options.frozenLayers);
  if (refusal) return refuse(refusal);
  let lockstep: LockstepRunnerLike;
  try {
    lockstep = new support.LockstepRunner(options.spec, optimizer.learningRate, cores ?? 2);
  } catch (error) {
    return refuse(`its addon cannot drive this ONNX Runtime: ${error instanceof Error ? error.message : String(error)}`);
  }
  return new OnnxEngine(runtime, options.spec, graph, stepsPerRun, `${message}, each step split across ${lockstep.cores} cores (lockstep runner)`, lockstep);
}

/** The training graph's optimizer, dropout and frozen-layer options: plain SGD as 'sgd', so it takes the fused fast path. */
function graphOptions(optimizer: ResolvedOptimizer, dropoutRate: number, frozenLayers: readonly string[]): GraphOptions {
  const { learningRate, ...hyperparameters } = optimizer;
  // Only when there are any: the graph of a run without them stays the same.
  return { learningRate, optimizer: optimizer.name === 'sgd' ? 'sgd' : hyperparameters, dropoutRate, ...(frozenLayers.length ? { frozenLayers: [...frozenLayers] } : {}) };
}

type GraphOptions = Pick<TrainingGraphOptions, 'learningRate' | 'optimizer' | 'dropoutRate' | 'frozenLayers'>;

/**
 * Trains the MLP with ONNX Runtime. Weights live in runtime tensors between runs: each run feeds the
 * current weights and a block of batches, and takes back the updated weights and the block's losses. With
 * the lockstep runner, its slices hold the weights during an epoch and the tensors are synced after.
 */
export class OnnxEngine implements TrainingEngine {
  readonly name = 'onnx';
  readonly backend: OrtBackend;
  readonly selection: string;
  private readonly runtime: OrtRuntime;
  private readonly spec: ModelSpec;
  private readonly graph: GraphOptions;
  private readonly stepsPerRun: number;
  /** Model weights then optimizer slots, in the training graph's order. */
  private readonly state: TrainingStateTensor[];
  /** The model weights' names (logits graph inputs). */
  private readonly weightNames: string[];
  /** Each hidden layer's dropout-mask input and width, in layer order. */
  private readonly maskInputs: { name: string; units: number }[];
  /** Weights and slots as runtime tensors, by checkpoint name. */
  private weights: Record<string, OrtTensor> | undefined;
  private blockMasks: Uint8Array[] = [];
  /** Sessions by pixel scale: the scale is a constant of each graph. */
  private readonly trainingSessions = new Map<number, Promise<OrtSession>>();
  private readonly logitsSessions = new Map<number, Promise<OrtSession>>();
  /** The block of batches the training session runs on (the lockstep runner indexes the set instead). */
  private block: GatheredRows = { images: new Uint8Array(0), labels: new Uint8Array(0) };
  private disposed = false;
  /** When set, it trains (the weights live in its slices during an epoch) and `weights` is synced after. */
  private readonly lockstep: LockstepRunnerLike | undefined;

  constructor(
    runtime: OrtRuntime,
    spec: ModelSpec,
    graph: GraphOptions,
    stepsPerRun: number,
    selection: string,
    lockstep?: LockstepRunnerLike,
  ) {
    this.runtime = runtime;
    this.lockstep = lockstep;
    this.selection = selection;
    this.backend = runtime.backend;
    this.spec = spec;
    this.graph = graph;
    this.stepsPerRun = stepsPerRun;
    this.state = trainingState(spec, graph);
    this.weightNames = trainingWeightNames(spec);
    this.maskInputs = layerNames(spec)
      .filter((l) => !l.isOutput)
      .map((l) => ({ name: dropoutMaskName(l.scope), units: l.fanOut }));
  }

  /**
   * Replaces the weights and optimizer slots (copied, so the caller's arrays stay untouched). Every weight
   * of the spec must be present with its shape. Slots are all present or all absent: absent, they start
   * at TF1's initial values (a checkpoint of plain SGD); a partial set, or a name that is neither a weight
   * nor a slot of this optimizer, is refused, as the tfjs engine does.
   * @example await engine.loadWeights(checkpoint.weights);
   */
  async loadWeights(weights: Map<string, NamedWeight>): Promise<void> {
    this.checkOpen();
    const known = new Set(this.state.map((t) => t.name));
    const optimizer = typeof this.graph.optimizer === 'string' ? this.graph.optimizer : this.graph.optimizer.name;
    for (const name of weights.keys()) {
      if (!known.has(name)) throw new RangeError(`weights has ${name}, which the onnx engine (${optimizer}) does not hold`);
    }
    const slots = this.state.filter((t) => t.initial !== undefined);
    const given = slots.filter((t) => weights.has(t.name)).length;
    if (given !== 0 && given !== slots.length) {
      throw new RangeError(`weights holds some ${optimizer} slots but lacks ${slots.find((t) => !weights.has(t.name))?.name}`);
    }
    const tensors: Record<string, OrtTensor> = {};
    for (const { name, shape, initial } of this.state) {
      const size = shape.reduce((a, b) => a * b, 1);
      const w = weights.get(name);
      if (!w) {
        if (initial === undefined) throw new RangeError(`weights: ${name} is missing`);
        tensors[name] = new this.runtime.ort.Tensor('float32', new Float32Array(size).fill(initial), shape);
        continue;
      }
      if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i]) || w.values.length !== size) {
        throw new RangeError(`weights: ${name} has shape [${w.shape}], the model needs [${shape}]`);
      }
      tensors[name] = new this.runtime.ort.Tensor('float32', Float32Array.from(w.values), shape);
    }
    this.weights = tensors;
    this.lockstep?.setWeights(weights);
  }

  /**
   * The current weights and optimizer slots as copies, by checkpoint name.
   * @example const weights = await engine.readWeights();
   */
  async readWeights(): Promise<Map<string, NamedWeight>> {
    const weights = this.currentWeights();
    return new Map(
      this.state.map(({ name, shape }) => [name, { name, shape: [...shape], values: Float32Array.from(weights[name].data as Float32Array) }]),
    );
  }

  /**
   * Runs one optimizer step per batch, in order, `stepsPerRun` batches per session run. With dropout,
   * `data.dropoutMasks` must hold each batch's keep-mask.
   * @example const r = await engine.runEpoch({ images, labels, batches: shuffleBatch(n, 50, rng), pixelScale: 1 / 255 });
   */
  async runEpoch(data: EpochData, onBatch?: (done: number, total: number) => void): Promise<OnnxEpochStats> {
    this.currentWeights();
    const { images, labels, batches, pixelScale } = data;
    const inputSize = this.spec.inputSize;
    if (images.length !== labels.length * inputSize) {
      throw new RangeError(`data.images has ${images.length} bytes, expected data.labels.length * ${inputSize} = ${labels.length * inputSize}`);
    }
    if (batches.length === 0) throw new RangeError('data.batches must hold at least one batch');
    const hidden = this.spec.hiddenUnits;
    const dropout = (this.graph.dropoutRate ?? 0) > 0;
    if (dropout) {
      const perRow = hidden.reduce((a, b) => a + b, 0);
      const masks = data.dropoutMasks;
      if (!masks || masks.length !== batches.length) {
        throw new RangeError(`data.dropoutMasks must hold one mask per batch (${batches.length}) when the dropout rate is ${this.graph.dropoutRate}`);
      }
      masks.forEach((m, s) => {
        if (m.length !== batches[s].length * perRow) throw new RangeError(`data.dropoutMasks[${s}] has ${m.length} values, expected ${batches[s].length * perRow}`);
      });
    }
    const blocks = planBlocks(
      batches.map((b) => b.length),
      this.stepsPerRun,
    );
    const losses = new Float32Array(batches.length);
    if (this.lockstep) await this.runLockstepBlocks(this.lockstep, data, blocks, losses, onBatch);
    else await this.runSessionBlocks(data, blocks, losses, dropout, onBatch);
    let total = 0;
    for (const loss of losses) total += loss;
    // The original program scores the last batch after the epoch's updates.
    const last = batches.length - 1;
    const lastBatch = this.gatherBlock(data, { first: last, steps: 1, batchSize: batches[last].length });
    const lastLogits = await this.predictLogits(lastBatch.images, batches[last].length, pixelScale);
    return {
      meanLoss: total / losses.length,
      lastBatchLoss: losses[losses.length - 1],
      lastBatchAccuracy: topOneAccuracy(lastLogits, lastBatch.labels, this.spec.outputSize),
      steps: batches.length,
      losses,
    };
  }

  /** Runs the blocks on the training session, one run each. */
  private async runSessionBlocks(
    data: EpochData,
    blocks: BatchBlock[],
    losses: Float32Array,
    dropout: boolean,
    onBatch?: (done: number, total: number) => void,
  ): Promise<void> {
    const session = await this.trainingSession(data.pixelScale);
    const inputSize = this.spec.inputSize;
    const { Tensor } = this.runtime.ort;
    const maxRows = Math.max(...blocks.map((b) => b.steps * b.batchSize));
    if (this.block.labels.length < maxRows) this.block = { images: new Uint8Array(maxRows * inputSize), labels: new Uint8Array(maxRows) };
    if (dropout && (this.blockMasks[0]?.length ?? 0) < maxRows * this.spec.hiddenUnits[0]) this.blockMasks = this.spec.hiddenUnits.map((units) => new Uint8Array(maxRows * units));
    const buffer = this.block;
    for (const block of blocks) {
      const rows = block.steps * block.batchSize;
      this.gatherBlock(data, block, buffer);
      const feeds: Record<string, OrtTensor> = {
        ...this.currentWeights(),
        [TRAINING_GRAPH_NAMES.images]: new Tensor('uint8', buffer.images.subarray(0, rows * inputSize), [block.steps, block.batchSize, inputSize]),
        [TRAINING_GRAPH_NAMES.labels]: new Tensor('uint8', buffer.labels.subarray(0, rows), [block.steps, block.batchSize]),
      };
      if (dropout) {
        this.gatherMasks(data.dropoutMasks as Uint8Array[], block.first, block.steps, block.batchSize);
        this.maskInputs.forEach(({ name, units }, i) => {
          feeds[name] = new Tensor('uint8', this.blockMasks[i].subarray(0, rows * units), [block.steps, block.batchSize, units]);
        });
      }
      const out = await session.run(feeds);
      const next: Record<string, OrtTensor> = {};
      for (const { name } of this.state) next[name] = out[updatedWeightName(name)];
      this.weights = next;
      losses.set(out[TRAINING_GRAPH_NAMES.losses].data as Float32Array, block.first);
      onBatch?.(block.first + block.steps, data.batches.length);
    }
  }

  /** Runs the blocks on the lockstep runner, which reads the rows of each batch from the set itself. */
  private async runLockstepBlocks(
    lockstep: LockstepRunnerLike,
    data: EpochData,
    blocks: BatchBlock[],
    losses: Float32Array,
    onBatch?: (done: number, total: number) => void,
  ): Promise<void> {
    try {
      for (const block of blocks) {
        this.checkOpen();
        const rows = new Int32Array(block.steps * block.batchSize);
        for (let s = block.first; s < block.first + block.steps; s++) {
          checkRows(data, s);
          rows.set(data.batches[s], (s - block.first) * block.batchSize);
        }
        losses.set(await lockstep.runBlock(data.images, data.labels, rows, block.steps, block.batchSize, data.pixelScale), block.first);
        onBatch?.(block.first + block.steps, data.batches.length);
      }
    } finally {
      // As with the training session, the engine keeps the weights of the blocks that ran.
      const { Tensor } = this.runtime.ort;
      if (!this.disposed) this.weights = Object.fromEntries([...lockstep.weights()].map(([name, w]) => [name, new Tensor('float32', w.values, w.shape)]));
    }
  }

  /**
   * Logits [count, outputSize] of `count` images given as raw bytes, with the current weights.
   * @example const logits = await engine.predictLogits(test.images, 10000, 1 / 255);
   */
  async predictLogits(images: Uint8Array, count: number, pixelScale: number): Promise<Float32Array> {
    const inputSize = this.spec.inputSize;
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
    if (images.length < count * inputSize) throw new RangeError(`images has ${images.length} bytes, expected at least ${count * inputSize}`);
    const all = this.currentWeights();
    // The logits graph takes the model weights only, not the optimizer slots.
    const weights = Object.fromEntries(this.weightNames.map((name) => [name, all[name]]));
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
    this.lockstep?.dispose();
    this.weights = undefined;
  }

  /** Copies the rows of a block's batches into `target` (a new buffer when undefined), checking every index. */
  private gatherBlock(data: EpochData, block: BatchBlock, target?: GatheredRows): GatheredRows {
    const { images, labels, batches } = data;
    const inputSize = this.spec.inputSize;
    const rows = block.steps * block.batchSize;
    const into = target ?? { images: new Uint8Array(rows * inputSize), labels: new Uint8Array(rows) };
    let row = 0;
    for (let s = block.first; s < block.first + block.steps; s++) {
      checkRows(data, s);
      for (const i of batches[s]) {
        into.images.set(images.subarray(i * inputSize, (i + 1) * inputSize), row * inputSize);
        into.labels[row++] = labels[i];
      }
    }
    if (row !== rows) throw new RangeError(`data.batches: block at batch ${block.first} holds ${row} rows, expected ${rows}`);
    return into;
  }

  /** Splits each batch's concatenated per-layer masks into one [steps, batch, units] buffer per layer. */
  private gatherMasks(masks: Uint8Array[], first: number, steps: number, batchSize: number): void {
    const hidden = this.spec.hiddenUnits;
    for (let s = 0; s < steps; s++) {
      const mask = masks[first + s];
      let offset = 0;
      hidden.forEach((units, i) => {
        const size = batchSize * units;
        this.blockMasks[i].set(mask.subarray(offset, offset + size), s * size);
        offset += size;
      });
    }
  }

  private trainingSession(pixelScale: number): Promise<OrtSession> {
    checkPixelScale(pixelScale);
    return this.session(this.trainingSessions, pixelScale, () =>
      buildTrainingGraph(this.spec, { ...this.graph, pixelScale }),
    );
  }

  private logitsSession(pixelScale: number): Promise<OrtSession> {
    checkPixelScale(pixelScale);
    // Scoring runs between epochs, when the lockstep runner's cores are free: 500-row chunks split well
    // across them. Its threads must not spin after a run, or they would take the cores from the next epoch.
    const options = this.lockstep
      ? { ...this.runtime.sessionOptions, intraOpNumThreads: this.lockstep.cores, extra: { session: { intra_op: { allow_spinning: '0' } } } }
      : this.runtime.sessionOptions;
    return this.session(this.logitsSessions, pixelScale, () => buildLogitsGraph(this.spec, { pixelScale }), options);
  }

  private session(cache: Map<number, Promise<OrtSession>>, key: number, build: () => Uint8Array, options = this.runtime.sessionOptions): Promise<OrtSession> {
    this.checkOpen();
    let session = cache.get(key);
    if (!session) {
      session = this.runtime.ort.InferenceSession.create(build(), options);
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

/** Throws a RangeError naming the first row of batch `s` outside the set. */
function checkRows(data: EpochData, s: number): void {
  const count = data.labels.length;
  data.batches[s].forEach((i, r) => {
    if (!(i >= 0 && i < count)) throw new RangeError(`data.batches[${s}][${r}] = ${i} is outside [0, ${count})`);
  });
}

function checkPixelScale(pixelScale: number): void {
  if (!Number.isFinite(pixelScale)) throw new RangeError(`pixelScale must be a finite number, got ${pixelScale}`);
}
