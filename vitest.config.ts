import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Dawn has crashed when used from worker threads; forks also isolate the cpu backend's workers
    pool: 'forks',
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // the JSON report is what .ci/run counts, so a run that executed nothing cannot look green
    reporters: ['default', ['json', { outputFile: '.ci/results/vitest.json' }]],
  },
});
