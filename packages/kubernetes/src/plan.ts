import { Addr, type Family, IPRange, IPSet, IPSetBuilder, ParseError, Prefix } from '@ipam/core';
import { KubernetesError } from './kubernetes-error.js';
import {
  MAX_IPV6_MASK_DIFF,
  MAX_SERVICE_HOST_BITS,
  bitsFor,
  grow,
  largestBlock,
  place,
  podAddresses,
  serviceAddresses,
  tightNodeMask,
  tightServiceMask,
  ulaFromSeed,
  widthOf,
} from './internal/plan-math.js';

/**
 * PlanOptions are the inputs of {@link plan}: how big the cluster is, which families it runs, where its addresses
 * may come from and what they must stay clear of.
 */
export interface PlanOptions {
  /** PlanOptions.nodes is the number of nodes, a positive integer. */
  readonly nodes: number;
  /** PlanOptions.podsPerNode is the number of pods each node runs at most, a positive integer. */
  readonly podsPerNode: number;
  /**
   * PlanOptions.services is the number of Services with a ClusterIP, `kubernetes` and `kube-dns` included, an
   * integer ≥ 0. In a dual-stack plan every Service may be dual-stack, so each family's range holds them all.
   */
  readonly services: number;
  /** PlanOptions.families are the IP families, primary first: `[4]` (the default), `[6]`, `[4, 6]` or `[6, 4]`. */
  readonly families?: readonly Family[];
  /**
   * PlanOptions.avoid are the networks the plan must stay clear of (VPC, on-premises and VPN ranges, node
   * subnets, ...): prefixes, single addresses or `first-last` ranges, as strings or as `Prefix`, `Addr`, `IPRange`
   * and `IPSet` values, of either family.
   */
  readonly avoid?: readonly (string | Prefix | Addr | IPRange | IPSet)[];
  /**
   * PlanOptions.growth is the headroom as a fraction: `0.5` plans for 50 % more nodes and 50 % more Services
   * than asked (and so 50 % more pods). The default is 0: the power-of-two rounding is the only headroom.
   * Pods per node do not grow: they are a per-node setting (kubelet `maxPods`), not a cluster size.
   */
  readonly growth?: number;
  /**
   * PlanOptions.within are the prefixes the CIDRs are carved from. A family with no prefix here uses its
   * default: for IPv4 the RFC 1918 ranges `10.0.0.0/8`, `172.16.0.0/12` and `192.168.0.0/16`; for IPv6 the ULA
   * /48 of {@link PlanOptions.ula} or {@link PlanOptions.seed}. Prefixes of a family not planned are ignored.
   */
  readonly within?: readonly (string | Prefix)[];
  /**
   * PlanOptions.maxPodsPerNode is the kubelet `maxPods` the nodes will run with, at least `podsPerNode`; the
   * node blocks are sized for it. The default is `podsPerNode`, and the plan's flags set kubelet's `maxPods` to
   * it (kubelet's own default is 110, which a smaller node block could not serve).
   */
  readonly maxPodsPerNode?: number;
  /**
   * PlanOptions.addressesPerPod is how many addresses a node block has per pod it may run, at least 1. The
   * default, 2, is GKE's rule (a /24 for 110 pods, as Kubernetes' own default node mask): with twice as many
   * addresses as pods, an address freed by a deleted pod is not handed out again at once. With 1 the node block
   * is the smallest whose host-local range holds `maxPodsPerNode` addresses, and the plan warns.
   * See https://cloud.google.com/kubernetes-engine/docs/how-to/flexible-pod-cidr (GKE's table: 8 pods → /28,
   * 110 → /24) and kube-controller-manager's `--node-cidr-mask-size-ipv4` default of 24.
   */
  readonly addressesPerPod?: number;
  /**
   * PlanOptions.seed chooses the default IPv6 space: fd00::/8 and a 40-bit Global ID hashed from the seed
   * (64-bit FNV-1a of its UTF-8 bytes, low 40 bits), as RFC 4193 asks for a random-looking Global ID. Use the
   * cluster's name so that clusters get different /48s; the default seed is the empty string (`fde4:8422:2325::/48`).
   */
  readonly seed?: string;
  /** PlanOptions.ula is the IPv6 /48 inside fd00::/8 to use instead of one derived from {@link PlanOptions.seed}. */
  readonly ula?: string | Prefix;
}

/**
 * FamilyPlan is one family's part of a {@link Plan}: the prefixes and the arithmetic behind them.
 */
