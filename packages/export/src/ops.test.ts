// Op helpers, run for real in onnxruntime-node on tiny graphs and compared with hand-computed results.
import { layerNames, type ModelSpec } from '@mnist/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encodeModel, GraphBuilder, irVersionForOpset, type ElemType } from './graph-builder.js';
import { readOnnx } from './onnx-reader.js';
import * as op from './ops.js';
import { referenceStep, referenceWeights } from './testing/index.js';

type Feed = Record<string, { dtype: ElemType; dims: number[]; data: Float32Array | BigInt64Array | Int32Array | Uint8Array }>;

function tensorData(dtype: ElemType, values: readonly number[]): Feed[string]['data'] {
  if (dtype === 'float32') return Float32Array.from(values);
  if (dtype === 'int64') return BigInt64Array.from(values, (v) => BigInt(v));
  if (dtype === 'int32') return Int32Array.from(values);
  return Uint8Array.from(values);
}

function feed(dtype: ElemType, dims: number[], values: readonly number[]): Feed[string] {
  return { dtype, dims, data: tensorData(dtype, values) };
}

/** Builds a graph over `inputs` with `body`, declares its outputs, runs it, returns outputs as number arrays. */
async function run(
  inputs: Feed,
  body: (g: GraphBuilder, x: Record<string, string>) => Record<string, { value: string; dtype: ElemType; dims: (number | string)[] }>,
  opset = 17,
): Promise<Record<string, { dims: readonly number[]; values: number[] }>> {
  const g = new GraphBuilder({ opset });
  const names: Record<string, string> = {};
  for (const [name, t] of Object.entries(inputs)) names[name] = g.input(name, t.dtype, t.dims);
  const outs = body(g, names);
  const renamed: Record<string, string> = {};
  for (const [name, o] of Object.entries(outs)) {
    // Outputs named by the caller already carry the output name; others get an Identity under it.
    renamed[name] = o.value === name ? name : op.identity(g, o.value, { name });
    g.output(renamed[name], o.dtype, o.dims);
  }
  const session = await ort.InferenceSession.create(encodeModel(g.build({ irVersion: irVersionForOpset(opset) })));
  try {
    const result = await session.run(
      Object.fromEntries(Object.entries(inputs).map(([n, t]) => [n, new ort.Tensor(t.dtype, t.data, t.dims)])),
    );
    return Object.fromEntries(
      Object.keys(outs).map((n) => [n, { dims: result[n].dims, values: Array.from(result[n].data as ArrayLike<number | bigint>, Number) }]),
    );
  } finally {
    await session.release();
  }
}

const f32 = (values: number[]) => values.map((v) => Math.fround(v));
const out = (value: string, dtype: ElemType, dims: (number | string)[]) => ({ value, dtype, dims });

