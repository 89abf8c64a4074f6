import { Addr, IPRange, Prefix, PrefixTrie, SPECIAL_RANGES } from '@ipam/core';
import type { SpecialRangeKind } from '@ipam/core';
import type { ClusterNetwork, ClusterNode, ClusterPod, ClusterService, IPAddressObject, PluginAllocation, PluginBlock, PoolPlugin } from './cluster-network.js';
import type { AuditOptions, ExternalNetwork } from './audit.js';
import { KubernetesError } from './kubernetes-error.js';
import { parseExternals } from './internal/external.js';

/**
 * AddressHolder is one thing that holds (or held, or records) an address, as {@link explain} reports it. Every field
 * is a string, number, boolean or undefined, so that `JSON.stringify` prints it as it is; `kind` says which fields
 * there are:
 *
 * - `pod`: a pod's `status.podIPs`; `hostNetwork` pods carry their node's address. A pod in phase `Succeeded` or
 *   `Failed` no longer holds its address (`released` is true).
 * - `service`: a Service's ClusterIP.
 * - `node`: an address of a Node's `status.addresses` (`addressType`: `InternalIP`, `ExternalIP`, ...).
 * - `plugin-allocation`: an address a CNI plugin records as handed out (a Calico `IPAMBlock` allocation, a
 *   `CiliumNode`'s `status.ipam.used`), with what it is for (`use`). `leaked` is true when it names a pod that is not
 *   among the cluster's pods, a pod that has finished, or a pod that does not hold the address (as `calicoctl ipam
 *   check` reports it); it is only decided when the network has pods.
 * - `ip-address`: a `networking.k8s.io/v1` IPAddress object (the record of an allocated ClusterIP).
 */
export type AddressHolder =
  | {
      /** AddressHolder.kind names the variant. */
      readonly kind: 'pod';
      /** The pod's namespace. */
      readonly namespace: string;
      /** The pod's name. */
      readonly name: string;
      /** The pod's node, when scheduled. */
      readonly node: string | undefined;
      /** Whether the pod runs in the host's network namespace (its address is its node's). */
      readonly hostNetwork: boolean;
      /** The pod's `status.phase`, when known. */
      readonly phase: string | undefined;
      /** True when the pod has finished (`Succeeded`, `Failed`): its address is free again. */
      readonly released: boolean;
    }
  | {
      /** AddressHolder.kind names the variant. */
      readonly kind: 'service';
      /** The Service's namespace. */
      readonly namespace: string;
      /** The Service's name. */
      readonly name: string;
      /** The Service's `spec.type`. */
      readonly type: string;
    }
  | {
      /** AddressHolder.kind names the variant. */
      readonly kind: 'node';
      /** The node's name. */
      readonly node: string;
      /** The address type of `status.addresses` (`InternalIP`, `ExternalIP`, ...). */
      readonly addressType: string;
    }
  | {
      /** AddressHolder.kind names the variant. */
      readonly kind: 'plugin-allocation';
      /** The plugin that records it. */
      readonly plugin: PoolPlugin;
      /** The block holding it, as a CIDR string. */
      readonly block: string;
      /** What holds it: a pod, a node's tunnel (or router) address, or something else. */
      readonly use: 'pod' | 'tunnel' | 'other';
      /** The plugin's handle, when recorded. */
      readonly handle: string | undefined;
      /** The pod's `namespace/name`, when recorded. */
      readonly pod: string | undefined;
      /** The node, when recorded. */
      readonly node: string | undefined;
      /** True when the allocation's pod is gone or does not hold the address (decided only when the network has pods). */
      readonly leaked: boolean;
    }
  | {
      /** AddressHolder.kind names the variant. */
      readonly kind: 'ip-address';
      /** The IPAddress object's `spec.parentRef`, e.g. `services default/web`, when set. */
      readonly parentRef: string | undefined;
    };

