// The seam between the classifier facade and an ONNX runtime (onnxruntime-node, onnxruntime-web): a
// session that is fed one named float tensor and returns the outputs asked for, as flat arrays.
import type { ExternalDataFile } from './onnx-external-data.js';

/** A graph input or output as the runtime reports it. */
export interface RuntimeValueInfo {
  name: string;
  /** Element type ('float32', 'int64', ...); undefined for non-tensors. */
  type?: string;
  /** Dimensions; a string is a symbolic dimension such as 'batch'. Empty when unknown. */
  shape: ReadonlyArray<number | string>;
}

/** The one tensor a run feeds: the model's image input under its own name and dims. */
export interface RuntimeFeed {
  name: string;
  /** Row-major float32 values, as many as `dims` multiply to. */
  data: Float32Array;
  dims: readonly number[];
}

/** What a run returns, per requested output name: its flat row-major data (Float32Array, BigInt64Array, ...). */
export type RuntimeOutputs = Readonly<Record<string, unknown>>;

/** A loaded model on one runtime. */
export interface RuntimeSession {
  readonly inputs: readonly RuntimeValueInfo[];
  readonly outputs: readonly RuntimeValueInfo[];
  /** Runs the model on `feed` and returns the outputs named in `fetches`. */
  run(feed: RuntimeFeed, fetches: readonly string[]): Promise<RuntimeOutputs>;
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
