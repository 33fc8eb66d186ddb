// Works out a loaded model's ModelSignature: our own export by its names, any other 28x28 digit
// classifier by its one float input's layout and its [N,K] output, whose kind (logits, probabilities,
// log-probabilities) comes from the load option, the graph (a Softmax or LogSoftmax computes it) or a
// probe run on fixed images. A model that is no such classifier is refused in one line.
import { outputKindOfScores } from './class-scores.js';
import type { RuntimeSession, RuntimeValueInfo } from './inference-runtime.js';
import { IMAGE_PIXELS, toModelInput } from './model-input.js';
import { ModelLoadError } from './model-load-error.js';
import { inputDims } from './model-run.js';
import { defaultLabels, normalizationOf, type ClassifierLoadOptions, type InputLayout, type ModelSignature, type OutputKind } from './model-signature.js';
import type { Preprocessing } from './model-spec.js';
import { ONNX_CLASSES, ONNX_INPUT, ONNX_LOGITS, ONNX_PROBABILITIES } from './onnx-contract.js';
import { oneLine } from './one-line.js';
import { outputProducer } from './onnx-output-producer.js';

/** What the model file itself says, as far as detection needs it. */
export interface SignatureHints {
  /** The model's bytes (for the graph walk). */
  bytes: Uint8Array;
  /** The default-domain opset (Softmax's default axis changed at 13). */
  opset: number;
  /** `mnist.preprocessing` as read, and whether the file had it. */
  preprocessing: Preprocessing;
  preprocessingInFile: boolean;
  /** `mnist.labels` when the file has them. */
  labels?: string[];
  /** The runtime's name, for messages about runs. */
  runtime?: string;
}

const NOT_A_CLASSIFIER = 'is not a 28x28 digit classifier';
const EXPECTED_INPUT = 'expected one float32 input [N,784], [N,1,28,28], [N,28,28,1] or [N,28,28]';
const EXPECTED_OUTPUT = 'expected [N,K] float32 class scores (K >= 2)';

/**
 * The ModelSignature of a loaded model, refusing (ModelLoadError naming `source`, one line) a model
 * that is not a classifier of 28x28 grayscale images or disagrees with `options`.
 * @example const signature = await detectSignature(session, hints, {}, 'model.onnx'); signature.output.kind // 'logits'
 */
export async function detectSignature(session: RuntimeSession, hints: SignatureHints, options: ClassifierLoadOptions, source: string): Promise<ModelSignature> {
  const refuse = (problem: string): never => {
    throw new ModelLoadError(source, `${NOT_A_CLASSIFIER}: ${problem}`);
  };
  const preprocessing = resolvePreprocessing(hints, options);
  if (isSdkContract(session, options)) return sdkSignature(session, hints, options, preprocessing, refuse);

  const input = chooseValue(session.inputs, options.input, 'input', refuse, EXPECTED_INPUT);
  const layout = inputLayout(input) ?? refuse(`input ${JSON.stringify(input.name)} is ${describe(input)}, ${EXPECTED_INPUT}`);
  const batch = input.shape[0];
  const fixedBatch = typeof batch === 'number' && batch > 0 ? batch : undefined;

  const output = chooseValue(session.outputs, options.output, 'output', refuse, EXPECTED_OUTPUT);
  if (output.type !== undefined && output.type !== 'float32') refuse(`output ${JSON.stringify(output.name)} is ${describe(output)}, ${EXPECTED_OUTPUT}`);
  if (output.shape.length !== 0 && output.shape.length !== 2) refuse(`output ${JSON.stringify(output.name)} is ${describe(output)}, ${EXPECTED_OUTPUT}`);
  const declared = typeof output.shape[1] === 'number' && output.shape[1] > 0 ? output.shape[1] : undefined;
  if (declared !== undefined && declared < 2) refuse(`output ${JSON.stringify(output.name)} is ${describe(output)}: ${declared} class, expected K >= 2 classes`);

  const labelsGiven = options.labels ? [...options.labels] : hints.labels;
  const labelsFrom = options.labels ? 'option' : hints.labels ? 'metadata' : 'default';

  let kind: OutputKind | undefined = options.outputKind;
  let detectedBy: ModelSignature['output']['detectedBy'] = 'option';
  if (kind === undefined) {
    kind = kindFromGraph(hints, output.name, source);
    detectedBy = 'graph';
  }

  // The probe always runs: it proves the model takes our feed before the first prediction, finds K
  // when the output does not declare it, and tells the output kind when nothing else did.
  const probeCount = fixedBatch ?? PROBE_IMAGES;
  const probe = toModelInput(probeImages(probeCount), preprocessing).chunk(0, probeCount);
  const partial: ModelSignature = {
    contract: 'foreign',
    input: { name: input.name, layout, shape: [...input.shape], ...(fixedBatch !== undefined && { fixedBatch }) },
    output: { name: output.name, kind: kind ?? 'logits', detectedBy, classes: 0 },
    preprocessing,
    labels: [],
    labelsFrom,
  };
  let raw: unknown;
  try {
    const out = await session.run({ name: input.name, data: probe, dims: inputDims(layout, probeCount) }, [output.name]);
    raw = out[output.name];
  } catch (error) {
    refuse(`${hints.runtime ?? 'the runtime'} could not run it on ${probeCount} image(s) as ${input.name} [${inputDims(layout, probeCount).join(', ')}]: ${oneLine(error, { firstLine: true })}`);
  }
  if (!(raw instanceof Float32Array)) refuse(`output ${JSON.stringify(output.name)} gave no float32 values on a probe run, ${EXPECTED_OUTPUT}`);
  const values = raw as Float32Array;
  const classes = declared ?? values.length / probeCount;
  if (!Number.isInteger(classes) || values.length !== classes * probeCount) {
    refuse(`output ${JSON.stringify(output.name)} gave ${values.length} values for ${probeCount} images, ${EXPECTED_OUTPUT}`);
  }
  if (classes < 2) refuse(`output ${JSON.stringify(output.name)} gives ${classes} class per image, expected K >= 2 classes`);
  if (labelsGiven && labelsGiven.length !== classes) {
    refuse(`output ${JSON.stringify(output.name)} has ${classes} classes but the labels (${labelsFrom}) have ${labelsGiven.length}`);
  }
  if (kind === undefined) {
    kind = outputKindOfScores(values, probeCount, classes);
    partial.output.detectedBy = 'probe';
  }
  partial.output.kind = kind;
  partial.output.classes = classes;
  partial.labels = labelsGiven ?? defaultLabels(classes);
  return partial;
}

