import { fileURLToPath } from 'node:url';
import { Addr, IPRange, Prefix, SPECIAL_RANGES } from '@ipam/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clusterNetwork,
  type ClusterNetwork,
  type ClusterNetworkInit,
  type ClusterNode,
  type ClusterPod,
  type ClusterService,
  type PluginAllocation,
  type PluginBlock,
  type PluginPool,
} from './cluster-network.js';
import { discover } from './discover.js';
import { AddressExplainer, explain, explainer, formatExplanation, type AddressExplanation } from './explain.js';
import { KubernetesError } from './kubernetes-error.js';

const P = (s: string): Prefix => Prefix.parse(s);
const A = (s: string): Addr => Addr.parse(s);

function node(name: string, podCIDRs: string[], addresses: string[] = []): ClusterNode {
  return { name, podCIDRs: podCIDRs.map(P), addresses: addresses.map((a) => ({ type: 'InternalIP', address: A(a) })), from: {} };
}
function pod(ns: string, name: string, nodeName: string | undefined, ips: string[], more: Partial<ClusterPod> = {}): ClusterPod {
  return { namespace: ns, name, nodeName, hostNetwork: false, phase: 'Running', podIPs: ips.map(A), from: {}, ...more };
}
function svc(ns: string, name: string, ips: string[]): ClusterService {
  return { namespace: ns, name, type: 'ClusterIP', clusterIPs: ips.map(A), from: {} };
}
function calicoPool(name: string, cidr: string, blockSize = 26): PluginPool {
  return { plugin: 'calico', name, cidrs: [P(cidr)], blockSize, disabled: false, options: {}, from: { object: `IPPool/${name}` } };
}
function alloc(address: string, kind: PluginAllocation['kind'], podName?: string, nodeName?: string): PluginAllocation {
  return { address: A(address), handle: kind === 'tunnel' ? `ipip-tunnel-addr-${nodeName}` : `k8s-pod-network.${address}`, kind, pod: podName, node: nodeName };
}
function block(cidr: string, nodeName: string | undefined, allocations: PluginAllocation[] | undefined, pool = 'default-ipv4-ippool'): PluginBlock {
  return { plugin: 'calico', pool, cidr: P(cidr), node: nodeName, allocations, from: { object: `IPAMBlock/${cidr}` } };
}

/** A small Calico cluster: pool 10.244.0.0/16 in /26 blocks, node-3's block with a pod, a tunnel and a leaked allocation. */
function calicoCluster(extra: ClusterNetworkInit = {}): ClusterNetwork {
  return clusterNetwork({
    clusterCIDRs: [P('10.244.0.0/16')],
    serviceCIDRs: [P('10.96.0.0/12')],
    nodes: [node('node-3', ['10.244.3.0/24'], ['192.168.1.13'])],
    pods: [
      pod('default', 'web-0', 'node-3', ['10.244.3.7']),
      pod('kube-system', 'kube-proxy-x', 'node-3', ['192.168.1.13'], { hostNetwork: true }),
      pod('default', 'job-1', 'node-3', ['10.244.3.30'], { phase: 'Succeeded' }),
    ],
    services: [svc('default', 'kubernetes', ['10.96.0.1']), svc('kube-system', 'kube-dns', ['10.96.0.10'])],
    pools: [calicoPool('default-ipv4-ippool', '10.244.0.0/16')],
    blocks: [
      block('10.244.3.0/26', 'node-3', [
        alloc('10.244.3.0', 'tunnel', undefined, 'node-3'),
        alloc('10.244.3.7', 'pod', 'default/web-0', 'node-3'),
        alloc('10.244.3.9', 'pod', 'default/gone', 'node-3'),
      ]),
    ],
    ...extra,
  });
}

const line = (network: ClusterNetwork, a: string, options?: Parameters<typeof explain>[2]): string => formatExplanation(explain(network, a, options));

