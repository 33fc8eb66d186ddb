import { describe, expect, it } from 'vitest';
import { historyCharts } from './history-charts.js';
import { findAll, parseXml } from './svg-tree.fixture.js';

const points = (svg: string, name: string) =>
  findAll(findAll(parseXml(svg), 'g', 'series').find((g) => g.attrs['data-name'] === name)!, 'circle', 'point').length;

describe('historyCharts', () => {
  it('draws a point per epoch for training and validation, epochs 1-based', () => {
    const history = [0, 1, 2].map((epoch) => ({ epoch, loss: 1 / (epoch + 1), accuracy: 0.5 + epoch / 10, valLoss: 1.1 / (epoch + 1), valAccuracy: 0.6 + epoch / 10 }));
    const { loss, accuracy } = historyCharts(history);
    expect([points(loss, 'training'), points(loss, 'validation')]).toEqual([3, 3]);
    expect([points(accuracy, 'training (last batch)'), points(accuracy, 'validation')]).toEqual([3, 3]);
    const xTicks = findAll(parseXml(loss), 'text').filter((t) => t.attrs.class === 'tick x').map((t) => t.text);
    expect(xTicks).toEqual(['1', '2', '3']);
  });

  it('leaves out the validation points of epochs that have none', () => {
    const { loss } = historyCharts([
      { epoch: 0, loss: 0.9, accuracy: 0.7 },
      { epoch: 1, loss: 0.5, accuracy: 0.8, valLoss: 0.6, valAccuracy: 0.8 },
    ]);
    expect([points(loss, 'training'), points(loss, 'validation')]).toEqual([2, 1]);
  });

  it('shows the empty-state text before the first epoch, at the size asked', () => {
    const { accuracy } = historyCharts([], { emptyMessage: 'after the first epoch', width: 340, height: 220 });
    expect(accuracy).toContain('after the first epoch');
    expect(parseXml(accuracy).attrs.viewBox).toBe('0 0 340 220');
  });
});
