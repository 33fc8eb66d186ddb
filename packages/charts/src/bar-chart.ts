// A vertical bar chart of one value per category (per-class accuracy), each bar with its value on top.
import { escapeXml } from './escape.js';
import { coord, emptyChart, PALETTE, svgRoot, yGrid } from './svg.js';
import { niceAxis } from './ticks.js';

export interface Bar {
  label: string;
  value: number;
}

export interface BarChartOptions {
  yLabel: string;
  xLabel?: string;
  title?: string;
  /** Fixed top of the axis (1 for a share); default: a round value above the tallest bar. */
  yMax?: number;
  /** Bottom of the axis; default 0. */
  yMin?: number;
  height?: number;
  /** Decimals of the value written on each bar; default 3. */
  decimals?: number;
  color?: string;
}

const MARGIN = { top: 20, right: 12, bottom: 44, left: 56 };

/**
 * An SVG bar chart as a string: one `<rect class="bar" data-label data-value>` per bar, its value
 * written above it. Width grows with the number of bars.
 * @example barChart([{ label: '0', value: 0.99 }, { label: '1', value: 0.98 }], { yLabel: 'accuracy', yMax: 1 })
 */
export function barChart(bars: readonly Bar[], options: BarChartOptions): string {
  const { yLabel, height = 260, decimals = 3 } = options;
  const title = options.title ?? yLabel;
  const slot = bars.length > 20 ? 22 : 36;
  const width = MARGIN.left + MARGIN.right + Math.max(bars.length, 4) * slot;
  const values = bars.map((b) => b.value).filter(Number.isFinite);
  if (values.length === 0) return emptyChart(width, height, title, 'bar-chart', 'no data to plot');

  const axis = niceAxis(options.yMin ?? Math.min(0, ...values), options.yMax ?? Math.max(...values), 5);
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const bottom = MARGIN.top + plotH;
  const py = (y: number) => MARGIN.top + plotH - ((y - axis.lo) / (axis.hi - axis.lo)) * plotH;
  const color = escapeXml(options.color ?? PALETTE[0]);
  const { lines, labels } = yGrid(axis, py, MARGIN.left, width - MARGIN.right);
  const grid = lines + labels;
  const rects = bars
    .map((b, i) => {
      const x = MARGIN.left + i * slot + slot * 0.15;
      const w = slot * 0.7;
      const v = Number.isFinite(b.value) ? b.value : axis.lo;
      const y = py(Math.max(v, axis.lo));
      const text = Number.isFinite(b.value) ? b.value.toFixed(decimals) : 'n/a';
      return (
        `<rect class="bar" data-label="${escapeXml(b.label)}" data-value="${b.value}" x="${coord(x)}" y="${coord(y)}" width="${coord(w)}" height="${coord(bottom - y)}" fill="${color}">` +
        `<title>${escapeXml(`${b.label}: ${text}`)}</title></rect>` +
        `<text class="value" x="${coord(x + w / 2)}" y="${coord(y - 4)}" text-anchor="middle" font-size="${slot < 30 ? 8 : 10}">${text}</text>` +
        `<text class="tick x" x="${coord(x + w / 2)}" y="${bottom + 16}" text-anchor="middle">${escapeXml(b.label)}</text>`
      );
    })
    .join('');
  const axes =
    `<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${bottom}" y2="${bottom}" stroke="#333"/>` +
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${bottom}" stroke="#333"/>` +
    (options.xLabel ? `<text class="axis-label x" x="${coord(MARGIN.left + (width - MARGIN.left - MARGIN.right) / 2)}" y="${height - 8}" text-anchor="middle">${escapeXml(options.xLabel)}</text>` : '') +
    `<text class="axis-label y" transform="translate(14 ${coord(MARGIN.top + plotH / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`;
  return svgRoot(width, height, title, 'bar-chart', `${grid}${axes}${rects}`);
}
