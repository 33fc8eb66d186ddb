import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from './sha256.js';

describe('sha256Hex', () => {
  it('gives the FIPS 180-2 digest of "abc"', async () => {
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it("agrees with node:crypto on a view into a larger buffer and on empty input", async () => {
    const whole = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) & 0xff);
    const view = whole.subarray(13, 913);
    expect(await sha256Hex(view)).toBe(createHash('sha256').update(view).digest('hex'));
    expect(await sha256Hex(new Uint8Array(0))).toBe(createHash('sha256').update(new Uint8Array(0)).digest('hex'));
  });
});
