// Builds the `ipam-cluster` executable (dist/bin/ipam-cluster.cjs) before the tests that spawn it, when it is missing
// or older than this package's sources or the builds of @ipam/core and @ipam/cni it bundles.
import { fileURLToPath } from 'node:url';
import { buildBinsIfStale } from '../../../scripts/build-bins-if-stale.js';
import { binConfig } from '../tsup.config.js';

export default async function setup(): Promise<void> {
  const pkg = fileURLToPath(new URL('..', import.meta.url));
  await buildBinsIfStale(pkg, ['dist/bin/ipam-cluster.cjs'], ['@ipam/core', '@ipam/cni'], binConfig);
}
