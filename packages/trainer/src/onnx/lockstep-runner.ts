// Plain SGD steps split across cores by the native lockstep runner (native/lockstep.cc): each core holds a
// slice of the first hidden layer and runs its slice graph on ONNX Runtime's C API, all slices in step.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { layerNames, type ModelSpec, type NamedWeight } from '@mnist/core';
import { buildSliceGraphs, partialName, sliceState, SPLIT_GRAPH_NAMES, updatedWeightName } from '@mnist/export';
import type { ResolvedOptimizer } from '../optimizer-slots.js';

/** The addon's calls (native/lockstep.cc). */
interface LockstepAddon {
  open(library: string, slices: { step: Uint8Array; prologue: Uint8Array }[]): unknown;
  run(runner: unknown, job: LockstepJob): Promise<void>;
  close(runner: unknown): void;
}

interface Binding {
  name: string;
  data: Float32Array | Int32Array | Uint8Array;
  shape: number[];
  output?: boolean;
}

interface LockstepJob {
  steps: number;
  stepInput: string;
  nextInput: string;
  lossOutput: string;
  losses: Float32Array;
  slices: { prologue: Binding[]; step: [Binding[], Binding[]] }[];
}

/** Where `npm run build` puts the addon (scripts/build-native.mjs), found from src/onnx and dist/onnx alike. */
export const LOCKSTEP_ADDON_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'native', 'lockstep.node');

/**
 * Why the lockstep runner cannot train this run on `cores` cores (the first reason), or undefined when it can.
 * @example lockstepRefusal(spec, adam, 0, 'onnxruntime-node') // 'it runs plain SGD, not adam'
 */
export function lockstepRefusal(
  spec: ModelSpec,
  optimizer: ResolvedOptimizer,
  dropoutRate: number,
  backend: string,
  cores = 2,
  available = availableParallelism(),
  frozenLayers: readonly string[] = [],
): string | undefined {
  if (backend !== 'onnxruntime-node') return `it runs on onnxruntime-node, not ${backend}`;
  if (process.platform !== 'linux') return `it is built for Linux only, not ${process.platform}`;
  if (available < cores) return `it needs ${cores} cores and this process may use ${available}`;
  if (optimizer.name !== 'sgd') return `it runs plain SGD, not ${optimizer.name}`;
  if (dropoutRate > 0) return 'it runs without dropout';
  if (frozenLayers.length > 0) return `it trains every layer, and ${frozenLayers.join(', ')} ${frozenLayers.length === 1 ? 'is' : 'are'} frozen`;
  if (spec.layers !== undefined) return 'it trains the MLP, not a convolutional network';
  if (spec.hiddenUnits.length < 1 || spec.hiddenUnits[0] < cores) return `it needs a first hidden layer of ${cores} units or more`;
  if (!existsSync(LOCKSTEP_ADDON_PATH)) return 'its addon is not built (`npm run build` builds it with node-gyp and a C++ compiler)';
  return undefined;
}

/** The shared library onnxruntime-node loads, which the addon drives through the C API. */
function onnxRuntimeLibrary(): string {
  const require = createRequire(import.meta.url);
  const binding = require.resolve(`onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`);
  return join(dirname(binding), 'libonnxruntime.so.1');
}

/**
 * Splits the first hidden layer's units into `count` nearly equal slices, the larger ones first.
 * @example sliceWidths(300, 2) // [150, 150]
 */
export function sliceWidths(units: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => Math.floor(units / count) + (k < units % count ? 1 : 0));
}

/** A tensor of a slice, double-buffered: a step reads one copy and writes the other. */
type Pair = [Float32Array, Float32Array];

interface SliceBuffers {
  units: number;
  /** Weights in `sliceState` order. */
  state: Pair[];
  /** The batch's pixels as floats, the slice's pre-activation, activation and partial sum of it, sized for the largest batch. */
  input: Pair;
  preActivation: Pair;
  activation: Pair;
  partial: Pair;
}

/**
 * The weights of one training run held as slices, and the sessions (one set per pixel scale) that train
 * them in lockstep, one core a slice.
 */
