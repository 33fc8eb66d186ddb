// Checkpoint -> ONNX inference graph: X -> dense layers (or a layered spec's conv2d, maxPool2d, flatten
// and dense layers on X reshaped to [batch, 1, rows, cols]) -> logits, probabilities, classes
// (ARCHITECTURE.md, "ONNX model").
import {
  ACTIVATIONS,
  DEFAULT_OPSET,
  describeNetwork,
  DIGIT_LABELS,
  imageShapeOf,
  isLayeredSpec,
  layerNames,
  METADATA_KEYS,
  networkLayers,
  ONNX_CLASSES,
  ONNX_INPUT,
  ONNX_LOGITS,
  ONNX_PRODUCER_NAME,
  ONNX_PROBABILITIES,
  type Checkpoint,
  type ModelSpec,
} from '@mnist/core';
import { encodeModel, GraphBuilder, irVersionForOpset, resolveOpset } from './graph-builder.js';
import { activationNode } from './activation-grads.js';
import { networkForward } from './layers/network-forward.js';
import { argMax, gemm, softmax } from './ops.js';

/** Version written as producer_version. Kept in step with package.json by hand: no JSON import at runtime. */
export const EXPORT_PRODUCER_VERSION = '0.1.0';

/** The symbolic batch dimension of X and of every output. */
export const BATCH_DIM = 'batch';

export interface ExportOnnxOptions {
  /** ai.onnx opset, 13 to 26. Default 17 (IR 8); later opsets get the IR version they need. */
  opset?: number;
  /** Path or name of the checkpoint, recorded as metadata. */
  source?: string;
  /** Test accuracy measured for this checkpoint, recorded as metadata when given. */
  testAccuracy?: number;
}

/**
 * Builds the inference graph of a checkpoint as the bytes of an .onnx file: input `X` float32
 * [batch, inputSize] (pixels already scaled), outputs `logits`, `probabilities` (Softmax) and `classes`
 * (ArgMax, int64). Dense layers are Gemm nodes whose weights are initializers under the checkpoint's names;
 * a layered spec's layers (Conv, MaxPool, Reshape, Gemm) work on X reshaped to [batch, 1, rows, cols].
 * @example
 * const bytes = exportOnnx(checkpoint, { source: 'checkpoints/dnn', testAccuracy: 0.978 });
 */
