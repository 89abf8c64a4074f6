import { readFileSync } from 'node:fs';
import { Addr, Prefix } from '@ipam/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClusterNode, clusterNetwork, KubernetesError, NodeCidrAllocator, type NodeCidrAllocatorOptions } from './index.js';
import { thrown as errorOf } from '../test/errors.js';

interface KcmCase {
  id: string;
  clusterCIDRs: string;
  serviceCIDR: string;
  secondaryServiceCIDR: string;
  nodeCIDRMaskSizes: number[];
  allocatorType: string;
  expectOK?: boolean;
  expectError?: string;
}
const vectors = JSON.parse(readFileSync(new URL('../../../../shared/vectors/k8s-cidrset.json', import.meta.url), 'utf8')) as {
  kcmConfigCases: KcmCase[];
};

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(KubernetesError.isInstance(e)).toBe(true);
    return (e as KubernetesError).code;
  }
  return undefined;
}

/** The upstream log lines of the kcmConfigCases and the codes NodeCidrAllocator throws for them. */
const KCM_ERRORS: Record<string, string> = {
  'Controller: Must specify --cluster-cidr if --allocate-node-cidrs is set': 'ERR_K8S_INVALID_ARGUMENT',
  'Controller: Invalid --cluster-cidr, mask size of cluster CIDR must be less than or equal to --node-cidr-mask-size configured for CIDR family':
    'ERR_K8S_NODE_MASK_INVALID',
};

describe('NodeCidrAllocator: every kcmConfigCase of k8s-cidrset.json (NewNodeIpamController)', () => {
  it.each(vectors.kcmConfigCases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    // The allocator type only decides which allocator runs; the checks these cases exercise are the same for
    // every type but CloudAllocator, and NodeCidrAllocator is the RangeAllocator.
    expect(c.allocatorType).not.toBe('CloudAllocator');
    const make = (): NodeCidrAllocator =>
      new NodeCidrAllocator({
        clusterCIDRs: c.clusterCIDRs,
        serviceCIDR: c.serviceCIDR,
        secondaryServiceCIDR: c.secondaryServiceCIDR === '' ? undefined : c.secondaryServiceCIDR,
        nodeMaskSizes: c.nodeCIDRMaskSizes.slice(0, Math.max(1, c.clusterCIDRs.split(',').length)),
      });
    if (c.expectOK === true) {
      const allocator = make();
      expect(allocator.clusterCIDRs.map(String)).toEqual(c.clusterCIDRs.split(','));
      expect(allocator.nodeMaskSizes).toEqual(c.nodeCIDRMaskSizes);
      expect(allocator.allocate('node-0')).toHaveLength(allocator.clusterCIDRs.length);
    } else {
      const e = errorOf(make);
      expect(e.code).toBe(KCM_ERRORS[c.expectError!]);
      expect(e.message).toContain(c.expectError!.replace('Controller: ', ''));
    }
  });
});

