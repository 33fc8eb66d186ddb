// A heat map of a count matrix (the confusion matrix: rows true class, columns predicted), each cell
// coloured by its share of its row and labelled with its count.
import { escapeXml } from './escape.js';
import { coord, emptyChart, svgRoot } from './svg.js';

export interface HeatMapOptions {
  /** Down the side, e.g. 'true class'. */
  rowTitle?: string;
  /** Across the top, e.g. 'predicted class'. */
  colTitle?: string;
  title?: string;
  /** Side of a cell in pixels; default 32. */
  cellSize?: number;
}

const LIGHT = [247, 251, 255];
const DARK = [8, 48, 107];

/** The colour of a share in [0, 1], white to dark blue (ColorBrewer's Blues ends). */
function shade(share: number): string {
  const c = LIGHT.map((l, i) => Math.round(l + (DARK[i] - l) * share));
  return `rgb(${c.join(',')})`;
}

/**
 * An SVG heat map as a string. Each cell is a `<rect class="cell" data-row data-col data-value>` with its
 * count written on it; its colour is the count's share of the row, so a class's errors show as clearly
 * for a rare class as for a common one.
 * @example heatMap([[8, 2], [1, 9]], ['cat', 'dog'], ['cat', 'dog'], { rowTitle: 'true', colTitle: 'predicted' })
 */
export function heatMap(matrix: readonly (readonly number[])[], rowLabels: readonly string[], colLabels: readonly string[], options: HeatMapOptions = {}): string {
  const title = options.title ?? 'heat map';
  const cols = Math.max(0, ...matrix.map((r) => r.length));
  const cell = options.cellSize ?? 32;
  const labelWidth = Math.max(24, ...rowLabels.map((l) => l.length * 7 + 8));
  const left = 20 + labelWidth;
  const top = 40;
  const width = left + cols * cell + 12;
  const height = top + matrix.length * cell + 12;
  if (matrix.length === 0 || cols === 0) return emptyChart(320, 120, title, 'heat-map', 'no data to plot');

  const cells = matrix
    .map((row, r) => {
      const total = row.reduce((a, b) => a + b, 0);
      return row
        .map((value, c) => {
          const share = total > 0 ? value / total : 0;
          const x = left + c * cell;
          const y = top + r * cell;
          const label = `${rowLabels[r] ?? r} as ${colLabels[c] ?? c}: ${value}`;
          return (
            `<rect class="cell" data-row="${r}" data-col="${c}" data-value="${value}" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${shade(share)}" stroke="#fff">` +
            `<title>${escapeXml(label)}</title></rect>` +
            `<text class="count" x="${coord(x + cell / 2)}" y="${coord(y + cell / 2 + 4)}" text-anchor="middle" font-size="${value >= 1000 ? 9 : 11}" fill="${share > 0.5 ? '#fff' : '#222'}">${value}</text>`
          );
        })
        .join('');
    })
    .join('');
  const rowText = rowLabels
    .slice(0, matrix.length)
    .map((l, r) => `<text class="row-label" x="${left - 6}" y="${coord(top + r * cell + cell / 2 + 4)}" text-anchor="end">${escapeXml(l)}</text>`)
    .join('');
  const colText = colLabels
    .slice(0, cols)
    .map((l, c) => `<text class="col-label" x="${coord(left + c * cell + cell / 2)}" y="${top - 6}" text-anchor="middle">${escapeXml(l)}</text>`)
    .join('');
  const titles =
    (options.colTitle ? `<text class="axis-label x" x="${coord(left + (cols * cell) / 2)}" y="14" text-anchor="middle">${escapeXml(options.colTitle)}</text>` : '') +
    (options.rowTitle
      ? `<text class="axis-label y" transform="translate(12 ${coord(top + (matrix.length * cell) / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(options.rowTitle)}</text>`
      : '');
  return svgRoot(width, height, title, 'heat-map', `${titles}${colText}${rowText}${cells}`);
}
