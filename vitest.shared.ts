// Shared vitest settings: tests import sibling packages from their TypeScript sources (the
// "@mnist/source" export condition), so a test run never reads a stale dist/.
import { defineConfig } from 'vitest/config';

export const sharedConfig = defineConfig({
  resolve: { conditions: ['@mnist/source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@mnist/source', 'module', 'node', 'import', 'default'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The JSON report feeds tools/test-summary.mjs, which prints the one closing line for all packages.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
});
