import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Addr, IPRange, Prefix } from '@ipam/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audit, formatAuditReport, type AuditCode, type AuditFinding, type AuditReport } from './audit.js';
import {
  clusterNetwork,
  type ClusterNetworkInit,
  type ClusterNode,
  type ClusterPod,
  type ClusterService,
  type CniNetwork,
  type PluginAllocation,
  type PluginBlock,
  type PluginPool,
  type Setting,
} from './cluster-network.js';
import { discover } from './discover.js';
import { KubernetesError } from './kubernetes-error.js';

const P = (s: string): Prefix => Prefix.parse(s);
const A = (s: string): Addr => Addr.parse(s);

function node(name: string, podCIDRs: string[], addresses: string[] = []): ClusterNode {
  return { name, podCIDRs: podCIDRs.map(P), addresses: addresses.map((a) => ({ type: 'InternalIP', address: A(a) })), from: { object: `Node/${name}` } };
}
function pod(ns: string, name: string, nodeName: string | undefined, ips: string[], more: Partial<ClusterPod> = {}): ClusterPod {
  return { namespace: ns, name, nodeName, hostNetwork: false, phase: 'Running', podIPs: ips.map(A), from: {}, ...more };
}
function svc(ns: string, name: string, ips: string[]): ClusterService {
  return { namespace: ns, name, type: 'ClusterIP', clusterIPs: ips.map(A), from: {} };
}
function cni(name: string, subnets: string[], more: Partial<CniNetwork> = {}): CniNetwork {
  return { name, plugins: ['bridge'], ipamType: 'host-local', subnets: subnets.map(P), ranges: [], usesPodCIDR: false, from: { file: `/etc/cni/net.d/${name}.conflist` }, ...more };
}

/** A healthy dual-stack cluster: 3 nodes, a few pods and Services, everything in place. */
function healthy(extra: ClusterNetworkInit = {}): ClusterNetworkInit {
  return {
    clusterCIDRs: [P('10.244.0.0/16'), P('fd00:10:244::/56')],
    serviceCIDRs: [P('10.96.0.0/12'), P('fd00:10:96::/112')],
    allocateNodeCIDRs: true,
    nodes: [
      node('cp-1', ['10.244.0.0/24', 'fd00:10:244::/64'], ['192.168.10.11']),
      node('worker-1', ['10.244.1.0/24', 'fd00:10:244:1::/64'], ['192.168.10.21']),
      node('worker-2', ['10.244.2.0/24', 'fd00:10:244:2::/64'], ['192.168.10.22']),
    ],
    pods: [
      pod('kube-system', 'kube-apiserver-cp-1', 'cp-1', ['192.168.10.11'], { hostNetwork: true }),
      pod('kube-system', 'coredns-a', 'worker-1', ['10.244.1.2', 'fd00:10:244:1::2']),
      pod('default', 'web-0', 'worker-1', ['10.244.1.3', 'fd00:10:244:1::3']),
      pod('default', 'web-1', 'worker-2', ['10.244.2.2', 'fd00:10:244:2::2']),
      pod('default', 'job-old', 'worker-2', ['10.244.2.2'], { phase: 'Succeeded' }), // finished: its address is free again
    ],
    services: [
      svc('default', 'kubernetes', ['10.96.0.1']),
      svc('kube-system', 'kube-dns', ['10.96.0.10', 'fd00:10:96::a']),
      svc('default', 'web', ['10.100.7.1', 'fd00:10:96::107']),
      svc('default', 'web-headless', []),
    ],
    settings: [
      { name: 'clusterCIDR', value: [P('10.244.0.0/16'), P('fd00:10:244::/56')], source: 'kube-controller-manager', from: { object: 'Pod kube-system/kube-controller-manager-cp-1' } },
      { name: 'clusterCIDR', value: [P('10.244.0.0/16'), P('fd00:10:244::/56')], source: 'kube-proxy', from: { file: 'kube-proxy.yaml' } },
      { name: 'serviceCIDR', value: [P('10.96.0.0/12'), P('fd00:10:96::/112')], source: 'kube-apiserver', from: { object: 'Pod kube-system/kube-apiserver-cp-1' } },
    ],
    cniNetworks: [cni('k8s-pod-network', [], { usesPodCIDR: true })],
    ...extra,
  };
}

const run = (init: ClusterNetworkInit, options = {}): AuditReport => audit(clusterNetwork(init), options);
const codes = (r: AuditReport): AuditCode[] => r.findings.map((f) => f.code);
const only = (r: AuditReport, code: AuditCode): AuditFinding[] => r.findings.filter((f) => f.code === code);