export interface FamilyPlan {
  /** FamilyPlan.family is the IP family. */
  readonly family: Family;
  /** FamilyPlan.clusterCIDR is the pod network (kube-controller-manager `--cluster-cidr`). */
  readonly clusterCIDR: Prefix;
  /** FamilyPlan.nodeMaskSize is the node pod CIDR mask size (`--node-cidr-mask-size-ipv4/-ipv6`). */
  readonly nodeMaskSize: number;
  /** FamilyPlan.serviceCIDR is the Service ClusterIP range (`--service-cluster-ip-range`). */
  readonly serviceCIDR: Prefix;
  /** FamilyPlan.maxNodes is how many node blocks the cluster CIDR holds: 2^(nodeMaskSize − cluster mask). */
  readonly maxNodes: number;
  /** FamilyPlan.nodeBlockSize is the number of addresses of one node block: 2^(width − nodeMaskSize). */
  readonly nodeBlockSize: bigint;
  /**
   * FamilyPlan.podAddressesPerNode is how many pod addresses host-local hands out from one node block: all but
   * the network address, the gateway (network + 1) and, for IPv4, the broadcast address.
   */
  readonly podAddressesPerNode: bigint;
  /** FamilyPlan.maxPodsPerNode is the kubelet `maxPods` the node blocks are sized for. */
  readonly maxPodsPerNode: number;
  /** FamilyPlan.maxPods is the most pods the cluster CIDR serves: maxNodes × maxPodsPerNode. */
  readonly maxPods: number;
  /** FamilyPlan.serviceAddresses is how many ClusterIPs kube-apiserver hands out from the service CIDR. */
  readonly serviceAddresses: bigint;
  /** FamilyPlan.kubernetesServiceIP is the ClusterIP of `kubernetes.default`: network + 1. */
  readonly kubernetesServiceIP: Addr;
  /** FamilyPlan.dnsServiceIP is the ClusterIP kubeadm gives the cluster DNS: network + 10. */
  readonly dnsServiceIP: Addr;
  /**
   * FamilyPlan.wasted counts addresses the planned cluster never uses: in the cluster CIDR, all but
   * required nodes × maxPodsPerNode; in the service CIDR, all but the required Services.
   */
  readonly wasted: {
    /** The cluster CIDR's addresses beyond required nodes × maxPodsPerNode. */
    readonly clusterCIDR: bigint;
    /** The service CIDR's addresses beyond the required Services. */
    readonly serviceCIDR: bigint;
  };
}

/** PlanRequirements are a {@link Plan}'s inputs after defaults and growth: what the CIDRs are sized for. */
export interface PlanRequirements {
  /** PlanRequirements.nodes is ⌈nodes × (1 + growth)⌉. */
  readonly nodes: number;
  /** PlanRequirements.podsPerNode is the `podsPerNode` asked for. */
  readonly podsPerNode: number;
  /** PlanRequirements.maxPodsPerNode is the kubelet `maxPods` the node blocks are sized for. */
  readonly maxPodsPerNode: number;
  /** PlanRequirements.pods is nodes × podsPerNode, after growth. */
  readonly pods: number;
  /** PlanRequirements.services is ⌈services × (1 + growth)⌉. */
  readonly services: number;
  /** PlanRequirements.growth is the growth factor used. */
  readonly growth: number;
  /** PlanRequirements.addressesPerPod is the node block rule used (addresses per pod). */
  readonly addressesPerPod: number;
}

/** PlanFlags are the settings that make a cluster use a {@link Plan}, per component. */
export interface PlanFlags {
  /** PlanFlags.kubeControllerManager: `--allocate-node-cidrs`, `--cluster-cidr`, `--node-cidr-mask-size-ipv4/-ipv6`, `--service-cluster-ip-range`. */
  readonly kubeControllerManager: readonly string[];
  /** PlanFlags.kubeApiserver: `--service-cluster-ip-range`. */
  readonly kubeApiserver: readonly string[];
  /** PlanFlags.kubelet: `--max-pods` (KubeletConfiguration `maxPods`). */
  readonly kubelet: readonly string[];
  /** PlanFlags.kubeProxy: `--cluster-cidr` (KubeProxyConfiguration `clusterCIDR`). */
  readonly kubeProxy: readonly string[];
  /** PlanFlags.kubeadm: the kubeadm `ClusterConfiguration` and `KubeletConfiguration` fields. */
  readonly kubeadm: {
    /** `networking.podSubnet`: the cluster CIDRs, comma-separated, primary first. */
    readonly podSubnet: string;
    /** `networking.serviceSubnet`: the service CIDRs, comma-separated, primary first. */
    readonly serviceSubnet: string;
    /** `controllerManager.extraArgs`: the node mask sizes, as kubeadm v1beta4's name/value list. */
    readonly controllerManagerExtraArgs: readonly {
      /** The flag's name without dashes, e.g. `node-cidr-mask-size-ipv4`. */
      readonly name: string;
      /** The flag's value, e.g. `'24'`. */
      readonly value: string;
    }[];
    /** KubeletConfiguration `maxPods`. */
    readonly maxPods: number;
  };
}

