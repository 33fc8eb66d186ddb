// readOnnxMlp on graphs built here the way PyTorch and tf2onnx write them: the layers it reads compute
// what ONNX Runtime computes on the original graph, and everything else is refused in one line.
import { ACTIVATIONS, type Activation } from '@mnist/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from './export-onnx.js';
import { attr, encodeModel, GraphBuilder, type Dim } from './graph-builder.js';
import { mlpModel, readOnnxMlp, OnnxImportError } from './import-mlp.js';
import { add, concat, constant, elu, gather, gemm, identity, leakyRelu, logSoftmax, matMul, relu, reshape, selu, shape, sigmoid, softmax, tanh, unsqueeze } from './ops.js';
import { maxAbsDifference, randomCheckpoint, randomImages, referenceForward, scaled, seededRandom } from './testing/index.js';

type Style = 'gemm' | 'gemm-transB' | 'matmul-add' | 'add-matmul' | 'matmul';
type Layout = 'flat' | 'nchw' | 'nhwc' | 'nhw';

interface MlpGraph {
  layout?: Layout;
  /** How the image batch is flattened for non-flat layouts; `view-size` flattens a flat one too. */
  flatten?: 'Flatten' | 'Reshape' | 'view-size';
  sizes?: number[];
  style?: Style;
  /** Gemm alpha and beta. */
  alpha?: number;
  beta?: number;
  activation?: (g: GraphBuilder, z: string) => string;
  head?: 'softmax' | 'log_softmax';
  /** Weights as Constant nodes instead of initializers. */
  constantNodes?: boolean;
  /** Identity and Dropout nodes around the first activation. */
  passThroughs?: boolean;
  seed?: number;
}

const LAYOUT_DIMS: Record<Layout, Dim[]> = { flat: ['N', 784], nchw: ['N', 1, 28, 28], nhwc: ['N', 28, 28, 1], nhw: ['N', 28, 28] };
const ACTIVATION_NODES: Record<Activation, (g: GraphBuilder, z: string) => string> = {
  relu: (g, z) => relu(g, z),
  leaky_relu: (g, z) => leakyRelu(g, z, { alpha: 0.01 }),
  elu: (g, z) => elu(g, z, { alpha: 0.5 }),
  selu: (g, z) => selu(g, z, { alpha: 1.6732632423543772, gamma: 1.0507009873554805 }),
  tanh: (g, z) => tanh(g, z),
  sigmoid: (g, z) => sigmoid(g, z),
};

/**
 * torch.onnx.export's `x.view(x.size(0), rest)` with a dynamic batch: a Reshape whose shape is
 * Concat(Unsqueeze(Gather(Shape(x), 0)), rest), the indices, axes and rest as Constant nodes.
 */
function viewSize(g: GraphBuilder, x: string, rest: number[] = [-1]): string {
  const size0 = gather(g, shape(g, x), constant(g, { dtype: 'int64', dims: [], values: [0] }));
  const rows = g.node('Unsqueeze', [size0, constant(g, { dtype: 'int64', dims: [1], values: [0] })])[0];
  return reshape(g, x, concat(g, [rows, constant(g, { dtype: 'int64', dims: [rest.length], values: rest })], { axis: 0 }));
}

