import { Addr, IPRange, IPSet, IPSetBuilder, Prefix, SPECIAL_RANGES, specialRangesOf } from '@ipam/core';
import type { Family, SpecialRange, SpecialRangeKind } from '@ipam/core';
import type { ClusterNetwork, ClusterNode, ClusterPod, ClusterService, PluginBlock, PluginPool, PoolPlugin, Setting, SourceRef } from './cluster-network.js';
import { KubernetesError } from './kubernetes-error.js';
import { rangeSize } from './netutils.js';
import { kubernetesServiceIP, serviceIPRangeOffset } from './service-cidr.js';
import { PrefixIndex, duplicates } from './internal/prefix-index.js';
import { table, count, percent } from './internal/text-table.js';
import { parseExternals, type External } from './internal/external.js';

/** AuditSeverity ranks an {@link AuditFinding}: `error` breaks traffic or allocation, `warning` will or may, `info` is missing data. */
export type AuditSeverity = 'error' | 'warning' | 'info';

/**
 * AuditCode is the stable kind of an {@link AuditFinding}; messages may change, codes do not. Severity is fixed per
 * code unless noted.
 *
 * Address plan (cluster CIDR = the pod network, `--cluster-cidr`):
 * - `POD_CIDR_OVERLAPS_SERVICE_CIDR` (error): the cluster CIDR and the service CIDR share addresses.
 * - `POD_CIDR_OVERLAPS_EXTERNAL`, `SERVICE_CIDR_OVERLAPS_EXTERNAL` (error): a cluster or service CIDR overlaps a network
 *   given in {@link AuditOptions.external}: pods or Services would shadow it.
 * - `NODE_ADDRESS_IN_POD_CIDR`, `NODE_ADDRESS_IN_SERVICE_CIDR` (error): a node's own address lies in the pod or service range.
 * - `SPECIAL_RANGE_OVERLAP`: a cluster or service CIDR overlaps an IANA special-purpose block (RFC 6890). Error for
 *   `this-network`, `unspecified`, `loopback`, `link-local`, `multicast`, `reserved`, `broadcast`, `ipv4-mapped`,
 *   `discard`, `dummy` and `translation` (NAT64) blocks; warning for `shared` (100.64.0.0/10, RFC 6598: carrier-grade
 *   NAT and many VPNs), `documentation`, `benchmarking` and the other kinds; private and unique-local space is fine.
 * - `PUBLIC_ADDRESS_SPACE`: part of a cluster or service CIDR is in no special-purpose block, that is public space.
 *   Warning for IPv4 (pods and Services shadow real Internet hosts); info for IPv6, where global pod addresses are usual.
 *
 * Node pod CIDRs (`spec.podCIDRs`) and node blocks:
 * - `NODE_POD_CIDRS_OVERLAP` (error): two nodes' pod CIDRs share addresses (the same block twice, or one inside another).
 * - `NODE_POD_CIDR_OUTSIDE_CLUSTER_CIDR` (error): a node's pod CIDR is not inside the cluster CIDR of its family.
 * - `NODE_POD_CIDR_OVERLAPS_SERVICE_CIDR` (error).
 * - `NODE_POD_CIDR_SIZE_MISMATCH` (warning): a node's pod CIDR is not of the node mask size.
 * - `NODE_POD_CIDR_MISSING` (warning): a node has no pod CIDR of a family although node CIDRs are allocated or the CNI needs them.
 * - `NODE_MASK_INVALID` (error): a node mask size kube-controller-manager refuses (shorter than the cluster CIDR's,
 *   longer than the family, or, for IPv6, more than 16 bits longer than the cluster CIDR's).
 * - `NODE_MASK_BELOW_MAX_PODS` (warning): a node block has fewer usable addresses than {@link AuditOptions.maxPodsPerNode}.
 * - `NODE_CIDR_CAPACITY_LOW` (warning), `NODE_CIDR_CAPACITY_EXHAUSTED` (error): node blocks used at or above
 *   {@link AuditOptions.nodeCapacityThreshold}, or none left (the next node gets no pod CIDR).
 * - `NODE_POD_CIDR_NEAR_FULL` (warning), `NODE_POD_CIDR_FULL` (error): a node's pod CIDR holds pods on at least
 *   {@link AuditOptions.podCIDRThreshold} of its usable addresses, or on all of them.
 *
 * Pods and Services:
 * - `POD_IP_OUTSIDE_CLUSTER_CIDR` (error), `POD_IP_OUTSIDE_NODE_POD_CIDR` (error, only when the CNI takes the node's
 *   pod CIDR), `POD_IP_DUPLICATE` (error): for pods that hold an address (not `hostNetwork`, not Succeeded or Failed).
 * - `SERVICE_IP_OUTSIDE_SERVICE_CIDR` (error), `SERVICE_IP_DUPLICATE` (error).
 * - `KUBERNETES_SERVICE_IP_MISMATCH` (error): `default/kubernetes` is not at the service CIDR's network address + 1.
 * - `SERVICE_CIDR_NEAR_FULL` (warning), `SERVICE_CIDR_FULL` (error): by {@link AuditOptions.serviceCIDRThreshold}.
 *
 * Settings and CNI:
 * - `CLUSTER_CIDR_SETTINGS_DISAGREE`, `SERVICE_CIDR_SETTINGS_DISAGREE`, `NODE_MASK_SETTINGS_DISAGREE` (warning):
 *   components (kube-controller-manager, kube-apiserver, kubeadm, kube-proxy, the `kubernetes` ServiceCIDR) were
 *   given different values.
 * - `CNI_SUBNET_OUTSIDE_CLUSTER_CIDR` (warning): a CNI subnet is not inside the cluster CIDR.
 * - `CNI_SUBNET_NOT_NODE_POD_CIDR` (warning): a host-local subnet written in the config is not one of the nodes' pod CIDRs.
 * - `CNI_RANGE_OVERLAPS_SERVICE_CIDR` (error): a CNI subnet or range overlaps the service CIDR.
 *
 * CNI plugins' own pools and blocks (`network.pools`, `network.blocks`: Flannel, Calico, Cilium, Weave):
 * - `PLUGIN_POOLS_OVERLAP` (error): two pools share addresses (two Calico IPPools, a Calico pool and Flannel's
 *   `Network`, ...): both plugins (or one, twice) hand out the same addresses.
 * - `PLUGIN_POOL_OVERLAPS_SERVICE_CIDR`, `PLUGIN_POOL_OVERLAPS_EXTERNAL` (error): a pool overlaps a service range or
 *   a network of {@link AuditOptions.external}.
 * - `NODE_ADDRESS_IN_PLUGIN_POOL` (error): a node's own address lies in a pool.
 * - `PLUGIN_POOL_CLUSTER_CIDR_MISMATCH` (warning): an enabled pool (Flannel's `Network`, a Calico or Cilium pool,
 *   Weave's allocation range) is not inside the cluster CIDR of its family (kube-controller-manager's
 *   `--cluster-cidr`): kube-proxy's `clusterCIDR` masquerading and node pod CIDRs disagree with the pods' addresses.
 * - `PLUGIN_POOL_NEAR_FULL` (warning), `PLUGIN_POOL_FULL` (error): an enabled pool used at or above
 *   {@link AuditOptions.pluginPoolThreshold}, or fully. Use is the addresses allocated in its blocks when the plugin
 *   records them (Calico, Cilium), otherwise the blocks handed out against the blocks it holds (Flannel); see
 *   {@link PluginPoolUsage}.
 * - `PLUGIN_BLOCK_NEAR_FULL` (warning), `PLUGIN_BLOCK_FULL` (error): a node's block with recorded allocations used at
 *   or above the threshold, or fully, for plugins that give a node a fixed block (Cilium's pod CIDRs). Calico blocks
 *   are not checked (Calico takes another block, or borrows, when one fills; the pool's use is what counts); they
 *   are in the capacity summary.
 * - `PLUGIN_BLOCK_OUTSIDE_POOL` (error): a block of a plugin whose pools of that family are known lies in none of
 *   them: the node hands out addresses the pools do not cover (a Flannel node subnet outside `Network`, a
 *   CiliumNode pod CIDR left from an old cluster pool), which routes and masquerading rules built from the pools miss.
 * - `PLUGIN_BLOCK_NODE_MISSING` (warning): a block is affine to a node that no longer exists (checked when the
 *   network has nodes).
 * - `PLUGIN_ALLOCATION_LEAKED` (warning): a recorded allocation whose pod no longer exists or does not hold the
 *   address, or a tunnel address of a node that no longer exists: the address stays taken (as `calicoctl ipam check`
 *   reports it; checked when the network has pods, or nodes for tunnel addresses).
 * - `POD_IP_OUTSIDE_PLUGIN_POOL` (error): a pod holds an address in none of the pools of its family (checked when
 *   pools of the family are known).
 *
 * Missing data (info): `CLUSTER_CIDR_UNKNOWN`, `SERVICE_CIDR_UNKNOWN` (each says how to find it), `OBJECTS_UNKNOWN`
 * (no nodes, pods or Services to check); and `DISCOVERY_WARNING` (warning): a problem discovery met in the input.
 */