/**
 * PlanWarningCode names a {@link PlanWarning}. The size limits are those of Kubernetes' "Considerations for large
 * clusters" (https://kubernetes.io/docs/setup/best-practices/cluster-large/):
 * - `few-addresses-per-pod`: node blocks have fewer than twice as many addresses as `maxPodsPerNode` (GKE's rule).
 * - `kubelet-default-max-pods`: a node block has fewer pod addresses than kubelet's default `maxPods` (110); set it.
 * - `many-pods-per-node`: more than 110 pods per node, beyond Kubernetes' large-cluster guidance.
 * - `many-nodes`: more than 5,000 nodes, beyond the largest cluster Kubernetes is tested at.
 * - `many-pods`: more than 150,000 pods, beyond the largest cluster Kubernetes is tested at.
 * - `ipv6-node-mask-not-64`: the IPv6 space given has no room for /64 node blocks, so they are smaller.
 */
export type PlanWarningCode =
  | 'few-addresses-per-pod'
  | 'kubelet-default-max-pods'
  | 'many-pods-per-node'
  | 'many-nodes'
  | 'many-pods'
  | 'ipv6-node-mask-not-64';

/** PlanWarning is a property of a {@link Plan} that works but deserves a look. */
export interface PlanWarning {
  /** PlanWarning.code is the stable kind of warning. */
  readonly code: PlanWarningCode;
  /** PlanWarning.message explains it and what to do. */
  readonly message: string;
}

/**
 * Plan is what {@link plan} returns: per family the cluster CIDR, node mask and service CIDR with their
 * arithmetic, the flags to configure a cluster with them, and warnings.
 */
export interface Plan {
  /** Plan.families are the family plans, primary first. */
  readonly families: readonly FamilyPlan[];
  /** Plan.ipv4 is the IPv4 plan, when planned. */
  readonly ipv4: FamilyPlan | undefined;
  /** Plan.ipv6 is the IPv6 plan, when planned. */
  readonly ipv6: FamilyPlan | undefined;
  /** Plan.clusterCIDRs are the cluster CIDRs, primary first, as `--cluster-cidr` lists them. */
  readonly clusterCIDRs: readonly Prefix[];
  /** Plan.serviceCIDRs are the service CIDRs, primary first, as `--service-cluster-ip-range` lists them. */
  readonly serviceCIDRs: readonly Prefix[];
  /** Plan.required are the inputs after defaults and growth. */
  readonly required: PlanRequirements;
  /** Plan.avoided is the space the plan stays clear of, as given in `avoid`. */
  readonly avoided: IPSet;
  /** Plan.flags are the component settings. */
  readonly flags: PlanFlags;
  /** Plan.warnings are the plan's warnings, most important first. */
  readonly warnings: readonly PlanWarning[];
}

const API = 'plan';
const RFC1918 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((s) => Prefix.parse(s));
const ULA_SPACE = Prefix.parse('fd00::/8');
/** kubelet's default `maxPods` (KubeletConfiguration). */
const KUBELET_DEFAULT_MAX_PODS = 110;
/** kubelet's `maxPods` is an int32. */
const MAX_INT32 = 2 ** 31 - 1;

