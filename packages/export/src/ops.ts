// One typed helper per ONNX operator we emit (ai.onnx, opsets 13-26), in the style of TensorFlow.js kernels.
import { attr, ELEM_TYPE_CODES, type ElemType, type GraphBuilder, type TensorValues } from './graph-builder.js';
import type { GraphProto } from './onnx-proto.js';

/** ai.onnx operator type names, as constants so that op types are never typed twice. */
export const OpType = Object.freeze({
  Add: 'Add',
  ArgMax: 'ArgMax',
  Cast: 'Cast',
  Concat: 'Concat',
  Constant: 'Constant',
  ConstantOfShape: 'ConstantOfShape',
  Conv: 'Conv',
  ConvTranspose: 'ConvTranspose',
  Div: 'Div',
  Elu: 'Elu',
  Equal: 'Equal',
  Exp: 'Exp',
  Gather: 'Gather',
  Gemm: 'Gemm',
  Greater: 'Greater',
  Identity: 'Identity',
  Log: 'Log',
  LeakyRelu: 'LeakyRelu',
  LogSoftmax: 'LogSoftmax',
  Loop: 'Loop',
  MatMul: 'MatMul',
  MaxPool: 'MaxPool',
  Mul: 'Mul',
  Neg: 'Neg',
  OneHot: 'OneHot',
  ReduceMax: 'ReduceMax',
  ReduceMean: 'ReduceMean',
  ReduceSum: 'ReduceSum',
  Relu: 'Relu',
  Reshape: 'Reshape',
  ScatterElements: 'ScatterElements',
  Selu: 'Selu',
  Sigmoid: 'Sigmoid',
  Shape: 'Shape',
  Slice: 'Slice',
  Softmax: 'Softmax',
  Sqrt: 'Sqrt',
  Squeeze: 'Squeeze',
  Sub: 'Sub',
  Tanh: 'Tanh',
  Transpose: 'Transpose',
  Unsqueeze: 'Unsqueeze',
  Where: 'Where',
} as const);

export type OpTypeName = (typeof OpType)[keyof typeof OpType];

/** Where an op's result goes: a fixed name (graph outputs, updated weights) or a generated one. */
export interface OutputName {
  name?: string;
}

/** Opset from which these reductions take `axes` as an input rather than an attribute. */
export const REDUCE_SUM_AXES_INPUT_SINCE = 13;
export const REDUCE_AXES_INPUT_SINCE = 18;

function single(g: GraphBuilder, op: OpTypeName, inputs: string[], out: OutputName | undefined, attributes = {}): string {
  return g.node(op, inputs, { outputs: out?.name ? [out.name] : 1, attributes })[0];
}

// ---- Elementwise arithmetic (numpy-style broadcasting) ----

/** a + b. @example const y = add(g, xw, bias); */
export function add(g: GraphBuilder, a: string, b: string, out?: OutputName): string {
  return single(g, OpType.Add, [a, b], out);
}

/** a - b. @example const w2 = sub(g, w, step, { name: 'w_new' }); */
export function sub(g: GraphBuilder, a: string, b: string, out?: OutputName): string {
  return single(g, OpType.Sub, [a, b], out);
}

/** a * b. @example const step = mul(g, grad, learningRate); */
export function mul(g: GraphBuilder, a: string, b: string, out?: OutputName): string {
  return single(g, OpType.Mul, [a, b], out);
}

/** a / b (integer division truncates for integer types). @example const mean = div(g, sum, count); */
export function div(g: GraphBuilder, a: string, b: string, out?: OutputName): string {
  return single(g, OpType.Div, [a, b], out);
}

/** -x. @example const loss = neg(g, logLikelihood); */
export function neg(g: GraphBuilder, x: string, out?: OutputName): string {
  return single(g, OpType.Neg, [x], out);
}

/** e^x. @example const e = exp(g, logits); */
export function exp(g: GraphBuilder, x: string, out?: OutputName): string {
  return single(g, OpType.Exp, [x], out);
}