describe('audit', () => {
  it('finds nothing wrong in a healthy cluster', () => {
    const r = run(healthy());
    expect(r.findings).toEqual([]);
    expect(r.counts).toEqual({ error: 0, warning: 0, info: 0 });
  });

  it('sorts findings by severity, then code', () => {
    const r = run(healthy({ clusterCIDRs: [P('10.0.0.0/8')] }), { external: ['10.1.0.0/16'] });
    const ranks = r.findings.map((f) => ({ error: 0, warning: 1, info: 2 })[f.severity]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    for (let i = 1; i < r.findings.length; i++) {
      const [a, b] = [r.findings[i - 1]!, r.findings[i]!];
      if (a.severity === b.severity) expect(a.code <= b.code).toBe(true);
    }
    expect(r.counts.error).toBe(r.findings.filter((f) => f.severity === 'error').length);
  });

  describe('the address plan', () => {
    it('reports a cluster CIDR that overlaps the service CIDR', () => {
      const r = run(healthy({ clusterCIDRs: [P('10.96.0.0/16')], nodes: [] }));
      const [f] = only(r, 'POD_CIDR_OVERLAPS_SERVICE_CIDR');
      expect(f).toMatchObject({ severity: 'error', objects: ['cluster CIDR 10.96.0.0/16', 'service CIDR 10.96.0.0/12'] });
      expect(f!.message).toContain('10.96.0.0/16');
      expect(f!.message).toContain('10.96.0.0/12');
    });

    it('reports cluster and service CIDRs overlapping external networks, given as strings, Prefixes or named', () => {
      const r = run(healthy(), { external: ['10.244.128.0/17', P('fd00:10:96::/120'), { name: 'vpn', cidr: '10.100.0.0/16' }] });
      expect(only(r, 'POD_CIDR_OVERLAPS_EXTERNAL').map((f) => f.objects)).toEqual([['cluster CIDR 10.244.0.0/16', 'External 10.244.128.0/17']]);
      expect(only(r, 'SERVICE_CIDR_OVERLAPS_EXTERNAL').map((f) => f.objects)).toEqual([
        ['service CIDR 10.96.0.0/12', 'External vpn 10.100.0.0/16'],
        ['service CIDR fd00:10:96::/112', 'External fd00:10:96::/120'],
      ]);
    });

    it('leaves external networks clear of the cluster alone', () => {
      expect(run(healthy(), { external: ['10.0.0.0/16', '192.168.0.0/16', 'fd00:1::/48'] }).findings).toEqual([]);
    });

    it('reports node addresses inside the pod or service range', () => {
      const r = run(healthy({ nodes: [node('a', ['10.244.0.0/24'], ['10.244.200.1']), node('b', ['10.244.1.0/24'], ['10.96.5.5'])] }));
      expect(only(r, 'NODE_ADDRESS_IN_POD_CIDR').map((f) => f.objects)).toEqual([['Node/a', 'cluster CIDR 10.244.0.0/16']]);
      expect(only(r, 'NODE_ADDRESS_IN_SERVICE_CIDR').map((f) => f.objects)).toEqual([['Node/b', 'service CIDR 10.96.0.0/12']]);
      expect(only(r, 'NODE_ADDRESS_IN_POD_CIDR')[0]!.message).toContain('10.244.200.1');
    });

    it.each([
      ['100.64.0.0/16', 'shared', 'warning'],
      ['169.254.0.0/16', 'link-local', 'error'],
      ['127.0.0.0/16', 'loopback', 'error'],
      ['192.0.2.0/24', 'documentation', 'warning'],
      ['198.18.0.0/16', 'benchmarking', 'warning'],
      ['fe80::/56', 'link-local', 'error'],
      ['64:ff9b::/112', 'translation', 'error'],
    ] as const)('reports a cluster CIDR %s in a special-purpose block (%s) as %s', (cidr, kind, severity) => {
      const r = run({ clusterCIDRs: [P(cidr)] });
      const fs = only(r, 'SPECIAL_RANGE_OVERLAP');
      expect(fs).toHaveLength(1);
      expect(fs[0]).toMatchObject({ severity, objects: [`cluster CIDR ${cidr}`] });
      expect(fs[0]!.message).toContain(kind);
    });

    it('does not report private or unique-local space', () => {
      const r = run({ clusterCIDRs: [P('172.16.0.0/12'), P('fd12::/48')], serviceCIDRs: [P('192.168.0.0/16')] });
      expect(only(r, 'SPECIAL_RANGE_OVERLAP')).toEqual([]);
      expect(only(r, 'PUBLIC_ADDRESS_SPACE')).toEqual([]);
    });

    it('reports public space: a warning for IPv4, info for IPv6', () => {
      const r = run({ clusterCIDRs: [P('11.0.0.0/16'), P('2600:1f18::/56')], serviceCIDRs: [P('10.0.0.0/7')] });
      const fs = only(r, 'PUBLIC_ADDRESS_SPACE');
      expect(fs.map((f) => [f.severity, f.objects[0]])).toEqual([
        ['warning', 'cluster CIDR 11.0.0.0/16'],
        ['warning', 'service CIDR 10.0.0.0/7'],
        ['info', 'cluster CIDR 2600:1f18::/56'],
      ]);
      expect(fs[1]!.message).toContain('11.0.0.0/8'); // only the public half of 10.0.0.0/7 is named
    });
  });

  describe('node pod CIDRs', () => {
    it('reports the same pod CIDR on two nodes once, naming both', () => {
      const r = run(healthy({ nodes: [node('a', ['10.244.1.0/24']), node('b', ['10.244.1.0/24']), node('c', ['10.244.2.0/24'])] }));
      const fs = only(r, 'NODE_POD_CIDRS_OVERLAP');
      expect(fs.map((f) => f.objects)).toEqual([['Node/a', 'Node/b']]);
      expect(fs[0]!.message).toContain('10.244.1.0/24');
    });

    it('reports a pod CIDR inside another node\'s', () => {
      const r = run(healthy({ nodes: [node('a', ['10.244.0.0/23']), node('b', ['10.244.1.0/24'])] }));
      expect(only(r, 'NODE_POD_CIDRS_OVERLAP').map((f) => f.objects)).toEqual([['Node/a', 'Node/b']]);
    });

    it('reports pod CIDRs outside the cluster CIDR, overlapping the service CIDR, or of the wrong size', () => {
      const r = run(healthy({ nodes: [node('a', ['10.245.0.0/24']), node('b', ['10.244.0.0/25']), node('c', ['10.96.0.0/24'])] }));
      expect(only(r, 'NODE_POD_CIDR_OUTSIDE_CLUSTER_CIDR').map((f) => f.objects[0])).toEqual(['Node/a', 'Node/c']);
      expect(only(r, 'NODE_POD_CIDR_SIZE_MISMATCH').map((f) => f.objects[0])).toEqual(['Node/b']);
      expect(only(r, 'NODE_POD_CIDR_OVERLAPS_SERVICE_CIDR').map((f) => f.objects)).toEqual([['Node/c', 'service CIDR 10.96.0.0/12']]);
    });

    it('reports a node without a pod CIDR when node CIDRs are allocated', () => {
      const r = run(healthy({ nodes: [node('a', ['10.244.0.0/24', 'fd00:10:244::/64']), node('b', ['10.244.1.0/24'])] }));
      expect(only(r, 'NODE_POD_CIDR_MISSING').map((f) => f.message)).toEqual([expect.stringContaining('node b has no IPv6 pod CIDR')]);
      expect(run(healthy({ allocateNodeCIDRs: false, cniNetworks: [], nodes: [node('b', [])] })).findings).toEqual(
        expect.not.arrayContaining([expect.objectContaining({ code: 'NODE_POD_CIDR_MISSING' })]),
      );
    });

    it('reports node masks kube-controller-manager refuses, and masks too small for maxPods', () => {
      expect(only(run({ clusterCIDRs: [P('10.0.0.0/16')], nodeCIDRMaskSizes: { ipv4: 12, ipv6: 64 } }), 'NODE_MASK_INVALID')).toHaveLength(1);
      expect(only(run({ clusterCIDRs: [P('fd00::/40')] }), 'NODE_MASK_INVALID')[0]!.message).toContain('more than 16 bits');
      const small = run({ clusterCIDRs: [P('10.0.0.0/16')], nodeCIDRMaskSizes: { ipv4: 26, ipv6: 64 } });
      expect(only(small, 'NODE_MASK_BELOW_MAX_PODS')[0]!.message).toContain('62 pod addresses, fewer than maxPods 110');
      expect(only(small, 'NODE_MASK_BELOW_MAX_PODS')[0]!.fix).toContain('/25');
      expect(only(run({ clusterCIDRs: [P('10.0.0.0/16')], nodeCIDRMaskSizes: { ipv4: 26, ipv6: 64 } }, { maxPodsPerNode: 60 }), 'NODE_MASK_BELOW_MAX_PODS')).toEqual([]);
    });
  });

  describe('pods', () => {
    it('reports pod IPs outside the cluster CIDR, ignoring hostNetwork and finished pods', () => {
      const r = run(healthy({
        pods: [
          pod('default', 'docker0', 'worker-1', ['172.17.0.2']),
          pod('kube-system', 'proxy', 'worker-1', ['192.168.10.21'], { hostNetwork: true }),
          pod('default', 'done', 'worker-1', ['172.17.0.3'], { phase: 'Failed' }),
        ],
      }));
      expect(only(r, 'POD_IP_OUTSIDE_CLUSTER_CIDR').map((f) => f.objects)).toEqual([['Pod default/docker0', 'cluster CIDR 10.244.0.0/16']]);
      expect(only(r, 'POD_IP_OUTSIDE_CLUSTER_CIDR')[0]!.message).toContain('172.17.0.2');
    });

    it('reports a pod outside its node\'s pod CIDR only when the CNI uses pod CIDRs', () => {
      const init = healthy({ pods: [pod('default', 'stray', 'worker-1', ['10.244.2.9'])] });
      expect(only(run(init), 'POD_IP_OUTSIDE_NODE_POD_CIDR').map((f) => f.objects)).toEqual([['Pod default/stray', 'Node/worker-1']]);
      expect(only(run({ ...init, cniNetworks: [] }), 'POD_IP_OUTSIDE_NODE_POD_CIDR')).toEqual([]);
      expect(only(run({ ...init, cniNetworks: [] }, { cniUsesPodCIDRs: true }), 'POD_IP_OUTSIDE_NODE_POD_CIDR')).toHaveLength(1);
    });

    it('reports an IP held by two running pods once', () => {
      const r = run(healthy({ pods: [pod('a', 'x', 'worker-1', ['10.244.1.5']), pod('b', 'y', 'worker-1', ['10.244.1.5']), pod('c', 'z', 'worker-1', ['10.244.1.5'], { phase: 'Succeeded' })] }));
      expect(only(r, 'POD_IP_DUPLICATE').map((f) => f.objects)).toEqual([['Pod a/x', 'Pod b/y']]);
    });
  });

  describe('services', () => {
    it('reports ClusterIPs outside every service range, counting extra ServiceCIDR objects', () => {
      const init = healthy({
        services: [svc('default', 'kubernetes', ['10.96.0.1']), svc('default', 'old', ['10.0.0.20']), svc('default', 'extra', ['10.200.0.5'])],
        serviceCIDRObjects: [{ name: 'extra', cidrs: [P('10.200.0.0/24')], from: {} }],
      });
      const fs = only(run(init), 'SERVICE_IP_OUTSIDE_SERVICE_CIDR');
      expect(fs.map((f) => f.objects)).toEqual([['Service default/old', 'service CIDR 10.96.0.0/12', 'ServiceCIDR/extra 10.200.0.0/24']]);
      expect(fs[0]!.message).toContain('10.0.0.20');
    });

    it('reports a ClusterIP held by two Services', () => {
      const r = run(healthy({ services: [svc('default', 'kubernetes', ['10.96.0.1']), svc('a', 'x', ['10.96.3.3']), svc('b', 'y', ['10.96.3.3'])] }));
      expect(only(r, 'SERVICE_IP_DUPLICATE').map((f) => f.objects)).toEqual([['Service a/x', 'Service b/y']]);
    });

    it('reports default/kubernetes away from network + 1', () => {
      const r = run(healthy({ services: [svc('default', 'kubernetes', ['10.96.0.2'])] }));
      expect(only(r, 'KUBERNETES_SERVICE_IP_MISMATCH')[0]!.message).toBe('Service default/kubernetes has ClusterIP 10.96.0.2, but service CIDR 10.96.0.0/12 puts it at 10.96.0.1');
    });

    it('summarises each range with its KEP-3070 static band and warns when it fills up', () => {
      const ips = Array.from({ length: 240 }, (_, i) => svc('default', `s${i}`, [`192.168.1.${i + 1}`]));
      const r = run({ clusterCIDRs: [P('10.244.0.0/16')], serviceCIDRs: [P('192.168.1.0/24')], services: ips });
      expect(r.capacity.services).toEqual([
        { serviceCIDR: P('192.168.1.0/24'), source: 'service CIDR', size: 256, staticBand: 16, usable: 254, used: 240, usedStatic: 16, free: 14, utilisation: 240 / 254 },
      ]);
      expect(only(r, 'SERVICE_CIDR_NEAR_FULL')).toHaveLength(1);
      const full = run({ serviceCIDRs: [P('192.168.1.0/28')], services: Array.from({ length: 14 }, (_, i) => svc('d', `s${i}`, [`192.168.1.${i + 1}`])) });
      expect(only(full, 'SERVICE_CIDR_FULL')).toHaveLength(1);
      expect(full.capacity.services[0]).toMatchObject({ size: 16, staticBand: 0, usable: 14, free: 0 });
    });
  });

  describe('settings', () => {
    const kcm = (v: string[]): Setting => ({ name: 'clusterCIDR', value: v.map(P), source: 'kube-controller-manager', from: { object: 'Pod kube-system/kcm' } });
    it('reports components that disagree on the cluster CIDR, naming every observation', () => {
      const settings: Setting[] = [
        kcm(['10.244.0.0/16', 'fd00:10:244::/56']),
        { name: 'clusterCIDR', value: [P('10.244.0.0/16')], source: 'kube-proxy', from: { file: 'kube-proxy.conf' } },
        { name: 'clusterCIDR', value: [P('10.244.0.0/16'), P('fd00:10:244::/56')], source: 'kubeadm', from: { file: 'kubeadm.yaml' } },
      ];
      const [f] = only(run(healthy({ settings })), 'CLUSTER_CIDR_SETTINGS_DISAGREE');
      expect(f!.objects).toEqual([
        'Setting kube-controller-manager clusterCIDR (Pod kube-system/kcm)',
        'Setting kubeadm clusterCIDR (file: kubeadm.yaml)',
        'Setting kube-proxy clusterCIDR (file: kube-proxy.conf)',
      ]);
      expect(f!.message).toContain('kube-proxy 10.244.0.0/16');
    });

    it('reports service CIDR and node mask disagreements, but not extra ServiceCIDRs', () => {
      const settings: Setting[] = [
        { name: 'serviceCIDR', value: [P('10.96.0.0/12')], source: 'kube-apiserver', from: {} },
        { name: 'serviceCIDR', value: [P('10.96.0.0/16')], source: 'kube-controller-manager', from: {} },
        { name: 'serviceCIDR', value: [P('10.200.0.0/16')], source: 'service-cidr', from: { object: 'ServiceCIDR/extra' } },
        { name: 'nodeCIDRMaskSize', value: { ipv4: 24 }, source: 'kube-controller-manager', from: {} },
        { name: 'nodeCIDRMaskSize', value: { ipv4: 25, ipv6: 64 }, source: 'kubeadm', from: {} },
      ];
      const r = run({ settings });
      expect(only(r, 'SERVICE_CIDR_SETTINGS_DISAGREE').map((f) => f.message)).toEqual([
        'the service CIDR is configured differently: kube-apiserver 10.96.0.0/12; kube-controller-manager 10.96.0.0/16',
      ]);
      expect(only(r, 'NODE_MASK_SETTINGS_DISAGREE').map((f) => f.message)).toEqual([
        'the node mask size (ipv4) is configured differently: kube-controller-manager /24; kubeadm /25',
      ]);
    });
  });

  describe('CNI', () => {
    it('reports a CNI subnet outside the cluster CIDR and a range overlapping the service CIDR', () => {
      const r = run(healthy({
        cniNetworks: [
          cni('calico', ['192.168.0.0/16'], { ipamType: 'calico-ipam' }),
          cni('bridge', [], { ranges: [IPRange.parse('10.96.0.100-10.96.0.200')], usesPodCIDR: true }),
        ],
      }));
      expect(only(r, 'CNI_SUBNET_OUTSIDE_CLUSTER_CIDR').map((f) => f.objects)).toEqual([
        ['CNI network calico (file: /etc/cni/net.d/calico.conflist)', 'cluster CIDR 10.244.0.0/16'],
      ]);
      expect(only(r, 'CNI_RANGE_OVERLAPS_SERVICE_CIDR').map((f) => f.message)).toEqual([
        'CNI network bridge hands out 10.96.0.100-10.96.0.200, which overlaps service CIDR 10.96.0.0/12',
      ]);
    });

    it('reports a fixed host-local subnet that is not a node pod CIDR', () => {
      const r = run(healthy({ cniNetworks: [cni('a', ['10.244.1.0/24']), cni('b', ['10.244.9.0/24']), cni('c', ['10.244.0.0/20'])] }));
      expect(only(r, 'CNI_SUBNET_NOT_NODE_POD_CIDR').map((f) => f.objects[0])).toEqual([
        'CNI network b (file: /etc/cni/net.d/b.conflist)',
        'CNI network c (file: /etc/cni/net.d/c.conflist)',
      ]);
    });
  });

  describe('missing data', () => {
    it('says what is unknown and how to find it', () => {
      const r = run({});
      expect(codes(r)).toEqual(['CLUSTER_CIDR_UNKNOWN', 'OBJECTS_UNKNOWN', 'SERVICE_CIDR_UNKNOWN']);
      expect(r.findings.every((f) => f.severity === 'info')).toBe(true);
      expect(only(r, 'CLUSTER_CIDR_UNKNOWN')[0]!.fix).toContain('--cluster-cidr');
      expect(only(r, 'SERVICE_CIDR_UNKNOWN')[0]!.fix).toContain('kubectl get servicecidrs');
    });

    it('surfaces discovery warnings', () => {
      const r = run(healthy({ warnings: [{ code: 'ERR_K8S_INVALID_CIDR', message: 'spec.podCIDR "10.1.2/24" is not a CIDR; skipped', from: { file: 'dump.txt', object: 'Node/x', path: 'spec.podCIDR' } }] }));
      expect(only(r, 'DISCOVERY_WARNING')).toEqual([
        { code: 'DISCOVERY_WARNING', severity: 'warning', message: 'ERR_K8S_INVALID_CIDR: spec.podCIDR "10.1.2/24" is not a CIDR; skipped', objects: ['Node/x (file: dump.txt, path: spec.podCIDR)'], fix: expect.any(String) },
      ]);
    });
  });

  describe('capacity', () => {
    it('counts node blocks as kube-controller-manager does, with the service range marked used', () => {
      // 10.0.0.0/20 in /24 blocks: 16 blocks; the service range 10.0.15.0/25 takes the last; 3 nodes take 3 more.
      const nodes = [node('a', ['10.0.0.0/24']), node('b', ['10.0.1.0/24']), node('c', ['10.0.7.0/24'])];
      const r = run({ clusterCIDRs: [P('10.0.0.0/20')], serviceCIDRs: [P('10.0.15.0/25')], nodes, allocateNodeCIDRs: true });
      expect(r.capacity.families).toEqual([{
        family: 4, clusterCIDR: P('10.0.0.0/20'), nodeMaskSize: 24, nodeBlocks: 16, usedBlocks: 4, serviceBlocks: 1, freeBlocks: 12,
        nodes: 3, maxNodes: 15, utilisation: 0.25, podAddressesPerNode: 254,
      }]);
    });

    it('warns when node blocks run low and errs when none are left', () => {
      const nodes = Array.from({ length: 15 }, (_, i) => node(`n${i}`, [`10.0.${i}.0/24`]));
      const low = run({ clusterCIDRs: [P('10.0.0.0/20')], nodes, allocateNodeCIDRs: true });
      expect(only(low, 'NODE_CIDR_CAPACITY_LOW')[0]!.message).toBe('cluster CIDR 10.0.0.0/20 has 1 of 16 /24 node blocks left (93.8% used): it is exhausted at 16 nodes');
      expect(only(run({ clusterCIDRs: [P('10.0.0.0/20')], nodes, allocateNodeCIDRs: true }, { nodeCapacityThreshold: 0.95 }), 'NODE_CIDR_CAPACITY_LOW')).toEqual([]);
      const full = run({ clusterCIDRs: [P('10.0.0.0/20')], nodes: [...nodes, node('n15', ['10.0.15.0/24'])], allocateNodeCIDRs: true });
      expect(codes(full)).toContain('NODE_CIDR_CAPACITY_EXHAUSTED');
    });

    it('measures each node pod CIDR and warns when one fills up', () => {
      const pods = Array.from({ length: 14 }, (_, i) => pod('d', `p${i}`, 'a', [`10.0.0.${i + 1}`]));
      const r = run({ clusterCIDRs: [P('10.0.0.0/16')], nodeCIDRMaskSizes: { ipv4: 28, ipv6: 64 }, nodes: [node('a', ['10.0.0.0/28']), node('b', ['10.0.0.16/28'])], pods: pods.slice(0, 13) }, { maxPodsPerNode: 14 });
      expect(r.capacity.nodes).toEqual([
        { node: 'a', podCIDR: P('10.0.0.0/28'), pods: 13, usable: 14, utilisation: 13 / 14 },
        { node: 'b', podCIDR: P('10.0.0.16/28'), pods: 0, usable: 14, utilisation: 0 },
      ]);
      expect(only(r, 'NODE_POD_CIDR_NEAR_FULL').map((f) => f.objects)).toEqual([['Node/a']]);
      const full = run({ clusterCIDRs: [P('10.0.0.0/16')], nodeCIDRMaskSizes: { ipv4: 28, ipv6: 64 }, nodes: [node('a', ['10.0.0.0/28'])], pods }, { maxPodsPerNode: 14 });
      expect(only(full, 'NODE_POD_CIDR_FULL').map((f) => f.objects)).toEqual([['Node/a']]);
    });
  });

  describe('options', () => {
    it.each([
      [{ external: ['10.0.0.1/16'] }, 'ERR_K8S_INVALID_CIDR', 'options.external[0]: "10.0.0.1/16" is not a CIDR'],
      [{ external: ['nonsense'] }, 'ERR_K8S_INVALID_CIDR', 'options.external[0]: "nonsense" is not a CIDR'],
      [{ external: [42] }, 'ERR_K8S_INVALID_CIDR', 'options.external[0]: 42 is not a CIDR'],
      [{ external: '10.0.0.0/8' }, 'ERR_K8S_INVALID_ARGUMENT', 'options.external must be an array'],
      [{ nodeCapacityThreshold: 1.5 }, 'ERR_K8S_INVALID_ARGUMENT', 'options.nodeCapacityThreshold must be a number in (0, 1]'],
      [{ podCIDRThreshold: 0 }, 'ERR_K8S_INVALID_ARGUMENT', 'options.podCIDRThreshold'],
      [{ maxPodsPerNode: 1.5 }, 'ERR_K8S_INVALID_ARGUMENT', 'options.maxPodsPerNode must be a positive integer'],
    ])('rejects %j', (options, code, message) => {
      let err: unknown;
      try {
        audit(clusterNetwork(healthy()), options as never);
      } catch (e) {
        err = e;
      }
      expect(KubernetesError.isInstance(err)).toBe(true);
      expect(err).toMatchObject({ code });
      expect((err as Error).message).toContain(message);
    });
  });

  it('gives a report that survives JSON', () => {
    const r = run(healthy({ nodes: [node('a', ['10.244.1.0/24']), node('b', ['10.244.1.0/24'])] }));
    const json = JSON.parse(JSON.stringify(r)) as { capacity: { families: { clusterCIDR: string }[]; nodes: { podCIDR: string }[] } };
    expect(json.capacity.families.map((f) => f.clusterCIDR)).toEqual(['10.244.0.0/16', 'fd00:10:244::/56']);
    expect(json.capacity.nodes[0]!.podCIDR).toBe('10.244.1.0/24');
    expect(JSON.parse(JSON.stringify(r.findings))).toEqual(r.findings);
  });
});

describe('formatAuditReport', () => {
  it('prints the findings and the capacity as aligned tables', () => {
    const report = run(healthy({ clusterCIDRs: [P('10.96.0.0/16')], nodes: [node('a', ['10.96.1.0/24'])], pods: [], cniNetworks: [], settings: [] }));
    expect(report.counts).toEqual({ error: 3, warning: 0, info: 1 });
    const text = formatAuditReport(report);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Findings: 3 errors, 0 warnings, 1 info');
    expect(lines[1]).toMatch(/^SEVERITY {2}CODE {2,}MESSAGE$/);
    const col = lines[1]!.indexOf('MESSAGE');
    expect(lines[2]!.indexOf('cluster CIDR')).toBe(col);
    expect(lines[3]!.slice(col)).toMatch(/^objects: /);
    expect(lines[4]!.slice(col)).toMatch(/^fix: /);
    expect(text).toContain('Node capacity');
    expect(text).toMatch(/\nIPv4 +10\.96\.0\.0\/16 +\/24 +256 +/);
    expect(text).toContain('Service CIDRs');
    expect(lines.every((l) => l === l.trimEnd())).toBe(true);
    expect(text).not.toMatch(/\x1b\[/); // eslint-disable-line no-control-regex
  });

  it('cuts long lists with a count of the rest', () => {
    const pods = Array.from({ length: 30 }, (_, i) => pod('d', `p${i}`, undefined, [`172.17.0.${i + 1}`]));
    const text = formatAuditReport(run(healthy({ pods })), { maxFindingsPerCode: 5, maxNodes: 2 });
    expect(text.match(/POD_IP_OUTSIDE_CLUSTER_CIDR  /g)).toHaveLength(5);
    expect(text).toContain('… 25 more POD_IP_OUTSIDE_CLUSTER_CIDR findings');
    expect(text).toContain('Node pod CIDRs (fullest 2 of 6)');
  });
});

// ---- properties ---------------------------------------------------------------------------------------------------

/** Small random IPv4 prefixes inside 10.0.0.0/24, so that overlaps are frequent. */
const smallPrefix = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 24, max: 30 })).map(([v, bits]) => Addr.parse(`10.0.0.${v}`).prefix(bits));

