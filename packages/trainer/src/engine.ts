// The training-engine contract: the arithmetic of a step (forward, backward, optimizer update) behind
// a small interface, so one training loop drives every engine (onnx, tfjs), and the registry that
// picks an engine by name or by priority. The engines register themselves (register-engines.ts, run
// by the package's entry); this file names none of them.
import type { ModelSpec, NamedWeight } from '@mnist/core';
import { checkNetworkSize } from './network-options.js';
import { PriorityRegistry, ResolutionError } from './registry.js';

/** Optimizers, with TensorFlow 1's semantics and defaults (tf.train.*Optimizer). */
export type OptimizerName = 'sgd' | 'momentum' | 'nesterov' | 'adagrad' | 'rmsprop' | 'adam';

export const OPTIMIZER_NAMES: readonly OptimizerName[] = Object.freeze(['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam']);

/**
 * The optimizer a run asks for. Engines refuse the ones they do not implement (clear message).
 * Unset hyperparameters take TensorFlow's defaults: momentum 0.9 (momentum, nesterov); adagrad
 * initialAccumulatorValue 0.1; rmsprop decay 0.9, momentum 0, epsilon 1e-10; adam beta1 0.9,
 * beta2 0.999, epsilon 1e-8. Slot state lives in the checkpoint as `<weight>/<Slot>` weights.
 */
export interface OptimizerConfig {
  name: OptimizerName;
  learningRate: number;
  momentum?: number;
  initialAccumulatorValue?: number;
  decay?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** What an engine needs to be created. */
export interface EngineOptions {
  spec: ModelSpec;
  optimizer: OptimizerConfig;
  /**
   * Dropout rate on hidden-layer outputs during training (0 = none). Masks are not drawn inside the
   * engines: the loop passes them per batch (EpochData.dropoutMasks) so every engine sees the same.
   */
  dropoutRate?: number;
  /**
   * Layers never updated (short names, `hidden1` for `dnn/hidden1/kernel|bias`; see core's
   * `frozenLayersProblem`): their weights and optimizer slots stay as loaded. Default none.
   */
  frozenLayers?: readonly string[];
  /** Force one of the engine's backends/runtimes (e.g. `wasm`); default: the engine picks. */
  backend?: string;
  /**
   * Cores one optimizer step may be split across: the onnx engine's lockstep runner takes 2 (its
   * default when the run qualifies); 1 keeps every engine on one core. tfjs refuses more than 1.
   */
  cores?: number;
}

/** One epoch's data: bytes as stored, the epoch's batches as index arrays into them. */
export interface EpochData {
  /** `[count, inputSize]` pixel bytes, row-major. */
  images: Uint8Array;
  /** `[count]` class labels. */
  labels: Uint8Array;
  /** Mini-batches (from `shuffleBatch`), run in order, one optimizer step each. */
  batches: Int32Array[];
  /** Pixel byte -> float factor (1/255). */
  pixelScale: number;
  /**
   * Dropout keep-masks (when EngineOptions.dropoutRate > 0), one per batch: for each hidden layer in
   * order, the [batchRows × units] mask (1 keep, 0 drop), concatenated. See `dropoutMasks`.
   */
  dropoutMasks?: Uint8Array[];
}

/** What an epoch reports. */
export interface EpochStats {
  /** Mean of the per-step losses (each taken before its step's update), accumulated in float64. */
  meanLoss: number;
  /** Loss of the last batch before its update. */
  lastBatchLoss: number;
  /** Accuracy on the last batch AFTER the epoch's updates, as the original program measured it. */
  lastBatchAccuracy: number;
  steps: number;
  /** Every step's loss in order (each before its update), for step-wise logs such as TensorBoard's. */
  losses?: Float32Array;
}

/**
 * An engine: model weights and optimizer state live inside it between calls. Implementations must
 * be deterministic: the same weights and batches on the same backend give the same bits.
 */
export interface TrainingEngine {
  /** Engine name: `tfjs`, `onnx`, ... */
  readonly name: string;
  /** The backend/runtime it runs on: `wasm`, `cpu`, `tensorflow`, `onnxruntime-node`, ... */
  readonly backend: string;
  /** One line on how the backend was chosen, e.g. `backend wasm (tensorflow refused: ...)`. */
  readonly selection: string;
  /** Sets model weights (names of `layerNames(spec)`) and, when present, optimizer slots. */
  loadWeights(weights: Map<string, NamedWeight>): Promise<void>;
  /** Model weights and optimizer slots, copied out. */
  readWeights(): Promise<Map<string, NamedWeight>>;
  /** Runs one optimizer step per batch, in order. */
  runEpoch(data: EpochData, onBatch?: (done: number, total: number) => void): Promise<EpochStats>;
  /** Logits `[count, outputSize]` of `count` images given as bytes (evaluated in chunks). */
  predictLogits(images: Uint8Array, count: number, pixelScale: number): Promise<Float32Array>;
  /** Frees the engine's memory; the engine is unusable afterwards. */
  dispose(): void;
}

/** Creates an engine, or throws with the reason it cannot run here. */
export type EngineFactory = (options: EngineOptions) => Promise<TrainingEngine>;

const engines = new PriorityRegistry<TrainingEngine, EngineOptions>('engine');

/**
 * Registers a training engine under `name`; with engine `auto` the highest priority that loads wins.
 * @example registerEngine('tfjs', 10, createTfjsEngine);
 */
export function registerEngine(name: string, priority: number, factory: EngineFactory): void {
  engines.register({ name, priority, init: factory });
}

/** Registered engine names, highest priority first. */
export function engineNames(): string[] {
  return engines.names();
}

/** A created engine and the one-line account of how it was chosen. */
export interface EngineChoice {
  engine: TrainingEngine;
  /** e.g. `engine tfjs on backend wasm (tensorflow refused: Cannot find package '@tensorflow/tfjs-node')`. */
  message: string;
}

/**
 * Creates the requested engine (or, for `undefined`/`'auto'`, the highest-priority one that can be
 * created here), collecting each refusal so the message says what was picked and why not the others.
 * Throws RangeError for an unknown name, ResolutionError when none can be created (or none is registered).
 * @example const { engine, message } = await createEngine('auto', { spec, optimizer: { name: 'sgd', learningRate: 0.01 } });
 */
export async function createEngine(requested: string | undefined, options: EngineOptions): Promise<EngineChoice> {
  // Before any engine sizes its buffers for the network.
  checkNetworkSize(options.spec);
  if (engines.names().length === 0) {
    // Only a module imported around the entry gets here: the entry is what registers onnx and tfjs.
    throw new ResolutionError("no engine is registered: import '@mnist/trainer' (it registers onnx and tfjs) or call registerEngine first", []);
  }
  const picked = await engines.resolve(requested, options);
  const refusals = picked.refused.map((r) => `; engine ${r.name} refused: ${r.reason}`).join('');
  const why = requested === undefined || requested === 'auto' ? ' (auto: the fastest engine that loads)' : '';
  return { engine: picked.value, message: `engine ${picked.name}${why} on ${picked.value.selection}${refusals}` };
}
