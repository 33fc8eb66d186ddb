// The InferenceRuntime of @mnist/core on onnxruntime-node: session options mapped in one place, and
// onnxruntime's sessions adapted to the facade's RuntimeSession (by core's ortInferenceRuntime).
import { ortInferenceRuntime, type ClassifierLoadOptions, type InferenceRuntime } from '@mnist/core';
import { InferenceSession, Tensor, listSupportedBackends } from 'onnxruntime-node';

/**
 * How onnxruntime-node runs the model, beside the classifier's own load options (input and output
 * names, output kind, normalization, labels, maxModelBytes) from ClassifierLoadOptions.
 */
export interface NodeClassifierOptions extends ClassifierLoadOptions {
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
 * The onnxruntime-node session options this package sets: a structural subset of onnxruntime's
 * InferenceSession.SessionOptions, so that this package's type declarations never load onnxruntime's,
 * which need the DOM lib (ImageData, WebGLTexture) that a Node project does not have.
 */
export interface NodeSessionOptions {
  executionProviders: string[];
  graphOptimizationLevel: (typeof OPTIMIZATION_LEVELS)[number];
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
}

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
export function sessionOptions(options: NodeClassifierOptions): NodeSessionOptions {
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
  const result: NodeSessionOptions = { executionProviders: providers, graphOptimizationLevel: level };
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
  return ortInferenceRuntime(
    'onnxruntime-node',
    // externalData: onnxruntime takes every external file from the loader and reads none itself.
    (model, externalData) => InferenceSession.create(model, externalData ? { ...ortOptions, externalData } : ortOptions),
    (x, dims) => new Tensor('float32', x, dims),
  );
}