/** A 784-...-10 MLP written the way `style` says, with seeded random weights. */
function mlpGraph(o: MlpGraph = {}): Uint8Array {
  const g = new GraphBuilder({ opset: 17 });
  const random = seededRandom(o.seed ?? 3);
  const layout = o.layout ?? 'flat';
  let h = g.input('input', 'float32', LAYOUT_DIMS[layout]);
  if (o.flatten === 'view-size') h = viewSize(g, h);
  else if (layout !== 'flat') h = o.flatten === 'Reshape' ? reshape(g, h, [-1, 784]) : g.node('Flatten', [h], { attributes: { axis: attr.int(1) } })[0];
  const sizes = [784, ...(o.sizes ?? [32, 16]), 10];
  const style = o.style ?? 'gemm-transB';
  const tensor = (hint: string, dims: number[], scale: number): string => {
    const values = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => (random() * 2 - 1) * scale);
    return o.constantNodes ? constant(g, { dtype: 'float32', dims, values }) : g.constant(hint, { dtype: 'float32', dims, values });
  };
  for (let i = 1; i < sizes.length; i++) {
    const [fanIn, fanOut] = [sizes[i - 1], sizes[i]];
    const scale = 2 / Math.sqrt(fanIn);
    const isOutput = i === sizes.length - 1;
    if (style === 'gemm' || style === 'gemm-transB') {
      const transB = style === 'gemm-transB';
      const w = tensor(`fc${i}.weight`, transB ? [fanOut, fanIn] : [fanIn, fanOut], scale);
      h = gemm(g, h, w, tensor(`fc${i}.bias`, [fanOut], 0.2), { transB, alpha: o.alpha, beta: o.beta });
    } else {
      const product = matMul(g, h, tensor(`dense${i}/kernel`, [fanIn, fanOut], scale));
      if (style === 'matmul') h = product;
      else {
        const bias = tensor(`dense${i}/bias`, [fanOut], 0.2);
        h = style === 'matmul-add' ? add(g, product, bias) : add(g, bias, product);
      }
    }
    if (!isOutput) {
      if (o.passThroughs && i === 1) h = g.node('Dropout', [identity(g, h)], { outputs: 1 })[0];
      h = (o.activation ?? ACTIVATION_NODES.relu)(g, h);
    }
  }
  if (o.head === 'softmax') h = softmax(g, h, { axis: 1 });
  if (o.head === 'log_softmax') h = logSoftmax(g, h, { axis: -1 });
  // torch.onnx.export often leaves an Identity before the output.
  if (o.head && o.passThroughs) h = identity(g, h);
  g.output(h, 'float32', ['N', 10]);
  return encodeModel(g.build({ irVersion: 8 }));
}

/** ONNX Runtime's output on the original graph and the imported layers' logits, for 6 images. */
async function compare(bytes: Uint8Array, layout: Layout = 'flat'): Promise<{ runtime: Float32Array; imported: Float64Array }> {
  const x = scaled(randomImages(6, 9));
  const session = await ort.InferenceSession.create(bytes);
  const dims = LAYOUT_DIMS[layout].map((d) => (d === 'N' ? 6 : (d as number)));
  const result = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, dims) });
  const { spec, weights } = mlpModel(readOnnxMlp(bytes, 'mlp.onnx'));
  return { runtime: result[session.outputNames[0]].data as Float32Array, imported: referenceForward(spec, weights, x, 1) };
}

function softmaxRows(logits: Float64Array, log: boolean): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / 10; r++) {
    const row = logits.subarray(r * 10, r * 10 + 10);
    const max = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    row.forEach((v, j) => (out[r * 10 + j] = log ? v - max - Math.log(sum) : Math.exp(v - max) / sum));
  }
  return out;
}

