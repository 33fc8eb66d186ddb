// Collects the nodes, initializers, inputs and outputs of an ONNX graph and turns them into a ModelProto.
import {
  AttributeType,
  TensorDataType,
  modelProtoType,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './onnx-proto.js';

/** Element types we emit, named as ONNX Runtime's JavaScript API names them. */
export type ElemType = 'float32' | 'float64' | 'int64' | 'int32' | 'uint8' | 'int8' | 'bool';

/** ONNX data type code of each element type. */
export const ELEM_TYPE_CODES: Readonly<Record<ElemType, number>> = Object.freeze({
  float32: TensorDataType.FLOAT,
  float64: TensorDataType.DOUBLE,
  int64: TensorDataType.INT64,
  int32: TensorDataType.INT32,
  uint8: TensorDataType.UINT8,
  int8: TensorDataType.INT8,
  bool: TensorDataType.BOOL,
});

/** A dimension: a fixed size, or a symbolic name such as 'batch' shared by all values of that size. */
export type Dim = number | string;

/** Lowest and highest ai.onnx opset the builders support (13: ReduceSum axes became an input). */
export const MIN_OPSET = 13;
export const MAX_OPSET = 26;

/**
 * Values of a constant tensor. Row-major; `dims` [] is a scalar. int64 values may be given as numbers
 * (exact up to 2^53) or as a BigInt64Array.
 */
export type TensorValues =
  | { dtype: 'float32'; dims: number[]; values: Float32Array | readonly number[] }
  | { dtype: 'int64'; dims: number[]; values: BigInt64Array | readonly number[] }
  | { dtype: 'int32'; dims: number[]; values: Int32Array | readonly number[] }
  | { dtype: 'bool'; dims: number[]; values: Uint8Array | readonly boolean[] };

/** One node attribute, tagged with its ONNX type (a number alone cannot say int or float). */
export type AttributeValue =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string }
  | { type: 'ints'; value: readonly number[] }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'tensor'; value: TensorValues }
  | { type: 'graph'; value: GraphProto };

/** Attribute constructors: `{ axis: attr.int(1) }`. */
export const attr = Object.freeze({
  int: (value: number): AttributeValue => ({ type: 'int', value }),
  float: (value: number): AttributeValue => ({ type: 'float', value }),
  string: (value: string): AttributeValue => ({ type: 'string', value }),
  ints: (value: readonly number[]): AttributeValue => ({ type: 'ints', value }),
  floats: (value: readonly number[]): AttributeValue => ({ type: 'floats', value }),
  tensor: (value: TensorValues): AttributeValue => ({ type: 'tensor', value }),
  graph: (value: GraphProto): AttributeValue => ({ type: 'graph', value }),
});

/** What `GraphBuilder.node` needs besides the op type and inputs. */
export interface NodeOptions {
  /** Output names; a number asks for that many generated names. Default: one generated name. */
  outputs?: number | string[];
  attributes?: Record<string, AttributeValue | undefined>;
  /** Node name; generated from the op type when absent. */
  name?: string;
  /** Operator set domain; '' (ai.onnx) by default. */
  domain?: string;
}

/** Model-level fields written by `GraphBuilder.build`. */
export interface BuildOptions {
  /** ai.onnx opset; defaults to the builder's. */
  opset?: number;
  irVersion: number;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  /** Written as metadata_props, in insertion order. */
  metadata?: Record<string, string>;
  /** Extra operator sets, e.g. [{ domain: 'com.microsoft', version: 1 }]. */
  extraOpsets?: { domain: string; version: number }[];
}

/** Options of a new GraphBuilder. */
export interface GraphBuilderOptions {
  /** ai.onnx opset the op helpers target (they choose attribute-or-input forms from it). Default 17. */
  opset?: number;
  /** Graph name. Default 'main'. */
  name?: string;
  docString?: string;
}

