// A model's class scores (logits, probabilities or log-probabilities) turned into what the facade
// returns for every model alike: probabilities, classes by argmax, and logits when asked; plus the
// probe's rule that tells the three kinds apart from values alone.
import { argmaxRows } from './metrics.js';
import type { OutputKind } from './model-signature.js';

/** Probabilities and classes of N rows of K scores; logits when asked. */
export interface ClassScores {
  classes: Int32Array;
  probabilities: Float32Array;
  logits?: Float32Array;
}

// log(p) of a probability 0 would be -Infinity, which JSON cannot carry; float32's smallest normal
// number keeps log(p) finite (-87.3), and softmax of it gives that number back (1.2e-38), not 0.
const SMALLEST_PROBABILITY = 1.1754943508222875e-38;

/**
 * Converts N rows of K scores of `kind` to probabilities (softmax of logits, exp of log-probabilities,
 * probabilities as they are) and classes (argmax of the scores, the first on ties). With `withLogits`,
 * also logits: the scores of a logits or log-probability model, and log(p) for a probability model
 * (valid logits: softmax(log p) = p), with p = 0 taken as float32's smallest normal number.
 * @example classScores(Float32Array.of(0, Math.log(3)), 1, 2, 'logits', false).probabilities // [0.25, 0.75]
 */
export function classScores(scores: Float32Array, rows: number, k: number, kind: OutputKind, withLogits: boolean): ClassScores {
  const classes = argmaxRows(scores, k);
  let probabilities: Float32Array;
  let logits: Float32Array | undefined;
  if (kind === 'probabilities') {
    probabilities = scores;
    if (withLogits) {
      logits = new Float32Array(scores.length);
      for (let i = 0; i < scores.length; i++) logits[i] = Math.log(Math.max(scores[i], SMALLEST_PROBABILITY));
    }
  } else if (kind === 'log-probabilities') {
    probabilities = new Float32Array(scores.length);
    for (let i = 0; i < scores.length; i++) probabilities[i] = Math.exp(scores[i]);
    if (withLogits) logits = scores;
  } else {
    probabilities = softmaxRows(scores, rows, k);
    if (withLogits) logits = scores;
  }
  return logits ? { classes, probabilities, logits } : { classes, probabilities };
}

/**
 * Softmax of each row of K values, in float64 (max subtracted first), rounded to float32 once.
 * @example softmaxRows(Float32Array.of(1, 1), 1, 2) // [0.5, 0.5]
 */
export function softmaxRows(values: Float32Array, rows: number, k: number): Float32Array {
  const out = new Float32Array(rows * k);
  const row = new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    const base = r * k;
    let max = -Infinity;
    for (let j = 0; j < k; j++) if (values[base + j] > max) max = values[base + j];
    let sum = 0;
    for (let j = 0; j < k; j++) {
      row[j] = Math.exp(values[base + j] - max);
      sum += row[j];
    }
    for (let j = 0; j < k; j++) out[base + j] = row[j] / sum;
  }
  return out;
}

// Float32 probabilities summed over a few classes stay within about 1e-6 of 1; 1e-3 also accepts
// models that compute softmax in half precision, while logits summing that close to 1 on every probe
// image by chance is not a practical worry (and the outputKind option overrides).
const SUM_TOLERANCE = 1e-3;

/**
 * What N rows of K scores look like: `probabilities` when every row is non-negative and sums to 1,
 * `log-probabilities` when every value is <= 0 and each row's exp sums to 1, else `logits`. The probe
 * runs the model on a few fixed images and asks this.
 * @example outputKindOfScores(Float32Array.of(0.25, 0.75), 1, 2) // 'probabilities'
 */
export function outputKindOfScores(values: Float32Array, rows: number, k: number): OutputKind {
  let probabilities = true;
  let logProbabilities = true;
  for (let r = 0; r < rows && (probabilities || logProbabilities); r++) {
    let sum = 0;
    let expSum = 0;
    for (let j = 0; j < k; j++) {
      const v = values[r * k + j];
      if (v < 0) probabilities = false;
      if (v > 0) logProbabilities = false;
      sum += v;
      expSum += Math.exp(v);
    }
    if (!(Math.abs(sum - 1) <= SUM_TOLERANCE)) probabilities = false;
    if (!(Math.abs(expSum - 1) <= SUM_TOLERANCE)) logProbabilities = false;
  }
  if (probabilities) return 'probabilities';
  return logProbabilities ? 'log-probabilities' : 'logits';
}
