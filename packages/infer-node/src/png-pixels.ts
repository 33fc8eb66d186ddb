// A checked PNG's pixels: its zlib stream inflated a few kilobytes at a time and stopped as soon as it
// passes the byte count the header allows, each row unfiltered and written to RGBA as it arrives, so
// memory is the RGBA output plus two rows whatever the compressed data holds.
import { Unzlib } from 'fflate';
import { MalformedImageError } from './malformed-image.js';
import { ADAM7, bitsPerPixel, passSize, pngInflatedSize, type PngLayout } from './png-layout.js';

/** Compressed bytes handed to the inflater at a time: at most ~1032x this (1 MiB) comes out of one step, so a bomb's transient output stays small. */
export const INFLATE_STEP = 1024;

/** What {@link decodePngPixels} did, for tests that bound its work. */
export interface InflateStats {
  /** Bytes the inflater produced, including any it was stopped in. */
  inflated: number;
}

/**
 * The RGBA pixels of a scanned PNG, the same values pngjs gives (samples scaled to 8 bits, a tRNS color
 * made fully transparent black). Throws a MalformedImageError when the image data inflates to more or
 * fewer bytes than the header allows, is not a zlib stream, or has a bad filter type or palette index.
 * @example const rgba = decodePngPixels(scanPng(bytes)); // width * height * 4 bytes
 */
export function decodePngPixels(layout: PngLayout, stats: InflateStats = { inflated: 0 }): Uint8Array {
  const { width, height } = layout;
  const expected = pngInflatedSize(layout);
  const out = new Uint8Array(width * height * 4);
  const writeRow = rowWriter(layout, out);
  const pixelBytes = Math.max(1, bitsPerPixel(layout) >> 3);
  const passes = layout.interlaced ? ADAM7.map((p) => ({ p, size: passSize(layout, p) })) : [{ p: [0, 0, 1, 1] as const, size: [width, height] as const }];
  const live = passes.filter(({ size: [w, h] }) => w > 0 && h > 0);
  let pass = 0;
  let y = 0;
  let rowLength = 0;
  let cur = new Uint8Array(0);
  let prev = new Uint8Array(0);
  let filled = 0;
  const startPass = (): void => {
    rowLength = 1 + Math.ceil((live[pass].size[0] * bitsPerPixel(layout)) / 8);
    cur = new Uint8Array(rowLength);
    prev = new Uint8Array(rowLength);
    y = 0;
    filled = 0;
  };
  if (live.length > 0) startPass();
  const onData = (chunk: Uint8Array): void => {
    stats.inflated += chunk.length;
    if (stats.inflated > expected) {
      throw new MalformedImageError(`the image data inflates to more than the ${expected} bytes its ${width}x${height} header allows`);
    }
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(rowLength - filled, chunk.length - at);
      cur.set(chunk.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled < rowLength) break;
      unfilter(cur, prev, pixelBytes, y);
      const { p, size } = live[pass];
      writeRow(cur, size[0], p[0], p[1] + y * p[3], p[2]);
      [prev, cur] = [cur, prev];
      filled = 0;
      if (++y === size[1] && ++pass < live.length) startPass();
    }
  };
  const inflater = new Unzlib(onData);
  try {
    const chunks = layout.idat;
    for (let c = 0; c < chunks.length; c++) {
      for (let i = 0; i < chunks[c].length; i += INFLATE_STEP) {
        inflater.push(chunks[c].subarray(i, i + INFLATE_STEP), false);
      }
    }
    inflater.push(new Uint8Array(0), true);
  } catch (error) {
    if (error instanceof MalformedImageError) throw error;
    throw new MalformedImageError(`the image data is not a valid zlib stream (${(error as Error).message})`, { cause: error });
  }
  if (stats.inflated < expected) {
    throw new MalformedImageError(`the image data inflates to ${stats.inflated} bytes, fewer than the ${expected} its ${width}x${height} header needs (truncated)`);
  }
  return out;
}

