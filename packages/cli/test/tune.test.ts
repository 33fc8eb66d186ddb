// `mnist tune` through the compiled bin: a small search prints progress on stderr and the ranked table
// on stdout, saves the best checkpoint, and gives the same table again from the same seed (--json).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, lastJson, mnist, scratchDir } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-tune-');
beforeAll(buildCli, 300_000);

describe('tune', () => {
  it('runs a small search: progress on stderr, the table on stdout, the best checkpoint saved', () => {
    const out = join(work, 'tuned');
    const r = mnist('tune', '--trials', '2', '--epochs', '2', '--train-limit', '1000', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^Trial 1\/2: \[/m);
    expect(r.stderr).toMatch(/^Trial 2\/2: \[/m);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^rank\s+trial\s+val acc\s+best epoch\s+epochs\s+seconds\s+network$/);
    const accs = lines.slice(1, 3).map((l) => Number(l.split(/\s+/)[2]));
    expect(accs[0]).toBeGreaterThanOrEqual(accs[1]);
    expect(lines[3]).toMatch(/^Best: trial [12], validation accuracy 0\.\d{4}, test accuracy 0\.\d{4}$/);
    expect(existsSync(join(out, 'model.json'))).toBe(true);
    // --json: the same search (same seed) gives the same table.
    const again = lastJson(mnist('tune', '--trials', '2', '--epochs', '2', '--train-limit', '1000', '--out', join(work, 'tuned2'), '--json'));
    expect((again.trials as { validationAccuracy: number }[]).map((t) => t.validationAccuracy.toFixed(4))).toEqual(accs.map((a) => a.toFixed(4)));
  }, 300_000);
});
