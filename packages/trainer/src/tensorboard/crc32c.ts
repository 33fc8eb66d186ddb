// CRC-32C (Castagnoli), the checksum TFRecord framing uses, and TFRecord's masked form of it.

// Reflected polynomial 0x82F63B78, one table entry per byte value.
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * The CRC-32C of `bytes`, as an unsigned 32-bit integer.
 * @example crc32c(new TextEncoder().encode('123456789')) // 0xe3069283
 */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * TFRecord's masked CRC (a CRC of data that holds CRCs is weak, so TensorFlow rotates and offsets it):
 * `((crc >>> 15) | (crc << 17)) + 0xa282ead8`, mod 2^32.
 * @example maskedCrc32c(new Uint8Array(8)) // the length field's check of an empty record
 */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
