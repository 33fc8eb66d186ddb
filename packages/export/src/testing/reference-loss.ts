// The original program's loss in float64, for both families' references: mean over the rows of
// logsumexp(logits) - logits[y], and its gradient with respect to the logits, (softmax - onehot) / rows.

/**
 * The mean softmax cross-entropy of `logits` [rows, classes] for `labels`, and d loss / d logits.
 * @example const { loss, dLogits } = referenceSoftmaxCrossEntropy(logits, labels, 10);
 */
export function referenceSoftmaxCrossEntropy(logits: Float64Array, labels: ArrayLike<number>, classes: number): { loss: number; dLogits: Float64Array } {
  const rows = labels.length;
  let loss = 0;
  const dLogits = new Float64Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    const row = logits.subarray(r * classes, (r + 1) * classes);
    const max = Math.max(...row);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    const logSum = max + Math.log(sum);
    const y = labels[r];
    loss += logSum - row[y];
    for (let c = 0; c < classes; c++) dLogits[r * classes + c] = (Math.exp(row[c] - logSum) - (c === y ? 1 : 0)) / rows;
  }
  return { loss: loss / rows, dLogits };
}
