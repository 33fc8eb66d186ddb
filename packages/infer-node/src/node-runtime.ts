// The InferenceRuntime of @mnist/core on onnxruntime-node: session options mapped in one place, and
// onnxruntime's sessions adapted to the facade's RuntimeSession.
import {
  ModelLoadError,
  ONNX_INPUT,
  IMAGE_PIXELS,
  type ClassifierOutputName,
  type InferenceRuntime,
  type RuntimeOutputs,
  type RuntimeSession,
  type RuntimeValueInfo,
} from '@mnist/core';
import { InferenceSession, Tensor, listSupportedBackends } from 'onnxruntime-node';

/** How onnxruntime-node runs the model. */
export interface NodeClassifierOptions {
  /** Threads inside one operator (matrix products). Default: onnxruntime's choice (one per core). */
  intraOpNumThreads?: number;
  /** Threads across independent operators. Default: onnxruntime's choice. */
  interOpNumThreads?: number;
  /** Execution providers in order of preference; default ['cpu']. See {@link nodeExecutionProviders}. */
  executionProviders?: string[];
  /** Graph optimizations before running. Default 'all'. */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

const OPTIMIZATION_LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;

/**
 * Execution providers this onnxruntime-node build knows (e.g. cpu, webgpu, cuda, tensorrt; cuda and
 * tensorrt also need their libraries installed).
 * @example nodeExecutionProviders() // ['cpu', 'webgpu', 'cuda', 'tensorrt']
 */
export function nodeExecutionProviders(): string[] {
  return listSupportedBackends().map((backend) => backend.name);
}

/**
 * Validates options and maps them to onnxruntime-node's session options.
 * @example sessionOptions({ intraOpNumThreads: 1 }).executionProviders // ['cpu']
 */
export function sessionOptions(options: NodeClassifierOptions): InferenceSession.SessionOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const threads = (name: 'intraOpNumThreads' | 'interOpNumThreads'): number | undefined => {
    const value = options[name];
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      throw new RangeError(`options.${name} must be a non-negative integer (0 = onnxruntime's default), got ${value}`);
    }
    return value;
  };
  const providers = options.executionProviders ?? ['cpu'];
  if (!Array.isArray(providers) || providers.length === 0) {
    throw new TypeError('options.executionProviders must be a non-empty array of names');
  }
  const valid = nodeExecutionProviders();
  for (const provider of providers) {
    if (!valid.includes(provider)) {
      throw new RangeError(`options.executionProviders: unknown execution provider ${JSON.stringify(provider)}; valid choices: ${valid.join(', ')}`);
    }
  }
  const level = options.graphOptimizationLevel ?? 'all';
  if (!OPTIMIZATION_LEVELS.includes(level)) {
    throw new RangeError(`options.graphOptimizationLevel must be one of ${OPTIMIZATION_LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  }
  const result: InferenceSession.SessionOptions = { executionProviders: providers, graphOptimizationLevel: level };
  const intra = threads('intraOpNumThreads');
  const inter = threads('interOpNumThreads');
  if (intra !== undefined) result.intraOpNumThreads = intra;
  if (inter !== undefined) result.interOpNumThreads = inter;
  return result;
}

/**
 * The facade's runtime on onnxruntime-node with the given options.
 * @example const runtime = nodeRuntime({ intraOpNumThreads: 1 });
 */
export function nodeRuntime(options: NodeClassifierOptions = {}): InferenceRuntime {
  const ortOptions = sessionOptions(options);
  return {
    name: 'onnxruntime-node',
    async createSession(model: Uint8Array, source: string): Promise<RuntimeSession> {
      let session: InferenceSession;
      try {
        session = await InferenceSession.create(model, ortOptions);
      } catch (error) {
        throw new ModelLoadError(`${source}: onnxruntime-node could not load the model: ${firstLine(error)}`);
      }
      return new NodeSession(session);
    },
  };
}

class NodeSession implements RuntimeSession {
  readonly inputs: readonly RuntimeValueInfo[];
  readonly outputs: readonly RuntimeValueInfo[];

  constructor(private readonly session: InferenceSession) {
    this.inputs = session.inputMetadata.map(valueInfo);
    this.outputs = session.outputMetadata.map(valueInfo);
  }

  async run(x: Float32Array, batchSize: number, outputs: readonly ClassifierOutputName[]): Promise<RuntimeOutputs> {
    const feeds = { [ONNX_INPUT]: new Tensor('float32', x, [batchSize, IMAGE_PIXELS]) };
    const result = await this.session.run(feeds, outputs);
    const out: RuntimeOutputs = {};
    for (const name of outputs) {
      const data = result[name]?.data;
      if (name === 'classes') out.classes = data as BigInt64Array;
      else out[name] = data as Float32Array;
    }
    return out;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

function valueInfo(meta: InferenceSession.ValueMetadata): RuntimeValueInfo {
  return meta.isTensor ? { name: meta.name, type: meta.type, shape: meta.shape } : { name: meta.name, type: 'non-tensor', shape: [] };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].trim();
}
