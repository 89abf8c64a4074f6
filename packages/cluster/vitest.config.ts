import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{src,test}/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two test files at a time even on 2 cores: the etcd and process suites mostly wait (on etcd, on spawned
    // processes), so the package's tests take about 3 minutes instead of 4½ (no test asserts on wall-clock time).
    maxWorkers: 2,
    // Builds the `ipam-cluster` executable (alone, in about a second) when it is older than the sources.
    globalSetup: ['test/global-setup.ts'],
  },
});