describe('elementwise ops', () => {
  it('add, sub, mul, div broadcast a row over a matrix; neg, exp, log, sqrt, relu, identity', async () => {
    const a = feed('float32', [2, 3], [1, -2, 3, -4, 5, 6]);
    const b = feed('float32', [3], [2, 4, -8]);
    const r = await run({ a, b }, (g, x) => ({
      add: out(op.add(g, x.a, x.b), 'float32', [2, 3]),
      sub: out(op.sub(g, x.a, x.b), 'float32', [2, 3]),
      mul: out(op.mul(g, x.a, x.b), 'float32', [2, 3]),
      div: out(op.div(g, x.a, x.b), 'float32', [2, 3]),
      neg: out(op.neg(g, x.a), 'float32', [2, 3]),
      relu: out(op.relu(g, x.a), 'float32', [2, 3]),
      exp: out(op.exp(g, x.b), 'float32', [3]),
      log: out(op.log(g, op.relu(g, x.b)), 'float32', [3]),
      sqrt: out(op.sqrt(g, op.relu(g, x.b)), 'float32', [3]),
      same: out(op.identity(g, x.b), 'float32', [3]),
    }));
    expect(r.add.values).toEqual([3, 2, -5, -2, 9, -2]);
    expect(r.sub.values).toEqual([-1, -6, 11, -6, 1, 14]);
    expect(r.mul.values).toEqual([2, -8, -24, -8, 20, -48]);
    expect(r.div.values).toEqual([0.5, -0.5, -0.375, -2, 1.25, -0.75]);
    expect(r.neg.values).toEqual([-1, 2, -3, 4, -5, -6]);
    expect(r.relu.values).toEqual([1, 0, 3, 0, 5, 6]);
    r.exp.values.forEach((v, i) => expect(v).toBeCloseTo(f32([Math.exp(2), Math.exp(4), Math.exp(-8)])[i], 4));
    expect(r.log.values.slice(0, 2)).toEqual([expect.closeTo(Math.log(2), 6), expect.closeTo(Math.log(4), 6)]);
    expect(r.log.values[2]).toBe(-Infinity);
    expect(r.sqrt.values).toEqual([expect.closeTo(Math.SQRT2, 6), 2, 0]);
    expect(r.same.values).toEqual([2, 4, -8]);
  });

  it('greater, equal and where select elementwise', async () => {
    const r = await run(
      { a: feed('float32', [4], [1, -1, 0, 2]), k: feed('int64', [4], [3, 1, 4, 1]), l: feed('int64', [4], [3, 0, 4, 2]) },
      (g, x) => {
        const zero = g.scalar(0, 'zero');
        const pos = op.greater(g, x.a, zero);
        return {
          pos: out(pos, 'bool', [4]),
          eq: out(op.equal(g, x.k, x.l), 'bool', [4]),
          sel: out(op.where(g, pos, x.a, g.scalar(-7)), 'float32', [4]),
        };
      },
    );
    expect(r.pos.values).toEqual([1, 0, 0, 1]);
    expect(r.eq.values).toEqual([1, 0, 1, 0]);
    expect(r.sel.values).toEqual([1, -7, -7, 2]);
  });
});