export function exportOnnx(checkpoint: Checkpoint, options: ExportOnnxOptions = {}): Uint8Array {
  const opset = resolveOpset(options.opset ?? DEFAULT_OPSET, 'opset');
  if (options.testAccuracy !== undefined && !(options.testAccuracy >= 0 && options.testAccuracy <= 1)) {
    throw new RangeError(`testAccuracy must be a number from 0 to 1, got ${options.testAccuracy}`);
  }
  const { modelJson } = checkpoint;
  const spec = modelJson.modelSpec;
  // The rows and columns the network was trained on, for `mnist.image_shape`; never a guess.
  const imageShape = imageShapeOf(spec);
  if (!imageShape) {
    throw new RangeError(
      `${options.source ?? 'checkpoint'}: modelSpec.inputSize is ${spec.inputSize} and model.json records no modelSpec.imageShape, so the image size is unknown; add "imageShape": [rows, cols] to its modelSpec`,
    );
  }
  const layered = isLayeredSpec(spec);
  const g = layered
    ? new GraphBuilder({ opset, name: 'cnn', docString: 'MNIST convolutional network: logits, softmax, argmax' })
    : new GraphBuilder({ opset, name: 'dnn', docString: 'MNIST multilayer perceptron: logits, softmax, argmax' });

  let activations = g.input(ONNX_INPUT, 'float32', [BATCH_DIM, spec.inputSize]);
  if (layered) activations = layeredLogits(g, checkpoint, activations);
  for (const layer of layered ? [] : layerNames(spec)) {
    const kernel = weight(checkpoint, layer.kernel, [layer.fanIn, layer.fanOut]);
    const bias = weight(checkpoint, layer.bias, [layer.fanOut]);
    g.initializer(layer.kernel, { dtype: 'float32', dims: [layer.fanIn, layer.fanOut], values: kernel });
    g.initializer(layer.bias, { dtype: 'float32', dims: [layer.fanOut], values: bias });
    // Gemm fuses X*W + b into one kernel call; the kernel is stored [fan_in, fan_out] so no transpose.
    const z = gemm(g, activations, layer.kernel, layer.bias, {}, layer.isOutput ? { name: ONNX_LOGITS } : { name: `${layer.scope}/linear` });
    activations = layer.isOutput ? z : hiddenActivation(g, spec, z, `${layer.scope}/activation`);
  }
  const logits = activations;
  const probabilities = softmax(g, logits, { axis: -1 }, { name: ONNX_PROBABILITIES });
  const classes = argMax(g, logits, { axis: 1, keepdims: false }, { name: ONNX_CLASSES });
  g.output(logits, 'float32', [BATCH_DIM, spec.outputSize]);
  g.output(probabilities, 'float32', [BATCH_DIM, spec.outputSize]);
  g.output(classes, 'int64', [BATCH_DIM]);

  const metadata: Record<string, string> = {
    [METADATA_KEYS.preprocessing]: JSON.stringify(modelJson.preprocessing),
    [METADATA_KEYS.labels]: JSON.stringify(modelJson.labels?.length ? modelJson.labels : DIGIT_LABELS),
    [METADATA_KEYS.modelSpec]: JSON.stringify(spec),
    [METADATA_KEYS.imageShape]: JSON.stringify(imageShape),
  };
  if (options.source !== undefined) metadata[METADATA_KEYS.sourceCheckpoint] = options.source;
  // The dataset the weights were trained on, so eval --model scores on it by default (as eval --checkpoint).
  if (modelJson.training?.dataset) metadata[METADATA_KEYS.dataset] = JSON.stringify(modelJson.training.dataset);
  if (options.testAccuracy !== undefined) metadata[METADATA_KEYS.testAccuracy] = String(options.testAccuracy);

  const hidden = spec.hiddenUnits.length ? `${spec.hiddenUnits.join('-')} ${spec.activation}` : 'no hidden layers';
  const network = layered ? describeNetwork(spec) : `${spec.inputSize}-${hidden}-${spec.outputSize}`;
  return encodeModel(
    g.build({
      irVersion: irVersionForOpset(opset),
      producerName: ONNX_PRODUCER_NAME,
      producerVersion: EXPORT_PRODUCER_VERSION,
      docString:
        `MNIST classifier ${network}, exported from a ${modelJson.format} ` +
        `checkpoint after ${modelJson.training?.epoch ?? 0} epochs. Input X: pixels scaled by ` +
        `${modelJson.preprocessing.pixelScale}. Outputs: logits, probabilities (softmax), classes (argmax).`,
      metadata,
    }),
  );
}

/** A layered spec's logits on X: its weights as initializers, the layers' forward pieces (layers/), values named by scope. */
function layeredLogits(g: GraphBuilder, checkpoint: Checkpoint, x: string): string {
  const spec = checkpoint.modelJson.modelSpec;
  if (!ACTIVATIONS.includes(spec.activation)) {
    throw new RangeError(`checkpoint: modelSpec.activation ${JSON.stringify(spec.activation)} has no ONNX export`);
  }
  const layers = networkLayers(spec);
  for (const { weights: w } of layers) {
    if (!w) continue;
    g.initializer(w.kernel, { dtype: 'float32', dims: [...w.kernelShape], values: weight(checkpoint, w.kernel, w.kernelShape) });
    g.initializer(w.bias, { dtype: 'float32', dims: [...w.biasShape], values: weight(checkpoint, w.bias, w.biasShape) });
  }
  return networkForward(g, spec, layers, x, (l) => l.weights && { kernel: l.weights.kernel, bias: l.weights.bias }, { logits: ONNX_LOGITS, scoped: true }).logits;
}

function hiddenActivation(g: GraphBuilder, spec: ModelSpec, z: string, name: string): string {
  // The checkpoint's activation as its own ONNX op (Relu, LeakyRelu, Elu, Selu, Tanh, Sigmoid). Checked
  // here, when a hidden layer needs it: a spec without hidden layers never uses its activation.
  if (!ACTIVATIONS.includes(spec.activation)) {
    throw new RangeError(`checkpoint: modelSpec.activation ${JSON.stringify(spec.activation)} has no ONNX export`);
  }
  return activationNode(g, spec, z, { name });
}

function weight(checkpoint: Checkpoint, name: string, shape: number[]): Float32Array {
  const w = checkpoint.weights.get(name);
  if (!w) throw new RangeError(`checkpoint: weight ${name} is missing`);
  if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i]) || w.values.length !== shape.reduce((a, b) => a * b, 1)) {
    throw new RangeError(`checkpoint: weight ${name} has shape [${w.shape}], the model spec needs [${shape}]`);
  }
  return w.values;
}
