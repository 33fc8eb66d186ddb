// What `mnist eval` reports beyond the accuracy: per-class scores and the confusion matrix, as JSON
// fields and as the readable tables a learner looks at.
import { perClassMetrics, type ClassMetrics } from '@mnist/core';

/** One class's scores, named by its label. */
export interface ClassReport extends ClassMetrics {
  label: string;
}

/** The result `mnist eval` prints: `confusionMatrix[label][predicted]`, `perClass` in class order. */
export interface EvalReport {
  accuracy: number;
  n: number;
  confusionMatrix: number[][];
  perClass: ClassReport[];
}

/**
 * The eval result of an accuracy, a confusion matrix and the class labels (0..K-1 where a label is missing).
 * @example evalReport(0.5, 2, [[1, 1], [0, 0]], ['0', '1']).perClass[0].recall === 0.5
 */
export function evalReport(accuracy: number, n: number, confusionMatrix: number[][], labels: readonly string[]): EvalReport {
  const perClass = perClassMetrics(confusionMatrix).map((m, i) => ({ label: labels[i] ?? String(i), ...m }));
  return { accuracy, n, confusionMatrix, perClass };
}

/**
 * The human lines of an eval result: the accuracy, a per-class table, then the confusion matrix with
 * true classes down the side and predicted classes across, each headed by its label.
 * @example evalLines(report)[0] === 'Test accuracy: 0.9512 (10000 images)'
 */
export function evalLines(report: EvalReport): string[] {
  const labels = report.perClass.map((c) => c.label);
  const labelWidth = Math.max(5, ...labels.map((l) => l.length));
  const perClass = [
    `${'class'.padEnd(labelWidth)}  accuracy  precision  recall  support`,
    ...report.perClass.map(
      (c) => `${c.label.padEnd(labelWidth)}  ${fixed(c.accuracy, 8)}  ${fixed(c.precision, 9)}  ${fixed(c.recall, 6)}  ${String(c.support).padStart(7)}`,
    ),
  ];
  const cellWidth = Math.max(...labels.map((l) => l.length), ...report.confusionMatrix.flat().map((v) => String(v).length));
  const corner = 'true \\ predicted';
  const sideWidth = Math.max(corner.length, labelWidth);
  const matrix = [
    `${corner.padEnd(sideWidth)}  ${labels.map((l) => l.padStart(cellWidth)).join(' ')}`,
    ...report.confusionMatrix.map((row, i) => `${labels[i].padEnd(sideWidth)}  ${row.map((v) => String(v).padStart(cellWidth)).join(' ')}`),
  ];
  return [
    `Test accuracy: ${report.accuracy.toFixed(4)} (${report.n} images)`,
    '',
    "Per class (a class's accuracy is its recall: the share of its images predicted as it):",
    ...perClass,
    '',
    'Confusion matrix (rows: true class, columns: predicted class):',
    ...matrix,
  ];
}

function fixed(value: number, width: number): string {
  return value.toFixed(4).padStart(width);
}
