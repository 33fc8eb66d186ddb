// Sums the vitest JSON reports of every package into one closing line ("N passed, N failed, N
// skipped"), so a reader of CI output sees the whole suite's result in one place.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const totals = { passed: 0, failed: 0, skipped: 0 };
const missing = [];
for (const name of readdirSync(join(root, 'packages'))) {
  const file = join(root, 'packages', name, 'test-results.json');
  if (!existsSync(file)) {
    missing.push(name);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests + (report.numFailedTestSuites ?? 0) - countFailedSuitesWithFailedTests(report);
  totals.skipped += report.numPendingTests + report.numTodoTests;
}
if (missing.length) console.log(`no test report from: ${missing.join(', ')}`);
console.log(`Tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);

// A suite that fails to load has no failed tests of its own; count it once as a failure.
function countFailedSuitesWithFailedTests(report) {
  return report.testResults.filter((suite) => suite.status === 'failed' && suite.assertionResults.some((t) => t.status === 'failed')).length;
}