describe('explain', () => {
  const network = calicoCluster();

  it.each([
    // a pod, with its allocation, every range most specific first, and the special-purpose block
    ['10.244.3.7', 'in-use',
      '10.244.3.7: pod default/web-0 on node-3; Calico allocation for pod default/web-0 (handle k8s-pod-network.10.244.3.7); ' +
      'in Calico block 10.244.3.0/26 (pool default-ipv4-ippool, node node-3); in node-3\'s pod CIDR 10.244.3.0/24; ' +
      'in Calico pool default-ipv4-ippool 10.244.0.0/16; in cluster CIDR 10.244.0.0/16; RFC 1918 private 10.0.0.0/8'],
    // an allocation whose pod is gone: held, but leaked
    ['10.244.3.9', 'in-use',
      '10.244.3.9: Calico allocation for pod default/gone (handle k8s-pod-network.10.244.3.9) LEAKED: its pod is gone or does not hold it; ' +
      'in Calico block 10.244.3.0/26 (pool default-ipv4-ippool, node node-3); in node-3\'s pod CIDR 10.244.3.0/24; ' +
      'in Calico pool default-ipv4-ippool 10.244.0.0/16; in cluster CIDR 10.244.0.0/16; RFC 1918 private 10.0.0.0/8'],
    // the node's tunnel address
    ['10.244.3.0', 'in-use', '10.244.3.0: Calico tunnel address of node node-3 (handle ipip-tunnel-addr-node-3); in Calico block'],
    // nothing holds it: the block it would come from
    ['10.244.3.20', 'free', '10.244.3.20: free in Calico block 10.244.3.0/26 (pool default-ipv4-ippool, node node-3); in node-3\'s pod CIDR'],
    // a finished pod's address is free again
    ['10.244.3.30', 'free', '10.244.3.30: pod default/job-1 on node-3 (Succeeded: address released); free in Calico block'],
    // outside any block but in node-3's pod CIDR
    ['10.244.3.100', 'free', '10.244.3.100: free in node-3\'s pod CIDR 10.244.3.0/24; in Calico pool'],
    ['10.244.200.1', 'free', '10.244.200.1: free in Calico pool default-ipv4-ippool 10.244.0.0/16; in cluster CIDR'],
    ['10.96.0.10', 'in-use', '10.96.0.10: Service kube-system/kube-dns (ClusterIP); in service CIDR 10.96.0.0/12; RFC 1918 private 10.0.0.0/8'],
    ['10.96.0.99', 'free', '10.96.0.99: unallocated ClusterIP in service CIDR 10.96.0.0/12; RFC 1918 private 10.0.0.0/8'],
    // a node address, with the hostNetwork pod that shares it: one holder, not a conflict
    ['192.168.1.13', 'in-use', '192.168.1.13: hostNetwork pod kube-system/kube-proxy-x on node-3; node node-3 InternalIP; RFC 1918 private 192.168.0.0/16'],
    ['8.8.8.8', 'outside', '8.8.8.8: outside the cluster'],
    ['169.254.169.254', 'outside', '169.254.169.254: outside the cluster; RFC 3927 link-local 169.254.0.0/16'],
    ['fe80::1%eth0', 'outside', 'fe80::1%eth0: outside the cluster; RFC 4291 link-local fe80::/10'],
    // IPv4-mapped IPv6 is IPv6: it is in no IPv4 range
    ['::ffff:10.244.3.7', 'outside', '::ffff:10.244.3.7: outside the cluster; RFC 4291 ipv4-mapped ::ffff:0.0.0.0/96; IPv4-mapped: explain 10.244.3.7 for the IPv4 address'],
  ])('explains %s as %s', (a, status, text) => {
    const e = explain(network, a);
    expect(e.status).toBe(status);
    expect(formatExplanation(e).startsWith(text)).toBe(true);
  });

  it('gives the structured result, JSON-ready', () => {
    const e = explain(network, A('10.244.3.7'));
    expect(e).toEqual({
      address: '10.244.3.7',
      family: 4,
      status: 'in-use',
      holders: [
        { kind: 'pod', namespace: 'default', name: 'web-0', node: 'node-3', hostNetwork: false, phase: 'Running', released: false },
        { kind: 'plugin-allocation', plugin: 'calico', block: '10.244.3.0/26', use: 'pod', handle: 'k8s-pod-network.10.244.3.7', pod: 'default/web-0', node: 'node-3', leaked: false },
      ],
      ranges: [
        { kind: 'plugin-block', range: '10.244.3.0/26', size: '64', plugin: 'calico', pool: 'default-ipv4-ippool', node: 'node-3' },
        { kind: 'node-pod-cidr', range: '10.244.3.0/24', size: '256', node: 'node-3' },
        { kind: 'plugin-pool', range: '10.244.0.0/16', size: '65536', plugin: 'calico', pool: 'default-ipv4-ippool', disabled: false },
        { kind: 'cluster-cidr', range: '10.244.0.0/16', size: '65536' },
        { kind: 'special', range: '10.0.0.0/8', size: '16777216', name: 'Private-Use', rfc: 'RFC 1918', specialKind: 'private' },
      ],
    });
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
    expect(explain(network, '10.96.0.99').freeIn).toEqual({ kind: 'service-cidr', range: '10.96.0.0/12', size: '1048576' });
  });

  it('reports every holder of an address in conflict', () => {
    const n = calicoCluster({ pods: [pod('a', 'x', 'node-3', ['10.244.3.7']), pod('b', 'y', 'node-3', ['10.244.3.7'])] });
    const e = explain(n, '10.244.3.7');
    expect(e.status).toBe('conflict');
    expect(formatExplanation(e)).toMatch(/^10\.244\.3\.7: CONFLICT: held by pod a\/x on node-3 and pod b\/y on node-3 and Calico allocation for pod default\/web-0 .* LEAKED/);
    // a pod and a Service on one address
    const m = calicoCluster({ pods: [pod('a', 'x', 'node-3', ['10.96.0.10'])] });
    expect(explain(m, '10.96.0.10').status).toBe('conflict');
  });

  it('does not call an allocation leaked when the network has no pods', () => {
    const n = calicoCluster({ pods: [] });
    const h = explain(n, '10.244.3.9').holders[0]!;
    expect(h.kind === 'plugin-allocation' && h.leaked).toBe(false);
  });

  it('names external networks, ServiceCIDR objects and CNI ranges', () => {
    const n = calicoCluster({
      serviceCIDRObjects: [{ name: 'kubernetes', cidrs: [P('10.96.0.0/12')], from: {} }, { name: 'extra', cidrs: [P('10.100.0.0/24')], from: {} }],
      cniNetworks: [{ name: 'macvlan', plugins: ['macvlan'], ipamType: 'host-local', subnets: [P('172.20.0.0/24')], ranges: [IPRange.parse('172.20.0.10-172.20.0.20')], usesPodCIDR: false, from: {} }],
    });
    expect(line(n, '10.100.0.5')).toBe('10.100.0.5: unallocated ClusterIP in ServiceCIDR/extra 10.100.0.0/24; in service CIDR 10.96.0.0/12; RFC 1918 private 10.0.0.0/8');
    expect(line(n, '10.96.0.5')).toBe('10.96.0.5: unallocated ClusterIP in service CIDR 10.96.0.0/12; RFC 1918 private 10.0.0.0/8');
    expect(line(n, '172.20.0.12')).toBe('172.20.0.12: free in CNI network macvlan 172.20.0.10-172.20.0.20; in CNI network macvlan 172.20.0.0/24; RFC 1918 private 172.16.0.0/12');
    expect(line(n, '10.8.1.1', { external: [{ name: 'vpn', cidr: '10.8.0.0/16' }, '10.8.1.0/24'] }))
      .toBe('10.8.1.1: outside the cluster; in external network 10.8.1.0/24; in external network vpn 10.8.0.0/16; RFC 1918 private 10.0.0.0/8');
  });

  it('prints one part per line when asked', () => {
    expect(formatExplanation(explain(network, '10.96.0.10'), { multiline: true })).toBe(
      '10.96.0.10:\n  Service kube-system/kube-dns (ClusterIP)\n  in service CIDR 10.96.0.0/12\n  RFC 1918 private 10.0.0.0/8');
  });

  it.each([
    ['10.244.3.256', 'IPv4 field has value >255'],
    ['010.1.1.1', ''],
    ['', ''],
    ['10.244.3.0/24', ''],
  ])('rejects %j with ERR_K8S_INVALID_IP naming it', (bad) => {
    let caught: unknown;
    try {
      explain(network, bad);
    } catch (e) {
      caught = e;
    }
    expect(KubernetesError.isInstance(caught)).toBe(true);
    expect((caught as KubernetesError).code).toBe('ERR_K8S_INVALID_IP');
    expect((caught as KubernetesError).message).toContain(JSON.stringify(bad));
  });

  it('rejects bad external networks and non-networks', () => {
    expect(() => explain(network, '10.0.0.1', { external: ['10.0.0.1/8'] })).toThrow(expect.objectContaining({ code: 'ERR_K8S_INVALID_CIDR' }));
    expect(() => new AddressExplainer({} as ClusterNetwork)).toThrow(expect.objectContaining({ code: 'ERR_K8S_INVALID_ARGUMENT' }));
  });

  it('builds the index once per network and reuses it', () => {
    expect(explainer(network)).toBe(explainer(network));
    expect(explainer(network, { external: ['10.8.0.0/16'] })).not.toBe(explainer(network));
    expect(explainer(calicoCluster())).not.toBe(explainer(network));
    expect(explainer(network).size).toBeGreaterThan(SPECIAL_RANGES.length);
  });
});