export type AuditCode =
  | 'POD_CIDR_OVERLAPS_SERVICE_CIDR'
  | 'POD_CIDR_OVERLAPS_EXTERNAL'
  | 'SERVICE_CIDR_OVERLAPS_EXTERNAL'
  | 'NODE_ADDRESS_IN_POD_CIDR'
  | 'NODE_ADDRESS_IN_SERVICE_CIDR'
  | 'SPECIAL_RANGE_OVERLAP'
  | 'PUBLIC_ADDRESS_SPACE'
  | 'NODE_POD_CIDRS_OVERLAP'
  | 'NODE_POD_CIDR_OUTSIDE_CLUSTER_CIDR'
  | 'NODE_POD_CIDR_OVERLAPS_SERVICE_CIDR'
  | 'NODE_POD_CIDR_SIZE_MISMATCH'
  | 'NODE_POD_CIDR_MISSING'
  | 'NODE_MASK_INVALID'
  | 'NODE_MASK_BELOW_MAX_PODS'
  | 'NODE_CIDR_CAPACITY_LOW'
  | 'NODE_CIDR_CAPACITY_EXHAUSTED'
  | 'NODE_POD_CIDR_NEAR_FULL'
  | 'NODE_POD_CIDR_FULL'
  | 'POD_IP_OUTSIDE_CLUSTER_CIDR'
  | 'POD_IP_OUTSIDE_NODE_POD_CIDR'
  | 'POD_IP_DUPLICATE'
  | 'SERVICE_IP_OUTSIDE_SERVICE_CIDR'
  | 'SERVICE_IP_DUPLICATE'
  | 'KUBERNETES_SERVICE_IP_MISMATCH'
  | 'SERVICE_CIDR_NEAR_FULL'
  | 'SERVICE_CIDR_FULL'
  | 'CLUSTER_CIDR_SETTINGS_DISAGREE'
  | 'SERVICE_CIDR_SETTINGS_DISAGREE'
  | 'NODE_MASK_SETTINGS_DISAGREE'
  | 'CNI_SUBNET_OUTSIDE_CLUSTER_CIDR'
  | 'CNI_SUBNET_NOT_NODE_POD_CIDR'
  | 'CNI_RANGE_OVERLAPS_SERVICE_CIDR'
  | 'PLUGIN_POOLS_OVERLAP'
  | 'PLUGIN_POOL_OVERLAPS_SERVICE_CIDR'
  | 'PLUGIN_POOL_OVERLAPS_EXTERNAL'
  | 'NODE_ADDRESS_IN_PLUGIN_POOL'
  | 'PLUGIN_POOL_CLUSTER_CIDR_MISMATCH'
  | 'PLUGIN_POOL_NEAR_FULL'
  | 'PLUGIN_POOL_FULL'
  | 'PLUGIN_BLOCK_NEAR_FULL'
  | 'PLUGIN_BLOCK_FULL'
  | 'PLUGIN_BLOCK_OUTSIDE_POOL'
  | 'PLUGIN_BLOCK_NODE_MISSING'
  | 'PLUGIN_ALLOCATION_LEAKED'
  | 'POD_IP_OUTSIDE_PLUGIN_POOL'
  | 'CLUSTER_CIDR_UNKNOWN'
  | 'SERVICE_CIDR_UNKNOWN'
  | 'OBJECTS_UNKNOWN'
  | 'DISCOVERY_WARNING';

/** AuditFinding is one problem (or gap) the {@link audit} found. */
export interface AuditFinding {
  /** AuditFinding.code is the stable kind of the finding (see {@link AuditCode}). */
  readonly code: AuditCode;
  /** AuditFinding.severity ranks it. */
  readonly severity: AuditSeverity;
  /** AuditFinding.message says what is wrong, naming the CIDRs, addresses and objects. */
  readonly message: string;
  /**
   * AuditFinding.objects name what is involved: `Node/worker-1`, `Pod default/web-0`, `Service default/web`,
   * `ServiceCIDR/extra`, `Setting kube-proxy clusterCIDR (file: ...)`, `CNI network cbr0 (file: ...)`, `External 10.0.0.0/16`.
   */
  readonly objects: readonly string[];
  /** AuditFinding.fix suggests what to do about it. */
  readonly fix: string;
}

/** ExternalNetwork is a named network outside the cluster (a VPC, an office, a VPN) for {@link AuditOptions.external}. */
export interface ExternalNetwork {
  /** ExternalNetwork.name labels it in findings, e.g. `vpn`. */
  readonly name: string;
  /** ExternalNetwork.cidr is its prefix, e.g. `'10.0.0.0/16'` (host bits must be zero). */
  readonly cidr: string | Prefix;
}

/** AuditOptions tune {@link audit}; every field is optional. */
export interface AuditOptions {
  /**
   * AuditOptions.external are networks the cluster must not overlap: the VPC, on-premises and VPN ranges its pods
   * talk to. Strings must be prefixes without host bits (`'10.0.0.0/16'`).
   */
  readonly external?: readonly (string | Prefix | ExternalNetwork)[];
  /** AuditOptions.nodeCapacityThreshold is the fraction of node blocks in use that draws a warning (default 0.9). */
  readonly nodeCapacityThreshold?: number;
  /** AuditOptions.podCIDRThreshold is the fraction of a node pod CIDR's usable addresses in use that draws a warning (default 0.9). */
  readonly podCIDRThreshold?: number;
  /** AuditOptions.serviceCIDRThreshold is the fraction of a service CIDR's usable addresses in use that draws a warning (default 0.9). */
  readonly serviceCIDRThreshold?: number;
  /**
   * AuditOptions.pluginPoolThreshold is the fraction of a CNI plugin pool, or of a node's plugin block, in use that
   * draws a warning (default 0.9; see {@link PluginPoolUsage.utilisation}).
   */
  readonly pluginPoolThreshold?: number;
  /** AuditOptions.maxPodsPerNode is the kubelet's `maxPods` the node mask must fit (default 110, the kubelet's default). */
  readonly maxPodsPerNode?: number;
  /**
   * AuditOptions.cniUsesPodCIDRs says whether the CNI gives pods addresses from their node's pod CIDR (host-local
   * with `usePodCidr`, flannel, kubenet). When undefined it is inferred from `network.cniNetworks`; only then are pod
   * addresses checked against their node's pod CIDR.
   */
  readonly cniUsesPodCIDRs?: boolean;
}

/** FamilyCapacity is the node block arithmetic of one cluster CIDR, as kube-controller-manager's range allocator sees it. */
export interface FamilyCapacity {
  /** FamilyCapacity.family is 4 or 6. */
  readonly family: Family;
  /** FamilyCapacity.clusterCIDR is the cluster CIDR of the family. */
  readonly clusterCIDR: Prefix;
  /** FamilyCapacity.nodeMaskSize is the node mask size of the family. */
  readonly nodeMaskSize: number;
  /** FamilyCapacity.nodeBlocks is 2^(nodeMaskSize − cluster CIDR bits), the node pod CIDRs the cluster CIDR holds (0 for an invalid mask). */
  readonly nodeBlocks: number;
  /** FamilyCapacity.usedBlocks counts the blocks that overlap a node's pod CIDR or the service CIDR (which kube-controller-manager marks used). */
  readonly usedBlocks: number;
  /** FamilyCapacity.serviceBlocks counts the blocks that overlap a service CIDR. */
  readonly serviceBlocks: number;
  /** FamilyCapacity.freeBlocks is nodeBlocks − usedBlocks: how many more nodes get a pod CIDR. */
  readonly freeBlocks: number;
  /** FamilyCapacity.nodes counts the nodes with a pod CIDR of this family inside the cluster CIDR. */
  readonly nodes: number;
  /**
   * FamilyCapacity.maxNodes is the node count at which the cluster CIDR is exhausted: nodes + freeBlocks, but no more
   * than the blocks the service CIDR leaves (nodes that share a block, an error, do not make room).
   */
  readonly maxNodes: number;
  /** FamilyCapacity.utilisation is usedBlocks / nodeBlocks (0 when there are no blocks). */
  readonly utilisation: number;
  /** FamilyCapacity.podAddressesPerNode is the usable pod addresses of one node block (see {@link NodePodCIDRUsage.usable}). */
  readonly podAddressesPerNode: number;
}

/** NodePodCIDRUsage is how full one node pod CIDR is. */
export interface NodePodCIDRUsage {
  /** NodePodCIDRUsage.node is the node's name. */
  readonly node: string;
  /** NodePodCIDRUsage.podCIDR is the pod CIDR. */
  readonly podCIDR: Prefix;
  /** NodePodCIDRUsage.pods counts the pods holding an address inside it. */
  readonly pods: number;
  /**
   * NodePodCIDRUsage.usable counts the addresses a host-local IPAM hands out from it: all but the network address
   * and, for IPv4, the broadcast address (a bridge gateway, when there is one, takes one more). IPv6 counts above
   * 2^53 are rounded.
   */
  readonly usable: number;
  /** NodePodCIDRUsage.utilisation is pods / usable (0 when nothing is usable). */
  readonly utilisation: number;
}

/** ServiceRangeUsage is how full one Service ClusterIP range is. */
export interface ServiceRangeUsage {
  /** ServiceRangeUsage.serviceCIDR is the range. */
  readonly serviceCIDR: Prefix;
  /** ServiceRangeUsage.source names where it is configured (`service CIDR` for the effective setting, or `ServiceCIDR/<name>`). */
  readonly source: string;
  /** ServiceRangeUsage.size is Kubernetes' RangeSize: the addresses in it (0 for IPv4 /31–/32 and IPv6 /127–/128, capped at 2^63 − 1). */
  readonly size: number;
  /** ServiceRangeUsage.staticBand is the KEP-3070 static band ({@link serviceIPRangeOffset}): the first addresses, for fixed ClusterIPs. */
  readonly staticBand: number;
  /** ServiceRangeUsage.usable is size minus the network address and, for IPv4, the broadcast address. */
  readonly usable: number;
  /** ServiceRangeUsage.used counts the distinct ClusterIPs in the range. */
  readonly used: number;
  /** ServiceRangeUsage.usedStatic counts those in the static band. */
  readonly usedStatic: number;
  /** ServiceRangeUsage.free is usable − used. */
  readonly free: number;
  /** ServiceRangeUsage.utilisation is used / usable (0 when nothing is usable). */
  readonly utilisation: number;
}

/**
 * PluginPoolUsage is how full one CNI plugin pool is, as `calicoctl ipam show` reports it: addresses in use against
 * the pool's addresses when the plugin records its allocations, otherwise blocks handed out against the blocks the
 * pool holds.
 */
