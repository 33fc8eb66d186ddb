// The frame of a JPEG file found by walking every marker segment up to EOI (entropy-coded data
// included), so a second frame header cannot hide behind the first; and the memory jpeg-js needs to
// decode that frame, computed from it before jpeg-js allocates any of it.
import { MalformedImageError } from './malformed-image.js';

/** A JPEG's one frame header (SOFn). */
export interface JpegFrame {
  width: number;
  height: number;
  /** Horizontal and vertical sampling factors (1..4) per component, in header order. */
  components: { h: number; v: number }[];
  /** Byte offset of the SOF marker. */
  offset: number;
}

// What one 8x8 block costs jpeg-js: an Int32Array(64) each, 256 bytes of data plus V8's object and
// backing-store bookkeeping (measured about 660 bytes a block on Node 20 x64, rounded up).
const BYTES_PER_BLOCK = 704;
// A line of samples is its own Uint8Array too: its bytes plus this.
const BYTES_PER_LINE = 160;

/**
 * Walks a JPEG's markers from SOI to EOI and returns its frame header. Throws a MalformedImageError when
 * a segment runs past the end, there is no frame header or more than one, or the header itself is
 * inconsistent (length, 1 to 4 components, sampling factors 1 to 4).
 * @example const { width, height } = scanJpeg(bytes);
 */
export function scanJpeg(bytes: Uint8Array): JpegFrame {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new MalformedImageError('no JPEG SOI marker');
  let frame: JpegFrame | undefined;
  let i = 2;
  while (i < bytes.length) {
    if (bytes[i] !== 0xff) throw new MalformedImageError(`expected a marker at byte ${i}, found 0x${hex(bytes[i])}`);
    while (bytes[i + 1] === 0xff) i++; // fill bytes before a marker
    if (i + 1 >= bytes.length) break;
    const marker = bytes[i + 1];
    if (marker === 0xd9) break; // EOI
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2; // RSTn and TEM stand alone
      continue;
    }
    if (i + 4 > bytes.length) break;
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    if (length < 2 || i + 2 + length > bytes.length) {
      throw new MalformedImageError(`the 0xff${hex(marker)} segment at byte ${i} says ${length} bytes, past the end of the file (truncated)`);
    }
    if (isFrameHeader(marker)) {
      if (frame !== undefined) throw new MalformedImageError(`a second frame header (SOF${marker - 0xc0}) at byte ${i}, after the one at byte ${frame.offset}`);
      frame = readFrame(bytes.subarray(i + 4, i + 2 + length), i, marker);
    }
    i += 2 + length;
    if (marker === 0xda) i = afterEntropyCodedData(bytes, i);
  }
  // A file cut short after its frame is left to the decoder, which tolerates a missing tail.
  if (frame === undefined) throw new MalformedImageError('no frame header (SOF) before the end of the image');
  return frame;
}

/**
 * The bytes jpeg-js allocates to decode `frame` to RGBA: its coefficient blocks, its sample lines, its
 * packed samples and the RGBA output, the way its decoder lays them out (MCU-padded blocks per
 * component).
 * @example jpegDecodeBytes(scanJpeg(bytes)) <= MAX_DECODE_BYTES
 */
export function jpegDecodeBytes(frame: JpegFrame): number {
  const { width, height, components } = frame;
  const maxH = Math.max(...components.map((c) => c.h));
  const maxV = Math.max(...components.map((c) => c.v));
  const mcusPerLine = Math.ceil(width / 8 / maxH);
  const mcusPerColumn = Math.ceil(height / 8 / maxV);
  let bytes = width * height * (components.length + 4);
  for (const { h, v } of components) {
    bytes += mcusPerLine * h * mcusPerColumn * v * BYTES_PER_BLOCK;
    const samplesPerLine = Math.ceil((Math.ceil(width / 8) * h) / maxH) * 8;
    const lines = Math.ceil((Math.ceil(height / 8) * v) / maxV) * 8;
    bytes += lines * (samplesPerLine + BYTES_PER_LINE);
  }
  return bytes;
}

// SOF0..SOF15 but DHT (c4), JPG (c8) and DAC (cc), which share the range.
function isFrameHeader(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function readFrame(data: Uint8Array, offset: number, marker: number): JpegFrame {
  const name = `frame header (SOF${marker - 0xc0}) at byte ${offset}`;
  if (data.length < 6) throw new MalformedImageError(`the ${name} has ${data.length + 2} bytes, expected at least 8`);
  const height = (data[1] << 8) | data[2];
  const width = (data[3] << 8) | data[4];
  const count = data[5];
  if (count < 1 || count > 4) throw new MalformedImageError(`the ${name} has ${count} components, expected 1 to 4`);
  if (data.length !== 6 + 3 * count) throw new MalformedImageError(`the ${name} has ${data.length + 2} bytes, expected ${8 + 3 * count} for ${count} components`);
  const components = [];
  for (let c = 0; c < count; c++) {
    const h = data[7 + 3 * c] >> 4;
    const v = data[7 + 3 * c] & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4) throw new MalformedImageError(`the ${name} gives component ${c} sampling factors ${h}x${v}, expected 1 to 4 each`);
    components.push({ h, v });
  }
  return { width, height, components, offset };
}

// The offset of the next marker after a scan's entropy-coded data: 0xff 0x00 is a stuffed data byte
// and RSTn markers belong to the scan.
function afterEntropyCodedData(bytes: Uint8Array, start: number): number {
  for (let i = start; i + 1 < bytes.length; i++) {
    if (bytes[i] !== 0xff) continue;
    const next = bytes[i + 1];
    if (next !== 0x00 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) return i;
  }
  return bytes.length;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
