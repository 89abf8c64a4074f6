import { Addr, IpamError, Prefix } from '@ipam/core';
import {
  audit,
  clusterNetwork,
  plan,
  type ClusterNetworkInit,
  type ClusterNode,
  type ClusterPod,
  type ClusterService,
  type PluginAllocation,
  type PluginBlock,
  type PluginPool,
} from '@ipam/kubernetes';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addressMapGrid,
  addressMapOfAudit,
  addressMapOfPlan,
  addressMapSvg,
  type AddressMap,
  type AddressMapBlock,
  type AddressMapSpace,
} from './address-map.js';
import { elements, parseXml, XmlError, type XmlElement } from './internal/xml.js';

const P = (s: string): Prefix => Prefix.parse(s);
const A = (s: string): Addr => Addr.parse(s);

function node(name: string, podCIDRs: string[]): ClusterNode {
  return { name, podCIDRs: podCIDRs.map(P), addresses: [], from: { object: `Node/${name}` } };
}
function pod(name: string, nodeName: string, ips: string[]): ClusterPod {
  return { namespace: 'default', name, nodeName, hostNetwork: false, phase: 'Running', podIPs: ips.map(A), from: {} };
}
function svc(name: string, ips: string[]): ClusterService {
  return { namespace: 'default', name, type: 'ClusterIP', clusterIPs: ips.map(A), from: {} };
}

/** A small dual-stack cluster: three nodes with pods, three Services. */
function cluster(extra: ClusterNetworkInit = {}): ClusterNetworkInit {
  return {
    clusterCIDRs: [P('10.244.0.0/16'), P('fd00:10:244::/56')],
    serviceCIDRs: [P('10.96.0.0/16'), P('fd00:10:96::/112')],
    nodes: [
      node('control-plane', ['10.244.0.0/24', 'fd00:10:244::/64']),
      node('worker-1', ['10.244.1.0/24', 'fd00:10:244:1::/64']),
      node('worker-2', ['10.244.2.0/24', 'fd00:10:244:2::/64']),
    ],
    pods: [
      pod('web-0', 'worker-1', ['10.244.1.5', 'fd00:10:244:1::5']),
      pod('web-1', 'worker-1', ['10.244.1.6', 'fd00:10:244:1::6']),
      pod('db-0', 'worker-2', ['10.244.2.9', 'fd00:10:244:2::9']),
    ],
    services: [svc('kubernetes', ['10.96.0.1', 'fd00:10:96::1']), svc('kube-dns', ['10.96.0.10', 'fd00:10:96::a']), svc('web', ['10.96.12.7'])],
    ...extra,
  };
}

function mapOf(init: ClusterNetworkInit, external: string[] = []): AddressMap {
  const network = clusterNetwork(init);
  return addressMapOfAudit(network, audit(network, { external }));
}

const byClass = (root: XmlElement, cls: string): XmlElement[] =>
  elements(root).filter((e) => (e.attributes['class'] ?? '').split(' ').includes(cls));
const titleOf = (e: XmlElement): string => e.children.find((c) => c.name === 'title')?.text ?? '';
const rectOf = (e: XmlElement): { x: number; y: number; w: number; h: number } => {
  const r = e.children.find((c) => c.name === 'rect')!;
  return { x: Number(r.attributes['x']), y: Number(r.attributes['y']), w: Number(r.attributes['width']), h: Number(r.attributes['height']) };
};
/** The drawn blocks of each space, keyed by the first line of their tooltip. */
function drawn(svg: string): { space: XmlElement; area: { x: number; y: number; w: number; h: number }; blocks: Map<string, XmlElement[]> }[] {
  const root = parseXml(svg);
  return byClass(root, 'space').map((space) => {
    const blocks = new Map<string, XmlElement[]>();
    for (const b of byClass(space, 'block')) {
      const key = titleOf(b).split('\n')[0]!;
      blocks.set(key, [...(blocks.get(key) ?? []), b]);
    }
    const area = space.children.find((c) => c.attributes['class'] === 'area')!;
    return { space, area: { x: Number(area.attributes['x']), y: Number(area.attributes['y']), w: Number(area.attributes['width']), h: Number(area.attributes['height']) }, blocks };
  });
}

