import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The command tests spawn the built `ipam`; on a loaded 2-core CI machine that can take longer than the 5 s default.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    include: ['{src,test}/**/*.test.ts'],
    // Builds the `ipam` and `kubectl-ipam` executables when they are older than the sources.
    globalSetup: ['test/global-setup.ts'],
  },
});
