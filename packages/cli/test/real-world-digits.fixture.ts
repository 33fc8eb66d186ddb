// Test fixture: digits that are not MNIST, made in the test. Headless Chromium draws them on a canvas
// as a user's screen or mouse would: (a) the digits 0-9 typed in the system fonts that are present, at
// several sizes and positions; (b) stroked digits, one or two templates per digit drawn with a round pen
// of varying width through jittered points, as a mouse draws. White on black on a 4x canvas, reduced to
// 28x28 by area averaging the way MNIST's anti-aliased digits look, and deliberately NOT re-centred by
// mass: the digit's height (14-22 px of 28) and its offset from the centre (up to 3 px) are the point.
// Every size, offset and jitter comes from core's seeded Rng, so the set is the same on every run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { IMAGE_PIXELS, Rng } from '@mnist/core';
import { launchChromium } from '@mnist/demo/testing/chromium';
import { PNG } from 'pngjs';

/** Side of an image, and the factor the canvas is drawn larger by before area averaging. */
const SIDE = 28;
const SCALE = 4;
const CANVAS = SIDE * SCALE;

/**
 * The fonts asked for: what Debian's `apt-get install chromium` brings (fonts-dejavu-core through
 * fontconfig, fonts-liberation as chromium's recommendation), regular and bold. Absent ones are skipped.
 */
export const DIGIT_FONTS: readonly string[] = ['DejaVu Sans', 'DejaVu Serif', 'DejaVu Sans Mono', 'Liberation Sans', 'Liberation Serif', 'Liberation Mono'];
const WEIGHTS = ['normal', 'bold'] as const;

/** Where an image came from. */
export type DigitSource = 'font' | 'stroke';

/** The generated set: N images of 784 bytes (0 background, 255 ink), their labels and what drew each. */
export interface RealWorldDigits {
  images: Uint8Array;
  labels: Uint8Array;
  sources: DigitSource[];
  /** Per image, e.g. `bold 18px "DejaVu Serif"` or `stroke 7b pen 2.4px`. */
  descriptions: string[];
  /** The font families drawn, and those skipped because Chromium does not have them. */
  fonts: string[];
  skippedFonts: string[];
}

/** How many of each: images per (font, weight, digit) and stroked images per digit. */
export interface RealWorldDigitsOptions {
  seed?: number;
  perFontDigit?: number;
  strokesPerDigit?: number;
}

/** One typed digit as the page draws it: ink height and centre on the 4x canvas. */
interface FontSpec {
  font: string;
  weight: string;
  digit: number;
  height: number;
  /** Where the ink's box is centred, as a fraction in [-1, 1] of the largest offset that keeps it 1 px inside the frame (at most 3 px). */
  dx: number;
  dy: number;
}

/** One stroked digit as the page draws it: polylines on the 4x canvas and the pen's width. */
interface StrokeSpec {
  lines: number[][];
  width: number;
}

