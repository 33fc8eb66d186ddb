import { describe, expect, it } from 'vitest';
import { crc32c, maskedCrc32c } from './crc32c.js';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('crc32c', () => {
  // Known vectors: the CRC catalogue's check value and RFC 3720 (iSCSI) B.4.
  it('matches the published check values', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it('masks as TensorFlow does', () => {
    const crc = 0xe3069283;
    const expected = (((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8;
    expect(maskedCrc32c(ascii('123456789'))).toBe(expected % 2 ** 32);
  });
});
