// Prints `N passed, N failed, N skipped` summed from the vitest and Playwright JSON reports, so a run that executed
// no test is visible. Exits non-zero when a report is missing, a test failed, or nothing ran.
import { existsSync, readFileSync } from 'node:fs';

const commandStatus = Number(process.argv[2] ?? 0);
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];

const vitestFile = 'test-results/vitest.json';
if (existsSync(vitestFile)) {
  const report = JSON.parse(readFileSync(vitestFile, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A file that failed to load has no tests but is a failure all the same.
  failed += (report.testResults ?? []).filter(
    (f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0,
  ).length;
} else missing.push('vitest');

const playwrightFile = 'test-results/playwright.json';
if (existsSync(playwrightFile)) {
  const stats = JSON.parse(readFileSync(playwrightFile, 'utf8')).stats ?? {};
  passed += (stats.expected ?? 0) + (stats.flaky ?? 0);
  failed += stats.unexpected ?? 0;
  skipped += stats.skipped ?? 0;
} else missing.push('playwright');

if (missing.length) console.log(`ci: no report from ${missing.join(' and ')} (the test command stopped before it ran)`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(commandStatus !== 0 || failed > 0 || missing.length > 0 || passed === 0 ? 1 : 0);
