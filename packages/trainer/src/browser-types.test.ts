// The browser entry's whole module graph type-checks with the DOM's types and without Node's
// (tsconfig.browser.json): a process, Buffer, NodeJS.* or node: import reachable from it fails here.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

describe('the browser entry', () => {
  it('type-checks without Node types', () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.browser.json'], { cwd: PACKAGE_DIR, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  }, 120_000);
});
