import { Addr, type Family, IPRange, IPSet, Prefix } from '@ipam/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CidrSet, KubernetesError, type PlanOptions, formatPlan, plan } from './index.js';
import { podAddresses, serviceAddresses, ulaFromSeed } from './internal/plan-math.js';

/** The expectations of one table row; every field is checked. */
interface Row {
  readonly why: string;
  readonly options: PlanOptions;
  readonly cluster: string;
  readonly nodeMask: number;
  readonly service: string;
  readonly maxNodes: number;
  readonly podAddresses: bigint;
  readonly serviceAddresses: bigint;
}

// Each row is worked out by hand in `why`: node block = smallest with ≥ 2 × maxPods addresses and ≥ maxPods
// host-local addresses (size − 3 for IPv4); cluster = node mask − ⌈log2 nodes⌉; service = smallest with ≥ services
// ClusterIPs (size − 2 for IPv4) and ≥ 16 addresses; the larger placed first at the lowest free aligned address.
const rows: Row[] = [
  {
    why: 'the contract example: 500 nodes → 512 = 2^9 /24s (256 ≥ 2 × 110) = /15; 5,000 Services → 8,192 − 2 = /19; 10/8 avoided, so 172.16/12',
    options: { nodes: 500, podsPerNode: 110, services: 5000, avoid: ['10.0.0.0/8'] },
    cluster: '172.16.0.0/15',
    nodeMask: 24,
    service: '172.18.0.0/19',
    maxNodes: 512,
    podAddresses: 253n,
    serviceAddresses: 8190n,
  },
  {
    why: 'the same without avoid starts at 10.0.0.0, the service range right after the cluster CIDR',
    options: { nodes: 500, podsPerNode: 110, services: 5000 },
    cluster: '10.0.0.0/15',
    nodeMask: 24,
    service: '10.2.0.0/19',
    maxNodes: 512,
    podAddresses: 253n,
    serviceAddresses: 8190n,
  },
  {
    why: 'growth 0.1: 550 nodes (not 551: 500 × 1.1 is 550.0000000000001 in floats) → 1,024 → /14; 5,500 Services still fit a /19',
    options: { nodes: 500, podsPerNode: 110, services: 5000, growth: 0.1 },
    cluster: '10.0.0.0/14',
    nodeMask: 24,
    service: '10.4.0.0/19',
    maxNodes: 1024,
    podAddresses: 253n,
    serviceAddresses: 8190n,
  },
  {
    why: 'exactly 512 nodes still fit a /15; 1,022 ClusterIPs of a /22 hold 1,000 Services',
    options: { nodes: 512, podsPerNode: 110, services: 1000 },
    cluster: '10.0.0.0/15',
    nodeMask: 24,
    service: '10.2.0.0/22',
    maxNodes: 512,
    podAddresses: 253n,
    serviceAddresses: 1022n,
  },
  {
    why: "GKE's table: 8 pods → /28 (16 = 2 × 8); one node → the cluster CIDR is the node block; 0 Services → the /28 minimum; a tie places the cluster first",
    options: { nodes: 1, podsPerNode: 8, services: 0 },
    cluster: '10.0.0.0/28',
    nodeMask: 28,
    service: '10.0.0.16/28',
    maxNodes: 1,
    podAddresses: 13n,
    serviceAddresses: 14n,
  },
  {
    why: 'addressesPerPod 1: the smallest block with 110 host-local addresses is a /25 (125)',
    options: { nodes: 2, podsPerNode: 110, services: 14, addressesPerPod: 1 },
    cluster: '10.0.0.0/24',
    nodeMask: 25,
    service: '10.0.1.0/28',
    maxNodes: 2,
    podAddresses: 125n,
    serviceAddresses: 14n,
  },
  {
    why: 'addressesPerPod 1 and 126 pods: a /25 gives only 125, so /24; 15 Services need a /27 (a /28 gives 14)',
    options: { nodes: 2, podsPerNode: 126, services: 15, addressesPerPod: 1 },
    cluster: '10.0.0.0/23',
    nodeMask: 24,
    service: '10.0.2.0/27',
    maxNodes: 2,
    podAddresses: 253n,
    serviceAddresses: 30n,
  },
  {
    why: 'maxPodsPerNode sizes the node block: 30 pods per node on kubelets that keep 110 → /24',
    options: { nodes: 4, podsPerNode: 30, maxPodsPerNode: 110, services: 100 },
    cluster: '10.0.0.0/22',
    nodeMask: 24,
    service: '10.0.4.0/25',
    maxNodes: 4,
    podAddresses: 253n,
    serviceAddresses: 126n,
  },
  {
    why: 'avoid in within: 10.0.0.0/24 taken, so the /23 goes to 10.0.2.0 and the /28 to the lowest free /28, 10.0.1.0',
    options: { nodes: 2, podsPerNode: 110, services: 10, within: ['10.0.0.0/16'], avoid: ['10.0.0.0/24'] },
    cluster: '10.0.2.0/23',
    nodeMask: 24,
    service: '10.0.1.0/28',
    maxNodes: 2,
    podAddresses: 253n,
    serviceAddresses: 14n,
  },
  {
    why: 'avoid takes addresses and ranges too: 10.0.0.5 and 10.0.1.0-10.0.1.3 push both blocks up',
    options: { nodes: 1, podsPerNode: 8, services: 0, within: ['10.0.0.0/22'], avoid: ['10.0.0.5', '10.0.0.16-10.0.0.19'] },
    cluster: '10.0.0.32/28',
    nodeMask: 28,
    service: '10.0.0.48/28',
    maxNodes: 1,
    podAddresses: 13n,
    serviceAddresses: 14n,
  },
  {
    why: 'the largest service range the bitmap allocator accepts: 1,048,574 Services → /12',
    options: { nodes: 1, podsPerNode: 110, services: 1048574 },
    cluster: '10.16.0.0/24',
    nodeMask: 24,
    service: '10.0.0.0/12',
    maxNodes: 1,
    podAddresses: 253n,
    serviceAddresses: 1048574n,
  },
  {
    why: 'IPv6: 1,000 nodes → 1,024 /64s = /54; the /112 service range (65,535 ClusterIPs) after it',
    options: { nodes: 1000, podsPerNode: 110, services: 5000, families: [6], within: ['fd00:1::/48'] },
    cluster: 'fd00:1::/54',
    nodeMask: 64,
    service: 'fd00:1:0:400::/112',
    maxNodes: 1024,
    podAddresses: 2n ** 64n - 2n,
    serviceAddresses: 65535n,
  },
  {
    why: 'IPv6 in a /100: no /64 fits; the first node mask whose /101 cluster CIDR leaves room for a /112 is /103 (110 pods need /120 at most)',
    options: { nodes: 4, podsPerNode: 110, services: 100, families: [6], within: ['fd00::/100'] },
    cluster: 'fd00::/101',
    nodeMask: 103,
    service: 'fd00::800:0/112',
    maxNodes: 4,
    podAddresses: 2n ** 25n - 2n,
    serviceAddresses: 65535n,
  },
  {
    why: 'IPv6 in a /112: a /113 cluster CIDR (node mask /114) leaves the other half for the smallest service range, a /121 for 100 Services',
    options: { nodes: 2, podsPerNode: 50, services: 100, families: [6], within: ['fd00::/112'] },
    cluster: 'fd00::/113',
    nodeMask: 114,
    service: 'fd00::8000/121',
    maxNodes: 2,
    podAddresses: 2n ** 14n - 2n,
    serviceAddresses: 127n,
  },
];