describe('explain (from the plugin fixtures, through discover)', () => {
  const fixtures = (...files: string[]): string[] => files.map((f) => fileURLToPath(new URL(`../test/fixtures/plugins/${f}`, import.meta.url)));

  it.each([
    [['calico/ippools-crd.json', 'calico/ipam.yaml'], '10.244.3.0', 'in-use', '10.244.3.0: Calico tunnel address of node node-3 (handle ipip-tunnel-addr-node-3); in Calico block 10.244.3.0/26 (pool default-ipv4-ippool, node node-3); in Calico pool default-ipv4-ippool 10.244.0.0/16; RFC 1918 private 10.0.0.0/8'],
    [['calico/ippools-crd.json', 'calico/ipam.yaml'], '10.244.3.70', 'free', '10.244.3.70: free in Calico block 10.244.3.64/26 (pool default-ipv4-ippool, node node-4); in Calico pool default-ipv4-ippool 10.244.0.0/16; RFC 1918 private 10.0.0.0/8'],
    [['calico/ippools-crd.json'], 'fd5a:6c3e:8b21::1', 'free', 'fd5a:6c3e:8b21::1: free in Calico pool default-ipv6-ippool fd5a:6c3e:8b21::/48; RFC 4193 unique-local fc00::/7'],
    [['cilium/multi-pool.yaml'], '10.20.0.70', 'in-use', '10.20.0.70: Cilium allocation for pod default/mars-app-7d9f6b8c5-kq2lp (handle default/mars-app-7d9f6b8c5-kq2lp); in Cilium block 10.20.0.64/27 (pool mars, node kind-worker); in Cilium pool mars 10.20.0.0/16'],
    [['cilium/multi-pool.yaml'], '10.20.0.80', 'free', '10.20.0.80: free in Cilium block 10.20.0.64/27 (pool mars, node kind-worker); in Cilium pool mars 10.20.0.0/16; RFC 1918 private 10.0.0.0/8'],
    [['weave/weave-daemonset-k8s-1.11.yaml'], '10.40.1.1', 'free', '10.40.1.1: free in Weave pool weave 10.32.0.0/12; RFC 1918 private 10.0.0.0/8'],
    [['flannel/kube-flannel.yml', 'flannel/nodes.yaml'], '10.42.1.9', 'free', "10.42.1.9: free in node-1's pod CIDR 10.42.1.0/24; in Flannel block 10.42.1.0/24 (node node-1); RFC 1918 private 10.0.0.0/8"],
  ])('%j: %s is %s', async (files, address, status, text) => {
    const e = explain(await discover({ files: fixtures(...files) }), address);
    expect(e.status).toBe(status);
    expect(formatExplanation(e).startsWith(text)).toBe(true);
  });
});