export interface PluginPoolUsage {
  /** PluginPoolUsage.plugin is the plugin. */
  readonly plugin: PoolPlugin;
  /** PluginPoolUsage.pool is the pool's name. */
  readonly pool: string;
  /** PluginPoolUsage.cidrs are the pool's prefixes. */
  readonly cidrs: readonly Prefix[];
  /** PluginPoolUsage.disabled is true for a pool the plugin allocates nothing new from. */
  readonly disabled: boolean;
  /** PluginPoolUsage.blockSize is the prefix length of its blocks, when it has blocks. */
  readonly blockSize: number | undefined;
  /** PluginPoolUsage.size is the number of addresses in the pool (IPv6 counts above 2^53 are rounded). */
  readonly size: number;
  /** PluginPoolUsage.blocks is the number of blocks the pool holds (0 without a block size). */
  readonly blocks: number;
  /** PluginPoolUsage.blocksInUse counts the known blocks inside it (Calico IPAMBlocks, Flannel node subnets, Cilium pod CIDRs). */
  readonly blocksInUse: number;
  /** PluginPoolUsage.allocated counts the addresses recorded as allocated in its blocks; undefined when no block of it records allocations. */
  readonly allocated: number | undefined;
  /** PluginPoolUsage.basis says what utilisation counts: `addresses` (allocated / size), `blocks` (blocksInUse / blocks) or `none` (nothing known). */
  readonly basis: 'addresses' | 'blocks' | 'none';
  /** PluginPoolUsage.utilisation is the used fraction, by `basis` (0 for `none`). */
  readonly utilisation: number;
}

/** PluginBlockUsage is how full one plugin block is, as `calicoctl ipam show --show-blocks` reports it. */
export interface PluginBlockUsage {
  /** PluginBlockUsage.plugin is the plugin. */
  readonly plugin: PoolPlugin;
  /** PluginBlockUsage.pool is the name of the pool holding it, when known. */
  readonly pool: string | undefined;
  /** PluginBlockUsage.cidr is the block. */
  readonly cidr: Prefix;
  /** PluginBlockUsage.node is the node it is affine to, when it has one. */
  readonly node: string | undefined;
  /** PluginBlockUsage.size is the number of addresses in the block (IPv6 counts above 2^53 are rounded). */
  readonly size: number;
  /** PluginBlockUsage.allocated counts the recorded allocations; undefined when the plugin does not record them (Flannel). */
  readonly allocated: number | undefined;
  /** PluginBlockUsage.utilisation is allocated / size; undefined when allocations are not recorded. */
  readonly utilisation: number | undefined;
}

/** AuditCapacity is the capacity and utilisation part of an {@link AuditReport}. */
export interface AuditCapacity {
  /** AuditCapacity.families has one entry per cluster CIDR. */
  readonly families: readonly FamilyCapacity[];
  /** AuditCapacity.nodes has one entry per node pod CIDR, in node order. */
  readonly nodes: readonly NodePodCIDRUsage[];
  /** AuditCapacity.services has one entry per service range (the effective service CIDRs, then extra ServiceCIDR objects). */
  readonly services: readonly ServiceRangeUsage[];
  /** AuditCapacity.pools has one entry per CNI plugin pool, in `network.pools` order. */
  readonly pools: readonly PluginPoolUsage[];
  /** AuditCapacity.blocks has one entry per plugin block, in `network.blocks` order. */
  readonly blocks: readonly PluginBlockUsage[];
}

/**
 * AuditReport is what {@link audit} returns: the findings, sorted by severity (errors first) then code, their
 * counts, and the capacity summary. It is plain data: `JSON.stringify` gives prefixes as strings.
 */
export interface AuditReport {
  /** AuditReport.findings are the findings, errors first, then by code. */
  readonly findings: readonly AuditFinding[];
  /** AuditReport.counts counts the findings per severity. */
  readonly counts: {
    /** AuditReport.counts.error counts the `error` findings. */
    readonly error: number;
    /** AuditReport.counts.warning counts the `warning` findings. */
    readonly warning: number;
    /** AuditReport.counts.info counts the `info` findings. */
    readonly info: number;
  };
  /** AuditReport.capacity is the capacity and utilisation summary. */
  readonly capacity: AuditCapacity;
}

const SEVERITY_RANK: Record<AuditSeverity, number> = { error: 0, warning: 1, info: 2 };

const SPECIAL_SEVERITY: Partial<Record<SpecialRangeKind, AuditSeverity>> = {
  'this-network': 'error',
  unspecified: 'error',
  loopback: 'error',
  'link-local': 'error',
  multicast: 'error',
  reserved: 'error',
  broadcast: 'error',
  'ipv4-mapped': 'error',
  discard: 'error',
  dummy: 'error',
  translation: 'error',
  shared: 'warning',
  documentation: 'warning',
  benchmarking: 'warning',
  anycast: 'warning',
  orchid: 'warning',
  'drone-id': 'warning',
  'protocol-assignments': 'warning',
  'segment-routing': 'warning',
  teredo: 'warning',
  transition: 'warning',
  // private and unique-local: what a cluster should use.
};

const SPECIAL_SET = IPSet.from(SPECIAL_RANGES.map((r) => r.prefix));

const CLUSTER_CIDR_HELP =
  'find it with `kubectl cluster-info dump | grep -m1 -- --cluster-cidr`, in the kubeadm-config ConfigMap ' +
  '(`kubectl -n kube-system get cm kubeadm-config -o yaml`, networking.podSubnet), in kube-proxy\'s ConfigMap ' +
  '(clusterCIDR), or in your provider\'s cluster settings; then pass it to discovery or to clusterNetwork({ clusterCIDRs })';
const SERVICE_CIDR_HELP =
  'find it with `kubectl get servicecidrs` (Kubernetes 1.33+), `kubectl cluster-info dump | grep -m1 -- --service-cluster-ip-range`, ' +
  'or the kubeadm-config ConfigMap (networking.serviceSubnet); then pass it to discovery or to clusterNetwork({ serviceCIDRs })';

/** Describes where something was read, for object names: `(file: x, Pod kube-system/kcm, path: spec...)`. */
function where(from: SourceRef): string {
  const parts = [from.file && `file: ${from.file}`, from.object, from.path && `path: ${from.path}`].filter((p) => p);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

const nodeName = (n: ClusterNode): string => `Node/${n.name}`;
const podName = (p: ClusterPod): string => `Pod ${p.namespace}/${p.name}`;
const serviceName = (s: ClusterService): string => `Service ${s.namespace}/${s.name}`;
const settingName = (s: Setting): string => `Setting ${s.source} ${s.name}${where(s.from)}`;
const fam = (f: Family): string => (f === 4 ? 'IPv4' : 'IPv6');
const list = (xs: readonly unknown[]): string => xs.map(String).join(', ');

/** Usable pod addresses of a node block: all but the network address and the IPv4 broadcast address. */
function usablePodAddresses(p: Prefix): number {
  const size = p.size - (p.family === 4 ? 2n : 1n);
  return size > 0n ? Number(size) : 0;
}

function checkFraction(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !(v > 0 && v <= 1)) {
    throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `audit: options.${name} must be a number in (0, 1], got ${String(v)}`);
  }
  return v;
}

function externals(items: AuditOptions['external']): External[] {
  return parseExternals('audit', items);
}

/**
 * audit checks a {@link ClusterNetwork} for overlapping and misplaced addresses, disagreeing settings and running-out
 * capacity — Kubernetes' own settings and objects, and the CNI plugins' pools, blocks and allocations when the network
 * has them (`network.pools`, `network.blocks`) — and returns the findings (each with a severity, a stable
 * {@link AuditCode}, a message naming the CIDRs and objects, the objects and a suggested fix) and a capacity summary
 * (node blocks, node pod CIDRs, service ranges, plugin pools and blocks). It never throws for problems in the network (they
 * become findings); it throws a {@link KubernetesError} (`ERR_K8S_INVALID_CIDR`, `ERR_K8S_INVALID_ARGUMENT`) for bad options.
 *
 * It runs in O(n log n) over nodes, pods and Services (sorts and sweeps, no pairwise loops): a 5,000-node,
 * 150,000-pod cluster takes a fraction of a second.
 *
 * @example
 * ```ts
 * const network = clusterNetwork({ clusterCIDRs: [Prefix.parse('10.0.0.0/16')], serviceCIDRs: [Prefix.parse('10.96.0.0/12')] });
 * const report = audit(network, { external: ['10.0.0.0/16'] });
 * report.findings[0].code; // 'POD_CIDR_OVERLAPS_EXTERNAL'
 * console.log(formatAuditReport(report));
 * ```
 */