function invalid(reason: string): KubernetesError {
  return new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${API}: ${reason}`);
}

function impossible(reason: string): KubernetesError {
  return new KubernetesError('ERR_K8S_PLAN_IMPOSSIBLE', `${API}: ${reason}`);
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null) return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

function integer(name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `a safe integer ≥ ${min}` : `an integer in ${min}…${max}`;
    throw invalid(`${name} must be ${range}, got ${show(v)}`);
  }
  return v;
}

function prefixes(name: string, list: unknown, allowAddresses: boolean): { prefixes: Prefix[]; set: IPSet } {
  if (list === undefined) return { prefixes: [], set: IPSet.empty() };
  if (!Array.isArray(list)) throw invalid(`${name} must be an array of CIDRs, got ${show(list)}`);
  const out: Prefix[] = [];
  const b = new IPSetBuilder();
  list.forEach((item: unknown, i) => {
    const at = `${name}[${i}]`;
    if (item instanceof Prefix) {
      if (!item.masked().equals(item)) throw new KubernetesError('ERR_K8S_INVALID_CIDR', `${API}: ${at} ${item} has host bits set (the network is ${item.masked()})`);
      out.push(item);
      b.addPrefix(item);
      return;
    }
    if (allowAddresses && item instanceof Addr) {
      b.add(item.zone === undefined ? item : item.withZone(''));
      return;
    }
    if (allowAddresses && item instanceof IPRange) {
      b.addRange(item);
      return;
    }
    if (allowAddresses && item instanceof IPSet) {
      b.addSet(item);
      return;
    }
    if (typeof item !== 'string') {
      throw invalid(`${at} must be ${allowAddresses ? 'a CIDR, address or range (string, Prefix, Addr, IPRange or IPSet)' : 'a CIDR string or a Prefix'}, got ${show(item)}`);
    }
    if (allowAddresses && !item.includes('/')) {
      try {
        b.addSet(IPSet.from([item]));
      } catch (e) {
        throw new KubernetesError('ERR_K8S_INVALID_CIDR', `${API}: ${at} ${show(item)} is not a CIDR, address or range`, {}, { cause: e });
      }
      return;
    }
    let p: Prefix;
    try {
      p = Prefix.parse(item);
    } catch (e) {
      const why = e instanceof ParseError ? `: ${e.reason}` : '';
      throw new KubernetesError('ERR_K8S_INVALID_CIDR', `${API}: ${at} ${show(item)} is not a CIDR${why}`, {}, { cause: e });
    }
    out.push(p);
    b.addPrefix(p);
  });
  return { prefixes: out, set: b.build() };
}

function familiesOf(v: unknown): Family[] {
  if (v === undefined) return [4];
  if (!Array.isArray(v) || v.length < 1 || v.length > 2 || !v.every((f) => f === 4 || f === 6)) {
    throw invalid(`families must be [4], [6], [4, 6] or [6, 4], got ${show(v)}`);
  }
  if (v.length === 2 && v[0] === v[1]) {
    throw new KubernetesError('ERR_K8S_DUAL_STACK', `${API}: families ${show(v)} names IPv${v[0]} twice; dual-stack is one of each family`);
  }
  return v as Family[];
}

function ulaOf(options: PlanOptions): Prefix {
  if (options.ula !== undefined && options.seed !== undefined) throw invalid('give ula or seed, not both');
  if (options.ula !== undefined) {
    const u = options.ula instanceof Prefix ? options.ula : typeof options.ula === 'string' ? Prefix.tryParse(options.ula) : undefined;
    if (u === undefined) throw new KubernetesError('ERR_K8S_INVALID_CIDR', `${API}: ula ${show(options.ula)} is not a CIDR`);
    if (u.family !== 6 || u.bits !== 48 || !u.masked().equals(u) || !ULA_SPACE.containsPrefix(u)) {
      throw invalid(`ula ${u} must be a /48 inside fd00::/8 (an RFC 4193 locally assigned ULA prefix)`);
    }
    return u;
  }
  if (options.seed !== undefined && typeof options.seed !== 'string') throw invalid(`seed must be a string, got ${show(options.seed)}`);
  return ulaFromSeed(options.seed ?? '');
}

function count(n: bigint | number): string {
  const v = BigInt(n);
  if (v >= 1n << 48n) {
    // IPv6 sizes: 2^k, 2^k − d or ≈ 2^k.k rather than 20-digit numbers.
    const k = v.toString(2).length - 1;
    if (v === 1n << BigInt(k)) return `2^${k}`;
    const up = (1n << BigInt(k + 1)) - v;
    if (up < 1_000_000n) return `2^${k + 1} − ${count(up)}`;
    return `≈ 2^${(k + Math.log2(Number(v >> BigInt(k - 40)) / 2 ** 40)).toFixed(1)}`;
  }
  return String(v).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** One family's plan, or an ERR_K8S_PLAN_IMPOSSIBLE error saying what would be needed. */
function planFamily(family: Family, space: IPSet, spaceText: string, req: PlanRequirements, warnings: PlanWarning[]): FamilyPlan {
  const w = widthOf(family);
  const v = `IPv${family}`;
  const tight = tightNodeMask(family, req.maxPodsPerNode, req.addressesPerPod);
  if (tight === undefined) {
    throw impossible(`${v}: no node block holds ${count(req.maxPodsPerNode)} pods (maxPodsPerNode) with ${req.addressesPerPod} addresses per pod`);
  }
  const nodeBits = bitsFor(req.nodes);
  if (family === 6 && nodeBits > MAX_IPV6_MASK_DIFF) {
    throw impossible(
      `IPv6: ${count(req.nodes)} nodes need node masks ${nodeBits} bits longer than the cluster CIDR's; ` +
        `kube-controller-manager allows at most ${MAX_IPV6_MASK_DIFF} (65,536 nodes, cidrset ErrCIDRSetSubNetTooBig)`,
    );
  }
  if (tight - nodeBits < 0) {
    throw impossible(`${v}: ${count(req.nodes)} nodes × /${tight} node blocks need more than the whole ${v} address space`);
  }
  const tightService = tightServiceMask(family, req.services);
  if (tightService === undefined) {
    const needed = family === 4 ? w - bitsFor(req.services + 2) : undefined;
    throw impossible(
      `${v}: ${count(req.services)} Services need ` +
        (needed === undefined ? 'more than the 65,535 ClusterIPs an IPv6 service range gives' : `a /${needed} service CIDR`) +
        `; kube-apiserver accepts at most ${MAX_SERVICE_HOST_BITS} host bits (/${w - MAX_SERVICE_HOST_BITS}) for --service-cluster-ip-range`,
    );
  }
  // IPv6: /64 node blocks and the /112 service range kube-apiserver uses in full, unless the space has no room.
  const nodeMasks: number[] = [];
  const serviceMasks: number[] = [];
  if (family === 6) {
    for (let m = Math.min(64, tight); m <= tight; m++) nodeMasks.push(m);
    if (tightService > 112) serviceMasks.push(112);
  } else nodeMasks.push(tight);
  serviceMasks.push(tightService);
  for (const nodeMask of nodeMasks) {
    for (const serviceMask of serviceMasks) {
      const placed = place(space, family, nodeMask - nodeBits, serviceMask);
      if (placed === undefined) continue;
      if (family === 6 && nodeMask !== 64) {
        warnings.push({
          code: 'ipv6-node-mask-not-64',
          message: `IPv6 node blocks are /${nodeMask}, not /64: ${spaceText} has no free /${64 - nodeBits} for ${count(req.nodes)} /64 node blocks; SLAAC and some CNIs expect /64`,
        });
      }
      return familyPlan(family, placed.cluster, nodeMask, placed.service, req);
    }
  }
  const clusterMask = nodeMasks[nodeMasks.length - 1]! - nodeBits;
  const largest = largestBlock(space, family);
  throw impossible(
    `${v}: ${count(req.nodes)} nodes × /${nodeMasks[nodeMasks.length - 1]} node blocks need a /${clusterMask} cluster CIDR, and ` +
      `${count(req.services)} Services a /${tightService} service CIDR, both inside ${spaceText} and clear of avoid; ` +
      (largest === undefined ? 'nothing is free there' : `the largest free block is ${largest}`),
  );
}

