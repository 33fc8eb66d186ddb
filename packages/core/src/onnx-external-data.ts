// Finds the tensors of an ONNX model that keep their data in an external file (data_location EXTERNAL)
// and checks where they point. Why: ONNX Runtime resolves such a location against the model's folder
// when it knows one and against the process's working directory when the model came as bytes, so the
// loaders (prepareModel) find every reference first, refuse them for bytes, keep them inside the
// model's folder otherwise, and hand ONNX Runtime the data themselves.
import { OnnxFormatError } from './onnx-model-info.js';
import { protobufFields, utf8, WIRE_LENGTH_DELIMITED, WIRE_VARINT, type ProtobufField } from './protobuf-wire.js';

/** One tensor whose data lives in an external file. */
export interface ExternalDataReference {
  /** The tensor's name (an initializer, or a tensor attribute such as a Constant's value). */
  tensor: string;
  /** The `location` entry as written in the model: a path relative to the model's folder. */
  location: string;
  /** Byte offset of the data in that file (0 when not given). */
  offset: number;
  /** Byte length of the data, when given (else: to the end of the file). */
  length?: number;
}

/** The data of one external file, for ONNX Runtime's `externalData` session option. */
export interface ExternalDataFile {
  /** The location exactly as the model writes it (ONNX Runtime matches it by this string). */
  path: string;
  data: Uint8Array;
}

// Field numbers (onnx.proto3) of every message on a path from ModelProto to a TensorProto.
const MODEL = { graph: 7, trainingInfo: 20, functions: 25 } as const;
const TRAINING_INFO = { initialization: 1, algorithm: 2 } as const;
const FUNCTION = { node: 7 } as const;
const GRAPH = { node: 1, initializer: 5, sparseInitializer: 15 } as const;
const NODE = { attribute: 5 } as const;
const ATTRIBUTE = { t: 5, g: 6, tensors: 10, graphs: 11, sparseTensor: 22, sparseTensors: 23 } as const;
const SPARSE_TENSOR = { values: 1, indices: 2 } as const;
const TENSOR = { name: 8, externalData: 13, dataLocation: 14 } as const;
const DATA_LOCATION_EXTERNAL = 1;

// Subgraphs (If/Loop/Scan bodies) nest; ONNX Runtime's protobuf stops at 100 levels of messages. Each
// graph level is four messages deep here, so 64 graphs is beyond any real model and bounds the walk's stack.
const MAX_GRAPH_DEPTH = 64;

/** ONNX Runtime's marker for data at a raw memory address: never acceptable from a file. */
const ORT_MEMORY_MARKER = '*/_ORT_MEM_ADDR_/*';

/**
 * Every tensor of the model in `bytes` stored with data_location EXTERNAL: graph and subgraph
 * initializers, sparse initializers, tensor attributes and function bodies. Walks the protobuf fields
 * without decoding weights. Throws OnnxFormatError naming `source` for malformed references.
 * @example externalDataReferences(bytes, 'model.onnx') // [{ tensor: 'dnn/hidden1/kernel', location: 'weights.bin', offset: 0, length: 50176 }]
 */
