// Lets timers, I/O and messages run between training steps, in Node and in a page or worker alike.

/**
 * Resolves after one turn of the event loop: `setImmediate` where it exists (Node), else a
 * MessageChannel round trip. Not `setTimeout(0)`: browsers clamp nested timeouts to 4 ms, which every
 * few steps would cost more than the steps.
 * @example for (let s = 0; s < steps; s++) { step(s); if (s % 20 === 19) await yieldToEventLoop(); }
 */
export function yieldToEventLoop(): Promise<void> {
  // Looked up, not named: the browser entry is type-checked without Node's types (tsconfig.browser.json).
  const { setImmediate } = globalThis as { setImmediate?: (callback: () => void) => unknown };
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.addEventListener('message', () => {
      channel.port1.close();
      resolve();
    });
    // addEventListener, unlike an onmessage setter, leaves a port paused until start().
    channel.port1.start();
    channel.port2.postMessage(undefined);
  });
}