describe('audit properties', () => {
  it('finds exactly the node pairs whose pod CIDRs overlap (against a pairwise check)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(smallPrefix, { minLength: 0, maxLength: 2 }), { maxLength: 12 }), (cidrs) => {
        const nodes = cidrs.map((ps, i) => ({ ...node(`n${i}`, []), podCIDRs: ps }));
        const r = audit(clusterNetwork({ nodes }));
        const found = new Set<string>();
        for (const f of only(r, 'NODE_POD_CIDRS_OVERLAP')) {
          for (const a of f.objects) for (const b of f.objects) if (a < b) found.add(`${a}|${b}`);
        }
        const expected = new Set<string>();
        for (let i = 0; i < nodes.length; i++) {
          for (let j = i + 1; j < nodes.length; j++) {
            if (nodes[i]!.podCIDRs.some((p) => nodes[j]!.podCIDRs.some((q) => p.overlaps(q)))) {
              const [a, b] = [`Node/n${i}`, `Node/n${j}`].sort();
              expected.add(`${a}|${b}`);
            }
          }
        }
        expect([...found].sort()).toEqual([...expected].sort());
      }),
    );
  });

  it('finds exactly the duplicated pod IPs and the pods outside the cluster CIDR (against a brute-force check)', () => {
    const ip = fc.integer({ min: 0, max: 31 }).map((v) => `10.0.0.${v * 8}`);
    fc.assert(
      // Node pod CIDRs (nested, repeated, anywhere) decide which buckets the duplicate search sorts apart.
      fc.property(fc.array(ip, { maxLength: 20 }), fc.integer({ min: 24, max: 28 }), fc.array(smallPrefix, { maxLength: 6 }), (ips, bits, cidrs) => {
        const cluster = Addr.parse('10.0.0.0').prefix(bits);
        const pods = ips.map((a, i) => pod('d', `p${i}`, undefined, [a]));
        const nodes = cidrs.map((p, i) => ({ ...node(`n${i}`, []), podCIDRs: [p] }));
        const r = audit(clusterNetwork({ clusterCIDRs: [cluster], pods, nodes }));
        const dup = new Map<string, string[]>();
        ips.forEach((a, i) => dup.set(a, [...(dup.get(a) ?? []), `Pod d/p${i}`]));
        const expectedDup = [...dup.values()].filter((g) => g.length > 1).map((g) => g.sort().join(',')).sort();
        expect(only(r, 'POD_IP_DUPLICATE').map((f) => [...f.objects].sort().join(',')).sort()).toEqual(expectedDup);
        const outside = ips.flatMap((a, i) => (cluster.contains(A(a)) ? [] : [`Pod d/p${i}`]));
        expect(only(r, 'POD_IP_OUTSIDE_CLUSTER_CIDR').map((f) => f.objects[0])).toEqual(outside);
      }),
    );
  });

  it('finds exactly the overlaps between cluster, service and external CIDRs and node addresses (against a pairwise check)', () => {
    const addr = fc.integer({ min: 0, max: 255 }).map((v) => `10.0.0.${v}`);
    fc.assert(
      fc.property(fc.array(smallPrefix, { minLength: 1, maxLength: 2 }), fc.array(smallPrefix, { maxLength: 2 }), fc.array(smallPrefix, { maxLength: 3 }), fc.array(addr, { maxLength: 4 }),
        (clusters, services, externals, addresses) => {
          const uniq = (ps: Prefix[]): Prefix[] => ps.filter((p, i) => ps.findIndex((q) => q.equals(p)) === i);
          const [cs, ss] = [uniq(clusters), uniq(services)];
          const nodes = [node('n', [], addresses)];
          const r = audit(clusterNetwork({ clusterCIDRs: cs, serviceCIDRs: ss, nodes }), { external: externals });
          const pairs = (code: AuditCode): string[] => only(r, code).map((f) => f.objects.join(' & ')).sort();
          const expected = (xs: Prefix[], ys: Prefix[], a: string, b: string): string[] =>
            xs.flatMap((x) => ys.filter((y) => x.overlaps(y)).map((y) => `${a}${x} & ${b}${y}`)).sort();
          expect(pairs('POD_CIDR_OVERLAPS_SERVICE_CIDR')).toEqual(expected(cs, ss, 'cluster CIDR ', 'service CIDR '));
          expect(pairs('POD_CIDR_OVERLAPS_EXTERNAL')).toEqual(expected(cs, externals, 'cluster CIDR ', 'External '));
          expect(pairs('SERVICE_CIDR_OVERLAPS_EXTERNAL')).toEqual(expected(ss, externals, 'service CIDR ', 'External '));
          const hosts = addresses.map((a) => A(a).prefix(32));
          const inside = (ys: Prefix[], b: string): string[] =>
            hosts.flatMap((h) => ys.filter((y) => y.overlaps(h)).map((y) => `Node/n & ${b}${y}`)).sort();
          expect(pairs('NODE_ADDRESS_IN_POD_CIDR')).toEqual(inside(cs, 'cluster CIDR '));
          expect(pairs('NODE_ADDRESS_IN_SERVICE_CIDR')).toEqual(inside(ss, 'service CIDR '));
        }),
    );
  });

  it('always reports an external network that overlaps the cluster CIDR', () => {
    fc.assert(
      fc.property(smallPrefix, smallPrefix, (cluster, external) => {
        const r = audit(clusterNetwork({ clusterCIDRs: [cluster] }), { external: [external] });
        const hit = only(r, 'POD_CIDR_OVERLAPS_EXTERNAL');
        expect(hit.length).toBe(cluster.overlaps(external) ? 1 : 0);
        if (hit.length === 1) expect(hit[0]!.objects).toEqual([`cluster CIDR ${cluster}`, `External ${external}`]);
      }),
    );
  });

  it('gives no error for a well-formed random cluster', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 16 }), // cluster CIDR bits inside 10.0.0.0/8
        fc.integer({ min: 1, max: 8 }), // node mask − cluster bits
        fc.integer({ min: 0, max: 20 }), // nodes
        fc.integer({ min: 0, max: 5 }), // pods per node
        fc.integer({ min: 0, max: 30 }), // services
        (bits, extra, nodeCount, perNode, serviceCount) => {
          const cluster = Addr.parse('10.0.0.0').prefix(bits);
          const mask = Math.min(bits + extra, 24);
          const blockSize = 2n ** BigInt(32 - mask);
          const n = Math.min(nodeCount, 2 ** (mask - bits));
          const nodes = Array.from({ length: n }, (_, i) => node(`n${i}`, [`${cluster.first().add(blockSize * BigInt(i))!}/${mask}`], [`192.168.0.${i + 1}`]));
          const pods = nodes.flatMap((nd, i) => Array.from({ length: perNode }, (_, k) => pod('d', `p${i}-${k}`, nd.name, [`${nd.podCIDRs[0]!.first().add(k + 2)!}`])));
          const service = P('172.20.0.0/16');
          const services = [svc('default', 'kubernetes', ['172.20.0.1']), ...Array.from({ length: serviceCount }, (_, i) => svc('d', `s${i}`, [`172.20.1.${i}`]))];
          const r = audit(clusterNetwork({ clusterCIDRs: [cluster], serviceCIDRs: [service], nodeCIDRMaskSizes: { ipv4: mask, ipv6: 64 }, allocateNodeCIDRs: true, nodes, pods, services }), { maxPodsPerNode: 14 });
          // Running out of node blocks is the only error a well-formed cluster can have.
          expect(r.findings.filter((f) => f.severity === 'error' && f.code !== 'NODE_CIDR_CAPACITY_EXHAUSTED')).toEqual([]);
          expect(r.capacity.families[0]!.usedBlocks).toBe(n);
        },
      ),
    );
  });
});

