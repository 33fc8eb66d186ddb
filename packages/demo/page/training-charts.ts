// The training page's live curves: loss and accuracy per epoch, training against validation, drawn
// with @mnist/charts' lineChart as `mnist report` draws them (epochs shown 1-based).
import { lineChart } from '@mnist/charts';
import type { EpochEndLog } from '@mnist/trainer/browser';

/**
 * The two charts' SVG markup for the epochs so far (an empty-state chart before the first).
 * @example lossChart.innerHTML = trainingCharts(history).loss;
 */
export function trainingCharts(history: readonly EpochEndLog[]): { loss: string; accuracy: string } {
  const at = (pick: (log: EpochEndLog) => number) => history.map((log) => [log.epoch + 1, pick(log)] as [number, number]);
  const emptyMessage = 'the curves appear after the first epoch';
  return {
    loss: lineChart({
      series: [
        { name: 'training', points: at((log) => log.loss) },
        { name: 'validation', points: at((log) => log.valLoss) },
      ],
      xLabel: 'epoch',
      yLabel: 'loss',
      title: 'loss per epoch',
      integerX: true,
      emptyMessage,
      width: 340,
      height: 220,
    }),
    accuracy: lineChart({
      series: [
        { name: 'training (last batch)', points: at((log) => log.accuracy) },
        { name: 'validation', points: at((log) => log.valAccuracy) },
      ],
      xLabel: 'epoch',
      yLabel: 'accuracy',
      title: 'accuracy per epoch',
      integerX: true,
      emptyMessage,
      width: 340,
      height: 220,
    }),
  };
}
