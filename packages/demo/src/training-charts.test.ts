// The training page's curves: two series per chart, one point per epoch at 1-based x, empty before the first epoch.
import { describe, expect, it } from 'vitest';
import { trainingCharts } from '../page/training-charts.ts';

const log = (epoch: number) => ({ epoch, loss: 1 / (epoch + 1), accuracy: 0.8 + epoch / 100, valLoss: 1.1 / (epoch + 1), valAccuracy: 0.85 + epoch / 100, seconds: epoch });

describe('trainingCharts', () => {
  it('draws training and validation loss and accuracy, a point per epoch', () => {
    const { loss, accuracy } = trainingCharts([log(0), log(1), log(2)]);
    expect([...loss.matchAll(/<g class="series" data-name="([^"]+)"/g)].map((m) => m[1])).toEqual(['training', 'validation']);
    expect([...accuracy.matchAll(/<g class="series" data-name="([^"]+)"/g)].map((m) => m[1])).toEqual(['training (last batch)', 'validation']);
    expect(loss.match(/class="point"/g)).toHaveLength(6);
    expect(loss).toContain('loss per epoch');
    expect(accuracy).toContain('accuracy per epoch');
    // Epochs 1..3 on the x axis (the history's 0-based epochs, shown as the CLI prints them).
    expect(loss).toMatch(/>3<\/text>/);
  });

  it('says when the curves will appear before the first epoch', () => {
    expect(trainingCharts([]).loss).toContain('the curves appear after the first epoch');
  });
});