describe('NodeCidrAllocator', () => {
  it('follows its documented example', () => {
    const nodes = new NodeCidrAllocator({
      clusterCIDRs: ['10.244.0.0/16', 'fd00:10:244::/56'],
      nodeMaskSizes: [24, 64],
      serviceCIDR: '10.96.0.0/12',
      nodes: [{ name: 'node-a', podCIDRs: ['10.244.0.0/24', 'fd00:10:244::/64'] }],
    });
    expect(nodes.allocate('node-b').map(String)).toEqual(['10.244.1.0/24', 'fd00:10:244:1::/64']);
    expect(nodes.capacity().moreNodes).toBe(254);
    expect(nodes.release('node-a').map(String)).toEqual(['10.244.0.0/24', 'fd00:10:244::/64']);
    expect(nodes.cidrsOf('node-a')).toBeUndefined();
  });

  it('follows the contract example', () => {
    const nodes = new NodeCidrAllocator({ clusterCIDRs: ['10.244.0.0/16', 'fd00:10:244::/56'], nodeMaskSizes: [24, 64], serviceCIDR: '10.96.0.0/12' });
    expect(nodes.allocate('node-a').map(String)).toEqual(['10.244.0.0/24', 'fd00:10:244::/64']);
  });

  it('follows the capacity example', () => {
    const capacity = new NodeCidrAllocator({ clusterCIDRs: '10.244.0.0/16', serviceCIDR: '10.244.255.0/24' }).capacity();
    expect(capacity.families.map((f) => ({ ...f, clusterCIDR: f.clusterCIDR.toString() }))).toEqual([
      { clusterCIDR: '10.244.0.0/16', nodeMaskSize: 24, total: 256, used: 1, free: 255 },
    ]);
    expect(capacity).toMatchObject({ nodes: 0, moreNodes: 255 });
  });

  describe('start-up, in kube-controller-manager order', () => {
    it.each<[string, NodeCidrAllocatorOptions, string, string]>([
      ['no cluster CIDR', { clusterCIDRs: [] }, 'ERR_K8S_INVALID_ARGUMENT', 'Must specify --cluster-cidr'],
      ['an empty --cluster-cidr', { clusterCIDRs: '  ' }, 'ERR_K8S_INVALID_ARGUMENT', 'Must specify --cluster-cidr'],
      ['a cluster CIDR that does not parse', { clusterCIDRs: '10.0.0.0/8,fd00::/1x' }, 'ERR_K8S_INVALID_CIDR', 'clusterCIDRs[1]'],
      ['a space after the comma, which the flag does not trim', { clusterCIDRs: '10.0.0.0/8, fd00::/64' }, 'ERR_K8S_INVALID_CIDR', 'clusterCIDRs[1]'],
      ['two IPv4 cluster CIDRs', { clusterCIDRs: ['10.0.0.0/16', '10.1.0.0/16'] }, 'ERR_K8S_DUAL_STACK', 'not dual-stack'],
      ['three cluster CIDRs', { clusterCIDRs: '10.0.0.0/16,fd00::/48,10.1.0.0/16' }, 'ERR_K8S_DUAL_STACK', 'more than the 2 allowed'],
      [
        'two IPv4 service CIDRs (checked before the masks)',
        { clusterCIDRs: '10.0.0.0/16', serviceCIDR: '10.96.0.0/12,10.112.0.0/12', nodeMaskSizes: 8 },
        'ERR_K8S_DUAL_STACK',
        'not dualstack',
      ],
      ['a service CIDR that does not parse', { clusterCIDRs: '10.0.0.0/16', serviceCIDR: 'nonsense' }, 'ERR_K8S_INVALID_CIDR', 'serviceCIDR[0]'],
      [
        '--node-cidr-mask-size with dual-stack',
        { clusterCIDRs: '10.0.0.0/16,fd00::/48', nodeMaskSizes: 24 },
        'ERR_K8S_NODE_MASK_INVALID',
        'not allowed with dual-stack',
      ],
      [
        '--node-cidr-mask-size-ipv6 on single-stack IPv4',
        { clusterCIDRs: '10.0.0.0/16', nodeMaskSizes: { ipv6: 64 } },
        'ERR_K8S_NODE_MASK_INVALID',
        'single-stack IPv4',
      ],
      [
        '--node-cidr-mask-size-ipv4 on single-stack IPv6',
        { clusterCIDRs: 'fd00::/48', nodeMaskSizes: { ipv4: 24 } },
        'ERR_K8S_NODE_MASK_INVALID',
        'single-stack IPv6',
      ],
      ['a list of the wrong length', { clusterCIDRs: '10.0.0.0/16', nodeMaskSizes: [24, 64] }, 'ERR_K8S_NODE_MASK_INVALID', 'one per cluster CIDR'],
      ['a node mask longer than the family allows', { clusterCIDRs: '10.0.0.0/16', nodeMaskSizes: 33 }, 'ERR_K8S_NODE_MASK_INVALID', 'not in 0…32'],
      ['a negative node mask', { clusterCIDRs: '10.0.0.0/16', nodeMaskSizes: -1 }, 'ERR_K8S_NODE_MASK_INVALID', 'non-negative integer'],
      ['a cluster CIDR longer than the node mask', { clusterCIDRs: '10.0.0.0/26' }, 'ERR_K8S_NODE_MASK_INVALID', 'mask size of cluster CIDR must be less than or equal'],
      [
        'the IPv6 16-bit limit (the default /64 on a /32)',
        { clusterCIDRs: '10.0.0.0/16,2001:db8::/32' },
        'ERR_K8S_NODE_MASK_TOO_BIG',
        'the node CIDR size is too big',
      ],
      [
        'an existing node outside the cluster CIDR',
        { clusterCIDRs: '10.10.0.0/16', nodes: [{ name: 'n1', podCIDRs: ['172.10.0.1/24'] }] },
        'ERR_K8S_CIDR_OUTSIDE',
        'Node/n1: spec.podCIDRs[0]: ',
      ],
      [
        'an existing dual-stack node with a bad IPv6 CIDR',
        { clusterCIDRs: ['10.10.0.0/16', 'ace:cab:deca::/8'], nodeMaskSizes: [24, 24], nodes: [{ name: 'n1', podCIDRs: ['10.10.0.0/24', 'cdd::/86'] }] },
        'ERR_K8S_CIDR_OUTSIDE',
        'spec.podCIDRs[1]',
      ],
      [
        'an existing node with more pod CIDRs than cluster CIDRs',
        { clusterCIDRs: '10.10.0.0/16', nodes: [{ name: 'n1', podCIDRs: ['10.10.0.0/24', 'fd00::/64'] }] },
        'ERR_K8S_DUAL_STACK',
        'does not exist in cluster cidrs configuration',
      ],
      [
        'an existing node with garbage in podCIDRs',
        { clusterCIDRs: '10.10.0.0/16', nodes: [{ name: 'n1', podCIDRs: ['10.10.0.0/33'] }] },
        'ERR_K8S_INVALID_CIDR',
        'Node/n1: spec.podCIDRs[0]',
      ],
      [
        'a node listed twice',
        {
          clusterCIDRs: '10.10.0.0/16',
          nodes: [
            { name: 'n1', podCIDRs: ['10.10.0.0/24'] },
            { name: 'n1', podCIDRs: ['10.10.1.0/24'] },
          ],
        },
        'ERR_K8S_NODE_EXISTS',
        'listed twice',
      ],
    ])('refuses %s', (_what, options, code, text) => {
      const e = errorOf(() => new NodeCidrAllocator(options));
      expect(e.code).toBe(code);
      expect(e.message).toContain(text);
    });

    it('defaults the node masks to 24 and 64, and reads every mask form', () => {
      expect(new NodeCidrAllocator({ clusterCIDRs: '10.0.0.0/8,fd00::/48' }).nodeMaskSizes).toEqual([24, 64]);
      expect(new NodeCidrAllocator({ clusterCIDRs: 'fd00::/48,10.0.0.0/8', nodeMaskSizes: { ipv4: 26 } }).nodeMaskSizes).toEqual([64, 26]);
      expect(new NodeCidrAllocator({ clusterCIDRs: '10.0.0.0/8', nodeMaskSizes: 0 }).nodeMaskSizes).toEqual([24]); // 0: not set
      expect(new NodeCidrAllocator({ clusterCIDRs: 'fd00::/56', nodeMaskSizes: 60 }).nodeMaskSizes).toEqual([60]);
      expect(new NodeCidrAllocator({ clusterCIDRs: [Prefix.parse('fd00::/56')], nodeMaskSizes: { ipv6: 72 } }).nodeMaskSizes).toEqual([72]);
    });

    it('marks the service CIDR used where it overlaps a cluster CIDR (range_allocator_test "Correctly filter out ServiceCIDR")', () => {
      const nodes = new NodeCidrAllocator({ clusterCIDRs: '127.123.234.0/24', nodeMaskSizes: 30, serviceCIDR: '127.123.234.0/26' });
      expect(nodes.allocate('node0').map(String)).toEqual(['127.123.234.64/30']);
      expect(nodes.capacity().families[0]!.used).toBe(17);
    });

    it('marks a service CIDR that contains the cluster CIDR, and ignores one of the other family', () => {
      const nodes = new NodeCidrAllocator({ clusterCIDRs: '10.244.0.0/16', serviceCIDR: ['fd00::/108', '10.0.0.0/8'] });
      expect(nodes.serviceCIDRs.map(String)).toEqual(['fd00::/108', '10.0.0.0/8']);
      expect(nodes.capacity().moreNodes).toBe(0);
      expect(codeOf(() => nodes.allocate('n'))).toBe('ERR_K8S_CIDR_SET_FULL');
    });

    it('marks existing nodes used and gives a new node the first free block (range_allocator_test "no double counting")', () => {
      const nodes = new NodeCidrAllocator({
        clusterCIDRs: '10.10.0.0/22',
        nodeMaskSizes: 24,
        nodes: [
          { name: 'node0', podCIDRs: ['10.10.0.0/24'] },
          { name: 'node1', podCIDRs: ['10.10.2.0/24'] },
          { name: 'node2', podCIDRs: [] }, // "Node has no CIDR, ignoring"
        ],
      });
      expect(nodes.nodeNames()).toEqual(['node0', 'node1']);
      expect(nodes.allocate('node2').map(String)).toEqual(['10.10.1.0/24']);
    });

    it('reads existing pod CIDRs sloppily, host bits cleared (TestOccupyPreExistingCIDR)', () => {
      const nodes = new NodeCidrAllocator({ clusterCIDRs: '10.10.0.0/16', nodes: [{ name: 'n', podCIDRs: ['10.10.0.1/24'] }] });
      expect(nodes.cidrsOf('n')!.map(String)).toEqual(['10.10.0.0/24']);
      const dual = new NodeCidrAllocator({
        clusterCIDRs: ['10.10.0.0/16', 'ace:cab:deca::/8'],
        nodeMaskSizes: [24, 24],
        nodes: [{ name: 'n', podCIDRs: ['10.10.0.1/24', 'a00::/86'] }],
      });
      expect(dual.capacity().families.map((f) => f.used)).toEqual([1, 1]);
    });
  });

  it('gives a node that already has pod CIDRs the same ones back', () => {
    const nodes = new NodeCidrAllocator({ clusterCIDRs: '10.0.0.0/16,fd00::/56' });
    const first = nodes.allocate('a').map(String);
    expect(nodes.allocate('a').map(String)).toEqual(first);
    expect(nodes.capacity().families.map((f) => f.used)).toEqual([1, 1]);
  });

  it('takes nothing when one family is full (nothing half-done)', () => {
    const nodes = new NodeCidrAllocator({ clusterCIDRs: ['10.0.0.0/16', 'fd00::/64'], nodeMaskSizes: [24, 65] });
    nodes.allocate('a');
    nodes.allocate('b');
    const e = errorOf(() => nodes.allocate('c'));
    expect(e.code).toBe('ERR_K8S_CIDR_SET_FULL');
    expect(e.message).toContain('failed to allocate cidr from cluster cidr at idx:1');
    expect(nodes.capacity().families.map((f) => f.used)).toEqual([2, 2]);
    nodes.release('a');
    // The IPv4 position did not move on the failed call: the next block is still 10.0.2.0/24.
    expect(nodes.allocate('c').map(String)).toEqual(['10.0.2.0/24', 'fd00::/65']);
  });

  it('occupies given CIDRs for a node, idempotently, and refuses other CIDRs for it', () => {
    const nodes = new NodeCidrAllocator({ clusterCIDRs: '10.0.0.0/16,fd00::/56' });
    nodes.occupy('a', ['10.0.5.0/24', 'fd00:0:0:5::/64']);
    nodes.occupy('a', [Prefix.parse('10.0.5.0/24'), 'fd00:0:0:5::/64']);
    expect(nodes.capacity().families.map((f) => f.used)).toEqual([1, 1]);
    expect(codeOf(() => nodes.occupy('a', ['10.0.6.0/24']))).toBe('ERR_K8S_NODE_EXISTS');
    // A single-stack node in a dual-stack cluster keeps only its first family.
    nodes.occupy('b', ['10.0.7.0/24']);
    expect(nodes.cidrsOf('b')!.map(String)).toEqual(['10.0.7.0/24']);
    expect(nodes.release('b').map(String)).toEqual(['10.0.7.0/24']);
  });

  it('changes nothing when occupy fails on a later CIDR', () => {
    const nodes = new NodeCidrAllocator({ clusterCIDRs: '10.0.0.0/16,fd00::/56' });
    for (const cidrs of [['10.0.5.0/24', 'fd01::/64'], ['10.0.5.0/24', 'fd00::/64', '10.0.6.0/24'], ['10.0.5.0/24', 'fd00::/129'], []]) {
      expect(codeOf(() => nodes.occupy('a', cidrs))).toBeDefined();
    }
    expect(nodes.capacity().families.map((f) => f.used)).toEqual([0, 0]);
    expect(nodes.cidrsOf('a')).toBeUndefined();
  });

  it('hands a released node block out again when the scan comes round (TestNodeDeletionReleaseCIDR)', () => {
    const nodes = new NodeCidrAllocator({ clusterCIDRs: '10.10.0.0/16', nodes: [{ name: 'node0', podCIDRs: ['10.10.0.0/24'] }] });
    nodes.release('node0');
    expect(nodes.allocate('node1').map(String)).toEqual(['10.10.0.0/24']);
  });

  it.each<[string, (n: NodeCidrAllocator) => unknown, string]>([
    ['release of an unknown node', (n) => n.release('ghost'), 'ERR_K8S_NODE_UNKNOWN'],
    ['an empty node name', (n) => n.allocate(''), 'ERR_K8S_INVALID_ARGUMENT'],
    ['a node name that is not a string', (n) => n.allocate(7 as unknown as string), 'ERR_K8S_INVALID_ARGUMENT'],
    ['occupy with no CIDRs', (n) => n.occupy('x', []), 'ERR_K8S_INVALID_ARGUMENT'],
    ['occupy with a CIDR that is not one', (n) => n.occupy('x', [3 as unknown as string]), 'ERR_K8S_INVALID_ARGUMENT'],
  ])('refuses %s', (_what, f, code) => {
    const nodes = new NodeCidrAllocator({ clusterCIDRs: '10.0.0.0/16' });
    expect(codeOf(() => f(nodes))).toBe(code);
    expect(nodes.capacity()).toMatchObject({ nodes: 0, moreNodes: 256 });
  });

  describe('NodeCidrAllocator.fromClusterNetwork', () => {
    const node = (name: string, podCIDRs: string[], file = 'dump.json'): ClusterNode => ({
      name,
      podCIDRs: podCIDRs.map((s) => Prefix.parse(s)),
      addresses: [],
      from: { file, object: `Node/${name}` },
    });

    it("builds a discovered cluster's allocator: masks by family, service CIDRs, nodes", () => {
      const network = clusterNetwork({
        clusterCIDRs: [Prefix.parse('fd00:10:244::/56'), Prefix.parse('10.244.0.0/16')],
        serviceCIDRs: [Prefix.parse('10.244.255.0/24'), Prefix.parse('10.97.0.0/16'), Prefix.parse('fd00:10:244:ff::/112')],
        nodeCIDRMaskSizes: { ipv4: 25, ipv6: 64 },
        nodes: [node('a', ['fd00:10:244::/64', '10.244.0.0/25']), node('b', [])],
      });
      const nodes = NodeCidrAllocator.fromClusterNetwork(network);
      expect(nodes.nodeMaskSizes).toEqual([64, 25]);
      // The first service CIDR and the first later one of the other family; the extra IPv4 one is not kcm's.
      expect(nodes.serviceCIDRs.map(String)).toEqual(['10.244.255.0/24', 'fd00:10:244:ff::/112']);
      expect(nodes.capacity()).toEqual({
        families: [
          { clusterCIDR: network.clusterCIDRs[0], nodeMaskSize: 64, total: 256, used: 2, free: 254 },
          { clusterCIDR: network.clusterCIDRs[1], nodeMaskSize: 25, total: 512, used: 3, free: 509 },
        ],
        nodes: 1,
        moreNodes: 254,
      });
    });

    it("prefers kube-controller-manager's own --service-cluster-ip-range", () => {
      const network = clusterNetwork({
        clusterCIDRs: [Prefix.parse('10.244.0.0/16')],
        serviceCIDRs: [Prefix.parse('10.96.0.0/12')],
        settings: [{ name: 'serviceCIDR', value: [Prefix.parse('10.244.0.0/20')], source: 'kube-controller-manager', from: {} }],
      });
      expect(NodeCidrAllocator.fromClusterNetwork(network).capacity().moreNodes).toBe(240);
    });

    it('names the file and object of a node whose pod CIDR is outside', () => {
      const network = clusterNetwork({ clusterCIDRs: [Prefix.parse('10.244.0.0/16')], nodes: [node('w1', ['10.245.0.0/24'], 'nodes.yaml')] });
      const e = errorOf(() => NodeCidrAllocator.fromClusterNetwork(network));
      expect(e.code).toBe('ERR_K8S_CIDR_OUTSIDE');
      expect([e.file, e.object, e.path]).toEqual(['nodes.yaml', 'Node/w1', 'spec.podCIDRs[0]']);
    });

    it('refuses a network without a cluster CIDR', () => {
      expect(codeOf(() => NodeCidrAllocator.fromClusterNetwork(clusterNetwork({})))).toBe('ERR_K8S_INVALID_ARGUMENT');
    });
  });
});