/** Natural logarithm. @example const l = log(g, probabilities); */
export function log(g: GraphBuilder, x: string, out?: OutputName): string {
  return single(g, OpType.Log, [x], out);
}

/** Square root. @example const rms = sqrt(g, meanSquare); */
export function sqrt(g: GraphBuilder, x: string, out?: OutputName): string {
  return single(g, OpType.Sqrt, [x], out);
}

/** max(x, 0). @example const hidden1 = relu(g, z1); */
export function relu(g: GraphBuilder, x: string, out?: OutputName): string {
  return single(g, OpType.Relu, [x], out);
}

/** x > 0 ? x : alpha * x. @example const h = leakyRelu(g, z, { alpha: 0.2 }); */
export function leakyRelu(g: GraphBuilder, x: string, attrs: { alpha: number }, out?: OutputName): string {
  return single(g, OpType.LeakyRelu, [x], out, { alpha: attr.float(attrs.alpha) });
}

/** x > 0 ? x : alpha * (e^x - 1). @example const h = elu(g, z, { alpha: 1 }); */
export function elu(g: GraphBuilder, x: string, attrs: { alpha: number }, out?: OutputName): string {
  return single(g, OpType.Elu, [x], out, { alpha: attr.float(attrs.alpha) });
}

/** gamma * (x > 0 ? x : alpha * (e^x - 1)). @example const h = selu(g, z, { alpha: 1.6733, gamma: 1.0507 }); */
export function selu(g: GraphBuilder, x: string, attrs: { alpha: number; gamma: number }, out?: OutputName): string {
  return single(g, OpType.Selu, [x], out, { alpha: attr.float(attrs.alpha), gamma: attr.float(attrs.gamma) });
}

/** Hyperbolic tangent. @example const h = tanh(g, z); */
export function tanh(g: GraphBuilder, x: string, out?: OutputName): string {
  return single(g, OpType.Tanh, [x], out);
}

/** 1 / (1 + e^-x). @example const h = sigmoid(g, z); */
export function sigmoid(g: GraphBuilder, x: string, out?: OutputName): string {
  return single(g, OpType.Sigmoid, [x], out);
}

/** x, under another name (e.g. to expose a value as a second graph output). @example identity(g, x, { name: 'y' }) */
export function identity(g: GraphBuilder, x: string, out?: OutputName): string {
  return single(g, OpType.Identity, [x], out);
}

// ---- Comparison and selection ----

/** a > b, elementwise, as bool. @example const active = greater(g, z, zero); */
export function greater(g: GraphBuilder, a: string, b: string, out?: OutputName): string {
  return single(g, OpType.Greater, [a, b], out);
}

/** a == b, elementwise, as bool (integer and bool inputs; float since opset 11). @example const hit = equal(g, classes, labels); */
export function equal(g: GraphBuilder, a: string, b: string, out?: OutputName): string {
  return single(g, OpType.Equal, [a, b], out);
}

/** condition ? x : y, elementwise with broadcasting. @example const dz = where(g, active, dh, zero); */
export function where(g: GraphBuilder, condition: string, x: string, y: string, out?: OutputName): string {
  return single(g, OpType.Where, [condition, x, y], out);
}

// ---- Linear algebra ----

/** Matrix product with numpy broadcasting of batch dimensions. @example const xw = matMul(g, x, kernel); */
export function matMul(g: GraphBuilder, a: string, b: string, out?: OutputName): string {
  return single(g, OpType.MatMul, [a, b], out);
}

export interface GemmAttrs {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
}

/**
 * alpha * op(A) * op(B) + beta * C for 2-D A and B, C broadcast to the result (optional since opset 11).
 * @example const logits = gemm(g, hidden2, kernel, bias, {}, { name: 'logits' });
 */