export function audit(network: ClusterNetwork, options: AuditOptions = {}): AuditReport {
  const external = externals(options.external);
  const nodeThreshold = checkFraction('nodeCapacityThreshold', options.nodeCapacityThreshold, 0.9);
  const podThreshold = checkFraction('podCIDRThreshold', options.podCIDRThreshold, 0.9);
  const serviceThreshold = checkFraction('serviceCIDRThreshold', options.serviceCIDRThreshold, 0.9);
  const poolThreshold = checkFraction('pluginPoolThreshold', options.pluginPoolThreshold, 0.9);
  const maxPods = options.maxPodsPerNode ?? 110;
  if (!Number.isInteger(maxPods) || maxPods < 1) {
    throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `audit: options.maxPodsPerNode must be a positive integer, got ${String(maxPods)}`);
  }

  const findings: AuditFinding[] = [];
  const add = (code: AuditCode, severity: AuditSeverity, message: string, objects: readonly string[], fix: string): void => {
    findings.push({ code, severity, message, objects: [...objects], fix });
  };

  const clusterCIDRs = network.clusterCIDRs;
  const serviceCIDRs = network.serviceCIDRs;
  // Every service range: the effective ones, then those of ServiceCIDR objects not already among them.
  const serviceRanges: { prefix: Prefix; source: string }[] = serviceCIDRs.map((p) => ({ prefix: p, source: 'service CIDR' }));
  for (const o of network.serviceCIDRObjects) {
    for (const p of o.cidrs) {
      if (!serviceRanges.some((r) => r.prefix.equals(p))) serviceRanges.push({ prefix: p, source: `ServiceCIDR/${o.name}` });
    }
  }
  const clusterOf = (f: Family): Prefix | undefined => clusterCIDRs.find((p) => p.family === f);
  const maskOf = (f: Family): number => (f === 4 ? network.nodeCIDRMaskSizes.ipv4 : network.nodeCIDRMaskSizes.ipv6);
  const clusterObj = (p: Prefix): string => `cluster CIDR ${p}`;
  const serviceObj = (r: { prefix: Prefix; source: string }): string =>
    r.source === 'service CIDR' ? `service CIDR ${r.prefix}` : `${r.source} ${r.prefix}`;

  // ---- missing data ----
  if (clusterCIDRs.length === 0) {
    add('CLUSTER_CIDR_UNKNOWN', 'info', 'no cluster CIDR (pod network) is known: pod, node block and CNI checks against it were skipped', [], CLUSTER_CIDR_HELP);
  }
  if (serviceRanges.length === 0) {
    add('SERVICE_CIDR_UNKNOWN', 'info', 'no service CIDR is known: Service ClusterIP checks against it were skipped', [], SERVICE_CIDR_HELP);
  }
  const missing = [
    network.nodes.length === 0 && 'nodes',
    network.pods.length === 0 && 'pods',
    network.services.length === 0 && 'Services',
  ].filter((x): x is string => typeof x === 'string');
  if (missing.length > 0) {
    add('OBJECTS_UNKNOWN', 'info', `no ${missing.join(', ')} in the input: their checks were skipped`, [],
      'include them: `kubectl cluster-info dump --all-namespaces`, or `kubectl get nodes,pods,services -A -o json`');
  }
  for (const w of network.warnings) {
    add('DISCOVERY_WARNING', 'warning', `${w.code}: ${w.message}`, [`${w.from.object ?? 'input'}${where({ ...w.from, object: undefined })}`],
      'check the input at that place; the audit did not see what could not be read');
  }

  // ---- the address plan ----
  for (const c of clusterCIDRs) {
    for (const r of serviceRanges) {
      if (c.overlaps(r.prefix)) {
        add('POD_CIDR_OVERLAPS_SERVICE_CIDR', 'error', `cluster CIDR ${c} overlaps ${serviceObj(r)}`, [clusterObj(c), serviceObj(r)],
          'give pods and Services disjoint ranges (e.g. pods 10.244.0.0/16, Services 10.96.0.0/12); both are fixed at cluster creation');
      }
    }
    for (const e of external) {
      if (c.overlaps(e.prefix)) {
        add('POD_CIDR_OVERLAPS_EXTERNAL', 'error', `cluster CIDR ${c} overlaps external network ${e.label}: pods cannot reach it`,
          [clusterObj(c), `External ${e.label}`], `choose a cluster CIDR clear of ${e.prefix} (see plan({ avoid }))`);
      }
    }
  }
  for (const r of serviceRanges) {
    for (const e of external) {
      if (r.prefix.overlaps(e.prefix)) {
        add('SERVICE_CIDR_OVERLAPS_EXTERNAL', 'error', `${serviceObj(r)} overlaps external network ${e.label}: traffic to it is caught by Services`,
          [serviceObj(r), `External ${e.label}`], `choose a service CIDR clear of ${e.prefix}`);
      }
    }
  }
  const planned: { prefix: Prefix; what: string }[] = [
    ...clusterCIDRs.map((p) => ({ prefix: p, what: clusterObj(p) })),
    ...serviceRanges.map((r) => ({ prefix: r.prefix, what: serviceObj(r) })),
  ];
  for (const { prefix, what } of planned) specialChecks(prefix, what, add);

  // ---- node addresses ----
  for (const n of network.nodes) {
    for (const a of n.addresses) {
      for (const c of clusterCIDRs) {
        if (c.contains(a.address)) {
          add('NODE_ADDRESS_IN_POD_CIDR', 'error', `node ${n.name} ${a.type} ${a.address} is inside cluster CIDR ${c}`, [nodeName(n), clusterObj(c)],
            'move the nodes\' network or the cluster CIDR so they do not overlap: routes to pods would capture node traffic');
        }
      }
      for (const r of serviceRanges) {
        if (r.prefix.contains(a.address)) {
          add('NODE_ADDRESS_IN_SERVICE_CIDR', 'error', `node ${n.name} ${a.type} ${a.address} is inside ${serviceObj(r)}`, [nodeName(n), serviceObj(r)],
            'move the nodes\' network or the service CIDR so they do not overlap: kube-proxy would capture node traffic');
        }
      }
    }
  }

  // ---- node masks ----
  for (const c of clusterCIDRs) {
    const mask = maskOf(c.family);
    const bad =
      mask < c.bits ? `shorter than the cluster CIDR's /${c.bits}` :
      mask > c.addr.bitLength ? `longer than /${c.addr.bitLength}` :
      c.family === 6 && mask - c.bits > 16 ? `more than 16 bits longer than the cluster CIDR's /${c.bits}` : undefined;
    if (bad !== undefined) {
      add('NODE_MASK_INVALID', 'error', `${fam(c.family)} node mask size /${mask} is ${bad}: kube-controller-manager refuses it`, [clusterObj(c)],
        `set --node-cidr-mask-size-ipv${c.family} between /${c.bits} and /${c.family === 6 ? Math.min(128, c.bits + 16) : 32}`);
    } else {
      const usable = usablePodAddresses(Prefix.from(c.addr, mask));
      if (usable < maxPods) {
        add('NODE_MASK_BELOW_MAX_PODS', 'warning', `${fam(c.family)} node blocks /${mask} hold ${usable} pod addresses, fewer than maxPods ${maxPods}: pods beyond that never get an address`,
          [clusterObj(c)], `use a node mask of /${nodeMaskFor(c.family, maxPods)} or shorter, or set the kubelet's maxPods to ${usable} or less`);
      }
    }
  }

  // ---- node pod CIDRs ----
  const cniUsesPodCIDRs = options.cniUsesPodCIDRs ?? network.cniNetworks.some((n) => n.usesPodCIDR || n.plugins.includes('flannel'));
  const nodeEntries: (readonly [Prefix, number])[] = [];
  network.nodes.forEach((n, i) => {
    for (const p of n.podCIDRs) nodeEntries.push([p, i]);
    for (const c of clusterCIDRs) {
      if ((network.allocateNodeCIDRs === true || cniUsesPodCIDRs) && !n.podCIDRs.some((p) => p.family === c.family)) {
        add('NODE_POD_CIDR_MISSING', 'warning', `node ${n.name} has no ${fam(c.family)} pod CIDR although ${network.allocateNodeCIDRs === true ? 'node CIDRs are allocated' : 'the CNI takes addresses from it'}`,
          [nodeName(n)], 'check kube-controller-manager\'s logs for CIDR allocation errors (a full cluster CIDR, a mask it refuses)');
      }
    }
    for (const p of n.podCIDRs) {
      const c = clusterOf(p.family);
      if (c !== undefined && !c.containsPrefix(p)) {
        add('NODE_POD_CIDR_OUTSIDE_CLUSTER_CIDR', 'error', `node ${n.name} pod CIDR ${p} is outside cluster CIDR ${c}`, [nodeName(n), clusterObj(c)],
          'the pod CIDR was set by hand or the cluster CIDR changed: recreate the node (spec.podCIDRs is immutable) so it gets a block inside the cluster CIDR');
      }
      if (c !== undefined && p.bits !== maskOf(p.family)) {
        add('NODE_POD_CIDR_SIZE_MISMATCH', 'warning', `node ${n.name} pod CIDR ${p} is a /${p.bits}, not a /${maskOf(p.family)} node block`, [nodeName(n)],
          'align --node-cidr-mask-size with the nodes\' blocks, or recreate the node so it gets a block of the configured size');
      }
      for (const r of serviceRanges) {
        if (p.overlaps(r.prefix)) {
          add('NODE_POD_CIDR_OVERLAPS_SERVICE_CIDR', 'error', `node ${n.name} pod CIDR ${p} overlaps ${serviceObj(r)}`, [nodeName(n), serviceObj(r)],
            'recreate the node so it gets a block clear of the service CIDR (kube-controller-manager skips it when it knows the service CIDR)');
        }
      }
    }
  });
  const indexes = ([4, 6] as const).map((f) => new PrefixIndex(f, nodeEntries));
  for (const index of indexes) {
    for (const s of index.spans) {
      const owners = distinct(s.items);
      if (owners.length > 1) {
        add('NODE_POD_CIDRS_OVERLAP', 'error', `pod CIDR ${s.prefix} is assigned to ${owners.length} nodes: ${list(owners.map((i) => network.nodes[i]!.name))}`,
          owners.map((i) => nodeName(network.nodes[i]!)), 'give each node its own block: delete and re-register all but one of these nodes');
      }
    }
    for (const [o, i] of index.nested()) {
      const outer = index.spans[o]!;
      const inner = index.spans[i]!;
      const nodes = distinct([...outer.items, ...inner.items]);
      if (nodes.length < 2) continue; // a node's own two CIDRs nesting is a size problem, reported above
      add('NODE_POD_CIDRS_OVERLAP', 'error',
        `pod CIDR ${outer.prefix} (${list(distinct(outer.items).map((k) => network.nodes[k]!.name))}) contains pod CIDR ${inner.prefix} (${list(distinct(inner.items).map((k) => network.nodes[k]!.name))})`,
        nodes.map((k) => nodeName(network.nodes[k]!)), 'give each node its own block: delete and re-register the nodes whose block overlaps another');
    }
  }

  // ---- pods ----
  const nodeByName = new Map(network.nodes.map((n) => [n.name, n] as const));
  const podCounts = indexes.map((ix) => new Array<number>(ix.spans.length).fill(0));
  const podIPs: Addr[] = [];
  const podOwners: ClusterPod[] = [];
  // The innermost node pod CIDR of each pod IP, numbered across both families (-1: none), to bucket duplicates by.
  const podSpans: number[] = [];
  const v4Spans = indexes[0]!.spans.length;
  for (const pod of network.pods) {
    // Only pods that hold an address: not hostNetwork (they show their node's), not finished (theirs is free again).
    if (pod.hostNetwork || pod.phase === 'Succeeded' || pod.phase === 'Failed' || pod.podIPs.length === 0) continue;
    // The node is looked up only when needed: hashing 150,000 fresh name strings is not free.
    const node = cniUsesPodCIDRs && pod.nodeName !== undefined ? nodeByName.get(pod.nodeName) : undefined;
    for (const ip of pod.podIPs) {
      podIPs.push(ip);
      podOwners.push(pod);
      const c = clusterOf(ip.family);
      if (c !== undefined && !c.contains(ip)) {
        add('POD_IP_OUTSIDE_CLUSTER_CIDR', 'error', `pod ${pod.namespace}/${pod.name} has IP ${ip}, outside cluster CIDR ${c}`, [podName(pod), clusterObj(c)],
          'the pod got its address from something other than the cluster\'s CNI (a stale CNI config, the docker0 bridge): fix the node\'s CNI config and recreate the pod');
      } else if (node !== undefined) {
        const own = node.podCIDRs.filter((p) => p.family === ip.family);
        if (own.length > 0 && !own.some((p) => p.contains(ip))) {
          add('POD_IP_OUTSIDE_NODE_POD_CIDR', 'error', `pod ${pod.namespace}/${pod.name} on node ${node.name} has IP ${ip}, outside the node's pod CIDR ${list(own)}`,
            [podName(pod), nodeName(node)], 'the node\'s CNI uses a stale or wrong subnet: check /etc/cni/net.d and the CNI\'s state on that node, then recreate the pod');
        }
      }
      const fi = ip.family === 4 ? 0 : 1;
      const index = indexes[fi]!;
      const counts = podCounts[fi]!;
      const inner = index.innermost(ip);
      podSpans.push(inner < 0 ? -1 : fi === 0 ? inner : v4Spans + inner);
      for (let s = inner; s >= 0; s = index.spans[s]!.parent) counts[s]!++;
    }
  }
  const spanCount = v4Spans + indexes[1]!.spans.length;
  for (const [ip, pods] of duplicates(podIPs, podOwners, Int32Array.from(podSpans), spanCount)) {
    add('POD_IP_DUPLICATE', 'error', `IP ${ip} is held by ${pods.length} pods: ${list(pods.map((p) => `${p.namespace}/${p.name}`))}`,
      pods.map(podName), 'two IPAMs hand out the same range (or host-local state was lost): give each node its own range and recreate the pods');
  }

  // ---- per-node utilisation ----
  const nodeUsage: NodePodCIDRUsage[] = [];
  for (const n of network.nodes) {
    for (const p of n.podCIDRs) {
      const fi = p.family === 4 ? 0 : 1;
      const s = spanOf(indexes[fi]!, p);
      const pods = s < 0 ? 0 : podCounts[fi]![s]!;
      const usable = usablePodAddresses(p);
      const utilisation = usable === 0 ? 0 : pods / usable;
      nodeUsage.push({ node: n.name, podCIDR: p, pods, usable, utilisation });
      if (usable > 0 && pods >= usable) {
        add('NODE_POD_CIDR_FULL', 'error', `node ${n.name} pod CIDR ${p} is full: ${pods} pods on ${usable} usable addresses`, [nodeName(n)],
          'new pods on this node will fail with "no IP addresses available": lower the kubelet\'s maxPods or use a shorter node mask');
      } else if (usable > 0 && utilisation >= podThreshold) {
        add('NODE_POD_CIDR_NEAR_FULL', 'warning', `node ${n.name} pod CIDR ${p} is ${percent(utilisation)} used: ${pods} pods on ${usable} usable addresses`, [nodeName(n)],
          'keep the kubelet\'s maxPods below the block\'s usable addresses, or use a shorter node mask for new nodes');
      }
    }
  }

  // ---- node blocks ----
  const families: FamilyCapacity[] = [];
  for (const c of clusterCIDRs) {
    const mask = maskOf(c.family);
    const valid = mask >= c.bits && mask <= c.addr.bitLength && !(c.family === 6 && mask - c.bits > 16);
    const nodeBlocks = valid ? 2 ** (mask - c.bits) : 0;
    const inCluster = IPSet.from([c]);
    const nodeSet = new IPSetBuilder();
    let nodes = 0;
    for (const n of network.nodes) {
      const own = n.podCIDRs.filter((p) => p.family === c.family && c.containsPrefix(p));
      for (const p of own) nodeSet.addPrefix(p);
      if (own.length > 0) nodes++;
    }
    const serviceSet = new IPSetBuilder();
    for (const r of serviceRanges) if (r.prefix.family === c.family) serviceSet.addPrefix(r.prefix);
    const services = serviceSet.build().intersect(inCluster);
    const used = nodeSet.addSet(services).build().intersect(inCluster);
    const usedBlocks = valid ? blocksTouched(used, c, mask) : 0;
    const serviceBlocks = valid ? blocksTouched(services, c, mask) : 0;
    const freeBlocks = Math.max(0, nodeBlocks - usedBlocks);
    const utilisation = nodeBlocks === 0 ? 0 : usedBlocks / nodeBlocks;
    families.push({
      family: c.family, clusterCIDR: c, nodeMaskSize: mask, nodeBlocks, usedBlocks, serviceBlocks, freeBlocks,
      nodes, maxNodes: Math.min(nodes + freeBlocks, nodeBlocks - serviceBlocks), utilisation,
      podAddressesPerNode: valid ? usablePodAddresses(Prefix.from(c.addr, mask)) : 0,
    });
    if (!valid || network.allocateNodeCIDRs === false) continue;
    if (freeBlocks === 0) {
      add('NODE_CIDR_CAPACITY_EXHAUSTED', 'error', `cluster CIDR ${c} has no free /${mask} node block: all ${nodeBlocks} are used (${nodes} nodes${serviceBlocks > 0 ? `, ${serviceBlocks} by the service CIDR` : ''})`,
        [clusterObj(c)], 'new nodes get no pod CIDR and stay NotReady: delete departed nodes to free their blocks; growing needs a larger cluster CIDR or a longer node mask, that is a new cluster (or a CNI with its own IPAM)');
    } else if (utilisation >= nodeThreshold) {
      add('NODE_CIDR_CAPACITY_LOW', 'warning', `cluster CIDR ${c} has ${freeBlocks} of ${nodeBlocks} /${mask} node blocks left (${percent(utilisation)} used): it is exhausted at ${families.at(-1)!.maxNodes} nodes`,
        [clusterObj(c)], 'plan for growth: a larger cluster CIDR or a longer node mask needs a new cluster (or a CNI with its own IPAM)');
    }
  }

  // ---- services ----
  const serviceIPs: Addr[] = [];
  const serviceOwners: ClusterService[] = [];
  for (const s of network.services) {
    for (const ip of s.clusterIPs) {
      serviceIPs.push(ip);
      serviceOwners.push(s);
    }
  }
  if (serviceRanges.length > 0) {
    for (let k = 0; k < serviceIPs.length; k++) {
      const [ip, s] = [serviceIPs[k]!, serviceOwners[k]!];
      const ranges = serviceRanges.filter((r) => r.prefix.family === ip.family);
      if (ranges.length > 0 && !ranges.some((r) => r.prefix.contains(ip))) {
        add('SERVICE_IP_OUTSIDE_SERVICE_CIDR', 'error', `Service ${s.namespace}/${s.name} has ClusterIP ${ip}, outside ${list(ranges.map(serviceObj))}`,
          [serviceName(s), ...ranges.map(serviceObj)], 'the service range changed after the Service was created: recreate the Service so it gets an address in range (or add a ServiceCIDR that covers it)');
      }
    }
  }
  for (const [ip, svcs] of duplicates(serviceIPs, serviceOwners)) {
    add('SERVICE_IP_DUPLICATE', 'error', `ClusterIP ${ip} is held by ${svcs.length} Services: ${list(svcs.map((s) => `${s.namespace}/${s.name}`))}`,
      svcs.map(serviceName), 'recreate all but one of these Services; kube-apiserver\'s repair loop logs this as well');
  }
  const kube = network.services.find((s) => s.namespace === 'default' && s.name === 'kubernetes');
  if (kube !== undefined) {
    for (const ip of kube.clusterIPs) {
      const primary = serviceCIDRs.find((p) => p.family === ip.family);
      let expected: Addr | undefined;
      try {
        expected = primary === undefined ? undefined : kubernetesServiceIP(primary);
      } catch {
        expected = undefined; // a range too small for it: its own problems are reported elsewhere
      }
      if (expected !== undefined && !expected.equals(ip)) {
        add('KUBERNETES_SERVICE_IP_MISMATCH', 'error', `Service default/kubernetes has ClusterIP ${ip}, but service CIDR ${primary} puts it at ${expected}`,
          [serviceName(kube), `service CIDR ${primary}`], 'the service CIDR in use is not the one configured (or was changed): check kube-apiserver\'s --service-cluster-ip-range; the API server certificate and pods\' KUBERNETES_SERVICE_HOST name this address');
      }
    }
  }
  const serviceUsage: ServiceRangeUsage[] = [];
  const sortedIPs = distinctSorted(serviceIPs);
  for (const r of serviceRanges) {
    const p = r.prefix;
    const size = rangeSize(p);
    // The network address, and the IPv4 broadcast, are never ClusterIPs; a range with no room left has none.
    const reserved = p.family === 4 ? 2n : 1n;
    const usableBig = size > reserved ? size - reserved : 0n;
    const staticBand = serviceIPRangeOffset(p);
    const network0 = p.first();
    const staticLast = network0.add(staticBand) ?? p.last();
    const inRange = sortedIPs.filter((ip) => p.contains(ip));
    const used = inRange.length;
    const usedStatic = inRange.filter((ip) => ip.compare(network0) > 0 && ip.compare(staticLast) <= 0).length;
    const usable = Number(usableBig);
    const utilisation = usable === 0 ? 0 : used / usable;
    serviceUsage.push({ serviceCIDR: p, source: r.source, size: Number(size), staticBand, usable, used, usedStatic, free: Math.max(0, usable - used), utilisation });
    if (usable > 0 && used >= usable) {
      add('SERVICE_CIDR_FULL', 'error', `${serviceObj(r)} is full: ${used} ClusterIPs on ${usable} usable addresses`, [serviceObj(r)],
        'new Services fail to get a ClusterIP: add a ServiceCIDR object (Kubernetes 1.33+) or use headless Services where a ClusterIP is not needed');
    } else if (usable > 0 && utilisation >= serviceThreshold) {
      add('SERVICE_CIDR_NEAR_FULL', 'warning', `${serviceObj(r)} is ${percent(utilisation)} used: ${used} ClusterIPs on ${usable} usable addresses`, [serviceObj(r)],
        'add a ServiceCIDR object (Kubernetes 1.33+) before it fills up');
    }
  }

  // ---- settings ----
  settingsChecks(network.settings, add);

  // ---- CNI ----
  const nodeCIDRs = new Set(nodeEntries.map(([p]) => `${p}`));
  for (const n of network.cniNetworks) {
    const obj = `CNI network ${n.name}${where(n.from)}`;
    for (const s of n.subnets) {
      const c = clusterOf(s.family);
      if (c !== undefined && !c.containsPrefix(s)) {
        add('CNI_SUBNET_OUTSIDE_CLUSTER_CIDR', 'warning', `CNI network ${n.name} (${n.ipamType ?? 'no IPAM'}) hands out ${s}, outside cluster CIDR ${c}`, [obj, clusterObj(c)],
          `make the CNI's subnet part of ${c} (kube-proxy treats traffic from outside it as external); ignore this for a secondary (Multus) network`);
      } else if (c !== undefined && n.ipamType === 'host-local' && !n.usesPodCIDR && nodeCIDRs.size > 0 && !nodeCIDRs.has(`${s}`)) {
        add('CNI_SUBNET_NOT_NODE_POD_CIDR', 'warning',
          `CNI network ${n.name} has host-local subnet ${s}, which is not a node's pod CIDR (nodes get /${maskOf(s.family)} blocks of ${c}): pods there collide with other nodes' pods`,
          [obj], 'let host-local take the node\'s pod CIDR (`"subnet": "usePodCidr"`, or the CNI\'s own per-node subnet) instead of a fixed subnet');
      }
    }
    const ranges = [...n.subnets.map((s) => IPRange.fromPrefix(s)), ...n.ranges];
    for (const r of serviceRanges) {
      const hit = ranges.find((x) => x.family === r.prefix.family && x.overlaps(IPRange.fromPrefix(r.prefix)));
      if (hit !== undefined) {
        add('CNI_RANGE_OVERLAPS_SERVICE_CIDR', 'error', `CNI network ${n.name} hands out ${hit.prefix() ?? hit}, which overlaps ${serviceObj(r)}`, [obj, serviceObj(r)],
          'change the CNI\'s range so that it does not overlap the service CIDR');
      }
    }
  }

  // ---- CNI plugin pools ----
  const plugin = pluginChecks(network, { external, serviceRanges, serviceObj, clusterOf, threshold: poolThreshold }, add);

  findings.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return { findings, counts, capacity: { families, nodes: nodeUsage, services: serviceUsage, pools: plugin.pools, blocks: plugin.blocks } };
}

