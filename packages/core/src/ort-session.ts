// onnxruntime's JavaScript sessions adapted to the facade's RuntimeSession. onnxruntime-node and
// onnxruntime-web share one session API (onnxruntime-common's), so one adapter serves both; it is typed
// by shape, so core imports neither runtime and each runtime package passes its own Tensor.
import { ModelLoadError } from './model-load-error.js';
import type { InferenceRuntime, RuntimeFeed, RuntimeOutputs, RuntimeSession, RuntimeValueInfo } from './inference-runtime.js';
import { oneLine } from './one-line.js';
import type { ExternalDataFile } from './onnx-external-data.js';

/** A graph input or output as onnxruntime's session metadata describes it. */
export type OrtValueMetadata =
  | { readonly name: string; readonly isTensor: false }
  | { readonly name: string; readonly isTensor: true; readonly type: string; readonly shape: ReadonlyArray<number | string> };

/** The part of onnxruntime's InferenceSession the classifier uses; `T` is the runtime's Tensor. */
export interface OrtSessionLike<T> {
  readonly inputMetadata: readonly OrtValueMetadata[];
  readonly outputMetadata: readonly OrtValueMetadata[];
  run(feeds: Record<string, T>, fetches: readonly string[]): Promise<Record<string, { readonly data: unknown }>>;
  release(): Promise<void>;
}

/**
 * Wraps an onnxruntime session as a RuntimeSession: each run feeds the model's own input under its
 * name and dims as a float32 tensor made by `tensor`, and returns the fetched outputs' flat typed arrays.
 * @example
 * const session = ortRuntimeSession(await InferenceSession.create(bytes), (x, dims) => new Tensor('float32', x, dims));
 */
export function ortRuntimeSession<T>(session: OrtSessionLike<T>, tensor: (x: Float32Array, dims: readonly number[]) => T): RuntimeSession {
  return {
    inputs: session.inputMetadata.map(valueInfo),
    outputs: session.outputMetadata.map(valueInfo),
    async run(feed: RuntimeFeed, fetches: readonly string[]): Promise<RuntimeOutputs> {
      const result = await session.run({ [feed.name]: tensor(feed.data, feed.dims) }, fetches);
      const out: Record<string, unknown> = {};
      for (const name of fetches) out[name] = result[name]?.data;
      return out;
    },
    release: () => session.release(),
  };
}

/**
 * The facade's runtime on an onnxruntime package: `create` is that package's InferenceSession.create
 * with its options bound, passing `externalData` (when the model has any) as the session option of
 * that name, so onnxruntime takes every external file from the loader instead of reading one itself;
 * `tensor` makes its float32 Tensor. A model the runtime refuses throws a ModelLoadError naming
 * `source` and the runtime, with the first line of onnxruntime's reason.
 * @example
 * const runtime = ortInferenceRuntime(
 *   'onnxruntime-node',
 *   (model, externalData) => InferenceSession.create(model, { executionProviders: ['cpu'], ...(externalData && { externalData }) }),
 *   (x, dims) => new Tensor('float32', x, dims),
 * );
 */
export function ortInferenceRuntime<T>(
  name: string,
  create: (model: Uint8Array, externalData?: readonly ExternalDataFile[]) => Promise<OrtSessionLike<T>>,
  tensor: (x: Float32Array, dims: readonly number[]) => T,
): InferenceRuntime {
  return {
    name,
    async createSession(model: Uint8Array, source: string, externalData?: readonly ExternalDataFile[]): Promise<RuntimeSession> {
      let session: OrtSessionLike<T>;
      try {
        session = await create(model, externalData?.map(ortExternalDataKey));
      } catch (error) {
        // onnxruntime's load errors carry native stack detail on later lines: its reason is the first.
        throw new ModelLoadError(source, `${name} could not load the model: ${oneLine(error, { firstLine: true })}`, { cause: error });
      }
      return ortRuntimeSession(session, tensor);
    },
  };
}

// onnxruntime (node and web, 1.30) drops one leading './' from each externalData path but looks the
// model's location up as written, so a location './w.bin' is only found under the key '././w.bin'.
function ortExternalDataKey(file: ExternalDataFile): ExternalDataFile {
  return file.path.startsWith('./') ? { path: `./${file.path}`, data: file.data } : file;
}

function valueInfo(meta: OrtValueMetadata): RuntimeValueInfo {
  return meta.isTensor ? { name: meta.name, type: meta.type, shape: meta.shape } : { name: meta.name, type: 'non-tensor', shape: [] };
}
