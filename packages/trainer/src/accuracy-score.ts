// scikit-learn's `accuracy_score(y_true, y_pred)`, as the chapter scores DNNClassifier's predictions.
import { accuracy } from '@mnist/core';

/**
 * The fraction of positions where `yPred` equals `yTrue`. Throws RangeError when the lengths differ
 * or are zero.
 * @example accuracyScore([7, 2, 1], [7, 2, 0]) // 0.6666666666666666
 */
export function accuracyScore(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`yTrue and yPred must have the same length, got ${yTrue.length} and ${yPred.length}`);
  }
  if (yTrue.length === 0) throw new RangeError('yTrue must hold at least one label');
  return accuracy(yPred, yTrue);
}
