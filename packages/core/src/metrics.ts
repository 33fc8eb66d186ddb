// Loss, accuracy and per-class scores on plain arrays: the same numbers the training engines and the inference SDKs
// report, computed once here (in float64) so every runtime is scored by one definition.

/**
 * The index of the largest value in each row (the first one on ties, like numpy's argmax).
 * @example argmaxRows(new Float32Array([0.1, 0.9, 0.7, 0.2]), 2) // Int32Array [1, 0]
 */
export function argmaxRows(values: Float32Array, cols: number): Int32Array {
  const rows = rowCount(values, cols, 'values');
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[o + c] > values[o + best]) best = c;
    out[r] = best;
  }
  return out;
}

/**
 * Row-wise softmax, numerically stable (each row's maximum is subtracted before exponentiating).
 * @example softmaxRows(new Float32Array([0, Math.log(3)]), 2) // Float32Array [0.25, 0.75]
 */
export function softmaxRows(logits: Float32Array, cols: number): Float32Array {
  const rows = rowCount(logits, cols, 'logits');
  const out = new Float32Array(logits.length);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const max = rowMax(logits, o, cols);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(logits[o + c] - max);
    for (let c = 0; c < cols; c++) out[o + c] = Math.exp(logits[o + c] - max) / sum;
  }
  return out;
}

/**
 * Mean sparse softmax cross-entropy, as `tf.reduce_mean(sparse_softmax_cross_entropy_with_logits)`:
 * the mean over rows of logsumexp(row) - row[label].
 * @example sparseSoftmaxCrossEntropy(new Float32Array([0, 0]), [1], 2) // Math.log(2)
 */
export function sparseSoftmaxCrossEntropy(logits: Float32Array, labels: ArrayLike<number>, cols: number): number {
  const rows = rowCount(logits, cols, 'logits');
  checkLabels(labels, rows, cols);
  if (rows === 0) throw new RangeError('logits must hold at least one row');
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const max = rowMax(logits, o, cols);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(logits[o + c] - max);
    total += max + Math.log(sum) - logits[o + labels[r]];
  }
  return total / rows;
}

/**
 * TensorFlow's `in_top_k`: 1 where the label's logit is among the k largest of its row. Ties count
 * in the label's favour (a target is in the top k when fewer than k classes score strictly higher),
 * and a row with a non-finite value or an out-of-range label gives 0, as in TensorFlow.
 * @example inTopK(new Float32Array([0.1, 0.9, 0.5, 0.5]), [1, 0], 2) // Uint8Array [1, 1]
 */
export function inTopK(logits: Float32Array, labels: ArrayLike<number>, cols: number, k = 1): Uint8Array {
  const rows = rowCount(logits, cols, 'logits');
  if (labels.length !== rows) throw new RangeError(`labels has ${labels.length} entries, logits has ${rows} rows`);
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
  const out = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    const target = labels[r];
    if (!Number.isInteger(target) || target < 0 || target >= cols) continue;
    const o = r * cols;
    const targetValue = logits[o + target];
    if (!Number.isFinite(targetValue)) continue;
    let higher = 0;
    let finite = true;
    for (let c = 0; c < cols; c++) {
      const v = logits[o + c];
      if (!Number.isFinite(v)) {
        finite = false;
        break;
      }
      if (v > targetValue) higher++;
    }
    out[r] = finite && higher < k ? 1 : 0;
  }
  return out;
}

/**
 * The fraction of positions where `predicted` equals `labels`.
 * @example accuracy([7, 2, 1, 1], [7, 2, 1, 0]) // 0.75
 */
export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predicted.length !== labels.length) {
    throw new RangeError(`predicted has ${predicted.length} entries, labels has ${labels.length}`);
  }
  if (labels.length === 0) throw new RangeError('labels must not be empty');
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return correct / labels.length;
}

/**
 * The fraction of rows of `logits` [rows, cols] whose label is in the top 1 by `inTopK` (its rules for
 * ties, NaN and out-of-range labels), 0 when there are no rows.
 * @example topOneAccuracy(Float32Array.of(0.1, 0.9, 0.8, 0.2), [1, 1], 2) // 0.5
 */
export function topOneAccuracy(logits: Float32Array, labels: ArrayLike<number>, cols: number): number {
  const hits = inTopK(logits, labels, cols, 1);
  let correct = 0;
  for (const h of hits) correct += h;
  return hits.length === 0 ? 0 : correct / hits.length;
}

