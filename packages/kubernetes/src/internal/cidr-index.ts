import { Addr, Prefix } from '@ipam/core';
import { KubernetesError } from '../kubernetes-error.js';
import { parseCIDRSloppy } from '../netutils.js';

/**
 * The arithmetic of kube-controller-manager's cidrset (pkg/controller/nodeipam/ipam/cidrset/cidr_set.go): a
 * cluster CIDR cut into node blocks of `nodeMaskSize` bits, numbered 0 … maxCIDRs − 1 from the cluster's network
 * address. CidrSet works on blocks (Prefix values); these functions give the index view the upstream tests use.
 *
 *     cluster 10.42.0.0/16, node mask 24
 *     index:   0            1            2                 255
 *           [10.42.0.0/24][10.42.1.0/24][10.42.2.0/24] … [10.42.255.0/24]
 */

/** maxCIDRsOf is the number of node blocks, 2^(nodeMaskSize − cluster bits). */
export function maxCIDRsOf(cluster: Prefix, nodeMaskSize: number): number {
  return 2 ** (nodeMaskSize - cluster.bits);
}

/**
 * indexToCIDRBlock is cidrset's indexToCIDRBlock: the node block at `index`, the cluster's network address with
 * the index in the bits between the cluster mask and the node mask.
 * @throws KubernetesError `ERR_K8S_CIDR_OUTSIDE` for an index that is not an integer in 0 … maxCIDRs − 1 (upstream
 * would OR it into the cluster bits; no caller ever passes one).
 */
export function indexToCIDRBlock(cluster: Prefix, nodeMaskSize: number, index: number): Prefix {
  const max = maxCIDRsOf(cluster, nodeMaskSize);
  if (!Number.isInteger(index) || index < 0 || index >= max) {
    throw new KubernetesError('ERR_K8S_CIDR_OUTSIDE', `index ${index} is not a node block of ${cluster} (0…${max - 1})`);
  }
  const w = cluster.addr.bitLength;
  const v = cluster.addr.toBigInt() | (BigInt(index) << BigInt(w - nodeMaskSize));
  return Addr.fromBigInt(v, cluster.family).prefix(nodeMaskSize);
}

/**
 * getIndexForIP is cidrset's getIndexForIP: (cluster network address XOR ip) shifted right by the node block's
 * host bits.
 * @throws KubernetesError `ERR_K8S_CIDR_OUTSIDE` with upstream's message when the result is ≥ maxCIDRs (the address
 * is outside the cluster CIDR) or the families differ.
 */
export function getIndexForIP(cluster: Prefix, nodeMaskSize: number, ip: Addr): number {
  const w = cluster.addr.bitLength;
  const index = ip.family === cluster.family ? (cluster.addr.toBigInt() ^ ip.toBigInt()) >> BigInt(w - nodeMaskSize) : -1n;
  if (index < 0n || index >= BigInt(maxCIDRsOf(cluster, nodeMaskSize))) {
    throw new KubernetesError('ERR_K8S_CIDR_OUTSIDE', `CIDR: ${ip}/${nodeMaskSize} is out of the range of CIDR allocator`);
  }
  return Number(index);
}

/**
 * coveredBlock is the aligned block of node blocks that cidrset's Occupy and Release touch for `cidr` (host bits
 * already cleared): the whole cluster CIDR when `cidr` is as large or larger, the enclosing node block when it is
 * as small or smaller, `cidr` itself in between.
 * @throws KubernetesError `ERR_K8S_CIDR_OUTSIDE` with upstream's message when `cidr` and the cluster CIDR share no
 * address (other families never do).
 */
export function coveredBlock(cluster: Prefix, nodeMaskSize: number, cidr: Prefix): Prefix {
  if (!cluster.overlaps(cidr)) {
    throw new KubernetesError('ERR_K8S_CIDR_OUTSIDE', `cidr ${cidr} is out the range of cluster cidr ${cluster}`);
  }
  if (cidr.bits <= cluster.bits) return cluster;
  if (cidr.bits >= nodeMaskSize) return cidr.addr.prefix(nodeMaskSize);
  return cidr;
}

/**
 * beginningAndEndIndices is cidrset's getBeginningAndEndIndices: the first and last index Occupy and Release
 * touch for `cidr`.
 * @throws KubernetesError `ERR_K8S_CIDR_OUTSIDE` as {@link coveredBlock}.
 */
export function beginningAndEndIndices(cluster: Prefix, nodeMaskSize: number, cidr: Prefix): [number, number] {
  const block = coveredBlock(cluster, nodeMaskSize, cidr);
  const begin = getIndexForIP(cluster, nodeMaskSize, block.addr);
  return [begin, begin + 2 ** (nodeMaskSize - block.bits) - 1];
}

/** q quotes caller input for a message: strings JSON-quoted, Prefix values as written. */
export function q(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : v instanceof Prefix ? v.toString() : String(v);
}

/**
 * readCIDR reads a CIDR the way kube-controller-manager does: a string through Kubernetes' sloppy parser
 * (parseCIDRSloppy: leading zeros are decimal, host bits are cleared), a Prefix with its host bits cleared.
 */
export function readCIDR(api: string, cidr: string | Prefix): Prefix {
  if (cidr instanceof Prefix) return cidr.masked();
  if (typeof cidr === 'string') return parseCIDRSloppy(cidr);
  throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${api}: expected a CIDR string or a Prefix, got ${q(cidr)}`);
}