type Add = (code: AuditCode, severity: AuditSeverity, message: string, objects: readonly string[], fix: string) => void;

const PLUGIN: Record<PoolPlugin, string> = { flannel: 'Flannel', calico: 'Calico', cilium: 'Cilium', weave: 'Weave' };
/** Plugins whose node keeps its block: a full block means no more pod addresses there (Calico takes another block). */
const FIXED_BLOCK_PLUGINS: ReadonlySet<PoolPlugin> = new Set(['cilium', 'flannel']);

interface PluginContext {
  readonly external: readonly External[];
  readonly serviceRanges: readonly { prefix: Prefix; source: string }[];
  readonly serviceObj: (r: { prefix: Prefix; source: string }) => string;
  readonly clusterOf: (f: Family) => Prefix | undefined;
  readonly threshold: number;
}

const sizeOf = (p: Prefix): number => Number(p.size);

/** How each source spells the cluster CIDR, for messages. */
const SETTING_FLAG: Partial<Record<Setting['source'], string>> = {
  'kube-controller-manager': 'kube-controller-manager --cluster-cidr',
  kubeadm: 'kubeadm networking.podSubnet',
  'kube-proxy': 'kube-proxy clusterCIDR',
};

/** The checks and usage of the CNI plugins' own pools, blocks and allocations. */
function pluginChecks(network: ClusterNetwork, ctx: PluginContext, add: Add): { pools: PluginPoolUsage[]; blocks: PluginBlockUsage[] } {
  const pools = network.pools ?? [];
  const blocks = network.blocks ?? [];
  const poolObj = (p: PluginPool): string => `${PLUGIN[p.plugin]} pool ${p.name}${where(p.from)}`;
  const blockObj = (b: PluginBlock): string => `${PLUGIN[b.plugin]} block ${b.cidr}${where(b.from)}`;
  const poolText = (p: PluginPool, c?: Prefix): string => `${PLUGIN[p.plugin]} pool ${p.name} ${c ?? list(p.cidrs)}`;

  // Overlaps: a few pools, so pairs are fine.
  for (let i = 0; i < pools.length; i++) {
    const p = pools[i]!;
    for (let j = i + 1; j < pools.length; j++) {
      const q = pools[j]!;
      if (p.plugin === q.plugin && p.name === q.name) continue;
      for (const a of p.cidrs) {
        for (const b of q.cidrs) {
          if (a.overlaps(b)) {
            add('PLUGIN_POOLS_OVERLAP', 'error', `${poolText(p, a)} overlaps ${poolText(q, b)}`, [poolObj(p), poolObj(q)],
              p.plugin === q.plugin
                ? `give the pools disjoint CIDRs (to move pods, disable one pool and recreate its pods: see the ${PLUGIN[p.plugin]} docs on migrating pools)`
                : `two plugins hand out the same addresses: remove the leftover configuration of the plugin the cluster no longer uses`);
          }
        }
      }
    }
  }
  for (const p of pools) {
    for (const c of p.cidrs) {
      for (const r of ctx.serviceRanges) {
        if (c.overlaps(r.prefix)) {
          add('PLUGIN_POOL_OVERLAPS_SERVICE_CIDR', 'error', `${poolText(p, c)} overlaps ${ctx.serviceObj(r)}`, [poolObj(p), ctx.serviceObj(r)],
            'pods would get addresses that kube-proxy routes to Services: give the pool a CIDR clear of the service CIDR');
        }
      }
      for (const e of ctx.external) {
        if (c.overlaps(e.prefix)) {
          add('PLUGIN_POOL_OVERLAPS_EXTERNAL', 'error', `${poolText(p, c)} overlaps external network ${e.label}: pods there cannot reach it`,
            [poolObj(p), `External ${e.label}`], `give the pool a CIDR clear of ${e.prefix}`);
        }
      }
      for (const n of network.nodes) {
        for (const a of n.addresses) {
          if (c.contains(a.address)) {
            add('NODE_ADDRESS_IN_PLUGIN_POOL', 'error', `node ${n.name} ${a.type} ${a.address} is inside ${poolText(p, c)}`, [nodeName(n), poolObj(p)],
              'move the pool or the nodes\' network so they do not overlap: routes to pods would capture node traffic');
          }
        }
      }
      const cluster = ctx.clusterOf(c.family);
      if (!p.disabled && cluster !== undefined && !cluster.containsPrefix(c)) {
        const observed = network.settings.filter((s) => s.name === 'clusterCIDR' && s.value.some((v) => v.equals(cluster)));
        const by = observed.length === 0 ? 'as given' : `from ${list(distinct(observed.map((s) => SETTING_FLAG[s.source] ?? s.source)))}`;
        const said = observed.map(settingName);
        add('PLUGIN_POOL_CLUSTER_CIDR_MISMATCH', 'warning', `${poolText(p, c)} is not inside cluster CIDR ${cluster} (${by})`,
          [poolObj(p), `cluster CIDR ${cluster}`, ...said],
          p.plugin === 'flannel'
            ? `set net-conf.json's Network to ${cluster} (flannel with --kube-subnet-mgr uses the nodes' pod CIDRs, which come from ${cluster})`
            : `make the pool part of ${cluster}, or set --cluster-cidr (and kube-proxy's clusterCIDR) to cover the pool: kube-proxy treats pod traffic from outside it as external`);
      }
    }
  }

  // Blocks: their pool, use, and node.
  const nodeNames = new Set(network.nodes.map((n) => n.name));
  const poolOf = (b: PluginBlock): PluginPool | undefined =>
    pools.find((p) => p.plugin === b.plugin && (b.pool !== undefined ? p.name === b.pool : p.cidrs.some((c) => c.containsPrefix(b.cidr))));
  const blockUsage: PluginBlockUsage[] = [];
  const perPool = new Map<PluginPool, { blocks: number; allocated: number | undefined }>();
  for (const b of blocks) {
    const size = sizeOf(b.cidr);
    const allocated = b.allocations === undefined ? undefined : new Set(b.allocations.map((a) => `${a.address}`)).size;
    const utilisation = allocated === undefined || size === 0 ? undefined : allocated / size;
    const pool = poolOf(b);
    blockUsage.push({ plugin: b.plugin, pool: pool?.name ?? b.pool, cidr: b.cidr, node: b.node, size, allocated, utilisation });
    if (pool !== undefined) {
      const u = perPool.get(pool) ?? { blocks: 0, allocated: undefined };
      perPool.set(pool, { blocks: u.blocks + 1, allocated: allocated === undefined ? u.allocated : (u.allocated ?? 0) + allocated });
    }
    if (pool === undefined) {
      const family = pools.filter((p) => p.plugin === b.plugin && p.cidrs.some((c) => c.family === b.cidr.family));
      if (family.length > 0) {
        add('PLUGIN_BLOCK_OUTSIDE_POOL', 'error', `${PLUGIN[b.plugin]} block ${b.cidr}${b.node === undefined ? '' : ` of node ${b.node}`} is in none of the pools ${list(family.map((p) => poolText(p)))}`,
          [blockObj(b), ...family.map(poolObj)],
          'the block was handed out from an earlier pool configuration: drain the node and let the plugin give it a block from the current pools, or add the old range back as a pool');
      }
    }
    if (b.node !== undefined && network.nodes.length > 0 && !nodeNames.has(b.node)) {
      add('PLUGIN_BLOCK_NODE_MISSING', 'warning', `${PLUGIN[b.plugin]} block ${b.cidr} is affine to node ${b.node}, which no longer exists${allocated ? ` (${allocated} addresses still allocated)` : ''}`,
        [blockObj(b), `Node/${b.node}`],
        b.plugin === 'calico'
          ? `the node was removed without its Calico state: \`calicoctl delete node ${b.node}\` releases its block affinities (calico-kube-controllers' node controller does this when it runs); then \`calicoctl ipam check\` for addresses left`
          : `delete the departed node's ${b.plugin === 'cilium' ? 'CiliumNode' : 'plugin state'} so its block returns to the pool`);
    }
    if (FIXED_BLOCK_PLUGINS.has(b.plugin) && utilisation !== undefined && allocated !== undefined) {
      if (allocated >= size) {
        add('PLUGIN_BLOCK_FULL', 'error', `${PLUGIN[b.plugin]} block ${b.cidr}${b.node === undefined ? '' : ` of node ${b.node}`} is full: ${allocated} of ${size} addresses allocated`, [blockObj(b)],
          'new pods on the node get no address: give the node a larger block (a shorter mask size) or a second pod CIDR, or lower its maxPods');
      } else if (utilisation >= ctx.threshold) {
        add('PLUGIN_BLOCK_NEAR_FULL', 'warning', `${PLUGIN[b.plugin]} block ${b.cidr}${b.node === undefined ? '' : ` of node ${b.node}`} is ${percent(utilisation)} used: ${allocated} of ${size} addresses allocated`, [blockObj(b)],
          'keep the kubelet\'s maxPods below the block\'s addresses, or give nodes larger blocks');
      }
    }
  }

  // Pools: use.
  const poolUsage: PluginPoolUsage[] = [];
  for (const p of pools) {
    const size = p.cidrs.reduce((t, c) => t + sizeOf(c), 0);
    const capacity = p.blockSize === undefined ? 0 : p.cidrs.reduce((t, c) => t + (p.blockSize! >= c.bits && p.blockSize! <= c.addr.bitLength ? 2 ** (p.blockSize! - c.bits) : 0), 0);
    const u = perPool.get(p) ?? { blocks: 0, allocated: undefined };
    const basis = u.allocated !== undefined ? 'addresses' : capacity > 0 && u.blocks > 0 ? 'blocks' : 'none';
    const utilisation = basis === 'addresses' ? (size === 0 ? 0 : u.allocated! / size) : basis === 'blocks' ? u.blocks / capacity : 0;
    poolUsage.push({ plugin: p.plugin, pool: p.name, cidrs: p.cidrs, disabled: p.disabled, blockSize: p.blockSize, size, blocks: capacity, blocksInUse: u.blocks, allocated: u.allocated, basis, utilisation });
    if (p.disabled || basis === 'none') continue;
    const what = basis === 'addresses' ? `${u.allocated} of ${size} addresses allocated` : `${u.blocks} of ${capacity} /${p.blockSize} blocks handed out`;
    if (utilisation >= 1) {
      add('PLUGIN_POOL_FULL', 'error', `${poolText(p)} is full: ${what}`, [poolObj(p)],
        'new pods (or new nodes) get no address: add another pool (a Calico IPPool, a Cilium cluster-pool CIDR) or release leaked addresses');
    } else if (utilisation >= ctx.threshold) {
      add('PLUGIN_POOL_NEAR_FULL', 'warning', `${poolText(p)} is ${percent(utilisation)} used: ${what}`, [poolObj(p)],
        'add another pool before it fills up, and release leaked addresses (PLUGIN_ALLOCATION_LEAKED)');
    }
  }

  // Allocations: leaks.
  // Only built when some block records allocations: hashing 150,000 pod names is not free.
  const podByKey = new Map<string, ClusterPod>();
  if (blocks.some((b) => b.allocations !== undefined && b.allocations.length > 0)) {
    for (const pod of network.pods) podByKey.set(`${pod.namespace}/${pod.name}`, pod);
  }
  for (const b of blocks) {
    for (const a of b.allocations ?? []) {
      if (a.kind === 'pod' && a.pod !== undefined && network.pods.length > 0) {
        const pod = podByKey.get(a.pod);
        const finished = pod !== undefined && (pod.phase === 'Succeeded' || pod.phase === 'Failed');
        if (pod === undefined || finished || !pod.podIPs.some((ip) => ip.equals(a.address))) {
          const why = pod === undefined ? 'no longer exists' : finished ? `has finished (${pod.phase})` : `holds ${list(pod.podIPs)} instead`;
          add('PLUGIN_ALLOCATION_LEAKED', 'warning', `${PLUGIN[b.plugin]} allocation ${a.address} in block ${b.cidr} is for pod ${a.pod}, which ${why}`,
            [blockObj(b), `Pod ${a.pod}`, ...(a.handle === undefined ? [] : [`handle ${a.handle}`])], leakFix(b.plugin));
        }
      } else if (a.kind === 'tunnel' && a.node !== undefined && network.nodes.length > 0 && !nodeNames.has(a.node)) {
        add('PLUGIN_ALLOCATION_LEAKED', 'warning', `${PLUGIN[b.plugin]} tunnel address ${a.address} in block ${b.cidr} belongs to node ${a.node}, which no longer exists`,
          [blockObj(b), `Node/${a.node}`, ...(a.handle === undefined ? [] : [`handle ${a.handle}`])], leakFix(b.plugin));
      }
    }
  }

  // Pods outside every pool of their family.
  const byFamily = ([4, 6] as const).map((f) => pools.flatMap((p) => p.cidrs.filter((c) => c.family === f).map((c) => [c, p] as const)));
  if (pools.length > 0) {
    for (const pod of network.pods) {
      if (pod.hostNetwork || pod.phase === 'Succeeded' || pod.phase === 'Failed') continue;
      for (const ip of pod.podIPs) {
        const candidates = byFamily[ip.family === 4 ? 0 : 1]!;
        if (candidates.length === 0 || candidates.some(([c]) => c.contains(ip))) continue;
        const named = distinct(candidates.map(([, p]) => p));
        add('POD_IP_OUTSIDE_PLUGIN_POOL', 'error', `pod ${pod.namespace}/${pod.name} has IP ${ip}, in none of the pools ${list(named.map((p) => poolText(p)))}`,
          [podName(pod), ...named.map(poolObj)],
          'the pod got its address elsewhere (another CNI, a deleted pool, a static annotation): recreate it so the CNI gives it an address from a pool');
      }
    }
  }
  return { pools: poolUsage, blocks: blockUsage };
}

