// Lets ONNX Runtime check that float input is finite: the model handed to the runtime gains one node,
// a ReduceSum of the image input, whose scalar is NaN or infinite exactly when some pixel is (or when
// pixels are so large that their sum overflows). Why: the check in JavaScript costs about 1 ns a value
// (7 ms for 10000 images, a sixth of a batch on one thread), the runtime's vectorized sum about half of
// that, and it reads the input while it is in cache for the first layer anyway. The model file is not
// changed; the extra output is hidden from everything but the run.
import type { RuntimeFeed, RuntimeOutputs, RuntimeSession } from './inference-runtime.js';
import { protobufFields, utf8, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './protobuf-wire.js';

/** The graph output the added ReduceSum writes; a name no exporter uses. */
export const INPUT_SUM_OUTPUT = 'mnist_sdk.input_sum';

/** Thrown by a run whose input sum is not finite; the classifier then finds and names the bad pixel. */
export class NonFiniteInputError extends Error {
  override readonly name = 'NonFiniteInputError';
}

const MAX_REWRITTEN_BYTES = 64 * 1024 * 1024;

// Field numbers (onnx.proto3).
const MODEL_GRAPH = 7;
const GRAPH = { node: 1, initializer: 5, input: 11, output: 12 } as const;
const TENSOR_NAME = 8;
const VALUE_INFO = { name: 1, type: 2 } as const;
const TYPE_TENSOR = 1;
const TENSOR_TYPE_ELEM = 1;
const ELEM_FLOAT = 1;

/**
 * The model's bytes with a ReduceSum of its one float input (keepdims 0, no axes: the sum of the whole
 * batch, in every opset) written to {@link INPUT_SUM_OUTPUT}; undefined when the graph has other than
 * one float input, already has that output, is over 64 MiB, or its layout is not one this reader can
 * extend (then the classifier checks input in JavaScript, as before).
 * @example const bytes = withInputSum(model) ?? model;
 */
export function withInputSum(bytes: Uint8Array): Uint8Array | undefined {
  // The rewrite copies the model; past this size the first layer's work dwarfs the check anyway.
  if (bytes.length > MAX_REWRITTEN_BYTES) return undefined;
  let graph: { tagStart: number; start: number; end: number } | undefined;
  let fieldStart = 0;
  try {
    for (const field of protobufFields(bytes, 0, bytes.length)) {
      const tagStart = fieldStart;
      fieldStart = field.end;
      if (field.number !== MODEL_GRAPH) continue;
      // A second graph field would be merged into the first by protobuf: too unusual to rewrite.
      if (graph || field.wireType !== WIRE_LENGTH_DELIMITED) return undefined;
      graph = { tagStart, start: field.start, end: field.end };
    }
    if (!graph) return undefined;
    const input = singleFloatInput(bytes, graph.start, graph.end);
    if (input === undefined) return undefined;
    const node = message([
      stringField(1, input),
      stringField(2, INPUT_SUM_OUTPUT),
      stringField(3, INPUT_SUM_OUTPUT),
      stringField(4, 'ReduceSum'),
      bytesField(5, message([stringField(1, 'keepdims'), varintField(3, 0), varintField(20, 2)])),
    ]);
    // float32 with an empty shape: a scalar.
    const tensorType = message([varintField(TENSOR_TYPE_ELEM, ELEM_FLOAT), bytesField(2, new Uint8Array(0))]);
    const output = message([stringField(VALUE_INFO.name, INPUT_SUM_OUTPUT), bytesField(VALUE_INFO.type, message([bytesField(TYPE_TENSOR, tensorType)]))]);
    const graphBytes = message([bytes.subarray(graph.start, graph.end), bytesField(GRAPH.node, node), bytesField(GRAPH.output, output)]);
    return message([bytes.subarray(0, graph.tagStart), bytesField(MODEL_GRAPH, graphBytes), bytes.subarray(graph.end)]);
  } catch {
    // Malformed bytes are for the model reader to report, not this optimisation.
    return undefined;
  }
}

/**
 * Wraps a session of a model made by {@link withInputSum}: the sum output is left out of `outputs`,
 * fetched with every run, and a sum that is not finite throws NonFiniteInputError.
 * @example const session = inputSumSession(await runtime.createSession(withInputSum(bytes)!, source));
 */
export function inputSumSession(session: RuntimeSession): RuntimeSession {
  const outputs = session.outputs.filter((o) => o.name !== INPUT_SUM_OUTPUT);
  return {
    inputs: session.inputs,
    outputs,
    async run(feed: RuntimeFeed, fetches: readonly string[]): Promise<RuntimeOutputs> {
      const out = await session.run(feed, [...fetches, INPUT_SUM_OUTPUT]);
      const sum = out[INPUT_SUM_OUTPUT];
      if (!(sum instanceof Float32Array) || sum.length !== 1 || !Number.isFinite(sum[0])) {
        throw new NonFiniteInputError(`the input sum is ${sum instanceof Float32Array ? String(sum[0]) : 'missing'}`);
      }
      return out;
    },
    release: () => session.release(),
  };
}

// The name of the graph's one float32 input that is not an initializer, if there is exactly one and no
// output already carries the sum's name.
function singleFloatInput(bytes: Uint8Array, start: number, end: number): string | undefined {
  const initializers = new Set<string>();
  const inputs: { name: string; float: boolean }[] = [];
  for (const f of protobufFields(bytes, start, end)) {
    if (f.wireType !== WIRE_LENGTH_DELIMITED) continue;
    if (f.number === GRAPH.initializer) {
      for (const t of protobufFields(bytes, f.start, f.end)) if (t.number === TENSOR_NAME && t.wireType === WIRE_LENGTH_DELIMITED) initializers.add(utf8(bytes, t));
    } else if (f.number === GRAPH.input) {
      inputs.push(valueInfo(bytes, f.start, f.end));
    } else if (f.number === GRAPH.output && valueInfo(bytes, f.start, f.end).name === INPUT_SUM_OUTPUT) {
      return undefined;
    }
  }
  const fed = inputs.filter((i) => !initializers.has(i.name));
  return fed.length === 1 && fed[0].float ? fed[0].name : undefined;
}

function valueInfo(bytes: Uint8Array, start: number, end: number): { name: string; float: boolean } {
  let name = '';
  let float = false;
  for (const f of protobufFields(bytes, start, end)) {
    if (f.number === VALUE_INFO.name && f.wireType === WIRE_LENGTH_DELIMITED) name = utf8(bytes, f);
    if (f.number !== VALUE_INFO.type || f.wireType !== WIRE_LENGTH_DELIMITED) continue;
    for (const t of protobufFields(bytes, f.start, f.end)) {
      if (t.number !== TYPE_TENSOR || t.wireType !== WIRE_LENGTH_DELIMITED) continue;
      for (const e of protobufFields(bytes, t.start, t.end)) if (e.number === TENSOR_TYPE_ELEM && e.wireType === WIRE_VARINT) float = e.varint === ELEM_FLOAT;
    }
  }
  return { name, float };
}

function message(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function varint(value: number): Uint8Array {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

function varintField(number: number, value: number): Uint8Array {
  return message([varint(number * 8 + WIRE_VARINT), varint(value)]);
}

function bytesField(number: number, payload: Uint8Array): Uint8Array {
  return message([varint(number * 8 + WIRE_LENGTH_DELIMITED), varint(payload.length), payload]);
}

function stringField(number: number, text: string): Uint8Array {
  return bytesField(number, new TextEncoder().encode(text));
}