/** The range allocator as plainly as possible: per family a boolean per node block and a next candidate. */
class ReferenceAllocator {
  readonly families: { cluster: Prefix; node: number; used: boolean[]; next: number }[];
  readonly nodes = new Map<string, number[]>();
  constructor(clusters: Prefix[], nodes: number[], services: Prefix[]) {
    this.families = clusters.map((cluster, i) => ({ cluster, node: nodes[i]!, used: new Array<boolean>(2 ** (nodes[i]! - cluster.bits)).fill(false), next: 0 }));
    // filterOutServiceRange, by brute force: every node block a service CIDR overlaps.
    this.families.forEach((f, i) => f.used.forEach((_, b) => (f.used[b] = services.some((s) => Prefix.parse(this.block(i, b)).overlaps(s)))));
  }
  block(f: number, i: number): string {
    const { cluster, node } = this.families[f]!;
    const w = cluster.addr.bitLength;
    return Addr.fromBigInt(cluster.addr.toBigInt() + (BigInt(i) << BigInt(w - node)), cluster.family)
      .prefix(node)
      .toString();
  }
  allocate(name: string): string {
    const known = this.nodes.get(name);
    if (known !== undefined) return known.map((i, f) => this.block(f, i)).join(' ');
    if (this.families.some((f) => f.used.every((u) => u))) return 'ERR_K8S_CIDR_SET_FULL';
    const got = this.families.map((f) => {
      let c = f.next;
      while (f.used[c]) c = (c + 1) % f.used.length;
      f.used[c] = true;
      f.next = (c + 1) % f.used.length;
      return c;
    });
    this.nodes.set(name, got);
    return got.map((i, f) => this.block(f, i)).join(' ');
  }
  /** occupy of node-sized blocks given by index, one per family. */
  occupy(name: string, indices: number[]): string {
    const known = this.nodes.get(name);
    if (known !== undefined) return known.every((i, f) => i === indices[f]) ? 'ok' : 'ERR_K8S_NODE_EXISTS';
    indices.forEach((i, f) => (this.families[f]!.used[i] = true));
    this.nodes.set(name, indices);
    return 'ok';
  }
  release(name: string): string {
    const known = this.nodes.get(name);
    if (known === undefined) return 'ERR_K8S_NODE_UNKNOWN';
    known.forEach((i, f) => (this.families[f]!.used[i] = false));
    this.nodes.delete(name);
    return known.map((i, f) => this.block(f, i)).join(' ');
  }
}

