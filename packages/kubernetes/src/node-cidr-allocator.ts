import { Prefix } from '@ipam/core';
import { CidrSet } from './cidr-set.js';
import type { ClusterNetwork, NodeCIDRMaskSizes, SourceRef } from './cluster-network.js';
import { q, readCIDR } from './internal/cidr-index.js';
import { KubernetesError, type KubernetesErrorLocation } from './kubernetes-error.js';
import { parseCIDRSloppy } from './netutils.js';

/** kube-controller-manager's default node mask sizes (cmd/kube-controller-manager/app/core.go). */
const DEFAULT_MASK = { 4: 24, 6: 64 } as const;

/** NodeCidrAllocatorNode is a Node as {@link NodeCidrAllocator} sees it: its name and `spec.podCIDRs`. */
export interface NodeCidrAllocatorNode {
  /** NodeCidrAllocatorNode.name is `metadata.name`. */
  readonly name: string;
  /** NodeCidrAllocatorNode.podCIDRs is `spec.podCIDRs`, one per cluster CIDR by position; strings are read sloppily. */
  readonly podCIDRs: readonly (string | Prefix)[];
  /** NodeCidrAllocatorNode.from says where the Node was read, for error messages (a {@link ClusterNode} has it). */
  readonly from?: SourceRef;
}

/**
 * NodeCidrAllocatorOptions is kube-controller-manager's node IPAM configuration, as {@link NodeCidrAllocator} takes it.
 */
export interface NodeCidrAllocatorOptions {
  /**
   * NodeCidrAllocatorOptions.clusterCIDRs is `--cluster-cidr`: a comma-separated string as the flag takes it, a
   * Prefix, or a list. At most two, one per family (dual-stack, by position).
   */
  readonly clusterCIDRs: string | Prefix | readonly (string | Prefix)[];
  /**
   * NodeCidrAllocatorOptions.nodeMaskSizes gives the node mask sizes, in one of three forms:
   * - a number: `--node-cidr-mask-size`, single-stack clusters only (kube-controller-manager refuses it for dual-stack);
   * - `{ ipv4, ipv6 }`: `--node-cidr-mask-size-ipv4/-ipv6`; a single-stack cluster may only set its own family;
   * - a list: one size per cluster CIDR, by position, as the node IPAM controller receives them.
   *
   * In the first two forms 0 or a missing value means "not set", as for the flags. Defaults: 24 (IPv4), 64 (IPv6).
   */
  readonly nodeMaskSizes?: number | NodeCIDRMaskSizes | readonly number[];
  /**
   * NodeCidrAllocatorOptions.serviceCIDR is `--service-cluster-ip-range` as kube-controller-manager reads it: a
   * comma-separated string or a list whose first entry is the service CIDR and whose second (optional) is the
   * secondary one, or a single Prefix. Node blocks a service CIDR overlaps are marked used at start.
   */
  readonly serviceCIDR?: string | Prefix | readonly (string | Prefix)[];
  /** NodeCidrAllocatorOptions.secondaryServiceCIDR is the secondary service CIDR, when not given in `serviceCIDR`. */
  readonly secondaryServiceCIDR?: string | Prefix;
  /** NodeCidrAllocatorOptions.nodes are the existing Nodes; their `podCIDRs` are marked used at start. */
  readonly nodes?: readonly NodeCidrAllocatorNode[];
}

/** NodeCidrFamilyCapacity is the state of one cluster CIDR of a {@link NodeCidrAllocator}. */
export interface NodeCidrFamilyCapacity {
  /** NodeCidrFamilyCapacity.clusterCIDR is the cluster CIDR. */
  readonly clusterCIDR: Prefix;
  /** NodeCidrFamilyCapacity.nodeMaskSize is the prefix length of a node block. */
  readonly nodeMaskSize: number;
  /** NodeCidrFamilyCapacity.total is the number of node blocks in the cluster CIDR. */
  readonly total: number;
  /** NodeCidrFamilyCapacity.used is the number of node blocks in use (nodes, service CIDRs, occupied CIDRs). */
  readonly used: number;
  /** NodeCidrFamilyCapacity.free is the number of node blocks left: total − used. */
  readonly free: number;
}

