import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Prefix } from '@ipam/core';
import fc from 'fast-check';
import { format } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { ClusterNetwork } from '../../cluster-network.js';
import { discover } from '../../discover.js';
import { Collector } from '../collector.js';
import { readDocument } from '../objects.js';

// Calico's pools, blocks and allocations, read through discover() from the fixtures in test/fixtures/plugins/calico
// (sources in test/fixtures/plugins/SOURCES.md).

const fixture = (name: string): string => fileURLToPath(new URL(`../../../test/fixtures/plugins/calico/${name}`, import.meta.url));
const KUBEADM = fileURLToPath(new URL('../../../test/fixtures/kubeadm/kubeadm-v1beta3.yaml', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'ipam-calico-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let written = 0;
/** Writes objects as a JSON List to a fresh file and returns its path. */
function file(...items: unknown[]): string {
  const path = join(dir, `objects-${++written}.json`);
  writeFileSync(path, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  return path;
}

function pools(n: ClusterNetwork): unknown[] {
  return n.pools.map((p) => ({ name: p.name, cidrs: p.cidrs.map(String), blockSize: p.blockSize, disabled: p.disabled, options: p.options }));
}

/** The items of the IPAM fixture, as plain objects to change for the malformed cases. */
function ipamItems(): Record<string, any>[] {
  return (parseYaml(readFileSync(fixture('ipam.yaml'), 'utf8')) as { items: Record<string, any>[] }).items;
}

const BLOCK = (): Record<string, any> => ipamItems().find((o) => o['kind'] === 'IPAMBlock')!;

describe('Calico: IPPool', () => {
  it.each([
    ['ippool-v3.yaml', [{ name: 'my.ippool-1', cidrs: ['10.1.0.0/16'], blockSize: 26, disabled: false, options: { ipipMode: 'CrossSubnet', natOutgoing: true, nodeSelector: 'all()', allowedUses: ['Workload', 'Tunnel'] } }]],
    [
      'ippools-crd.json',
      [
        { name: 'default-ipv4-ippool', cidrs: ['10.244.0.0/16'], blockSize: 26, disabled: false, options: { ipipMode: 'Always', vxlanMode: 'Never', natOutgoing: true, nodeSelector: 'all()', allowedUses: ['Workload', 'Tunnel'] } },
        { name: 'default-ipv6-ippool', cidrs: ['fd5a:6c3e:8b21::/48'], blockSize: 122, disabled: false, options: { ipipMode: 'Never', vxlanMode: 'Never', nodeSelector: 'all()', allowedUses: ['Workload', 'Tunnel'] } },
      ],
    ],
  ])('reads %s (projectcalico.org/v3 and crd.projectcalico.org/v1)', async (name, expected) => {
    const n = await discover({ files: [fixture(name)] });
    expect(pools(n)).toEqual(expected);
    expect(n.pools.every((p) => p.plugin === 'calico')).toBe(true);
    expect(n.warnings).toEqual([]);
  });

  it('defaults blockSize to 26 (IPv4) and 122 (IPv6), and reads disabled', async () => {
    const n = await discover({
      files: [
        file(
          { apiVersion: 'crd.projectcalico.org/v1', kind: 'IPPool', metadata: { name: 'a' }, spec: { cidr: '10.9.0.0/16', disabled: true } },
          { apiVersion: 'crd.projectcalico.org/v1', kind: 'IPPool', metadata: { name: 'b' }, spec: { cidr: 'fd00:9::/48' } },
        ),
      ],
    });
    expect(n.pools.map((p) => [p.name, p.blockSize, p.disabled])).toEqual([
      ['a', 26, true],
      ['b', 122, false],
    ]);
  });

  it('passes over IPPools of other API groups (kube-ovn, ...)', async () => {
    const n = await discover({ files: [file({ apiVersion: 'kubeovn.io/v1', kind: 'IPPool', metadata: { name: 'x' }, spec: { cidr: '10.9.0.0/16' } })] });
    expect(n.pools).toEqual([]);
    expect(n.warnings).toEqual([]);
  });
});

describe('Calico: the default pools of the calico-node DaemonSet (what a cluster-info dump carries)', () => {
  it('gives default-ipv4-ippool 192.168.0.0/16 with the environment of the manifest, when no IPPool is given', async () => {
    const n = await discover({ files: [fixture('calico-node-daemonset.yaml')] });
    expect(pools(n)).toEqual([{ name: 'default-ipv4-ippool', cidrs: ['192.168.0.0/16'], blockSize: 26, disabled: false, options: { ipipMode: 'Always', vxlanMode: 'Never' } }]);
    expect(n.pools[0]!.from).toEqual({ file: fixture('calico-node-daemonset.yaml'), object: 'DaemonSet kube-system/calico-node' });
  });

  it("takes kubeadm's podSubnet when CALICO_IPV4POOL_CIDR is not set, as calico-node does", async () => {
    const n = await discover({ files: [KUBEADM, fixture('calico-node-daemonset.yaml')] });
    const kubeadm = n.settings.find((s) => s.name === 'clusterCIDR' && s.source === 'kubeadm');
    expect(kubeadm).toBeDefined();
    expect(n.pools.map((p) => p.cidrs.map(String))).toEqual([(kubeadm!.value as Prefix[]).filter((p) => p.family === 4).map(String)]);
  });

  it('reads CALICO_IPV4POOL_CIDR, _BLOCK_SIZE, _NAT_OUTGOING and CALICO_IPV6POOL_CIDR', async () => {
    const env = [
      { name: 'CALICO_IPV4POOL_CIDR', value: '10.200.0.0/16' },
      { name: 'CALICO_IPV4POOL_BLOCK_SIZE', value: '24' },
      { name: 'CALICO_IPV4POOL_NAT_OUTGOING', value: 'false' },
      { name: 'CALICO_IPV6POOL_CIDR', value: 'fd00:200::/48' },
    ];
    const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'calico-node', namespace: 'kube-system' }, spec: { template: { spec: { containers: [{ name: 'calico-node', env }] } } } };
    const n = await discover({ files: [file(ds)] });
    expect(pools(n)).toEqual([
      { name: 'default-ipv4-ippool', cidrs: ['10.200.0.0/16'], blockSize: 24, disabled: false, options: { natOutgoing: false } },
      { name: 'default-ipv6-ippool', cidrs: ['fd00:200::/48'], blockSize: 122, disabled: false, options: {} },
    ]);
    expect(n.pools[0]!.from.path).toBe('spec.template.spec.containers[0].env[0].value');
  });

  it('gives no default pool with NO_DEFAULT_POOLS=true', async () => {
    const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'calico-node', namespace: 'kube-system' }, spec: { template: { spec: { containers: [{ name: 'calico-node', env: [{ name: 'NO_DEFAULT_POOLS', value: 'true' }] }] } } } };
    expect((await discover({ files: [file(ds)] })).pools).toEqual([]);
  });

  it('keeps the IPPool objects and drops the env default of a family that has one, without a warning', async () => {
    const n = await discover({ files: [fixture('calico-node-daemonset.yaml'), fixture('ippools-crd.json')] });
    expect(n.pools.map((p) => `${p.name} ${p.cidrs.join(',')}`)).toEqual(['default-ipv4-ippool 10.244.0.0/16', 'default-ipv6-ippool fd5a:6c3e:8b21::/48']);
    expect(n.pools[0]!.from.file).toBe(fixture('ippools-crd.json'));
    expect(n.warnings).toEqual([]);
  });

  it('warns about a CALICO_IPV4POOL_CIDR that is not a CIDR, naming the env entry', async () => {
    const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'calico-node', namespace: 'kube-system' }, spec: { template: { spec: { containers: [{ name: 'calico-node', env: [{ name: 'CALICO_IPV4POOL_CIDR', value: '10.200.0.0/33' }] }] } } } };
    const n = await discover({ files: [file(ds)] });
    expect(n.pools).toEqual([]);
    expect(n.warnings.map((w) => [w.code, w.from.object, w.from.path])).toEqual([['ERR_K8S_INVALID_CIDR', 'DaemonSet kube-system/calico-node', 'spec.template.spec.containers[0].env[0].value']]);
  });
});