describe('plan', () => {
  it.each(rows.map((r) => [r.why, r] as const))('%s', (_, r) => {
    const p = plan(r.options);
    const f = p.families[0]!;
    expect(f.clusterCIDR.toString()).toBe(r.cluster);
    expect(f.nodeMaskSize).toBe(r.nodeMask);
    expect(f.serviceCIDR.toString()).toBe(r.service);
    expect(f.maxNodes).toBe(r.maxNodes);
    expect(f.podAddressesPerNode).toBe(r.podAddresses);
    expect(f.serviceAddresses).toBe(r.serviceAddresses);
    expect(f.maxPods).toBe(r.maxNodes * (r.options.maxPodsPerNode ?? r.options.podsPerNode));
    expect(f.kubernetesServiceIP.toString()).toBe(f.serviceCIDR.first().add(1)!.toString());
    expect(f.dnsServiceIP.toString()).toBe(f.serviceCIDR.first().add(10)!.toString());
  });

  it('shows the arithmetic of the contract example', () => {
    const p = plan({ nodes: 500, podsPerNode: 110, services: 5000, avoid: ['10.0.0.0/8'] });
    expect(p.required).toEqual({ nodes: 500, podsPerNode: 110, maxPodsPerNode: 110, pods: 55000, services: 5000, growth: 0, addressesPerPod: 2 });
    expect(p.ipv6).toBeUndefined();
    expect(p.ipv4).toBe(p.families[0]);
    expect(p.ipv4!.nodeBlockSize).toBe(256n);
    expect(p.ipv4!.maxPods).toBe(56320);
    expect(p.ipv4!.wasted).toEqual({ clusterCIDR: 131072n - 55000n, serviceCIDR: 8192n - 5000n });
    expect(p.clusterCIDRs.map(String)).toEqual(['172.16.0.0/15']);
    expect(p.serviceCIDRs.map(String)).toEqual(['172.18.0.0/19']);
    expect(p.avoided.toJSON()).toEqual(['10.0.0.0/8']);
    expect(p.flags).toEqual({
      kubeControllerManager: [
        '--allocate-node-cidrs=true',
        '--cluster-cidr=172.16.0.0/15',
        '--node-cidr-mask-size-ipv4=24',
        '--service-cluster-ip-range=172.18.0.0/19',
      ],
      kubeApiserver: ['--service-cluster-ip-range=172.18.0.0/19'],
      kubelet: ['--max-pods=110'],
      kubeProxy: ['--cluster-cidr=172.16.0.0/15'],
      kubeadm: {
        podSubnet: '172.16.0.0/15',
        serviceSubnet: '172.18.0.0/19',
        controllerManagerExtraArgs: [{ name: 'node-cidr-mask-size-ipv4', value: '24' }],
        maxPods: 110,
      },
    });
    expect(p.warnings).toEqual([]);
  });

  it('plans dual-stack with the primary family first in every list', () => {
    const p = plan({ nodes: 100, podsPerNode: 110, services: 300, families: [6, 4], seed: 'prod-eu-1' });
    const ula = ulaFromSeed('prod-eu-1');
    expect(p.families.map((f) => f.family)).toEqual([6, 4]);
    expect(ula.containsPrefix(p.ipv6!.clusterCIDR)).toBe(true);
    expect(p.ipv6!.clusterCIDR.bits).toBe(64 - 7);
    expect(p.ipv6!.nodeMaskSize).toBe(64);
    expect(p.ipv6!.serviceCIDR.bits).toBe(112);
    expect(p.ipv4!.clusterCIDR.toString()).toBe('10.0.0.0/17');
    expect(p.ipv4!.serviceCIDR.toString()).toBe('10.0.128.0/23');
    const both = `${p.ipv6!.clusterCIDR},10.0.0.0/17`;
    expect(p.flags.kubeControllerManager).toEqual([
      '--allocate-node-cidrs=true',
      `--cluster-cidr=${both}`,
      '--node-cidr-mask-size-ipv6=64',
      '--node-cidr-mask-size-ipv4=24',
      `--service-cluster-ip-range=${p.ipv6!.serviceCIDR},10.0.128.0/23`,
    ]);
    expect(p.flags.kubeadm.podSubnet).toBe(both);
  });

  it('derives the default ULA /48 from the seed, reproducibly (RFC 4193: fd00::/8 and a 40-bit Global ID)', () => {
    expect(ulaFromSeed('').toString()).toBe('fde4:8422:2325::/48'); // FNV-1a 64 offset basis 0xcbf29ce484222325, low 40 bits
    expect(ulaFromSeed('a').toString()).toBe('fd4c:8601:ec8c::/48'); // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c
    expect(plan({ nodes: 1, podsPerNode: 1, services: 1, families: [6] }).ipv6!.clusterCIDR.toString()).toBe('fde4:8422:2325::/64');
    expect(plan({ nodes: 1, podsPerNode: 1, services: 1, families: [6], ula: 'fd12:3456:789a::/48' }).ipv6!.clusterCIDR.toString()).toBe(
      'fd12:3456:789a::/64',
    );
  });

  it('ignores within prefixes of a family it does not plan, and uses the default for a family with none', () => {
    const p = plan({ nodes: 1, podsPerNode: 8, services: 0, families: [4, 6], within: ['192.168.0.0/16'], ula: 'fd00:aa::/48' });
    expect(p.ipv4!.clusterCIDR.toString()).toBe('192.168.0.0/28');
    expect(p.ipv6!.clusterCIDR.toString()).toBe('fd00:aa::/64');
    expect(plan({ nodes: 1, podsPerNode: 8, services: 0, within: ['fd00::/48', '172.16.0.0/12'] }).ipv4!.clusterCIDR.toString()).toBe(
      '172.16.0.0/28',
    );
  });

  it('avoids addresses, ranges and sets given as values, as it avoids their strings', () => {
    const base = { nodes: 4, podsPerNode: 8, services: 10, within: ['192.168.0.0/24'] };
    const asStrings = plan({ ...base, avoid: ['192.168.0.0', '192.168.0.16-192.168.0.40', '192.168.0.64/26'] });
    const asValues = plan({
      ...base,
      avoid: [Addr.parse('192.168.0.0'), IPRange.parse('192.168.0.16-192.168.0.40'), IPSet.from(['192.168.0.64/26'])],
    });
    expect(asValues.clusterCIDRs.map(String)).toEqual(asStrings.clusterCIDRs.map(String));
    expect(asValues.serviceCIDRs.map(String)).toEqual(asStrings.serviceCIDRs.map(String));
    expect(asValues.avoided.ranges().map(String)).toEqual(asStrings.avoided.ranges().map(String));
    expect(asValues.avoided.contains(Addr.parse('192.168.0.0'))).toBe(true);
    for (const p of [...asValues.clusterCIDRs, ...asValues.serviceCIDRs]) expect(asValues.avoided.overlapsPrefix(p)).toBe(false);
  });

  describe('warnings', () => {
    it('warns when node blocks have fewer than 2 addresses per pod (addressesPerPod < 2)', () => {
      const p = plan({ nodes: 2, podsPerNode: 110, services: 10, addressesPerPod: 1 });
      expect(p.warnings.map((w) => w.code)).toEqual(['few-addresses-per-pod']);
      expect(p.warnings[0]!.message).toContain('128 addresses');
    });

    it("warns that kubelet's default maxPods (110) must be lowered when node blocks give fewer addresses", () => {
      const p = plan({ nodes: 2, podsPerNode: 30, services: 10 });
      expect(p.ipv4!.nodeMaskSize).toBe(26);
      expect(p.warnings.map((w) => w.code)).toEqual(['kubelet-default-max-pods']);
      expect(p.flags.kubelet).toEqual(['--max-pods=30']);
    });

    it('warns beyond the limits of Considerations for large clusters', () => {
      expect(plan({ nodes: 2, podsPerNode: 250, services: 10 }).warnings.map((w) => w.code)).toEqual(['many-pods-per-node']);
      expect(plan({ nodes: 5001, podsPerNode: 30, services: 10 }).warnings.map((w) => w.code)).toEqual(['kubelet-default-max-pods', 'many-nodes', 'many-pods']);
      expect(plan({ nodes: 4000, podsPerNode: 110, services: 10 }).warnings.map((w) => w.code)).toEqual(['many-pods']);
    });

    it('warns when IPv6 node blocks cannot be /64', () => {
      const p = plan({ nodes: 4, podsPerNode: 110, services: 100, families: [6], within: ['fd00::/100'] });
      expect(p.warnings.map((w) => w.code)).toEqual(['ipv6-node-mask-not-64']);
    });
  });

  describe('impossible plans', () => {
    it.each([
      [
        'everything avoided',
        { nodes: 500, podsPerNode: 110, services: 5000, avoid: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] },
        'nothing is free there',
      ],
      ['a space too small', { nodes: 500, podsPerNode: 110, services: 5000, within: ['10.0.0.0/16'] }, 'need a /15 cluster CIDR'],
      ['room for the cluster CIDR but not the service CIDR', { nodes: 256, podsPerNode: 110, services: 10, within: ['10.0.0.0/16'] }, 'the largest free block is 10.0.0.0/16'],
      ['more nodes than IPv4 has', { nodes: 2 ** 25, podsPerNode: 110, services: 10 }, 'whole IPv4 address space'],
      ['more IPv6 nodes than cidrset allows', { nodes: 65537, podsPerNode: 110, services: 10, families: [6] as Family[] }, 'ErrCIDRSetSubNetTooBig'],
      ['exactly 65,536 IPv6 nodes fit, 65,537 do not', { nodes: 65536, podsPerNode: 110, services: 10, families: [6] as Family[], growth: 0.00001 }, 'at most 16'],
      ['more Services than a /12 holds', { nodes: 1, podsPerNode: 1, services: 1048575 }, 'a /11 service CIDR'],
      ['more Services than an IPv6 range gives', { nodes: 1, podsPerNode: 1, services: 65536, families: [6] as Family[] }, '65,535 ClusterIPs'],
      ['more pods per node than IPv4 has', { nodes: 1, podsPerNode: MAX_INT32, services: 1, addressesPerPod: 3 }, 'no node block holds'],
    ])('%s', (_, options, says) => {
      expect(() => plan(options)).toThrowError(expect.objectContaining({ code: 'ERR_K8S_PLAN_IMPOSSIBLE', message: expect.stringContaining(says) }));
    });

    it('plans 65,536 IPv6 nodes, the most cidrset allows', () => {
      const p = plan({ nodes: 65536, podsPerNode: 110, services: 10, families: [6], within: ['fd00:2::/47'] });
      expect([p.ipv6!.clusterCIDR.toString(), p.ipv6!.nodeMaskSize, p.ipv6!.serviceCIDR.toString()]).toEqual(['fd00:2::/48', 64, 'fd00:2:1::/112']);
      expect(p.ipv6!.maxNodes).toBe(65536);
      // The default ULA /48 is all taken by 65,536 /64s, leaving no room for the service range: node blocks become /65.
      const d = plan({ nodes: 65536, podsPerNode: 110, services: 10, families: [6] });
      expect([d.ipv6!.clusterCIDR.bits, d.ipv6!.nodeMaskSize]).toEqual([49, 65]);
      expect(d.warnings.map((w) => w.code)).toEqual(['ipv6-node-mask-not-64', 'many-nodes', 'many-pods']);
    });
  });

  describe('bad options', () => {
    const base = { nodes: 1, podsPerNode: 1, services: 1 };
    it.each([
      ['nodes 0', { ...base, nodes: 0 }, 'ERR_K8S_INVALID_ARGUMENT', 'nodes must be a safe integer ≥ 1, got 0'],
      ['nodes negative', { ...base, nodes: -3 }, 'ERR_K8S_INVALID_ARGUMENT', 'nodes must be'],
      ['nodes fractional', { ...base, nodes: 1.5 }, 'ERR_K8S_INVALID_ARGUMENT', 'nodes must be'],
      ['nodes a string', { ...base, nodes: '5' }, 'ERR_K8S_INVALID_ARGUMENT', 'nodes must be a safe integer ≥ 1, got "5"'],
      ['nodes NaN', { ...base, nodes: NaN }, 'ERR_K8S_INVALID_ARGUMENT', 'got NaN'],
      ['podsPerNode 0', { ...base, podsPerNode: 0 }, 'ERR_K8S_INVALID_ARGUMENT', 'podsPerNode must be an integer in 1…2147483647'],
      ['podsPerNode above int32 (kubelet maxPods)', { ...base, podsPerNode: 2 ** 31 }, 'ERR_K8S_INVALID_ARGUMENT', 'podsPerNode'],
      ['services negative', { ...base, services: -1 }, 'ERR_K8S_INVALID_ARGUMENT', 'services must be a safe integer ≥ 0'],
      ['services missing', { nodes: 1, podsPerNode: 1 }, 'ERR_K8S_INVALID_ARGUMENT', 'services must be'],
      ['growth negative', { ...base, growth: -0.1 }, 'ERR_K8S_INVALID_ARGUMENT', 'growth must be a finite number ≥ 0'],
      ['growth infinite', { ...base, growth: Infinity }, 'ERR_K8S_INVALID_ARGUMENT', 'growth'],
      ['maxPodsPerNode below podsPerNode', { ...base, podsPerNode: 50, maxPodsPerNode: 40 }, 'ERR_K8S_INVALID_ARGUMENT', 'maxPodsPerNode 40 is less than podsPerNode 50'],
      ['addressesPerPod below 1', { ...base, addressesPerPod: 0.5 }, 'ERR_K8S_INVALID_ARGUMENT', 'addressesPerPod'],
      ['families empty', { ...base, families: [] }, 'ERR_K8S_INVALID_ARGUMENT', 'families must be'],
      ['families unknown', { ...base, families: [5] }, 'ERR_K8S_INVALID_ARGUMENT', 'families must be'],
      ['families three', { ...base, families: [4, 6, 4] }, 'ERR_K8S_INVALID_ARGUMENT', 'families must be'],
      ['families twice the same', { ...base, families: [4, 4] }, 'ERR_K8S_DUAL_STACK', 'names IPv4 twice'],
      ['avoid not an array', { ...base, avoid: '10.0.0.0/8' }, 'ERR_K8S_INVALID_ARGUMENT', 'avoid must be an array'],
      ['avoid unparsable', { ...base, avoid: ['10.0.0.0/8', 'nope'] }, 'ERR_K8S_INVALID_CIDR', 'avoid[1] "nope"'],
      ['avoid a number', { ...base, avoid: [10] }, 'ERR_K8S_INVALID_ARGUMENT', 'avoid[0] must be a CIDR, address or range'],
      ['within host bits', { ...base, within: ['10.1.2.3/8'] }, 'ERR_K8S_INVALID_CIDR', 'within[0] "10.1.2.3/8" is not a CIDR: host bits set (the prefix would be 10.0.0.0/8)'],
      ['within a bare address', { ...base, within: ['10.0.0.1'] }, 'ERR_K8S_INVALID_CIDR', 'within[0] "10.0.0.1" is not a CIDR'],
      ['ula not a /48', { ...base, families: [6], ula: 'fd00::/64' }, 'ERR_K8S_INVALID_ARGUMENT', 'must be a /48 inside fd00::/8'],
      ['ula outside fd00::/8', { ...base, families: [6], ula: 'fc00::/48' }, 'ERR_K8S_INVALID_ARGUMENT', 'must be a /48 inside fd00::/8'],
      ['ula unparsable', { ...base, families: [6], ula: 'fd00::' }, 'ERR_K8S_INVALID_CIDR', 'ula "fd00::" is not a CIDR'],
      ['ula and seed', { ...base, families: [6], ula: 'fd00::/48', seed: 'x' }, 'ERR_K8S_INVALID_ARGUMENT', 'ula or seed, not both'],
      ['seed not a string', { ...base, families: [6], seed: 7 }, 'ERR_K8S_INVALID_ARGUMENT', 'seed must be a string'],
      ['IPv6 within and a seed', { ...base, families: [6], within: ['fd00::/48'], seed: 'x' }, 'ERR_K8S_INVALID_ARGUMENT', 'not both'],
    ])('rejects %s', (_, options, code, says) => {
      let thrown: unknown;
      try {
        plan(options as unknown as PlanOptions);
      } catch (e) {
        thrown = e;
      }
      expect(KubernetesError.isInstance(thrown)).toBe(true);
      expect((thrown as KubernetesError).code).toBe(code);
      expect((thrown as KubernetesError).message).toMatch(/^plan: /);
      expect((thrown as KubernetesError).message).toContain(says);
    });

    it('rejects options that are not an object', () => {
      expect(() => plan(null as unknown as PlanOptions)).toThrowError(expect.objectContaining({ code: 'ERR_K8S_INVALID_ARGUMENT' }));
    });

    it('accepts Prefix values in avoid and within', () => {
      const p = plan({ ...base, within: [Prefix.parse('10.0.0.0/24')], avoid: [Prefix.parse('10.0.0.0/28')] });
      // The /28 service range is the larger block, so it goes first, to the lowest free /28.
      expect([p.ipv4!.serviceCIDR.toString(), p.ipv4!.clusterCIDR.toString()]).toEqual(['10.0.0.16/28', '10.0.0.32/30']);
    });
  });
});