describe('audit and formatAuditReport doc examples', () => {
  it('audit: an external network inside the cluster CIDR', () => {
    const network = clusterNetwork({ clusterCIDRs: [Prefix.parse('10.0.0.0/16')], serviceCIDRs: [Prefix.parse('10.96.0.0/12')] });
    const report = audit(network, { external: ['10.0.0.0/16'] });
    expect(report.findings[0]!.code).toBe('POD_CIDR_OVERLAPS_EXTERNAL');
  });

  it('formatAuditReport: a cluster CIDR around the service CIDR', () => {
    const network = clusterNetwork({ clusterCIDRs: [Prefix.parse('10.0.0.0/8')], serviceCIDRs: [Prefix.parse('10.96.0.0/12')] });
    const lines = formatAuditReport(audit(network)).split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'Findings: 1 error, 0 warnings, 1 info',
      'SEVERITY  CODE                            MESSAGE',
      'error     POD_CIDR_OVERLAPS_SERVICE_CIDR  cluster CIDR 10.0.0.0/8 overlaps service CIDR 10.96.0.0/12',
      '                                          objects: cluster CIDR 10.0.0.0/8, service CIDR 10.96.0.0/12',
    ]);
    expect(lines[4]).toMatch(/^ {42}fix: give pods and Services disjoint ranges \(e\.g\. pods 10\.244\.0\.0\/16, /);
    const at = lines.indexOf('Node capacity');
    expect(lines.slice(at, at + 3)).toEqual([
      'Node capacity',
      'FAMILY  CLUSTER CIDR  NODE MASK  BLOCKS   USED  BY SERVICES    FREE  NODES  MAX NODES  USED %  PODS/NODE',
      'IPv4    10.0.0.0/8          /24  65,536  4,096        4,096  61,440      0     61,440    6.3%        254',
    ]);
  });
});