export function gemm(g: GraphBuilder, a: string, b: string, c?: string, attrs: GemmAttrs = {}, out?: OutputName): string {
  return single(g, OpType.Gemm, c === undefined ? [a, b] : [a, b, c], out, {
    transA: attrs.transA ? attr.int(1) : undefined,
    transB: attrs.transB ? attr.int(1) : undefined,
    alpha: attrs.alpha !== undefined && attrs.alpha !== 1 ? attr.float(attrs.alpha) : undefined,
    beta: attrs.beta !== undefined && attrs.beta !== 1 ? attr.float(attrs.beta) : undefined,
  });
}

/** Permutes dimensions; reverses them when `perm` is absent. @example const xt = transpose(g, x, { perm: [1, 0] }); */
export function transpose(g: GraphBuilder, x: string, attrs: { perm?: readonly number[] } = {}, out?: OutputName): string {
  return single(g, OpType.Transpose, [x], out, { perm: attrs.perm ? attr.ints(attrs.perm) : undefined });
}

// ---- Convolution and pooling (NCHW) ----

/** Attributes of Conv and ConvTranspose on [N, C, H, W]; omitted ones take ONNX's defaults (1s, no padding). */
export interface ConvAttrs {
  /** [kH, kW]; ONNX infers it from the kernel when absent. */
  kernelShape?: readonly number[];
  strides?: readonly number[];
  /** [top, left, bottom, right]. */
  pads?: readonly number[];
  dilations?: readonly number[];
  group?: number;
}

function convAttributes(attrs: ConvAttrs) {
  const nonDefault = (v: readonly number[] | undefined, d: number) => (v && v.some((x) => x !== d) ? attr.ints(v) : undefined);
  return {
    kernel_shape: attrs.kernelShape ? attr.ints(attrs.kernelShape) : undefined,
    strides: nonDefault(attrs.strides, 1),
    pads: nonDefault(attrs.pads, 0),
    dilations: nonDefault(attrs.dilations, 1),
    group: attrs.group !== undefined && attrs.group !== 1 ? attr.int(attrs.group) : undefined,
  };
}

/**
 * Cross-correlation of x [N, C, H, W] with kernel w [F, C/group, kH, kW] (+ bias [F]), as PyTorch's conv2d.
 * @example const z = conv(g, images, 'cnn/conv1/kernel', 'cnn/conv1/bias', { strides: [1, 1], pads: [2, 2, 2, 2] });
 */
export function conv(g: GraphBuilder, x: string, w: string, b?: string, attrs: ConvAttrs = {}, out?: OutputName): string {
  return single(g, OpType.Conv, b === undefined ? [x, w] : [x, w, b], out, convAttributes(attrs));
}

/**
 * The transpose (gradient) of Conv: x [N, F, h, w] with kernel w [F, C, kH, kW] gives [N, C, H, W], H =
 * strides * (h - 1) + outputPadding + (kH - 1) * dilation + 1 - pads; `outputPadding` (< strides) picks
 * the size a strided Conv rounded away.
 * @example const dx = convTranspose(g, dz, kernel, undefined, { strides: [2, 2], outputPadding: [1, 1] });
 */
export function convTranspose(g: GraphBuilder, x: string, w: string, b?: string, attrs: ConvAttrs & { outputPadding?: readonly number[] } = {}, out?: OutputName): string {
  const outputPadding = attrs.outputPadding && attrs.outputPadding.some((v) => v !== 0) ? attr.ints(attrs.outputPadding) : undefined;
  return single(g, OpType.ConvTranspose, b === undefined ? [x, w] : [x, w, b], out, { ...convAttributes(attrs), output_padding: outputPadding });
}

/**
 * Max pooling of x [N, C, H, W] over `kernelShape` windows; returns the pooled values and, as MaxPool's
 * second output, the int64 index of each maximum in x flattened over all of N, C, H, W (row-major;
 * ONNX Runtime keeps the first maximum in a window on ties).
 * @example const [pooled, argmax] = maxPool(g, h, { kernelShape: [2, 2], strides: [2, 2] });
 */