describe('Calico: IPAMBlock, BlockAffinity, IPAMHandle', () => {
  it('gives each block its exact allocations (address = block base + ordinal), its node and its pool', async () => {
    const n = await discover({ files: [fixture('ippools-crd.json'), fixture('ipam.yaml')] });
    expect(n.warnings).toEqual([]);
    expect(n.blocks.map((b) => ({ cidr: String(b.cidr), pool: b.pool, node: b.node, object: b.from.object, allocations: b.allocations?.map((a) => ({ ...a, address: String(a.address) })) }))).toEqual([
      {
        cidr: '10.244.3.0/26',
        pool: 'default-ipv4-ippool',
        node: 'node-3',
        object: 'IPAMBlock 10-244-3-0-26',
        allocations: [
          { address: '10.244.3.0', handle: 'ipip-tunnel-addr-node-3', kind: 'tunnel', pod: undefined, node: 'node-3' },
          { address: '10.244.3.1', handle: 'k8s-pod-network.6bf5918459e920bb5adae8e14a8424dd69dba59383927e68f49c77c49a0d531d', kind: 'pod', pod: 'default/web-0', node: 'node-3' },
          { address: '10.244.3.2', handle: 'k8s-pod-network.96cf4584a0f7ec99f317ee676c1030b1a6e06d54e859d0f573af392bd393b518', kind: 'pod', pod: 'kube-system/coredns-7db6d8ff4d-x2vbq', node: 'node-3' },
          { address: '10.244.3.5', handle: 'k8s-pod-network.0c2d4e8e9b0a4f6e8d7c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e', kind: 'pod', pod: 'default/web-1', node: 'node-3' },
        ],
      },
      // A BlockAffinity whose IPAMBlock was not given: the block is known, its allocations are not.
      { cidr: '10.244.3.64/26', pool: 'default-ipv4-ippool', node: 'node-4', object: 'BlockAffinity node-4-10-244-3-64-26', allocations: undefined },
    ]);
  });

  it('reads a block with no pool given, leaving its pool undefined', async () => {
    const n = await discover({ files: [fixture('ipam.yaml')] });
    expect(n.blocks.map((b) => b.pool)).toEqual([undefined, undefined]);
  });

  type Case = readonly [string, (items: Record<string, any>[]) => void, string, string, RegExp, number];
  const block = (items: Record<string, any>[]): Record<string, any> => items.find((o) => o['kind'] === 'IPAMBlock')!['spec'];
  it.each<Case>([
    // [case, change, object, field path, reason, allocations then read]
    ['an allocation that is not an index', (i) => (block(i)['allocations'][3] = 'x'), 'IPAMBlock 10-244-3-0-26', 'spec.allocations[3]', /expected an attribute index or null, found string "x"/, 4],
    ['an index past the attributes', (i) => (block(i)['allocations'][5] = 9), 'IPAMBlock 10-244-3-0-26', 'spec.allocations[5]', /attribute index 9 names no attribute/, 4],
    ['an ordinal past the block', (i) => block(i)['allocations'].push(1), 'IPAMBlock 10-244-3-0-26', 'spec.allocations[64]', /ordinal 64 is outside the block 10\.244\.3\.0\/26/, 4],
    ['an ordinal in neither list', (i) => block(i)['unallocated'].pop(), 'IPAMBlock 10-244-3-0-26', 'spec.unallocated', /ordinals 3 are neither allocated nor unallocated/, 4],
    ['an allocated ordinal listed as free', (i) => block(i)['unallocated'].push(1), 'IPAMBlock 10-244-3-0-26', 'spec.unallocated[60]', /ordinal 1 is listed as unallocated but is allocated/, 4],
    ['a secondary that is not an object', (i) => (block(i)['attributes'][1]['secondary'] = 'web-0'), 'IPAMBlock 10-244-3-0-26', 'spec.attributes[1].secondary', /expected an object/, 4],
    ['a block without a cidr', (i) => delete block(i)['cidr'], 'IPAMBlock 10-244-3-0-26', 'spec.cidr', /missing; skipped/, 0],
    ['a block whose cidr does not parse', (i) => (block(i)['cidr'] = '10.244.3.0/a'), 'IPAMBlock 10-244-3-0-26', 'spec.cidr', /./, 0],
    [
      'a handle whose count disagrees with the block',
      (i) => (i.find((o) => o['metadata']['name'] === 'ipip-tunnel-addr-node-3')!['spec']['block']['10.244.3.0/26'] = 2),
      'IPAMHandle ipip-tunnel-addr-node-3',
      'spec.block["10.244.3.0/26"]',
      /holds 2 address\(es\) in 10\.244\.3\.0\/26, but IPAMBlock 10-244-3-0-26 records 1/,
      4,
    ],
    [
      'an affinity that names another node than the block',
      (i) => (i.find((o) => o['metadata']['name'] === 'node-3-10-244-3-0-26')!['spec']['node'] = 'node-9'),
      'BlockAffinity node-3-10-244-3-0-26',
      'spec.node',
      /names node "node-9", but IPAMBlock 10-244-3-0-26 is affine to "node-3"/,
      4,
    ],
  ])('warns about %s, naming the object and field, and reads the rest', async (_case, change, object, path, reason, count) => {
    const items = ipamItems();
    change(items);
    const f = file(...items);
    const n = await discover({ files: [f] });
    expect(n.warnings.map((w) => [w.code, w.from.object, w.from.path])).toEqual([[expect.stringMatching(/^ERR_K8S_INVALID_CIDR|ERR_K8S_INPUT_INVALID$/), object, path]]);
    expect(n.warnings[0]!.message).toMatch(reason);
    expect(n.warnings[0]!.from.file).toBe(f);
    const b = n.blocks.find((x) => x.from.object === 'IPAMBlock 10-244-3-0-26');
    expect(b?.allocations?.length ?? 0).toBe(count);
  });

  it('passes over blocks, affinities and handles Calico marks as deleted (being torn down), without a warning', async () => {
    const items = ipamItems();
    for (const o of items) o['spec']['deleted'] = o['kind'] === 'BlockAffinity' ? 'true' : true;
    const n = await discover({ files: [file(...items)] });
    expect(n.blocks).toEqual([]);
    expect(n.warnings).toEqual([]);
  });

  it('warns about an object without a name or a spec, naming its kind, and skips it', async () => {
    const f = file(
      { apiVersion: 'crd.projectcalico.org/v1', kind: 'IPAMBlock', metadata: {}, spec: { cidr: '10.244.9.0/26', allocations: [] } },
      { apiVersion: 'crd.projectcalico.org/v1', kind: 'IPPool', metadata: { name: 'p' } },
    );
    const n = await discover({ files: [f] });
    expect(n.blocks).toEqual([]);
    expect(n.pools).toEqual([]);
    expect(n.warnings.map((w) => [w.from.object, w.from.path ?? '', w.message.endsWith('skipped')])).toEqual([
      ['IPAMBlock', '', true],
      ['IPPool p', 'spec', true],
    ]);
  });

  it('warns about an IPPool whose block size Calico refuses, and skips it', async () => {
    const n = await discover({
      files: [
        file(
          { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'small' }, spec: { cidr: '10.9.0.0/16', blockSize: 19 } },
          { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'tiny' }, spec: { cidr: '10.8.0.0/27', blockSize: 26 } },
          { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'ok' }, spec: { cidr: '10.7.0.0/16', blockSize: 28 } },
        ),
      ],
    });
    expect(n.pools.map((p) => p.name)).toEqual(['ok']);
    expect(n.warnings.map((w) => [w.from.object, w.from.path, /outside 20\.\.32|larger than the pool/.test(w.message)])).toEqual([
      ['IPPool small', 'spec.blockSize', true],
      ['IPPool tiny', 'spec.blockSize', true],
    ]);
  });
});