/**
 * Counts of (true label, predicted class) pairs: `matrix[label][predicted]`, as scikit-learn's
 * `confusion_matrix(y_true, y_pred)` lays it out.
 * @example confusionMatrix([0, 1, 1], [0, 0, 1], 2) // [[1, 1], [0, 1]]
 */
export function confusionMatrix(predicted: ArrayLike<number>, labels: ArrayLike<number>, nClasses: number): number[][] {
  if (!Number.isInteger(nClasses) || nClasses < 1) throw new RangeError(`nClasses must be a positive integer, got ${nClasses}`);
  if (predicted.length !== labels.length) {
    throw new RangeError(`predicted has ${predicted.length} entries, labels has ${labels.length}`);
  }
  const matrix = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    const p = predicted[i];
    if (!isClass(t, nClasses)) throw new RangeError(`labels[${i}] = ${t} is outside [0, ${nClasses})`);
    if (!isClass(p, nClasses)) throw new RangeError(`predicted[${i}] = ${p} is outside [0, ${nClasses})`);
    matrix[t][p]++;
  }
  return matrix;
}

/** One class's scores, from a confusion matrix. */
export interface ClassMetrics {
  /** The share of the class's images predicted as it: its recall, the "per-class accuracy" of tfjs-vis. */
  accuracy: number;
  /** Of the images predicted as the class, the share that are: TP / (TP + FP). */
  precision: number;
  /** Of the class's images, the share predicted as it: TP / (TP + FN). */
  recall: number;
  /** How many images of the class there are (the matrix row's sum). */
  support: number;
}

/**
 * Per-class accuracy, precision, recall and support of a square `matrix[label][predicted]` (as
 * {@link confusionMatrix} makes). A ratio whose denominator is 0 (a class never predicted has no
 * precision, one with no images no recall) is 0, as scikit-learn's `precision_recall_fscore_support`
 * returns with its default `zero_division`: a number, never NaN, so JSON and tables stay numeric.
 * @example perClassMetrics([[1, 1], [0, 1]]) // [{ accuracy: 0.5, precision: 1, recall: 0.5, support: 2 }, { accuracy: 1, precision: 0.5, recall: 1, support: 1 }]
 */
export function perClassMetrics(matrix: readonly (readonly number[])[]): ClassMetrics[] {
  const k = matrix.length;
  if (k === 0) throw new RangeError('matrix must have at least one row');
  matrix.forEach((row, r) => {
    if (row.length !== k) throw new RangeError(`matrix must be square: row ${r} has ${row.length} entries, there are ${k} rows`);
    row.forEach((v, c) => {
      if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`matrix[${r}][${c}] = ${v} is not a non-negative integer count`);
    });
  });
  return matrix.map((row, i) => {
    const truePositives = row[i];
    const support = row.reduce((a, b) => a + b, 0);
    let predicted = 0;
    for (let r = 0; r < k; r++) predicted += matrix[r][i];
    const recall = support === 0 ? 0 : truePositives / support;
    return { accuracy: recall, precision: predicted === 0 ? 0 : truePositives / predicted, recall, support };
  });
}

function rowCount(values: Float32Array, cols: number, name: string): number {
  if (!Number.isInteger(cols) || cols < 1) throw new RangeError(`cols must be a positive integer, got ${cols}`);
  if (values.length % cols !== 0) throw new RangeError(`${name} has ${values.length} values, not a multiple of cols = ${cols}`);
  return values.length / cols;
}

function rowMax(values: Float32Array, offset: number, cols: number): number {
  let max = -Infinity;
  for (let c = 0; c < cols; c++) if (values[offset + c] > max) max = values[offset + c];
  return max;
}

function checkLabels(labels: ArrayLike<number>, rows: number, cols: number): void {
  if (labels.length !== rows) throw new RangeError(`labels has ${labels.length} entries, logits has ${rows} rows`);
  for (let i = 0; i < rows; i++) {
    if (!isClass(labels[i], cols)) throw new RangeError(`labels[${i}] = ${labels[i]} is outside [0, ${cols})`);
  }
}

function isClass(value: number, nClasses: number): boolean {
  return Number.isInteger(value) && value >= 0 && value < nClasses;
}
