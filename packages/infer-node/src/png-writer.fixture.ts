// A small PNG writer for tests, covering what pngjs's encoder cannot (every bit depth and color type,
// palettes, tRNS, Adam7 interlacing, each filter type), and the chunk tools to break files on purpose.
import { crc32, deflateSync } from 'node:zlib';
import { ADAM7, passSize, type PngHeader } from './png-layout.js';

/** A picture as raw samples: `channels` per pixel (1 gray/index, 2 gray+alpha, 3 RGB, 4 RGBA), row-major. */
export interface PngPicture extends PngHeader {
  samples: ArrayLike<number>;
  /** RGB triples for color type 3. */
  palette?: number[];
  /** The tRNS chunk's data bytes, when there is one. */
  trns?: number[];
  /** The filter type of row i is filters[i % filters.length]; default all 0. */
  filters?: number[];
  /** IDAT chunks the zlib stream is cut into; default 1. */
  idatChunks?: number;
}

export const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** One chunk: length, type, data, CRC (correct unless `crc` is given). */
export function pngChunk(type: string, data: ArrayLike<number>, crc?: number): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(Array.from(type, (c) => c.charCodeAt(0)), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc ?? crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** The IHDR chunk of a header. */
export function ihdrChunk(h: PngHeader): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, h.width);
  view.setUint32(4, h.height);
  data.set([h.bitDepth, h.colorType, 0, 0, h.interlaced ? 1 : 0], 8);
  return pngChunk('IHDR', data);
}

/** A PNG file of these chunks after the signature. */
export function pngFile(...chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(PNG_SIGNATURE.length + chunks.reduce((n, c) => n + c.length, 0));
  out.set(PNG_SIGNATURE);
  let at = PNG_SIGNATURE.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The filtered scanlines (filter byte + packed samples per row, per Adam7 pass) of a picture. */
export function pngScanlines(p: PngPicture): Uint8Array {
  const channels = CHANNELS[p.colorType];
  const bits = channels * p.bitDepth;
  const pixelBytes = Math.max(1, bits >> 3);
  const passes = p.interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const);
  const rows: number[] = [];
  let rowIndex = 0;
  for (const pass of passes) {
    const [w, h] = p.interlaced ? passSize(p, pass) : [p.width, p.height];
    if (w === 0 || h === 0) continue;
    const rowBytes = Math.ceil((w * bits) / 8);
    let prev = new Uint8Array(rowBytes);
    for (let y = 0; y < h; y++) {
      const raw = new Uint8Array(rowBytes);
      for (let x = 0; x < w; x++) {
        const pixel = (pass[1] + y * pass[3]) * p.width + pass[0] + x * pass[2];
        for (let c = 0; c < channels; c++) {
          const v = p.samples[pixel * channels + c];
          const s = x * channels + c;
          if (p.bitDepth === 16) raw.set([v >> 8, v & 255], s * 2);
          else if (p.bitDepth === 8) raw[s] = v;
          else raw[(s * p.bitDepth) >> 3] |= v << (8 - p.bitDepth - ((s * p.bitDepth) & 7));
        }
      }
      const filters = p.filters ?? [0];
      const type = filters[rowIndex++ % filters.length];
      rows.push(type, ...filterRow(type, raw, prev, pixelBytes));
      prev = raw;
    }
  }
  return Uint8Array.from(rows);
}

/** A whole, valid PNG file of the picture. */
export function encodePng(p: PngPicture): Uint8Array {
  const chunks = [ihdrChunk(p)];
  if (p.palette) chunks.push(pngChunk('PLTE', p.palette));
  if (p.trns) chunks.push(pngChunk('tRNS', p.trns));
  const z = deflateSync(pngScanlines(p));
  const parts = p.idatChunks ?? 1;
  const step = Math.ceil(z.length / parts);
  for (let i = 0; i < parts; i++) chunks.push(pngChunk('IDAT', z.subarray(i * step, (i + 1) * step)));
  chunks.push(pngChunk('IEND', []));
  return pngFile(...chunks);
}

function filterRow(type: number, raw: Uint8Array, prev: Uint8Array, bpp: number): Uint8Array {
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const a = i >= bpp ? raw[i - bpp] : 0;
    const b = prev[i];
    const c = i >= bpp ? prev[i - bpp] : 0;
    const p = a + b - c;
    const pa = Math.abs(p - a);
    const pb = Math.abs(p - b);
    const pc = Math.abs(p - c);
    const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][type];
    out[i] = (raw[i] - predictor) & 255;
  }
  return out;
}