describe('AuditCode', () => {
  it('is documented: the doc comment names exactly the codes of the union', () => {
    const source = readFileSync(new URL('./audit.ts', import.meta.url), 'utf8');
    const start = source.indexOf('/**\n * AuditCode is');
    const docEnd = source.indexOf('*/', start);
    const unionEnd = source.indexOf(';', docEnd);
    const doc = new Set(source.slice(start, docEnd).match(/`[A-Z][A-Z0-9_]+`/g)!.map((c) => c.slice(1, -1)));
    const union = new Set(source.slice(docEnd, unionEnd).match(/'[A-Z][A-Z0-9_]+'/g)!.map((c) => c.slice(1, -1)));
    expect([...doc].sort()).toEqual([...union].sort());
  });
});

describe('audit of the example cluster dump', () => {
  it('finds the mistakes planted in examples/example-cluster', async () => {
    const dump = readFileSync(new URL('../../../examples/example-cluster/cluster-info-dump.txt', import.meta.url), 'utf8');
    const report = audit(await discover({ dump }));
    const got = report.findings.map((f) => [f.code, f.objects[0]]);
    expect(got).toEqual([
      ['NODE_POD_CIDRS_OVERLAP', 'Node/worker-2'], // a podCIDR handed to two nodes
      ['POD_IP_DUPLICATE', 'Pod default/web-1'], // ... whose pods then collide
      ['POD_IP_OUTSIDE_CLUSTER_CIDR', 'Pod default/legacy-batch-7f9c'], // a pod on the docker0 bridge
      ['SERVICE_IP_OUTSIDE_SERVICE_CIDR', 'Service default/reporting'], // a ClusterIP outside the service range
      ['CLUSTER_CIDR_SETTINGS_DISAGREE', 'Setting kube-controller-manager clusterCIDR (Pod kube-system/kube-controller-manager-cp-1, path: spec.containers[0].command[4])'], // kube-proxy told only IPv4
    ]);
    expect(report.capacity.families.map((f) => [`${f.clusterCIDR}`, f.nodeBlocks, f.usedBlocks, f.freeBlocks, f.maxNodes])).toEqual([
      ['10.244.0.0/16', 256, 4, 252, 256],
      ['fd00:10:244::/56', 256, 5, 251, 256],
    ]);
    const text = formatAuditReport(report, { maxObjects: 3 });
    expect(text).toContain('path: spec.containers[0].command[3]), … 3 more\n'); // six settings objects, three shown
  });
});

