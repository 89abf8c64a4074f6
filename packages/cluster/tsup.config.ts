import { defineConfig, type Options } from 'tsup';
import { tsupConfig } from '../../tsup.base';

/**
 * The `ipam-cluster` executable (package.json `bin`), with a shebang (tsup makes it executable): one self-contained,
 * minified CommonJS file (@ipam/core and @ipam/cni bundled in), so that each CNI command resolves no package and reads
 * one file. test/global-setup.ts builds it alone, before the tests that spawn it.
 */
export const binConfig: Options = {
  entry: { 'bin/ipam-cluster': 'src/bin/ipam-cluster.ts' },
  format: ['cjs'],
  target: 'node20',
  platform: 'node',
  splitting: false,
  sourcemap: false,
  dts: false,
  clean: false,
  noExternal: ['@ipam/core', '@ipam/cni'],
  minify: true,
  treeshake: true,
  banner: { js: '#!/usr/bin/env node' },
};

export default defineConfig([tsupConfig({ clean: false }), binConfig]);