describe('parseXml (the test checker)', () => {
  it.each([
    ['<a><b></a></b>', 'tags cross'],
    ['<a x=1/>', 'unquoted attribute'],
    ['<a x="1" x="2"/>', 'duplicate attribute'],
    ['<a>&nbsp;</a>', 'entity XML does not define'],
    ['<a>AT&T</a>', 'bare ampersand'],
    ['<a/><b/>', 'two roots'],
    ['<a>', 'unclosed element'],
    ['<a x="<"/>', '"<" in an attribute'],
    ['text<a/>', 'text before the root'],
    ['<a>\u0001</a>', 'a control character'],
  ])('rejects %j (%s)', (doc) => {
    expect(() => parseXml(doc)).toThrow(XmlError);
  });

  it('accepts a declaration, comments, references, and decodes them', () => {
    const root = parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><a k=\'&quot;x&#65;&#x42;\'>1 &lt; 2 &amp; 3<b/></a>\n');
    expect(root).toEqual({ name: 'a', attributes: { k: '"xAB' }, text: '1 < 2 & 3', children: [{ name: 'b', attributes: {}, children: [], text: '' }] });
  });
});

describe('addressMapOfAudit', () => {
  it('draws each cluster CIDR with its nodes, coloured by pods per usable address, and each service range', () => {
    const map = mapOf(cluster());
    expect(map.spaces.map((s) => [s.title, `${s.prefix}`])).toEqual([
      ['Pod network IPv4 (cluster CIDR)', '10.244.0.0/16'],
      ['Pod network IPv6 (cluster CIDR)', 'fd00:10:244::/56'],
      ['Service range IPv4 (service CIDR)', '10.96.0.0/16'],
      ['Service range IPv6 (service CIDR)', 'fd00:10:96::/112'],
    ]);
    const v4 = map.spaces[0]!;
    expect(v4.cellBits).toBe(24);
    expect(v4.blocks.map((b) => [`${b.prefix}`, b.kind, b.label, b.utilisation, b.conflict])).toEqual([
      ['10.244.0.0/24', 'node', 'control-plane', 0, undefined],
      ['10.244.1.0/24', 'node', 'worker-1', 2 / 254, undefined],
      ['10.244.2.0/24', 'node', 'worker-2', 1 / 254, undefined],
    ]);
    const service = map.spaces[2]!.blocks;
    expect(service.map((b) => [`${b.prefix}`, b.kind, b.label])).toEqual([['10.96.0.0/16', 'service', '3 ClusterIPs']]);
    expect(service[0]!.utilisation).toBe(3 / 65534);
  });

  it('writes a valid SVG with a tooltip per node block naming its prefix and node, and the service range', () => {
    const svg = addressMapSvg(mapOf(cluster()));
    const spaces = drawn(svg);
    expect(spaces).toHaveLength(4);
    for (const [prefix, name] of [['10.244.0.0/24', 'control-plane'], ['10.244.1.0/24', 'worker-1'], ['10.244.2.0/24', 'worker-2']]) {
      const found = spaces[0]!.blocks.get(`${prefix} — ${name}`)!;
      expect(found).toHaveLength(1);
      expect(found[0]!.attributes['class']).toBe('block kind-node');
      expect(titleOf(found[0]!)).toContain('utilisation');
    }
    expect(spaces[1]!.blocks.get('fd00:10:244:1::/64 — worker-1')).toHaveLength(1);
    const service = spaces[2]!.blocks.get('10.96.0.0/16 — 3 ClusterIPs')!;
    expect(service).toHaveLength(1);
    expect(titleOf(service[0]!)).toContain('3 of 65,534 usable addresses hold ClusterIPs');
    // The service block fills its space's drawing.
    expect(rectOf(service[0]!)).toEqual(spaces[2]!.area);
    // A /24 in a /16 with /24 cells: one of 256 cells of 32 px.
    expect(rectOf(spaces[0]!.blocks.get('10.244.1.0/24 — worker-1')![0]!)).toMatchObject({ w: 32, h: 32 });
    const caption = byClass(spaces[0]!.space, 'caption')[0]!.text;
    expect(caption).toBe('256 cells (16 × 16), 1 cell = /24 (256 addresses) · 3 node pod CIDRs · 0 conflicts');
  });

  it('highlights both nodes of a NODE_POD_CIDRS_OVERLAP with the finding as the reason, and no other', () => {
    const init = cluster({
      nodes: [node('a', ['10.244.0.0/24']), node('b', ['10.244.0.0/24']), node('c', ['10.244.0.0/23']), node('d', ['10.244.5.0/24'])],
      pods: [],
    });
    const network = clusterNetwork(init);
    const report = audit(network);
    expect(report.findings.filter((f) => f.code === 'NODE_POD_CIDRS_OVERLAP').length).toBeGreaterThan(0);
    const map = addressMapOfAudit(network, report);
    const blocks = map.spaces[0]!.blocks;
    expect(blocks.filter((b) => b.conflict).map((b) => b.label).sort()).toEqual(['a', 'b', 'c']);
    expect(blocks.find((b) => b.label === 'a')!.conflictReason).toContain('NODE_POD_CIDRS_OVERLAP: pod CIDR 10.244.0.0/24 is assigned to 2 nodes: a, b');
    expect(blocks.find((b) => b.label === 'd')!.conflict).toBeUndefined();
    const spaces = drawn(addressMapSvg(map));
    const conflicts = byClass(spaces[0]!.space, 'conflict').map((e) => titleOf(e).split('\n')[0]).sort();
    expect(conflicts).toEqual(['10.244.0.0/23 — c', '10.244.0.0/24 — a', '10.244.0.0/24 — b']);
    for (const e of byClass(spaces[0]!.space, 'conflict')) {
      expect(e.children.find((c) => c.name === 'rect')!.attributes['stroke']).toBe('#e7298a');
      expect(titleOf(e)).toMatch(/\nconflict: NODE_POD_CIDRS_OVERLAP: /);
    }
    expect(byClass(spaces[0]!.space, 'caption')[0]!.text).toContain('3 conflicts');
  });

  it('lists a node pod CIDR outside the cluster CIDR under the space, as a conflict', () => {
    const map = mapOf(cluster({ nodes: [node('stray', ['192.168.7.0/24'])], pods: [] }));
    const stray = map.spaces[0]!.blocks[0]!;
    expect([`${stray.prefix}`, stray.conflict, stray.conflictReason]).toEqual(['192.168.7.0/24', true, 'NODE_POD_CIDR_OUTSIDE_CLUSTER_CIDR: node stray pod CIDR 192.168.7.0/24 is outside cluster CIDR 10.244.0.0/16']);
    const outside = byClass(drawn(addressMapSvg(map))[0]!.space, 'outside');
    // The line is cut to fit the drawing; the tooltip has it all.
    expect(outside.map((e) => e.children.find((c) => c.name === 'text')!.text)).toEqual([
      'outside 10.244.0.0/16: 192.168.7.0/24 stray (conflict: NODE_POD_CIDR_OUTSIDE_CLUSTER_CIDR: node str…',
    ]);
    expect(titleOf(outside[0]!)).toBe(
      '192.168.7.0/24 — stray\nnode pod CIDR\nutilisation 0 %\nconflict: NODE_POD_CIDR_OUTSIDE_CLUSTER_CIDR: node stray pod CIDR 192.168.7.0/24 is outside cluster CIDR 10.244.0.0/16\nnode stray: 0 pods on 254 usable addresses',
    );
  });

  it('draws a service CIDR inside the cluster CIDR as a conflict in both spaces, and external networks that overlap', () => {
    const map = mapOf(cluster({ serviceCIDRs: [P('10.244.128.0/20')], nodes: [node('n', ['10.244.128.0/24'])], pods: [], services: [] }), ['10.244.0.0/18']);
    const pods = map.spaces[0]!.blocks.map((b) => [`${b.prefix}`, b.kind, b.conflict]);
    expect(pods).toEqual([
      ['10.244.128.0/24', 'node', true],
      ['10.244.128.0/20', 'service', true],
      ['10.244.0.0/18', 'external', true],
    ]);
    const services = map.spaces.find((s) => s.title.startsWith('Service range'))!.blocks.map((b) => [`${b.prefix}`, b.kind, b.conflict]);
    expect(services).toEqual([
      ['10.244.128.0/20', 'service', true],
      ['10.244.0.0/16', 'cluster', true],
      ['10.244.128.0/24', 'node', true],
    ]);
    expect(map.spaces[0]!.blocks[2]!.conflictReason).toContain('POD_CIDR_OVERLAPS_EXTERNAL');
  });

  it('draws a Calico pool as its own space with its blocks coloured by allocations', () => {
    const pool: PluginPool = { plugin: 'calico', name: 'default-ipv4-ippool', cidrs: [P('10.244.0.0/16')], blockSize: 26, disabled: false, options: {}, from: { object: 'IPPool/default-ipv4-ippool' } };
    const alloc = (a: string, pod: string): PluginAllocation => ({ address: A(a), handle: `h-${a}`, kind: 'pod', pod, node: 'worker-1' });
    const block: PluginBlock = { plugin: 'calico', pool: 'default-ipv4-ippool', cidr: P('10.244.1.0/26'), node: 'worker-1', allocations: [alloc('10.244.1.5', 'default/web-0'), alloc('10.244.1.6', 'default/web-1')], from: {} };
    const map = mapOf(cluster({ pools: [pool], blocks: [block] }), ['10.244.192.0/18']);
    const space = map.spaces.find((s) => s.title.startsWith('Calico pool'))!;
    expect(space.notes).toEqual([
      'calico pool default-ipv4-ippool: < 0.1 % used by addresses, 1 block in use of /26',
      'conflict PLUGIN_POOL_OVERLAPS_EXTERNAL: Calico pool default-ipv4-ippool 10.244.0.0/16 overlaps external network 10.244.192.0/18: pods there cannot reach it',
    ]);
    expect([space.title, `${space.prefix}`, space.cellBits]).toEqual(['Calico pool default-ipv4-ippool IPv4', '10.244.0.0/16', 26]);
    expect(space.blocks.map((b) => [`${b.prefix}`, b.kind, b.label, b.utilisation, b.conflict])).toEqual([
      ['10.244.1.0/26', 'block', 'worker-1', 2 / 64, undefined],
      ['10.244.192.0/18', 'external', '10.244.192.0/18', undefined, true],
    ]);
    expect(space.blocks[0]!.detail).toBe('2 of 64 addresses allocated\naffine to node worker-1');
    // 1,024 /26 blocks would make 1,024 cells: within the default cap.
    expect(addressMapGrid(space).cellBits).toBe(26);
  });

  it('folds a Flannel pool that is the cluster CIDR into the cluster space', () => {
    const pool: PluginPool = { plugin: 'flannel', name: 'flannel', cidrs: [P('10.244.0.0/16')], blockSize: 24, disabled: false, options: {}, from: {} };
    const blocks: PluginBlock[] = ['10.244.1.0/24', '10.244.2.0/24'].map((c, i) => ({ plugin: 'flannel', pool: 'flannel', cidr: P(c), node: `worker-${i + 1}`, allocations: undefined, from: {} }));
    const map = mapOf(cluster({ pools: [pool], blocks }));
    expect(map.spaces.some((s) => s.title.includes('pool'))).toBe(false);
    expect(map.spaces[0]!.notes).toContain("flannel pool flannel is this cluster CIDR; its blocks are the nodes' pod CIDRs");
    expect(map.spaces[0]!.blocks[1]!.detail).toContain('flannel block of pool flannel');
  });

  it('draws node pod CIDRs in the prefix holding them when the cluster CIDR is unknown', () => {
    const map = mapOf({ nodes: [node('a', ['10.1.0.0/24']), node('b', ['10.1.3.0/24'])] });
    expect(map.spaces.map((s) => [s.title, `${s.prefix}`])).toEqual([['Node pod CIDRs IPv4 (cluster CIDR unknown)', '10.1.0.0/22']]);
  });

  it('escapes hostile names and reasons everywhere', () => {
    const evil = `<script>alert("x&y")</script>'`;
    const map = mapOf(cluster({ nodes: [node(evil, ['10.244.0.0/24']), node(`${evil}2`, ['10.244.0.0/24'])], pods: [], sources: [`${evil}.json`] }));
    const svg = addressMapSvg(map);
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain(`"x&y"`);
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&apos;');
    const root = parseXml(svg);
    expect(elements(root).some((e) => e.name === 'script')).toBe(false);
    // Decoded, the texts are the names as given.
    expect(byClass(root, 'conflict').map((e) => titleOf(e).split('\n')[0])).toEqual([`10.244.0.0/24 — ${evil}`, `10.244.0.0/24 — ${evil}2`]);
    expect(root.children.find((c) => c.name === 'title')!.text).toBe(`Address map: ${evil}.json`);
  });

  it('replaces characters XML cannot carry', () => {
    const svg = addressMapSvg({ title: 'bell\u0007 \uD800 end', spaces: [] });
    expect(parseXml(svg).children.find((c) => c.name === 'title')!.text).toBe('bell\uFFFD \uFFFD end');
  });

  it('is deterministic: the same input gives the same bytes', () => {
    const a = addressMapSvg(mapOf(cluster()));
    const b = addressMapSvg(mapOf(cluster()));
    expect(a).toBe(b);
  });
});