// ---- CNI plugin pools -----------------------------------------------------------------------------------------------

function pluginPool(plugin: PluginPool['plugin'], name: string, cidrs: string[], blockSize: number | undefined = 26, more: Partial<PluginPool> = {}): PluginPool {
  return { plugin, name, cidrs: cidrs.map(P), blockSize, disabled: false, options: {}, from: { object: `IPPool/${name}` }, ...more };
}
function podAlloc(address: string, podKey: string | undefined, nodeName: string, kind: PluginAllocation['kind'] = 'pod'): PluginAllocation {
  return { address: A(address), handle: `h-${address}`, kind, pod: podKey, node: nodeName };
}
function pluginBlock(plugin: PluginBlock['plugin'], cidr: string, nodeName: string | undefined, allocations: PluginAllocation[] | undefined, pool?: string): PluginBlock {
  return { plugin, pool, cidr: P(cidr), node: nodeName, allocations, from: { object: `IPAMBlock/${cidr}` } };
}

/** healthy() with a Calico pool over the IPv4 cluster CIDR and the blocks and allocations of its pods. */
function calico(extra: ClusterNetworkInit = {}): ClusterNetworkInit {
  return healthy({
    pools: [pluginPool('calico', 'default-ipv4-ippool', ['10.244.0.0/16'])],
    blocks: [
      pluginBlock('calico', '10.244.1.0/26', 'worker-1', [
        podAlloc('10.244.1.1', undefined, 'worker-1', 'tunnel'),
        podAlloc('10.244.1.2', 'kube-system/coredns-a', 'worker-1'),
        podAlloc('10.244.1.3', 'default/web-0', 'worker-1'),
      ], 'default-ipv4-ippool'),
      pluginBlock('calico', '10.244.2.0/26', 'worker-2', [podAlloc('10.244.2.2', 'default/web-1', 'worker-2')], 'default-ipv4-ippool'),
    ],
    ...extra,
  });
}

