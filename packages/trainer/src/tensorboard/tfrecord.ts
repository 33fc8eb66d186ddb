// TFRecord framing, the container of TensorBoard event files: each record is its length, a check of
// the length, the data, and a check of the data.
import { maskedCrc32c } from './crc32c.js';

/**
 * One TFRecord: uint64 length (little-endian), masked CRC-32C of those 8 bytes (uint32 LE), the data,
 * masked CRC-32C of the data (uint32 LE).
 * @example const bytes = tfRecord(new Uint8Array([1, 2, 3])); // 8 + 4 + 3 + 4 bytes
 */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}
