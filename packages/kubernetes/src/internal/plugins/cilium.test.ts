import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterNetwork } from '../../cluster-network.js';
import { discover } from '../../discover.js';
import { Collector } from '../collector.js';
import { readDocument } from '../objects.js';

// Cilium's pools, node blocks and allocations, read through discover() from the fixtures in
// test/fixtures/plugins/cilium (sources in test/fixtures/plugins/SOURCES.md).

const fixture = (name: string): string => fileURLToPath(new URL(`../../../test/fixtures/plugins/cilium/${name}`, import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'ipam-cilium-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let written = 0;
function file(...items: unknown[]): string {
  const path = join(dir, `objects-${++written}.json`);
  writeFileSync(path, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  return path;
}

function config(data: Record<string, string>): unknown {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cilium-config', namespace: 'kube-system' }, data };
}

function pools(n: ClusterNetwork): unknown[] {
  return n.pools.map((p) => ({ plugin: p.plugin, name: p.name, cidrs: p.cidrs.map(String), blockSize: p.blockSize, options: p.options }));
}

function blocks(n: ClusterNetwork): unknown[] {
  return n.blocks.map((b) => ({
    pool: b.pool,
    cidr: String(b.cidr),
    node: b.node,
    allocations: b.allocations?.map((a) => `${a.address} ${a.kind} ${a.pod ?? '-'} ${a.handle ?? '-'}`),
  }));
}

describe('Cilium: the cilium-config ConfigMap', () => {
  it.each([
    ['cilium-config.yaml', [{ plugin: 'cilium', name: 'cilium-cluster-pool', cidrs: ['10.0.0.0/8'], blockSize: 24, options: { ipam: 'cluster-pool' } }]],
    [
      'cilium-config-dual-stack.yaml',
      [
        { plugin: 'cilium', name: 'cilium-cluster-pool', cidrs: ['10.244.0.0/17', '10.244.128.0/17'], blockSize: 24, options: { ipam: 'cluster-pool' } },
        { plugin: 'cilium', name: 'cilium-cluster-pool', cidrs: ['fd00:10:244::/104'], blockSize: 120, options: { ipam: 'cluster-pool' } },
      ],
    ],
  ])('reads the cluster pool of %s', async (name, expected) => {
    const n = await discover({ files: [fixture(name)] });
    expect(pools(n)).toEqual(expected);
    expect(n.pools[0]!.from).toEqual({ file: fixture(name), object: 'ConfigMap kube-system/cilium-config', path: 'data["cluster-pool-ipv4-cidr"]' });
    expect(n.warnings).toEqual([]);
  });

  it.each([
    // [data, pools] — the defaults: ipam cluster-pool, IPv4 on and IPv6 off, masks /24 and /112
    [{ 'cluster-pool-ipv4-cidr': '10.1.0.0/16,10.2.0.0/16' }, [['10.1.0.0/16', '10.2.0.0/16'], 24]],
    [{ 'cluster-pool-ipv4-cidr': '10.1.0.0/16', 'enable-ipv4': 'false' }, []],
    [{ 'cluster-pool-ipv6-cidr': 'fd00::/104' }, []],
    [{ 'cluster-pool-ipv6-cidr': 'fd00::/104', 'enable-ipv6': 'true', 'enable-ipv4': 'false' }, [['fd00::/104'], 112]],
    [{ ipam: 'kubernetes', 'cluster-pool-ipv4-cidr': '10.1.0.0/16' }, []],
    [{ ipam: 'eni' }, []],
  ])('reads %j', async (data, expected) => {
    const n = await discover({ files: [file(config(data))] });
    expect(n.pools.map((p) => [p.cidrs.map(String), p.blockSize]).flat()).toEqual(expected);
    expect(n.warnings).toEqual([]);
  });

  it.each([
    // [data, field, reason]
    [{ 'cluster-pool-ipv4-cidr': '10.1.0.0/16', 'cluster-pool-ipv4-mask-size': 'big' }, 'data["cluster-pool-ipv4-mask-size"]', /not a mask size.*the default \/24 is used/],
    [{ 'cluster-pool-ipv4-cidr': '10.1.0.0/16', 'cluster-pool-ipv4-mask-size': '8' }, 'data["cluster-pool-ipv4-mask-size"]', /not a mask size for 10\.1\.0\.0\/16/],
    [{ 'cluster-pool-ipv4-cidr': 'fd00::/104' }, 'data["cluster-pool-ipv4-cidr"]', /not an IPv4 CIDR/],
    [{ 'cluster-pool-ipv4-cidr': '10.1.0.0/99' }, 'data["cluster-pool-ipv4-cidr"]', /./],
  ])('warns about %j at %s', async (data, path, reason) => {
    const f = file(config(data));
    const n = await discover({ files: [f] });
    expect(n.warnings.map((w) => [w.from.file, w.from.object, w.from.path])).toEqual([[f, 'ConfigMap kube-system/cilium-config', path]]);
    expect(n.warnings[0]!.message).toMatch(reason);
  });
});

describe('Cilium: CiliumNode and CiliumPodIPPool', () => {
  it("gives each CiliumNode's pod CIDRs as blocks of the cluster pool, with status.ipam.used as allocations", async () => {
    const n = await discover({ files: [fixture('cilium-config.yaml'), fixture('ciliumnodes.yaml')] });
    expect(blocks(n)).toEqual([
      {
        pool: 'cilium-cluster-pool',
        cidr: '10.0.1.0/24',
        node: 'worker-1',
        allocations: [
          '10.0.1.157 tunnel - router',
          '10.0.1.23 other - health',
          '10.0.1.88 pod kube-system/coredns-5d78c9869d-7gq2x kube-system/coredns-5d78c9869d-7gq2x',
        ],
      },
      // No status.ipam.used: the cluster-pool agent keeps its allocations on the node.
      { pool: 'cilium-cluster-pool', cidr: '10.0.2.0/24', node: 'worker-2', allocations: undefined },
    ]);
    expect(n.blocks[0]!.from).toEqual({ file: fixture('ciliumnodes.yaml'), object: 'CiliumNode worker-1', path: 'spec.ipam.podCIDRs[0]' });
    expect(n.blocks.every((b) => b.plugin === 'cilium')).toBe(true);
    expect(n.warnings).toEqual([]);
  });

  it('reads multi-pool IPAM: the auto-created pool, a CiliumPodIPPool, and node blocks of each pool', async () => {
    const n = await discover({ files: [fixture('multi-pool.yaml')] });
    expect(pools(n)).toEqual([
      { plugin: 'cilium', name: 'default', cidrs: ['10.10.0.0/16'], blockSize: 24, options: { ipam: 'multi-pool' } },
      { plugin: 'cilium', name: 'mars', cidrs: ['10.20.0.0/16'], blockSize: 27, options: { ipam: 'multi-pool' } },
    ]);
    expect(blocks(n)).toEqual([
      { pool: 'default', cidr: '10.10.3.0/24', node: 'kind-worker', allocations: ['10.10.3.12 pod default/earth-app-5c5b4f7b9d-zx8mn default/earth-app-5c5b4f7b9d-zx8mn'] },
      { pool: 'mars', cidr: '10.20.0.64/27', node: 'kind-worker', allocations: ['10.20.0.70 pod default/mars-app-7d9f6b8c5-kq2lp default/mars-app-7d9f6b8c5-kq2lp'] },
    ]);
  });

  it('lets a CiliumPodIPPool replace the auto-created pool of the same name', async () => {
    const pool = { apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumPodIPPool', metadata: { name: 'default' }, spec: { ipv4: { cidrs: ['10.99.0.0/16'], maskSize: 26 } } };
    const n = await discover({ files: [fixture('multi-pool.yaml'), file(pool)] });
    expect(n.pools.map((p) => `${p.name} ${p.cidrs.join(',')}/${p.blockSize}`)).toEqual(['mars 10.20.0.0/16/27', 'default 10.99.0.0/16/26']);
  });

  it("gives the nodes' spec.podCIDRs as Cilium blocks in ipam: kubernetes mode", async () => {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { podCIDRs: ['10.244.1.0/24', 'fd00:1::/64'] } };
    const n = await discover({ files: [file(config({ ipam: 'kubernetes' }), node)] });
    expect(n.pools).toEqual([]);
    expect(blocks(n)).toEqual([
      { pool: undefined, cidr: '10.244.1.0/24', node: 'n1', allocations: undefined },
      { pool: undefined, cidr: 'fd00:1::/64', node: 'n1', allocations: undefined },
    ]);
    const clusterPool = await discover({ files: [file(config({ 'cluster-pool-ipv4-cidr': '10.0.0.0/8' }), node)] });
    expect(clusterPool.blocks).toEqual([]);
  });

  it.each([
    // [object, field path, reason]
    [{ apiVersion: 'cilium.io/v2', kind: 'CiliumNode', metadata: { name: 'w' }, spec: { ipam: { podCIDRs: ['10.0.1.0/33'] } } }, 'spec.ipam.podCIDRs[0]', /./],
    [{ apiVersion: 'cilium.io/v2', kind: 'CiliumNode', metadata: { name: 'w' }, spec: { ipam: { podCIDRs: '10.0.1.0/24' } } }, 'spec.ipam.podCIDRs', /expected a list/],
    [
      { apiVersion: 'cilium.io/v2', kind: 'CiliumNode', metadata: { name: 'w' }, spec: { ipam: { podCIDRs: ['10.0.1.0/24'] } }, status: { ipam: { used: { '10.0.9.1': { owner: 'default/x' } } } } },
      'status.ipam.used["10.0.9.1"]',
      /10\.0\.9\.1 is in none of the node's pod CIDRs \(10\.0\.1\.0\/24\)/,
    ],
    [{ apiVersion: 'cilium.io/v2', kind: 'CiliumNode', metadata: { name: 'w' }, status: { ipam: { used: { 'not-an-ip': {} } } } }, 'status.ipam.used["not-an-ip"]', /./],
    [{ apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumPodIPPool', metadata: { name: 'p' }, spec: { ipv4: { cidrs: ['10.5.0.0/16'], maskSize: 8 } } }, 'spec.ipv4.maskSize', /mask size 8 does not fit/],
    [{ apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumPodIPPool', metadata: { name: 'p' }, spec: { ipv4: { cidrs: ['fd00::/48'], maskSize: 64 } } }, 'spec.ipv4.cidrs[0]', /not an IPv4 CIDR/],
  ])('warns about %j at %s', async (object, path, reason) => {
    const f = file(object);
    const n = await discover({ files: [f] });
    expect(n.warnings.map((w) => [w.from.file, w.from.object, w.from.path])).toEqual([[f, `${(object as { kind: string }).kind} ${(object as { metadata: { name: string } }).metadata.name}`, path]]);
    expect(n.warnings[0]!.message).toMatch(reason);
  });
});

describe('Cilium: status.ipam.used, property', () => {
  it('puts every used address in the one pod CIDR of its node that contains it, and warns about the others', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.record({ cidr: fc.nat(), host: fc.integer({ min: 0, max: 15 }), outside: fc.boolean() }), { maxLength: 20 }),
        (subnets, picks) => {
          // Pod CIDRs 10.7.<s>.0/28; an "outside" address is taken from 10.8.<s>.0/28, in none of them.
          const podCIDRs = subnets.map((s) => `10.7.${s}.0/28`);
          const used: Record<string, { owner: string }> = {};
          for (const p of picks) used[`10.${p.outside ? 8 : 7}.${subnets[p.cidr % subnets.length]}.${p.host}`] = { owner: `ns/pod-${p.host}` };
          const col = new Collector();
          readDocument(col, { apiVersion: 'cilium.io/v2', kind: 'CiliumNode', metadata: { name: 'n' }, spec: { ipam: { podCIDRs } }, status: { ipam: { used } } }, { file: undefined });
          const n = col.build();
          const addresses = Object.keys(used);
          const inside = addresses.filter((a) => a.startsWith('10.7.'));
          expect(n.blocks.map((b) => String(b.cidr))).toEqual(podCIDRs);
          for (const b of n.blocks) {
            expect(b.allocations!.every((a) => b.cidr.contains(a.address))).toBe(true);
            expect(b.allocations!.map((a) => String(a.address)).sort()).toEqual(inside.filter((a) => a.split('.')[2] === String(b.cidr).split('.')[2]).sort());
          }
          expect(n.blocks.reduce((k, b) => k + b.allocations!.length, 0)).toBe(inside.length);
          expect(n.warnings.map((w) => w.from.path).sort()).toEqual(addresses.filter((a) => a.startsWith('10.8.')).map((a) => `status.ipam.used["${a}"]`).sort());
        },
      ),
      { numRuns: 100 },
    );
  });
});
