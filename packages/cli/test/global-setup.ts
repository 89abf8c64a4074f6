// Builds the `ipam` and `kubectl-ipam` executables before the tests that spawn them, when they are stale.
import { fileURLToPath } from 'node:url';
import { buildBinsIfStale } from '../../../scripts/build-bins-if-stale.js';
import { binConfig } from '../tsup.config.js';

export default async function setup(): Promise<void> {
  const pkg = fileURLToPath(new URL('..', import.meta.url));
  await buildBinsIfStale(pkg, ['dist/bin/ipam.cjs', 'dist/bin/kubectl-ipam.cjs'], ['@ipam/core', '@ipam/cni', '@ipam/kubernetes'], binConfig);
}