/**
 * AddressRangeKind says what an {@link AddressRange} is. When two ranges of an explanation have the same size they
 * come in this order: `node-pod-cidr` (a Node's `spec.podCIDRs`), `plugin-block` (a Calico `IPAMBlock`, a
 * `CiliumNode` pod CIDR, a Flannel node subnet), `plugin-pool` (a Calico `IPPool`, Flannel's `Network`, Cilium's
 * cluster pool or a `CiliumPodIPPool`, Weave's `IPALLOC_RANGE`), `cni-network` (a subnet or range of a CNI
 * configuration), `cluster-cidr` (the pod network), `service-cidr` (the Service ClusterIP range, or a ServiceCIDR
 * object's), `external` (a network given in {@link ExplainOptions.external}), `special` (an IANA special-purpose
 * block, `SPECIAL_RANGES` of @ipam/core).
 */
export type AddressRangeKind =
  | 'node-pod-cidr'
  | 'plugin-block'
  | 'plugin-pool'
  | 'cni-network'
  | 'cluster-cidr'
  | 'service-cidr'
  | 'external'
  | 'special';

/**
 * AddressRange is one configured range an address falls in, as {@link explain} reports it: plain data, `range` as a
 * CIDR string (or `first-last` for a CNI range that is not one prefix). The optional fields are present only for
 * the kinds they concern.
 */
export interface AddressRange {
  /** AddressRange.kind says what the range is. */
  readonly kind: AddressRangeKind;
  /** AddressRange.range is the range, `10.244.3.0/24` (or `10.1.0.10-10.1.0.50`). */
  readonly range: string;
  /** AddressRange.size is the number of addresses in it, as a decimal string (IPv6 ranges exceed 2^53). */
  readonly size: string;
  /** AddressRange.node is the node a `node-pod-cidr` or `plugin-block` belongs to. */
  readonly node?: string;
  /** AddressRange.plugin is the plugin of a `plugin-pool` or `plugin-block`. */
  readonly plugin?: PoolPlugin;
  /** AddressRange.pool is the pool's name, for a `plugin-pool` or a `plugin-block` in a known pool. */
  readonly pool?: string;
  /** AddressRange.disabled is true for a `plugin-pool` that allocates nothing new (Calico `disabled: true`). */
  readonly disabled?: boolean;
  /**
   * AddressRange.name names a `service-cidr` from a ServiceCIDR object (`ServiceCIDR/extra`; absent for the effective
   * service CIDR), a `cni-network` (the network's name), an `external` network (when named) or a `special` block
   * (the registry's name, such as `Private-Use`).
   */
  readonly name?: string;
  /** AddressRange.rfc cites the RFC of a `special` block, e.g. `RFC 1918`. */
  readonly rfc?: string;
  /** AddressRange.specialKind is what a `special` block is for, e.g. `private`, `shared`, `link-local`. */
  readonly specialKind?: SpecialRangeKind;
}

/**
 * AddressStatus sums up an {@link AddressExplanation}:
 * - `in-use`: one holder claims the address (a pod, a Service, a node, a plugin allocation of a pod or a tunnel;
 *   records of the same holder, such as a pod and its Calico allocation, count once);
 * - `conflict`: two or more holders claim it (two pods, a pod and a Service, a pod and a leaked allocation, ...);
 * - `free`: nothing holds it, but it lies in a range of the cluster (`freeIn` says which: a node's pod CIDR, a
 *   plugin block or pool, the service CIDR, ...);
 * - `outside`: nothing holds it and it lies in no range of the cluster (only, perhaps, in external networks and
 *   special-purpose blocks).
 */
export type AddressStatus = 'in-use' | 'conflict' | 'free' | 'outside';

/**
 * AddressExplanation is what {@link explain} says about one address. It is plain, JSON-ready data (strings,
 * numbers, booleans, arrays): the CLI prints it as `--output json`. Fields are only added in later versions, never
 * renamed.
 */
