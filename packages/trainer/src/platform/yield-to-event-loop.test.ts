import { afterEach, describe, expect, it, vi } from 'vitest';
import { yieldToEventLoop } from './yield-to-event-loop.js';

describe('yieldToEventLoop', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('lets an already queued macrotask run before it resolves (setImmediate in Node)', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('queued before'));
    await yieldToEventLoop();
    order.push('yielded');
    expect(order).toEqual(['queued before', 'yielded']);
  });

  it('falls back to a MessageChannel round trip where setImmediate is absent (pages, workers)', async () => {
    const Real = MessageChannel;
    let channels = 0;
    vi.stubGlobal('setImmediate', undefined);
    vi.stubGlobal(
      'MessageChannel',
      class extends Real {
        constructor() {
          super();
          channels++;
        }
      },
    );
    let resolved = false;
    const pending = yieldToEventLoop().then(() => (resolved = true));
    await Promise.resolve();
    expect(resolved).toBe(false);
    await pending;
    expect(resolved).toBe(true);
    expect(channels).toBe(1);
  });
});