function familyPlan(family: Family, cluster: Prefix, nodeMask: number, service: Prefix, req: PlanRequirements): FamilyPlan {
  const w = widthOf(family);
  const maxNodes = 2 ** (nodeMask - cluster.bits);
  const services = serviceAddresses(family, service.bits);
  return {
    family,
    clusterCIDR: cluster,
    nodeMaskSize: nodeMask,
    serviceCIDR: service,
    maxNodes,
    nodeBlockSize: 1n << BigInt(w - nodeMask),
    podAddressesPerNode: podAddresses(family, nodeMask),
    maxPodsPerNode: req.maxPodsPerNode,
    maxPods: maxNodes * req.maxPodsPerNode,
    serviceAddresses: services,
    kubernetesServiceIP: service.first().add(1)!,
    dnsServiceIP: service.first().add(10)!,
    wasted: {
      clusterCIDR: cluster.size - BigInt(req.nodes) * BigInt(req.maxPodsPerNode),
      serviceCIDR: service.size - BigInt(req.services),
    },
  };
}

function flagsOf(families: readonly FamilyPlan[], maxPods: number): PlanFlags {
  const clusters = families.map((f) => f.clusterCIDR.toString()).join(',');
  const services = families.map((f) => f.serviceCIDR.toString()).join(',');
  const masks = families.map((f) => ({ name: `node-cidr-mask-size-ipv${f.family}`, value: String(f.nodeMaskSize) }));
  return {
    kubeControllerManager: [
      '--allocate-node-cidrs=true',
      `--cluster-cidr=${clusters}`,
      ...masks.map((m) => `--${m.name}=${m.value}`),
      `--service-cluster-ip-range=${services}`,
    ],
    kubeApiserver: [`--service-cluster-ip-range=${services}`],
    kubelet: [`--max-pods=${maxPods}`],
    kubeProxy: [`--cluster-cidr=${clusters}`],
    kubeadm: { podSubnet: clusters, serviceSubnet: services, controllerManagerExtraArgs: masks, maxPods },
  };
}