// Undoes the row's filter in place (filter type in byte 0), given the previous unfiltered row.
function unfilter(row: Uint8Array, prev: Uint8Array, bpp: number, y: number): void {
  const type = row[0];
  const n = row.length;
  switch (type) {
    case 0:
      return;
    case 1:
      for (let i = 1 + bpp; i < n; i++) row[i] = (row[i] + row[i - bpp]) & 255;
      return;
    case 2:
      for (let i = 1; i < n; i++) row[i] = (row[i] + prev[i]) & 255;
      return;
    case 3:
      for (let i = 1; i < n; i++) row[i] = (row[i] + (((i > bpp ? row[i - bpp] : 0) + prev[i]) >> 1)) & 255;
      return;
    case 4:
      for (let i = 1; i < n; i++) {
        const a = i > bpp ? row[i - bpp] : 0;
        const b = prev[i];
        const c = i > bpp ? prev[i - bpp] : 0;
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - 2 * c);
        row[i] = (row[i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
      }
      return;
    default:
      throw new MalformedImageError(`row ${y} has filter type ${type}, expected 0 to 4`);
  }
}

type RowWriter = (row: Uint8Array, count: number, x0: number, outY: number, dx: number) => void;

// Writes one unfiltered row of `count` pixels to out at (x0 + i * dx, outY), as RGBA.
function rowWriter(layout: PngLayout, out: Uint8Array): RowWriter {
  const { width, bitDepth, colorType, palette, transparent } = layout;
  const channels = bitsPerPixel(layout) / bitDepth;
  // sample(row, i): the i-th sample of the row, at its own depth.
  const sample =
    bitDepth === 8
      ? (row: Uint8Array, i: number): number => row[1 + i]
      : bitDepth === 16
        ? (row: Uint8Array, i: number): number => (row[1 + 2 * i] << 8) | row[2 + 2 * i]
        : (row: Uint8Array, i: number): number => (row[1 + ((i * bitDepth) >> 3)] >> (8 - bitDepth - ((i * bitDepth) & 7))) & ((1 << bitDepth) - 1);
  const max = 2 ** bitDepth - 1;
  const scale = (v: number): number => (bitDepth === 8 ? v : Math.floor((v * 255) / max + 0.5));
  const put = (o: number, r: number, g: number, b: number, a: number): void => {
    out[o] = r;
    out[o + 1] = g;
    out[o + 2] = b;
    out[o + 3] = a;
  };
  return (row, count, x0, outY, dx) => {
    let o = (outY * width + x0) * 4;
    const step = dx * 4;
    for (let i = 0; i < count; i++, o += step) {
      const s = i * channels;
      switch (colorType) {
        case 0: {
          const v = sample(row, s);
          if (transparent !== undefined && v === transparent[0]) put(o, 0, 0, 0, 0);
          else put(o, scale(v), scale(v), scale(v), 255);
          break;
        }
        case 2: {
          const r = sample(row, s);
          const g = sample(row, s + 1);
          const b = sample(row, s + 2);
          if (transparent !== undefined && r === transparent[0] && g === transparent[1] && b === transparent[2]) put(o, 0, 0, 0, 0);
          else put(o, scale(r), scale(g), scale(b), 255);
          break;
        }
        case 3: {
          const index = sample(row, s);
          const p = palette as Uint8Array;
          if (index * 4 >= p.length) throw new MalformedImageError(`palette index ${index} is out of range (the palette has ${p.length / 4} entries)`);
          put(o, p[index * 4], p[index * 4 + 1], p[index * 4 + 2], p[index * 4 + 3]);
          break;
        }
        case 4: {
          const g = scale(sample(row, s));
          put(o, g, g, g, scale(sample(row, s + 1)));
          break;
        }
        default:
          put(o, scale(sample(row, s)), scale(sample(row, s + 1)), scale(sample(row, s + 2)), scale(sample(row, s + 3)));
      }
    }
  };
}
