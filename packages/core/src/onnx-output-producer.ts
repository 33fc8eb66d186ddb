// Finds, without running the model, which node computes a graph output, looking through the nodes that
// only pass a tensor on (Identity, Dropout, Reshape, ...). Why: a Softmax or LogSoftmax there says the
// output is probabilities or log-probabilities for sure, so the classifier need not guess from a probe
// run; onnxruntime's JavaScript API exposes no graph, so the ModelProto's node fields are read directly.
import { OnnxFormatError } from './onnx-model-info.js';
import { protobufFields, utf8, WIRE_LENGTH_DELIMITED, WIRE_VARINT, type ProtobufField } from './protobuf-wire.js';

/** The node that computes a graph output, past any pass-through nodes. */
export interface OutputProducer {
  /** The node's op type ('Softmax', 'Gemm', ...), in the default domain unless `domain` says otherwise. */
  opType: string;
  domain: string;
  /** The node's name (may be empty). */
  name: string;
  /** Its `axis` attribute, when it has one (negative values as written). */
  axis?: number;
  /** The pass-through ops between it and the output, nearest the output first. */
  through: string[];
  /** True when none of `through` can change the tensor's shape (Identity, Dropout, Cast). */
  shapePreserved: boolean;
}

// Ops whose first output is their first input's values, reshaped at most. Reshape-like ones may change
// the rank, so an axis seen behind them cannot be compared with the output's.
const SHAPE_PRESERVING = new Set(['Identity', 'Dropout', 'Cast']);
const RESHAPING = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);

// Field numbers (onnx.proto3).
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;
const ATTRIBUTE = { name: 1, i: 3 } as const;

interface NodeInfo {
  inputs: string[];
  outputs: string[];
  name: string;
  opType: string;
  domain: string;
  axis?: number;
}

/**
 * The node of the main graph that computes `output`, looking through Identity, Dropout, Cast, Reshape,
 * Flatten, Squeeze and Unsqueeze; undefined when no node computes it (a graph input or initializer).
 * Throws OnnxFormatError naming `source` on malformed bytes.
 * @example outputProducer(bytes, 'probabilities')?.opType // 'Softmax'
 */
export function outputProducer(bytes: Uint8Array, output: string, source = 'model'): OutputProducer | undefined {
  let nodes: NodeInfo[];
  try {
    nodes = graphNodes(bytes);
  } catch (error) {
    throw new OnnxFormatError(source, `is not an ONNX model (${(error as Error).message})`);
  }
  const producers = new Map<string, NodeInfo>();
  for (const node of nodes) for (const name of node.outputs) if (name !== '') producers.set(name, node);
  const through: string[] = [];
  let shapePreserved = true;
  let value = output;
  // Each step moves to an earlier node, so a well-formed graph ends within nodes.length steps; a
  // malformed one with a cycle stops there too.
  for (let step = 0; step <= nodes.length; step++) {
    const node = producers.get(value);
    if (!node) return undefined;
    const passThrough = node.domain === '' && (SHAPE_PRESERVING.has(node.opType) || RESHAPING.has(node.opType)) && node.outputs[0] === value;
    if (!passThrough || node.inputs.length === 0) {
      const found: OutputProducer = { opType: node.opType, domain: node.domain, name: node.name, through, shapePreserved };
      if (node.axis !== undefined) found.axis = node.axis;
      return found;
    }
    through.push(node.opType);
    if (RESHAPING.has(node.opType)) shapePreserved = false;
    value = node.inputs[0];
  }
  return undefined;
}

function graphNodes(bytes: Uint8Array): NodeInfo[] {
  const nodes: NodeInfo[] = [];
  for (const field of protobufFields(bytes, 0, bytes.length)) {
    if (field.number !== MODEL_GRAPH || field.wireType !== WIRE_LENGTH_DELIMITED) continue;
    for (const g of protobufFields(bytes, field.start, field.end)) {
      if (g.number === GRAPH_NODE && g.wireType === WIRE_LENGTH_DELIMITED) nodes.push(readNode(bytes, g));
    }
  }
  return nodes;
}

function readNode(bytes: Uint8Array, field: ProtobufField): NodeInfo {
  const node: NodeInfo = { inputs: [], outputs: [], name: '', opType: '', domain: '' };
  for (const f of protobufFields(bytes, field.start, field.end)) {
    switch (f.number) {
      case NODE.input:
        node.inputs.push(utf8(bytes, f));
        break;
      case NODE.output:
        node.outputs.push(utf8(bytes, f));
        break;
      case NODE.name:
        node.name = utf8(bytes, f);
        break;
      case NODE.opType:
        node.opType = utf8(bytes, f);
        break;
      case NODE.domain:
        node.domain = utf8(bytes, f) === 'ai.onnx' ? '' : utf8(bytes, f);
        break;
      case NODE.attribute: {
        if (f.wireType !== WIRE_LENGTH_DELIMITED) break;
        // proto3 writers leave out a zero `i`, so an axis attribute without one is axis 0.
        let name = '';
        let value = 0;
        for (const a of protobufFields(bytes, f.start, f.end)) {
          if (a.number === ATTRIBUTE.name) name = utf8(bytes, a);
          else if (a.number === ATTRIBUTE.i && a.wireType === WIRE_VARINT) value = int64(bytes, a);
        }
        if (name === 'axis') node.axis = value;
        break;
      }
    }
  }
  return node;
}

// An int64 varint, exactly: negative axes are 10-byte two's-complement varints, which the header
// reader's double arithmetic would round (-1 would read as 2^64).
function int64(bytes: Uint8Array, field: ProtobufField): number {
  let value = 0n;
  let shift = 0n;
  for (let i = field.start; i < field.end; i++) {
    value |= BigInt(bytes[i] & 0x7f) << shift;
    shift += 7n;
  }
  return Number(BigInt.asIntN(64, value));
}
