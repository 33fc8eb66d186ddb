// Priority resolution with collected refusals.
import { describe, expect, it } from 'vitest';
import { PriorityRegistry, ResolutionError } from './registry.js';

function registry() {
  const r = new PriorityRegistry<string>('backend');
  r.register({ name: 'cpu', priority: 1, init: async () => 'cpu!' });
  r.register({ name: 'fast', priority: 3, init: async () => Promise.reject(new Error('not installed\nstack...')) });
  r.register({ name: 'wasm', priority: 2, init: async () => 'wasm!' });
  return r;
}

describe('PriorityRegistry', () => {
  it('picks the highest priority that loads and says why the others were refused', async () => {
    const r = registry();
    expect(r.names()).toEqual(['fast', 'wasm', 'cpu']);
    const picked = await r.resolve(undefined);
    expect(picked.name).toBe('wasm');
    expect(picked.value).toBe('wasm!');
    expect(picked.refused).toEqual([{ name: 'fast', reason: 'not installed' }]);
    expect(picked.message).toBe('backend wasm (fast refused: not installed)');
  });

  it('loads only the requested one when forced', async () => {
    const r = registry();
    expect((await r.resolve('cpu')).message).toBe('backend cpu (requested)');
    await expect(r.resolve('fast')).rejects.toThrow(ResolutionError);
    await expect(r.resolve('fast')).rejects.toThrow('backend fast cannot run here: fast: not installed');
    await expect(r.resolve('gpu')).rejects.toThrow(/unknown backend "gpu"; choose one of: auto, fast, wasm, cpu/);
  });

  it('lists every refusal when nothing loads', async () => {
    const r = new PriorityRegistry<string>('engine');
    r.register({ name: 'a', priority: 2, init: async () => { throw new Error('no a'); } });
    r.register({ name: 'b', priority: 1, init: async () => { throw new Error('no b'); } });
    await expect(r.resolve('auto')).rejects.toThrow('no engine could be loaded (a: no a; b: no b)');
  });
});