export function externalDataReferences(bytes: Uint8Array, source = 'model'): ExternalDataReference[] {
  const found: ExternalDataReference[] = [];
  const fail = (why: string): never => {
    throw new OnnxFormatError(source, why);
  };
  const messages = (start: number, end: number, wanted: readonly number[], visit: (field: ProtobufField) => void): void => {
    for (const field of protobufFields(bytes, start, end)) {
      if (field.wireType === WIRE_LENGTH_DELIMITED && wanted.includes(field.number)) visit(field);
    }
  };
  const tensor = (t: ProtobufField): void => {
    let name = '';
    let external = false;
    const entries: [string, string][] = [];
    for (const f of protobufFields(bytes, t.start, t.end)) {
      if (f.number === TENSOR.name && f.wireType === WIRE_LENGTH_DELIMITED) name = utf8(bytes, f);
      else if (f.number === TENSOR.dataLocation && f.wireType === WIRE_VARINT) external = f.varint === DATA_LOCATION_EXTERNAL;
      else if (f.number === TENSOR.externalData && f.wireType === WIRE_LENGTH_DELIMITED) {
        let key = '';
        let value = '';
        for (const e of protobufFields(bytes, f.start, f.end)) {
          if (e.number === 1) key = utf8(bytes, e);
          else if (e.number === 2) value = utf8(bytes, e);
        }
        entries.push([key, value]);
      }
    }
    if (!external) return;
    const entry = (key: string): string | undefined => entries.find(([k]) => k === key)?.[1];
    const location = entry('location');
    if (location === undefined || location === '') fail(`tensor ${name} has data_location EXTERNAL but no location`);
    const count = (key: 'offset' | 'length'): number | undefined => {
      const text = entry(key);
      if (text === undefined) return undefined;
      const n = /^\d+$/.test(text) ? Number(text) : NaN;
      return Number.isSafeInteger(n) ? n : fail(`tensor ${name}: external data ${key} ${JSON.stringify(text)} is not a non-negative integer`);
    };
    const length = count('length');
    found.push({ tensor: name, location: location!, offset: count('offset') ?? 0, ...(length === undefined ? {} : { length }) });
  };
  const sparse = (s: ProtobufField): void => messages(s.start, s.end, [SPARSE_TENSOR.values, SPARSE_TENSOR.indices], tensor);
  const node = (n: ProtobufField, depth: number): void =>
    messages(n.start, n.end, [NODE.attribute], (a) =>
      messages(a.start, a.end, Object.values(ATTRIBUTE), (f) => {
        if (f.number === ATTRIBUTE.t || f.number === ATTRIBUTE.tensors) tensor(f);
        else if (f.number === ATTRIBUTE.sparseTensor || f.number === ATTRIBUTE.sparseTensors) sparse(f);
        else graph(f, depth + 1);
      }),
    );
  const graph = (g: ProtobufField, depth: number): void => {
    if (depth > MAX_GRAPH_DEPTH) fail(`is not an ONNX model (subgraphs nested deeper than ${MAX_GRAPH_DEPTH} levels)`);
    messages(g.start, g.end, [GRAPH.node, GRAPH.initializer, GRAPH.sparseInitializer], (f) => {
      if (f.number === GRAPH.initializer) tensor(f);
      else if (f.number === GRAPH.sparseInitializer) sparse(f);
      else node(f, depth);
    });
  };
  try {
    messages(0, bytes.length, [MODEL.graph, MODEL.trainingInfo, MODEL.functions], (f) => {
      if (f.number === MODEL.graph) graph(f, 0);
      else if (f.number === MODEL.trainingInfo) messages(f.start, f.end, [TRAINING_INFO.initialization, TRAINING_INFO.algorithm], (g) => graph(g, 0));
      else messages(f.start, f.end, [FUNCTION.node], (n) => node(n, 0));
    });
  } catch (error) {
    if (error instanceof OnnxFormatError) throw error;
    fail(`is not an ONNX model (${(error as Error).message})`);
  }
  return found;
}

/**
 * Why an external-data location is not a relative path inside the model's folder, or undefined when
 * it is. Refused: absolute paths, drive letters and URL schemes (any ':'), `..` segments,
 * backslashes, NUL, a location naming no file, and ONNX Runtime's in-memory address marker.
 * @example externalDataLocationProblem('../secret.bin') // 'which leaves the model\'s folder ("..")'
 */
export function externalDataLocationProblem(location: string): string | undefined {
  if (location === ORT_MEMORY_MARKER) return "ONNX Runtime's marker for a raw memory address";
  if (location.includes('\0')) return 'which contains a NUL character';
  if (location.includes('\\')) return 'which contains a backslash';
  if (location.startsWith('/')) return 'an absolute path';
  if (location.includes(':')) return "which contains ':' (a drive letter or URL scheme)";
  const segments = location.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return 'which leaves the model\'s folder ("..")';
  if (segments.length === 0) return 'which names no file';
  return undefined;
}
