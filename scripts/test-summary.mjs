// Prints "N passed, N failed" from vitest's JSON report. A test file that failed before running any test
// counts as one failure, so a broken file can never look like a pass.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results/vitest.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  console.log('0 passed, 0 failed (no test report was written)');
  process.exit(1);
}
const brokenFiles = (report.testResults ?? []).filter((r) => r.status === 'failed' && (r.assertionResults ?? []).length === 0).length;
console.log(`${report.numPassedTests} passed, ${report.numFailedTests + brokenFiles} failed`);