/**
 * plan sizes and places a new cluster's address space: per family the smallest cluster CIDR and service CIDR,
 * and the node mask size, that fit the requested nodes, pods per node and Services with the requested growth,
 * carved lowest address first from `within` (by default the RFC 1918 ranges, and a ULA /48 for IPv6) and clear
 * of everything in `avoid` and of each other. It follows Kubernetes' own rules:
 *
 * - Node blocks (kube-controller-manager's node mask): the smallest block with at least `addressesPerPod ×
 *   maxPodsPerNode` addresses (default 2 ×, GKE's rule, which gives Kubernetes' default /24 for kubelet's default
 *   110 pods) from which host-local hands out at least `maxPodsPerNode` addresses (it skips the network address,
 *   the gateway at network + 1 and the IPv4 broadcast). IPv6 node blocks are /64 (Kubernetes' default) unless
 *   `within` has no room for them; IPv4 node masks are at most /30 (host-local refuses /31 and /32).
 * - Cluster CIDR: the node mask minus ⌈log2 nodes⌉ bits, so it holds exactly the next power of two of nodes;
 *   for IPv6 at most 16 bits shorter than the node mask (kube-controller-manager's cidrset refuses more).
 * - Service CIDR: the smallest range from which kube-apiserver hands out the Services (it skips the network
 *   address and the IPv4 broadcast, and counts at most 65,536 IPv6 addresses), at least 16 addresses so
 *   `kubernetes.default` (network + 1) and kubeadm's DNS (network + 10) fit, at most 20 host bits (/12 for IPv4,
 *   /108 for IPv6: kube-apiserver's limit for the bitmap allocator). IPv6 takes a /112 when there is room.
 * - The larger of the two CIDRs is placed first, at the lowest free aligned address; this finds a placement
 *   whenever one exists.
 *
 * @throws {@link KubernetesError} `ERR_K8S_INVALID_ARGUMENT` (or `ERR_K8S_INVALID_CIDR`, `ERR_K8S_DUAL_STACK`)
 * naming the option at fault; `ERR_K8S_PLAN_IMPOSSIBLE` when no space fits, saying what would be needed.
 *
 * @example
 * ```ts
 * const p = plan({ nodes: 500, podsPerNode: 110, services: 5000, avoid: ['10.0.0.0/8'] });
 * p.ipv4!.clusterCIDR.toString();  // '172.16.0.0/15': 512 node blocks of /24
 * p.ipv4!.nodeMaskSize;            // 24: 256 addresses ≥ 2 × 110, 253 pod addresses
 * p.ipv4!.serviceCIDR.toString();  // '172.18.0.0/19': 8,190 ClusterIPs ≥ 5,000
 * p.flags.kubeControllerManager;   // ['--allocate-node-cidrs=true', '--cluster-cidr=172.16.0.0/15', ...]
 * ```
 */