describe('audit: CNI plugin pools', () => {
  it('finds nothing wrong in a healthy Calico cluster, and reports pool and block use', () => {
    const r = run(calico());
    expect(r.findings).toEqual([]);
    expect(r.capacity.pools).toEqual([{
      plugin: 'calico', pool: 'default-ipv4-ippool', cidrs: [P('10.244.0.0/16')], disabled: false, blockSize: 26,
      size: 65536, blocks: 1024, blocksInUse: 2, allocated: 4, basis: 'addresses', utilisation: 4 / 65536,
    }]);
    expect(r.capacity.blocks).toEqual([
      { plugin: 'calico', pool: 'default-ipv4-ippool', cidr: P('10.244.1.0/26'), node: 'worker-1', size: 64, allocated: 3, utilisation: 3 / 64 },
      { plugin: 'calico', pool: 'default-ipv4-ippool', cidr: P('10.244.2.0/26'), node: 'worker-2', size: 64, allocated: 1, utilisation: 1 / 64 },
    ]);
  });

  it('PLUGIN_POOLS_OVERLAP: two pools share addresses, of one plugin or two', () => {
    const r = run(calico({ pools: [pluginPool('calico', 'default-ipv4-ippool', ['10.244.0.0/16']), pluginPool('calico', 'extra', ['10.244.128.0/17'], 26, { disabled: true }), pluginPool('flannel', 'flannel', ['10.244.0.0/16'], 24)] }));
    expect(only(r, 'PLUGIN_POOLS_OVERLAP').map((f) => f.message)).toEqual([
      'Calico pool default-ipv4-ippool 10.244.0.0/16 overlaps Calico pool extra 10.244.128.0/17',
      'Calico pool default-ipv4-ippool 10.244.0.0/16 overlaps Flannel pool flannel 10.244.0.0/16',
      'Calico pool extra 10.244.128.0/17 overlaps Flannel pool flannel 10.244.0.0/16',
    ]);
    expect(only(r, 'PLUGIN_POOLS_OVERLAP')[0]!.severity).toBe('error');
    expect(codes(run(calico({ pools: [pluginPool('calico', 'a', ['10.244.0.0/17']), pluginPool('calico', 'b', ['10.244.128.0/17'])] })))).not.toContain('PLUGIN_POOLS_OVERLAP');
  });

  it('PLUGIN_POOL_OVERLAPS_SERVICE_CIDR, PLUGIN_POOL_OVERLAPS_EXTERNAL, NODE_ADDRESS_IN_PLUGIN_POOL', () => {
    const r = run(calico({ pools: [pluginPool('calico', 'default-ipv4-ippool', ['10.244.0.0/16']), pluginPool('calico', 'wide', ['10.96.0.0/11'], 26, { disabled: true }), pluginPool('weave', 'weave', ['192.168.10.0/24'], undefined)] }), { external: [{ name: 'vpn', cidr: '10.100.0.0/16' }] });
    expect(only(r, 'PLUGIN_POOL_OVERLAPS_SERVICE_CIDR').map((f) => f.message)).toEqual(['Calico pool wide 10.96.0.0/11 overlaps service CIDR 10.96.0.0/12']);
    expect(only(r, 'PLUGIN_POOL_OVERLAPS_EXTERNAL').map((f) => f.objects)).toEqual([['Calico pool wide (IPPool/wide)', 'External vpn 10.100.0.0/16']]);
    expect(only(r, 'NODE_ADDRESS_IN_PLUGIN_POOL').map((f) => f.objects[0])).toEqual(['Node/cp-1', 'Node/worker-1', 'Node/worker-2']);
    const clean = run(calico(), { external: ['10.200.0.0/16'] });
    for (const c of ['PLUGIN_POOL_OVERLAPS_SERVICE_CIDR', 'PLUGIN_POOL_OVERLAPS_EXTERNAL', 'NODE_ADDRESS_IN_PLUGIN_POOL'] as const) expect(codes(clean)).not.toContain(c);
  });

  it('PLUGIN_POOL_CLUSTER_CIDR_MISMATCH: an enabled pool outside --cluster-cidr', () => {
    const r = run(calico({ pools: [pluginPool('calico', 'default-ipv4-ippool', ['10.244.0.0/16']), pluginPool('flannel', 'flannel', ['10.0.0.0/8'], 24), pluginPool('calico', 'old', ['10.250.0.0/16'], 26, { disabled: true })] }));
    const f = only(r, 'PLUGIN_POOL_CLUSTER_CIDR_MISMATCH');
    expect(f.map((x) => x.message)).toEqual(['Flannel pool flannel 10.0.0.0/8 is not inside cluster CIDR 10.244.0.0/16 (from kube-controller-manager --cluster-cidr, kube-proxy clusterCIDR)']);
    expect(f[0]!.severity).toBe('warning');
    expect(f[0]!.objects).toContain('Setting kube-controller-manager clusterCIDR (Pod kube-system/kube-controller-manager-cp-1)');
    expect(f[0]!.fix).toContain("net-conf.json's Network to 10.244.0.0/16");
    // no cluster CIDR known: nothing to disagree with
    expect(codes(run(calico({ clusterCIDRs: [], settings: [], pools: [pluginPool('flannel', 'flannel', ['10.0.0.0/8'], 24)] })))).not.toContain('PLUGIN_POOL_CLUSTER_CIDR_MISMATCH');
  });

  it('PLUGIN_POOL_NEAR_FULL and PLUGIN_POOL_FULL: by recorded addresses, at the configured threshold', () => {
    const allocs = (n: number): PluginAllocation[] => Array.from({ length: n }, (_, i) => podAlloc(`10.244.1.${i}`, undefined, 'worker-1', 'other'));
    const tiny = (n: number, options = {}): AuditReport => run(calico({
      pools: [pluginPool('calico', 'tiny', ['10.244.1.0/28'], 28)],
      blocks: [pluginBlock('calico', '10.244.1.0/28', 'worker-1', allocs(n), 'tiny')],
      pods: [],
    }), options);
    expect(codes(tiny(13))).not.toContain('PLUGIN_POOL_NEAR_FULL'); // 81%
    expect(only(tiny(15), 'PLUGIN_POOL_NEAR_FULL').map((f) => f.message)).toEqual(['Calico pool tiny 10.244.1.0/28 is 93.8% used: 15 of 16 addresses allocated']);
    expect(codes(tiny(13, { pluginPoolThreshold: 0.8 }))).toContain('PLUGIN_POOL_NEAR_FULL');
    const full = tiny(16);
    expect(only(full, 'PLUGIN_POOL_FULL').map((f) => [f.severity, f.message])).toEqual([['error', 'Calico pool tiny 10.244.1.0/28 is full: 16 of 16 addresses allocated']]);
    expect(codes(full)).not.toContain('PLUGIN_POOL_NEAR_FULL');
    // Calico blocks are not checked themselves: Calico takes another block
    expect(codes(full)).not.toContain('PLUGIN_BLOCK_FULL');
    expect(() => tiny(1, { pluginPoolThreshold: 1.5 })).toThrow(expect.objectContaining({ code: 'ERR_K8S_INVALID_ARGUMENT' }));
  });

  it('PLUGIN_POOL_NEAR_FULL by blocks handed out when allocations are not recorded (Flannel)', () => {
    const flannel = (nodes: number): AuditReport => run(healthy({
      pools: [pluginPool('flannel', 'flannel', ['10.244.0.0/20'], 24)],
      blocks: Array.from({ length: nodes }, (_, i) => pluginBlock('flannel', `10.244.${i}.0/24`, undefined, undefined)),
    }));
    const r = flannel(15);
    expect(only(r, 'PLUGIN_POOL_NEAR_FULL').map((f) => f.message)).toEqual(['Flannel pool flannel 10.244.0.0/20 is 93.8% used: 15 of 16 /24 blocks handed out']);
    expect(r.capacity.pools[0]).toMatchObject({ basis: 'blocks', blocks: 16, blocksInUse: 15, allocated: undefined });
    expect(only(flannel(16), 'PLUGIN_POOL_FULL')).toHaveLength(1);
    expect(codes(flannel(3))).not.toContain('PLUGIN_POOL_NEAR_FULL');
  });

  it('PLUGIN_BLOCK_NEAR_FULL and PLUGIN_BLOCK_FULL: for Cilium pod CIDRs with recorded use', () => {
    const used = (n: number): PluginAllocation[] => Array.from({ length: n }, (_, i) => podAlloc(`10.244.1.${i}`, undefined, 'worker-1', 'other'));
    const cilium = (n: number): AuditReport => run(healthy({
      pools: [pluginPool('cilium', 'cilium-cluster-pool', ['10.244.0.0/16'], 28)],
      blocks: [pluginBlock('cilium', '10.244.1.0/28', 'worker-1', used(n), 'cilium-cluster-pool')],
      pods: [],
    }));
    expect(only(cilium(15), 'PLUGIN_BLOCK_NEAR_FULL').map((f) => f.message)).toEqual(['Cilium block 10.244.1.0/28 of node worker-1 is 93.8% used: 15 of 16 addresses allocated']);
    expect(only(cilium(16), 'PLUGIN_BLOCK_FULL').map((f) => f.severity)).toEqual(['error']);
    expect(codes(cilium(4))).not.toContain('PLUGIN_BLOCK_NEAR_FULL');
  });

  it('PLUGIN_BLOCK_NODE_MISSING: a block affine to a departed node', () => {
    const r = run(calico({ blocks: [...calico().blocks!, pluginBlock('calico', '10.244.9.0/26', 'worker-9', [podAlloc('10.244.9.5', undefined, 'worker-9', 'other')])] }));
    const f = only(r, 'PLUGIN_BLOCK_NODE_MISSING');
    expect(f.map((x) => x.message)).toEqual(['Calico block 10.244.9.0/26 is affine to node worker-9, which no longer exists (1 addresses still allocated)']);
    expect(f[0]!.fix).toContain('calicoctl delete node worker-9');
    // without nodes in the input nothing is known to be missing
    expect(codes(run(calico({ nodes: [] })))).not.toContain('PLUGIN_BLOCK_NODE_MISSING');
  });

  it("PLUGIN_BLOCK_OUTSIDE_POOL: a block in none of its plugin's pools of its family", () => {
    const stray = pluginBlock('flannel', '10.42.3.0/24', 'worker-3', undefined);
    const r = run(healthy({
      pools: [pluginPool('flannel', 'flannel', ['10.244.0.0/16'], 24), pluginPool('calico', 'other', ['10.42.0.0/16'])],
      blocks: [pluginBlock('flannel', '10.244.1.0/24', 'worker-1', undefined), stray, pluginBlock('flannel', 'fd00:10:244:3::/64', 'worker-3', undefined)],
    }));
    const f = only(r, 'PLUGIN_BLOCK_OUTSIDE_POOL');
    // Another plugin's pool does not count, and no IPv6 Flannel pool is known, so the IPv6 block is not judged.
    expect(f.map((x) => [x.severity, x.message])).toEqual([['error', 'Flannel block 10.42.3.0/24 of node worker-3 is in none of the pools Flannel pool flannel 10.244.0.0/16']]);
    expect(f[0]!.objects).toEqual(['Flannel block 10.42.3.0/24 (IPAMBlock/10.42.3.0/24)', 'Flannel pool flannel (IPPool/flannel)']);
    // blocks without any known pool of their plugin are not judged
    expect(codes(run(healthy({ blocks: [stray] })))).not.toContain('PLUGIN_BLOCK_OUTSIDE_POOL');
    expect(codes(run(calico()))).not.toContain('PLUGIN_BLOCK_OUTSIDE_POOL');
  });

  it('PLUGIN_ALLOCATION_LEAKED: pods gone or holding another address, and tunnels of departed nodes', () => {
    const r = run(calico({
      blocks: [pluginBlock('calico', '10.244.1.0/26', 'worker-1', [
        podAlloc('10.244.1.2', 'kube-system/coredns-a', 'worker-1'), // fine
        podAlloc('10.244.1.3', 'default/web-0', 'worker-1'), // fine
        podAlloc('10.244.1.9', 'default/gone', 'worker-1'), // no such pod
        podAlloc('10.244.1.10', 'default/web-0', 'worker-1'), // web-0 holds 10.244.1.3
        podAlloc('10.244.1.11', 'default/job-old', 'worker-1'), // finished pods hold nothing
        podAlloc('10.244.1.1', undefined, 'worker-7', 'tunnel'), // a tunnel of a departed node
      ])],
    }));
    expect(only(r, 'PLUGIN_ALLOCATION_LEAKED').map((f) => f.message)).toEqual([
      'Calico allocation 10.244.1.9 in block 10.244.1.0/26 is for pod default/gone, which no longer exists',
      'Calico allocation 10.244.1.10 in block 10.244.1.0/26 is for pod default/web-0, which holds 10.244.1.3, fd00:10:244:1::3 instead',
      'Calico allocation 10.244.1.11 in block 10.244.1.0/26 is for pod default/job-old, which has finished (Succeeded)',
      'Calico tunnel address 10.244.1.1 in block 10.244.1.0/26 belongs to node worker-7, which no longer exists',
    ]);
    expect(only(r, 'PLUGIN_ALLOCATION_LEAKED')[0]!.fix).toContain('calicoctl ipam check');
    // without pods (or nodes) in the input, nothing is known to be leaked
    expect(codes(run(calico({ pods: [], nodes: [], blocks: [pluginBlock('calico', '10.244.1.0/26', 'worker-1', [podAlloc('10.244.1.9', 'default/gone', 'worker-1'), podAlloc('10.244.1.1', undefined, 'worker-7', 'tunnel')])] })))).not.toContain('PLUGIN_ALLOCATION_LEAKED');
  });

  it('POD_IP_OUTSIDE_PLUGIN_POOL: a pod address in no pool of its family', () => {
    const r = run(calico({ pools: [pluginPool('calico', 'default-ipv4-ippool', ['10.244.0.0/17']), pluginPool('calico', 'b', ['10.244.128.0/17'])], pods: [...healthy().pods!, pod('x', 'stray', 'worker-1', ['10.245.0.5'])] }));
    const f = only(r, 'POD_IP_OUTSIDE_PLUGIN_POOL');
    expect(f.map((x) => x.message)).toEqual(['pod x/stray has IP 10.245.0.5, in none of the pools Calico pool default-ipv4-ippool 10.244.0.0/17, Calico pool b 10.244.128.0/17']);
    // IPv6 pod addresses are not checked: no IPv6 pool is known; hostNetwork pods carry node addresses
    expect(codes(run(calico()))).not.toContain('POD_IP_OUTSIDE_PLUGIN_POOL');
    expect(codes(run(healthy()))).not.toContain('POD_IP_OUTSIDE_PLUGIN_POOL');
  });

  it('prints pool and block use as calicoctl ipam show --show-blocks does', () => {
    const text = formatAuditReport(run(calico()));
    const lines = text.split('\n');
    const at = lines.indexOf('Plugin pools');
    expect(lines.slice(at, at + 3)).toEqual([
      'Plugin pools',
      'PLUGIN  POOL                 CIDR           BLOCK SIZE  BLOCKS  IN USE  IPS TOTAL  IPS IN USE  IPS FREE  USED %',
      'Calico  default-ipv4-ippool  10.244.0.0/16         /26   1,024       2     65,536           4    65,532    0.0%',
    ]);
    const b = lines.indexOf('Plugin blocks');
    expect(lines.slice(b, b + 4)).toEqual([
      'Plugin blocks',
      'PLUGIN  BLOCK          POOL                 NODE      IPS TOTAL  IPS IN USE  IPS FREE  USED %',
      'Calico  10.244.1.0/26  default-ipv4-ippool  worker-1         64           3        61    4.7%',
      'Calico  10.244.2.0/26  default-ipv4-ippool  worker-2         64           1        63    1.6%',
    ]);
    expect(formatAuditReport(run(calico()), { maxBlocks: 1 })).toContain('Plugin blocks (fullest 1 of 2)');
  });
});

