import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { ClusterNetwork } from '../../cluster-network.js';
import { discover } from '../../discover.js';

// Flannel's pools and node subnets, read through discover() from the fixtures in test/fixtures/plugins/flannel
// (sources in test/fixtures/plugins/SOURCES.md).

const fixture = (name: string): string => fileURLToPath(new URL(`../../../test/fixtures/plugins/flannel/${name}`, import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'ipam-flannel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `text` to a fresh file of that name and returns its path. */
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A compact view of the pools: name, prefixes, block size, options. */
function pools(n: ClusterNetwork): unknown[] {
  return n.pools.map((p) => ({ plugin: p.plugin, name: p.name, cidrs: p.cidrs.map(String), blockSize: p.blockSize, options: p.options }));
}

function blocks(n: ClusterNetwork): unknown[] {
  return n.blocks.map((b) => ({ plugin: b.plugin, pool: b.pool, cidr: String(b.cidr), node: b.node, allocations: b.allocations }));
}

function configMap(netConf: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-flannel-cfg', namespace: 'kube-flannel' }, data: { 'net-conf.json': netConf } });
}

describe('Flannel: the kube-flannel-cfg ConfigMap', () => {
  it.each([
    // [fixture, pools]
    ['kube-flannel.yml', [{ plugin: 'flannel', name: 'flannel', cidrs: ['10.244.0.0/16'], blockSize: 24, options: { 'Backend.Type': 'vxlan' } }]],
    [
      'net-conf-udp.yaml',
      [{ plugin: 'flannel', name: 'flannel', cidrs: ['10.0.0.0/8'], blockSize: 20, options: { 'Backend.Type': 'udp', SubnetMin: '10.10.0.0', SubnetMax: '10.99.0.0' } }],
    ],
    [
      'net-conf-dual-stack.yaml',
      [
        { plugin: 'flannel', name: 'flannel', cidrs: ['10.42.0.0/16'], blockSize: 24, options: { 'Backend.Type': 'vxlan' } },
        { plugin: 'flannel', name: 'flannel', cidrs: ['2001:cafe:42::/56'], blockSize: 64, options: { 'Backend.Type': 'vxlan' } },
      ],
    ],
  ])('reads %s', async (name, expected) => {
    const n = await discover({ files: [fixture(name)] });
    expect(pools(n)).toEqual(expected);
    expect(n.warnings).toEqual([]);
    expect(n.pools[0]!.from).toEqual({ file: fixture(name), object: expect.stringMatching(/^ConfigMap kube-(flannel|system)\/kube-flannel-cfg$/), path: 'data["net-conf.json"]: Network' });
  });

  it.each([
    // [Network, default SubnetLen] as flanneld's pkg/subnet/config.go chooses: /24 up to a /22, else four subnets
    ['10.244.0.0/16', 24],
    ['10.244.0.0/22', 24],
    ['10.244.0.0/23', 25],
    ['10.244.0.0/28', 30],
  ])('gives Network %s the default SubnetLen %i', async (network, len) => {
    const n = await discover({ files: [file(`len-${len}.json`, configMap(JSON.stringify({ Network: network })))] });
    expect(n.pools.map((p) => p.blockSize)).toEqual([len]);
  });

  it.each([
    // [net-conf.json, field path, reason]
    ['{"Network": "10.244.0.0/29"}', 'Network', /too small for flanneld/], // flanneld refuses networks smaller than /28
    ['{"Network": "10.244.0.0/16", "SubnetLen": 12}', 'SubnetLen', /does not fit in the network/], // subnets larger than the network
    ['{"Network": "10.244.0.0/16", "SubnetMin": "10.9.0.0"}', 'SubnetMin', /not in the network/], // flanneld refuses it too
    ['{"Network": "10.244.0.0/16", "SubnetLen": "24"}', 'SubnetLen', /expected a non-negative integer/], // a string, not a number
    ['{"Network": "10.244.0.0/33"}', 'Network', /./], // not a CIDR
    ['{"Network": "fd00::/48"}', 'Network', /not an IPv4 network/], // Network is the IPv4 network
  ])('warns about %s at data["net-conf.json"]: %s', async (netConf, path, reason) => {
    const f = file('bad.json', configMap(netConf));
    const n = await discover({ files: [f] });
    expect(n.warnings.length).toBeGreaterThan(0);
    const w = n.warnings[0]!;
    expect(w.from).toEqual({ file: f, object: 'ConfigMap kube-flannel/kube-flannel-cfg', path: `data["net-conf.json"]: ${path}` });
    expect(w.message).toMatch(reason);
  });

  it('warns about a net-conf.json that is not JSON, naming the ConfigMap and key, and reads the rest', async () => {
    const f = file('not-json.json', configMap('{"Network": '));
    const n = await discover({ files: [f] });
    expect(n.pools).toEqual([]);
    expect(n.warnings.map((w) => [w.code, w.from.object, w.from.path])).toEqual([['ERR_K8S_INPUT_INVALID', 'ConfigMap kube-flannel/kube-flannel-cfg', 'data["net-conf.json"]']]);
  });
});

describe('Flannel: node subnets', () => {
  it("gives each annotated node's pod CIDRs as blocks of the pool, without allocations (host-local keeps them on the node)", async () => {
    const n = await discover({ files: [fixture('net-conf-dual-stack.yaml'), fixture('nodes.yaml')] });
    expect(blocks(n)).toEqual([
      { plugin: 'flannel', pool: 'flannel', cidr: '10.42.0.0/24', node: 'node-0', allocations: undefined },
      { plugin: 'flannel', pool: 'flannel', cidr: '2001:cafe:42::/64', node: 'node-0', allocations: undefined },
      { plugin: 'flannel', pool: 'flannel', cidr: '10.42.1.0/24', node: 'node-1', allocations: undefined },
      { plugin: 'flannel', pool: 'flannel', cidr: '2001:cafe:42:1::/64', node: 'node-1', allocations: undefined },
    ]);
    expect(n.blocks[1]!.from).toEqual({ file: fixture('nodes.yaml'), object: 'Node node-0', path: 'spec.podCIDRs[1]' });
    expect(n.warnings).toEqual([]);
  });

  it('knows the node subnets from the annotations alone, with no pool when net-conf.json is not given (a dump has no ConfigMaps)', async () => {
    const n = await discover({ files: [fixture('nodes.yaml')] });
    expect(n.pools).toEqual([]);
    expect(blocks(n).map((b) => (b as { pool: unknown }).pool)).toEqual([undefined, undefined, undefined, undefined]);
    expect(n.blocks.map((b) => b.node)).toEqual(['node-0', 'node-0', 'node-1', 'node-1']);
  });

  it('takes the flanneld DaemonSet with --kube-subnet-mgr (as in a cluster-info dump) for flannel on unannotated nodes', async () => {
    const nodes = file('plain-nodes.json', JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'w1' }, spec: { podCIDR: '10.244.7.0/24' } }));
    const withFlannel = await discover({ files: [fixture('kube-flannel.yml'), nodes] });
    expect(blocks(withFlannel)).toEqual([{ plugin: 'flannel', pool: 'flannel', cidr: '10.244.7.0/24', node: 'w1', allocations: undefined }]);
    const without = await discover({ files: [nodes] });
    expect(without.blocks).toEqual([]);
  });

  it('reads the flanneld DaemonSet from a kubectl cluster-info dump (a DaemonSetList between the other lists)', async () => {
    const ds = parseAllDocuments(readFileSync(fixture('kube-flannel.yml'), 'utf8'))
      .map((d) => d.toJSON() as { kind: string })
      .filter((o) => o.kind === 'DaemonSet');
    const dump = [
      { kind: 'NodeList', apiVersion: 'v1', items: [{ metadata: { name: 'minikube' }, spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] } }] },
      { kind: 'EventList', apiVersion: 'v1', items: [] },
      { kind: 'DaemonSetList', apiVersion: 'apps/v1', items: ds },
      { kind: 'PodList', apiVersion: 'v1', items: [] },
    ]
      .map((d) => JSON.stringify(d, null, 4))
      .join('\n==== START logs for container kube-flannel of pod kube-flannel/kube-flannel-ds-x7k2p ====\nI1128 flanneld\n==== END logs for container kube-flannel of pod kube-flannel/kube-flannel-ds-x7k2p ====\n');
    const n = await discover({ dump });
    // A dump carries no ConfigMaps: the blocks are known, the pool is not.
    expect(n.pools).toEqual([]);
    expect(blocks(n)).toEqual([{ plugin: 'flannel', pool: undefined, cidr: '10.244.0.0/24', node: 'minikube', allocations: undefined }]);
    expect(n.warnings).toEqual([]);
  });

  it('gives no node blocks when flanneld uses etcd (no --kube-subnet-mgr): the node pod CIDRs are not its subnets', async () => {
    const ds = file(
      'etcd-flannel.json',
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'kube-flannel-ds', namespace: 'kube-system' },
        spec: { template: { spec: { containers: [{ name: 'kube-flannel', command: ['/opt/bin/flanneld'], args: ['--etcd-endpoints=http://10.0.0.2:2379'] }] } } },
      }),
    );
    const nodes = file('plain-nodes2.json', JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'w1' }, spec: { podCIDR: '10.244.7.0/24' } }));
    expect((await discover({ files: [ds, nodes] })).blocks).toEqual([]);
  });
});