/** NodeCidrCapacity is how full a {@link NodeCidrAllocator} is. */
export interface NodeCidrCapacity {
  /** NodeCidrCapacity.families holds one entry per cluster CIDR, in the order of the cluster CIDRs. */
  readonly families: readonly NodeCidrFamilyCapacity[];
  /** NodeCidrCapacity.nodes is the number of nodes holding pod CIDRs. */
  readonly nodes: number;
  /** NodeCidrCapacity.moreNodes is how many more nodes can get pod CIDRs: the smallest `free` over the families. */
  readonly moreNodes: number;
}

type CIDRInput = string | Prefix;

function isList(x: unknown): x is readonly unknown[] {
  return Array.isArray(x);
}

/** Reads a flag-style list: a comma-separated string (trimmed as a whole, as kube-controller-manager does), a Prefix or a list. */
function readList(api: string, field: string, x: unknown): Prefix[] {
  if (x instanceof Prefix) return [x.masked()];
  if (typeof x === 'string') {
    const text = x.trim();
    return text === '' ? [] : text.split(',').map((s, i) => parseCIDRSloppy(s, { path: `${field}[${i}]` }));
  }
  if (isList(x)) {
    return x.map((item, i) => {
      if (typeof item === 'string') return parseCIDRSloppy(item, { path: `${field}[${i}]` });
      return readCIDR(`${api}: ${field}[${i}]`, item as CIDRInput);
    });
  }
  throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${api}: ${field} must be a CIDR string, a Prefix or a list of them, got ${q(x)}`);
}

function isDualStack(cidrs: readonly Prefix[]): boolean {
  return cidrs.some((p) => p.family === 4) && cidrs.some((p) => p.family === 6);
}

function checkName(api: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '') {
    throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${api}: a node name must be a non-empty string, got ${q(name)}`);
  }
}

/**
 * Resolves the node mask sizes, one per cluster CIDR, as kube-controller-manager's setNodeCIDRMaskSizes does for
 * its flags; a list is taken as given.
 */
function nodeMaskSizesFor(api: string, clusterCIDRs: readonly Prefix[], given: NodeCidrAllocatorOptions['nodeMaskSizes']): number[] {
  const invalid = (reason: string): KubernetesError => new KubernetesError('ERR_K8S_NODE_MASK_INVALID', `${api}: ${reason}`);
  const flag = (v: unknown, name: string): number => {
    if (v === undefined) return 0;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw invalid(`${name} must be a non-negative integer, got ${q(v)}`);
    return v;
  };
  let sizes: number[];
  if (isList(given)) {
    if (given.length !== clusterCIDRs.length) {
      throw invalid(`nodeMaskSizes has ${given.length} entries for ${clusterCIDRs.length} cluster CIDRs; give one per cluster CIDR, by position`);
    }
    sizes = given.map((v, i) => {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`nodeMaskSizes[${i}] must be an integer, got ${q(v)}`);
      return v;
    });
  } else {
    const dualStack = clusterCIDRs.length > 1;
    let v4: number;
    let v6: number;
    if (given === undefined || typeof given === 'number') {
      const mask = flag(given, '--node-cidr-mask-size');
      if (mask !== 0 && dualStack) throw invalid('usage of --node-cidr-mask-size is not allowed with dual-stack clusters; give one size per family');
      v4 = mask;
      v6 = mask;
    } else if (typeof given === 'object' && given !== null) {
      v4 = flag(given.ipv4, '--node-cidr-mask-size-ipv4');
      v6 = flag(given.ipv6, '--node-cidr-mask-size-ipv6');
      if (!dualStack) {
        const family = clusterCIDRs[0]!.family;
        if (v4 !== 0 && family === 6) throw invalid('usage of --node-cidr-mask-size-ipv4 is not allowed for a single-stack IPv6 cluster');
        if (v6 !== 0 && family === 4) throw invalid('usage of --node-cidr-mask-size-ipv6 is not allowed for a single-stack IPv4 cluster');
      }
    } else {
      throw invalid(`nodeMaskSizes must be a number, { ipv4, ipv6 } or a list, got ${q(given)}`);
    }
    sizes = clusterCIDRs.map((p) => (p.family === 4 ? v4 || DEFAULT_MASK[4] : v6 || DEFAULT_MASK[6]));
  }
  sizes.forEach((size, i) => {
    const w = clusterCIDRs[i]!.addr.bitLength;
    if (size < 0 || size > w) throw invalid(`node mask size ${size} for ${clusterCIDRs[i]} is not in 0…${w}`);
  });
  return sizes;
}