describe('audit: CNI plugin pools read from the plugin fixtures', () => {
  const fixtures = (...files: string[]): string[] => files.map((f) => fileURLToPath(new URL(`../test/fixtures/plugins/${f}`, import.meta.url)));

  it('Calico: the node-4 block has no node, and allocations of pods that are gone leak', async () => {
    const found = await discover({ files: fixtures('calico/ippools-crd.json', 'calico/ipam.yaml') });
    const r = audit(clusterNetwork({
      ...found,
      clusterCIDRs: [P('10.244.0.0/16')],
      nodes: [node('node-3', ['10.244.3.0/24'], ['192.168.1.13'])],
      pods: [pod('default', 'web-0', 'node-3', ['10.244.3.1'])],
    }));
    expect(r.findings.filter((f) => f.code.startsWith('PLUGIN_') || f.code.includes('PLUGIN')).map((f) => [f.code, f.message])).toEqual([
      ['PLUGIN_ALLOCATION_LEAKED', 'Calico allocation 10.244.3.2 in block 10.244.3.0/26 is for pod kube-system/coredns-7db6d8ff4d-x2vbq, which no longer exists'],
      ['PLUGIN_ALLOCATION_LEAKED', 'Calico allocation 10.244.3.5 in block 10.244.3.0/26 is for pod default/web-1, which no longer exists'],
      ['PLUGIN_BLOCK_NODE_MISSING', 'Calico block 10.244.3.64/26 is affine to node node-4, which no longer exists'],
    ]);
    expect(r.capacity.pools.map((p) => [p.pool, p.allocated, p.blocksInUse])).toEqual([['default-ipv4-ippool', 4, 2], ['default-ipv6-ippool', undefined, 0]]);
  });

  it('Cilium: a cluster pool outside --cluster-cidr', async () => {
    const found = await discover({ files: fixtures('cilium/cilium-config.yaml', 'cilium/ciliumnodes.yaml') });
    const r = audit(clusterNetwork({ ...found, clusterCIDRs: [P('10.244.0.0/16')] }));
    expect(only(r, 'PLUGIN_POOL_CLUSTER_CIDR_MISMATCH').map((f) => f.message)).toEqual(['Cilium pool cilium-cluster-pool 10.0.0.0/8 is not inside cluster CIDR 10.244.0.0/16 (as given)']);
    expect(r.capacity.blocks.map((b) => [`${b.cidr}`, b.node, b.allocated])).toEqual([['10.0.1.0/24', 'worker-1', 3], ['10.0.2.0/24', 'worker-2', undefined]]);
  });

  it('Flannel and Weave: pools by blocks handed out, or nothing known', async () => {
    const flannel = audit(await discover({ files: fixtures('flannel/kube-flannel.yml') }));
    expect(flannel.capacity.pools).toMatchObject([{ plugin: 'flannel', pool: 'flannel', blockSize: 24, blocks: 256, blocksInUse: 0, basis: 'none' }]);
    const weave = audit(await discover({ files: fixtures('weave/weave-daemonset-k8s-1.11.yaml') }));
    expect(weave.capacity.pools).toMatchObject([{ plugin: 'weave', pool: 'weave', cidrs: [P('10.32.0.0/12')], blockSize: undefined, blocks: 0, basis: 'none', utilisation: 0 }]);
    expect(formatAuditReport(weave)).toMatch(/\nWeave +weave +10\.32\.0\.0\/12 +- +- +0 +1,048,576 +- +- +-\n?/);
  });
});

describe('audit: CNI plugin pools (properties)', () => {
  const addrIn = fc.integer({ min: 0, max: 255 }).map((i) => Addr.fromBigInt(0x0a000000n + BigInt(i), 4));
  const prefixIn = fc.tuple(addrIn, fc.integer({ min: 24, max: 30 })).map(([a, bits]) => a.prefix(bits));
  const arbitrary = fc.record({
    pools: fc.array(fc.array(prefixIn, { minLength: 1, maxLength: 2 }), { maxLength: 4 }),
    pods: fc.array(fc.record({ ips: fc.array(addrIn, { maxLength: 2 }), host: fc.boolean(), done: fc.boolean() }), { maxLength: 10 }),
  });

  it('flags exactly the pods whose address is in no pool, and every pair of overlapping pools', () => {
    fc.assert(
      fc.property(arbitrary, ({ pools, pods }) => {
        const init: ClusterNetworkInit = {
          pools: pools.map((cidrs, i) => pluginPool('calico', `p${i}`, cidrs.map(String))),
          pods: pods.map((p, i) => pod('ns', `pod-${i}`, undefined, p.ips.map(String), { hostNetwork: p.host, phase: p.done ? 'Succeeded' : 'Running' })),
        };
        const r = run(init);
        // The model: brute force over pods × pools and pool pairs.
        const all = pools.flat();
        const stray = pods.flatMap((p, i) => (p.host || p.done || all.length === 0 ? [] : p.ips.filter((ip) => !all.some((c) => c.contains(ip))).map((ip) => `Pod ns/pod-${i} ${ip}`)));
        expect(only(r, 'POD_IP_OUTSIDE_PLUGIN_POOL').map((f) => `${f.objects[0]} ${f.message.match(/has IP (\S+),/)![1]}`).sort()).toEqual(stray.sort());
        let pairs = 0;
        for (let i = 0; i < pools.length; i++) for (let j = i + 1; j < pools.length; j++) for (const a of pools[i]!) for (const b of pools[j]!) if (a.overlaps(b)) pairs++;
        expect(only(r, 'PLUGIN_POOLS_OVERLAP')).toHaveLength(pairs);
      }),
      { numRuns: 200 },
    );
  });
});
