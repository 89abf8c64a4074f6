// Builds the `ipam` and `kubectl-ipam` executables (dist/bin/*.cjs) before the tests that spawn it, when it is missing
// or older than this package's sources or the builds of the @ipam packages it loads. Only the executable is
// built (no declarations), so this costs about a second and leaves the library's dist alone.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { binConfig } from '../tsup.config.js';

function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export default async function setup(): Promise<void> {
  const pkg = fileURLToPath(new URL('..', import.meta.url));
  const bin = join(pkg, 'dist/bin/ipam.cjs');
  const deps = ['src', 'node_modules/@ipam/core/dist', 'node_modules/@ipam/cni/dist', 'node_modules/@ipam/kubernetes/dist'].map((d) => newest(join(pkg, d)));
  if (existsSync(bin) && statSync(bin).mtimeMs >= Math.max(...deps)) return;
  const cwd = process.cwd();
  process.chdir(pkg);
  try {
    await build({ ...binConfig, config: false, silent: true });
  } finally {
    process.chdir(cwd);
  }
  if (!existsSync(bin)) throw new Error(`global-setup: tsup did not write ${bin}`);
}
