// Reads a foreign ONNX multilayer perceptron (PyTorch's nn.Linear chain, tf2onnx's MatMul + Add) into
// dense layers with our kernel layout and one hidden activation, for `mnist import`; refuses any other
// graph in one line that names what it found.
import { ACTIVATION_PARAMS, IMAGE_PIXELS, layerNames, MNIST_IMAGE_SHAPE, SourcedError, type Activation, type ModelSpec, type NamedWeight } from '@mnist/core';
import type { Dim } from './graph-builder.js';
import { decodeModel, decodeTensor, type OnnxInitializerSummary } from './onnx-reader.js';
import { TensorDataType, type AttributeProto, type NodeProto } from './onnx-proto.js';

/** A model `readOnnxMlp` cannot read as an MLP; `source` names the file. */
export class OnnxImportError extends SourcedError {
  override readonly name = 'OnnxImportError';
}

/** One dense layer read from the graph: y = x kernel + bias, kernel [fanIn, fanOut] row-major. */
export interface OnnxDenseLayer {
  fanIn: number;
  fanOut: number;
  kernel: Float32Array;
  bias: Float32Array;
  /** The Gemm or MatMul node it came from (its name, or `#<position>` when unnamed). */
  node: string;
}

/** What the graph's last node gives; a final Softmax or LogSoftmax is read and dropped. */
export type OnnxMlpHead = 'logits' | 'probabilities' | 'log-probabilities';

/** The MLP a graph computes. */
export interface OnnxMlp {
  input: { name: string; dims: Dim[] };
  /** The graph output the chain ends in, and what it holds. */
  output: { name: string; head: OnnxMlpHead };
  layers: OnnxDenseLayer[];
  /** The hidden layers' activation; undefined when there are none. */
  activation?: Activation;
  /** LeakyRelu's alpha or Elu's alpha as the graph gives it (float32, shortest decimal). */
  alpha?: number;
  /** The ops read, in order, e.g. ['Flatten', 'Gemm', 'Relu', 'Gemm', 'Softmax']. */
  ops: string[];
}

/** Options of `readOnnxMlp`. */
export interface ReadOnnxMlpOptions {
  /** The output to follow when the graph has several (default: the one the chain of layers ends in). */
  output?: string;
}

const ACTIVATION_OPS: Readonly<Record<string, Activation>> = Object.freeze({
  Relu: 'relu',
  LeakyRelu: 'leaky_relu',
  Elu: 'elu',
  Selu: 'selu',
  Tanh: 'tanh',
  Sigmoid: 'sigmoid',
});
const PASS_THROUGH = new Set(['Identity', 'Dropout']);
// What torch.onnx.export writes for `x.view(x.size(0), -1)` with a dynamic batch: the Reshape's shape is
// computed from the input's own shape (Shape -> Gather -> Unsqueeze -> Concat, with Constant nodes).
const SHAPE_OPS = new Set(['Shape', 'Gather', 'Unsqueeze', 'Concat', 'Constant', 'Cast', 'Slice', 'Squeeze']);
// Nodes beside the chain that only read its result (our own export's ArgMax and Softmax heads).
const HEAD_OPS = new Set(['Softmax', 'LogSoftmax', 'ArgMax', 'Identity', 'Cast']);
const WHAT_IS_READ =
  'mnist import reads MLPs: Gemm (or MatMul + Add) layers with Relu, LeakyRelu, Elu, Selu, Tanh or Sigmoid between, Flatten/Reshape/Identity/Dropout as pass-throughs and an optional final Softmax/LogSoftmax';
// ONNX Selu's default attributes, float32: ours (core's ACTIVATION_PARAMS) round to them.
const SELU_ALPHA = Math.fround(1.6732632423543772);
const SELU_GAMMA = Math.fround(1.0507009873554805);

