// outputProducer on hand-encoded ModelProtos: pass-through nodes, negative and omitted axes, and no producer.
import { describe, expect, it } from 'vitest';
import { outputProducer } from './onnx-output-producer.js';
import { bytesField, intField, stringField, varint } from './protobuf-fields.fixture.js';

// A NodeProto: inputs (1), outputs (2), name (3), op_type (4), attributes (5: name 1, i 3, type 20).
function node(opType: string, inputs: string[], outputs: string[], axis?: number | 'no-i'): number[] {
  const attribute =
    axis === undefined
      ? []
      : bytesField(5, [...stringField(1, 'axis'), ...(axis === 'no-i' ? [] : [...varint(3 * 8), ...int64Varint(axis)]), ...intField(20, 2)]);
  return [
    ...inputs.flatMap((i) => stringField(1, i)),
    ...outputs.flatMap((o) => stringField(2, o)),
    ...stringField(3, `${opType}_node`),
    ...stringField(4, opType),
    ...attribute,
  ];
}

// Two's complement int64 as protobuf writes it: negative values take ten bytes.
function int64Varint(value: number): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 128n) {
    out.push(Number(v & 127n) | 128);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function model(nodes: number[][]): Uint8Array {
  const graph = nodes.flatMap((n) => bytesField(1, n));
  return Uint8Array.from([...intField(1, 8), ...bytesField(7, graph)]);
}

describe('outputProducer', () => {
  it('looks through Identity, Reshape and friends to the Softmax, reading its negative axis exactly', () => {
    const bytes = model([
      node('Gemm', ['x', 'w', 'b'], ['logits']),
      node('Softmax', ['logits'], ['p'], -1),
      node('Reshape', ['p', 'shape'], ['p2']),
      node('Identity', ['p2'], ['output']),
    ]);
    expect(outputProducer(bytes, 'output')).toEqual({ opType: 'Softmax', domain: '', name: 'Softmax_node', axis: -1, through: ['Identity', 'Reshape'], shapePreserved: false });
    expect(outputProducer(bytes, 'logits')).toEqual({ opType: 'Gemm', domain: '', name: 'Gemm_node', through: [], shapePreserved: true });
    expect(outputProducer(bytes, 'x')).toBeUndefined();
  });

  it('reads an axis attribute without a value as 0 (proto3 leaves zeros out) and a positive axis as written', () => {
    expect(outputProducer(model([node('LogSoftmax', ['x'], ['y'], 'no-i')]), 'y')?.axis).toBe(0);
    expect(outputProducer(model([node('LogSoftmax', ['x'], ['y'], 1), node('Dropout', ['y'], ['z', 'mask'])]), 'z')).toMatchObject({
      opType: 'LogSoftmax',
      axis: 1,
      through: ['Dropout'],
      shapePreserved: true,
    });
    // A Dropout's mask is not its input passed on.
    expect(outputProducer(model([node('Dropout', ['y'], ['z', 'mask'])]), 'mask')?.opType).toBe('Dropout');
  });

  it('stops on a cycle and names the source of malformed bytes', () => {
    const cyclic = model([node('Identity', ['b'], ['a']), node('Identity', ['a'], ['b'])]);
    expect(outputProducer(cyclic, 'a')).toBeUndefined();
    expect(() => outputProducer(Uint8Array.of(0x3a, 0x05, 1), 'y', 'bad.onnx')).toThrow(/^bad\.onnx: is not an ONNX model/);
  });
});
