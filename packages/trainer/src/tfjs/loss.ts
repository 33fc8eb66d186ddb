// The original program's loss and evaluation ops on tfjs tensors:
// `tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))` and
// `tf.reduce_mean(tf.cast(tf.nn.in_top_k(logits, y, 1), tf.float32))`.
import * as tf from '@tensorflow/tfjs-core';

/**
 * Mean sparse softmax cross-entropy of `logits` `[n, classes]` against int32 `labels` `[n]`. Like
 * TensorFlow's fused op it carries its own gradient, (softmax(logits) - onehot(labels)) / n, so
 * training needs no registered gradients from tfjs.
 * @example const loss = sparseSoftmaxCrossEntropy(tf.tensor1d([1], 'int32'), tf.tensor2d([[0, 0]])); // ln 2
 */
export function sparseSoftmaxCrossEntropy(labels: tf.Tensor1D, logits: tf.Tensor2D): tf.Scalar {
  if (labels.dtype !== 'int32') throw new TypeError(`labels must be an int32 tensor, got ${labels.dtype}`);
  const [rows, classes] = logits.shape;
  if (labels.shape[0] !== rows) throw new RangeError(`labels has ${labels.shape[0]} entries, logits has ${rows} rows`);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [z, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const logProbabilities = tf.logSoftmax(z);
    // int32 then cast: tfjs-backend-wasm 4.22's OneHot writes int32 bits even when asked for float32.
    const onehot = tf.cast(tf.oneHot(labels, classes), 'float32');
    save([tf.exp(logProbabilities), onehot]);
    return {
      value: tf.neg(tf.mean(tf.sum(tf.mul(onehot, logProbabilities), 1))) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [probabilities, target] = saved;
        return [tf.mul(tf.div(tf.sub(probabilities, target), rows), dy)];
      },
    };
  });
  return op(logits);
}

/**
 * Fraction of rows whose label is the top-1 logit (`in_top_k(logits, y, 1)`, averaged).
 * @example await inTopKAccuracy(tf.tensor2d([[0, 1], [1, 0]]), tf.tensor1d([1, 1], 'int32')) // 0.5
 */
export async function inTopKAccuracy(logits: tf.Tensor2D, labels: tf.Tensor1D): Promise<number> {
  const hits = await tf.inTopKAsync(logits, labels, 1);
  try {
    const values = await hits.data();
    let correct = 0;
    for (let i = 0; i < values.length; i++) correct += values[i];
    return values.length === 0 ? 0 : correct / values.length;
  } finally {
    hits.dispose();
  }
}
