import { describe, expect, it } from 'vitest';
import { lineChart } from './line-chart.js';
import { findAll, parseXml } from './svg-tree.fixture.js';

const history = (n: number) => Array.from({ length: n }, (_, i) => [i + 1, 1 / (i + 1)] as [number, number]);

describe('lineChart', () => {
  it('draws one marker per point per series, a legend entry each, and round ticks', () => {
    const svg = parseXml(
      lineChart({
        series: [
          { name: 'training', points: history(5) },
          { name: 'validation', points: history(5).map(([x, y]) => [x, y + 0.1]) },
        ],
        xLabel: 'epoch',
        yLabel: 'loss',
        integerX: true,
      }),
    );
    expect(svg.name).toBe('svg');
    expect(svg.attrs.viewBox).toBe('0 0 480 300');
    const series = findAll(svg, 'g', 'series');
    expect(series.map((g) => g.attrs['data-name'])).toEqual(['training', 'validation']);
    for (const g of series) {
      expect(findAll(g, 'circle', 'point')).toHaveLength(5);
      expect(findAll(g, 'path')).toHaveLength(1);
    }
    expect(findAll(svg, 'g', 'legend-item').map((g) => findAll(g, 'text')[0].text)).toEqual(['training', 'validation']);
    expect(findAll(svg, 'text', 'x').filter((t) => t.attrs.class === 'tick x').map((t) => t.text)).toEqual(['1', '2', '3', '4', '5']);
    const yTicks = findAll(svg, 'text').filter((t) => t.attrs.class === 'tick y').map((t) => Number(t.text));
    expect(yTicks[0]).toBeLessThanOrEqual(0.2);
    expect(yTicks[yTicks.length - 1]).toBeGreaterThanOrEqual(1.1);
  });

  it('keeps every point inside the plot, higher values higher up', () => {
    const svg = parseXml(lineChart({ series: [{ name: 'acc', points: [[1, 0.2], [2, 0.9]] }], xLabel: 'epoch', yLabel: 'accuracy', yDomain: [0, 1] }));
    const [a, b] = findAll(svg, 'circle', 'point').map((c) => ({ x: Number(c.attrs.cx), y: Number(c.attrs.cy) }));
    expect(a.x).toBeLessThan(b.x);
    expect(a.y).toBeGreaterThan(b.y);
    for (const p of [a, b]) {
      expect(p.x).toBeGreaterThanOrEqual(56);
      expect(p.x).toBeLessThanOrEqual(480 - 16);
      expect(p.y).toBeGreaterThanOrEqual(16);
      expect(p.y).toBeLessThanOrEqual(300 - 44);
    }
  });

  it('shows a one-epoch history as a marker without a line, and skips values not recorded', () => {
    const svg = parseXml(
      lineChart({
        series: [
          { name: 'training', points: [[1, 0.4]] },
          { name: 'validation', points: [[1, Number.NaN]] },
        ],
        xLabel: 'epoch',
        yLabel: 'loss',
        integerX: true,
      }),
    );
    const [training, validation] = findAll(svg, 'g', 'series');
    expect(findAll(training, 'circle', 'point')).toHaveLength(1);
    expect(findAll(training, 'path')).toHaveLength(0);
    expect(findAll(validation, 'circle', 'point')).toHaveLength(0);
  });

  it('says there is nothing to plot for an empty history', () => {
    const svg = parseXml(lineChart({ series: [{ name: 'training', points: [] }], xLabel: 'epoch', yLabel: 'loss', emptyMessage: 'no epochs trained' }));
    expect(svg.attrs.class).toBe('line-chart empty');
    expect(findAll(svg, 'text', 'empty')[0].text).toBe('no epochs trained');
    expect(findAll(svg, 'circle')).toHaveLength(0);
  });

  it('escapes series names and axis labels', () => {
    const markup = lineChart({ series: [{ name: '<img src=x onerror=alert(1)>', points: [[0, 1]] }], xLabel: 'a&b', yLabel: '"y"' });
    expect(markup).not.toContain('<img');
    const svg = parseXml(markup);
    expect(findAll(svg, 'g', 'series')[0].attrs['data-name']).toBe('<img src=x onerror=alert(1)>');
    expect(findAll(svg, 'text', 'axis-label').map((t) => t.text)).toEqual(['a&b', '"y"']);
  });
});
