import { describe, expect, it } from 'vitest';
import { SaveQueue } from './save-queue.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('SaveQueue', () => {
  it('runs writes one at a time, in order, behind the caller', async () => {
    const queue = new SaveQueue();
    const events: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      queue.enqueue(async () => {
        events.push(`${name} start`);
        await tick();
        events.push(`${name} end`);
      });
    }
    events.push('enqueued');
    await queue.flush();
    expect(events).toEqual(['enqueued', 'a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('a failed write skips the later ones and is thrown by the next enqueue and by flush', async () => {
    const queue = new SaveQueue();
    const ran: string[] = [];
    queue.enqueue(async () => {
      throw new Error('disk full');
    });
    queue.enqueue(async () => void ran.push('after'));
    await queue.settle();
    expect(ran).toEqual([]);
    expect(() => queue.enqueue(async () => void ran.push('later'))).toThrow('disk full');
    await expect(queue.flush()).rejects.toThrow('disk full');
    expect(ran).toEqual([]);
  });

  it('settle waits without throwing, for cleanup after another error', async () => {
    const queue = new SaveQueue();
    let done = false;
    queue.enqueue(async () => {
      await tick();
      done = true;
      throw new Error('late failure');
    });
    await expect(queue.settle()).resolves.toBeUndefined();
    expect(done).toBe(true);
  });
});
