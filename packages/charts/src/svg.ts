// The few pieces every chart shares: the <svg> root, coordinates written short, a palette, the y axis's
// grid and tick labels, and the message shown instead of a chart when there is nothing to draw.
import { escapeXml } from './escape.js';
import type { NiceAxis } from './ticks.js';

/** Colours of successive series (Tableau 10's first four): blue, orange, green, red. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759'] as const;

/** A coordinate with at most two decimals, the precision a screen can show. */
export function coord(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** The root element: a `viewBox` so it scales, a size, and a `<title>` read by screen readers. */
export function svgRoot(width: number, height: number, title: string, className: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="${escapeXml(className)}" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
    `font-family="system-ui, sans-serif" font-size="12"><title>${escapeXml(title)}</title>${body}</svg>`
  );
}

/** A chart that has no data: its frame with one line of text saying so. */
export function emptyChart(width: number, height: number, title: string, className: string, message: string): string {
  const text = `<text class="empty" x="${coord(width / 2)}" y="${coord(height / 2)}" text-anchor="middle" fill="#666">${escapeXml(message)}</text>`;
  return svgRoot(width, height, title, `${className} empty`, `<rect x="0.5" y="0.5" width="${width - 1}" height="${height - 1}" fill="none" stroke="#ddd"/>${text}`);
}

/**
 * The y axis's horizontal grid lines from `left` to `right` and its tick labels (right-aligned just left
 * of `left`), one per tick of `axis`; `py` maps a value to its y coordinate.
 * @example const { lines, labels } = yGrid(axis, py, 56, 464);
 */
export function yGrid(axis: NiceAxis, py: (y: number) => number, left: number, right: number): { lines: string; labels: string } {
  return {
    lines: axis.ticks.map((t) => `<line x1="${left}" x2="${right}" y1="${coord(py(t))}" y2="${coord(py(t))}" stroke="#eee"/>`).join(''),
    labels: axis.ticks
      .map((t) => `<text class="tick y" x="${left - 6}" y="${coord(py(t) + 4)}" text-anchor="end">${t.toFixed(axis.decimals)}</text>`)
      .join(''),
  };
}