describe('addressMapOfPlan', () => {
  it('draws the planned cluster CIDR with the required node blocks, and the service range, per family', () => {
    const p = plan({ nodes: 100, podsPerNode: 50, services: 300, families: [4, 6] });
    const map = addressMapOfPlan(p);
    expect(map.spaces.map((s) => [s.title, `${s.prefix}`])).toEqual([
      ['Planned pod network IPv4 (cluster CIDR)', `${p.ipv4!.clusterCIDR}`],
      ['Planned service range IPv4', `${p.ipv4!.serviceCIDR}`],
      ['Planned pod network IPv6 (cluster CIDR)', `${p.ipv6!.clusterCIDR}`],
      ['Planned service range IPv6', `${p.ipv6!.serviceCIDR}`],
    ]);
    for (const [i, fp] of [p.ipv4!, p.ipv6!].entries()) {
      const nodes = map.spaces[2 * i]!.blocks;
      // The node blocks cover exactly the first 100 node blocks of the cluster CIDR.
      const size = 1n << BigInt(fp.clusterCIDR.addr.bitLength - fp.nodeMaskSize);
      expect(nodes.reduce((n, b) => n + b.prefix.size, 0n)).toBe(100n * size);
      expect(nodes.every((b) => fp.clusterCIDR.containsPrefix(b.prefix) && b.kind === 'node')).toBe(true);
      expect(nodes[0]!.prefix.addr.equals(fp.clusterCIDR.addr)).toBe(true);
      expect(nodes.at(-1)!.label).toBe(nodes.length === 1 ? 'nodes 1–100' : `nodes ${101 - Number(nodes.at(-1)!.prefix.size / size)}–100`);
      expect(map.spaces[2 * i]!.cellBits).toBe(fp.nodeMaskSize);
      const services = map.spaces[2 * i + 1]!.blocks;
      expect(services.reduce((n, b) => n + b.prefix.size, 0n)).toBe(301n);
    }
    const svg = addressMapSvg(map);
    const spaces = drawn(svg);
    expect(spaces[0]!.blocks.get(`${map.spaces[0]!.blocks[0]!.prefix} — nodes 1–64`)).toHaveLength(1);
  });
});

