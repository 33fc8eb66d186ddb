// Test support: ONNX digit classifiers shaped as other tools export them (PyTorch's `input`/`output`,
// any of the four image layouts, a logits, Softmax or LogSoftmax head, fixed or symbolic batch, extra
// outputs), built in milliseconds with our GraphBuilder from a seeded random MLP, with the float64
// reference of their scores, so the classifier facade is tested on foreign models without PyTorch.
import { type Checkpoint } from '@mnist/core';
import { GraphBuilder, encodeModel, type Dim } from '../graph-builder.js';
import { add, gemm, identity, logSoftmax, matMul, mul, relu, reshape, softmax } from '../ops.js';
import { randomCheckpoint } from './random-model.js';
import { referenceForward } from './reference-mlp.js';

/** How a foreign model takes images and what it gives. */
export interface ForeignModelOptions {
  /** 'flat' [N,784], 'nchw' [N,1,28,28], 'nhwc' [N,28,28,1], 'nhw' [N,28,28]. Default 'nchw'. */
  layout?: 'flat' | 'nchw' | 'nhwc' | 'nhw';
  /** The head: raw logits, Softmax or LogSoftmax (over the last axis). Default 'logits'. */
  head?: 'logits' | 'softmax' | 'log_softmax';
  /** The batch dim: a symbol (default 'N') or a fixed size. */
  batch?: Dim;
  /** Input and output names; default PyTorch's 'input' and 'output'. */
  inputName?: string;
  outputName?: string;
  /** Number of classes. Default 10. */
  classes?: number;
  hiddenUnits?: number[];
  seed?: number;
  /** Written as metadata_props. */
  metadata?: Record<string, string>;
  /** Also output the last hidden layer as 'features' [N, units] (a second output, listed first). */
  featuresOutput?: boolean;
  /** Multiply the head's result by 1, so no Softmax is visible next to the output (only a probe can tell). */
  hideHead?: boolean;
  /** The head's axis attribute as written; default -1 (1 for opset < 13). */
  headAxis?: number;
  opset?: number;
}

/** A foreign model's bytes and the random checkpoint whose weights it holds. */
export interface ForeignModel {
  bytes: Uint8Array;
  checkpoint: Checkpoint;
}

const LAYOUT_DIMS = { flat: [784], nchw: [1, 28, 28], nhwc: [28, 28, 1], nhw: [28, 28] } as const;

/**
 * A seeded random MLP as another tool would export it: reshaped from the layout to [N,784], a Gemm
 * first layer then MatMul + Add layers with ReLU between, and the head; the output passes through an
 * Identity, as torch.onnx.export often leaves it.
 * @example const { bytes, checkpoint } = foreignOnnxModel({ layout: 'nchw', head: 'softmax', batch: 1 });
 */
export function foreignOnnxModel(options: ForeignModelOptions = {}): ForeignModel {
  const { layout = 'nchw', head = 'logits', batch = 'N', inputName = 'input', outputName = 'output', classes = 10, opset = 17 } = options;
  const checkpoint = randomCheckpoint(options.hiddenUnits ?? [12, 8], options.seed ?? 5, { outputSize: classes });
  const spec = checkpoint.modelJson.modelSpec;
  const g = new GraphBuilder({ opset });
  let x = g.input(inputName, 'float32', [batch, ...LAYOUT_DIMS[layout]]);
  if (layout !== 'flat') x = reshape(g, x, [-1, 784]);
  const sizes = [784, ...spec.hiddenUnits, classes];
  const scopes = [...spec.hiddenUnits.map((_, i) => `dnn/hidden${i + 1}`), 'dnn/outputs'];
  let features: string | undefined;
  scopes.forEach((scope, i) => {
    const kernel = checkpoint.weights.get(`${scope}/kernel`)!;
    const bias = checkpoint.weights.get(`${scope}/bias`)!;
    g.initializer(`${scope}.weight`, { dtype: 'float32', dims: [sizes[i], sizes[i + 1]], values: kernel.values });
    g.initializer(`${scope}.bias`, { dtype: 'float32', dims: [sizes[i + 1]], values: bias.values });
    x = i === 0 ? gemm(g, x, `${scope}.weight`, `${scope}.bias`) : add(g, matMul(g, x, `${scope}.weight`), `${scope}.bias`);
    if (i < scopes.length - 1) {
      x = relu(g, x);
      features = x;
    }
  });
  const axis = options.headAxis ?? (opset >= 13 ? -1 : 1);
  if (head === 'softmax') x = softmax(g, x, { axis });
  else if (head === 'log_softmax') x = logSoftmax(g, x, { axis });
  if (options.hideHead) x = mul(g, x, g.scalar(1, 'one'));
  if (options.featuresOutput && features) g.output(identity(g, features, { name: 'features' }), 'float32', [batch, spec.hiddenUnits.at(-1)!]);
  g.output(identity(g, x, { name: outputName }), 'float32', [batch, classes]);
  return { bytes: encodeModel(g.build({ irVersion: 8, producerName: 'pytorch', producerVersion: '1.13.1', metadata: options.metadata })), checkpoint };
}

/**
 * The float64 reference logits of a foreign model for N images of model values (already scaled and
 * normalized, N*784), one Float64Array of N*K.
 * @example const logits = foreignReferenceLogits(model, values);
 */
export function foreignReferenceLogits(model: ForeignModel, values: ArrayLike<number>): Float64Array {
  return referenceForward(model.checkpoint.modelJson.modelSpec, model.checkpoint.weights, values, 1);
}

/** What the classifier facade should answer for a foreign model, from the float64 reference. */
export interface ForeignExpectation {
  classes: number[];
  /** N*K probabilities: softmax of the reference logits. */
  probabilities: Float64Array;
  /** N*K logits as the facade gives them: the logits for a logits head, log-probabilities otherwise. */
  logits: Float64Array;
}

/**
 * The facade's expected answers for N images of raw bytes through a foreign model with `head`,
 * after pixel scale 1/255 and an optional normalization, all in float64.
 * @example const { classes, probabilities } = foreignExpectation(model, 'softmax', raw, { mean: 0.1307, std: 0.3081 });
 */
export function foreignExpectation(
  model: ForeignModel,
  head: NonNullable<ForeignModelOptions['head']>,
  raw: Uint8Array,
  normalization?: { mean: number; std: number },
): ForeignExpectation {
  const values = Float64Array.from(raw, (b) => (normalization ? (b / 255 - normalization.mean) / normalization.std : b / 255));
  const logits = foreignReferenceLogits(model, values);
  const k = model.checkpoint.modelJson.modelSpec.outputSize;
  const n = logits.length / k;
  const classes: number[] = [];
  const probabilities = new Float64Array(n * k);
  const logProbabilities = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    const row = logits.subarray(r * k, (r + 1) * k);
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max;
    for (let j = 0; j < k; j++) {
      logProbabilities[r * k + j] = row[j] - logSum;
      probabilities[r * k + j] = Math.exp(row[j] - logSum);
    }
    classes.push(row.indexOf(max));
  }
  return { classes, probabilities, logits: head === 'logits' ? logits : logProbabilities };
}
