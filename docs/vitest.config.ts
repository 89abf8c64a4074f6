import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The code-block harness spawns Node per guide and the browser test drives Chromium: generous, as in every package.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
  },
});