/**
 * Builds one ONNX graph. Names are unique across the builder and every subgraph made from it, so a Loop
 * body may refer to outer values by name. Op helpers in ops.ts call `node`; `build` returns a ModelProto
 * object for `encodeModel`.
 * @example
 * const g = new GraphBuilder({ opset: 17 });
 * const x = g.input('X', 'float32', ['batch', 4]);
 * g.output(relu(g, x, { name: 'Y' }), 'float32', ['batch', 4]);
 * const bytes = encodeModel(g.build({ irVersion: 8 }));
 */
export class GraphBuilder {
  readonly opset: number;
  readonly name: string;
  private readonly docString: string | undefined;
  private readonly used: Set<string>;
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly valueInfos: ValueInfoProto[] = [];

  constructor(options: GraphBuilderOptions = {}, sharedNames?: Set<string>) {
    this.opset = resolveOpset(options.opset ?? 17, 'opset');
    this.name = options.name ?? 'main';
    this.docString = options.docString;
    this.used = sharedNames ?? new Set<string>();
  }

  /**
   * A name not used yet in this graph family: `hint`, else `hint_1`, `hint_2`, ... Reserves it.
   * @example g.uniqueName('dnn/hidden1/MatMul') // 'dnn/hidden1/MatMul', then 'dnn/hidden1/MatMul_1'
   */
  uniqueName(hint: string): string {
    if (typeof hint !== 'string' || hint === '') throw new TypeError('hint must be a non-empty string');
    let name = hint;
    for (let i = 1; this.used.has(name); i++) name = `${hint}_${i}`;
    this.used.add(name);
    return name;
  }

