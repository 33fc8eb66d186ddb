// The `tfjs` training engine: the low-level TensorFlow program ported to TensorFlow.js (variables,
// the dnn graph or a layered spec's convnet, sparse softmax cross-entropy, a TF1 optimizer's update)
// behind TrainingEngine.
import * as tf from '@tensorflow/tfjs-core';
import { frozenLayersProblem, gatherBatch, isLayeredSpec, layerNames, networkLayers, type Batch, type ModelSpec, type NamedWeight } from '@mnist/core';
import type { EngineOptions, EpochData, EpochStats, TrainingEngine } from '../engine.js';
import { initialSlots, resolveOptimizer } from '../optimizer-slots.js';
import { yieldToEventLoop } from '../platform/yield-to-event-loop.js';
import { useTfjsBackend } from './backends.js';
import type { DnnDropout } from './dnn.js';
import { hwioShape, hwioToOihw, oihwToHwio } from './kernel-layout.js';
import { networkLogits } from './network.js';
import { Tf1Optimizer } from './optimizer.js';
import { inTopKAccuracy, sparseSoftmaxCrossEntropy } from './loss.js';

/** Rows per forward pass when predicting many images (bounds the float copy of the input). */
const PREDICT_CHUNK = 2000;
/** The same for a layered spec, whose activations are far larger than its input (DEFAULT_CNN_SPEC's first conv: 37 KB a row against 3 KB of input floats). */
const LAYERED_PREDICT_CHUNK = 250;
/** Steps between yields to the event loop, so progress output and signals get a turn. */
const YIELD_EVERY = 100;

/**
 * The tfjs engine. tfjs has one active backend per process, so one live TfjsEngine at a time
 * (its variables carry the original names, which tfjs requires to be unique).
 * @example const engine = await TfjsEngine.create({ spec, optimizer: { name: 'sgd', learningRate: 0.01 }, backend: 'wasm' });
 */
export class TfjsEngine implements TrainingEngine {
  readonly name = 'tfjs';
  private disposed = false;
  private readonly batchBuffers = new Map<number, Batch>();

  private constructor(
    readonly backend: string,
    readonly selection: string,
    private readonly spec: ModelSpec,
    private readonly variables: Map<string, tf.Variable>,
    private readonly optimizer: Tf1Optimizer,
    private readonly dropoutRate: number,
    /** The variables the optimizer updates: all but the frozen layers' (as Keras' trainable_weights). */
    private readonly trainable: Map<string, tf.Variable>,
    /** Conv kernels and their slots (held HWIO) by name, with their checkpoint shape (OIHW). */
    private readonly convKernels: ReadonlyMap<string, readonly number[]>,
  ) {}

  /** Picks the backend (see `useTfjsBackend`), creates the variables (zeros until `loadWeights`). */
  static async create(options: EngineOptions): Promise<TfjsEngine> {
    const { spec } = options;
    const optimizer = resolveOptimizer(options.optimizer);
    const dropoutRate = options.dropoutRate ?? 0;
    if (!(Number.isFinite(dropoutRate) && dropoutRate >= 0 && dropoutRate < 1)) {
      throw new RangeError(`dropoutRate must be in [0, 1), got ${dropoutRate}`);
    }
    if (dropoutRate > 0 && isLayeredSpec(spec)) throw new RangeError(`dropoutRate ${dropoutRate}: the tfjs engine trains a layered modelSpec without dropout, expected 0`);
    const frozen = options.frozenLayers ?? [];
    const frozenProblem = frozen.length ? frozenLayersProblem(spec, [...frozen]) : undefined;
    if (frozenProblem) throw new RangeError(`frozenLayers is ${frozenProblem}`);
    if (options.cores !== undefined && options.cores !== 1) throw new RangeError(`cores ${options.cores}: the tfjs engine trains on one core`);
    const backend = await useTfjsBackend(options.backend);
    const variables = new Map<string, tf.Variable>();
    const convKernels = new Map<string, readonly number[]>();
    for (const l of networkLayers(spec)) if (l.layer.kind === 'conv2d') convKernels.set(l.weights!.kernel, l.weights!.kernelShape);
    try {
      for (const layer of layerNames(spec)) {
        const held = convKernels.get(layer.kernel);
        for (const [name, shape] of [
          [layer.kernel, held ? hwioShape(held) : layer.kernelShape],
          [layer.bias, layer.biasShape],
        ] as const) {
          if (tf.engine().registeredVariables[name]) {
            throw new Error(`a tfjs variable named ${name} already exists: dispose the previous tfjs engine first`);
          }
          variables.set(name, tf.variable(tf.zeros([...shape]), true, name));
        }
      }
      const slots = initialSlots(spec, optimizer);
      // A weight's slots are shaped as the weight is held (a conv kernel's HWIO) and, for a conv
      // kernel, kept OIHW in the checkpoint like the kernel; each slot starts at one value.
      for (const [name, w] of slots) {
        const weight = [...variables.keys()].find((v) => name.startsWith(`${v}/`));
        if (!weight) continue;
        const shape = [...variables.get(weight)!.shape];
        slots.set(name, { name, shape, values: new Float32Array(shape.reduce((x, y) => x * y, 1)).fill(w.values[0]) });
        const oihw = convKernels.get(weight);
        if (oihw) convKernels.set(name, oihw);
      }
      const tf1 = new Tf1Optimizer(optimizer, slots);
      const frozenScopes = layerNames(spec)
        .filter((l) => frozen.includes(l.scope.slice(l.scope.indexOf('/') + 1)))
        .map((l) => `${l.scope}/`);
      const trainable = new Map([...variables].filter(([name]) => !frozenScopes.some((s) => name.startsWith(s))));
      return new TfjsEngine(backend.name, backend.message, spec, variables, tf1, dropoutRate, trainable, convKernels);
    } catch (e) {
      for (const v of variables.values()) v.dispose();
      throw e;
    }
  }

