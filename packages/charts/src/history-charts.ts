// A training history as its two curves, loss and accuracy per epoch, training against validation: the
// one drawing of `mnist report` and of the training page's live charts.
import { lineChart, type LineChartOptions } from './line-chart.js';

/** One epoch's numbers, `epoch` 0-based as histories store it (shown 1-based, as the CLI prints it). */
export interface HistoryPoint {
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  loss: number;
  /** The epoch's last batch's accuracy. */
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
}

/** Size and empty-state text, passed on to both charts. */
export type HistoryChartOptions = Pick<LineChartOptions, 'width' | 'height' | 'emptyMessage'>;

/**
 * The loss and accuracy charts' SVG markup; an epoch without validation numbers has no validation point.
 * @example const { loss, accuracy } = historyCharts([{ epoch: 0, loss: 0.5, accuracy: 0.9, valLoss: 0.3, valAccuracy: 0.92 }]);
 */
export function historyCharts(history: readonly HistoryPoint[], options: HistoryChartOptions = {}): { loss: string; accuracy: string } {
  const at = (pick: (p: HistoryPoint) => number | undefined) => history.map((p) => [p.epoch + 1, pick(p) ?? Number.NaN] as [number, number]);
  const chart = (yLabel: string, training: string, pickTraining: (p: HistoryPoint) => number, pickValidation: (p: HistoryPoint) => number | undefined) =>
    lineChart({
      series: [
        { name: training, points: at(pickTraining) },
        { name: 'validation', points: at(pickValidation) },
      ],
      xLabel: 'epoch',
      yLabel,
      title: `${yLabel} per epoch`,
      integerX: true,
      ...options,
    });
  return {
    loss: chart('loss', 'training', (p) => p.loss, (p) => p.valLoss),
    accuracy: chart('accuracy', 'training (last batch)', (p) => p.accuracy, (p) => p.valAccuracy),
  };
}