// ---- properties: random small networks inside 10.0.0.0/24, against a brute-force scan ----

const addrIn = fc.integer({ min: 0, max: 255 }).map((i) => Addr.fromBigInt(0x0a000000n + BigInt(i), 4));
const prefixIn = fc.tuple(addrIn, fc.integer({ min: 24, max: 32 })).map(([a, bits]) => a.prefix(bits));
const names = fc.constantFrom('a', 'b', 'c', 'd');
const randomNetwork = fc
  .record({
    cluster: fc.option(prefixIn, { nil: undefined }),
    service: fc.option(prefixIn, { nil: undefined }),
    nodes: fc.array(fc.record({ name: names, cidrs: fc.array(prefixIn, { maxLength: 2 }), addrs: fc.array(addrIn, { maxLength: 2 }) }), { maxLength: 4 }),
    pods: fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 3 }), ips: fc.array(addrIn, { maxLength: 2 }), host: fc.boolean() }), { maxLength: 12 }),
    services: fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 3 }), ips: fc.array(addrIn, { maxLength: 1 }) }), { maxLength: 4 }),
    pools: fc.array(fc.record({ name: names, cidrs: fc.array(prefixIn, { minLength: 1, maxLength: 2 }) }), { maxLength: 3 }),
    blocks: fc.array(fc.record({ cidr: prefixIn, node: fc.option(names, { nil: undefined }), allocs: fc.array(addrIn, { maxLength: 3 }) }), { maxLength: 4 }),
  })
  .map((r) =>
    clusterNetwork({
      clusterCIDRs: r.cluster === undefined ? [] : [r.cluster],
      serviceCIDRs: r.service === undefined ? [] : [r.service],
      nodes: r.nodes.map((n) => ({ name: n.name, podCIDRs: n.cidrs, addresses: n.addrs.map((address) => ({ type: 'InternalIP', address })), from: {} })),
      pods: r.pods.map((p) => ({ namespace: 'ns', name: p.name, nodeName: undefined, hostNetwork: p.host, phase: 'Running', podIPs: p.ips, from: {} })),
      services: r.services.map((s) => ({ namespace: 'ns', name: s.name, type: 'ClusterIP', clusterIPs: s.ips, from: {} })),
      pools: r.pools.map((p) => ({ plugin: 'cilium', name: p.name, cidrs: p.cidrs, blockSize: 28, disabled: false, options: {}, from: {} })),
      blocks: r.blocks.map((b) => ({
        plugin: 'cilium', pool: undefined, cidr: b.cidr, node: b.node, from: {},
        allocations: b.allocs.map((address) => ({ address, handle: undefined, kind: 'pod', pod: 'ns/x', node: b.node })),
      })),
    }),
  );

