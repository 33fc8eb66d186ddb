// Runs a chunk of model values through a session as its signature says: the input under its own name
// and dims, a fixed-batch model in runs of exactly its batch (the last one padded, the padding's
// answers dropped), our own exports through their probabilities and classes outputs, any other model
// through its one class-score output, converted to probabilities and classes.
import { classScores, type ClassScores } from './class-scores.js';
import type { RuntimeSession } from './inference-runtime.js';
import { IMAGE_PIXELS } from './model-input.js';
import { ModelLoadError } from './model-load-error.js';
import type { InputLayout, ModelSignature } from './model-signature.js';
import { ONNX_CLASSES, ONNX_LOGITS, ONNX_PROBABILITIES } from './onnx-contract.js';

/** What a run must give: classes only (evaluate), or probabilities too, or logits as well. */
export type RunWants = 'classes' | 'probabilities' | 'logits';

/**
 * The dims a layout feeds N images with.
 * @example inputDims('nchw', 5) // [5, 1, 28, 28]
 */
export function inputDims(layout: InputLayout, n: number): number[] {
  switch (layout) {
    case 'flat':
      return [n, IMAGE_PIXELS];
    case 'nchw':
      return [n, 1, 28, 28];
    case 'nhwc':
      return [n, 28, 28, 1];
    case 'nhw':
      return [n, 28, 28];
  }
}

const SDK_FETCHES: Readonly<Record<RunWants, readonly string[]>> = Object.freeze({
  classes: [ONNX_CLASSES],
  probabilities: [ONNX_PROBABILITIES, ONNX_CLASSES],
  logits: [ONNX_LOGITS, ONNX_PROBABILITIES, ONNX_CLASSES],
});

/**
 * Classifies `n` images given as model values (`n * 784`, already scaled and normalized). Outputs of
 * the wrong size or type, and non-finite scores, throw a ModelLoadError naming `source`.
 * @example const { classes, probabilities } = await runModel(session, signature, x, n, 'probabilities', 'model.onnx');
 */
export async function runModel(session: RuntimeSession, signature: ModelSignature, x: Float32Array, n: number, wants: RunWants, source: string): Promise<ClassScores> {
  const k = signature.output.classes;
  if (signature.contract === 'sdk') {
    const out = await session.run({ name: signature.input.name, data: x, dims: inputDims(signature.input.layout, n) }, SDK_FETCHES[wants]);
    const classes = toClasses(out[ONNX_CLASSES], n, k, source);
    if (wants === 'classes') return { classes, probabilities: new Float32Array(0) };
    const probabilities = checkFloats(out[ONNX_PROBABILITIES], n * k, ONNX_PROBABILITIES, source);
    checkFinite(probabilities, k, ONNX_PROBABILITIES, 'probabilities', source);
    if (wants !== 'logits') return { classes, probabilities };
    return { classes, probabilities, logits: checkFloats(out[ONNX_LOGITS], n * k, ONNX_LOGITS, source) };
  }
  const scores = await runScores(session, signature, x, n, source);
  checkFinite(scores, k, signature.output.name, signature.output.kind, source);
  return classScores(scores, n, k, signature.output.kind, wants === 'logits');
}

/**
 * The raw `[n, K]` scores of a foreign model's chosen output for `n` images of model values, run in
 * chunks of its fixed batch when it has one.
 * @example const scores = await runScores(session, signature, x, 3, 'model.onnx'); // 3 * K values
 */
export async function runScores(session: RuntimeSession, signature: ModelSignature, x: Float32Array, n: number, source: string): Promise<Float32Array> {
  const { name, layout, fixedBatch } = signature.input;
  const output = signature.output.name;
  const k = signature.output.classes;
  const fetches = [output];
  if (fixedBatch === undefined || n === fixedBatch) {
    const out = await session.run({ name, data: x, dims: inputDims(layout, n) }, fetches);
    return checkFloats(out[output], n * k, output, source);
  }
  const scores = new Float32Array(n * k);
  const dims = inputDims(layout, fixedBatch);
  let padded: Float32Array | undefined;
  for (let start = 0; start < n; start += fixedBatch) {
    const count = Math.min(fixedBatch, n - start);
    let data = x.subarray(start * IMAGE_PIXELS, (start + fixedBatch) * IMAGE_PIXELS);
    if (count < fixedBatch) {
      // Zero images fill the last run; their scores are dropped below.
      padded ??= new Float32Array(fixedBatch * IMAGE_PIXELS);
      padded.set(data);
      data = padded;
    }
    const out = await session.run({ name, data, dims }, fetches);
    const part = checkFloats(out[output], fixedBatch * k, output, source);
    scores.set(count < fixedBatch ? part.subarray(0, count * k) : part, start * k);
  }
  return scores;
}

function checkFloats(values: unknown, length: number, name: string, source: string): Float32Array {
  if (!(values instanceof Float32Array) || values.length !== length) {
    const found = values instanceof Float32Array ? `${values.length} values` : values === undefined ? 'no values' : 'values that are not float32';
    throw new ModelLoadError(source, `output ${name} has ${found}, expected ${length} float32`);
  }
  return values;
}

// NaN scores (weights corrupted to NaN or Infinity, or inputs so large the logits overflow) would come
// with a confident-looking class: refuse them. Inputs are finite by then, so the cause is named from
// the image's own range. A log-probability may be -Infinity (log 0); nothing else may be infinite.
function checkFinite(values: Float32Array, k: number, name: string, kind: string, source: string): void {
  let sum = 0;
  if (kind === 'log-probabilities') {
    for (let i = 0; i < values.length; i++) sum += values[i] < Infinity ? 0 : 1;
  } else {
    for (let i = 0; i < values.length; i++) sum += values[i] * 0;
  }
  if (sum === 0) return;
  const index = values.findIndex((p) => (kind === 'log-probabilities' ? !(p < Infinity) : !Number.isFinite(p)));
  throw new ModelLoadError(
    source,
    `output ${name} is not finite for image ${Math.floor(index / k)} of the batch (corrupt model weights, or pixel values far outside [0, 1])`,
  );
}

function toClasses(values: unknown, n: number, k: number, source: string): Int32Array {
  if (!(values instanceof BigInt64Array || values instanceof Int32Array) || values.length !== n) {
    const length = (values as { length?: number } | undefined)?.length;
    throw new ModelLoadError(source, `output ${ONNX_CLASSES} has ${length ?? 'no'} values, expected ${n}`);
  }
  if (values instanceof Int32Array) return values;
  const classes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = Number(values[i]);
    if (c < 0 || c >= k) throw new ModelLoadError(source, `output ${ONNX_CLASSES}[${i}] = ${c} is not a class in [0, ${k})`);
    classes[i] = c;
  }
  return classes;
}