/**
 * Reads the dense layers, activation and head of an ONNX MLP taking 784 pixels per image ([N,784],
 * [N,1,28,28], [N,28,28,1] or [N,28,28] flattened by Flatten or Reshape; the Reshape's shape may be
 * computed from the input's, as torch.onnx.export writes `x.view(x.size(0), -1)`). Gemm layers take any alpha,
 * beta and transB (transA 0); MatMul takes the weight as its second input and an optional Add of a
 * constant bias (either side). Weights come from initializers or Constant nodes. Throws OnnxImportError
 * naming `source`, the op and the node (with its position) for anything else.
 * @example const mlp = readOnnxMlp(await readFile('mlp.onnx'), 'mlp.onnx'); mlp.layers.map((l) => l.fanOut) // [64, 32, 10]
 */
export function readOnnxMlp(bytes: Uint8Array, source = 'model.onnx', options: ReadOnnxMlpOptions = {}): OnnxMlp {
  const fail = (what: string): never => {
    throw new OnnxImportError(source, what);
  };
  const model = decodeModel(bytes, source);
  const graph = model.graph ?? {};
  const nodes = graph.node ?? [];
  const describe = (node: NodeProto): string => {
    const position = `node ${nodes.indexOf(node) + 1} of ${nodes.length}`;
    return node.name ? `${node.op_type} node "${node.name}" (${position})` : `${node.op_type} node (${position}, unnamed)`;
  };
  const nodeId = (node: NodeProto): string => node.name || `#${nodes.indexOf(node) + 1}`;

  // Constants: initializers and Constant nodes' values.
  const constants = new Map<string, OnnxInitializerSummary>();
  for (const t of graph.initializer ?? []) constants.set(t.name ?? '', decodeTensor(t, source));
  for (const node of nodes) {
    if (node.op_type !== 'Constant' || (node.domain ?? '') !== '') continue;
    constants.set(node.output?.[0] ?? '', constantValue(node, source, describe(node)));
  }

  const inputs = (graph.input ?? []).filter((v) => !constants.has(v.name ?? ''));
  if (inputs.length !== 1) fail(`has ${inputs.length} graph inputs (${inputs.map((v) => v.name).join(', ') || 'none'}); an MLP takes one image batch`);
  const input = inputs[0];
  const tensorType = input.type?.tensor_type;
  if (tensorType?.elem_type !== TensorDataType.FLOAT) fail(`input ${input.name} is not float32 (elem_type ${tensorType?.elem_type ?? 'none'})`);
  const dims: Dim[] = (tensorType!.shape?.dim ?? []).map((d) => d.dim_param ?? d.dim_value ?? '?');
  const imageDims = dims.slice(1);
  if (dims.length < 2 || !imageDims.every((d): d is number => typeof d === 'number')) {
    fail(`input ${input.name} has shape [${dims.join(', ')}]; expected a batch of 28x28 images: [N,784], [N,1,28,28], [N,28,28,1] or [N,28,28]`);
  }
  const perImage = (imageDims as number[]).reduce((a, b) => a * b, 1);
  if (perImage !== IMAGE_PIXELS) {
    fail(`input ${input.name} has shape [${dims.join(', ')}] (${perImage} values per image); mnist import takes 28x28 grayscale images (${IMAGE_PIXELS} values)`);
  }
  const fixedBatch = typeof dims[0] === 'number' && dims[0] > 0 ? dims[0] : undefined;

  const producers = new Map<string, NodeProto>();
  for (const node of nodes) for (const o of node.output ?? []) if (o !== '') producers.set(o, node);
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const shapes = computedShapes(nodes, producers, constants, graphOutputs, { name: input.name ?? '', rank: dims.length });
  // The shape subgraphs' nodes only size a Reshape, which is checked where the chain meets it.
  const computing = nodes.filter((n) => n.op_type !== 'Constant' && !shapes.nodes.has(n));
  for (const node of computing) {
    if ((node.domain ?? '') !== '' && node.domain !== 'ai.onnx') fail(`${describe(node)} is in operator domain ${node.domain}; ${WHAT_IS_READ}`);
  }
  const consumers = new Map<string, NodeProto[]>();
  for (const node of computing) {
    for (const name of new Set(node.input ?? [])) if (name !== '') consumers.set(name, [...(consumers.get(name) ?? []), node]);
  }
  if (options.output !== undefined && !graphOutputs.has(options.output)) {
    fail(`has no output ${options.output} (outputs: ${[...graphOutputs].join(', ')})`);
  }
  const constant = (name: string, node: NodeProto, role: string): OnnxInitializerSummary => {
    const value = constants.get(name);
    if (!value) fail(`${describe(node)}: its ${role} ${JSON.stringify(name)} is computed in the graph; mnist import needs it as an initializer or Constant`);
    return value!;
  };

  const visited = new Set<NodeProto>();
  const layers: OnnxDenseLayer[] = [];
  const ops: string[] = [];
  const activations: { node: NodeProto; activation: Activation; alpha?: number }[] = [];
  let current = input.name ?? '';
  // The value's shape after the batch dimension; a dense layer needs it flat.
  let shape = [...(imageDims as number[])];
  let activatedSinceDense = false;
  // The Reshape at the input whose shape is computed, until the first dense layer takes its result.
  let computedReshape: NodeProto | undefined;
  let computedReshapeLength: number | undefined;
  let head: OnnxMlpHead = 'logits';
  const soleConsumer = (value: string): NodeProto | undefined => {
    const users = consumers.get(value) ?? [];
    return users.length === 1 && !graphOutputs.has(value) ? users[0] : undefined;
  };

  for (;;) {
    const ends = options.output === undefined ? graphOutputs.has(current) : current === options.output;
    if (ends) break;
    const users = (consumers.get(current) ?? []).filter((n) => !visited.has(n));
    if (users.length === 0) fail(`value ${JSON.stringify(current)} is not a graph output and feeds no node`);
    if (users.length > 1) {
      fail(`value ${JSON.stringify(current)} feeds ${users.length} nodes (${users.map(describe).join(', ')}); ${WHAT_IS_READ}, one after another`);
    }
    const node = users[0];
    visited.add(node);
    const op = node.op_type ?? '';
    if (head !== 'logits' && !PASS_THROUGH.has(op)) fail(`${describe(node)} follows the final ${head === 'probabilities' ? 'Softmax' : 'LogSoftmax'}; expected the graph's output there`);
    if ((node.input ?? [])[0] !== current) fail(`${describe(node)} takes ${JSON.stringify(current)} as input ${(node.input ?? []).indexOf(current) + 1}, not as its data input; ${WHAT_IS_READ}`);
    ops.push(op);
    if (computedReshape && !PASS_THROUGH.has(op) && op !== 'Gemm' && op !== 'MatMul') {
      fail(`${describe(node)} follows ${describe(computedReshape)}, whose shape is computed in the graph; mnist import reads a computed shape only for a Reshape at the input feeding the first dense layer (784 inputs)`);
    }
    if (PASS_THROUGH.has(op)) {
      if (op === 'Dropout' && node.input?.[2]) {
        const training = constants.get(node.input[2]);
        if (!training || Number(training.values[0]) !== 0) fail(`${describe(node)} may run in training mode (training_mode input ${node.input[2]}); export the model in eval mode`);
      }
    } else if (op === 'Flatten') {
      const rank = shape.length + 1;
      const raw = intAttribute(node, 'axis', 1);
      const axis = raw < 0 ? raw + rank : raw;
      if (axis !== 1) fail(`${describe(node)} flattens at axis ${raw} of a rank-${rank} value; only axis 1 keeps one row per image`);
      shape = [shape.reduce((a, b) => a * b, 1)];
    } else if (op === 'Reshape' && !constants.has(node.input?.[1] ?? '')) {
      const shapeInput = node.input?.[1] ?? '';
      const bad = shapes.refused.get(shapeInput);
      if (bad || !shapes.clean.has(shapeInput)) {
        const why = bad ? `is computed with ${describe(bad)}` : "is neither an initializer, a Constant nor any node's output";
        fail(`${describe(node)}: its shape ${JSON.stringify(shapeInput)} ${why}; mnist import reads a computed shape only from ${[...SHAPE_OPS].slice(0, -1).join(', ')} and ${[...SHAPE_OPS].at(-1)} nodes that feed nothing else`);
      }
      const length = shapes.length(shapeInput);
      if (layers.length > 0 || shape.length !== imageDims.length || (length !== undefined && length !== 2)) {
        const where = layers.length > 0 ? `after the dense layer ${layers[layers.length - 1].node}` : `to ${length ?? 'an unknown number of'} dimensions`;
        fail(`${describe(node)} reshapes ${where} with a shape computed in the graph; mnist import reads a computed shape only for a Reshape of the input to 2 dimensions feeding the first dense layer`);
      }
      // The shape is not evaluated: the dense layer after it (checked there) takes 784 inputs, and the
      // input's N x 784 values reshaped to 2-D with 784 columns can only be [N, 784]. A MatMul would also
      // take a 3-D value, so it needs the shape's length to be known as 2; a Gemm takes only matrices.
      computedReshape = node;
      computedReshapeLength = length;
      shape = [shape.reduce((a, b) => a * b, 1)];
    } else if (op === 'Reshape') {
      const target = Array.from(constant(node.input?.[1] ?? '', node, 'shape').values, Number);
      const features = shape.reduce((a, b) => a * b, 1);
      const batchKept = (d: number) => d === 0 || d === -1 || (fixedBatch !== undefined && d === fixedBatch);
      const flat = target.length === 2 && ((target[1] === features && batchKept(target[0])) || (target[1] === -1 && (target[0] === 0 || target[0] === fixedBatch)));
      if (!flat) fail(`${describe(node)} reshapes [N, ${shape.join(', ')}] to [${target.join(', ')}]; only a reshape to [N, ${features}] keeps one row per image`);
      shape = [features];
    } else if (op === 'Gemm' || op === 'MatMul') {
      if (shape.length !== 1) fail(`${describe(node)} gets a [N, ${shape.join(', ')}] value; flatten it to [N, ${shape.reduce((a, b) => a * b, 1)}] first (Flatten or Reshape)`);
      if (layers.length > 0 && !activatedSinceDense) fail(`${describe(node)} follows the dense layer ${layers[layers.length - 1].node} with no activation between`);
      if (computedReshape && op === 'MatMul' && computedReshapeLength !== 2) {
        fail(`${describe(node)} takes the result of ${describe(computedReshape)}, whose shape is computed to an unknown number of dimensions; mnist import reads a MatMul there only after a reshape to 2 dimensions`);
      }
      computedReshape = undefined;
      const layer = op === 'Gemm' ? gemmLayer(node, shape[0], constant, describe(node), fail) : matMulLayer(node, shape[0], constant, describe(node), fail);
      let out = node.output?.[0] ?? '';
      if (op === 'MatMul') {
        const add = soleConsumer(out);
        if (add?.op_type === 'Add') {
          const other = add.input?.[0] === out ? add.input?.[1] : add.input?.[0];
          if (add.input?.length !== 2 || other === undefined || other === out) fail(`${describe(add)} does not add a bias to ${describe(node)}`);
          layer.bias = biasValues(constant(other!, add, 'bias'), layer.fanOut, describe(add), 1, fail);
          visited.add(add);
          ops.push('Add');
          out = add.output?.[0] ?? '';
        }
      }
      layers.push(layer);
      shape = [layer.fanOut];
      activatedSinceDense = false;
      current = out;
      continue;
    } else if (op in ACTIVATION_OPS) {
      if (layers.length === 0) fail(`${describe(node)} comes before any dense layer; ${WHAT_IS_READ}`);
      if (activatedSinceDense) fail(`${describe(node)} follows another activation; expected one activation between dense layers`);
      activations.push({ node, ...activationOf(node, describe(node), fail) });
      activatedSinceDense = true;
    } else if (op === 'Softmax' || op === 'LogSoftmax') {
      if (layers.length === 0 || activatedSinceDense) fail(`${describe(node)} does not follow the last dense layer; expected it on the logits`);
      // Before opset 13 Softmax's axis defaulted to 1 (coercing to 2-D), since then to -1: both the class axis here.
      const axis = intAttribute(node, 'axis', -1);
      if (axis !== 1 && axis !== -1) fail(`${describe(node)} works along axis ${axis}; expected the class axis (1 or -1)`);
      head = op === 'Softmax' ? 'probabilities' : 'log-probabilities';
    } else if (op === 'Add') {
      fail(`${describe(node)} adds to a value that is not a MatMul's product; ${WHAT_IS_READ}`);
    } else {
      fail(`${describe(node)} is a ${op}, which mnist import does not read; ${WHAT_IS_READ}`);
    }
    current = node.output?.[0] ?? '';
  }

  if (layers.length === 0) fail(`has no dense layer (Gemm or MatMul) between input ${input.name} and output ${current}`);
  if (activatedSinceDense) {
    const last = activations[activations.length - 1].node;
    fail(`ends in ${describe(last)} after its last dense layer; expected logits there, or a final Softmax/LogSoftmax`);
  }
  // What is left must only read the chain's result (as our own export's Softmax and ArgMax heads do).
  const chainValues = new Set<string>([current]);
  for (const node of computing) {
    if (visited.has(node)) continue;
    if (!HEAD_OPS.has(node.op_type ?? '') || !(node.input ?? []).every((i) => chainValues.has(i))) {
      fail(`${describe(node)} is not on the chain from input ${input.name} to output ${current}; ${WHAT_IS_READ}`);
    }
    for (const o of node.output ?? []) chainValues.add(o);
  }

  const first = activations[0];
  for (const a of activations) {
    if (a.activation !== first.activation || a.alpha !== first.alpha) {
      const shown = (x: typeof a) => `${describe(x.node)}${x.alpha === undefined ? '' : ` with alpha ${x.alpha}`}`;
      fail(`mixes activations: ${shown(first)} and ${shown(a)}; a checkpoint has one activation for every hidden layer`);
    }
  }
  return {
    input: { name: input.name ?? '', dims },
    output: { name: current, head },
    layers,
    ...(first ? { activation: first.activation } : {}),
    ...(first?.alpha !== undefined ? { alpha: first.alpha } : {}),
    ops,
  };

  function activationOf(node: NodeProto, where: string, failWith: (what: string) => never): { activation: Activation; alpha?: number } {
    const activation = ACTIVATION_OPS[node.op_type ?? ''];
    if (node.op_type === 'LeakyRelu' || node.op_type === 'Elu') {
      const alpha = floatAttribute(node, 'alpha', node.op_type === 'LeakyRelu' ? 0.01 : 1);
      if (!(alpha > 0) || !Number.isFinite(alpha)) failWith(`${where} has alpha ${alpha}; mnist import takes a positive ${node.op_type} alpha`);
      return { activation, alpha: shortestFloat32(alpha) };
    }
    if (node.op_type === 'Selu') {
      const alpha = floatAttribute(node, 'alpha', SELU_ALPHA);
      const gamma = floatAttribute(node, 'gamma', SELU_GAMMA);
      if (Math.fround(alpha) !== SELU_ALPHA || Math.fround(gamma) !== SELU_GAMMA) {
        failWith(`${where} has alpha ${alpha} and gamma ${gamma}; mnist import takes SELU's standard constants (alpha ${SELU_ALPHA}, gamma ${SELU_GAMMA})`);
      }
    }
    return { activation };
  }

  function gemmLayer(node: NodeProto, fanIn: number, get: typeof constant, where: string, failWith: (what: string) => never): OnnxDenseLayer {
    if (intAttribute(node, 'transA', 0) !== 0) failWith(`${where} has transA 1; mnist import takes Gemm with the batch as its first input (transA 0)`);
    const transB = intAttribute(node, 'transB', 0) !== 0;
    const alpha = floatAttribute(node, 'alpha', 1);
    const beta = floatAttribute(node, 'beta', 1);
    const b = get(node.input?.[1] ?? '', node, 'weight B');
    if (b.dims.length !== 2) failWith(`${where} has a weight of shape [${b.dims.join(', ')}]; expected a matrix`);
    const [rows, cols] = b.dims;
    const [inputs, fanOut] = transB ? [cols, rows] : [rows, cols];
    if (inputs !== fanIn) failWith(`${where} takes ${inputs} inputs, the value before it has ${fanIn}: the shapes do not chain`);
    const values = floats(b, where, failWith);
    const kernel = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < fanIn; i++) for (let j = 0; j < fanOut; j++) kernel[i * fanOut + j] = alpha * (transB ? values[j * fanIn + i] : values[i * fanOut + j]);
    const c = node.input?.[2];
    const bias = c ? biasValues(get(c, node, 'bias C'), fanOut, where, beta, failWith) : new Float32Array(fanOut);
    return { fanIn, fanOut, kernel, bias, node: nodeId(node) };
  }

  function matMulLayer(node: NodeProto, fanIn: number, get: typeof constant, where: string, failWith: (what: string) => never): OnnxDenseLayer {
    const w = get(node.input?.[1] ?? '', node, 'weight');
    if (w.dims.length !== 2) failWith(`${where} has a weight of shape [${w.dims.join(', ')}]; expected a matrix`);
    if (w.dims[0] !== fanIn) failWith(`${where} takes ${w.dims[0]} inputs, the value before it has ${fanIn}: the shapes do not chain`);
    return { fanIn, fanOut: w.dims[1], kernel: floats(w, where, failWith), bias: new Float32Array(w.dims[1]), node: nodeId(node) };
  }
}