export function plan(options: PlanOptions): Plan {
  if (options === null || typeof options !== 'object') throw invalid(`options must be an object, got ${show(options)}`);
  const nodes = integer('nodes', options.nodes, 1);
  const podsPerNode = integer('podsPerNode', options.podsPerNode, 1, MAX_INT32);
  const services = integer('services', options.services, 0);
  const maxPodsPerNode = options.maxPodsPerNode === undefined ? podsPerNode : integer('maxPodsPerNode', options.maxPodsPerNode, 1, MAX_INT32);
  if (maxPodsPerNode < podsPerNode) {
    throw invalid(`maxPodsPerNode ${maxPodsPerNode} is less than podsPerNode ${podsPerNode}: kubelet would refuse the extra pods`);
  }
  const growth = options.growth ?? 0;
  if (typeof growth !== 'number' || !Number.isFinite(growth) || growth < 0) throw invalid(`growth must be a finite number ≥ 0, got ${show(growth)}`);
  const addressesPerPod = options.addressesPerPod ?? 2;
  if (typeof addressesPerPod !== 'number' || !Number.isFinite(addressesPerPod) || addressesPerPod < 1) {
    throw invalid(`addressesPerPod must be a finite number ≥ 1, got ${show(addressesPerPod)}`);
  }
  const families = familiesOf(options.families);
  const avoid = prefixes('avoid', options.avoid, true);
  const within = prefixes('within', options.within, false);
  const within6 = within.prefixes.filter((p) => p.family === 6);
  if (within6.length > 0 && (options.ula !== undefined || options.seed !== undefined)) {
    throw invalid('give IPv6 prefixes in within, or ula/seed for the default IPv6 space, not both');
  }
  const ula = families.includes(6) ? ulaOf(options) : undefined;

  const requiredNodes = grow(nodes, growth);
  const requiredServices = grow(services, growth);
  if (!Number.isSafeInteger(requiredNodes * podsPerNode)) throw invalid(`nodes ${nodes} × podsPerNode ${podsPerNode} is too large`);
  const required: PlanRequirements = {
    nodes: requiredNodes,
    podsPerNode,
    maxPodsPerNode,
    pods: requiredNodes * podsPerNode,
    services: requiredServices,
    growth,
    addressesPerPod,
  };

  const warnings: PlanWarning[] = [];
  const planned = families.map((family) => {
    const given = within.prefixes.filter((p) => p.family === family);
    const base = given.length > 0 ? given : family === 4 ? RFC1918 : [ula!];
    const space = IPSet.from(base).difference(avoid.set);
    const spaceText = base.map(String).join(', ') + (given.length > 0 ? '' : ' (the default)');
    return planFamily(family, space, spaceText, required, warnings);
  });

  const fewest = planned.reduce((m, f) => (f.podAddressesPerNode < m ? f.podAddressesPerNode : m), planned[0]!.podAddressesPerNode);
  const smallestBlock = planned.reduce((m, f) => (f.nodeBlockSize < m ? f.nodeBlockSize : m), planned[0]!.nodeBlockSize);
  if (smallestBlock < 2n * BigInt(maxPodsPerNode)) {
    warnings.unshift({
      code: 'few-addresses-per-pod',
      message:
        `node blocks of ${count(smallestBlock)} addresses are less than twice maxPodsPerNode ${maxPodsPerNode}: addresses of deleted pods are ` +
        `reused at once (GKE and Kubernetes' /24 default for 110 pods keep 2 addresses per pod)`,
    });
  }
  if (fewest < BigInt(KUBELET_DEFAULT_MAX_PODS)) {
    warnings.push({
      code: 'kubelet-default-max-pods',
      message: `node blocks give ${count(fewest)} pod addresses, fewer than kubelet's default maxPods 110: set maxPods: ${maxPodsPerNode} (--max-pods=${maxPodsPerNode}) on every kubelet, or pods will be scheduled that get no address`,
    });
  }
  if (maxPodsPerNode > KUBELET_DEFAULT_MAX_PODS) {
    warnings.push({ code: 'many-pods-per-node', message: `${count(maxPodsPerNode)} pods per node is more than the 110 Kubernetes recommends (Considerations for large clusters)` });
  }
  if (requiredNodes > 5000) {
    warnings.push({ code: 'many-nodes', message: `${count(requiredNodes)} nodes is more than the 5,000 Kubernetes supports (Considerations for large clusters)` });
  }
  if (required.pods > 150000) {
    warnings.push({ code: 'many-pods', message: `${count(required.pods)} pods is more than the 150,000 Kubernetes supports (Considerations for large clusters)` });
  }

  const ipv4 = planned.find((f) => f.family === 4);
  const ipv6 = planned.find((f) => f.family === 6);
  return {
    families: planned,
    ipv4,
    ipv6,
    clusterCIDRs: planned.map((f) => f.clusterCIDR),
    serviceCIDRs: planned.map((f) => f.serviceCIDR),
    required,
    avoided: avoid.set,
    flags: flagsOf(planned, maxPodsPerNode),
    warnings,
  };
}

function percent(part: bigint, whole: bigint): string {
  if (whole === 0n) return '0%';
  const tenths = (part * 1000n + whole / 2n) / whole;
  return `${tenths / 10n}.${tenths % 10n}%`;
}

/**
 * formatPlan writes a {@link Plan} as readable text: per family the CIDRs with their arithmetic, then the flags
 * and a kubeadm configuration snippet, then the warnings.
 *
 * @example
 * ```ts
 * console.log(formatPlan(plan({ nodes: 500, podsPerNode: 110, services: 5000, avoid: ['10.0.0.0/8'] })));
 * // Cluster address plan: 500 nodes × 110 pods, 5,000 Services, growth 0%
 * //
 * // IPv4 (primary)
 * //   cluster CIDR   172.16.0.0/15   131,072 addresses
 * //   node mask      /24             256 addresses per node, 253 pod addresses (host-local: ...)
 * //   ...
 * ```
 */
