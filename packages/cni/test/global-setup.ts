// Builds @ipam/cni's dist (the `ipam-host-local` executable) before the tests that spawn it, when it is missing
// or older than the sources.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export default function setup(): void {
  const pkg = fileURLToPath(new URL('..', import.meta.url));
  const bin = join(pkg, 'dist/bin/ipam-host-local.cjs');
  if (existsSync(bin) && statSync(bin).mtimeMs >= newest(join(pkg, 'src'))) return;
  execFileSync(process.execPath, [join(pkg, 'node_modules/tsup/dist/cli-default.js')], { cwd: pkg, stdio: 'inherit' });
}