function leakFix(p: PoolPlugin): string {
  return p === 'calico'
    ? 'run `calicoctl ipam check --show-problem-ips -o report.json`, then `calicoctl ipam release --from-report=report.json` while no pods are being created'
    : p === 'cilium'
      ? 'restart the cilium agent on that node (it rebuilds status.ipam.used from the endpoints it runs) or delete the stale entry'
      : 'release the address in the plugin\'s state on that node';
}

function specialChecks(prefix: Prefix, what: string, add: Add): void {
  for (const r of specialRangesOf(prefix) as SpecialRange[]) {
    const severity = SPECIAL_SEVERITY[r.kind];
    if (severity === undefined) continue;
    add('SPECIAL_RANGE_OVERLAP', severity, `${what} overlaps ${r.prefix}, ${r.name} (${r.kind}, ${r.rfc})`, [what],
      r.kind === 'shared'
        ? `${r.prefix} is carrier-grade NAT space (also used by cloud providers and VPNs such as Tailscale): prefer RFC 1918 space unless you own its use`
        : `move to private space (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fd00::/8): ${r.prefix} has a special meaning to hosts and routers`);
  }
  const pub = IPSet.from([prefix]).difference(SPECIAL_SET);
  if (!pub.isEmpty()) {
    const parts = pub.prefixes();
    const shown = parts.length > 3 ? `${list(parts.slice(0, 3))}, … (${parts.length} blocks)` : list(parts);
    add('PUBLIC_ADDRESS_SPACE', prefix.family === 4 ? 'warning' : 'info',
      `${what} includes public address space (${shown}): addresses there cannot be reached outside the cluster`, [what],
      prefix.family === 4 ? 'use RFC 1918 space (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) unless you own this range' : 'fine if the range is yours and routed to the cluster; otherwise use unique-local space (fd00::/8)');
  }
}