const MAX_INT32 = 2 ** 31 - 1;

/** Networks to avoid that leave 172.16.0.0/12 and 192.168.0.0/16 alone, so a small plan always fits. */
const avoidArbForCidrSet = fc.array(
  fc
    .integer({ min: 8, max: 24 })
    .chain((bits) => fc.integer({ min: 0, max: 2 ** (bits - 8) - 1 }).map((i) => Addr.parse('10.0.0.0').add(i * 2 ** (32 - bits))!.prefix(bits).toString())),
  { maxLength: 3 },
);

/** The rules a plan's family must satisfy, restated plainly from the doc comment of `plan`. */
function checkFamily(f: ReturnType<typeof plan>['families'][number], req: ReturnType<typeof plan>['required'], avoid: IPSet, within: IPSet): void {
  const w = f.family === 4 ? 32 : 128;
  // Satisfies its inputs.
  expect(f.maxNodes).toBeGreaterThanOrEqual(req.nodes);
  expect(f.maxNodes).toBe(2 ** (f.nodeMaskSize - f.clusterCIDR.bits));
  expect(f.podAddressesPerNode).toBeGreaterThanOrEqual(BigInt(req.maxPodsPerNode));
  expect(f.nodeBlockSize).toBeGreaterThanOrEqual(BigInt(Math.ceil(req.addressesPerPod * req.maxPodsPerNode - 1e-9)));
  expect(f.serviceAddresses).toBeGreaterThanOrEqual(BigInt(req.services));
  expect(f.serviceCIDR.size).toBeGreaterThanOrEqual(16n);
  // Kubernetes' limits.
  expect(f.nodeMaskSize).toBeGreaterThanOrEqual(f.clusterCIDR.bits);
  expect(f.nodeMaskSize).toBeLessThanOrEqual(w - 2);
  if (f.family === 6) expect(f.nodeMaskSize - f.clusterCIDR.bits).toBeLessThanOrEqual(16);
  expect(w - f.serviceCIDR.bits).toBeLessThanOrEqual(20);
  // Placement.
  expect(avoid.overlapsPrefix(f.clusterCIDR)).toBe(false);
  expect(avoid.overlapsPrefix(f.serviceCIDR)).toBe(false);
  expect(within.containsPrefix(f.clusterCIDR)).toBe(true);
  expect(within.containsPrefix(f.serviceCIDR)).toBe(true);
  expect(f.clusterCIDR.overlaps(f.serviceCIDR)).toBe(false);
  // Minimal: a longer cluster mask holds too few nodes; a longer service mask too few ClusterIPs or addresses.
  if (f.clusterCIDR.bits < f.nodeMaskSize) expect(2 ** (f.nodeMaskSize - f.clusterCIDR.bits - 1)).toBeLessThan(req.nodes);
  if (!(f.family === 6 && f.serviceCIDR.bits === 112)) {
    const next = f.serviceCIDR.bits + 1;
    expect(serviceAddresses(f.family, next) < BigInt(req.services) || 2n ** BigInt(w - next) < 16n).toBe(true);
  }
  if (f.family === 4) {
    const next = f.nodeMaskSize + 1;
    const fits = next <= 30 && 2 ** (32 - next) >= req.addressesPerPod * req.maxPodsPerNode && podAddresses(4, next) >= BigInt(req.maxPodsPerNode);
    expect(fits).toBe(false);
  }
}

