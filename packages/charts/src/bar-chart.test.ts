import { describe, expect, it } from 'vitest';
import { barChart } from './bar-chart.js';
import { findAll, parseXml } from './svg-tree.fixture.js';

describe('barChart', () => {
  it('draws one bar per value, taller for larger values, each with its value and label', () => {
    const svg = parseXml(barChart([{ label: '0', value: 0.5 }, { label: '1', value: 1 }, { label: '2', value: 0 }], { yLabel: 'accuracy', yMax: 1 }));
    const bars = findAll(svg, 'rect', 'bar');
    expect(bars.map((b) => b.attrs['data-label'])).toEqual(['0', '1', '2']);
    const heights = bars.map((b) => Number(b.attrs.height));
    expect(heights[1]).toBeCloseTo(2 * heights[0], 1);
    expect(heights[2]).toBe(0);
    expect(findAll(svg, 'text', 'value').map((t) => t.text)).toEqual(['0.500', '1.000', '0.000']);
    expect(findAll(svg, 'text').filter((t) => t.attrs.class === 'tick y').map((t) => t.text)).toEqual(['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
  });

  it('writes n/a for a value that is not a number, escapes labels, and says when there are no bars', () => {
    const svg = parseXml(barChart([{ label: '<b>', value: Number.NaN }, { label: 'x', value: 0.3 }], { yLabel: 'precision', yMax: 1 }));
    expect(findAll(svg, 'text', 'value')[0].text).toBe('n/a');
    expect(findAll(svg, 'rect', 'bar')[0].attrs['data-label']).toBe('<b>');
    expect(parseXml(barChart([], { yLabel: 'accuracy' })).attrs.class).toBe('bar-chart empty');
  });
});
