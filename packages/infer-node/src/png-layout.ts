// The chunk structure of a PNG file checked before any pixel data is inflated: one IHDR and first, valid
// CRCs, PLTE/tRNS before the one contiguous IDAT run, IEND; and the exact byte count the header allows
// the inflated image data to have, so the inflater can stop there whatever the data says.
import { crc32 } from 'node:zlib';
import { MalformedImageError } from './malformed-image.js';

/** The header fields of a PNG (its IHDR chunk) that decoding needs. */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA. */
  colorType: number;
  interlaced: boolean;
}

/** A PNG file's header, its palette and transparency, and its compressed image data, all checked. */
export interface PngLayout extends PngHeader {
  /** RGBA per palette entry (alpha from tRNS, else 255); only for color type 3. */
  palette?: Uint8Array;
  /** The transparent sample value(s) from tRNS for color types 0 (one gray) and 2 (R, G, B). */
  transparent?: number[];
  /** The IDAT chunks' data, in file order: together one zlib stream. */
  idat: Uint8Array[];
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// Samples per pixel of each color type, and the bit depths the PNG specification allows it.
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const BIT_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
/** Adam7's passes: first column, first row, column step, row step. */
export const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/**
 * Reads and checks every chunk of a PNG file, without inflating anything. Throws a MalformedImageError
 * naming the broken rule and its byte offset. Chunks after IEND are not read.
 * @example const layout = scanPng(bytes); pngInflatedSize(layout); // bytes the IDAT stream must inflate to
 */
export function scanPng(bytes: Uint8Array): PngLayout {
  if (bytes.length < SIGNATURE.length || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new MalformedImageError('no PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: PngHeader | undefined;
  let layout: PngLayout | undefined;
  let idatEnded = false;
  // PLTE and tRNS may each appear once, PLTE first.
  const seen = new Set<string>();
  let offset = SIGNATURE.length;
  for (;;) {
    if (offset === bytes.length) throw new MalformedImageError(`the file ends at byte ${offset} before the IEND chunk`);
    if (offset + 12 > bytes.length) throw new MalformedImageError(`truncated chunk header at byte ${offset}`);
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) throw new MalformedImageError(`bad chunk type at byte ${offset}`);
    if (length > 0x7fffffff || offset + 12 + length > bytes.length) {
      throw new MalformedImageError(`the ${type} chunk at byte ${offset} says ${length} bytes, past the end of the file (truncated)`);
    }
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== view.getUint32(offset + 8 + length)) {
      throw new MalformedImageError(`the ${type} chunk at byte ${offset} fails its CRC`);
    }
    if (header === undefined) {
      if (type !== 'IHDR') throw new MalformedImageError(`the first chunk is ${type}, expected IHDR`);
      header = readHeader(data, offset);
      layout = { ...header, idat: [] };
    } else {
      const at = `at byte ${offset}`;
      const l = layout as PngLayout;
      if (type !== 'IDAT' && l.idat.length > 0) idatEnded = true;
      switch (type) {
        case 'IHDR':
          throw new MalformedImageError(`a second IHDR chunk ${at}`);
        case 'PLTE':
          if (l.idat.length > 0) throw new MalformedImageError(`PLTE chunk ${at} after the image data`);
          if (seen.has('PLTE')) throw new MalformedImageError(`a second PLTE chunk ${at}`);
          if (seen.has('tRNS')) throw new MalformedImageError(`PLTE chunk ${at} after tRNS`);
          l.palette = readPalette(data, l, at);
          break;
        case 'tRNS':
          if (l.idat.length > 0) throw new MalformedImageError(`tRNS chunk ${at} after the image data`);
          if (seen.has('tRNS')) throw new MalformedImageError(`a second tRNS chunk ${at}`);
          readTransparency(data, l, at);
          break;
        case 'IDAT':
          if (idatEnded) throw new MalformedImageError(`IDAT chunk ${at} after other chunks ended the image data`);
          if (l.colorType === 3 && l.palette === undefined) throw new MalformedImageError(`IDAT chunk ${at} before the PLTE chunk a palette image needs`);
          l.idat.push(data);
          break;
        case 'IEND':
          if (length !== 0) throw new MalformedImageError(`IEND chunk ${at} has ${length} bytes, expected 0`);
          if (l.idat.length === 0) throw new MalformedImageError(`no IDAT chunk before IEND ${at}`);
          return l;
        default:
          // Bit 5 of the first letter clear (upper case) marks a chunk a decoder must understand.
          if (type.charCodeAt(0) < 0x61) throw new MalformedImageError(`unknown critical chunk ${type} ${at}`);
      }
    }
    seen.add(type);
    offset += 12 + length;
  }
}

/**
 * The exact number of bytes the image data must inflate to for this header: per row one filter-type
 * byte and the row's packed samples, per Adam7 pass when interlaced (empty passes have no rows).
 * @example pngInflatedSize({ width: 2, height: 2, bitDepth: 8, colorType: 0, interlaced: false }) === 6
 */
export function pngInflatedSize(header: PngHeader): number {
  const bits = bitsPerPixel(header);
  const rows = (width: number, height: number): number => (width === 0 || height === 0 ? 0 : height * (1 + Math.ceil((width * bits) / 8)));
  if (!header.interlaced) return rows(header.width, header.height);
  return ADAM7.reduce((sum, pass) => sum + rows(...passSize(header, pass)), 0);
}

/** Bits per pixel: samples per pixel times bit depth. */
export function bitsPerPixel(header: PngHeader): number {
  return CHANNELS[header.colorType] * header.bitDepth;
}

/** Width and height of one Adam7 pass's sub-image (0 when the pass has no pixels). */
export function passSize(header: PngHeader, pass: readonly [number, number, number, number]): [number, number] {
  const [x0, y0, dx, dy] = pass;
  return [Math.max(0, Math.ceil((header.width - x0) / dx)), Math.max(0, Math.ceil((header.height - y0) / dy))];
}

function readHeader(data: Uint8Array, offset: number): PngHeader {
  if (data.length !== 13) throw new MalformedImageError(`the IHDR chunk at byte ${offset} has ${data.length} bytes, expected 13`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const [bitDepth, colorType, compression, filter, interlace] = data.subarray(8);
  const width = view.getUint32(0);
  const height = view.getUint32(4);
  if (width > 0x7fffffff || height > 0x7fffffff) throw new MalformedImageError(`IHDR size ${width}x${height} is beyond the PNG maximum of 2^31-1`);
  if (BIT_DEPTHS[colorType] === undefined) throw new MalformedImageError(`IHDR color type ${colorType}, expected 0, 2, 3, 4 or 6`);
  if (!BIT_DEPTHS[colorType].includes(bitDepth)) {
    throw new MalformedImageError(`IHDR bit depth ${bitDepth} with color type ${colorType}, expected ${BIT_DEPTHS[colorType].join(', ')}`);
  }
  if (compression !== 0 || filter !== 0) throw new MalformedImageError(`IHDR compression ${compression} and filter method ${filter}, expected 0 and 0`);
  if (interlace > 1) throw new MalformedImageError(`IHDR interlace method ${interlace}, expected 0 or 1`);
  return { width, height, bitDepth, colorType, interlaced: interlace === 1 };
}

function readPalette(data: Uint8Array, layout: PngLayout, at: string): Uint8Array {
  if (layout.colorType === 0 || layout.colorType === 4) throw new MalformedImageError(`PLTE chunk ${at} in a gray image`);
  const entries = data.length / 3;
  const most = layout.colorType === 3 ? 2 ** layout.bitDepth : 256;
  if (!Number.isInteger(entries) || entries < 1 || entries > most) {
    throw new MalformedImageError(`PLTE chunk ${at} has ${data.length} bytes, expected 3 per entry for 1 to ${most} entries`);
  }
  const palette = new Uint8Array(entries * 4);
  for (let i = 0; i < entries; i++) palette.set([data[i * 3], data[i * 3 + 1], data[i * 3 + 2], 255], i * 4);
  return palette;
}

function readTransparency(data: Uint8Array, layout: PngLayout, at: string): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  switch (layout.colorType) {
    case 0:
    case 2: {
      const samples = layout.colorType === 0 ? 1 : 3;
      if (data.length !== samples * 2) throw new MalformedImageError(`tRNS chunk ${at} has ${data.length} bytes, expected ${samples * 2}`);
      layout.transparent = Array.from({ length: samples }, (_, i) => view.getUint16(i * 2));
      return;
    }
    case 3: {
      const palette = layout.palette;
      if (palette === undefined) throw new MalformedImageError(`tRNS chunk ${at} before the PLTE chunk`);
      if (data.length > palette.length / 4) throw new MalformedImageError(`tRNS chunk ${at} has ${data.length} alphas for ${palette.length / 4} palette entries`);
      data.forEach((alpha, i) => (palette[i * 4 + 3] = alpha));
      return;
    }
    default:
      throw new MalformedImageError(`tRNS chunk ${at} in an image with an alpha channel`);
  }
}