type NodeOp = { kind: 'allocate'; node: number } | { kind: 'release'; node: number } | { kind: 'occupy'; node: number; indices: number[] };

describe('NodeCidrAllocator against a reference model of the range allocator', () => {
  it('gives the same results and errors under random node add/remove/occupy, dual-stack, with a service CIDR', () => {
    const scenario = fc
      .record({
        v4: fc.record({ bits: fc.integer({ min: 20, max: 28 }), diff: fc.integer({ min: 0, max: 4 }) }),
        v6: fc.record({ bits: fc.integer({ min: 48, max: 120 }), diff: fc.integer({ min: 0, max: 4 }) }),
        v6first: fc.boolean(),
      })
      .chain(({ v4, v6, v6first }) => {
        const families = [
          { cluster: Prefix.parse(`10.${v4.bits}.0.0/16`).addr.prefix(v4.bits), node: Math.min(32, v4.bits + v4.diff) },
          { cluster: Prefix.parse('fd00:1234:5678:9abc::/64').addr.prefix(v6.bits), node: v6.bits + v6.diff },
        ];
        if (v6first) families.reverse();
        // A service CIDR near the IPv4 or the IPv6 cluster CIDR (overlapping it, inside it, containing it, or beside it).
        const service = fc
          .record({ f: fc.integer({ min: 0, max: 1 }), up: fc.integer({ min: 0, max: 2 }), bits: fc.integer({ min: 0, max: 8 }), off: fc.nat() })
          .map(({ f, up, bits, off }) => {
            const { cluster } = families[f]!;
            const outer = cluster.addr.prefix(cluster.bits - up);
            const len = Math.min(cluster.addr.bitLength, outer.bits + bits);
            const k = BigInt(len - outer.bits);
            return Addr.fromBigInt(outer.addr.toBigInt() + ((BigInt(off) % (1n << k)) << BigInt(cluster.addr.bitLength - len)), cluster.family).prefix(len);
          });
        const node = fc.integer({ min: 0, max: 12 });
        const op: fc.Arbitrary<NodeOp> = fc.oneof(
          { weight: 5, arbitrary: fc.record({ kind: fc.constant('allocate' as const), node }) },
          { weight: 3, arbitrary: fc.record({ kind: fc.constant('release' as const), node }) },
          {
            weight: 2,
            arbitrary: fc.record({
              kind: fc.constant('occupy' as const),
              node,
              indices: fc.tuple(...families.map((f) => fc.integer({ min: 0, max: 2 ** (f.node - f.cluster.bits) - 1 }))),
            }),
          },
        );
        return fc.record({ families: fc.constant(families), services: fc.array(service, { maxLength: 1 }), ops: fc.array(op, { maxLength: 50 }) });
      });
    fc.assert(
      fc.property(scenario, ({ families, services, ops }) => {
        const allocator = new NodeCidrAllocator({
          clusterCIDRs: families.map((f) => f.cluster),
          nodeMaskSizes: families.map((f) => f.node),
          serviceCIDR: services,
        });
        const model = new ReferenceAllocator(
          families.map((f) => f.cluster),
          families.map((f) => f.node),
          services,
        );
        expect(allocator.capacity().families.map((f) => f.used)).toEqual(model.families.map((f) => f.used.filter((u) => u).length));
        let shared = false; // once CIDRs are occupied by hand, two nodes may share a block, as in Kubernetes
        for (const op of ops) {
          const name = `node-${op.node}`;
          let got: string;
          let want: string;
          try {
            if (op.kind === 'allocate') {
              const fresh = allocator.cidrsOf(name) === undefined;
              const before = allocator.nodeNames().flatMap((n) => allocator.cidrsOf(n)!);
              const cidrs = allocator.allocate(name);
              // One block per family, by position, inside its cluster CIDR, overlapping no other node's block.
              cidrs.forEach((p, f) => expect(families[f]!.cluster.containsPrefix(p) && p.bits === families[f]!.node).toBe(true));
              if (fresh && !shared) for (const p of cidrs) expect(before.some((q) => q.overlaps(p))).toBe(false);
              got = cidrs.map(String).join(' ');
            } else if (op.kind === 'release') {
              got = allocator.release(name).map(String).join(' ');
            } else {
              allocator.occupy(
                name,
                op.indices.map((i, f) => model.block(f, i)),
              );
              got = 'ok';
              shared = true;
            }
          } catch (e) {
            got = (e as KubernetesError).code;
          }
          if (op.kind === 'allocate') want = model.allocate(name);
          else if (op.kind === 'release') want = model.release(name);
          else want = model.occupy(name, op.indices);
          expect(got).toBe(want);
          const capacity = allocator.capacity();
          const used = model.families.map((f) => f.used.filter((u) => u).length);
          expect(capacity.families.map((f) => f.used)).toEqual(used);
          expect(capacity.moreNodes).toBe(Math.min(...model.families.map((f, i) => f.used.length - used[i]!)));
          expect(capacity.nodes).toBe(model.nodes.size);
        }
      }),
      { numRuns: 200 },
    );
  });
});