// Stroke templates, y down, in a box about 0.6 wide and 1 high: each a list of strokes, each stroke the
// control points a Catmull-Rom curve passes through (a point given twice makes a corner). Two per digit
// where people commonly write it two ways (open or closed 4, 1 with or without its flag, ...).
const TEMPLATES: readonly (readonly (readonly [number, number][])[])[][] = [
  [
    [[[0.3, 0], [0.55, 0.18], [0.6, 0.5], [0.5, 0.85], [0.3, 1], [0.08, 0.85], [0, 0.5], [0.07, 0.16], [0.3, 0], [0.42, 0.05]]],
    [[[0.36, 0.02], [0.12, 0.2], [0.02, 0.6], [0.18, 0.97], [0.42, 0.9], [0.56, 0.45], [0.46, 0.08], [0.28, 0.02]]],
  ],
  [
    [[[0.32, 0], [0.3, 0.5], [0.28, 1]]],
    [[[0.1, 0.22], [0.34, 0], [0.34, 0], [0.33, 1]]],
  ],
  [
    [[[0.04, 0.2], [0.25, 0.01], [0.5, 0.06], [0.55, 0.3], [0.35, 0.6], [0.02, 1], [0.02, 1], [0.6, 0.98]]],
    [[[0.06, 0.12], [0.32, 0], [0.52, 0.15], [0.42, 0.45], [0.05, 0.95], [0.05, 0.95], [0.3, 0.9], [0.62, 0.95]]],
  ],
  [
    [[[0.04, 0.1], [0.3, 0], [0.52, 0.12], [0.48, 0.36], [0.22, 0.47], [0.22, 0.47], [0.55, 0.6], [0.58, 0.85], [0.3, 1], [0.02, 0.9]]],
    [[[0.05, 0.05], [0.55, 0.02], [0.55, 0.02], [0.25, 0.4], [0.25, 0.4], [0.55, 0.55], [0.56, 0.85], [0.3, 1], [0.03, 0.88]]],
  ],
  [
    [[[0.42, 0], [0.42, 0], [0, 0.66], [0, 0.66], [0.62, 0.66]], [[0.45, 0.28], [0.45, 1]]],
    [[[0.06, 0], [0.03, 0.55], [0.03, 0.55], [0.58, 0.55]], [[0.5, 0], [0.5, 1]]],
  ],
  [
    [[[0.55, 0], [0.55, 0], [0.1, 0], [0.1, 0], [0.05, 0.45], [0.05, 0.45], [0.35, 0.38], [0.58, 0.55], [0.58, 0.82], [0.3, 1], [0, 0.9]]],
    [[[0.1, 0], [0.1, 0], [0.06, 0.45], [0.06, 0.45], [0.38, 0.38], [0.6, 0.58], [0.52, 0.9], [0.25, 1], [0.02, 0.88]], [[0.1, 0.02], [0.6, 0]]],
  ],
  [
    [[[0.52, 0], [0.22, 0.25], [0.03, 0.65], [0.14, 0.95], [0.4, 0.98], [0.56, 0.78], [0.45, 0.55], [0.2, 0.55], [0.05, 0.72]]],
    [[[0.45, 0], [0.12, 0.4], [0.04, 0.75], [0.25, 1], [0.5, 0.88], [0.45, 0.6], [0.15, 0.62]]],
  ],
  [
    [[[0, 0.02], [0, 0.02], [0.6, 0], [0.6, 0], [0.22, 1]]],
    [[[0.02, 0.08], [0.02, 0], [0.02, 0], [0.58, 0], [0.58, 0], [0.4, 0.45], [0.3, 1]]],
  ],
  [
    [[[0.5, 0.12], [0.3, 0], [0.08, 0.12], [0.12, 0.35], [0.48, 0.62], [0.55, 0.85], [0.3, 1], [0.05, 0.85], [0.12, 0.62], [0.48, 0.35], [0.52, 0.12], [0.3, 0]]],
    [[[0.3, 0.48], [0.08, 0.3], [0.12, 0.05], [0.4, 0.02], [0.52, 0.22], [0.3, 0.48], [0.06, 0.72], [0.2, 0.98], [0.48, 0.95], [0.54, 0.7], [0.3, 0.48]]],
  ],
  [
    [[[0.55, 0.2], [0.35, 0.02], [0.08, 0.1], [0.05, 0.35], [0.3, 0.45], [0.55, 0.3], [0.55, 0.3], [0.55, 0.6], [0.5, 1]]],
    [[[0.55, 0.12], [0.3, 0], [0.06, 0.18], [0.15, 0.42], [0.45, 0.38], [0.56, 0.1]], [[0.56, 0.06], [0.5, 0.55], [0.42, 1]]],
  ],
];

/**
 * Draws the set in headless Chromium (launch it only when `chromiumSkipReason()` says it is there).
 * @example const set = await renderRealWorldDigits(); set.images.length === set.labels.length * 784
 */
export async function renderRealWorldDigits(options: RealWorldDigitsOptions = {}): Promise<RealWorldDigits> {
  const rng = new Rng(options.seed ?? 17);
  const perFontDigit = options.perFontDigit ?? 2;
  const strokesPerDigit = options.strokesPerDigit ?? 20;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.setContent(`<canvas width="${CANVAS}" height="${CANVAS}"></canvas>`);
    const present = await page.evaluate(fontsPresent, DIGIT_FONTS);
    const fonts = DIGIT_FONTS.filter((_, i) => present[i]);

    const fontSpecs: FontSpec[] = [];
    for (const font of fonts)
      for (const weight of WEIGHTS)
        for (let digit = 0; digit < 10; digit++)
          for (let k = 0; k < perFontDigit; k++) {
            const height = uniform(rng, 14, 22) * SCALE;
            fontSpecs.push({ font, weight, digit, height, dx: uniform(rng, -1, 1), dy: uniform(rng, -1, 1) });
          }
    const strokeSpecs: StrokeSpec[] = [];
    const strokeLabels: string[] = [];
    for (let digit = 0; digit < 10; digit++)
      for (let k = 0; k < strokesPerDigit; k++) {
        const variant = k % TEMPLATES[digit].length;
        const spec = strokeDigit(TEMPLATES[digit][variant], rng);
        strokeSpecs.push(spec);
        strokeLabels.push(`stroke ${digit}${'ab'[variant]} pen ${(spec.width / SCALE).toFixed(1)}px`);
      }

    const drawn = await page.evaluate(drawAll, { fontSpecs, strokeSpecs, canvas: CANVAS, scale: SCALE });
    const n = fontSpecs.length + strokeSpecs.length;
    const images = new Uint8Array(n * IMAGE_PIXELS);
    drawn.forEach((b64, i) => images.set(areaAverage(Buffer.from(b64, 'base64')), i * IMAGE_PIXELS));
    const labels = Uint8Array.from([...fontSpecs.map((s) => s.digit), ...Array.from({ length: 10 * strokesPerDigit }, (_, i) => Math.floor(i / strokesPerDigit))]);
    return {
      images,
      labels,
      sources: [...fontSpecs.map((): DigitSource => 'font'), ...strokeSpecs.map((): DigitSource => 'stroke')],
      descriptions: [...fontSpecs.map((s) => `${s.weight} ${(s.height / SCALE).toFixed(0)}px "${s.font}"`), ...strokeLabels],
      fonts,
      skippedFonts: DIGIT_FONTS.filter((_, i) => !present[i]),
    };
  } finally {
    await browser.close();
  }
}

