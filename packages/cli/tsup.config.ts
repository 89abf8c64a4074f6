import { defineConfig, type Options } from 'tsup';
import { tsupConfig } from '../../tsup.base';

/**
 * The `ipam` and `kubectl-ipam` executables (package.json `bin`), with a shebang (tsup makes them executable): one
 * CommonJS file each, @ipam/* resolved from node_modules like any dependency. test/global-setup.ts builds them alone,
 * before the tests that spawn them.
 */
export const binConfig: Options = {
  entry: { 'bin/ipam': 'src/bin/ipam.ts', 'bin/kubectl-ipam': 'src/bin/kubectl-ipam.ts' },
  format: ['cjs'],
  target: 'node20',
  platform: 'node',
  splitting: false,
  sourcemap: false,
  dts: false,
  clean: false,
  banner: { js: '#!/usr/bin/env node' },
};

export default defineConfig([tsupConfig({ clean: false }), binConfig]);