/** Every aligned block of `bits` wholly inside `free`, by brute force. */
function freeBlocks(free: IPSet, space: Prefix, bits: number): Prefix[] {
  return bits < space.bits ? [] : [...space.subnets(bits)].filter((p) => free.containsPrefix(p));
}

describe('plan properties', () => {
  const avoidArb = fc.array(
    fc.tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 6, max: 28 })).map(([v, bits]) => {
      const a = [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
      return Prefix.parse(`${a}/32`).addr.prefix(bits).toString();
    }),
    { maxLength: 4 },
  );

  it('satisfies its inputs, avoids what it must, stays within, and is minimal (IPv4 defaults, random avoid)', () => {
    const rfc1918 = IPSet.from(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6000 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 40000 }),
        fc.constantFrom(0, 0.1, 0.25, 0.5, 1),
        fc.constantFrom(1, 1.5, 2, 3),
        avoidArb,
        (nodes, podsPerNode, services, growth, addressesPerPod, avoid) => {
          let p;
          try {
            p = plan({ nodes, podsPerNode, services, growth, addressesPerPod, avoid });
          } catch (e) {
            // Only the space may run out, and then no /cluster fits beside the /service: checked by the brute-force property.
            expect((e as KubernetesError).code).toBe('ERR_K8S_PLAN_IMPOSSIBLE');
            return;
          }
          expect(p.required.nodes).toBeGreaterThanOrEqual(nodes * (1 + growth) - 1e-6);
          expect(p.required.nodes).toBeLessThan(nodes * (1 + growth) + 1);
          checkFamily(p.ipv4!, p.required, IPSet.from(avoid), rfc1918);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('finds a placement exactly when one exists, lowest address first (brute force over a /20)', () => {
    const space = Prefix.parse('10.0.0.0/20');
    const holes = fc.array(
      fc.tuple(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 22, max: 30 })).map(([off, bits]) =>
        space.first().add(off)!.prefix(bits).toString(),
      ),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 500 }), holes, (nodes, podsPerNode, services, avoid) => {
        const free = IPSet.from([space]).difference(IPSet.from(avoid));
        // The sizes plan() must choose, from the same rules as the table above.
        let nodeMask = 30;
        while (2 ** (32 - nodeMask) < 2 * podsPerNode || podAddresses(4, nodeMask) < BigInt(podsPerNode)) nodeMask--;
        let clusterBits = nodeMask;
        while (2 ** (nodeMask - clusterBits) < nodes) clusterBits--;
        let serviceBits = 28;
        while (serviceAddresses(4, serviceBits) < BigInt(services)) serviceBits--;
        const clusters = freeBlocks(free, space, clusterBits);
        const servicesFree = freeBlocks(free, space, serviceBits);
        const exists = clusters.some((c) => servicesFree.some((s) => !s.overlaps(c)));
        let p;
        try {
          p = plan({ nodes, podsPerNode, services, within: [space.toString()], avoid });
        } catch (e) {
          expect((e as KubernetesError).code).toBe('ERR_K8S_PLAN_IMPOSSIBLE');
          expect(exists).toBe(false);
          return;
        }
        expect(exists).toBe(true);
        const f = p.ipv4!;
        expect([f.nodeMaskSize, f.clusterCIDR.bits, f.serviceCIDR.bits]).toEqual([nodeMask, clusterBits, serviceBits]);
        checkFamily(f, p.required, IPSet.from(avoid), IPSet.from([space]));
        // The larger block is the lowest free one of its size; the other the lowest free one beside it.
        const [first, second, firstFree, secondFree] =
          serviceBits < clusterBits ? [f.serviceCIDR, f.clusterCIDR, servicesFree, clusters] : [f.clusterCIDR, f.serviceCIDR, clusters, servicesFree];
        expect(first.toString()).toBe(firstFree[0]!.toString());
        expect(second.toString()).toBe(secondFree.find((b) => !b.overlaps(first))!.toString());
      }),
      { numRuns: 300 },
    );
  });

  it('plans dual-stack families independently, each within its space and clear of avoid', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70000 }),
        fc.integer({ min: 1, max: 250 }),
        fc.integer({ min: 0, max: 70000 }),
        fc.constantFrom<Family[]>([4, 6], [6, 4], [6]),
        fc.string({ maxLength: 8 }),
        (nodes, podsPerNode, services, families, seed) => {
          let p;
          try {
            p = plan({ nodes, podsPerNode, services, families, seed, avoid: ['10.0.0.0/9'] });
          } catch (e) {
            expect((e as KubernetesError).code).toBe('ERR_K8S_PLAN_IMPOSSIBLE');
            // IPv6 refuses more than 65,536 nodes or 65,535 Services; IPv4 runs out of room for large clusters.
            expect(nodes > 65536 || services > 65535 || families.includes(4)).toBe(true);
            return;
          }
          expect(p.families.map((f) => f.family)).toEqual(families);
          const ula = IPSet.from([ulaFromSeed(seed)]);
          const v6 = p.ipv6!;
          // The default ULA /48 holds 2^16 /64s; beyond 2^15 nodes the cluster CIDR would fill it and leave no service range.
          expect(v6.nodeMaskSize).toBe(p.required.nodes <= 32768 ? 64 : 65);
          expect(v6.serviceCIDR.bits).toBe(112);
          checkFamily(v6, p.required, IPSet.from(['10.0.0.0/9']), ula);
          if (p.ipv4) checkFamily(p.ipv4, p.required, IPSet.from(['10.0.0.0/9']), IPSet.from(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']));
          expect(p.clusterCIDRs).toEqual(p.families.map((f) => f.clusterCIDR));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('is a pure function of its options', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 9000 }), avoidArb, (nodes, podsPerNode, services, avoid) => {
        const run = () => {
          try {
            return formatPlan(plan({ nodes, podsPerNode, services, avoid, families: [4, 6] }));
          } catch (e) {
            return (e as Error).message;
          }
        };
        expect(run()).toBe(run());
      }),
      { numRuns: 50 },
    );
  });
});

