import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The large-dump, allocator-table and fake-apiserver suites take 2-4 s on a quiet 2-core machine; in CI other
    // packages' etcd and plugin suites run beside them, and the 5 s default failed a correct run. Tests here assert
    // behaviour, never time: speed targets live in `pnpm bench`.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    include: ['{src,test}/**/*.test.ts'],
  },
});