describe('addressMapSvg', () => {
  const space = (prefix: string, blocks: AddressMapBlock[], more: Partial<AddressMapSpace> = {}): AddressMapSpace => ({ title: 'Space', prefix: P(prefix), blocks, ...more });

  it('is a standalone SVG 1.1 document with a namespace, size and view box', () => {
    const svg = addressMapSvg({ title: 'T', spaces: [space('10.0.0.0/24', [])] });
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" version="1.1" ')).toBe(true);
    const root = parseXml(svg);
    expect(root.name).toBe('svg');
    expect(root.attributes['viewBox']).toBe(`0 0 ${root.attributes['width']} ${root.attributes['height']}`);
    expect(root.children[0]!.name).toBe('title');
  });

  it('marks the cell of a block smaller than a cell, and says what a cell is', () => {
    const svg = addressMapSvg({ title: 'T', spaces: [space('10.0.0.0/8', [{ prefix: P('10.1.2.0/28'), kind: 'node', label: 'tiny' }], { cellBits: 16 })] }, { maxCells: 256 });
    const [s] = drawn(svg);
    expect(byClass(s!.space, 'caption')[0]!.text).toBe('256 cells (16 × 16), 1 cell = /16 (65,536 addresses) · 1 node pod CIDR · 0 conflicts');
    const marks = byClass(s!.space, 'mark');
    expect(marks.map(titleOf)).toEqual(['cell 10.1.0.0/16 holds 1 block smaller than a cell:\n10.1.2.0/28 tiny']);
    const block = rectOf(s!.blocks.get('10.1.2.0/28 — tiny')![0]!);
    const grid = addressMapGrid(space('10.0.0.0/8', [], { cellBits: 16 }), { maxCells: 256 });
    const cell = grid.cellOf(A('10.1.2.0'))!;
    const unit = s!.area.w / grid.columns;
    // The tiny block lies inside its marked cell.
    expect(block.x).toBeGreaterThanOrEqual(s!.area.x + cell.column * unit);
    expect(block.x + block.w).toBeLessThanOrEqual(s!.area.x + (cell.column + 1) * unit);
    expect(block.y).toBeGreaterThanOrEqual(s!.area.y + cell.row * unit);
    expect(block.y + block.h).toBeLessThanOrEqual(s!.area.y + (cell.row + 1) * unit);
  });

  it('coarsens cells to the cap and refines them to 64 when blocks are as big as the space', () => {
    expect(addressMapGrid(space('10.0.0.0/8', [{ prefix: P('10.0.0.0/28'), kind: 'node' }])).cellBits).toBe(20);
    expect(addressMapGrid(space('10.0.0.0/8', [{ prefix: P('10.0.0.0/8'), kind: 'service' }]))).toMatchObject({ cellBits: 14, columns: 8, rows: 8 });
    expect(addressMapGrid(space('10.0.0.0/30', []))).toMatchObject({ cellBits: 32, columns: 2, rows: 2 });
    expect(addressMapGrid(space('10.0.0.0/16', [{ prefix: P('10.0.0.0/23'), kind: 'node' }]))).toMatchObject({ cellBits: 23, columns: 16, rows: 8 });
    expect(addressMapGrid(space('2001:db8::/32', [{ prefix: P('2001:db8::/64'), kind: 'node' }]))).toMatchObject({ cellBits: 44, columns: 64, rows: 64 });
  });

  it.each([
    [{ maxCells: 3 }, 'options.maxCells must be a power of two from 1 to 65536, got 3'],
    [{ maxCells: 0 }, 'options.maxCells must be a power of two from 1 to 65536, got 0'],
    [{ size: 10 }, 'options.size must be an integer from 64 to 4096, got 10'],
  ])('rejects options %j', (options, message) => {
    expect(() => addressMapSvg({ title: 'T', spaces: [] }, options)).toThrow(`addressMapSvg: ${message}`);
  });

  it('rejects a bad utilisation or kind, naming the block', () => {
    const bad = (b: Partial<AddressMapBlock>): AddressMap => ({ title: 'T', spaces: [space('10.0.0.0/16', [{ prefix: P('10.0.1.0/24'), kind: 'node', ...b }])] });
    const err = (() => {
      try {
        addressMapSvg(bad({ utilisation: Number.NaN }));
      } catch (e) {
        return e;
      }
    })();
    expect(IpamError.isInstance(err)).toBe(true);
    expect((err as IpamError).code).toBe('ERR_INVALID_ARGUMENT');
    expect((err as Error).message).toBe('addressMapSvg: map.spaces[0].blocks[0] (10.0.1.0/24).utilisation must be a finite number ≥ 0, got NaN');
    expect(() => addressMapSvg(bad({ kind: 'pod' as never }))).toThrow('map.spaces[0].blocks[0] (10.0.1.0/24).kind must be one of node, service, cluster, pool, block, reserved, external, got "pod"');
  });

  it('draws the example map of the docs (file snapshot for review)', async () => {
    const svg = addressMapSvg(mapOf(cluster({
      nodes: [...cluster().nodes!, node('worker-3', ['10.244.2.0/24']), node('edge-<1>', ['10.244.9.0/25'])],
    })));
    parseXml(svg);
    await expect(svg).toMatchFileSnapshot('./__snapshots__/address-map.svg');
  });
});