export function maxPool(
  g: GraphBuilder,
  x: string,
  attrs: { kernelShape: readonly number[]; strides?: readonly number[]; pads?: readonly number[] },
  outputNames?: readonly [string, string],
): [string, string] {
  const attributes = { ...convAttributes({ strides: attrs.strides, pads: attrs.pads }), kernel_shape: attr.ints(attrs.kernelShape) };
  const [values, indices] = g.node(OpType.MaxPool, [x], { outputs: outputNames ? [...outputNames] : 2, attributes });
  return [values, indices];
}

/** Opset from which ScatterElements takes a `reduction` ('add', 'mul'; 'max' and 'min' from 18). */
export const SCATTER_REDUCTION_SINCE = 16;

/**
 * A copy of `data` with `updates` written at `indices` along `axis` (default 0): out[indices[i]] =
 * updates[i] on a 1-D tensor. Duplicate indices need `reduction` 'add' (opset >= 16) to be defined.
 * @example const dx = scatterElements(g, zeros, flatIndices, flatDy, { reduction: 'add' });
 */
export function scatterElements(
  g: GraphBuilder,
  data: string,
  indices: string,
  updates: string,
  attrs: { axis?: number; reduction?: 'none' | 'add' | 'mul' } = {},
  out?: OutputName,
): string {
  const reduction = attrs.reduction && attrs.reduction !== 'none' ? attrs.reduction : undefined;
  if (reduction && g.opset < SCATTER_REDUCTION_SINCE) throw new RangeError(`attrs.reduction needs opset ${SCATTER_REDUCTION_SINCE} or later, got opset ${g.opset}`);
  return single(g, OpType.ScatterElements, [data, indices, updates], out, {
    axis: attrs.axis ? attr.int(attrs.axis) : undefined,
    reduction: reduction ? attr.string(reduction) : undefined,
  });
}

/**
 * A tensor of the shape given by the 1-D int64 tensor `shape`, every element `value` (float32 unless `dtype`).
 * @example const zeros = constantOfShape(g, shape(g, flat), 0);
 */
export function constantOfShape(g: GraphBuilder, shapeTensor: string, value: number, dtype: 'float32' | 'int64' | 'int32' = 'float32', out?: OutputName): string {
  return single(g, OpType.ConstantOfShape, [shapeTensor], out, { value: attr.tensor({ dtype, dims: [1], values: [value] }) });
}

// ---- Activations over an axis (opset >= 13: normalized along `axis` only, default -1) ----

/** Softmax along `axis` (default -1). @example const p = softmax(g, logits, { axis: -1 }, { name: 'probabilities' }); */
export function softmax(g: GraphBuilder, x: string, attrs: { axis?: number } = {}, out?: OutputName): string {
  return single(g, OpType.Softmax, [x], out, { axis: attr.int(attrs.axis ?? -1) });
}

/** log(softmax(x)) along `axis` (default -1), computed stably. @example const lp = logSoftmax(g, logits); */
export function logSoftmax(g: GraphBuilder, x: string, attrs: { axis?: number } = {}, out?: OutputName): string {
  return single(g, OpType.LogSoftmax, [x], out, { axis: attr.int(attrs.axis ?? -1) });
}

/**
 * Index of the largest value along `axis`, int64; ties go to the first index unless selectLastIndex.
 * @example const classes = argMax(g, logits, { axis: 1, keepdims: false }, { name: 'classes' });
 */
export function argMax(
  g: GraphBuilder,
  x: string,
  attrs: { axis?: number; keepdims?: boolean; selectLastIndex?: boolean } = {},
  out?: OutputName,
): string {
  return single(g, OpType.ArgMax, [x], out, {
    axis: attr.int(attrs.axis ?? 0),
    keepdims: attr.int(attrs.keepdims === false ? 0 : 1),
    select_last_index: attrs.selectLastIndex ? attr.int(1) : undefined,
  });
}

// ---- Reductions ----

export interface ReduceAttrs {
  /** Axes to reduce; all axes when absent. */
  axes?: readonly number[];
  /** Keep reduced axes with size 1 (ONNX default true). */
  keepdims?: boolean;
}

/**
 * Sum over `axes`. Since opset 13 the axes are an int64 input (a constant is added); before, an attribute.
 * @example const db = reduceSum(g, dz, { axes: [0], keepdims: false });
 */