/**
 * NodeCidrAllocator is kube-controller-manager's range allocator for node pod CIDRs (`--allocate-node-cidrs` with
 * `--cidr-allocator-type=RangeAllocator`): one {@link CidrSet} per cluster CIDR, one block per family for each node
 * (dual-stack by position), with the controller's start-up checks.
 *
 * The constructor checks and builds in kube-controller-manager's order, and any error aborts it as it aborts the
 * controller's start:
 * 1. the cluster CIDRs: at least one, at most two, and two must be one per family (`ERR_K8S_INVALID_ARGUMENT`,
 *    `ERR_K8S_DUAL_STACK`);
 * 2. the service CIDRs: two must be one per family (`ERR_K8S_DUAL_STACK`);
 * 3. the node mask sizes, as `--node-cidr-mask-size(-ipv4/-ipv6)` are resolved (`ERR_K8S_NODE_MASK_INVALID`);
 * 4. each cluster CIDR's mask size at most its node mask size (`ERR_K8S_NODE_MASK_INVALID`);
 * 5. the CIDR sets, IPv6 node masks at most 16 bits longer than the cluster CIDR's (`ERR_K8S_NODE_MASK_TOO_BIG`);
 * 6. node blocks a service CIDR overlaps are marked used;
 * 7. each existing node's `podCIDRs[i]` is marked used in set i (`ERR_K8S_CIDR_OUTSIDE`, `ERR_K8S_DUAL_STACK` for
 *    more pod CIDRs than cluster CIDRs, `ERR_K8S_INVALID_CIDR`; the error names the node and field).
 *
 * Where this differs from kube-controller-manager, on purpose: a service CIDR that does not parse is an error
 * (`ERR_K8S_INVALID_CIDR`), not a logged warning; {@link NodeCidrAllocator.allocate} fails before taking anything
 * when one family is full, where upstream keeps the blocks it already took from the other families until a restart;
 * {@link NodeCidrAllocator.occupy} checks every CIDR before marking any.
 *
 * Like upstream, releasing a node frees every block its CIDRs cover in the sets, even blocks another node's
 * overlapping CIDR also covers (only a misconfigured cluster has those, and the audit reports them).
 *
 * @example
 * ```ts
 * const nodes = new NodeCidrAllocator({
 *   clusterCIDRs: ['10.244.0.0/16', 'fd00:10:244::/56'],
 *   nodeMaskSizes: [24, 64],
 *   serviceCIDR: '10.96.0.0/12',
 *   nodes: [{ name: 'node-a', podCIDRs: ['10.244.0.0/24', 'fd00:10:244::/64'] }],
 * });
 * nodes.allocate('node-b').map(String);  // ['10.244.1.0/24', 'fd00:10:244:1::/64']
 * nodes.capacity().moreNodes;            // 254
 * nodes.release('node-a');
 * ```
 */
export class NodeCidrAllocator {
  readonly #sets: CidrSet[];
  readonly #serviceCIDRs: Prefix[];
  readonly #nodes = new Map<string, readonly Prefix[]>();

