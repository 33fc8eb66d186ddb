// The training page's live curves: loss and accuracy per epoch, training against validation, drawn
// with @mnist/charts' historyCharts exactly as `mnist report` draws them.
import { historyCharts } from '@mnist/charts';
import type { EpochEndLog } from '@mnist/trainer/browser';

/**
 * The two charts' SVG markup for the epochs so far (an empty-state chart before the first).
 * @example lossChart.innerHTML = trainingCharts(history).loss;
 */
export function trainingCharts(history: readonly EpochEndLog[]): { loss: string; accuracy: string } {
  return historyCharts(history, { emptyMessage: 'the curves appear after the first epoch', width: 340, height: 220 });
}