const PROBE_IMAGES = 4;

// Fixed images unlike one another (blank, bright, and two stroke-like patterns), so three probability
// rows summing to 1 are not a coincidence of one input.
function probeImages(count: number): Uint8Array {
  const images = new Uint8Array(count * IMAGE_PIXELS);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < IMAGE_PIXELS; p++) {
      const row = Math.floor(p / 28);
      const col = p % 28;
      let v: number;
      if (i % 4 === 0) v = 0;
      else if (i % 4 === 1) v = 255;
      else if (i % 4 === 2) v = Math.abs(col - 14) < 3 && row > 4 && row < 24 ? 255 : 0;
      else v = (row * 37 + col * 11 + i * 53) % 256;
      images[i * IMAGE_PIXELS + p] = v;
    }
  }
  return images;
}

function resolvePreprocessing(hints: SignatureHints, options: ClassifierLoadOptions): ModelSignature['preprocessing'] {
  const pixelScale = hints.preprocessing.pixelScale;
  if (options.normalization) return { pixelScale, normalization: { mean: options.normalization.mean, std: options.normalization.std }, from: 'option' };
  const normalization = normalizationOf(hints.preprocessing);
  if (!hints.preprocessingInFile) return { pixelScale, from: 'default' };
  return normalization ? { pixelScale, normalization, from: 'metadata' } : { pixelScale, from: 'metadata' };
}

// Our own export: input X and the three outputs, asked for nothing that would pick another path.
function isSdkContract(session: RuntimeSession, options: ClassifierLoadOptions): boolean {
  if (options.input !== undefined || options.output !== undefined || options.outputKind !== undefined) return false;
  const has = (list: readonly RuntimeValueInfo[], name: string): boolean => list.some((v) => v.name === name);
  return has(session.inputs, ONNX_INPUT) && [ONNX_LOGITS, ONNX_PROBABILITIES, ONNX_CLASSES].every((name) => has(session.outputs, name));
}

