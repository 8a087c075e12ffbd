import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'compiler/**/*.test.ts', 'runtime/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Builds dist/ once, for the tests that run bin/meshc.js as a real process.
    globalSetup: ['test/setup/build.ts'],
  },
});