export interface AddressExplanation {
  /** AddressExplanation.address is the address in canonical form (RFC 5952), its zone included when it had one. */
  readonly address: string;
  /** AddressExplanation.family is 4 or 6; an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is 6, as in netip. */
  readonly family: 4 | 6;
  /**
   * AddressExplanation.unmapped is the IPv4 address inside an IPv4-mapped address (`::ffff:10.0.0.1` → `10.0.0.1`).
   * The mapped address is explained as the IPv6 address it is (it lies in no IPv4 range); explain `unmapped` for the
   * IPv4 view.
   */
  readonly unmapped?: string;
  /** AddressExplanation.status sums it up (see {@link AddressStatus}). */
  readonly status: AddressStatus;
  /** AddressExplanation.holders are what holds or records the address, in the order pods, Services, nodes, plugin allocations, IPAddress objects. */
  readonly holders: readonly AddressHolder[];
  /** AddressExplanation.ranges are every known range containing the address, most specific (smallest) first. */
  readonly ranges: readonly AddressRange[];
  /** AddressExplanation.freeIn is, for a `free` address, the most specific range of the cluster it would be handed out from. */
  readonly freeIn?: AddressRange;
}

/** ExplainOptions tune {@link explain} and {@link AddressExplainer}. */
export interface ExplainOptions {
  /**
   * ExplainOptions.external are networks outside the cluster to name in explanations (a VPC, an office, a VPN),
   * as in {@link AuditOptions.external}: prefixes, their text without host bits, or named {@link ExternalNetwork}s.
   */
  readonly external?: readonly (string | Prefix | ExternalNetwork)[];
}

/**
 * One record of an address, kept as a reference to the network's object: the holder's JSON form is made when the
 * address is asked about, so building the index allocates one small object per address and no strings.
 */
type HolderItem =
  | { readonly t: 0; readonly pod: ClusterPod }
  | { readonly t: 1; readonly service: ClusterService }
  | { readonly t: 2; readonly node: ClusterNode; readonly type: string }
  | { readonly t: 3; readonly block: PluginBlock; readonly allocation: PluginAllocation }
  | { readonly t: 4; readonly object: IPAddressObject };
type Held = HolderItem | HolderItem[];

const released = (p: ClusterPod): boolean => p.phase === 'Succeeded' || p.phase === 'Failed';

/** Who claims the address through this record (`pod ns/name`, `node n`, ...); records of one claimant count once. */
function claimOf(x: HolderItem): string | undefined {
  switch (x.t) {
    case 0:
      return released(x.pod) ? undefined : x.pod.hostNetwork ? `node ${x.pod.nodeName ?? `${x.pod.namespace}/${x.pod.name}`}` : `pod ${x.pod.namespace}/${x.pod.name}`;
    case 1:
      return `service ${x.service.namespace}/${x.service.name}`;
    case 2:
      return `node ${x.node.name}`;
    case 3: {
      const a = x.allocation;
      return a.kind === 'pod' && a.pod !== undefined ? `pod ${a.pod}` : a.kind === 'tunnel' ? `tunnel ${a.node ?? a.handle ?? `${a.address}`}` : undefined;
    }
    case 4: {
      const ref = x.object.parentRef;
      return ref === undefined ? undefined : ref.startsWith('services ') ? `service ${ref.slice('services '.length)}` : ref;
    }
  }
}

