import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Dawn has crashed when used from worker threads; forks also isolate the cpu backend's workers
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
