// The test images a model got wrong with the most confidence: what a learner looks at first to see what
// the network has not learned (a 4 written like a 9, a mislabelled image).
import { softmaxRows } from '@mnist/core';

/** One misclassified test image. */
export interface Mistake {
  /** Index in the test set. */
  index: number;
  /** True class. */
  label: number;
  /** Predicted class (the argmax). */
  predicted: number;
  /** The predicted class's softmax probability. */
  probability: number;
}

/**
 * The `top` misclassified images with the highest predicted probability, most confident first (ties
 * by test-set index, so the gallery is the same on every run).
 * @example confidentMistakes(logits, test.labels, 10, 24)[0].probability // e.g. 0.9993
 */
export function confidentMistakes(logits: Float32Array, labels: Uint8Array, classes: number, top: number): Mistake[] {
  const probabilities = softmaxRows(logits, classes);
  const mistakes: Mistake[] = [];
  for (let i = 0; i < labels.length; i++) {
    let predicted = 0;
    for (let c = 1; c < classes; c++) if (probabilities[i * classes + c] > probabilities[i * classes + predicted]) predicted = c;
    if (predicted !== labels[i]) mistakes.push({ index: i, label: labels[i], predicted, probability: probabilities[i * classes + predicted] });
  }
  mistakes.sort((a, b) => b.probability - a.probability || a.index - b.index);
  return mistakes.slice(0, top);
}
