// GraphBuilder: names, initializers, symbolic dims and model fields survive encode -> readOnnx.
import { describe, expect, it } from 'vitest';
import { encodeModel, GraphBuilder, irVersionForOpset } from './graph-builder.js';
import { readOnnx } from './onnx-reader.js';
import { add, matMul } from './ops.js';

describe('GraphBuilder', () => {
  it('round-trips inputs, outputs, initializers, opset, IR version, producer and metadata', () => {
    const g = new GraphBuilder({ opset: 17, name: 'tiny' });
    const x = g.input('X', 'float32', ['batch', 3]);
    const w = g.initializer('dnn/hidden1/kernel', { dtype: 'float32', dims: [3, 2], values: [0.5, -1, 2, 3.25, -0.125, 7] });
    const b = g.initializer('dnn/hidden1/bias', { dtype: 'float32', dims: [2], values: new Float32Array([0.1, -0.2]) });
    g.initializer('counts', { dtype: 'int64', dims: [2], values: [3, -(2 ** 40)] });
    g.initializer('small', { dtype: 'int32', dims: [1, 3], values: [1, -2, 2147483647] });
    const y = add(g, matMul(g, x, w), b, { name: 'Y' });
    g.output(y, 'float32', ['batch', 2]);
    const bytes = encodeModel(
      g.build({ irVersion: 8, producerName: 'p', producerVersion: '1.2.3', docString: 'doc', metadata: { k1: 'v1', k2: '[1,2]' } }),
    );
    const s = readOnnx(bytes, 'tiny.onnx');
    expect(s.irVersion).toBe(8);
    expect(s.opset).toBe(17);
    expect(s.opsetImports).toEqual([{ domain: '', version: 17 }]);
    expect([s.producerName, s.producerVersion, s.docString, s.graphName]).toEqual(['p', '1.2.3', 'doc', 'tiny']);
    expect(s.metadata).toEqual({ k1: 'v1', k2: '[1,2]' });
    expect(s.inputs).toEqual([{ name: 'X', elemType: 1, dtype: 'float32', dims: ['batch', 3] }]);
    expect(s.outputs).toEqual([{ name: 'Y', elemType: 1, dtype: 'float32', dims: ['batch', 2] }]);
    const byName = new Map(s.initializers.map((t) => [t.name, t]));
    expect(byName.get('dnn/hidden1/kernel')?.dims).toEqual([3, 2]);
    expect([...byName.get('dnn/hidden1/kernel')!.values]).toEqual([0.5, -1, 2, 3.25, -0.125, 7]);
    expect([...byName.get('dnn/hidden1/bias')!.values]).toEqual([Math.fround(0.1), Math.fround(-0.2)]);
    expect(byName.get('counts')?.dtype).toBe('int64');
    expect([...byName.get('counts')!.values]).toEqual([3n, -(2n ** 40n)]);
    expect([...byName.get('small')!.values]).toEqual([1, -2, 2147483647]);
    expect(s.nodes.map((n) => n.opType)).toEqual(['MatMul', 'Add']);
    expect(s.nodes[1].outputs).toEqual(['Y']);
  });

  it('generates unique names and refuses duplicates and unknown inputs', () => {
    const g = new GraphBuilder();
    expect(g.uniqueName('a')).toBe('a');
    expect(g.uniqueName('a')).toBe('a_1');
    expect(g.uniqueName('a')).toBe('a_2');
    const x = g.input('X', 'float32', [2]);
    const [r1] = g.node('Relu', [x]);
    const [r2] = g.node('Relu', [x]);
    expect(r1).not.toBe(r2);
    expect(() => g.input('X', 'float32', [2])).toThrow(/name: "X" is already used/);
    expect(() => g.node('Relu', ['nope'])).toThrow(/inputs: "nope" is not a value/);
    expect(() => g.output('missing', 'float32', [2])).toThrow(RangeError);
    expect(() => g.initializer('w', { dtype: 'float32', dims: [2, 2], values: [1, 2, 3] })).toThrow(/3 values for dims \[2,2\]/);
  });

  it('shares one name space with its subgraphs', () => {
    const g = new GraphBuilder();
    g.input('X', 'float32', [1]);
    const body = g.subgraph('body');
    expect(() => body.input('X', 'float32', [1])).toThrow(/already used/);
    expect(body.node('Relu', ['X'])).toHaveLength(1);
  });

  it('refuses opsets outside 13..26, naming the argument', () => {
    expect(() => new GraphBuilder({ opset: 12 })).toThrow(/opset must be an integer from 13 to 26, got 12/);
    expect(() => new GraphBuilder({ opset: 27 })).toThrow(RangeError);
    const g = new GraphBuilder();
    g.output(g.input('X', 'float32', [1]), 'float32', [1]);
    expect(() => g.build({ irVersion: 8, opset: 30 })).toThrow(/options\.opset/);
    expect(() => g.build({ irVersion: 3 })).toThrow(/options\.irVersion/);
  });

  it('maps opsets to the IR versions of the ONNX releases that introduced them', () => {
    expect([13, 14, 15, 17, 18, 19, 20, 21, 22, 23, 24, 26].map(irVersionForOpset)).toEqual([7, 7, 8, 8, 8, 9, 9, 10, 10, 11, 12, 13]);
  });
});