export function reduceSum(g: GraphBuilder, x: string, attrs: ReduceAttrs = {}, out?: OutputName): string {
  return reduce(g, OpType.ReduceSum, REDUCE_SUM_AXES_INPUT_SINCE, x, attrs, out);
}

/**
 * Mean over `axes`. Axes are an attribute up to opset 17 and an int64 input from opset 18.
 * @example const loss = reduceMean(g, xent, { keepdims: false }, { name: 'loss' });
 */
export function reduceMean(g: GraphBuilder, x: string, attrs: ReduceAttrs = {}, out?: OutputName): string {
  return reduce(g, OpType.ReduceMean, REDUCE_AXES_INPUT_SINCE, x, attrs, out);
}

/** Maximum over `axes` (attribute up to opset 17, input from 18). @example const m = reduceMax(g, logits, { axes: [1] }); */
export function reduceMax(g: GraphBuilder, x: string, attrs: ReduceAttrs = {}, out?: OutputName): string {
  return reduce(g, OpType.ReduceMax, REDUCE_AXES_INPUT_SINCE, x, attrs, out);
}

function reduce(
  g: GraphBuilder,
  op: OpTypeName,
  axesInputSince: number,
  x: string,
  attrs: ReduceAttrs,
  out: OutputName | undefined,
): string {
  const keepdims = attr.int(attrs.keepdims === false ? 0 : 1);
  if (g.opset >= axesInputSince) {
    // No axes input means "all axes" (noop_with_empty_axes defaults to 0).
    const inputs = attrs.axes ? [x, g.int64s(attrs.axes, `${op}_axes`)] : [x];
    return single(g, op, inputs, out, { keepdims });
  }
  return single(g, op, [x], out, { keepdims, axes: attrs.axes ? attr.ints(attrs.axes) : undefined });
}

// ---- Shapes and types ----

/** Converts element type. @example const labels64 = cast(g, labels, { to: 'int64' }); */
export function cast(g: GraphBuilder, x: string, attrs: { to: ElemType }, out?: OutputName): string {
  const code = ELEM_TYPE_CODES[attrs.to];
  if (code === undefined) throw new TypeError(`attrs.to must be one of ${Object.keys(ELEM_TYPE_CODES).join(', ')}`);
  return single(g, OpType.Cast, [x], out, { to: attr.int(code) });
}

/**
 * Reshapes to `shape` (an int64 tensor name, or numbers turned into a constant); 0 copies the input's
 * dimension unless allowzero (opset >= 14), -1 is inferred.
 * @example const flat = reshape(g, images, [-1, 784]);
 */
export function reshape(
  g: GraphBuilder,
  x: string,
  shape: string | readonly number[],
  attrs: { allowzero?: boolean } = {},
  out?: OutputName,
): string {
  if (attrs.allowzero && g.opset < 14) throw new RangeError('attrs.allowzero needs opset 14 or later');
  const shapeInput = typeof shape === 'string' ? shape : g.int64s(shape, 'Reshape_shape');
  return single(g, OpType.Reshape, [x, shapeInput], out, { allowzero: attrs.allowzero ? attr.int(1) : undefined });
}

/** The shape of x as a 1-D int64 tensor. @example const dims = shape(g, x); */
export function shape(g: GraphBuilder, x: string, out?: OutputName): string {
  return single(g, OpType.Shape, [x], out);
}

/** Inserts size-1 axes (axes an int64 input since opset 13). @example const col = unsqueeze(g, labels, [1]); */
export function unsqueeze(g: GraphBuilder, x: string, axes: readonly number[], out?: OutputName): string {
  return single(g, OpType.Unsqueeze, [x, g.int64s(axes, 'Unsqueeze_axes')], out);
}

/** Removes size-1 axes (all of them when `axes` is absent; an input since opset 13). @example const v = squeeze(g, col, [1]); */
export function squeeze(g: GraphBuilder, x: string, axes?: readonly number[], out?: OutputName): string {
  return single(g, OpType.Squeeze, axes ? [x, g.int64s(axes, 'Squeeze_axes')] : [x], out);
}