describe('readOnnxMlp reads', () => {
  it.each<[Style, number | undefined, number | undefined]>([
    ['gemm-transB', undefined, undefined],
    ['gemm', undefined, undefined],
    ['gemm-transB', 0.5, 2],
    ['gemm', 1.5, 0.25],
  ])('Gemm (%s, alpha %s, beta %s): the same logits as onnxruntime within 1e-5', async (style, alpha, beta) => {
    const { runtime, imported } = await compare(mlpGraph({ style, alpha, beta }));
    expect(maxAbsDifference(runtime, imported)).toBeLessThan(1e-5);
  });

  it.each<Style>(['matmul-add', 'add-matmul', 'matmul'])('%s (tf2onnx style, the bias on either side, or none)', async (style) => {
    const bytes = mlpGraph({ style });
    const { runtime, imported } = await compare(bytes);
    expect(maxAbsDifference(runtime, imported)).toBeLessThan(1e-5);
    expect(readOnnxMlp(bytes).ops).toEqual(style === 'matmul' ? ['MatMul', 'Relu', 'MatMul', 'Relu', 'MatMul'] : ['MatMul', 'Add', 'Relu', 'MatMul', 'Add', 'Relu', 'MatMul', 'Add']);
  });

  it.each(ACTIVATIONS)('%s between the layers, with its constants', async (activation) => {
    const bytes = mlpGraph({ activation: ACTIVATION_NODES[activation] });
    const mlp = readOnnxMlp(bytes);
    expect(mlp.activation).toBe(activation);
    const { spec } = mlpModel(mlp);
    if (activation === 'leaky_relu') expect(spec.leakyReluAlpha).toBe(0.01);
    if (activation === 'elu') expect(spec.eluAlpha).toBe(0.5);
    const { runtime, imported } = await compare(bytes);
    expect(maxAbsDifference(runtime, imported)).toBeLessThan(1e-5);
  });

  it('a LeakyRelu with our own slope 0.2 and an Elu with alpha 1 leave the spec without constants', () => {
    expect(mlpModel(readOnnxMlp(mlpGraph({ activation: (g, z) => leakyRelu(g, z, { alpha: 0.2 }) }))).spec).not.toHaveProperty('leakyReluAlpha');
    expect(mlpModel(readOnnxMlp(mlpGraph({ activation: (g, z) => elu(g, z, { alpha: 1 }) }))).spec).not.toHaveProperty('eluAlpha');
  });

  it.each<[Layout, 'Flatten' | 'Reshape']>([
    ['nchw', 'Flatten'],
    ['nhwc', 'Reshape'],
    ['nhw', 'Flatten'],
    ['nchw', 'Reshape'],
  ])('a %s input flattened by %s', async (layout, flatten) => {
    const { runtime, imported } = await compare(mlpGraph({ layout, flatten }), layout);
    expect(maxAbsDifference(runtime, imported)).toBeLessThan(1e-5);
  });

  it.each<[Layout, Style]>([
    ['nchw', 'gemm-transB'],
    ['flat', 'gemm-transB'],
    ['nhwc', 'matmul-add'],
  ])("a %s input reshaped by torch's x.view(x.size(0), -1) (a shape computed by Shape, Gather, Unsqueeze, Concat), then %s", async (layout, style) => {
    const bytes = mlpGraph({ layout, flatten: 'view-size', style });
    expect(readOnnxMlp(bytes).ops.slice(0, 2)).toEqual(['Reshape', style === 'gemm-transB' ? 'Gemm' : 'MatMul']);
    const { runtime, imported } = await compare(bytes, layout);
    expect(maxAbsDifference(runtime, imported)).toBeLessThan(1e-5);
  });

  it.each<['softmax' | 'log_softmax', string]>([
    ['softmax', 'probabilities'],
    ['log_softmax', 'log-probabilities'],
  ])('a final %s, dropped: the layers give logits whose %s match the runtime', async (head, kind) => {
    const bytes = mlpGraph({ head, passThroughs: true });
    expect(readOnnxMlp(bytes).output.head).toBe(kind);
    const { runtime, imported } = await compare(bytes);
    expect(maxAbsDifference(runtime, softmaxRows(imported, head === 'log_softmax'))).toBeLessThan(1e-5);
  });

  it('weights from Constant nodes, with Identity and Dropout as pass-throughs', async () => {
    const bytes = mlpGraph({ constantNodes: true, passThroughs: true });
    expect(readOnnxMlp(bytes).ops.slice(0, 4)).toEqual(['Gemm', 'Identity', 'Dropout', 'Relu']);
    const { runtime, imported } = await compare(bytes);
    expect(maxAbsDifference(runtime, imported)).toBeLessThan(1e-5);
  });

  it("our own export (Softmax and ArgMax heads beside the logits) gives back the checkpoint's weights", () => {
    const checkpoint = randomCheckpoint([24, 12], 4, { activation: 'tanh' });
    const mlp = readOnnxMlp(exportOnnx(checkpoint));
    expect(mlp.output).toEqual({ name: 'logits', head: 'logits' });
    const { spec, weights } = mlpModel(mlp);
    expect(spec).toMatchObject({ hiddenUnits: [24, 12], activation: 'tanh', outputSize: 10 });
    expect(maxAbsDifference(weights, checkpoint.weights)).toBe(0);
  });
});

/** The one-line message readOnnxMlp refuses `bytes` with. */
function refusal(bytes: Uint8Array): string {
  try {
    readOnnxMlp(bytes, 'foreign.onnx');
  } catch (e) {
    expect(e).toBeInstanceOf(OnnxImportError);
    const message = (e as Error).message;
    expect(message).not.toContain('\n');
    expect(message.startsWith('foreign.onnx: ')).toBe(true);
    return message;
  }
  throw new Error('readOnnxMlp read the graph');
}

/** A graph from input `dims` through `body`, with `out` as its [N, 10] output. */
function graphOf(dims: Dim[], body: (g: GraphBuilder, x: string) => string): Uint8Array {
  const g = new GraphBuilder({ opset: 17 });
  const y = body(g, g.input('input', 'float32', dims));
  g.output(y, 'float32', ['N', 10]);
  return encodeModel(g.build({ irVersion: 8 }));
}