describe('Flannel: /run/flannel/subnet.env', () => {
  it("reads the node's subnets and, with no ConfigMap, the networks as the pools (parsed by @ipam/cni)", async () => {
    const n = await discover({ files: [fixture('subnet.env')] });
    expect(pools(n)).toEqual([
      { plugin: 'flannel', name: 'flannel', cidrs: ['10.42.0.0/16'], blockSize: 24, options: {} },
      { plugin: 'flannel', name: 'flannel', cidrs: ['2001:cafe:42::/56'], blockSize: 64, options: {} },
    ]);
    expect(blocks(n)).toEqual([
      { plugin: 'flannel', pool: 'flannel', cidr: '10.42.0.0/24', node: undefined, allocations: undefined },
      { plugin: 'flannel', pool: 'flannel', cidr: '2001:cafe:42::/64', node: undefined, allocations: undefined },
    ]);
    expect(n.blocks[0]!.from).toEqual({ file: fixture('subnet.env'), path: 'FLANNEL_SUBNET' });
    expect(n.sources).toEqual([fixture('subnet.env')]);
  });

  it("does not repeat a subnet a node's pod CIDR already gives, and keeps the ConfigMap's pools", async () => {
    const n = await discover({ files: [fixture('net-conf-dual-stack.yaml'), fixture('nodes.yaml'), fixture('subnet.env')] });
    expect(n.blocks.map((b) => `${b.cidr}@${b.node}`)).toEqual(['10.42.0.0/24@node-0', '2001:cafe:42::/64@node-0', '10.42.1.0/24@node-1', '2001:cafe:42:1::/64@node-1']);
    expect(n.pools.map((p) => p.from.file)).toEqual([fixture('net-conf-dual-stack.yaml'), fixture('net-conf-dual-stack.yaml')]);
  });

  it('warns about a subnet.env that does not parse, naming the file and key', async () => {
    const f = file('subnet.env', 'FLANNEL_NETWORK=10.42.0.0/16\nFLANNEL_SUBNET=10.42.0.300/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n');
    const n = await discover({ files: [f] });
    expect(n.blocks).toEqual([]);
    expect(n.warnings.map((w) => [w.code, w.from])).toEqual([['ERR_K8S_INPUT_INVALID', { file: f, path: 'FLANNEL_SUBNET' }]]);
    expect(n.warnings[0]!.message).toMatch(/line 2/);
  });
});
