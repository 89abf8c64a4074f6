import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The conformance, interop, load and crash suites start hundreds of plugin processes; on a loaded
    // 2-core CI machine a single test can take longer than the 5 s default without being stuck.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    include: ['{src,test}/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
  },
});
