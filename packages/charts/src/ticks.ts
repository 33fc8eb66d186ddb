// Round axis ticks (1, 2 or 5 times a power of ten), as d3-scale's `ticks` and `nice` choose them, and
// the number of decimals that shows them without float noise.

/** An axis from round `lo` to round `hi`, with the ticks between them. */
export interface NiceAxis {
  lo: number;
  hi: number;
  ticks: number[];
  /** Decimals that write every tick exactly (0 for a step of 1 or more). */
  decimals: number;
}

/**
 * About `count` round tick values covering [min, max]; `minStep` floors the step (1 for epochs).
 * @example niceTicks(0, 1, 5) // [0, 0.2, 0.4, 0.6, 0.8, 1]
 */
export function niceTicks(min: number, max: number, count = 5, minStep = 0): number[] {
  return niceAxis(min, max, count, minStep).ticks;
}

/**
 * The round axis around [min, max]: its ends moved out to the nearest ticks. A single value gets a
 * range around it, so a one-point series still has an axis.
 * @example niceAxis(0.13, 0.87, 4) // { lo: 0, hi: 1, ticks: [0, 0.2, ..., 1], decimals: 1 }
 */
export function niceAxis(min: number, max: number, count = 5, minStep = 0): NiceAxis {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError(`niceAxis needs finite ends, got ${min} and ${max}`);
  if (min > max) [min, max] = [max, min];
  if (min === max) {
    const pad = Math.max(minStep, min === 0 ? 1 : Math.abs(min) * 0.1);
    min -= pad;
    max += pad;
  }
  const raw = Math.max((max - min) / Math.max(1, count), minStep);
  const power = Math.floor(Math.log10(raw));
  const fraction = raw / 10 ** power;
  // The nearest of 1, 2, 5, 10 on a log scale (d3's thresholds), so the count asked for is met roughly.
  const nice = fraction >= Math.sqrt(50) ? 10 : fraction >= Math.sqrt(10) ? 5 : fraction >= Math.SQRT2 ? 2 : 1;
  // Steps below 1 are divided by their inverse (an integer), so 3 * 0.1 is 0.3, not 0.30000000000000004.
  const inverse = power < 0 ? 10 ** -power / nice : 0;
  const step = inverse > 0 ? 1 / inverse : nice * 10 ** power;
  const at = (i: number) => (inverse > 0 ? i / inverse : i * step);
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(at(i));
  return { lo: at(first), hi: at(last), ticks, decimals: Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) };
}
