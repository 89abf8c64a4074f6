import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Property suites run thousands of cases; on a loaded 2-core CI machine they need more than the 5 s default.
    testTimeout: 60_000,
    include: ['{src,test}/**/*.test.ts'],
  },
});
