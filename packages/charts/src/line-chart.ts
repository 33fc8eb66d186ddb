// A line chart of one or more series over a shared x axis (loss and accuracy per epoch, training
// against validation): axes with round ticks, a marker at every point, a legend.
import { escapeXml } from './escape.js';
import { coord, emptyChart, PALETTE, svgRoot, yGrid } from './svg.js';
import { niceAxis } from './ticks.js';

/** One named curve; points whose y is not a finite number (a metric not recorded) are left out. */
export interface LineSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  /** CSS colour; default: the next in the palette. */
  color?: string;
}

export interface LineChartOptions {
  series: readonly LineSeries[];
  xLabel: string;
  yLabel: string;
  /** Read by screen readers; default `<yLabel> by <xLabel>`. */
  title?: string;
  width?: number;
  height?: number;
  /** Fixed y range (e.g. [0, 1] for accuracy); default: round ends around the data. */
  yDomain?: readonly [number, number];
  /** Whole-number x ticks only (epochs, steps). */
  integerX?: boolean;
  /** Shown instead of the chart when no series has a point. */
  emptyMessage?: string;
}

const MARGIN = { top: 16, right: 16, bottom: 44, left: 56 };

/**
 * An SVG line chart as a string. Each series is a `<g class="series" data-name>` holding one `<path>`
 * and a `<circle class="point">` per point, so a single point still shows.
 * @example lineChart({ series: [{ name: 'training', points: [[1, 0.5], [2, 0.3]] }], xLabel: 'epoch', yLabel: 'loss', integerX: true })
 */
export function lineChart(options: LineChartOptions): string {
  const { xLabel, yLabel, width = 480, height = 300 } = options;
  const title = options.title ?? `${yLabel} by ${xLabel}`;
  const series = options.series.map((s, i) => ({
    name: s.name,
    color: s.color ?? PALETTE[i % PALETTE.length],
    points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
  }));
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return emptyChart(width, height, title, 'line-chart', options.emptyMessage ?? 'no data to plot');

  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const xAxis = niceAxis(Math.min(...xs), Math.max(...xs), 6, options.integerX ? 1 : 0);
  const yAxis = options.yDomain ? niceAxis(options.yDomain[0], options.yDomain[1], 5) : niceAxis(Math.min(...ys), Math.max(...ys), 5);
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const px = (x: number) => MARGIN.left + ((x - xAxis.lo) / (xAxis.hi - xAxis.lo)) * plotW;
  const py = (y: number) => MARGIN.top + plotH - ((y - yAxis.lo) / (yAxis.hi - yAxis.lo)) * plotH;
  const bottom = MARGIN.top + plotH;

  const { lines: grid, labels: yTicks } = yGrid(yAxis, py, MARGIN.left, MARGIN.left + plotW);
  const xTicks = xAxis.ticks
    .map(
      (t) =>
        `<line x1="${coord(px(t))}" x2="${coord(px(t))}" y1="${bottom}" y2="${bottom + 4}" stroke="#333"/>` +
        `<text class="tick x" x="${coord(px(t))}" y="${bottom + 16}" text-anchor="middle">${t.toFixed(xAxis.decimals)}</text>`,
    )
    .join('');
  const axes =
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${bottom}" y2="${bottom}" stroke="#333"/>` +
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${bottom}" stroke="#333"/>` +
    `<text class="axis-label x" x="${coord(MARGIN.left + plotW / 2)}" y="${height - 8}" text-anchor="middle">${escapeXml(xLabel)}</text>` +
    `<text class="axis-label y" transform="translate(14 ${coord(MARGIN.top + plotH / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`;
  const lines = series
    .map((s) => {
      const d = s.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${coord(px(x))} ${coord(py(y))}`).join(' ');
      const path = s.points.length > 1 ? `<path d="${d}" fill="none" stroke="${escapeXml(s.color)}" stroke-width="2"/>` : '';
      const dots = s.points
        .map(([x, y]) => `<circle class="point" cx="${coord(px(x))}" cy="${coord(py(y))}" r="3" fill="${escapeXml(s.color)}"><title>${escapeXml(`${s.name}: ${x}, ${y}`)}</title></circle>`)
        .join('');
      return `<g class="series" data-name="${escapeXml(s.name)}">${path}${dots}</g>`;
    })
    .join('');
  // Top right, as wide as its longest name, on a white box so a curve passing under it stays readable.
  const legendW = 28 + Math.max(...series.map((s) => s.name.length)) * 6.5;
  const legendX = MARGIN.left + plotW - legendW - 4;
  const legendBox = `<rect x="${coord(legendX - 4)}" y="${MARGIN.top}" width="${coord(legendW + 4)}" height="${series.length * 16 + 4}" fill="#fff" fill-opacity="0.85"/>`;
  const legend = series
    .map((s, i) => {
      const y = MARGIN.top + 12 + i * 16;
      return `<g class="legend-item"><rect x="${coord(legendX)}" y="${y - 5}" width="14" height="4" fill="${escapeXml(s.color)}"/><text x="${coord(legendX + 20)}" y="${y}">${escapeXml(s.name)}</text></g>`;
    })
    .join('');
  return svgRoot(width, height, title, 'line-chart', `${grid}${axes}${yTicks}${xTicks}${lines}<g class="legend">${legendBox}${legend}</g>`);
}