// The graph must take X float32 [batch, 784] and give logits/probabilities float32 [batch, K] and
// classes int64 [batch]. Symbolic dims are accepted for batch only.
function sdkSignature(
  session: RuntimeSession,
  hints: SignatureHints,
  options: ClassifierLoadOptions,
  preprocessing: ModelSignature['preprocessing'],
  refuse: (problem: string) => never,
): ModelSignature {
  const find = (list: readonly RuntimeValueInfo[], name: string): RuntimeValueInfo => list.find((v) => v.name === name)!;
  const probabilities = find(session.outputs, ONNX_PROBABILITIES);
  const declared = typeof probabilities.shape[1] === 'number' ? probabilities.shape[1] : undefined;
  const labelsGiven = options.labels ? [...options.labels] : hints.labels;
  const labelsFrom = options.labels ? 'option' : hints.labels ? 'metadata' : 'default';
  const k = labelsGiven?.length ?? declared ?? 10;
  const problems: string[] = [];
  const expect = (value: RuntimeValueInfo, kind: string, type: string, dims: (number | 'batch')[]): void => {
    const shown = `[${dims.join(', ')}]`;
    if (value.type !== undefined && value.type !== type) problems.push(`${kind} ${value.name} is ${value.type}, expected ${type} ${shown}`);
    if (value.shape.length === 0) return;
    const ok =
      value.shape.length === dims.length &&
      dims.every((d, i) => (d === 'batch' ? typeof value.shape[i] === 'string' || value.shape[i] > 0 || value.shape[i] === -1 : value.shape[i] === d));
    if (!ok) problems.push(`${kind} ${value.name} has shape [${value.shape.join(', ')}], expected ${shown}`);
  };
  const input = find(session.inputs, ONNX_INPUT);
  expect(input, 'input', 'float32', ['batch', IMAGE_PIXELS]);
  expect(find(session.outputs, ONNX_LOGITS), 'output', 'float32', ['batch', k]);
  expect(probabilities, 'output', 'float32', ['batch', k]);
  expect(find(session.outputs, ONNX_CLASSES), 'output', 'int64', ['batch']);
  if (problems.length > 0) refuse(problems.join('; '));
  return {
    contract: 'sdk',
    input: { name: ONNX_INPUT, layout: 'flat', shape: [...input.shape] },
    output: { name: ONNX_PROBABILITIES, kind: 'probabilities', detectedBy: 'contract', classes: k },
    preprocessing,
    labels: labelsGiven ?? defaultLabels(k),
    labelsFrom,
  };
}

function chooseValue(
  list: readonly RuntimeValueInfo[],
  wanted: string | undefined,
  kind: 'input' | 'output',
  refuse: (problem: string) => never,
  expected: string,
): RuntimeValueInfo {
  const names = list.map((v) => JSON.stringify(v.name)).join(', ') || 'none';
  if (wanted !== undefined) return list.find((v) => v.name === wanted) ?? refuse(`it has no ${kind} ${JSON.stringify(wanted)} (${kind}s: ${names})`);
  if (list.length === 1) return list[0];
  if (list.length === 0) return refuse(`it has no ${kind}s, ${expected}`);
  return refuse(`it has ${list.length} ${kind}s (${names}), ${expected}; name the one to use with the ${kind} option`);
}

// Non-batch dims must be the image's or symbolic (a model exported with every axis dynamic); a
// 4-D input with both channel positions open is read as NCHW, PyTorch's order.
function inputLayout(input: RuntimeValueInfo): InputLayout | undefined {
  if (input.type !== undefined && input.type !== 'float32') return undefined;
  const shape = input.shape;
  const batchOk = shape.length > 0 && (typeof shape[0] === 'string' || shape[0] === -1 || (typeof shape[0] === 'number' && shape[0] > 0));
  if (!batchOk) return undefined;
  const fits = (dims: number[]): boolean => shape.length === dims.length + 1 && dims.every((d, i) => shape[i + 1] === d || typeof shape[i + 1] === 'string' || shape[i + 1] === -1);
  if (fits([IMAGE_PIXELS])) return 'flat';
  if (fits([1, 28, 28])) return 'nchw';
  if (fits([28, 28, 1])) return 'nhwc';
  if (fits([28, 28])) return 'nhw';
  return undefined;
}

function kindFromGraph(hints: SignatureHints, output: string, source: string): OutputKind | undefined {
  const producer = outputProducer(hints.bytes, output, source);
  if (!producer || producer.domain !== '' || (producer.opType !== 'Softmax' && producer.opType !== 'LogSoftmax')) return undefined;
  // Before opset 13 the default axis was 1 and coerced the input to 2-D from there, which for the
  // [N,K] tensor a shape-preserving path implies is the last axis too.
  const axis = producer.axis ?? (hints.opset >= 13 ? -1 : 1);
  const lastAxis = axis === -1 || (axis === 1 && producer.shapePreserved);
  if (!lastAxis) return undefined;
  return producer.opType === 'Softmax' ? 'probabilities' : 'log-probabilities';
}

function describe(value: RuntimeValueInfo): string {
  return `${value.type ?? 'a tensor'} [${value.shape.join(', ')}]`;
}
