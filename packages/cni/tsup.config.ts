import { defineConfig } from 'tsup';
import { tsupConfig } from '../../tsup.base';

export default defineConfig([
  tsupConfig({ clean: false }),
  // The `ipam-host-local` executable (package.json `bin`), with a shebang (tsup makes it executable): one
  // self-contained, minified, tree-shaken CommonJS file (@ipam/core bundled in), so that each invocation resolves
  // no package, reads one file and skips the ES module loader (measured: several ms of Node start-up).
  {
    entry: { 'bin/ipam-host-local': 'src/bin/ipam-host-local.ts' },
    format: ['cjs'],
    target: 'node20',
    platform: 'node',
    splitting: false,
    sourcemap: false,
    dts: false,
    clean: false,
    noExternal: ['@ipam/core'],
    minify: true,
    treeshake: true,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
