import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A line for each test file as it finishes (no live summary redrawn in place, which prints nothing
    // useful into a log and little on a slow machine); the JSON report is what .ci/run counts.
    reporters: [['default', { summary: false }], 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