export class LockstepRunner {
  private readonly addon: LockstepAddon;
  private readonly spec: ModelSpec;
  private readonly learningRate: number;
  private readonly slices: SliceBuffers[];
  private readonly runners = new Map<number, unknown>();
  private readonly library = onnxRuntimeLibrary();
  /** Which copy of every pair holds the current weights. */
  private current = 0;
  private rows = 0;
  private disposed = false;

  /** Loads the addon and checks that it can drive this ONNX Runtime (throws with the reason if not). */
  constructor(spec: ModelSpec, learningRate: number, cores = 2) {
    this.addon = createRequire(import.meta.url)(LOCKSTEP_ADDON_PATH) as LockstepAddon;
    // A runner of no slices: loads the library and its C API, starts nothing.
    this.addon.close(this.addon.open(this.library, []));
    this.spec = spec;
    this.learningRate = learningRate;
    this.slices = sliceWidths(spec.hiddenUnits[0], cores).map((units) => ({
      units,
      state: sliceState(spec, units).map(({ shape }) => pair(shape.reduce((a, b) => a * b, 1))),
      input: pair(0),
      preActivation: pair(0),
      activation: pair(0),
      partial: pair(0),
    }));
  }

  get cores(): number {
    return this.slices.length;
  }

  /** Splits the model weights (checkpoint names, kernels [fan_in, fan_out]) into the slices. */
  setWeights(weights: Map<string, NamedWeight>): void {
    const [first, second] = layerNames(this.spec);
    let column = 0;
    for (const slice of this.slices) {
      sliceState(this.spec, slice.units).forEach(({ name }, i) => {
        const target = slice.state[i][this.current];
        const source = (weights.get(name) as NamedWeight).values;
        if (name === first.kernel) copyColumns(source, first.fanOut, column, target, slice.units);
        else if (name === first.bias) target.set(source.subarray(column, column + slice.units));
        else if (name === second.kernel) target.set(source.subarray(column * second.fanOut, (column + slice.units) * second.fanOut));
        else target.set(source);
      });
      column += slice.units;
    }
  }