/** The holder's JSON form; `held` are all records of the address, to tell whether an allocation's pod holds it. */
function holderOf(x: HolderItem, held: readonly HolderItem[], podsKnown: boolean, blockText: (b: PluginBlock) => string): AddressHolder {
  switch (x.t) {
    case 0: {
      const p = x.pod;
      return { kind: 'pod', namespace: p.namespace, name: p.name, node: p.nodeName, hostNetwork: p.hostNetwork, phase: p.phase, released: released(p) };
    }
    case 1:
      return { kind: 'service', namespace: x.service.namespace, name: x.service.name, type: x.service.type };
    case 2:
      return { kind: 'node', node: x.node.name, addressType: x.type };
    case 3: {
      const a = x.allocation;
      // Leaked: a pod allocation whose pod does not hold the address (gone, finished, or holding another one).
      const leaked = podsKnown && a.kind === 'pod' && a.pod !== undefined &&
        !held.some((h) => h.t === 0 && !h.pod.hostNetwork && !released(h.pod) && `${h.pod.namespace}/${h.pod.name}` === a.pod);
      return { kind: 'plugin-allocation', plugin: x.block.plugin, block: blockText(x.block), use: a.kind, handle: a.handle, pod: a.pod, node: a.node, leaked };
    }
    case 4:
      return { kind: 'ip-address', parentRef: x.object.parentRef };
  }
}
interface RangeItem {
  readonly range: AddressRange;
  readonly sizeKey: number;
  readonly rank: number;
}
/** A trie entry: the ranges stored under one prefix, and (computed on first use) every range covering it, sorted. */
interface TrieEntry {
  readonly items: RangeItem[];
  covering: readonly AddressRange[] | undefined;
  /** The most specific range of the cluster in `covering` (not special, not external). */
  inCluster: AddressRange | undefined;
}

const RANK: Record<AddressRangeKind, number> = {
  'node-pod-cidr': 0,
  'plugin-block': 1,
  'plugin-pool': 2,
  'cni-network': 3,
  'cluster-cidr': 4,
  'service-cidr': 5,
  external: 6,
  special: 7,
};

const CLUSTER_KINDS: ReadonlySet<AddressRangeKind> = new Set(['node-pod-cidr', 'plugin-block', 'plugin-pool', 'cni-network', 'cluster-cidr', 'service-cidr']);

/** The key of an address in the holder maps: the IPv4 value, or the IPv6 text without zone. */
function key4(a: Addr): number {
  return Number(a.toBigInt());
}
function key6(a: Addr): string {
  return `${a.zone === undefined ? a : a.withZone('')}`;
}

/**
 * AddressExplainer is an index over everything a {@link ClusterNetwork} knows about addresses, built once, that
 * answers {@link AddressExplainer.explain} with one hash lookup for the holders of the address and one
 * longest-prefix match in a `PrefixTrie` of the ranges (at most 129 trie nodes), whatever the cluster's size: every
 * range covering an address covers its longest match, so the sorted list of ranges is computed once per trie entry
 * and shared by the addresses under it. It indexes pod IPs (`hostNetwork` pods at their node's address), Service ClusterIPs,
 * node addresses, IPAddress objects, plugin allocations, node pod CIDRs, plugin blocks and pools, CNI networks'
 * subnets and ranges, the cluster and service CIDRs (and ServiceCIDR objects), the external networks of the options
 * and the IANA special-purpose blocks.
 *
 * The index is a snapshot: build a new one when the network changes. Building it for a 5,000-node, 150,000-pod
 * network (325,000 facts) takes about half a second: it keeps references to the network's objects and makes an
 * answer's JSON form when asked. `pnpm bench -- explain` measures the build and the lookups per second.
 *
 * @example
 * ```ts
 * const index = new AddressExplainer(await discover({ dump: 'cluster-info-dump.txt' }), { external: [{ name: 'vpn', cidr: '10.8.0.0/16' }] });
 * for (const a of ['10.244.3.7', '10.96.0.10']) console.log(formatExplanation(index.explain(a)));
 * ```
 */