/** Joins tensors along `axis`. @example const both = concat(g, [a, b], { axis: 0 }); */
export function concat(g: GraphBuilder, inputs: readonly string[], attrs: { axis: number }, out?: OutputName): string {
  if (inputs.length === 0) throw new RangeError('inputs must not be empty');
  return single(g, OpType.Concat, [...inputs], out, { axis: attr.int(attrs.axis) });
}

/**
 * Elements at `indices` along `axis` (default 0). Negative indices count from the end.
 * @example const rows = gather(g, images, batchIndices, { axis: 0 });
 */
export function gather(g: GraphBuilder, data: string, indices: string, attrs: { axis?: number } = {}, out?: OutputName): string {
  return single(g, OpType.Gather, [data, indices], out, { axis: attr.int(attrs.axis ?? 0) });
}

/**
 * Slices data[starts:ends:steps] along `axes` (all int64 inputs since opset 10).
 * @example const firstRows = slice(g, x, { starts: [0], ends: [50], axes: [0] });
 */
export function slice(
  g: GraphBuilder,
  data: string,
  spec: { starts: string | readonly number[]; ends: string | readonly number[]; axes?: readonly number[]; steps?: readonly number[] },
  out?: OutputName,
): string {
  const asInput = (v: string | readonly number[], hint: string) => (typeof v === 'string' ? v : g.int64s(v, hint));
  const inputs = [data, asInput(spec.starts, 'Slice_starts'), asInput(spec.ends, 'Slice_ends')];
  if (spec.axes || spec.steps) inputs.push(spec.axes ? g.int64s(spec.axes, 'Slice_axes') : '');
  if (spec.steps) inputs.push(g.int64s(spec.steps, 'Slice_steps'));
  return single(g, OpType.Slice, inputs, out);
}

/**
 * One-hot encoding: `values` is [off, on] (its type is the output's), `depth` a scalar or 1-element
 * tensor; the new axis goes at `axis` (default -1, last).
 * @example const y = oneHot(g, labels, g.int64s([10]), g.constant('onoff', { dtype: 'float32', dims: [2], values: [0, 1] }));
 */
export function oneHot(
  g: GraphBuilder,
  indices: string,
  depth: string,
  values: string,
  attrs: { axis?: number } = {},
  out?: OutputName,
): string {
  return single(g, OpType.OneHot, [indices, depth, values], out, { axis: attr.int(attrs.axis ?? -1) });
}

/** A Constant node (for subgraphs, which should not hold initializers of their own). @example const lr = constant(g, { dtype: 'float32', dims: [], values: [0.01] }); */
export function constant(g: GraphBuilder, tensor: TensorValues, out?: OutputName): string {
  return single(g, OpType.Constant, [], out, { value: attr.tensor(tensor) });
}

// ---- Control flow ----

/**
 * Loop: runs `body` up to `maxTripCount` times while `condition` holds. The body's inputs are
 * (iteration_num int64 [], condition bool [], ...loop-carried); its outputs (condition, ...loop-carried,
 * ...scan outputs). Returns the final loop-carried values, then the stacked scan outputs.
 * @example const [w1, w2] = loop(g, tripCount, '', [w1Init, w2Init], body.graph(), 0);
 */
export function loop(
  g: GraphBuilder,
  maxTripCount: string,
  condition: string,
  loopCarried: readonly string[],
  body: GraphProto,
  scanOutputs = 0,
  outputNames?: string[],
): string[] {
  const count = loopCarried.length + scanOutputs;
  if (outputNames && outputNames.length !== count) {
    throw new RangeError(`outputNames must have ${count} names (loop-carried + scan outputs), got ${outputNames.length}`);
  }
  return g.node(OpType.Loop, [maxTripCount, condition, ...loopCarried], {
    outputs: outputNames ?? count,
    attributes: { body: attr.graph(body) },
  });
}