describe('Calico: IPAMBlock allocations, property', () => {
  /** A consistent block as libcalico-go keeps it: allocated ordinals point at attributes, the others are in unallocated once. */
  const arbBlock = fc
    .record({
      v6: fc.boolean(),
      hostBits: fc.integer({ min: 2, max: 8 }),
      base: fc.integer({ min: 1, max: 250 }),
      seed: fc.array(fc.boolean(), { minLength: 256, maxLength: 256 }),
      order: fc.array(fc.nat(), { minLength: 256, maxLength: 256 }),
    })
    .map(({ v6, hostBits, base, seed, order }) => {
      const size = 1 << hostBits;
      const cidr = Prefix.parse(v6 ? `fd00:${base}::/${128 - hostBits}` : `10.${base}.0.0/${32 - hostBits}`);
      const allocated = seed.slice(0, size).map((s, i) => s && i % 3 !== 2);
      const allocations = allocated.map((a, i) => (a ? i : null));
      const attributes = allocated.map((_, i) => ({ handle_id: `h-${i}`, secondary: { namespace: 'ns', pod: `p-${i}`, node: 'n' } }));
      const free = allocated.flatMap((a, i) => (a ? [] : [i]));
      const unallocated = free.map((o, k) => [order[k]!, o] as const).sort((x, y) => x[0] - y[0]).map(([, o]) => o);
      return { cidr, size, allocated, object: { apiVersion: 'crd.projectcalico.org/v1', kind: 'IPAMBlock', metadata: { name: 'b' }, spec: { cidr: cidr.toString(), affinity: 'host:n', allocations, attributes, unallocated, strictAffinity: false } } };
    });

  function read(object: unknown): ClusterNetwork {
    const col = new Collector();
    readDocument(col, object, { file: undefined });
    return col.build();
  }

  it('maps every allocated ordinal to exactly one address inside the block (base + ordinal), with no warning', () => {
    fc.assert(
      fc.property(arbBlock, ({ cidr, size, allocated, object }) => {
        const n = read(object);
        expect(n.warnings).toEqual([]);
        const got = n.blocks[0]!.allocations!;
        const expected: string[] = [];
        for (let i = 0; i < size; i++) if (allocated[i]) expected.push(cidr.addr.add(i)!.toString());
        expect(got.map((a) => a.address.toString())).toEqual(expected);
        expect(got.every((a) => cidr.contains(a.address))).toBe(true);
        expect(new Set(got.map((a) => a.address.toString())).size).toBe(got.length);
        expect(got.map((a) => a.pod)).toEqual(expected.map((_, k) => `ns/p-${allocated.flatMap((x, i) => (x ? [i] : []))[k]}`));
      }),
      { numRuns: 150 },
    );
  });

  it('warns exactly when allocated ∪ unallocated is not the block: an ordinal dropped from unallocated is named', () => {
    fc.assert(
      fc.property(arbBlock, fc.nat(), ({ allocated, object }, k) => {
        const free = object.spec.unallocated;
        fc.pre(free.length > 0);
        const dropped = free[k % free.length]!;
        const broken = { ...object, spec: { ...object.spec, unallocated: free.filter((o) => o !== dropped) } };
        const n = read(broken);
        expect(n.warnings.map((w) => w.from.path)).toEqual(['spec.unallocated']);
        expect(n.warnings[0]!.message).toContain(`ordinals ${dropped} are neither`);
        expect(n.blocks[0]!.allocations!.length).toBe(allocated.filter(Boolean).length);
      }),
      { numRuns: 100 },
    );
  });
});

describe("Calico: the README's plugin example", () => {
  it('prints what its comments say, for the Calico fixtures', async () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const block = /## The CNI plugins' own pools[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    const input = join(dir, 'calico-ipam.yaml');
    writeFileSync(input, `${toYaml(JSON.parse(readFileSync(fixture('ippools-crd.json'), 'utf8')))}---\n${readFileSync(fixture('ipam.yaml'), 'utf8')}`);
    const printed: string[] = [];
    const console = { log: (...args: unknown[]) => printed.push(format(...args)) };
    const run = new Function('discover', 'console', `return (async () => {\n${block.replace("'calico-ipam.yaml'", JSON.stringify(input))}\n})();`);
    await run(discover, console);
    const said = block.split('\n').filter((l) => l.startsWith('// ') && !l.startsWith('// kubectl')).map((l) => l.slice(3));
    expect(said.length).toBe(2);
    expect(printed[0]).toBe(said[0]);
    const shown = said[1]!.replace(', ... ]', '');
    expect(printed.find((l) => l.startsWith('10.244.3.0/26'))!.replace(/\s+/g, ' ')).toContain(shown);
  });
});
