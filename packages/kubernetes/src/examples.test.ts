/**
 * The repository's examples run as users run them: as a child process against the built packages, checked for what
 * they must print. (`pnpm start`, the README's first command, runs the `ipam` CLI: packages/cli/src/cli.test.ts tests it.)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const run = (script: string, ...args: string[]) =>
  execFileSync(process.execPath, [`examples/${script}`, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

describe('examples/audit-cluster.mjs', () => {
  it('audits the embedded example cluster and plans its replacement', () => {
    const out = run('audit-cluster.mjs');
    expect(out).toContain('Cluster: 5 nodes, 17 pods, 5 Services');
    expect(out).toContain('Findings: 5 errors, 1 warning, 0 info');
    for (const code of [
      'NODE_POD_CIDRS_OVERLAP',
      'POD_IP_DUPLICATE',
      'POD_IP_OUTSIDE_CLUSTER_CIDR',
      'SERVICE_CIDR_OVERLAPS_EXTERNAL',
      'SERVICE_IP_OUTSIDE_SERVICE_CIDR',
      'CLUSTER_CIDR_SETTINGS_DISAGREE',
    ]) {
      expect(out).toContain(code);
    }
    // The plan stays clear of the ranges the audited cluster and its VPN use.
    expect(out).toContain('--cluster-cidr=10.0.0.0/17,');
    expect(out).toContain('--service-cluster-ip-range=10.0.128.0/22,');
  });

  it('takes a dump file and external networks from the command line', () => {
    const minikube = fileURLToPath(new URL('../../../../shared/corpus/cluster-info-dump-minikube-excerpt.txt', import.meta.url));
    const out = run('audit-cluster.mjs', minikube, '192.168.59.0/24');
    expect(out).toContain('Cluster: 1 node, 2 pods, 0 Services');
    expect(out).toContain('cluster CIDR 10.244.0.0/16; service CIDR 10.96.0.0/12');
    expect(out).toContain('external networks: 192.168.59.0/24');
  });
});

describe('examples/carve-cluster.mjs', () => {
  it('carves node, service and pod space around the networks in use', () => {
    const out = run('carve-cluster.mjs');
    expect(out).toMatch(/10\.\d+\.\d+\.\d+\/16/);
    expect(out).toContain('worker-1');
  });
});