/** Every range containing `a`, found by scanning the network's parts one by one: `kind range`, sorted. */
function scanRanges(n: ClusterNetwork, a: Addr): string[] {
  const out: string[] = [];
  const add = (kind: string, p: Prefix): void => {
    if (p.contains(a)) out.push(`${kind} ${p.masked()}`);
  };
  for (const x of n.nodes) for (const p of x.podCIDRs) add('node-pod-cidr', p);
  for (const b of n.blocks) add('plugin-block', b.cidr);
  for (const pool of n.pools) for (const p of pool.cidrs) add('plugin-pool', p);
  for (const p of n.clusterCIDRs) add('cluster-cidr', p);
  for (const p of n.serviceCIDRs) add('service-cidr', p);
  for (const s of SPECIAL_RANGES) add('special', s.prefix);
  return out.sort();
}

/** Every holder of `a` by scanning: `kind name`, sorted. */
function scanHolders(n: ClusterNetwork, a: Addr): string[] {
  const out: string[] = [];
  for (const p of n.pods) for (const ip of p.podIPs) if (ip.equals(a)) out.push(`pod ${p.name}`);
  for (const s of n.services) for (const ip of s.clusterIPs) if (ip.equals(a)) out.push(`service ${s.name}`);
  for (const x of n.nodes) for (const ad of x.addresses) if (ad.address.equals(a)) out.push(`node ${x.name}`);
  for (const b of n.blocks) for (const al of b.allocations ?? []) if (al.address.equals(a)) out.push(`plugin-allocation ${b.cidr}`);
  return out.sort();
}

function holderKey(h: AddressExplanation['holders'][number]): string {
  switch (h.kind) {
    case 'pod': return `pod ${h.name}`;
    case 'service': return `service ${h.name}`;
    case 'node': return `node ${h.node}`;
    case 'plugin-allocation': return `plugin-allocation ${h.block}`;
    case 'ip-address': return `ip-address ${h.parentRef}`;
  }
}

describe('explain (properties)', () => {
  it('agrees with a brute-force scan over all known ranges and holders', () => {
    fc.assert(
      fc.property(randomNetwork, fc.array(addrIn, { minLength: 1, maxLength: 8 }), (n, addrs) => {
        const index = new AddressExplainer(n);
        for (const a of addrs) {
          const e = index.explain(a);
          expect(e.ranges.map((r) => `${r.kind} ${r.range}`).sort()).toEqual(scanRanges(n, a));
          expect(e.holders.map(holderKey).sort()).toEqual(scanHolders(n, a));
          const inCluster = e.ranges.some((r) => r.kind !== 'special' && r.kind !== 'external');
          if (e.holders.length === 0) expect(e.status).toBe(inCluster ? 'free' : 'outside');
        }
      }),
      { numRuns: 150 },
    );
  });

  it('explains an address inside a pool\'s CIDR as in that pool', () => {
    fc.assert(
      fc.property(randomNetwork, fc.nat(), fc.nat(), (n, i, j) => {
        fc.pre(n.pools.length > 0);
        const pool = n.pools[i % n.pools.length]!;
        const cidr = pool.cidrs[j % pool.cidrs.length]!;
        const a = cidr.first().add(BigInt(j) % cidr.size)!;
        const e = explain(n, a);
        expect(e.ranges.some((r) => r.kind === 'plugin-pool' && r.pool === pool.name && r.range === `${cidr.masked()}`)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('lists ranges most specific first', () => {
    fc.assert(
      fc.property(randomNetwork, addrIn, (n, a) => {
        const sizes = explain(n, a).ranges.map((r) => BigInt(r.size));
        for (let k = 1; k < sizes.length; k++) expect(sizes[k - 1]! <= sizes[k]!).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