const weight = (g: GraphBuilder, dims: number[]): string => g.constant('w', { dtype: 'float32', dims, values: new Float32Array(dims.reduce((a, b) => a * b, 1)) });

describe('readOnnxMlp refuses', () => {
  it('another op, naming it and the node with its position', () => {
    const bytes = graphOf(['N', 1, 28, 28], (g, x) => {
      const [conv] = g.node('Conv', [x, weight(g, [4, 1, 3, 3])], { name: 'conv1' });
      const [flat] = g.node('Flatten', [conv]);
      return gemm(g, flat, weight(g, [2704, 10]));
    });
    expect(refusal(bytes)).toMatch(/^foreign\.onnx: Conv node "conv1" \(node 1 of 3\) is a Conv, which mnist import does not read; mnist import reads MLPs: Gemm/);
  });

  it('mixed activations', () => {
    let n = 0;
    const bytes = mlpGraph({ activation: (g, z) => (n++ === 0 ? relu(g, z) : tanh(g, z)) });
    expect(refusal(bytes)).toMatch(/mixes activations: Relu node "Relu" \(node 2 of 5\) and Tanh node "Tanh" \(node 4 of 5\); a checkpoint has one activation/);
  });

  it('LeakyRelu slopes that differ between layers', () => {
    let n = 0;
    const bytes = mlpGraph({ activation: (g, z) => leakyRelu(g, z, { alpha: n++ === 0 ? 0.01 : 0.2 }) });
    expect(refusal(bytes)).toMatch(/mixes activations: LeakyRelu node .* with alpha 0.01 and LeakyRelu node .* with alpha 0.2;/);
  });

  it('layers whose shapes do not chain', () => {
    const bytes = graphOf(['N', 784], (g, x) => gemm(g, relu(g, gemm(g, x, weight(g, [784, 32]))), weight(g, [16, 10])));
    expect(refusal(bytes)).toMatch(/Gemm node "Gemm_1" \(node 3 of 3\) takes 16 inputs, the value before it has 32: the shapes do not chain/);
  });

  it('an input that is not 784 pixels', () => {
    expect(refusal(graphOf(['N', 3, 32, 32], (g, x) => gemm(g, g.node('Flatten', [x])[0], weight(g, [3072, 10]))))).toMatch(
      /input input has shape \[N, 3, 32, 32\] \(3072 values per image\); mnist import takes 28x28 grayscale images \(784 values\)/,
    );
  });

  it('an activation after the last layer', () => {
    expect(refusal(graphOf(['N', 784], (g, x) => sigmoid(g, gemm(g, x, weight(g, [784, 10])))))).toMatch(
      /ends in Sigmoid node "Sigmoid" \(node 2 of 2\) after its last dense layer; expected logits there, or a final Softmax\/LogSoftmax/,
    );
  });

  it('two dense layers with no activation between', () => {
    expect(refusal(graphOf(['N', 784], (g, x) => gemm(g, gemm(g, x, weight(g, [784, 32])), weight(g, [32, 10]))))).toMatch(/follows the dense layer Gemm with no activation between/);
  });

  it('a dense layer on an image batch that is not flattened', () => {
    expect(refusal(graphOf(['N', 28, 28], (g, x) => matMul(g, x, weight(g, [28, 10]))))).toMatch(/MatMul node "MatMul" \(node 1 of 1\) gets a \[N, 28, 28\] value; flatten it to \[N, 784\] first/);
  });

  it('a reshape that does not keep one row per image', () => {
    expect(refusal(graphOf(['N', 1, 28, 28], (g, x) => gemm(g, reshape(g, x, [-1, 28]), weight(g, [28, 10]))))).toMatch(/Reshape node "Reshape" \(node 1 of 2\) reshapes \[N, 1, 28, 28\] to \[-1, 28\]/);
  });

  it('a Reshape whose shape is computed with another op, away from the input, to 3 dimensions, or from a value used elsewhere', () => {
    const added = graphOf(['N', 1, 28, 28], (g, x) => {
      const size = add(g, shape(g, x), constant(g, { dtype: 'int64', dims: [4], values: [0, 0, 0, 0] }));
      const rows = unsqueeze(g, gather(g, size, constant(g, { dtype: 'int64', dims: [], values: [0] })), [0]);
      return gemm(g, reshape(g, x, concat(g, [rows, g.int64s([-1], 'rest')], { axis: 0 })), weight(g, [784, 10]));
    });
    expect(refusal(added)).toMatch(
      /Reshape node "Reshape" \(node \d+ of \d+\): its shape "Concat_out" is computed with Add node "Add" \(node 3 of 9\); mnist import reads a computed shape only from Shape, Gather/,
    );
    const hidden = graphOf(['N', 784], (g, x) => gemm(g, viewSize(g, relu(g, gemm(g, x, weight(g, [784, 32])))), weight(g, [32, 10])));
    expect(refusal(hidden)).toMatch(/Reshape node "Reshape" \(node \d+ of \d+\) reshapes after the dense layer Gemm with a shape computed in the graph/);
    const threeD = graphOf(['N', 1, 28, 28], (g, x) => matMul(g, viewSize(g, x, [1, -1]), weight(g, [784, 10])));
    expect(refusal(threeD)).toMatch(/Reshape node "Reshape" \(node \d+ of \d+\) reshapes to 3 dimensions with a shape computed in the graph/);
    const beforeRelu = graphOf(['N', 784], (g, x) => gemm(g, relu(g, viewSize(g, x)), weight(g, [784, 10])));
    expect(refusal(beforeRelu)).toMatch(/Relu node "Relu" \(node \d+ of \d+\) follows Reshape node "Reshape" .*, whose shape is computed in the graph/);
    const g = new GraphBuilder({ opset: 17 });
    const x = g.input('input', 'float32', ['N', 784]);
    g.output(gemm(g, viewSize(g, x), weight(g, [784, 10])), 'float32', ['N', 10]);
    g.output('Shape_out', 'int64', [2]);
    expect(refusal(encodeModel(g.build({ irVersion: 8 })))).toMatch(/value "input" feeds 2 nodes \(Shape node "Shape" \(node 1 of \d+\), Reshape node "Reshape"/);
  });

  it('a branch: a value feeding two nodes', () => {
    const bytes = graphOf(['N', 784], (g, x) => add(g, gemm(g, x, weight(g, [784, 10])), gemm(g, x, weight(g, [784, 10]))));
    expect(refusal(bytes)).toMatch(/value "input" feeds 2 nodes \(Gemm node "Gemm" \(node 1 of 3\), Gemm node "Gemm_1" \(node 2 of 3\)\)/);
  });

  it('weights computed in the graph, a transposed batch, the weight first in a MatMul, other Selu constants, a Softmax on the batch axis', () => {
    const computed = graphOf(['N', 784], (g, x) => gemm(g, x, relu(g, weight(g, [784, 10]))));
    expect(refusal(computed)).toMatch(/Gemm node "Gemm" \(node 2 of 2\): its weight B "Relu_out" is computed in the graph/);
    expect(refusal(graphOf(['N', 784], (g, x) => gemm(g, x, weight(g, [784, 10]), undefined, { transA: true })))).toMatch(/has transA 1/);
    expect(refusal(graphOf(['N', 784], (g, x) => matMul(g, weight(g, [10, 10]), x)))).toMatch(/MatMul node "MatMul" \(node 1 of 1\) takes "input" as input 2, not as its data input/);
    const oddSelu = graphOf(['N', 784], (g, x) => gemm(g, selu(g, gemm(g, x, weight(g, [784, 8])), { alpha: 2, gamma: 1 }), weight(g, [8, 10])));
    expect(refusal(oddSelu)).toMatch(/Selu node "Selu" \(node 2 of 3\) has alpha 2 and gamma 1; mnist import takes SELU's standard constants/);
    expect(refusal(graphOf(['N', 784], (g, x) => softmax(g, gemm(g, x, weight(g, [784, 10])), { axis: 0 })))).toMatch(/works along axis 0; expected the class axis/);
  });

  it('a non-positive LeakyRelu slope, and a node after the final Softmax', () => {
    const negative = graphOf(['N', 784], (g, x) => gemm(g, leakyRelu(g, gemm(g, x, weight(g, [784, 8])), { alpha: -0.5 }), weight(g, [8, 10])));
    expect(refusal(negative)).toMatch(/LeakyRelu node "LeakyRelu" \(node 2 of 3\) has alpha -0.5; mnist import takes a positive LeakyRelu alpha/);
    expect(refusal(graphOf(['N', 784], (g, x) => relu(g, softmax(g, gemm(g, x, weight(g, [784, 10]))))))).toMatch(/Relu node "Relu" \(node 3 of 3\) follows the final Softmax/);
  });
});
