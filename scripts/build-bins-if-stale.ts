// Used by the vitest global setups of packages whose tests spawn their executables (packages/cluster, packages/cli):
// builds the executables alone (tsup, no declarations, about a second) when one is missing or older than the
// package's sources or the builds of the @ipam packages it loads, and leaves the library's dist alone.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Options } from 'tsup';

function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * buildBinsIfStale builds `config` in package directory `pkg` unless every file of `bins` (relative to `pkg`) is newer
 * than `src` and the `dist` of each package in `deps` (e.g. `@ipam/core`).
 */
export async function buildBinsIfStale(pkg: string, bins: readonly string[], deps: readonly string[], config: Options): Promise<void> {
  const inputs = Math.max(newest(join(pkg, 'src')), ...deps.map((d) => newest(join(pkg, 'node_modules', d, 'dist'))));
  if (bins.every((b) => existsSync(join(pkg, b)) && statSync(join(pkg, b)).mtimeMs >= inputs)) return;
  const cwd = process.cwd();
  process.chdir(pkg);
  try {
    await build({ ...config, config: false, silent: true });
  } finally {
    process.chdir(cwd);
  }
  for (const b of bins) if (!existsSync(join(pkg, b))) throw new Error(`global-setup: tsup did not write ${join(pkg, b)}`);
}
