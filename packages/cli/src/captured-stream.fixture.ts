// Test support: a writable stream that keeps what is written to it (kept out of dist).
import { Writable } from 'node:stream';

/**
 * A stream collecting its writes as text.
 * @example const out = capturedStream(); out.stream.write('hi'); out.text() // 'hi'
 */
export function capturedStream(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}