  /** Joins the slices back into the model weights; the shared ones are read from the first slice. */
  weights(): Map<string, NamedWeight> {
    const [first, second] = layerNames(this.spec);
    const out = new Map<string, NamedWeight>();
    for (const { name, shape } of sliceState(this.spec, this.spec.hiddenUnits[0])) {
      out.set(name, { name, shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    }
    let column = 0;
    for (const slice of this.slices) {
      sliceState(this.spec, slice.units).forEach(({ name }, i) => {
        const source = slice.state[i][this.current];
        const target = (out.get(name) as NamedWeight).values;
        if (name === first.kernel) copyColumns(source, slice.units, 0, target, slice.units, column);
        else if (name === first.bias) target.set(source, column);
        else if (name === second.kernel) target.set(source, column * second.fanOut);
        else if (slice === this.slices[0]) target.set(source);
      });
      column += slice.units;
    }
    return out;
  }

  /**
   * One SGD step per batch of the block: `batches` holds the rows (into `images` [count, inputSize] and
   * `labels` [count], the whole set) of `steps` batches of `batchSize`, which the slice graphs index
   * themselves. Resolves to each step's loss, taken before its update.
   */
  async runBlock(images: Uint8Array, labels: Uint8Array, batches: Int32Array, steps: number, batchSize: number, pixelScale: number): Promise<Float32Array> {
    if (this.disposed) throw new Error('the lockstep runner was disposed');
    this.ensureRows(batchSize);
    const runner = this.runner(pixelScale);
    const losses = new Float32Array(steps);
    const N = SPLIT_GRAPH_NAMES;
    const dataSet: Binding[] = [
      { name: N.images, data: images, shape: [labels.length, this.spec.inputSize] },
      { name: N.batches, data: batches, shape: [steps, batchSize] },
    ];
    const labelsBinding: Binding = { name: N.labels, data: labels, shape: [labels.length] };
    const partialWidth = layerNames(this.spec)[1].fanOut;
    const inputSize = this.spec.inputSize;
    const rows = (p: Pair, copy: number, width: number) => p[copy].subarray(0, batchSize * width);
    const job: LockstepJob = {
      steps,
      stepInput: N.step,
      nextInput: N.nextStep,
      lossOutput: N.loss,
      losses,
      slices: this.slices.map((slice) => {
        const names = sliceState(this.spec, slice.units);
        // What a run leaves for the next: batch t+1's input and its pass through the slice.
        const prepared = (copy: number): Binding[] => [
          { name: N.nextInput, data: rows(slice.input, copy, inputSize), shape: [batchSize, inputSize], output: true },
          { name: N.nextPreActivation, data: rows(slice.preActivation, copy, slice.units), shape: [batchSize, slice.units], output: true },
          { name: N.nextActivation, data: rows(slice.activation, copy, slice.units), shape: [batchSize, slice.units], output: true },
          { name: N.nextPartial, data: rows(slice.partial, copy, partialWidth), shape: [batchSize, partialWidth], output: true },
        ];
        const carried = (read: number, write: number): Binding[] => [
          { name: N.input, data: rows(slice.input, read, inputSize), shape: [batchSize, inputSize] },
          { name: N.preActivation, data: rows(slice.preActivation, read, slice.units), shape: [batchSize, slice.units] },
          { name: N.activation, data: rows(slice.activation, read, slice.units), shape: [batchSize, slice.units] },
          ...this.slices.map((other, j) => ({ name: partialName(j), data: rows(other.partial, read, partialWidth), shape: [batchSize, partialWidth] })),
          ...prepared(write),
          ...names.flatMap(({ name, shape }, i) => [
            { name, data: slice.state[i][read], shape },
            { name: updatedWeightName(name), data: slice.state[i][write], shape, output: true },
          ]),
        ];
        const a = this.current;
        const b = 1 - a;
        return {
          // The prologue prepares the first step's inputs (copy a) from the current weights.
          prologue: [...dataSet, ...names.slice(0, 3).map(({ name, shape }, i) => ({ name, data: slice.state[i][a], shape })), ...prepared(a)],
          step: [
            [...dataSet, labelsBinding, ...carried(a, b)],
            [...dataSet, labelsBinding, ...carried(b, a)],
          ],
        };
      }),
    };
    try {
      await this.addon.run(runner, job);
    } catch (error) {
      // The weights after the last step every slice completed are whole in the copy that step wrote.
      const completed = (error as { completedSteps?: unknown }).completedSteps;
      if (typeof completed === 'number' && completed % 2 === 1) this.current = 1 - this.current;
      throw error;
    }
    if (steps % 2 === 1) this.current = 1 - this.current;
    return losses;
  }

  /** Stops the runner's threads and frees its sessions (after the block in training, if one is). */
  dispose(): void {
    this.disposed = true;
    for (const runner of this.runners.values()) this.addon.close(runner);
    this.runners.clear();
  }

  private runner(pixelScale: number): unknown {
    let runner = this.runners.get(pixelScale);
    if (runner === undefined) {
      const sliceUnits = this.slices.map((s) => s.units);
      const graphs = this.slices.map((_, k) => buildSliceGraphs(this.spec, k, { sliceUnits, learningRate: this.learningRate, pixelScale }));
      runner = this.addon.open(this.library, graphs);
      this.runners.set(pixelScale, runner);
    }
    return runner;
  }

  /** Grows the per-batch buffers to `batchSize` rows. */
  private ensureRows(batchSize: number): void {
    if (batchSize <= this.rows) return;
    const partialWidth = layerNames(this.spec)[1].fanOut;
    for (const slice of this.slices) {
      slice.input = pair(batchSize * this.spec.inputSize);
      slice.preActivation = pair(batchSize * slice.units);
      slice.activation = pair(batchSize * slice.units);
      slice.partial = pair(batchSize * partialWidth);
    }
    this.rows = batchSize;
  }
}

function pair(size: number): Pair {
  return [new Float32Array(size), new Float32Array(size)];
}

/** Copies `width` columns of a row-major matrix with `sourceWidth` columns from `sourceColumn` on, into `target` at `targetColumn`. */
function copyColumns(source: Float32Array, sourceWidth: number, sourceColumn: number, target: Float32Array, width: number, targetColumn = 0): void {
  const rows = source.length / sourceWidth;
  const targetWidth = target.length / rows;
  for (let r = 0; r < rows; r++) {
    target.set(source.subarray(r * sourceWidth + sourceColumn, r * sourceWidth + sourceColumn + width), r * targetWidth + targetColumn);
  }
}