const DISAGREE: { name: Setting['name']; code: AuditCode; what: string; fix: string }[] = [
  { name: 'clusterCIDR', code: 'CLUSTER_CIDR_SETTINGS_DISAGREE', what: 'cluster CIDR',
    fix: 'give kube-controller-manager --cluster-cidr, kubeadm networking.podSubnet and kube-proxy clusterCIDR the same value (all families)' },
  { name: 'serviceCIDR', code: 'SERVICE_CIDR_SETTINGS_DISAGREE', what: 'service CIDR',
    fix: 'give kube-apiserver and kube-controller-manager --service-cluster-ip-range and kubeadm networking.serviceSubnet the same value' },
  { name: 'nodeCIDRMaskSize', code: 'NODE_MASK_SETTINGS_DISAGREE', what: 'node mask size',
    fix: 'give kube-controller-manager --node-cidr-mask-size(-ipv4/-ipv6) and kubeadm\'s controllerManager extraArgs the same value' },
];

function settingValue(s: Setting): Map<string, string> {
  const v = new Map<string, string>();
  if (s.name === 'nodeCIDRMaskSize') {
    if (s.value.ipv4 !== undefined) v.set('ipv4', `/${s.value.ipv4}`);
    if (s.value.ipv6 !== undefined) v.set('ipv6', `/${s.value.ipv6}`);
  } else if (s.name === 'clusterCIDR' || s.name === 'serviceCIDR') {
    v.set('all', s.value.map(String).join(','));
  }
  return v;
}

