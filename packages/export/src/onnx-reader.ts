// Reads an .onnx file back into a plain summary: for tests, `mnist inspect`, and checking a file is ours.
import { OnnxFormatError } from '@mnist/core';
import { ELEM_TYPE_CODES, type Dim, type ElemType } from './graph-builder.js';
import { modelProtoType, TensorDataType, type ModelProto, type TensorProto, type ValueInfoProto } from './onnx-proto.js';

// One error class for unreadable .onnx bytes across the SDK: core's, so `instanceof` holds whichever
// reader (this full decoder or core's header walk) refused the file.
export { OnnxFormatError };

/** A graph input or output. */
export interface OnnxValueSummary {
  name: string;
  /** ONNX TensorProto.DataType code. */
  elemType: number;
  /** The element type's name, or `onnx:<code>` for types this package does not name. */
  dtype: ElemType | `onnx:${number}`;
  /** Fixed sizes as numbers, symbolic dimensions (e.g. 'batch') as strings, unknown ones as '?'. */
  dims: Dim[];
}

/** An initializer with its values decoded (float32 as Float32Array, int64 as BigInt64Array, ...). */
export interface OnnxInitializerSummary {
  name: string;
  dtype: ElemType | `onnx:${number}`;
  dims: number[];
  values: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Int8Array;
}

export interface OnnxNodeSummary {
  opType: string;
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
}

/** What `readOnnx` returns. */
export interface OnnxModelSummary {
  irVersion: number;
  opsetImports: { domain: string; version: number }[];
  /** The ai.onnx opset version (domain '' or 'ai.onnx'). */
  opset: number | undefined;
  producerName: string;
  producerVersion: string;
  docString: string;
  graphName: string;
  metadata: Record<string, string>;
  inputs: OnnxValueSummary[];
  outputs: OnnxValueSummary[];
  initializers: OnnxInitializerSummary[];
  nodes: OnnxNodeSummary[];
}

/**
 * Decodes the bytes of an .onnx file into a ModelProto object (int64 fields as numbers). Throws
 * OnnxFormatError naming `source` when the bytes are not an ONNX model.
 * @example const model = decodeModel(bytes, 'model.onnx');
 */
