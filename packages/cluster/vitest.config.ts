import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{src,test}/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Builds the `ipam-cluster` executable (alone, in about a second) when it is older than the sources.
    globalSetup: ['test/global-setup.ts'],
  },
});
