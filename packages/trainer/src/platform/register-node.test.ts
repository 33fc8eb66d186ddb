// The Node entry registers the platform of files on disk; before any entry is imported, platform() refuses in one line.
import { describe, expect, it, vi } from 'vitest';

describe('register-node', () => {
  it('platform() refuses in one line until an entry registers one, and the Node entry registers the node platform', async () => {
    // A fresh module graph: the vitest setup file registered the node platform in the shared one.
    vi.resetModules();
    const { platform } = await import('./platform.js');
    expect(() => platform()).toThrow(/^no trainer platform is registered: import @mnist\/trainer \(Node\) or @mnist\/trainer\/browser before training$/);
    await import('./register-node.js');
    const { nodePlatform } = await import('./node-platform.js');
    expect(platform()).toBe(nodePlatform);
    expect(platform().name).toBe('node');
    expect(typeof platform().trainingLog?.open).toBe('function');
    // The last registration wins: a user's own store replaces the node one.
    const { setPlatform } = await import('./platform.js');
    const own = { ...nodePlatform, name: 'browser' as const };
    setPlatform(own);
    expect(platform()).toBe(own);
  });

  it('importing the package entry (or internal) registers the node platform', async () => {
    for (const entry of ['../index.js', '../internal.js']) {
      vi.resetModules();
      await import(entry);
      const { platform } = await import('./platform.js');
      expect(platform().name).toBe('node');
    }
    vi.resetModules();
    const { nodePlatform, platform } = await import('../index.js');
    expect(platform()).toBe(nodePlatform);
  });
});
