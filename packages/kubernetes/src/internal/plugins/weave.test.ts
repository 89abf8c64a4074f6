import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { discover } from '../../discover.js';

// Weave Net's allocation range, read through discover() from the fixtures in test/fixtures/plugins/weave.

const fixture = (name: string): string => fileURLToPath(new URL(`../../../test/fixtures/plugins/weave/${name}`, import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'ipam-weave-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Weave: the weave-net DaemonSet', () => {
  it.each([
    // [fixture, range, where it was read]
    ['weave-daemonset-k8s-1.11.yaml', '10.32.0.0/12', 'spec.template.spec.containers[0]'],
    ['weave-ipalloc-range.yaml', '10.40.0.0/16', 'spec.template.spec.containers[0].env[0].value'],
  ])('reads %s as the pool %s (IPALLOC_RANGE, else Weave\'s default)', async (name, range, path) => {
    const n = await discover({ files: [fixture(name)] });
    expect(n.pools.map((p) => ({ plugin: p.plugin, name: p.name, cidrs: p.cidrs.map(String), blockSize: p.blockSize, disabled: p.disabled }))).toEqual([
      { plugin: 'weave', name: 'weave', cidrs: [range], blockSize: undefined, disabled: false },
    ]);
    expect(n.pools[0]!.from).toEqual({ file: fixture(name), object: 'DaemonSet kube-system/weave-net', path });
    expect(n.blocks).toEqual([]);
    expect(n.warnings).toEqual([]);
  });

  it('warns about an IPALLOC_RANGE that is not a CIDR, naming the env entry, and gives no pool', async () => {
    const f = join(dir, 'bad.json');
    writeFileSync(
      f,
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'weave-net', namespace: 'kube-system' },
        spec: { template: { spec: { containers: [{ name: 'weave', env: [{ name: 'IPALLOC_RANGE', value: '10.40.0.0/40' }] }] } } },
      }),
    );
    const n = await discover({ files: [f] });
    expect(n.pools).toEqual([]);
    expect(n.warnings.map((w) => [w.code, w.from.object, w.from.path])).toEqual([['ERR_K8S_INVALID_CIDR', 'DaemonSet kube-system/weave-net', 'spec.template.spec.containers[0].env[0].value']]);
  });

  it('reads nothing from DaemonSets without a weave container', async () => {
    const n = await discover({ files: [fileURLToPath(new URL('../../../test/fixtures/plugins/flannel/kube-flannel.yml', import.meta.url))] });
    expect(n.pools.filter((p) => p.plugin === 'weave')).toEqual([]);
  });
});