export function decodeModel(bytes: Uint8Array, source = 'model.onnx'): ModelProto {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array');
  const type = modelProtoType();
  let model: ModelProto;
  try {
    const message = type.decode(bytes);
    model = type.toObject(message, { longs: Number, defaults: false, arrays: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new OnnxFormatError(source, `is not an ONNX model (protobuf decoding failed: ${reason})`);
  }
  // Random bytes can decode as protobuf by chance; a real model always has these three.
  if (!model.ir_version || !model.graph || !model.opset_import?.length) {
    throw new OnnxFormatError(source, 'is not an ONNX model (no IR version, graph or opset import)');
  }
  return model;
}

/**
 * Reads an .onnx file's inputs, outputs, versions, producer, metadata, initializers and nodes.
 * @example const summary = readOnnx(await readFile('model.onnx'), 'model.onnx'); summary.metadata['mnist.labels'];
 */
export function readOnnx(bytes: Uint8Array, source = 'model.onnx'): OnnxModelSummary {
  const model = decodeModel(bytes, source);
  const graph = model.graph ?? {};
  const opsetImports = (model.opset_import ?? []).map((o) => ({ domain: o.domain ?? '', version: o.version ?? 0 }));
  const metadata: Record<string, string> = {};
  // Keys come from the file: `metadata[key] = v` would drop "__proto__" (or set the prototype), so define.
  for (const entry of model.metadata_props ?? []) {
    Object.defineProperty(metadata, entry.key ?? '', { value: entry.value ?? '', enumerable: true, writable: true, configurable: true });
  }
  const initializerNames = new Set((graph.initializer ?? []).map((t) => t.name));
  return {
    irVersion: model.ir_version ?? 0,
    opsetImports,
    opset: opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version,
    producerName: model.producer_name ?? '',
    producerVersion: model.producer_version ?? '',
    docString: model.doc_string ?? '',
    graphName: graph.name ?? '',
    metadata,
    // Before IR 4 initializers had to be listed as inputs too; those are not inputs a caller feeds.
    inputs: (graph.input ?? []).filter((v) => !initializerNames.has(v.name)).map((v) => valueSummary(v, source)),
    outputs: (graph.output ?? []).map((v) => valueSummary(v, source)),
    initializers: (graph.initializer ?? []).map((t) => initializerSummary(t, source)),
    nodes: (graph.node ?? []).map((n) => ({
      opType: n.op_type ?? '',
      domain: n.domain ?? '',
      name: n.name ?? '',
      inputs: n.input ?? [],
      outputs: n.output ?? [],
    })),
  };
}

const NAMES_BY_CODE = new Map<number, ElemType>(
  Object.entries(ELEM_TYPE_CODES).map(([name, code]) => [code, name as ElemType]),
);

function dtypeName(code: number): ElemType | `onnx:${number}` {
  return NAMES_BY_CODE.get(code) ?? `onnx:${code}`;
}

function valueSummary(value: ValueInfoProto, source: string): OnnxValueSummary {
  const tensor = value.type?.tensor_type;
  if (!tensor) throw new OnnxFormatError(source, `graph value ${value.name} is not a tensor`);
  const elemType = tensor.elem_type ?? 0;
  return {
    name: value.name ?? '',
    elemType,
    dtype: dtypeName(elemType),
    dims: (tensor.shape?.dim ?? []).map((d) => d.dim_param ?? d.dim_value ?? '?'),
  };
}

/**
 * Decodes one TensorProto (an initializer, or a Constant node's `value`) as `readOnnx` decodes
 * initializers, with the same bounds. Throws OnnxFormatError naming `source` and the tensor.
 * @example const { dims, values } = decodeTensor(node.attribute[0].t, 'model.onnx');
 */
export function decodeTensor(tensor: TensorProto, source = 'model.onnx'): OnnxInitializerSummary {
  return initializerSummary(tensor, source);
}

// Every array made here is sized by data the buffer holds (raw_data's length, a packed field's
// elements), never by the dims a tensor claims: dims only have to agree with the data, checked before
// raw data is copied, so a tensor claiming 2^40 elements is refused, not allocated.
function initializerSummary(tensor: TensorProto, source: string): OnnxInitializerSummary {
  const name = tensor.name ?? '';
  const dims = tensor.dims ?? [];
  const code = tensor.data_type ?? 0;
  const raw = tensor.raw_data && tensor.raw_data.length > 0 ? tensor.raw_data : undefined;
  const fail = (what: string): never => {
    throw new OnnxFormatError(source, `initializer ${name}: ${what}`);
  };
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`has dims [${dims}], expected non-negative integers`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (tensor.data_location === 1) {
    const location = tensor.external_data?.find((e) => e.key === 'location')?.value ?? '';
    fail(`stores its data in the external file ${JSON.stringify(location)}, which this reader does not follow`);
  }
  const fromRaw = <T>(width: number, make: (buffer: ArrayBuffer) => T): T => {
    if (raw!.length !== count * width) fail(`has ${raw!.length} bytes of data for dims [${dims}] (${count * width} expected)`);
    // Copy into an aligned buffer of its own: raw_data may be a Node Buffer view at any offset of a
    // shared pool (Buffer#slice does not copy). Typed arrays read little-endian, like every platform we run on.
    const copy = new Uint8Array(raw!.length);
    copy.set(raw!);
    return make(copy.buffer);
  };
  let values: OnnxInitializerSummary['values'];
  switch (code) {
    case TensorDataType.FLOAT:
      values = raw ? fromRaw(4, (b) => new Float32Array(b)) : Float32Array.from(tensor.float_data ?? []);
      break;
    case TensorDataType.DOUBLE:
      values = raw ? fromRaw(8, (b) => new Float64Array(b)) : Float64Array.from(tensor.double_data ?? []);
      break;
    case TensorDataType.INT64:
      values = raw ? fromRaw(8, (b) => new BigInt64Array(b)) : BigInt64Array.from(tensor.int64_data ?? [], (v) => BigInt(v));
      break;
    case TensorDataType.INT32:
      values = raw ? fromRaw(4, (b) => new Int32Array(b)) : Int32Array.from(tensor.int32_data ?? []);
      break;
    case TensorDataType.UINT8:
    case TensorDataType.BOOL:
      values = raw ? fromRaw(1, (b) => new Uint8Array(b)) : Uint8Array.from(tensor.int32_data ?? []);
      break;
    case TensorDataType.INT8:
      values = raw ? fromRaw(1, (b) => new Int8Array(b)) : Int8Array.from(tensor.int32_data ?? []);
      break;
    default:
      return fail(`has data type ${code}, which this reader does not decode`);
  }
  if (values.length !== count) fail(`has ${values.length} values for dims [${dims}] (${count} expected)`);
  return { name, dtype: dtypeName(code), dims, values };
}