// ---- properties ----

/** Random non-overlapping blocks inside a random space: a space, then prefixes cut from it at random. */
const spaceWithBlocks = fc
  .record({
    family: fc.constantFrom(4 as const, 6 as const),
    base: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
    hostBits: fc.integer({ min: 0, max: 24 }),
    cuts: fc.array(fc.record({ at: fc.bigInt({ min: 0n, max: (1n << 24n) - 1n }), bits: fc.integer({ min: 0, max: 24 }) }), { maxLength: 40 }),
    maxCells: fc.constantFrom(1, 2, 16, 64, 512, 4096),
    cellBits: fc.option(fc.integer({ min: 0, max: 24 }), { nil: undefined }),
  })
  .map(({ family, base, hostBits, cuts, maxCells, cellBits }) => {
    const width = family === 4 ? 32 : 128;
    const h = Math.min(hostBits, width);
    const spacePrefix = Addr.fromBigInt(base & ((1n << BigInt(width)) - 1n), family).prefix(width - h);
    const blocks: Prefix[] = [];
    for (const c of cuts) {
      const bits = spacePrefix.bits + Math.min(c.bits, h);
      const offset = c.at & ((1n << BigInt(h)) - 1n);
      const p = Addr.fromBigInt(spacePrefix.addr.toBigInt() + offset, family).prefix(bits);
      if (!blocks.some((q) => q.overlaps(p))) blocks.push(p);
    }
    return { space: spacePrefix, blocks, maxCells, cellBits: cellBits === undefined ? undefined : spacePrefix.bits + Math.min(cellBits, h) };
  });