export class AddressExplainer {
  readonly #trie = new PrefixTrie<TrieEntry>();
  readonly #hosts4 = new Map<number, Held>();
  readonly #hosts6 = new Map<string, Held>();
  readonly #podsKnown: boolean;
  readonly #blockText = new Map<PluginBlock, string>();
  readonly #blockOf = (b: PluginBlock): string => {
    let text = this.#blockText.get(b);
    if (text === undefined) this.#blockText.set(b, (text = `${b.cidr}`));
    return text;
  };
  #entries = 0;

  /**
   * AddressExplainer's constructor indexes `network`.
   * @throws {@link KubernetesError} `ERR_K8S_INVALID_ARGUMENT` when `network` is not a {@link ClusterNetwork};
   * `ERR_K8S_INVALID_CIDR` for an external network that is not a CIDR.
   */
  constructor(network: ClusterNetwork, options: ExplainOptions = {}) {
    if (typeof network !== 'object' || network === null || !Array.isArray(network.pods) || !Array.isArray(network.clusterCIDRs)) {
      throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', 'explain: network must be a ClusterNetwork (from discover or clusterNetwork)');
    }
    const external = parseExternals('explain', options.external);
    // ---- holders, in the documented order: pods, Services, nodes, plugin allocations, IPAddress objects ----
    this.#podsKnown = (network.pods ?? []).length > 0;
    for (const pod of network.pods ?? []) for (const ip of pod.podIPs) this.#hold(ip, { t: 0, pod });
    for (const service of network.services ?? []) for (const ip of service.clusterIPs) this.#hold(ip, { t: 1, service });
    for (const node of network.nodes ?? []) for (const a of node.addresses) this.#hold(a.address, { t: 2, node, type: a.type });
    for (const block of network.blocks ?? []) for (const allocation of block.allocations ?? []) this.#hold(allocation.address, { t: 3, block, allocation });
    for (const object of network.ipAddresses ?? []) this.#hold(object.address, { t: 4, object });
    // ---- ranges ----
    for (const n of network.nodes ?? []) for (const p of n.podCIDRs) this.#range(p, { kind: 'node-pod-cidr', node: n.name });
    for (const b of network.blocks ?? []) {
      this.#range(b.cidr, { kind: 'plugin-block', plugin: b.plugin, ...(b.pool === undefined ? {} : { pool: b.pool }), ...(b.node === undefined ? {} : { node: b.node }) });
    }
    for (const pool of network.pools ?? []) {
      for (const p of pool.cidrs) this.#range(p, { kind: 'plugin-pool', plugin: pool.plugin, pool: pool.name, disabled: pool.disabled });
    }
    for (const n of network.cniNetworks ?? []) {
      const seen = new Set<string>();
      for (const s of n.subnets) {
        if (seen.has(`${s}`)) continue;
        seen.add(`${s}`);
        this.#range(s, { kind: 'cni-network', name: n.name });
      }
      for (const r of n.ranges) {
        const asPrefix = r.prefix();
        if (asPrefix !== undefined && seen.has(`${asPrefix}`)) continue;
        seen.add(asPrefix === undefined ? `${r}` : `${asPrefix}`);
        this.#range(r, { kind: 'cni-network', name: n.name });
      }
    }
    for (const c of network.clusterCIDRs ?? []) this.#range(c, { kind: 'cluster-cidr' });
    const services: string[] = [];
    for (const c of network.serviceCIDRs ?? []) {
      services.push(`${c}`);
      this.#range(c, { kind: 'service-cidr' });
    }
    for (const o of network.serviceCIDRObjects ?? []) {
      for (const c of o.cidrs) {
        if (services.includes(`${c}`)) continue;
        services.push(`${c}`);
        this.#range(c, { kind: 'service-cidr', name: `ServiceCIDR/${o.name}` });
      }
    }
    for (const e of external) this.#range(e.prefix, { kind: 'external', ...(e.name === undefined ? {} : { name: e.name }) });
    for (const s of SPECIAL_RANGES) this.#range(s.prefix, { kind: 'special', name: s.name, rfc: s.rfc, specialKind: s.kind });
  }

  /** AddressExplainer.size is the number of facts indexed: holders of addresses plus ranges (a range split into prefixes counts once per prefix). */
  get size(): number {
    return this.#entries;
  }

  #hold(a: Addr, item: HolderItem): void {
    this.#entries++;
    if (a.family === 4) {
      const k = key4(a);
      const had = this.#hosts4.get(k);
      this.#hosts4.set(k, had === undefined ? item : Array.isArray(had) ? (had.push(item), had) : [had, item]);
    } else {
      const k = key6(a);
      const had = this.#hosts6.get(k);
      this.#hosts6.set(k, had === undefined ? item : Array.isArray(had) ? (had.push(item), had) : [had, item]);
    }
  }

  #add(p: Prefix, item: RangeItem): void {
    this.#entries++;
    const e = this.#trie.get(p);
    if (e === undefined) this.#trie.set(p, { items: [item], covering: undefined, inCluster: undefined });
    else e.items.push(item);
  }

  /** Every range covering the entry at `p`, most specific first, computed once. */
  #covering(p: Prefix, e: TrieEntry): TrieEntry {
    if (e.covering !== undefined) return e;
    const all: RangeItem[] = [];
    for (const [, x] of this.#trie.covering(p)) all.push(...x.items);
    all.sort((x, y) => x.sizeKey - y.sizeKey || x.rank - y.rank);
    e.covering = Object.freeze(all.map((x) => x.range));
    e.inCluster = e.covering.find((r) => CLUSTER_KINDS.has(r.kind));
    return e;
  }

  #range(r: Prefix | IPRange, fields: Omit<AddressRange, 'range' | 'size'>): void {
    const size = r.size;
    const { kind, ...rest } = fields;
    const range: AddressRange = Object.freeze({ kind, range: `${r instanceof IPRange ? (r.prefix() ?? r) : r.masked()}`, size: `${size}`, ...rest });
    const item: RangeItem = { range, sizeKey: Number(size), rank: RANK[fields.kind] };
    for (const p of r instanceof IPRange ? r.prefixes() : [r.masked()]) this.#add(p, item);
  }

  /**
   * AddressExplainer.explain says what `addr` is in the indexed network: its holders, every range it falls in (most
   * specific first) and a status (see {@link AddressExplanation}). A zone is kept in `address` and ignored for the
   * lookup (`fe80::1%eth0` is explained as `fe80::1`). An IPv4-mapped IPv6 address is IPv6: it matches IPv6 ranges
   * only, and `unmapped` gives the IPv4 address inside it.
   * @throws {@link KubernetesError} `ERR_K8S_INVALID_IP` naming the input when `addr` is not an IP address.
   */
  explain(addr: Addr | string): AddressExplanation {
    const a = toAddr(addr);
    const bare = a.zone === undefined ? a : a.withZone('');
    // Holders were indexed in the documented order (pods, Services, nodes, plugin allocations, IPAddress objects).
    const found = bare.family === 4 ? this.#hosts4.get(key4(bare)) : this.#hosts6.get(key6(bare));
    const held = found === undefined ? [] : Array.isArray(found) ? found : [found];
    const holders: AddressHolder[] = [];
    const claimants: string[] = [];
    for (const item of held) {
      holders.push(holderOf(item, held, this.#podsKnown, this.#blockOf));
      const claim = claimOf(item);
      if (claim !== undefined && !claimants.includes(claim)) claimants.push(claim);
    }
    const claims = claimants.length;
    const match = this.#trie.longestMatch(bare);
    const e = match === undefined ? undefined : this.#covering(match[0], match[1]);
    const inCluster = e?.inCluster;
    const status: AddressStatus = claims > 1 ? 'conflict' : claims === 1 ? 'in-use' : inCluster !== undefined ? 'free' : 'outside';
    const ranges = e?.covering ?? [];
    // Keys in the documented order: address, family, unmapped, status, holders, ranges, freeIn.
    const out: { -readonly [K in keyof AddressExplanation]: AddressExplanation[K] } = a.is4In6()
      ? { address: `${a}`, family: a.family, unmapped: `${bare.unmap()}`, status, holders, ranges }
      : { address: `${a}`, family: a.family, status, holders, ranges };
    if (status === 'free') out.freeIn = inCluster;
    return out;
  }
}

function toAddr(addr: Addr | string): Addr {
  if (addr instanceof Addr) return addr;
  if (typeof addr !== 'string') {
    throw new KubernetesError('ERR_K8S_INVALID_IP', `explain: ${String(addr)} is not an IP address (expected an Addr or a string)`);
  }
  try {
    return Addr.parse(addr);
  } catch (cause) {
    const why = cause instanceof Error ? ` (${cause.message})` : '';
    throw new KubernetesError('ERR_K8S_INVALID_IP', `explain: ${JSON.stringify(addr)} is not an IP address${why}`, {}, { cause });
  }
}

const CACHE = new WeakMap<ClusterNetwork, AddressExplainer>();

/**
 * explainer returns an {@link AddressExplainer} for `network`: the index to keep when explaining many addresses
 * (the CLI's `ipam which <address>...`). Without options it is cached per network object, as {@link explain} uses it.
 * @throws {@link KubernetesError} as {@link AddressExplainer}'s constructor does.
 */
export function explainer(network: ClusterNetwork, options?: ExplainOptions): AddressExplainer {
  if (options !== undefined && options.external !== undefined) return new AddressExplainer(network, options);
  let x = typeof network === 'object' && network !== null ? CACHE.get(network) : undefined;
  if (x === undefined) {
    x = new AddressExplainer(network);
    CACHE.set(network, x);
  }
  return x;
}

/**
 * explain says what an address is in a {@link ClusterNetwork}: the pod, Service, node, plugin allocation or
 * IPAddress object holding it (several when it is in conflict), every range it falls in, most specific first (node
 * pod CIDR, plugin block and pool, CNI network, cluster or service CIDR, external network, IANA special-purpose
 * block), and for an address nothing holds, the range it would be handed out from or that it is outside the cluster.
 * Print it with {@link formatExplanation}, or as JSON.
 *
 * The index is built on the first call for a network object and kept (in a `WeakMap`) for later calls without
 * options; with `options.external` each call builds one: use {@link explainer} to keep it.
 *
 * @example
 * ```ts
 * formatExplanation(explain(network, '10.244.3.7'));
 * // 10.244.3.7: pod default/web-0 on node-3; in Calico block 10.244.3.0/26 (pool default-ipv4-ippool, node node-3);
 * // in node-3's pod CIDR 10.244.3.0/24; in Calico pool default-ipv4-ippool 10.244.0.0/16; in cluster CIDR 10.244.0.0/16; RFC 1918 private
 * ```
 * @throws {@link KubernetesError} `ERR_K8S_INVALID_IP` naming the input when `addr` is not an IP address.
 */
export function explain(network: ClusterNetwork, addr: Addr | string, options?: ExplainOptions): AddressExplanation {
  return explainer(network, options).explain(addr);
}

const PLUGIN_NAME: Record<PoolPlugin, string> = { flannel: 'Flannel', calico: 'Calico', cilium: 'Cilium', weave: 'Weave' };

/** The words for one holder, e.g. `pod default/web-0 on node-3`. */
function holderText(h: AddressHolder): string {
  switch (h.kind) {
    case 'pod': {
      const base = `${h.hostNetwork ? 'hostNetwork pod' : 'pod'} ${h.namespace}/${h.name}${h.node === undefined ? '' : ` on ${h.node}`}`;
      return h.released ? `${base} (${h.phase}: address released)` : base;
    }
    case 'service':
      return `Service ${h.namespace}/${h.name} (${h.type})`;
    case 'node':
      return `node ${h.node} ${h.addressType}`;
    case 'plugin-allocation': {
      const what = h.use === 'pod' ? `allocation for pod ${h.pod ?? '?'}` : h.use === 'tunnel' ? `tunnel address${h.node === undefined ? '' : ` of node ${h.node}`}` : 'allocation';
      const handle = h.handle === undefined ? '' : ` (handle ${h.handle})`;
      return `${PLUGIN_NAME[h.plugin]} ${what}${handle}${h.leaked ? ' LEAKED: its pod is gone or does not hold it' : ''}`;
    }
    case 'ip-address':
      return `IPAddress object${h.parentRef === undefined ? '' : ` of ${h.parentRef}`}`;
  }
}

/** The words for one range, e.g. `node-3's pod CIDR 10.244.3.0/24`. */
function rangeText(r: AddressRange): string {
  switch (r.kind) {
    case 'node-pod-cidr':
      return `${r.node}'s pod CIDR ${r.range}`;
    case 'plugin-block': {
      const about = [r.pool !== undefined && `pool ${r.pool}`, r.node !== undefined && `node ${r.node}`].filter((x) => x).join(', ');
      return `${PLUGIN_NAME[r.plugin!]} block ${r.range}${about === '' ? '' : ` (${about})`}`;
    }
    case 'plugin-pool':
      return `${PLUGIN_NAME[r.plugin!]} pool ${r.pool} ${r.range}${r.disabled === true ? ' (disabled)' : ''}`;
    case 'cni-network':
      return `CNI network ${r.name} ${r.range}`;
    case 'cluster-cidr':
      return `cluster CIDR ${r.range}`;
    case 'service-cidr':
      return `${r.name ?? 'service CIDR'} ${r.range}`;
    case 'external':
      return `external network ${r.name === undefined ? '' : `${r.name} `}${r.range}`;
    case 'special':
      return `${r.rfc!.split(',')[0]} ${r.specialKind} ${r.range}`;
  }
}

/** FormatExplanationOptions tune {@link formatExplanation}. */
export interface FormatExplanationOptions {
  /** FormatExplanationOptions.multiline puts each holder and range on its own indented line (default: one line, parts separated by `; `). */
  readonly multiline?: boolean;
}

/**
 * formatExplanation renders an {@link AddressExplanation} as text: the address, then its holders (or `CONFLICT:`
 * and the holders, or `free in ...`, or `outside the cluster`), then every range it falls in, most specific first.
 * On one line by default, parts separated by `; `:
 *
 * ```text
 * 10.244.3.7: pod default/web-0 on node-3; in Calico block 10.244.3.0/26 (pool default-ipv4-ippool, node node-3); in node-3's pod CIDR 10.244.3.0/24; ...; RFC 1918 private (10.0.0.0/8 Private-Use)
 * 10.96.0.99: unallocated ClusterIP in service CIDR 10.96.0.0/12; RFC 1918 private (10.0.0.0/8 Private-Use)
 * 8.8.8.8: outside the cluster
 * ```
 */
export function formatExplanation(e: AddressExplanation, options: FormatExplanationOptions = {}): string {
  const head: string[] = [];
  if (e.status === 'conflict') head.push(`CONFLICT: held by ${e.holders.map(holderText).join(' and ')}`);
  else if (e.holders.length > 0) head.push(...e.holders.map(holderText));
  if (e.status === 'free' && e.freeIn !== undefined) {
    head.push(e.freeIn.kind === 'service-cidr' ? `unallocated ClusterIP in ${rangeText(e.freeIn)}` : `free in ${rangeText(e.freeIn)}`);
  } else if (e.status === 'outside') head.push('outside the cluster');
  const parts = [
    ...head,
    ...e.ranges.filter((r) => !(e.status === 'free' && r === e.freeIn)).map((r) => (r.kind === 'special' ? rangeText(r) : `in ${rangeText(r)}`)),
  ];
  if (e.unmapped !== undefined) parts.push(`IPv4-mapped: explain ${e.unmapped} for the IPv4 address`);
  return options.multiline === true ? [`${e.address}:`, ...parts.map((p) => `  ${p}`)].join('\n') : `${e.address}: ${parts.join('; ')}`;
}
