// `mnist report`'s page in Chromium, opened from disk as a user opens it: nothing but file: and data:
// requested, no console or page error, every chart drawn at a real size; a full-page screenshot is
// kept in test-artifacts/report.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromiumSkipReason, launchChromium } from '@mnist/demo/testing/chromium';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, cliDir, lastJson, mnist, scratchDir } from './mnist-bin.fixture.js';

const skipReason = chromiumSkipReason("the report page's browser test");
const work = scratchDir('mnist-report-chromium-');
const run = join(work, 'dnn');
let page: string;

beforeAll(() => {
  buildCli();
  lastJson(mnist('train', '--epochs', '3', '--train-limit', '1000', '--hidden', '32', '--out', run, '--json'));
  page = lastJson(mnist('report', '--checkpoint', run, '--json')).out as string;
}, 300_000);

describe.skipIf(skipReason !== undefined)('report page in Chromium', () => {
  it('opens from disk with no request beyond file: and data:, no error, and every chart drawn', async () => {
    const browser = await launchChromium();
    try {
      const tab = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      tab.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      tab.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      const requested: string[] = [];
      await tab.route('**/*', async (route) => {
        const url = route.request().url();
        requested.push(url);
        if (url.startsWith('file:') || url.startsWith('data:')) await route.continue();
        else await route.abort('blockedbyclient');
      });
      const url = pathToFileURL(page).href;
      await tab.goto(url, { waitUntil: 'load' });

      const charts = await tab.$$eval('svg', (svgs) =>
        svgs.map((s) => {
          const box = s.getBoundingClientRect();
          return { kind: s.getAttribute('class'), width: box.width, height: box.height, drawn: s.querySelectorAll('path, rect, circle').length };
        }),
      );
      expect(charts.map((c) => c.kind)).toEqual(['line-chart', 'line-chart', 'heat-map', 'bar-chart']);
      for (const c of charts) {
        expect(c.width).toBeGreaterThan(100);
        expect(c.height).toBeGreaterThan(100);
        expect(c.drawn).toBeGreaterThan(3);
      }
      // Every gallery image decoded from its data: URI at 28x28.
      const images = await tab.$$eval('.gallery img', (imgs) => (imgs as HTMLImageElement[]).map((i) => ({ complete: i.complete, w: i.naturalWidth, h: i.naturalHeight })));
      expect(images).toHaveLength(24);
      expect(images.every((i) => i.complete && i.w === 28 && i.h === 28)).toBe(true);

      mkdirSync(join(cliDir, 'test-artifacts'), { recursive: true });
      await tab.screenshot({ path: join(cliDir, 'test-artifacts', 'report.png'), fullPage: true });
      expect(problems).toEqual([]);
      expect(requested.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
      expect(requested).toContain(url);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