  /**
   * Creates the allocator, checking the configuration and marking the service CIDRs and existing nodes' pod CIDRs
   * used, in kube-controller-manager's order (see {@link NodeCidrAllocator}).
   * @throws {@link KubernetesError} as listed above.
   */
  constructor(options: NodeCidrAllocatorOptions) {
    const api = 'new NodeCidrAllocator';
    if (options === null || typeof options !== 'object') {
      throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${api}: options must be an object`);
    }
    // 1. validateCIDRs
    const clusterCIDRs = options.clusterCIDRs === undefined ? [] : readList(api, 'clusterCIDRs', options.clusterCIDRs);
    if (clusterCIDRs.length === 0) {
      throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${api}: Must specify --cluster-cidr if --allocate-node-cidrs is set (clusterCIDRs is empty)`);
    }
    if (clusterCIDRs.length > 1 && !isDualStack(clusterCIDRs)) {
      throw new KubernetesError(
        'ERR_K8S_DUAL_STACK',
        `${api}: ${clusterCIDRs.length} cluster CIDRs (${clusterCIDRs.join(', ')}) are not dual-stack; give at most one per family`,
      );
    }
    if (clusterCIDRs.length > 2) {
      throw new KubernetesError('ERR_K8S_DUAL_STACK', `${api}: ${clusterCIDRs.length} cluster CIDRs, more than the 2 allowed (one per family)`);
    }
    // 2. the service CIDRs, and their dual-stack check when both are given
    const services = options.serviceCIDR === undefined ? [] : readList(api, 'serviceCIDR', options.serviceCIDR);
    if (options.secondaryServiceCIDR !== undefined) {
      if (services.length > 1) {
        throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${api}: serviceCIDR already has a secondary entry; do not give secondaryServiceCIDR as well`);
      }
      services.push(...readList(api, 'secondaryServiceCIDR', options.secondaryServiceCIDR));
    }
    if (services.length > 2) {
      throw new KubernetesError('ERR_K8S_DUAL_STACK', `${api}: ${services.length} service CIDRs; kube-controller-manager takes a service CIDR and a secondary one`);
    }
    if (services.length === 2 && !isDualStack(services)) {
      throw new KubernetesError('ERR_K8S_DUAL_STACK', `${api}: serviceCIDR and secondaryServiceCIDR (${services.join(', ')}) are not dualstack (from different IPfamiles)`);
    }
    // 3. setNodeCIDRMaskSizes
    const sizes = nodeMaskSizesFor(api, clusterCIDRs, options.nodeMaskSizes);
    // 4. NewNodeIpamController's mask check
    clusterCIDRs.forEach((cidr, i) => {
      if (cidr.bits > sizes[i]!) {
        throw new KubernetesError(
          'ERR_K8S_NODE_MASK_INVALID',
          `${api}: Invalid --cluster-cidr, mask size of cluster CIDR must be less than or equal to --node-cidr-mask-size configured for CIDR family (${cidr} with node mask /${sizes[i]})`,
        );
      }
    });
    // 5. NewCIDRSet
    this.#sets = clusterCIDRs.map((cidr, i) => new CidrSet(cidr, sizes[i]!));
    // 6. filterOutServiceRange
    this.#serviceCIDRs = services;
    for (const service of services) {
      for (const set of this.#sets) if (set.clusterCIDR.overlaps(service)) set.occupy(service);
    }
    // 7. existing nodes
    const nodes = options.nodes ?? [];
    if (!isList(nodes)) throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${api}: nodes must be a list`);
    nodes.forEach((node, n) => {
      if (node === null || typeof node !== 'object') throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${api}: nodes[${n}] must be an object`);
      checkName(`${api}: nodes[${n}].name`, node.name);
      if (this.#nodes.has(node.name)) {
        throw new KubernetesError('ERR_K8S_NODE_EXISTS', `${api}: node ${q(node.name)} is listed twice`, this.#where(node.name, node.from));
      }
      if (!isList(node.podCIDRs)) {
        throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${api}: nodes[${n}].podCIDRs must be a list`, this.#where(node.name, node.from));
      }
      if (node.podCIDRs.length === 0) return; // "Node has no CIDR, ignoring"
      const cidrs = this.#check(api, node.name, node.podCIDRs, node.from);
      cidrs.forEach((cidr, i) => this.#sets[i]!.occupy(cidr));
      this.#nodes.set(node.name, cidrs);
    });
  }

  /**
   * NodeCidrAllocator.fromClusterNetwork builds the allocator a discovered cluster runs: its cluster CIDRs, node mask
   * sizes, service CIDR(s) and nodes' pod CIDRs. The service CIDRs are kube-controller-manager's own
   * `--service-cluster-ip-range` when the network has it, else the effective `serviceCIDRs`' first entry and the first
   * later one of the other family (extra ServiceCIDR objects are unknown to kube-controller-manager).
   * @throws {@link KubernetesError} as the constructor; errors about a node carry the file and object it was read from.
   * @example
   * ```ts
   * const allocator = NodeCidrAllocator.fromClusterNetwork(await discover({ dump }));
   * allocator.capacity().moreNodes; // how many more nodes the cluster CIDR holds
   * ```
   */
  static fromClusterNetwork(network: ClusterNetwork): NodeCidrAllocator {
    const masks = network.nodeCIDRMaskSizes;
    const own = network.settings.find((s) => s.name === 'serviceCIDR' && s.source === 'kube-controller-manager');
    let services: readonly Prefix[];
    if (own !== undefined) services = own.value as readonly Prefix[];
    else {
      const [first, ...rest] = network.serviceCIDRs;
      const second = first === undefined ? undefined : rest.find((p) => p.family !== first.family);
      services = [first, second].filter((p): p is Prefix => p !== undefined);
    }
    return new NodeCidrAllocator({
      clusterCIDRs: network.clusterCIDRs,
      nodeMaskSizes: network.clusterCIDRs.map((p) => (p.family === 4 ? masks.ipv4 : masks.ipv6)),
      serviceCIDR: services,
      nodes: network.nodes.map((node) => ({ name: node.name, podCIDRs: node.podCIDRs, from: node.from })),
    });
  }

