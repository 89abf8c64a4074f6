import type { Options } from 'tsup';

/**
 * Shared tsup options for every published @ipam package: ESM + CJS bundles of
 * `src/index.ts` with declarations and source maps. Per-package
 * `tsup.config.ts` files call this and may override single options.
 */
export function tsupConfig(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    // TypeScript 6 deprecates the `baseUrl` that tsup's dts step sets (TS5101).
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
    target: 'es2022',
    sourcemap: true,
    clean: true,
    ...overrides,
  };
}