describe('addressMapSvg properties', () => {
  it('draws every block exactly once, inside the drawing, and no two blocks overlap', () => {
    fc.assert(
      fc.property(spaceWithBlocks, ({ space, blocks, maxCells, cellBits }) => {
        const map: AddressMap = {
          title: 'property',
          spaces: [{ title: 'S', prefix: space, blocks: blocks.map((p, i) => ({ prefix: p, kind: 'node', label: `n${i}` })), ...(cellBits !== undefined ? { cellBits } : {}) }],
        };
        const [s] = drawn(addressMapSvg(map, { maxCells }));
        expect([...s!.blocks.keys()].sort()).toEqual(blocks.map((p, i) => `${p} — n${i}`).sort());
        const rects = blocks.map((p, i) => {
          const found = s!.blocks.get(`${p} — n${i}`)!;
          expect(found).toHaveLength(1);
          return rectOf(found[0]!);
        });
        const eps = 1e-5;
        for (const r of rects) {
          expect(r.w).toBeGreaterThan(0);
          expect(r.x).toBeGreaterThanOrEqual(s!.area.x - eps);
          expect(r.y).toBeGreaterThanOrEqual(s!.area.y - eps);
          expect(r.x + r.w).toBeLessThanOrEqual(s!.area.x + s!.area.w + eps);
          expect(r.y + r.h).toBeLessThanOrEqual(s!.area.y + s!.area.h + eps);
        }
        for (let i = 0; i < rects.length; i++) {
          for (let j = i + 1; j < rects.length; j++) {
            const a = rects[i]!;
            const b = rects[j]!;
            const overlap = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x) > eps && Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y) > eps;
            expect(overlap, `${blocks[i]} and ${blocks[j]}`).toBe(false);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('draws overlapping (conflicting) and outside blocks once each too, and stays well-formed', () => {
    fc.assert(
      fc.property(spaceWithBlocks, fc.array(fc.constantFrom('10.0.0.0/8', '::/0', '192.168.0.0/24', 'fd00::/64'), { maxLength: 3 }), ({ space, blocks, maxCells }, others) => {
        // Every block twice (the same pod CIDR on two nodes), and blocks that may lie outside.
        const all = [...blocks, ...blocks, ...others.map(P)];
        const map: AddressMap = { title: 'T', spaces: [{ title: 'S', prefix: space, blocks: all.map((p, i) => ({ prefix: p, kind: 'node', label: `n${i}`, conflict: i % 2 === 0 })) }] };
        const [s] = drawn(addressMapSvg(map, { maxCells }));
        expect([...s!.blocks.keys()].sort()).toEqual(all.map((p, i) => `${p} — n${i}`).sort());
        expect([...s!.blocks.values()].every((b) => b.length === 1)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('lays an aligned prefix out as exactly the cells of its rectangle (Hilbert order keeps prefixes contiguous)', () => {
    fc.assert(
      fc.property(spaceWithBlocks, fc.bigInt({ min: 0n, max: (1n << 24n) - 1n }), fc.nat(24), ({ space, maxCells, cellBits }, at, depth) => {
        const grid = addressMapGrid({ title: 'S', prefix: space, blocks: [], ...(cellBits !== undefined ? { cellBits } : {}) }, { maxCells });
        expect(grid.columns * grid.rows).toBe(2 ** (grid.cellBits - space.bits));
        expect(grid.columns * grid.rows).toBeLessThanOrEqual(maxCells);
        const bits = Math.min(space.bits + depth, grid.cellBits);
        const h = space.addr.bitLength - space.bits;
        const prefix = Addr.fromBigInt(space.addr.toBigInt() + (at & ((1n << BigInt(h)) - 1n)), space.family).prefix(bits);
        const rect = grid.rectOf(prefix)!;
        // Each cell of the prefix, found address by address (one per cell), lies in the rectangle...
        const cells = new Set<string>();
        const cellSize = 1n << BigInt(space.addr.bitLength - grid.cellBits);
        for (let a = prefix.addr.toBigInt(); a <= prefix.last().toBigInt(); a += cellSize) {
          const c = grid.cellOf(Addr.fromBigInt(a, space.family))!;
          expect(c.column >= rect.x && c.column < rect.x + rect.width && c.row >= rect.y && c.row < rect.y + rect.height).toBe(true);
          cells.add(`${c.column},${c.row}`);
        }
        // ... and they fill it: distinct cells, as many as the rectangle has, so the prefix is one solid rectangle.
        expect(cells.size).toBe(rect.width * rect.height);
        expect(Number(prefix.size / cellSize)).toBe(cells.size);
      }),
      { numRuns: 200 },
    );
  });

  it('moves one cell at a time from each address block to the next (the curve is continuous)', () => {
    for (const k of [0, 1, 2, 3, 6, 7, 12]) {
      const space = P(`10.0.0.0/${32 - k}`);
      const grid = addressMapGrid({ title: 'S', prefix: space, blocks: [], cellBits: 32 }, { maxCells: 4096 });
      let prev: { column: number; row: number } | undefined;
      const seen = new Set<string>();
      for (let i = 0n; i < 1n << BigInt(k); i++) {
        const c = grid.cellOf(Addr.fromBigInt(space.addr.toBigInt() + i, 4))!;
        seen.add(`${c.column},${c.row}`);
        if (prev !== undefined) expect(Math.abs(c.column - prev.column) + Math.abs(c.row - prev.row), `k=${k} i=${i}`).toBe(1);
        prev = c;
      }
      expect(seen.size).toBe(2 ** k);
    }
  });

  it('escapes any label: the SVG stays well-formed and the tooltip reads back the label', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (label) => {
        const svg = addressMapSvg({ title: label, spaces: [{ title: label, prefix: P('10.0.0.0/16'), blocks: [{ prefix: P('10.0.1.0/24'), kind: 'node', label, conflict: true, conflictReason: label, detail: label }], notes: [label] }] });
        const [s] = drawn(svg);
        const clean = label.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
        const blocks = byClass(s!.space, 'block');
        expect(blocks).toHaveLength(1);
        expect(titleOf(blocks[0]!)).toBe(`${clean === '' ? '10.0.1.0/24' : `10.0.1.0/24 — ${clean}`}\nnode pod CIDR\nconflict: ${clean}${clean === '' ? '' : `\n${clean}`}`);
      }),
      { numRuns: 100 },
    );
  });
});

describe('address map of a real cluster', () => {
  it('draws the minikube cluster-info dump of the shared corpus: its node block, its service range', async () => {
    const { readFileSync } = await import('node:fs');
    const { discover } = await import('@ipam/kubernetes');
    const dump = readFileSync(new URL('../../../../shared/corpus/cluster-info-dump-minikube-excerpt.txt', import.meta.url), 'utf8');
    const network = await discover({ dump });
    const report = audit(network);
    const svg = addressMapSvg(addressMapOfAudit(network, report));
    const spaces = drawn(svg);
    const titles = spaces.flatMap((s) => [...s.blocks.keys()]);
    for (const n of network.nodes) {
      for (const p of n.podCIDRs) expect(titles).toContain(`${p} — ${n.name}`);
    }
    for (const r of report.capacity.services) expect(titles.some((t) => t.startsWith(`${r.serviceCIDR} — `))).toBe(true);
    expect(network.nodes.length + report.capacity.services.length).toBeGreaterThan(1);
  });
});