describe('plan against CidrSet (kube-controller-manager)', () => {
  /** Allocates the plan's nodes from its cluster CIDR as kube-controller-manager would, then one past the end. */
  function allocateAll(f: ReturnType<typeof plan>['families'][number], nodes: number): void {
    const set = new CidrSet(f.clusterCIDR, f.nodeMaskSize);
    expect(set.maxCIDRs).toBe(f.maxNodes);
    for (let i = 0; i < nodes; i++) {
      const block = set.allocateNext();
      expect(block.bits).toBe(f.nodeMaskSize);
      expect(f.clusterCIDR.containsPrefix(block)).toBe(true);
      expect(block.overlaps(f.serviceCIDR)).toBe(false);
    }
    for (let i = nodes; i < f.maxNodes; i++) set.allocateNext();
    expect(() => set.allocateNext()).toThrowError(expect.objectContaining({ code: 'ERR_K8S_CIDR_SET_FULL' }));
  }

  it.each(rows.filter((r) => r.maxNodes <= 1024).map((r) => [r.why, r] as const))('allocates every node of: %s', (_, r) => {
    const p = plan(r.options);
    allocateAll(p.families[0]!, p.required.nodes);
  });

  it('allocates the nodes of random plans, both families, without error', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 1, max: 250 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.constantFrom<Family[]>([4], [4, 6], [6, 4]),
        avoidArbForCidrSet,
        (nodes, podsPerNode, services, families, avoid) => {
          const p = plan({ nodes, podsPerNode, services, families, avoid });
          for (const f of p.families) allocateAll(f, p.required.nodes);
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('formatPlan', () => {
  it('writes the contract example as text', () => {
    expect(formatPlan(plan({ nodes: 500, podsPerNode: 110, services: 5000, avoid: ['10.0.0.0/8'] }))).toBe(
      [
        'Cluster address plan: 500 nodes × 110 pods, 5,000 Services, growth 0%',
        'Clear of: 10.0.0.0/8',
        '',
        'IPv4',
        '  cluster CIDR   172.16.0.0/15    131,072 addresses',
        '  node mask      /24              256 addresses per node, 253 pod addresses (host-local: network, gateway and broadcast excluded)',
        '  nodes          512              max = 2^(24 − 15); 500 needed, 12 spare',
        '  pods           56,320           max = 512 nodes × 110 (kubelet maxPods); 55,000 needed',
        '  service CIDR   172.18.0.0/19    8,190 ClusterIPs (network and broadcast excluded); 5,000 needed',
        '  well-known     172.18.0.1       kubernetes.default; 172.18.0.10 kube-dns (kubeadm)',
        '  wasted         76,072 of the cluster CIDR (58.0%), 3,192 of the service CIDR (39.0%)',
        '',
        'Flags',
        '  kube-controller-manager  --allocate-node-cidrs=true --cluster-cidr=172.16.0.0/15 --node-cidr-mask-size-ipv4=24 --service-cluster-ip-range=172.18.0.0/19',
        '  kube-apiserver           --service-cluster-ip-range=172.18.0.0/19',
        '  kubelet                  --max-pods=110',
        '  kube-proxy               --cluster-cidr=172.16.0.0/15',
        '',
        'kubeadm (v1beta4)',
        '  apiVersion: kubeadm.k8s.io/v1beta4',
        '  kind: ClusterConfiguration',
        '  networking:',
        '    podSubnet: 172.16.0.0/15',
        '    serviceSubnet: 172.18.0.0/19',
        '  controllerManager:',
        '    extraArgs:',
        '      - name: node-cidr-mask-size-ipv4',
        '        value: "24"',
        '  ---',
        '  apiVersion: kubelet.config.k8s.io/v1beta1',
        '  kind: KubeletConfiguration',
        '  maxPods: 110',
        '',
      ].join('\n'),
    );
  });

  it('writes IPv6 sizes as powers of two, names the primary family, and lists warnings', () => {
    const text = formatPlan(plan({ nodes: 10, podsPerNode: 30, services: 100, families: [6, 4], ula: 'fd00:10::/48' }));
    // The value column is as wide as the family's longest value, here the service CIDR, plus two spaces.
    expect(text).toContain('IPv6 (primary)\n  cluster CIDR   fd00:10::/60        2^68 addresses\n');
    expect(text).toContain('  node mask      /64                 2^64 addresses per node, 2^64 − 2 pod addresses (host-local: network and gateway excluded)\n');
    expect(text).toContain('  service CIDR   fd00:10:0:10::/112  65,535 ClusterIPs (network excluded); 100 needed\n');
    expect(text).toContain('  wasted         2^68 − 300 of the cluster CIDR (100.0%)');
    expect(text).toContain('\nIPv4 (secondary)\n');
    expect(text).toContain('\nWarnings\n  kubelet-default-max-pods: ');
  });
});