  /**
   * Declares a graph input and returns its name (exactly `name`: inputs are a public contract).
   * @example const x = g.input('X', 'float32', ['batch', 784]);
   */
  input(name: string, dtype: ElemType, shape: readonly Dim[]): string {
    this.reserveExact(name, 'name');
    this.inputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  /**
   * Declares an existing value (a node output, input or initializer) as a graph output.
   * @example g.output(probs, 'float32', ['batch', 10]);
   */
  output(name: string, dtype: ElemType, shape: readonly Dim[]): string {
    if (!this.used.has(name)) throw new RangeError(`name ${JSON.stringify(name)} is not a value of this graph`);
    this.outputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  /** Records the type and shape of an intermediate value (optional in ONNX; helps readers and checkers). */
  valueInfo(name: string, dtype: ElemType, shape: readonly Dim[]): void {
    this.valueInfos.push(valueInfo(name, dtype, shape));
  }

  /**
   * Adds a constant tensor as an initializer under exactly `name` (weights keep their checkpoint names).
   * @example g.initializer('dnn/hidden1/bias', { dtype: 'float32', dims: [300], values: bias });
   */
  initializer(name: string, tensor: TensorValues): string {
    this.reserveExact(name, 'name');
    this.initializers.push(tensorProto(name, tensor));
    return name;
  }

  /**
   * Adds a constant under a generated name derived from `hint`.
   * @example const axes = g.constant('axes', { dtype: 'int64', dims: [1], values: [0] });
   */
  constant(hint: string, tensor: TensorValues): string {
    const name = this.uniqueName(hint);
    this.initializers.push(tensorProto(name, tensor));
    return name;
  }

  /** A float32 scalar (dims []) constant. */
  scalar(value: number, hint = 'scalar'): string {
    return this.constant(hint, { dtype: 'float32', dims: [], values: [value] });
  }

  /** A 1-D int64 constant, as shapes, axes and indices need. */
  int64s(values: readonly number[], hint = 'ints'): string {
    return this.constant(hint, { dtype: 'int64', dims: [values.length], values });
  }

  /**
   * Appends a node and returns its output names. Inputs may be '' for an omitted optional input.
   * @example const [y] = g.node('Relu', [x]);
   */
  node(opType: string, inputs: readonly string[], options: NodeOptions = {}): string[] {
    if (typeof opType !== 'string' || opType === '') throw new TypeError('opType must be a non-empty string');
    for (const input of inputs) {
      if (input !== '' && !this.used.has(input)) {
        throw new RangeError(`inputs: ${JSON.stringify(input)} is not a value of this graph (node ${opType})`);
      }
    }
    const outSpec = options.outputs ?? 1;
    const outputs =
      typeof outSpec === 'number'
        ? Array.from({ length: outSpec }, () => this.uniqueName(`${opType}_out`))
        : outSpec.map((n) => (n === '' ? '' : this.reserveExact(n, 'outputs')));
    const node: NodeProto = {
      input: [...inputs],
      output: outputs,
      name: this.uniqueName(options.name ?? opType),
      op_type: opType,
      attribute: Object.entries(options.attributes ?? {})
        .filter((entry): entry is [string, AttributeValue] => entry[1] !== undefined)
        .map(([name, value]) => attributeProto(name, value)),
    };
    if (options.domain) node.domain = options.domain;
    this.nodes.push(node);
    return outputs;
  }

  /**
   * A builder for a subgraph (Loop/If body) that shares this builder's name space and opset.
   * @example const body = g.subgraph('step_body'); ... g.node('Loop', [...], { attributes: { body: attr.graph(body.graph()) } })
   */
  subgraph(name: string): GraphBuilder {
    return new GraphBuilder({ opset: this.opset, name }, this.used);
  }

  /** Whether `name` is already a value (or node) name in this graph family. */
  has(name: string): boolean {
    return this.used.has(name);
  }

  /** The GraphProto of what was added so far. */
  graph(): GraphProto {
    const graph: GraphProto = {
      node: this.nodes.map((n) => ({ ...n })),
      name: this.name,
      initializer: [...this.initializers],
      input: [...this.inputs],
      output: [...this.outputs],
      value_info: [...this.valueInfos],
    };
    if (this.docString) graph.doc_string = this.docString;
    return graph;
  }

  /**
   * The whole model: this graph, the opset import, IR version, producer, doc string and metadata.
   * @example const model = g.build({ irVersion: 8, producerName: 'mnist-onnx-sdk', metadata: { k: 'v' } });
   */
  build(options: BuildOptions): ModelProto {
    const opset = resolveOpset(options.opset ?? this.opset, 'options.opset');
    if (!Number.isInteger(options.irVersion) || options.irVersion < 7) {
      throw new RangeError(`options.irVersion must be an integer >= 7, got ${options.irVersion}`);
    }
    if (this.outputs.length === 0) throw new RangeError('the graph has no outputs: call output() first');
    const model: ModelProto = {
      ir_version: options.irVersion,
      opset_import: [{ domain: '', version: opset }, ...(options.extraOpsets ?? [])],
      producer_name: options.producerName ?? '',
      producer_version: options.producerVersion ?? '',
      doc_string: options.docString ?? '',
      graph: this.graph(),
      metadata_props: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    };
    return model;
  }

  private reserveExact(name: string, argument: string): string {
    if (typeof name !== 'string' || name === '') throw new TypeError(`${argument} must be a non-empty string`);
    if (this.used.has(name)) throw new RangeError(`${argument}: ${JSON.stringify(name)} is already used in this graph`);
    this.used.add(name);
    return name;
  }
}

/**
 * Serializes a ModelProto object to the bytes of an .onnx file.
 * @example await writeFile('model.onnx', encodeModel(g.build({ irVersion: 8 })));
 */
export function encodeModel(model: ModelProto): Uint8Array {
  const type = modelProtoType();
  const message = type.fromObject(model);
  return type.encode(message).finish();
}

/** The IR version that a model importing `opset` of ai.onnx needs (onnx.helper's VERSION_TABLE). */
export function irVersionForOpset(opset: number): number {
  resolveOpset(opset, 'opset');
  if (opset <= 14) return 7; // ONNX 1.8-1.9
  if (opset <= 18) return 8; // ONNX 1.10-1.13
  if (opset <= 20) return 9; // ONNX 1.14-1.15
  if (opset <= 22) return 10; // ONNX 1.16-1.17
  if (opset === 23) return 11; // ONNX 1.18
  if (opset === 24) return 12; // ONNX 1.19 (IR 12 published 2025-08-26)
  // Opset 25 (ONNX 1.20) and 26 (ONNX 1.21, IR 13): IR 13 is the newest ONNX Runtime 1.30 reads, and a
  // higher IR than the minimum is always valid, so both take it.
  return 13;
}

/**
 * Returns `opset` when it is an ai.onnx opset we emit (MIN_OPSET to MAX_OPSET), else throws a RangeError
 * naming `argument`, the option the caller took it from. No default here: each caller has its own
 * (DEFAULT_OPSET for the exporters, the builder's opset in `build`, none in `irVersionForOpset`).
 * @example const opset = resolveOpset(options.opset ?? DEFAULT_OPSET, 'options.opset');
 */
export function resolveOpset(opset: number, argument: string): number {
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new RangeError(`${argument} must be an integer from ${MIN_OPSET} to ${MAX_OPSET}, got ${opset}`);
  }
  return opset;
}

function valueInfo(name: string, dtype: ElemType, shape: readonly Dim[]): ValueInfoProto {
  const code = ELEM_TYPE_CODES[dtype];
  if (code === undefined) throw new TypeError(`dtype must be one of ${Object.keys(ELEM_TYPE_CODES).join(', ')}, got ${dtype}`);
  return {
    name,
    type: {
      tensor_type: {
        elem_type: code,
        shape: {
          dim: shape.map((d) => {
            if (typeof d === 'string') return { dim_param: d };
            if (!Number.isInteger(d) || d < 0) throw new RangeError(`shape: dimension ${d} is not a size or a name`);
            return { dim_value: d };
          }),
        },
      },
    },
  };
}

/** A TensorProto with its values in raw_data (little-endian), the compact form runtimes read fastest. */
export function tensorProto(name: string, tensor: TensorValues): TensorProto {
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (tensor.values.length !== count) {
    throw new RangeError(`tensor ${name}: ${tensor.values.length} values for dims [${tensor.dims}] (${count} expected)`);
  }
  let raw: Uint8Array;
  switch (tensor.dtype) {
    case 'float32': {
      const data = tensor.values instanceof Float32Array ? tensor.values : Float32Array.from(tensor.values);
      raw = littleEndianBytes(data, 4, (view, i, offset) => view.setFloat32(offset, data[i], true));
      break;
    }
    case 'int32': {
      const data = tensor.values instanceof Int32Array ? tensor.values : Int32Array.from(tensor.values);
      raw = littleEndianBytes(data, 4, (view, i, offset) => view.setInt32(offset, data[i], true));
      break;
    }
    case 'int64': {
      const data =
        tensor.values instanceof BigInt64Array ? tensor.values : BigInt64Array.from(tensor.values, (v) => BigInt(v));
      raw = littleEndianBytes(data, 8, (view, i, offset) => view.setBigInt64(offset, data[i], true));
      break;
    }
    case 'bool': {
      const values = tensor.values;
      raw = Uint8Array.from({ length: count }, (_, i) => (values[i] ? 1 : 0));
      break;
    }
    default:
      throw new TypeError(`tensor ${name}: dtype must be float32, int64, int32 or bool`);
  }
  return { name, dims: [...tensor.dims], data_type: ELEM_TYPE_CODES[tensor.dtype], raw_data: raw };
}

function littleEndianBytes(
  data: { length: number },
  width: number,
  write: (view: DataView, i: number, offset: number) => void,
): Uint8Array {
  const bytes = new Uint8Array(data.length * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) write(view, i, i * width);
  return bytes;
}

function attributeProto(name: string, value: AttributeValue): AttributeProto {
  switch (value.type) {
    case 'int':
      if (!Number.isInteger(value.value)) throw new TypeError(`attribute ${name} must be an integer, got ${value.value}`);
      return { name, type: AttributeType.INT, i: value.value };
    case 'float':
      return { name, type: AttributeType.FLOAT, f: value.value };
    case 'string':
      return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value.value) };
    case 'ints':
      return { name, type: AttributeType.INTS, ints: [...value.value] };
    case 'floats':
      return { name, type: AttributeType.FLOATS, floats: [...value.value] };
    case 'tensor':
      return { name, type: AttributeType.TENSOR, t: tensorProto('', value.value) };
    case 'graph':
      return { name, type: AttributeType.GRAPH, g: value.value };
  }
}
