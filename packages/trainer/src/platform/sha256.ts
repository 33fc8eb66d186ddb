// SHA-256 for every platform: SubtleCrypto, which browsers, workers and Node (>= 20) all have as
// globalThis.crypto.subtle, so the browser entry digests datasets and checkpoints without node:crypto.

/**
 * The SHA-256 of `bytes` as 64 lowercase hex digits.
 * @example await sha256Hex(new TextEncoder().encode('abc')) // 'ba7816bf...'
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) throw new Error('sha256Hex: this runtime has no crypto.subtle (a page must be served over https or from localhost)');
  // digest() takes a BufferSource; a view of a SharedArrayBuffer is refused, so copy that case.
  const input = bytes.buffer instanceof ArrayBuffer ? bytes : new Uint8Array(bytes);
  const digest = new Uint8Array(await subtle.digest('SHA-256', input as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