/** The Reshape shapes computed in a graph, and the nodes computing them. */
interface ComputedShapes {
  /** The nodes of the shape subgraphs that feed only Reshapes' shape inputs. */
  nodes: Set<NodeProto>;
  /** Shape inputs computed only by such nodes. */
  clean: Set<string>;
  /** Shape inputs computed with another op, or with a node whose result is also used elsewhere: that node. */
  refused: Map<string, NodeProto>;
  /** How many dimensions a computed shape has, where the graph says so statically. */
  length(value: string): number | undefined;
}

// Finds, for each Reshape whose shape input is neither an initializer nor a Constant, the SHAPE_OPS nodes
// computing it (a Shape node reads only its input's shape, so the walk stops there).
function computedShapes(
  nodes: NodeProto[],
  producers: Map<string, NodeProto>,
  constants: Map<string, OnnxInitializerSummary>,
  graphOutputs: Set<string>,
  input: { name: string; rank: number },
): ComputedShapes {
  const reshapes = nodes.filter((n) => n.op_type === 'Reshape' && (n.input?.[1] ?? '') !== '' && !constants.has(n.input![1]));
  const closures = new Map<string, { members: NodeProto[]; offender?: NodeProto }>();
  for (const reshape of reshapes) {
    const shapeInput = reshape.input![1];
    if (closures.has(shapeInput)) continue;
    const members: NodeProto[] = [];
    const seen = new Set<NodeProto>();
    let offender: NodeProto | undefined;
    const stack = [shapeInput];
    while (stack.length > 0) {
      const value = stack.pop()!;
      if (constants.has(value)) continue;
      const producer = producers.get(value);
      // A value nothing defines (a second graph input is refused before): no closure, refused where it is read.
      if (!producer) {
        members.length = 0;
        break;
      }
      if (seen.has(producer)) continue;
      seen.add(producer);
      // Past another op the walk goes on, so that the Shape nodes before it are not taken for the chain's
      // and the refusal names that op (the Reshape it feeds is refused, or it is, off the chain).
      if (!SHAPE_OPS.has(producer.op_type ?? '') || (producer.domain ?? '') !== '') offender ??= producer;
      else members.push(producer);
      if (producer.op_type !== 'Shape') stack.push(...(producer.input ?? []).filter((i) => i !== ''));
    }
    if (members.length > 0 || offender) closures.set(shapeInput, { members, ...(offender ? { offender } : {}) });
  }
  // Keep only nodes whose results go nowhere but into the subgraph, a Reshape's shape input or an offender
  // (whose Reshape is refused naming it, or which is refused itself as off the chain).
  const candidates = new Set([...closures.values()].flatMap((c) => c.members));
  const offenders = new Set([...closures.values()].flatMap((c) => (c.offender ? [c.offender] : [])));
  for (let changed = true; changed; ) {
    changed = false;
    for (const c of candidates) {
      const outputs = new Set(c.output ?? []);
      const leaks =
        [...outputs].some((o) => graphOutputs.has(o)) ||
        nodes.some((n) => !candidates.has(n) && !offenders.has(n) && (n.input ?? []).some((i, at) => outputs.has(i) && !(n.op_type === 'Reshape' && at === 1)));
      if (leaks) {
        candidates.delete(c);
        changed = true;
      }
    }
  }
  const clean = new Set<string>();
  const refused = new Map<string, NodeProto>();
  for (const [value, { members, offender }] of closures) {
    const leaked = members.find((m) => !candidates.has(m));
    if (offender ?? leaked) refused.set(value, (offender ?? leaked)!);
    else clean.add(value);
  }

  type Length = number | 'scalar' | undefined;
  const lengthOf = (value: string, seen: Set<string>): Length => {
    const c = constants.get(value);
    if (c) return c.dims.length === 0 ? 'scalar' : c.dims.length === 1 ? c.dims[0] : undefined;
    const node = producers.get(value);
    if (!node || seen.has(value)) return undefined;
    seen.add(value);
    const ins = node.input ?? [];
    switch (node.op_type) {
      case 'Shape':
        return ins[0] === input.name && !attribute(node, 'start') && !attribute(node, 'end') ? input.rank : undefined;
      case 'Gather': {
        const indices = constants.get(ins[1] ?? '');
        return indices?.dims.length === 0 ? 'scalar' : indices?.dims.length === 1 ? indices.dims[0] : undefined;
      }
      case 'Unsqueeze': {
        const axes = ins[1] ? constants.get(ins[1])?.values.length : attribute(node, 'axes')?.ints?.length;
        return lengthOf(ins[0] ?? '', seen) === 'scalar' && axes === 1 ? 1 : undefined;
      }
      case 'Concat': {
        const parts = ins.map((i) => lengthOf(i, seen));
        return parts.every((p): p is number => typeof p === 'number') ? parts.reduce((a, b) => a + b, 0) : undefined;
      }
      case 'Cast':
        return lengthOf(ins[0] ?? '', seen);
      default:
        return undefined;
    }
  };
  const length = (value: string): number | undefined => {
    const n = lengthOf(value, new Set());
    return typeof n === 'number' ? n : undefined;
  };
  return { nodes: candidates, clean, refused, length };
}