function settingsChecks(settings: readonly Setting[], add: Add): void {
  for (const d of DISAGREE) {
    // Extra ServiceCIDR objects are meant to differ; only the `kubernetes` one mirrors the flags.
    const obs = settings.filter((s) => s.name === d.name && (s.source !== 'service-cidr' || (s.from.object ?? '').endsWith('/kubernetes')));
    const keys = new Set(obs.flatMap((s) => [...settingValue(s).keys()]));
    for (const k of keys) {
      const byValue = new Map<string, Setting[]>();
      for (const s of obs) {
        const v = settingValue(s).get(k);
        if (v !== undefined) byValue.set(v, [...(byValue.get(v) ?? []), s]);
      }
      if (byValue.size < 2) continue;
      const parts = [...byValue].map(([v, ss]) => `${list(distinct(ss.map((s) => s.source)))} ${v}`);
      add(d.code, 'warning', `the ${d.what}${k === 'all' ? '' : ` (${k})`} is configured differently: ${parts.join('; ')}`,
        [...byValue.values()].flat().map(settingName), d.fix);
    }
  }
}

/** The index of the span holding exactly `p`, or -1. */
function spanOf(index: PrefixIndex<number>, p: Prefix): number {
  const s = index.innermost(p.first());
  for (let i = s; i >= 0; i = index.spans[i]!.parent) if (index.spans[i]!.prefix.bits === p.bits) return i;
  return -1;
}

/** Counts the /mask blocks of `c` that the set touches: merged ranges may share a block at their ends. */
function blocksTouched(set: IPSet, c: Prefix, mask: number): number {
  const base = c.first().toBigInt();
  const shift = BigInt(c.addr.bitLength - mask);
  let total = 0n;
  let prev = -1n;
  for (const r of set.ranges()) {
    let lo = (r.first().toBigInt() - base) >> shift;
    const hi = (r.last().toBigInt() - base) >> shift;
    if (lo === prev) lo++;
    if (hi >= lo) total += hi - lo + 1n;
    prev = hi;
  }
  return Number(total);
}

/** The longest node mask whose block holds `pods` usable pod addresses. */
function nodeMaskFor(f: Family, pods: number): number {
  const bitLength = f === 4 ? 32 : 128;
  let bits = bitLength;
  while (bits > 0 && usablePodAddresses(Prefix.from(Addr.fromBigInt(0n, f), bits)) < pods) bits--;
  return bits;
}

function distinct<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function distinctSorted(ips: readonly Addr[]): Addr[] {
  const sorted = [...ips].sort(Addr.compare);
  return sorted.filter((ip, i) => i === 0 || !ip.equals(sorted[i - 1]!));
}

/** AuditFormatOptions tune {@link formatAuditReport}. */
export interface AuditFormatOptions {
  /** AuditFormatOptions.maxFindingsPerCode caps the findings printed per code; the rest are counted (default 20). */
  readonly maxFindingsPerCode?: number;
  /** AuditFormatOptions.maxNodes caps the node pod CIDR rows, fullest first (default 10). */
  readonly maxNodes?: number;
  /** AuditFormatOptions.maxBlocks caps the plugin block rows, fullest first (default 10). */
  readonly maxBlocks?: number;
  /** AuditFormatOptions.maxObjects caps the objects printed per finding; the rest are counted (default 6). */
  readonly maxObjects?: number;
}

/**
 * formatAuditReport renders an {@link AuditReport} as plain text: the findings as a table with aligned columns
 * (severity, code, message, then the objects and the fix underneath), then node capacity per family, the fullest
 * node pod CIDRs, the service ranges, the CNI plugins' pools and their fullest blocks (as `calicoctl ipam show --show-blocks`
 * prints them). No colours, no trailing spaces; long lists are cut with a count of the rest.
 *
 * @example
 * ```ts
 * const network = clusterNetwork({ clusterCIDRs: [Prefix.parse('10.0.0.0/8')], serviceCIDRs: [Prefix.parse('10.96.0.0/12')] });
 * console.log(formatAuditReport(audit(network)));
 * // Findings: 1 error, 0 warnings, 1 info
 * // SEVERITY  CODE                            MESSAGE
 * // error     POD_CIDR_OVERLAPS_SERVICE_CIDR  cluster CIDR 10.0.0.0/8 overlaps service CIDR 10.96.0.0/12
 * //                                           objects: cluster CIDR 10.0.0.0/8, service CIDR 10.96.0.0/12
 * //                                           fix: give pods and Services disjoint ranges (e.g. pods 10.244.0.0/16, ...
 * // ...
 * // Node capacity
 * // FAMILY  CLUSTER CIDR  NODE MASK  BLOCKS  USED  BY SERVICES    FREE  NODES  MAX NODES  USED %  PODS/NODE
 * // IPv4    10.0.0.0/8          /24  65,536  4,096        4,096  61,440      0     61,440    6.3%        254
 * ```
 */
export function formatAuditReport(report: AuditReport, options: AuditFormatOptions = {}): string {
  const perCode = options.maxFindingsPerCode ?? 20;
  const maxNodes = options.maxNodes ?? 10;
  const maxObjects = options.maxObjects ?? 6;
  const maxBlocks = options.maxBlocks ?? 10;
  const { error, warning, info } = report.counts;
  const out: string[] = [`Findings: ${plural(error, 'error')}, ${plural(warning, 'warning')}, ${info} info`];
  if (report.findings.length > 0) {
    const rows: string[][] = [];
    const seen = new Map<string, number>();
    for (const f of report.findings) {
      const n = (seen.get(f.code) ?? 0) + 1;
      seen.set(f.code, n);
      if (n <= perCode) {
        rows.push([f.severity, f.code, f.message]);
        if (f.objects.length > 0) {
          const shown = f.objects.length > maxObjects ? [...f.objects.slice(0, maxObjects), `… ${count(f.objects.length - maxObjects)} more`] : f.objects;
          rows.push(['', '', `objects: ${shown.join(', ')}`]);
        }
        rows.push(['', '', `fix: ${f.fix}`]);
      } else if (n === perCode + 1) {
        const total = report.findings.filter((g) => g.code === f.code).length;
        rows.push(['', '', `… ${count(total - perCode)} more ${f.code} findings`]);
      }
    }
    out.push(...table(['SEVERITY', 'CODE', 'MESSAGE'], rows));
  }
  const cap = report.capacity;
  if (cap.families.length > 0) {
    out.push('', 'Node capacity');
    out.push(...table(
      ['FAMILY', 'CLUSTER CIDR', 'NODE MASK', 'BLOCKS', 'USED', 'BY SERVICES', 'FREE', 'NODES', 'MAX NODES', 'USED %', 'PODS/NODE'],
      cap.families.map((f) => [fam(f.family), `${f.clusterCIDR}`, `/${f.nodeMaskSize}`, count(f.nodeBlocks), count(f.usedBlocks),
        count(f.serviceBlocks), count(f.freeBlocks), count(f.nodes), count(f.maxNodes), percent(f.utilisation), count(f.podAddressesPerNode)]),
      [false, false, true, true, true, true, true, true, true, true, true],
    ));
  }
  if (cap.nodes.length > 0) {
    const fullest = [...cap.nodes].sort((a, b) => b.utilisation - a.utilisation || b.pods - a.pods).slice(0, maxNodes);
    out.push('', cap.nodes.length > fullest.length ? `Node pod CIDRs (fullest ${fullest.length} of ${count(cap.nodes.length)})` : 'Node pod CIDRs');
    out.push(...table(['NODE', 'POD CIDR', 'PODS', 'USABLE', 'USED %'],
      fullest.map((n) => [n.node, `${n.podCIDR}`, count(n.pods), count(n.usable), percent(n.utilisation)]), [false, false, true, true, true]));
  }
  if (cap.services.length > 0) {
    out.push('', 'Service CIDRs');
    out.push(...table(['SERVICE CIDR', 'SOURCE', 'SIZE', 'STATIC BAND', 'USABLE', 'USED', 'IN STATIC', 'FREE', 'USED %'],
      cap.services.map((s) => [`${s.serviceCIDR}`, s.source, count(s.size), count(s.staticBand), count(s.usable), count(s.used), count(s.usedStatic), count(s.free), percent(s.utilisation)]),
      [false, false, true, true, true, true, true, true, true]));
  }
  const pools = cap.pools ?? [];
  const blocks = cap.blocks ?? [];
  if (pools.length > 0) {
    out.push('', 'Plugin pools');
    out.push(...table(['PLUGIN', 'POOL', 'CIDR', 'BLOCK SIZE', 'BLOCKS', 'IN USE', 'IPS TOTAL', 'IPS IN USE', 'IPS FREE', 'USED %'],
      pools.map((p) => [PLUGIN[p.plugin], p.disabled ? `${p.pool} (disabled)` : p.pool, list(p.cidrs), p.blockSize === undefined ? '-' : `/${p.blockSize}`,
        p.blocks === 0 ? '-' : count(p.blocks), count(p.blocksInUse), count(p.size),
        p.allocated === undefined ? '-' : count(p.allocated), p.allocated === undefined ? '-' : count(p.size - p.allocated),
        p.basis === 'none' ? '-' : `${percent(p.utilisation)}${p.basis === 'blocks' ? ' of blocks' : ''}`]),
      [false, false, false, true, true, true, true, true, true, true]));
  }
  if (blocks.length > 0) {
    const fullest = [...blocks].sort((a, b) => (b.utilisation ?? -1) - (a.utilisation ?? -1) || (b.allocated ?? 0) - (a.allocated ?? 0)).slice(0, maxBlocks);
    out.push('', blocks.length > fullest.length ? `Plugin blocks (fullest ${fullest.length} of ${count(blocks.length)})` : 'Plugin blocks');
    out.push(...table(['PLUGIN', 'BLOCK', 'POOL', 'NODE', 'IPS TOTAL', 'IPS IN USE', 'IPS FREE', 'USED %'],
      fullest.map((b) => [PLUGIN[b.plugin], `${b.cidr}`, b.pool ?? '-', b.node ?? '-', count(b.size),
        b.allocated === undefined ? '-' : count(b.allocated), b.allocated === undefined ? '-' : count(b.size - b.allocated),
        b.utilisation === undefined ? '-' : percent(b.utilisation)]),
      [false, false, false, false, true, true, true, true]));
  }
  return out.join('\n');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
