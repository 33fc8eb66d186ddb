// Shared vitest settings: tests import sibling packages from their TypeScript sources (the
// "@mnist/source" export condition), so a test run never reads a stale dist/.
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export const sharedConfig = defineConfig({
  resolve: { conditions: ['@mnist/source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@mnist/source', 'module', 'node', 'import', 'default'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One test file per core, not vitest's cores - 1: on these 2-core machines that is one at a time,
    // and most files spend much of their time waiting on a child `mnist`, Python or Chromium.
    maxWorkers: availableParallelism(),
    // The JSON report feeds tools/test-summary.mjs, which prints the one closing line for all packages.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
});