/**
 * The model spec and named weights (our `dnn/hidden1/kernel`, ... layout) of a read MLP: its activation
 * with its own constant where it is not ACTIVATION_PARAMS's (a PyTorch LeakyReLU's 0.01). The
 * initializer is the spec's default: the weights are the model's, not drawn.
 * @example const { spec, weights } = mlpModel(readOnnxMlp(bytes, 'mlp.onnx'));
 */
export function mlpModel(mlp: OnnxMlp): { spec: ModelSpec; weights: Map<string, NamedWeight> } {
  const activation = mlp.activation ?? 'relu';
  const spec: ModelSpec = {
    inputSize: IMAGE_PIXELS,
    imageShape: [MNIST_IMAGE_SHAPE[0], MNIST_IMAGE_SHAPE[1]],
    hiddenUnits: mlp.layers.slice(0, -1).map((l) => l.fanOut),
    activation,
    ...(activation === 'leaky_relu' && mlp.alpha !== undefined && Math.fround(mlp.alpha) !== Math.fround(ACTIVATION_PARAMS.leakyReluAlpha) ? { leakyReluAlpha: mlp.alpha } : {}),
    ...(activation === 'elu' && mlp.alpha !== undefined && Math.fround(mlp.alpha) !== Math.fround(ACTIVATION_PARAMS.eluAlpha) ? { eluAlpha: mlp.alpha } : {}),
    outputSize: mlp.layers[mlp.layers.length - 1].fanOut,
    initializer: 'truncated_normal',
  };
  const weights = new Map<string, NamedWeight>();
  layerNames(spec).forEach((names, i) => {
    const layer = mlp.layers[i];
    weights.set(names.kernel, { name: names.kernel, shape: [layer.fanIn, layer.fanOut], values: Float32Array.from(layer.kernel) });
    weights.set(names.bias, { name: names.bias, shape: [layer.fanOut], values: Float32Array.from(layer.bias) });
  });
  return { spec, weights };
}