  /**
   * Sets the model weights and the optimizer's slots. Slots absent from `weights` start afresh
   * (TF1's initial values); a partial set of slots, or a name this optimizer has no slot for, is refused.
   */
  async loadWeights(weights: Map<string, NamedWeight>): Promise<void> {
    this.checkAlive();
    const slots = this.optimizer.slots;
    for (const name of weights.keys()) {
      if (!this.variables.has(name) && !slots.has(name)) {
        const held = slots.size ? `${this.optimizer.config.name} slots ${[...slots.keys()].slice(0, 2).join(', ')}, ...` : `${this.optimizer.config.name}, no optimizer slots`;
        throw new RangeError(`weights has ${name}, which the tfjs engine (${held}) does not hold`);
      }
    }
    const slotCount = [...slots.keys()].filter((n) => weights.has(n)).length;
    if (slotCount !== 0 && slotCount !== slots.size) {
      const missing = [...slots.keys()].find((n) => !weights.has(n));
      throw new RangeError(`weights holds some ${this.optimizer.config.name} slots but lacks ${missing}`);
    }
    const targets = slotCount ? [...this.variables, ...slots] : [...this.variables];
    for (const [name, v] of targets) {
      const w = weights.get(name);
      if (!w) throw new RangeError(`weights lacks ${name}`);
      const shape = this.convKernels.get(name) ?? v.shape;
      if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i]) || w.values.length !== v.size) {
        throw new RangeError(`weights ${name} has shape [${w.shape}], the model needs [${shape}]`);
      }
    }
    for (const [name, v] of targets) {
      const oihw = this.convKernels.get(name);
      const values = weights.get(name)!.values;
      tf.tidy(() => v.assign(tf.tensor(oihw ? oihwToHwio(values, oihw) : values, v.shape, 'float32')));
    }
    if (!slotCount) this.optimizer.reset();
  }

  async readWeights(): Promise<Map<string, NamedWeight>> {
    this.checkAlive();
    const out = new Map<string, NamedWeight>();
    for (const [name, v] of [...this.variables, ...this.optimizer.slots]) {
      const values = (await v.data()) as Float32Array;
      const oihw = this.convKernels.get(name);
      out.set(name, oihw ? { name, shape: [...oihw], values: hwioToOihw(values, oihw) } : { name, shape: [...v.shape], values: Float32Array.from(values) });
    }
    return out;
  }

  async runEpoch(data: EpochData, onBatch?: (done: number, total: number) => void): Promise<EpochStats> {
    this.checkAlive();
    const { images, labels, batches, pixelScale } = data;
    if (batches.length === 0) throw new RangeError('batches must hold at least one batch');
    const masks = this.dropoutRate > 0 ? data.dropoutMasks : undefined;
    if (this.dropoutRate > 0 && (!masks || masks.length !== batches.length)) {
      throw new RangeError(`data.dropoutMasks must hold one mask per batch (${batches.length}) when dropoutRate is ${this.dropoutRate}, got ${masks?.length ?? 'none'}`);
    }
    // Frozen variables are left out: no gradient is computed for them and the optimizer never touches them or their slots.
    const varList = [...this.trainable.values()];
    let totalLoss = 0;
    let lastBatchLoss = NaN;
    const losses = new Float32Array(batches.length);
    for (let s = 0; s < batches.length; s++) {
      const rows = batches[s].length;
      const { x, y } = this.gather(images, labels, batches[s], pixelScale);
      const loss = tf.tidy(() => {
        const X = tf.tensor2d(x, [rows, this.spec.inputSize]);
        const Y = tf.tensor1d(y, 'int32');
        const drop = masks ? this.maskTensors(masks[s], rows) : undefined;
        const { value, grads } = tf.variableGrads(() => sparseSoftmaxCrossEntropy(Y, networkLogits(X, this.spec, this.variables, drop)), varList);
        this.optimizer.apply(this.trainable, grads);
        return value;
      });
      lastBatchLoss = loss.dataSync()[0];
      loss.dispose();
      totalLoss += lastBatchLoss;
      losses[s] = lastBatchLoss;
      onBatch?.(s + 1, batches.length);
      if ((s + 1) % YIELD_EVERY === 0) await yieldToEventLoop();
    }
    // As the original program: accuracy of the last batch, measured after the epoch's updates.
    const last = batches[batches.length - 1];
    const { x, y } = this.gather(images, labels, last, pixelScale);
    const [logits, Y] = tf.tidy(() => {
      const Yt = tf.tensor1d(y, 'int32');
      return [networkLogits(tf.tensor2d(x, [last.length, this.spec.inputSize]), this.spec, this.variables), Yt] as const;
    });
    let lastBatchAccuracy: number;
    try {
      lastBatchAccuracy = await inTopKAccuracy(logits, Y);
    } finally {
      logits.dispose();
      Y.dispose();
    }
    return { meanLoss: totalLoss / batches.length, lastBatchLoss, lastBatchAccuracy, steps: batches.length, losses };
  }

  async predictLogits(images: Uint8Array, count: number, pixelScale: number): Promise<Float32Array> {
    this.checkAlive();
    const pixels = this.spec.inputSize;
    if (!Number.isInteger(count) || count < 0 || images.length < count * pixels) {
      throw new RangeError(`images must hold count = ${count} images of ${pixels} bytes, got ${images.length} bytes`);
    }
    const out = new Float32Array(count * this.spec.outputSize);
    const chunk = isLayeredSpec(this.spec) ? LAYERED_PREDICT_CHUNK : PREDICT_CHUNK;
    for (let start = 0; start < count; start += chunk) {
      const n = Math.min(chunk, count - start);
      const x = new Float32Array(n * pixels);
      const src = images.subarray(start * pixels, (start + n) * pixels);
      for (let i = 0; i < x.length; i++) x[i] = src[i] * pixelScale;
      const logits = tf.tidy(() => networkLogits(tf.tensor2d(x, [n, pixels]), this.spec, this.variables));
      try {
        out.set(await logits.data(), start * this.spec.outputSize);
      } finally {
        logits.dispose();
      }
    }
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.variables.values()) v.dispose();
    this.optimizer.dispose();
  }

  // One batch's concatenated keep-mask split into per-layer [rows, units] float tensors.
  private maskTensors(mask: Uint8Array, rows: number): DnnDropout {
    const units = this.spec.hiddenUnits;
    const expected = rows * units.reduce((a, b) => a + b, 0);
    if (mask.length !== expected) throw new RangeError(`a dropout mask has ${mask.length} entries, the batch needs ${rows} x [${units}] = ${expected}`);
    let offset = 0;
    const masks = units.map((n) => {
      const values = new Float32Array(rows * n);
      for (let i = 0; i < values.length; i++) values[i] = mask[offset + i];
      offset += values.length;
      return tf.tensor2d(values, [rows, n]);
    });
    return { masks, keepProbability: 1 - this.dropoutRate };
  }

  private gather(images: Uint8Array, labels: Uint8Array, indices: Int32Array, pixelScale: number): Batch {
    // array_split batches differ by at most one row: one reusable buffer per size.
    let buffer = this.batchBuffers.get(indices.length);
    if (!buffer) {
      buffer = { x: new Float32Array(indices.length * this.spec.inputSize), y: new Int32Array(indices.length) };
      this.batchBuffers.set(indices.length, buffer);
    }
    return gatherBatch(images, labels, indices, this.spec.inputSize, pixelScale, buffer);
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('this tfjs engine was disposed; create a new one');
  }
}

/**
 * Creates the tfjs engine (the EngineFactory registered as `tfjs`).
 * @example const engine = await createTfjsEngine({ spec: DEFAULT_MODEL_SPEC, optimizer: { name: 'sgd', learningRate: 0.01 } });
 */
export function createTfjsEngine(options: EngineOptions): Promise<TfjsEngine> {
  return TfjsEngine.create(options);
}