/**
 * Writes the images as a PNG contact sheet, `columns` per row, with a 2 px grey gap between them.
 * @example writeContactSheet(set, 'test-artifacts/real-world-digits.png');
 */
export function writeContactSheet(set: Pick<RealWorldDigits, 'images'>, path: string, columns = 20): void {
  const n = set.images.length / IMAGE_PIXELS;
  const cell = SIDE + 2;
  const rows = Math.ceil(n / columns);
  const png = new PNG({ width: columns * cell, height: rows * cell });
  png.data.fill(96);
  for (let i = 0; i < n; i++) {
    const x0 = (i % columns) * cell + 1;
    const y0 = Math.floor(i / columns) * cell + 1;
    for (let y = 0; y < SIDE; y++)
      for (let x = 0; x < SIDE; x++) {
        const v = set.images[i * IMAGE_PIXELS + y * SIDE + x];
        const o = ((y0 + y) * png.width + x0 + x) * 4;
        png.data[o] = png.data[o + 1] = png.data[o + 2] = v;
        png.data[o + 3] = 255;
      }
  }
  for (let o = 3; o < png.data.length; o += 4) png.data[o] = 255;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, PNG.sync.write(png));
}

/** Mean of each SCALE x SCALE block of the canvas's grey bytes: the 28x28 image, as MNIST's anti-aliasing. */
function areaAverage(grey: Uint8Array): Uint8Array {
  const out = new Uint8Array(IMAGE_PIXELS);
  for (let y = 0; y < SIDE; y++)
    for (let x = 0; x < SIDE; x++) {
      let sum = 0;
      for (let dy = 0; dy < SCALE; dy++) for (let dx = 0; dx < SCALE; dx++) sum += grey[(y * SCALE + dy) * CANVAS + x * SCALE + dx];
      out[y * SIDE + x] = Math.round(sum / (SCALE * SCALE));
    }
  return out;
}

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.float();
}

/**
 * Where the centre of a box `width` x `height` (canvas pixels) goes: up to 3 px of 28 off the middle
 * each way, less when the box would come within 1 px of the frame's edge (MNIST's digits never touch it).
 */
function centre(width: number, height: number, fx: number, fy: number): [number, number] {
  const room = (extent: number) => Math.max(0, Math.min(3 * SCALE, (CANVAS - 2 * SCALE - extent) / 2));
  return [CANVAS / 2 + fx * room(width), CANVAS / 2 + fy * room(height)];
}

/**
 * One mouse-drawn digit from a template: the whole shape slanted, stretched and turned a little, each
 * control point moved, the curve sampled as a mouse reports it (short segments, each point a little
 * off), then scaled to a 14-22 px height and placed off-centre.
 */
function strokeDigit(template: readonly (readonly [number, number][])[], rng: Rng): StrokeSpec {
  const slant = uniform(rng, -0.3, 0.3);
  const stretch = uniform(rng, 0.8, 1.25);
  const turn = uniform(rng, -0.15, 0.15);
  const [cos, sin] = [Math.cos(turn), Math.sin(turn)];
  const shaped = template.map((stroke) =>
    catmullRom(
      stroke.map(([x, y]) => {
        const jx = x + uniform(rng, -0.035, 0.035);
        const jy = y + uniform(rng, -0.035, 0.035);
        const sx = (jx - 0.3) * stretch + slant * (0.5 - jy);
        const sy = jy - 0.5;
        return [sx * cos - sy * sin, sx * sin + sy * cos] as [number, number];
      }),
    ),
  );
  const ys = shaped.flat().map((p) => p[1]);
  const xs = shaped.flat().map((p) => p[0]);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const width = uniform(rng, 1.6, 3.2) * SCALE;
  // The ink's height, pen included, is what the 14-22 px counts.
  const k = Math.max(1, uniform(rng, 14, 22) * SCALE - width) / (maxY - minY);
  const [cx, cy] = centre((maxX - minX) * k + width, (maxY - minY) * k + width, uniform(rng, -1, 1), uniform(rng, -1, 1));
  const lines = shaped.map((points) =>
    points.flatMap(([x, y]) => [cx + (x - (minX + maxX) / 2) * k + uniform(rng, -0.5, 0.5), cy + (y - (minY + maxY) / 2) * k + uniform(rng, -0.5, 0.5)]),
  );
  return { lines, width };
}

