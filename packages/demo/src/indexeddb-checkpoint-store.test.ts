// IndexedDbCheckpointStore in Chromium: Node's checkpoint bytes, kept across a reload, the digest
// checked on load, and one run lock per location across two tabs (Web Locks).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCheckpoint } from '@mnist/core';
import demoConfig from '../vite.config.ts';
import { chromiumSkipReason, launchChromium } from './chromium.fixture.js';
import { DEMO_PACKAGE_DIR } from './package-paths.js';
import { tinyCheckpoint } from './tiny-checkpoint.fixture.js';

const skipReason = chromiumSkipReason('the IndexedDB checkpoint store test');
const FIXTURE = fileURLToPath(new URL('./tiny-checkpoint.fixture.ts', import.meta.url));

// The page's hooks: each opens its own store, as separate runs or a reloaded page would.
const MAIN = `import { IndexedDbCheckpointStore } from '@mnist/trainer';
import { tinyCheckpoint } from ${JSON.stringify(FIXTURE)};
const releases = new Map();
const message = (run) => run.then(() => 'ok', (e) => e.message);
window.store = {
  save: (location, seed) => message(new IndexedDbCheckpointStore().save(location, tinyCheckpoint(seed))),
  load: (location) => new IndexedDbCheckpointStore().load(location).then((c) => c.modelJson.training.seed, (e) => e.message),
  holds: (location) => new IndexedDbCheckpointStore().holds(location),
  locations: () => new IndexedDbCheckpointStore().locations(),
  files: async (location) => {
    const { modelJson, weightsBin } = await new IndexedDbCheckpointStore().files(location);
    return { modelJson: new TextDecoder().decode(modelJson), weightsBin: Array.from(weightsBin) };
  },
  lock: (location) => message(new IndexedDbCheckpointStore().lock(location).then((release) => void releases.set(location, release))),
  unlock: (location) => message(releases.get(location)()),
  // Flips a weights byte behind the store's back, in its own database.
  tamper: (location) => new Promise((resolve, reject) => {
    const open = indexedDB.open('mnist-trainer-checkpoints', 1);
    open.onsuccess = () => {
      const tx = open.result.transaction('checkpoints', 'readwrite');
      const objects = tx.objectStore('checkpoints');
      const get = objects.get(location);
      get.onsuccess = () => {
        get.result.weightsBin[0] ^= 1;
        objects.put(get.result, location);
      };
      tx.oncomplete = () => { open.result.close(); resolve('ok'); };
      tx.onerror = () => reject(tx.error);
    };
  }),
};
document.body.dataset.ready = 'yes';
`;

describe.skipIf(skipReason !== undefined)('IndexedDbCheckpointStore in Chromium', () => {
  let root: string;
  let server: Server;
  let url: string;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    mkdirSync(join(DEMO_PACKAGE_DIR, 'dist'), { recursive: true });
    root = mkdtempSync(join(DEMO_PACKAGE_DIR, 'dist', '.indexeddb-store-'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><html><body><script type="module" src="./main.ts"></script></body></html>\n');
    writeFileSync(join(root, 'main.ts'), MAIN);
    const launching = launchChromium();
    const { build } = await import('vite');
    const outDir = join(root, 'out');
    await build({ configFile: false, root, base: './', logLevel: 'error', resolve: demoConfig.resolve, build: { outDir, emptyOutDir: true, target: 'es2022', reportCompressedSize: false } });
    const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };
    server = createServer((req, res) => {
      const pathname = new URL(req.url!, 'http://x').pathname;
      const file = pathname === '/' ? 'index.html' : pathname;
      try {
        const bytes = readFileSync(join(outDir, file));
        res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(bytes);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await launching;
    context = await browser.newContext();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((done) => server?.close(done));
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function open(): Promise<Page> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await page.waitForSelector('body[data-ready="yes"]', { state: 'attached' });
    expect(errors).toEqual([]);
    return page;
  }

  it("keeps Node's model.json + weights.bin bytes across a reload, and checks the digest on load", async () => {
    const page = await open();
    type Hooks = Record<string, (...args: unknown[]) => Promise<unknown>>;
    const call = (p: Page, name: string, ...args: unknown[]) => p.evaluate(([n, a]) => (window as unknown as { store: Hooks }).store[n](...a), [name, args] as const);
    expect(await call(page, 'holds', 'runs/a')).toBe(false);
    expect(await call(page, 'load', 'runs/a')).toBe("runs/a: does not exist (no checkpoint saved there in this site's IndexedDB mnist-trainer-checkpoints; train first, or check the name)");
    expect(await call(page, 'save', 'runs/a', 1)).toBe('ok');
    expect(await call(page, 'save', 'runs/a', 2)).toBe('ok');
    expect(await call(page, 'save', 'runs/b', 3)).toBe('ok');
    await page.reload();
    await page.waitForSelector('body[data-ready="yes"]', { state: 'attached' });
    expect(await call(page, 'locations')).toEqual(['runs/a', 'runs/b']);
    expect(await call(page, 'load', 'runs/a')).toBe(2);
    const node = encodeCheckpoint(tinyCheckpoint(2), { sha256: (bytes) => createHash('sha256').update(bytes).digest('hex') });
    const files = (await call(page, 'files', 'runs/a')) as { modelJson: string; weightsBin: number[] };
    expect(files.modelJson).toBe(node.modelJson);
    expect(Uint8Array.from(files.weightsBin)).toEqual(node.weightsBin);
    expect(await call(page, 'tamper', 'runs/b')).toBe('ok');
    expect(await call(page, 'load', 'runs/b')).toBe('runs/b/weights.bin: does not match model.json (its SHA-256 is not the weightsSha256 recorded there)');

    // The run lock holds across tabs of the site until released.
    const other = await open();
    expect(await call(page, 'lock', 'runs/a')).toBe('ok');
    expect(await call(other, 'lock', 'runs/a')).toBe('runs/a is being trained by another run (in this or another tab or worker of this site); wait for it to finish or choose another out');
    expect(await call(other, 'lock', 'runs/b')).toBe('ok');
    expect(await call(page, 'unlock', 'runs/a')).toBe('ok');
    expect(await call(other, 'lock', 'runs/a')).toBe('ok');
    await other.close();
    await page.close();
  }, 60_000);
});