  /** NodeCidrAllocator.clusterCIDRs are the cluster CIDRs, host bits cleared, in the order given. */
  get clusterCIDRs(): readonly Prefix[] {
    return this.#sets.map((s) => s.clusterCIDR);
  }

  /** NodeCidrAllocator.nodeMaskSizes are the node mask sizes, one per cluster CIDR. */
  get nodeMaskSizes(): readonly number[] {
    return this.#sets.map((s) => s.nodeMaskSize);
  }

  /** NodeCidrAllocator.serviceCIDRs are the service CIDRs whose overlap with the cluster CIDRs was marked used at start. */
  get serviceCIDRs(): readonly Prefix[] {
    return [...this.#serviceCIDRs];
  }

  /**
   * NodeCidrAllocator.allocate gives node `nodeName` one block from each cluster CIDR, round-robin as
   * {@link CidrSet.allocateNext}, and returns them in the order of the cluster CIDRs. A node that already has pod
   * CIDRs keeps them and gets them back, as kube-controller-manager only re-marks a node that has pod CIDRs.
   * @throws {@link KubernetesError} `ERR_K8S_CIDR_SET_FULL` when a cluster CIDR has no free block (nothing is taken
   * from the others); `ERR_K8S_INVALID_ARGUMENT` for an empty name.
   */
  allocate(nodeName: string): Prefix[] {
    const api = 'NodeCidrAllocator.allocate';
    checkName(api, nodeName);
    const known = this.#nodes.get(nodeName);
    if (known !== undefined) return [...known];
    const full = this.#sets.findIndex((s) => s.freeCount === 0);
    if (full >= 0) {
      const set = this.#sets[full]!;
      throw new KubernetesError(
        'ERR_K8S_CIDR_SET_FULL',
        `${api}(${q(nodeName)}): failed to allocate cidr from cluster cidr at idx:${full}: CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range (all ${set.maxCIDRs} /${set.nodeMaskSize} blocks of ${set.clusterCIDR} are in use)`,
        { object: `Node/${nodeName}` },
      );
    }
    const cidrs = this.#sets.map((s) => s.allocateNext());
    this.#nodes.set(nodeName, cidrs);
    return [...cidrs];
  }

  /**
   * NodeCidrAllocator.occupy records that node `nodeName` has the pod CIDRs `cidrs` (`spec.podCIDRs`, one per
   * cluster CIDR by position) and marks them used, as kube-controller-manager does for a node that comes with pod
   * CIDRs. Giving the same CIDRs again does nothing.
   * @throws {@link KubernetesError} `ERR_K8S_CIDR_OUTSIDE` when a CIDR is outside its cluster CIDR;
   * `ERR_K8S_DUAL_STACK` for more CIDRs than cluster CIDRs; `ERR_K8S_NODE_EXISTS` when the node has other CIDRs;
   * `ERR_K8S_INVALID_CIDR`, `ERR_K8S_INVALID_ARGUMENT` for bad input. Nothing is marked when any CIDR fails.
   */
  occupy(nodeName: string, cidrs: readonly (string | Prefix)[]): void {
    const api = 'NodeCidrAllocator.occupy';
    checkName(api, nodeName);
    if (!isList(cidrs) || cidrs.length === 0) {
      throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${api}(${q(nodeName)}): give the node's pod CIDRs as a non-empty list; use allocate() for a node without any`);
    }
    const checked = this.#check(api, nodeName, cidrs);
    const known = this.#nodes.get(nodeName);
    if (known !== undefined) {
      if (known.length === checked.length && known.every((p, i) => p.equals(checked[i]!))) return;
      throw new KubernetesError(
        'ERR_K8S_NODE_EXISTS',
        `${api}(${q(nodeName)}): the node already has pod CIDRs ${known.join(', ')}, not ${checked.join(', ')}; release it first`,
        { object: `Node/${nodeName}` },
      );
    }
    checked.forEach((cidr, i) => this.#sets[i]!.occupy(cidr));
    this.#nodes.set(nodeName, checked);
  }

  /**
   * NodeCidrAllocator.release frees the pod CIDRs of node `nodeName`, as kube-controller-manager does when the Node
   * object is deleted, and returns them. The blocks are handed out again when the round-robin scan reaches them.
   * @throws {@link KubernetesError} `ERR_K8S_NODE_UNKNOWN` for a node that has no pod CIDRs here.
   */
  release(nodeName: string): Prefix[] {
    const api = 'NodeCidrAllocator.release';
    checkName(api, nodeName);
    const cidrs = this.#nodes.get(nodeName);
    if (cidrs === undefined) {
      throw new KubernetesError('ERR_K8S_NODE_UNKNOWN', `${api}(${q(nodeName)}): the node has no pod CIDRs here`, { object: `Node/${nodeName}` });
    }
    cidrs.forEach((cidr, i) => this.#sets[i]!.release(cidr));
    this.#nodes.delete(nodeName);
    return [...cidrs];
  }

  /** NodeCidrAllocator.cidrsOf returns the pod CIDRs of node `nodeName`, one per cluster CIDR, or undefined when it has none. */
  cidrsOf(nodeName: string): Prefix[] | undefined {
    const cidrs = this.#nodes.get(nodeName);
    return cidrs === undefined ? undefined : [...cidrs];
  }

  /** NodeCidrAllocator.nodeNames returns the names of the nodes holding pod CIDRs, in the order they got them. */
  nodeNames(): string[] {
    return [...this.#nodes.keys()];
  }

  /**
   * NodeCidrAllocator.capacity counts the node blocks of each cluster CIDR (total, used, free) and how many more
   * nodes fit: the fewest free blocks over the families, since every node takes one block of each.
   * @example
   * ```ts
   * new NodeCidrAllocator({ clusterCIDRs: '10.244.0.0/16', serviceCIDR: '10.244.255.0/24' }).capacity();
   * // { families: [{ clusterCIDR: 10.244.0.0/16, nodeMaskSize: 24, total: 256, used: 1, free: 255 }], nodes: 0, moreNodes: 255 }
   * ```
   */
  capacity(): NodeCidrCapacity {
    const families = this.#sets.map((s) => ({
      clusterCIDR: s.clusterCIDR,
      nodeMaskSize: s.nodeMaskSize,
      total: s.maxCIDRs,
      used: s.allocatedCount,
      free: s.freeCount,
    }));
    return { families, nodes: this.#nodes.size, moreNodes: Math.min(...families.map((f) => f.free)) };
  }

  /** The error location of a node. */
  #where(name: string, from: SourceRef | undefined, path?: string): KubernetesErrorLocation {
    return { ...(from?.file === undefined ? {} : { file: from.file }), object: from?.object ?? `Node/${name}`, ...(path === undefined ? {} : { path }) };
  }

  /** Parses a node's pod CIDRs and checks each against its cluster CIDR, before anything is marked. */
  #check(api: string, name: string, cidrs: readonly unknown[], from?: SourceRef): Prefix[] {
    const base = from?.path === undefined ? 'spec.podCIDRs' : `${from.path}.spec.podCIDRs`;
    return cidrs.map((x, i) => {
      const where = this.#where(name, from, `${base}[${i}]`);
      let cidr: Prefix;
      if (typeof x === 'string') cidr = parseCIDRSloppy(x, where);
      else if (x instanceof Prefix) cidr = x.masked();
      else throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${api}: expected a CIDR string or a Prefix, got ${q(x)}`, where);
      const set = this.#sets[i];
      if (set === undefined) {
        throw new KubernetesError(
          'ERR_K8S_DUAL_STACK',
          `${api}: node ${q(name)} has an allocated cidr ${cidr} at index ${i} that does not exist in cluster cidrs configuration (${this.#sets.length} cluster CIDRs)`,
          where,
        );
      }
      if (!set.clusterCIDR.overlaps(cidr)) {
        throw new KubernetesError(
          'ERR_K8S_CIDR_OUTSIDE',
          `${api}: failed to mark cidr ${cidr} at index ${i} as occupied for node ${q(name)}: cidr ${cidr} is out the range of cluster cidr ${set.clusterCIDR}`,
          where,
        );
      }
      return cidr;
    });
  }
}
