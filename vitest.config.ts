import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two test files at a time even on 2 cores (Vitest's default is one fewer than the cores): most of a
    // test's time is spent waiting on the git and mvr processes it starts. On the 2-core CI machine the
    // whole suite took 300 s instead of 491 s.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // A line for each test file as it finishes (no live summary redrawn in place, which prints nothing
    // useful into a log and little on a slow machine); the JSON report is what .ci/run counts.
    reporters: [['default', { summary: false }], 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