export function formatPlan(p: Plan): string {
  const r = p.required;
  const lines: string[] = [];
  const growth = `growth ${Math.round(r.growth * 1000) / 10}%`;
  lines.push(`Cluster address plan: ${count(r.nodes)} nodes × ${count(r.podsPerNode)} pods, ${count(r.services)} Services, ${growth}`);
  if (!p.avoided.isEmpty()) lines.push(`Clear of: ${p.avoided.toJSON().join(', ')}`);
  p.families.forEach((f, i) => {
    const excluded = f.family === 4 ? 'network, gateway and broadcast excluded' : 'network and gateway excluded';
    const svcExcluded = f.family === 4 ? 'network and broadcast excluded' : 'network excluded';
    // One value column per family, as wide as its longest value (IPv6 prefixes run long).
    const values = [f.clusterCIDR.toString(), f.serviceCIDR.toString(), f.kubernetesServiceIP.toString(), count(f.maxNodes), count(f.maxPods)];
    const width = Math.max(15, ...values.map((v) => v.length)) + 2;
    const pad = (s: string) => s.padEnd(width);
    lines.push('', `IPv${f.family}${p.families.length > 1 ? (i === 0 ? ' (primary)' : ' (secondary)') : ''}`);
    lines.push(`  cluster CIDR   ${pad(f.clusterCIDR.toString())}${count(f.clusterCIDR.size)} addresses`);
    lines.push(
      `  node mask      ${pad(`/${f.nodeMaskSize}`)}${count(f.nodeBlockSize)} addresses per node, ${count(f.podAddressesPerNode)} pod addresses (host-local: ${excluded})`,
    );
    lines.push(
      `  nodes          ${pad(count(f.maxNodes))}max = 2^(${f.nodeMaskSize} − ${f.clusterCIDR.bits}); ${count(r.nodes)} needed, ${count(f.maxNodes - r.nodes)} spare`,
    );
    lines.push(`  pods           ${pad(count(f.maxPods))}max = ${count(f.maxNodes)} nodes × ${count(f.maxPodsPerNode)} (kubelet maxPods); ${count(r.pods)} needed`);
    lines.push(`  service CIDR   ${pad(f.serviceCIDR.toString())}${count(f.serviceAddresses)} ClusterIPs (${svcExcluded}); ${count(r.services)} needed`);
    lines.push(`  well-known     ${pad(f.kubernetesServiceIP.toString())}kubernetes.default; ${f.dnsServiceIP} kube-dns (kubeadm)`);
    lines.push(
      `  wasted         ${count(f.wasted.clusterCIDR)} of the cluster CIDR (${percent(f.wasted.clusterCIDR, f.clusterCIDR.size)}), ` +
        `${count(f.wasted.serviceCIDR)} of the service CIDR (${percent(f.wasted.serviceCIDR, f.serviceCIDR.size)})`,
    );
  });
  const fl = p.flags;
  lines.push('', 'Flags');
  lines.push(`  kube-controller-manager  ${fl.kubeControllerManager.join(' ')}`);
  lines.push(`  kube-apiserver           ${fl.kubeApiserver.join(' ')}`);
  lines.push(`  kubelet                  ${fl.kubelet.join(' ')}`);
  lines.push(`  kube-proxy               ${fl.kubeProxy.join(' ')}`);
  lines.push('', 'kubeadm (v1beta4)');
  lines.push('  apiVersion: kubeadm.k8s.io/v1beta4', '  kind: ClusterConfiguration', '  networking:');
  lines.push(`    podSubnet: ${fl.kubeadm.podSubnet}`, `    serviceSubnet: ${fl.kubeadm.serviceSubnet}`, '  controllerManager:', '    extraArgs:');
  for (const a of fl.kubeadm.controllerManagerExtraArgs) lines.push(`      - name: ${a.name}`, `        value: "${a.value}"`);
  lines.push('  ---', '  apiVersion: kubelet.config.k8s.io/v1beta1', '  kind: KubeletConfiguration', `  maxPods: ${fl.kubeadm.maxPods}`);
  if (p.warnings.length > 0) {
    lines.push('', 'Warnings');
    for (const w of p.warnings) lines.push(`  ${w.code}: ${w.message}`);
  }
  return lines.join('\n') + '\n';
}
