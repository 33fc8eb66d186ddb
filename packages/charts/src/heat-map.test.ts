import { describe, expect, it } from 'vitest';
import { heatMap } from './heat-map.js';
import { findAll, parseXml } from './svg-tree.fixture.js';

describe('heatMap', () => {
  it('draws a cell per count with the count written on it, rows true and columns predicted', () => {
    const m = [
      [50, 2, 0],
      [3, 40, 7],
      [0, 1, 1000],
    ];
    const svg = parseXml(heatMap(m, ['a', 'b', 'c'], ['a', 'b', 'c'], { rowTitle: 'true class', colTitle: 'predicted class' }));
    const cells = findAll(svg, 'rect', 'cell');
    expect(cells).toHaveLength(9);
    expect(cells.reduce((s, c) => s + Number(c.attrs['data-value']), 0)).toBe(1103);
    expect(cells.find((c) => c.attrs['data-row'] === '1' && c.attrs['data-col'] === '2')?.attrs['data-value']).toBe('7');
    expect(findAll(svg, 'text', 'count').map((t) => t.text)).toEqual(m.flat().map(String));
    expect(findAll(svg, 'text', 'row-label').map((t) => t.text)).toEqual(['a', 'b', 'c']);
    expect(findAll(svg, 'text', 'axis-label').map((t) => t.text)).toEqual(['predicted class', 'true class']);
  });

  it("colours each cell by its share of the row: the diagonal darkest, an empty row white", () => {
    const svg = parseXml(heatMap([[9, 1], [0, 0]], ['0', '1'], ['0', '1']));
    const fills = findAll(svg, 'rect', 'cell').map((c) => c.attrs.fill);
    const dark = (rgb: string) => rgb.match(/\d+/g)!.map(Number).reduce((a, b) => a + b, 0);
    expect(dark(fills[0])).toBeLessThan(dark(fills[1]));
    expect(fills[2]).toBe('rgb(247,251,255)');
    expect(fills[3]).toBe('rgb(247,251,255)');
  });

  it('escapes labels and says when there is nothing to draw', () => {
    const markup = heatMap([[1]], ['</svg><script>'], ['&']);
    expect(markup).not.toContain('<script>');
    expect(findAll(parseXml(markup), 'text', 'row-label')[0].text).toBe('</svg><script>');
    expect(parseXml(heatMap([], [], [])).attrs.class).toBe('heat-map empty');
  });
});