describe('linear algebra', () => {
  const a = feed('float32', [2, 3], [1, 2, 3, 4, 5, 6]);
  const b = feed('float32', [3, 2], [7, 8, 9, 10, 11, 12]);
  // a @ b = [[58, 64], [139, 154]]
  it('matMul, gemm with bias, transA/transB, alpha/beta; transpose', async () => {
    const r = await run({ a, b, c: feed('float32', [2], [1, -1]) }, (g, x) => ({
      mm: out(op.matMul(g, x.a, x.b), 'float32', [2, 2]),
      gemm: out(op.gemm(g, x.a, x.b, x.c), 'float32', [2, 2]),
      scaled: out(op.gemm(g, x.a, x.b, x.c, { alpha: 0.5, beta: 2 }), 'float32', [2, 2]),
      // (a^T)^T @ (b^T)^T computed through the trans flags on transposed operands.
      trans: out(op.gemm(g, op.transpose(g, x.a), op.transpose(g, x.b, { perm: [1, 0] }), undefined, { transA: true, transB: true }), 'float32', [2, 2]),
      t: out(op.transpose(g, x.a), 'float32', [3, 2]),
    }));
    expect(r.mm.values).toEqual([58, 64, 139, 154]);
    expect(r.gemm.values).toEqual([59, 63, 140, 153]);
    expect(r.scaled.values).toEqual([31, 30, 71.5, 75]);
    expect(r.trans.values).toEqual([58, 64, 139, 154]);
    expect(r.t.values).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe('softmax family and argMax', () => {
  it('softmax and logSoftmax along the last axis; argMax with and without keepdims', async () => {
    const r = await run({ z: feed('float32', [2, 3], [0, Math.log(2), Math.log(5), 3, 3, 1]) }, (g, x) => ({
      p: out(op.softmax(g, x.z), 'float32', [2, 3]),
      lp: out(op.logSoftmax(g, x.z, { axis: 1 }), 'float32', [2, 3]),
      cls: out(op.argMax(g, x.z, { axis: 1, keepdims: false }), 'int64', [2]),
      clsKeep: out(op.argMax(g, x.z, { axis: 1 }), 'int64', [2, 1]),
      clsLast: out(op.argMax(g, x.z, { axis: 1, keepdims: false, selectLastIndex: true }), 'int64', [2]),
    }));
    const e = Math.exp(3) * 2 + Math.exp(1);
    const expected = [1 / 8, 2 / 8, 5 / 8, Math.exp(3) / e, Math.exp(3) / e, Math.exp(1) / e];
    r.p.values.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    r.lp.values.forEach((v, i) => expect(v).toBeCloseTo(Math.log(expected[i]), 5));
    expect(r.cls.values).toEqual([2, 0]);
    expect(r.clsKeep).toEqual({ dims: [2, 1], values: [2, 0] });
    expect(r.clsLast.values).toEqual([2, 1]);
  });
});

describe('reductions across the opset change of their axes', () => {
  for (const opset of [13, 17, 18, 21]) {
    it(`reduceSum, reduceMean, reduceMax at opset ${opset}`, async () => {
      const r = await run(
        { x: feed('float32', [2, 3], [1, 2, 3, 4, 5, 9]) },
        (g, x) => ({
          sum0: out(op.reduceSum(g, x.x, { axes: [0], keepdims: false }), 'float32', [3]),
          sumAll: out(op.reduceSum(g, x.x, { keepdims: false }), 'float32', []),
          mean1: out(op.reduceMean(g, x.x, { axes: [1] }), 'float32', [2, 1]),
          meanAll: out(op.reduceMean(g, x.x, { keepdims: false }), 'float32', []),
          max1: out(op.reduceMax(g, x.x, { axes: [-1], keepdims: false }), 'float32', [2]),
        }),
        opset,
      );
      expect(r.sum0.values).toEqual([5, 7, 12]);
      expect(r.sumAll).toEqual({ dims: [], values: [24] });
      expect(r.mean1).toEqual({ dims: [2, 1], values: [2, 6] });
      expect(r.meanAll.values).toEqual([4]);
      expect(r.max1.values).toEqual([3, 9]);
    });
  }

  it('puts axes in an input from opset 18 for ReduceMean and from 13 for ReduceSum', () => {
    const shapeOf = (opset: number) => {
      const g = new GraphBuilder({ opset });
      const x = g.input('x', 'float32', [2, 2]);
      g.output(op.reduceMean(g, x, { axes: [0] }, { name: 'm' }), 'float32', [1, 2]);
      g.output(op.reduceSum(g, x, { axes: [0] }, { name: 's' }), 'float32', [1, 2]);
      return readOnnx(encodeModel(g.build({ irVersion: irVersionForOpset(opset) })), 'm').nodes.map((n) => n.inputs.length);
    };
    expect(shapeOf(17)).toEqual([1, 2]);
    expect(shapeOf(18)).toEqual([2, 2]);
  });
});

describe('shapes, types and indexing', () => {
  it('cast, reshape, shape, unsqueeze, squeeze, concat, gather, slice, oneHot, constant', async () => {
    const r = await run({ x: feed('float32', [2, 3], [1.5, -2.5, 3, 4, 5, 6]), labels: feed('int64', [3], [2, 0, 1]) }, (g, x) => ({
      cast: out(op.cast(g, x.x, { to: 'int32' }), 'int32', [2, 3]),
      reshape: out(op.reshape(g, x.x, [3, -1]), 'float32', [3, 2]),
      shape: out(op.shape(g, x.x), 'int64', [2]),
      unsq: out(op.unsqueeze(g, x.labels, [1]), 'int64', [3, 1]),
      sq: out(op.squeeze(g, op.unsqueeze(g, x.labels, [0]), [0]), 'int64', [3]),
      cat: out(op.concat(g, [x.labels, x.labels], { axis: 0 }), 'int64', [6]),
      rows: out(op.gather(g, x.x, g.int64s([1, 0, -1]), { axis: 0 }), 'float32', [3, 3]),
      cols: out(op.slice(g, x.x, { starts: [1], ends: [3], axes: [1] }), 'float32', [2, 2]),
      hot: out(
        op.oneHot(g, x.labels, g.int64s([3]), g.constant('onoff', { dtype: 'float32', dims: [2], values: [0, 1] })),
        'float32',
        [3, 3],
      ),
      c: out(op.constant(g, { dtype: 'float32', dims: [2], values: [0.25, 8] }), 'float32', [2]),
    }));
    expect(r.cast.values).toEqual([1, -2, 3, 4, 5, 6]);
    expect(r.reshape).toEqual({ dims: [3, 2], values: [1.5, -2.5, 3, 4, 5, 6] });
    expect(r.shape.values).toEqual([2, 3]);
    expect(r.unsq.dims).toEqual([3, 1]);
    expect(r.sq).toEqual({ dims: [3], values: [2, 0, 1] });
    expect(r.cat.values).toEqual([2, 0, 1, 2, 0, 1]);
    expect(r.rows.values).toEqual([4, 5, 6, 1.5, -2.5, 3, 4, 5, 6]);
    expect(r.cols.values).toEqual([-2.5, 3, 5, 6]);
    expect(r.hot.values).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    expect(r.c.values).toEqual([0.25, 8]);
  });

  it('loop carries a value through its body', async () => {
    const r = await run({ x: feed('float32', [2], [1, -3]) }, (g, x) => {
      const body = g.subgraph('double');
      body.input('i', 'int64', []);
      const cond = body.input('cond_in', 'bool', []);
      const v = body.input('v_in', 'float32', [2]);
      body.output(op.identity(body, cond, { name: 'cond_out' }), 'bool', []);
      body.output(op.add(body, v, v, { name: 'v_out' }), 'float32', [2]);
      const [final] = op.loop(g, g.constant('trips', { dtype: 'int64', dims: [], values: [3] }), '', [x.x], body.graph());
      return { y: out(final, 'float32', [2]) };
    });
    expect(r.y.values).toEqual([8, -24]);
  });
});

describe('convolution and pooling ops', () => {
  // x: one image of one channel, 3x3 = 1..9; kernel 2x2 [[1, 0], [0, -1]].
  const X = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const K = [1, 0, 0, -1];

  it('conv: valid, padded and strided, with bias; convTranspose undoes the shapes with outputPadding', async () => {
    const r = await run({ x: feed('float32', [1, 1, 3, 3], X), k: feed('float32', [1, 1, 2, 2], K), b: feed('float32', [1], [10]) }, (g, v) => ({
      valid: out(op.conv(g, v.x, v.k, v.b), 'float32', [1, 1, 2, 2]),
      padded: out(op.conv(g, v.x, v.k, undefined, { pads: [1, 1, 0, 0], strides: [2, 2] }), 'float32', [1, 1, 2, 2]),
      back: out(op.convTranspose(g, op.conv(g, v.x, v.k, undefined, { strides: [2, 2] }), v.k, undefined, { strides: [2, 2], outputPadding: [1, 1] }), 'float32', [1, 1, 3, 3]),
    }));
    // x[i][j] - x[i+1][j+1] = -4 everywhere, + 10.
    expect(r.valid).toEqual({ dims: [1, 1, 2, 2], values: [6, 6, 6, 6] });
    // Padded top-left by one, stride 2: windows at (-1,-1), (-1,1), (1,-1), (1,1).
    expect(r.padded.values).toEqual([-1, -3, -7, -4]);
    // One output (-4) at stride 2 spread back through the kernel onto a 3x3 (outputPadding adds the last row and column).
    expect(r.back).toEqual({ dims: [1, 1, 3, 3], values: [-4, 0, 0, 0, 4, 0, 0, 0, 0] });
  });

  it('maxPool gives the maxima and their flat indices over N, C, H, W; scatterElements with add puts values back', async () => {
    // Two channels of 2x2 pooled by 2: channel 0 max at (1, 0), channel 1 a tie of 5s (the first wins).
    const r = await run({ x: feed('float32', [1, 2, 2, 2], [1, 2, 9, 3, 5, 5, 0, 1]) }, (g, v) => {
      const [pooled, indices] = op.maxPool(g, v.x, { kernelShape: [2, 2], strides: [2, 2] });
      const flatIndices = op.reshape(g, indices, [-1]);
      const zeros = op.constantOfShape(g, g.int64s([8]), 0);
      const updates = g.constant('updates', { dtype: 'float32', dims: [2], values: [7, 11] });
      return {
        pooled: out(pooled, 'float32', [1, 2, 1, 1]),
        indices: out(indices, 'int64', [1, 2, 1, 1]),
        scattered: out(op.scatterElements(g, zeros, flatIndices, updates), 'float32', [8]),
        added: out(op.scatterElements(g, zeros, g.int64s([3, 3]), updates, { reduction: 'add' }), 'float32', [8]),
        sevens: out(op.constantOfShape(g, g.int64s([2]), 7, 'int64'), 'int64', [2]),
      };
    });
    expect(r.pooled.values).toEqual([9, 5]);
    expect(r.indices.values).toEqual([2, 4]);
    expect(r.scattered.values).toEqual([0, 0, 7, 0, 11, 0, 0, 0]);
    expect(r.added.values).toEqual([0, 0, 0, 18, 0, 0, 0, 0]);
    expect(r.sevens.values).toEqual([7, 7]);
  });

  it('scatterElements refuses a reduction before opset 16', () => {
    const g = new GraphBuilder({ opset: 15 });
    const x = g.input('x', 'float32', [2]);
    expect(() => op.scatterElements(g, x, g.int64s([0]), g.scalar(1), { reduction: 'add' })).toThrow(/opset 16/);
  });
});

describe('a training step expressed with the op helpers', () => {
  it('dense + ReLU + softmax cross-entropy: forward, backward and SGD update match plain JS', async () => {
    // x [2,3], W1 [3,2], b1 [2], W2 [2,3], b2 [3], labels [2]; learning rate 0.5.
    const X = [0.5, -1, 2, 1.5, 0.25, -0.5];
    const W1 = [0.2, -0.4, 0.6, 0.1, -0.3, 0.8];
    const B1 = [0.05, -0.1];
    const W2 = [0.3, -0.2, 0.5, -0.6, 0.4, 0.1];
    const B2 = [0.01, 0.02, -0.03];
    const LABELS = [2, 0];
    const LR = 0.5;
    const r = await run(
      {
        x: feed('float32', [2, 3], X),
        w1: feed('float32', [3, 2], W1),
        b1: feed('float32', [2], B1),
        w2: feed('float32', [2, 3], W2),
        b2: feed('float32', [3], B2),
        y: feed('int64', [2], LABELS),
      },
      (g, v) => {
        const z1 = op.gemm(g, v.x, v.w1, v.b1);
        const h = op.relu(g, z1);
        const logits = op.gemm(g, h, v.w2, v.b2);
        const onehot = op.oneHot(g, v.y, g.int64s([3]), g.constant('onoff', { dtype: 'float32', dims: [2], values: [0, 1] }));
        const xent = op.neg(g, op.reduceSum(g, op.mul(g, onehot, op.logSoftmax(g, logits)), { axes: [1], keepdims: false }));
        const loss = op.reduceMean(g, xent, { keepdims: false });
        const batch = op.cast(g, op.gather(g, op.shape(g, v.x), g.int64s([0]), { axis: 0 }), { to: 'float32' });
        const dLogits = op.div(g, op.sub(g, op.softmax(g, logits), onehot), batch);
        const dW2 = op.gemm(g, h, dLogits, undefined, { transA: true });
        const dB2 = op.reduceSum(g, dLogits, { axes: [0], keepdims: false });
        const dH = op.gemm(g, dLogits, v.w2, undefined, { transB: true });
        const dZ1 = op.where(g, op.greater(g, z1, g.scalar(0)), dH, g.scalar(0));
        const dW1 = op.gemm(g, v.x, dZ1, undefined, { transA: true });
        const dB1 = op.reduceSum(g, dZ1, { axes: [0], keepdims: false });
        const lr = g.scalar(LR, 'learning_rate');
        const step = (w: string, dw: string) => op.sub(g, w, op.mul(g, lr, dw));
        return {
          loss: out(loss, 'float32', []),
          w1_new: out(step(v.w1, dW1), 'float32', [3, 2]),
          b1_new: out(step(v.b1, dB1), 'float32', [2]),
          w2_new: out(step(v.w2, dW2), 'float32', [2, 3]),
          b2_new: out(step(v.b2, dB2), 'float32', [3]),
        };
      },
    );
    // The same 3-2-3 network and step by the float64 reference.
    const spec: ModelSpec = { inputSize: 3, hiddenUnits: [2], activation: 'relu', outputSize: 3, initializer: 'truncated_normal' };
    const [hidden, outputs] = layerNames(spec);
    const expected = referenceWeights(spec, [W1, B1, W2, B2]);
    const loss = referenceStep({ spec, optimizer: { name: 'sgd', learningRate: LR } }, expected, { images: X, labels: LABELS, pixelScale: 1 });
    expect(r.loss.values[0]).toBeCloseTo(loss, 6);
    const names = { w1: hidden.kernel, b1: hidden.bias, w2: outputs.kernel, b2: outputs.bias };
    for (const k of ['w1', 'b1', 'w2', 'b2'] as const) {
      r[`${k}_new`].values.forEach((value, i) => expect(value, `${k}[${i}]`).toBeCloseTo(expected.get(names[k])!.values[i], 6));
    }
  });
});