// A bias of fanOut values, or one broadcast ([], [1], [1, 1]), times `scale` (Gemm's beta).
function biasValues(t: OnnxInitializerSummary, fanOut: number, where: string, scale: number, fail: (what: string) => never): Float32Array {
  const values = floats(t, where, fail);
  const count = t.dims.reduce((a, b) => a * b, 1);
  const last = t.dims.length ? t.dims[t.dims.length - 1] : 1;
  if (!(count === fanOut && last === fanOut) && count !== 1) fail(`${where} has a bias of shape [${t.dims.join(', ')}]; expected [${fanOut}]`);
  return Float32Array.from({ length: fanOut }, (_, j) => scale * values[count === 1 ? 0 : j]);
}

function floats(t: OnnxInitializerSummary, where: string, fail: (what: string) => never): Float32Array {
  if (t.values instanceof Float32Array) return t.values;
  if (t.values instanceof Float64Array) return Float32Array.from(t.values);
  return fail(`${where} has ${t.dtype} weights; expected float32`);
}

function attribute(node: NodeProto, name: string): AttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

function intAttribute(node: NodeProto, name: string, fallback: number): number {
  const a = attribute(node, name);
  return a === undefined ? fallback : Number(a.i ?? 0);
}

function floatAttribute(node: NodeProto, name: string, fallback: number): number {
  const a = attribute(node, name);
  return a === undefined ? fallback : (a.f ?? 0);
}

// The shortest decimal that is the same float32 (0.009999999776482582 -> 0.01), for model.json.
function shortestFloat32(value: number): number {
  const f = Math.fround(value);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

// A Constant node's value: a tensor, or one of the scalar and list forms of opset 12+.
function constantValue(node: NodeProto, source: string, where: string): OnnxInitializerSummary {
  const a = (node.attribute ?? [])[0];
  const name = node.output?.[0] ?? '';
  if (a?.t) return { ...decodeTensor(a.t, source), name };
  if (a?.name === 'value_float') return { name, dtype: 'float32', dims: [], values: Float32Array.of(a.f ?? 0) };
  if (a?.name === 'value_floats') return { name, dtype: 'float32', dims: [a.floats?.length ?? 0], values: Float32Array.from(a.floats ?? []) };
  if (a?.name === 'value_int') return { name, dtype: 'int64', dims: [], values: BigInt64Array.of(BigInt(a.i ?? 0)) };
  if (a?.name === 'value_ints') return { name, dtype: 'int64', dims: [a.ints?.length ?? 0], values: BigInt64Array.from(a.ints ?? [], (v) => BigInt(v)) };
  throw new OnnxImportError(source, `${where} has a ${a?.name ?? 'missing'} value, which mnist import does not read`);
}