/** Points along the Catmull-Rom curve through `points` (ends repeated), 8 per span as a mouse samples a stroke. */
function catmullRom(points: [number, number][]): [number, number][] {
  const p = [points[0], ...points, points[points.length - 1]];
  const out: [number, number][] = [points[0]];
  for (let i = 1; i < p.length - 2; i++)
    for (let s = 1; s <= 8; s++) {
      const t = s / 8;
      const t2 = t * t;
      const t3 = t2 * t;
      const at = (c: 0 | 1) =>
        0.5 * (2 * p[i][c] + (-p[i - 1][c] + p[i + 1][c]) * t + (2 * p[i - 1][c] - 5 * p[i][c] + 4 * p[i + 1][c] - p[i + 2][c]) * t2 + (-p[i - 1][c] + 3 * p[i][c] - 3 * p[i + 1][c] + p[i + 2][c]) * t3);
      out.push([at(0), at(1)]);
    }
  return out;
}

// --- Run in the page (serialized by playwright: no closures over this module). ---

/**
 * Whether each family is installed. document.fonts.check() cannot say (it answers true for any family
 * that is not a web font), so the digits are measured in the family with two different generic
 * fallbacks: an installed family renders both the same, a missing one falls back to two fonts.
 */
function fontsPresent(families: readonly string[]): boolean[] {
  const ctx = document.createElement('canvas').getContext('2d')!;
  const width = (font: string) => {
    ctx.font = font;
    return ctx.measureText('0123456789 mwil').width;
  };
  return families.map((f) => document.fonts.check(`40px "${f}"`) && width(`40px "${f}", serif`) === width(`40px "${f}", monospace`));
}

/** Draws every digit white on black and returns each canvas's red channel, base64-encoded. */
function drawAll(input: { fontSpecs: FontSpec[]; strokeSpecs: StrokeSpec[]; canvas: number; scale: number }): string[] {
  const canvas = document.querySelector('canvas')!;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const grab = (): string => {
    const rgba = ctx.getImageData(0, 0, input.canvas, input.canvas).data;
    let s = '';
    for (let i = 0; i < rgba.length; i += 4) s += String.fromCharCode(rgba[i]);
    return btoa(s);
  };
  const clear = () => {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, input.canvas, input.canvas);
    ctx.fillStyle = '#fff';
    ctx.strokeStyle = '#fff';
  };
  const out: string[] = [];
  for (const s of input.fontSpecs) {
    clear();
    const text = String(s.digit);
    // Measure the digit's ink at 100 px, then size the font so the ink is s.height tall.
    ctx.font = `${s.weight} 100px "${s.font}"`;
    const m = ctx.measureText(text);
    const size = (100 * s.height) / (m.actualBoundingBoxAscent + m.actualBoundingBoxDescent);
    ctx.font = `${s.weight} ${size}px "${s.font}"`;
    const f = ctx.measureText(text);
    ctx.textBaseline = 'alphabetic';
    ctx.textAlign = 'left';
    // The same placement as centre() in Node, with the ink's width known only here.
    const inkWidth = f.actualBoundingBoxRight + f.actualBoundingBoxLeft;
    const room = (extent: number) => Math.max(0, Math.min(3 * input.scale, (input.canvas - 2 * input.scale - extent) / 2));
    const cx = input.canvas / 2 + s.dx * room(inkWidth);
    const cy = input.canvas / 2 + s.dy * room(s.height);
    const x = cx - (f.actualBoundingBoxRight - f.actualBoundingBoxLeft) / 2;
    const y = cy + (f.actualBoundingBoxAscent - f.actualBoundingBoxDescent) / 2;
    ctx.fillText(text, x, y);
    out.push(grab());
  }
  for (const s of input.strokeSpecs) {
    clear();
    ctx.lineWidth = s.width;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    for (const line of s.lines) {
      ctx.beginPath();
      ctx.moveTo(line[0], line[1]);
      for (let i = 2; i < line.length; i += 2) ctx.lineTo(line[i], line[i + 1]);
      ctx.stroke();
    }
    out.push(grab());
  }
  return out;
}
