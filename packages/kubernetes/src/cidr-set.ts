import { IpamError, type IPSet, Pool, Prefix } from '@ipam/core';
import { coveredBlock, maxCIDRsOf, q, readCIDR } from './internal/cidr-index.js';
import { KubernetesError } from './kubernetes-error.js';

/** Kubernetes' cidrset.ErrCIDRRangeNoCIDRsRemaining text. */
const NO_CIDRS_REMAINING = 'CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range';
/** Kubernetes' cidrset.ErrCIDRSetSubNetTooBig text. */
const SUBNET_TOO_BIG = 'New CIDR set failed; the node CIDR size is too big';
/** cidrset's clusterSubnetMaxDiff: an IPv6 node mask may be at most this many bits longer than the cluster's. */
const IPV6_MAX_DIFF = 16;

/** A Pool error with the given code, which CidrSet uses as an answer rather than a failure. */
function isPoolError(e: unknown, code: string): boolean {
  return IpamError.isInstance(e) && e.code === code;
}

/**
 * CidrSet is kube-controller-manager's node pod CIDR set (`cidrset.CidrSet`), bit for bit: a cluster CIDR cut into
 * node blocks of `nodeMaskSize` bits, handed out round-robin.
 *
 * - {@link CidrSet.allocateNext} scans from the block after the one it handed out last (the first block at the
 *   start), wrapping around once, and takes the first free block.
 * - {@link CidrSet.occupy} marks used every node block a CIDR overlaps: all of them for a CIDR as large as the
 *   cluster CIDR or larger, the enclosing block for one smaller than a node block. It is idempotent.
 * - {@link CidrSet.release} frees the same blocks; freeing a free block does nothing.
 * - Neither occupy nor release moves the round-robin position, so a released block is handed out again only when
 *   the scan comes round to it.
 *
 * Strings are read as Kubernetes reads them ({@link parseCIDRSloppy}: `010.244.0.1/16` is `10.244.0.0/16`); Prefix
 * values have their host bits cleared. A call that throws changes nothing.
 *
 * It is built on `@ipam/core`'s `Pool` with the `'sequential'` strategy, whose position after the block handed out
 * last is cidrset's `nextCandidate`; claims and releases do not move it, exactly as occupy and release leave
 * `nextCandidate` alone. Occupy and release take and give back whole aligned runs of node blocks, so their cost
 * grows with how fragmented the run is, not with its size (upstream loops over every block).
 *
 * A node mask shorter than the cluster CIDR's or longer than the family allows is refused with
 * `ERR_K8S_NODE_MASK_INVALID`: upstream's `NewCIDRSet` does not check it (kube-controller-manager refuses such
 * masks before it builds a set, see {@link NodeCidrAllocator}), and would build a set that hands out nothing useful.
 *
 * @throws {@link KubernetesError} from the constructor: `ERR_K8S_INVALID_CIDR` for text Kubernetes does not parse,
 * `ERR_K8S_NODE_MASK_INVALID`, and `ERR_K8S_NODE_MASK_TOO_BIG` (Kubernetes' `ErrCIDRSetSubNetTooBig`) for an IPv6
 * node mask more than 16 bits longer than the cluster CIDR's. IPv4 has no such limit.
 *
 * @example
 * ```ts
 * const set = new CidrSet('10.244.0.0/16', 24);
 * set.maxCIDRs;                          // 256
 * set.allocateNext().toString();         // '10.244.0.0/24'
 * set.occupy('10.244.1.0/24');           // an existing node's pod CIDR
 * set.allocateNext().toString();         // '10.244.2.0/24'
 * set.release('10.244.0.0/24');
 * set.allocateNext().toString();         // '10.244.3.0/24' (the scan goes on; 10.244.0.0/24 comes back after a wrap)
 * set.allocatedCount;                    // 3
 * ```
 */
export class CidrSet {
  readonly #cluster: Prefix;
  readonly #nodeMaskSize: number;
  readonly #max: number;
  readonly #pool: Pool;
  #count = 0;

  /**
   * Creates the set, as Kubernetes' `cidrset.NewCIDRSet` does.
   * @param clusterCIDR - the cluster CIDR (`--cluster-cidr` entry), host bits cleared.
   * @param nodeMaskSize - the prefix length of each node's block (`--node-cidr-mask-size-ipv4/-ipv6`).
   */
  constructor(clusterCIDR: string | Prefix, nodeMaskSize: number) {
    const api = 'new CidrSet';
    const cluster = readCIDR(api, clusterCIDR);
    const w = cluster.addr.bitLength;
    if (typeof nodeMaskSize !== 'number' || !Number.isInteger(nodeMaskSize) || nodeMaskSize < cluster.bits || nodeMaskSize > w) {
      throw new KubernetesError(
        'ERR_K8S_NODE_MASK_INVALID',
        `${api}(${q(clusterCIDR)}, ${q(nodeMaskSize)}): the node mask size must be an integer in ${cluster.bits}…${w} (from the cluster CIDR's mask size to the IPv${cluster.family} length)`,
      );
    }
    if (cluster.family === 6 && nodeMaskSize - cluster.bits > IPV6_MAX_DIFF) {
      throw new KubernetesError(
        'ERR_K8S_NODE_MASK_TOO_BIG',
        `${api}(${q(clusterCIDR)}, ${nodeMaskSize}): ${SUBNET_TOO_BIG} (an IPv6 node mask may be at most ${IPV6_MAX_DIFF} bits longer than the cluster CIDR's /${cluster.bits})`,
      );
    }
    this.#cluster = cluster;
    this.#nodeMaskSize = nodeMaskSize;
    this.#max = maxCIDRsOf(cluster, nodeMaskSize);
    this.#pool = new Pool([cluster], { strategy: 'sequential' });
  }

  /** CidrSet.clusterCIDR is the cluster CIDR, host bits cleared. */
  get clusterCIDR(): Prefix {
    return this.#cluster;
  }

  /** CidrSet.nodeMaskSize is the prefix length of every node block. */
  get nodeMaskSize(): number {
    return this.#nodeMaskSize;
  }

  /**
   * CidrSet.maxCIDRs is the number of node blocks in the cluster CIDR, 2^(nodeMaskSize − cluster mask size), as
   * cidrset's `maxCIDRs`; at most 2^32 (IPv4 `/0` cut into `/32`s), at most 2^16 for IPv6.
   */
  get maxCIDRs(): number {
    return this.#max;
  }

  /** CidrSet.allocatedCount is the number of node blocks in use (allocated or occupied), as cidrset's `allocatedCIDRs`. */
  get allocatedCount(): number {
    return this.#count;
  }

  /** CidrSet.freeCount is the number of node blocks still free: {@link CidrSet.maxCIDRs} − {@link CidrSet.allocatedCount}. */
  get freeCount(): number {
    return this.#max - this.#count;
  }

  /**
   * CidrSet.allocateNext hands out the next free node block, round-robin from the block after the one handed out
   * last, wrapping around, as cidrset's `AllocateNext`.
   * @throws {@link KubernetesError} `ERR_K8S_CIDR_SET_FULL` (Kubernetes' `ErrCIDRRangeNoCIDRsRemaining`) when every
   * block is in use.
   */
  allocateNext(): Prefix {
    if (this.#count === this.#max) {
      throw new KubernetesError(
        'ERR_K8S_CIDR_SET_FULL',
        `CidrSet.allocateNext: ${NO_CIDRS_REMAINING} (all ${this.#max} /${this.#nodeMaskSize} blocks of ${this.#cluster} are in use)`,
      );
    }
    const block = this.#pool.allocatePrefix(this.#nodeMaskSize);
    this.#count++;
    return block;
  }

  /**
   * CidrSet.occupy marks used every node block `cidr` overlaps, as cidrset's `Occupy`: every block for a CIDR as large
   * as the cluster CIDR or larger, the enclosing block for a CIDR smaller than a node block. Blocks already in use
   * stay so and are not counted twice. The round-robin position does not move.
   * @throws {@link KubernetesError} `ERR_K8S_CIDR_OUTSIDE` when `cidr` shares no address with the cluster CIDR;
   * `ERR_K8S_INVALID_CIDR` for text Kubernetes does not parse.
   */
  occupy(cidr: string | Prefix): void {
    const block = this.#covered('CidrSet.occupy', cidr);
    this.#count += this.#fill(block);
  }

  /**
   * CidrSet.release frees every node block `cidr` overlaps (the same blocks as {@link CidrSet.occupy}), as cidrset's
   * `Release`; blocks already free stay so. The round-robin position does not move.
   * @throws {@link KubernetesError} `ERR_K8S_CIDR_OUTSIDE` when `cidr` shares no address with the cluster CIDR;
   * `ERR_K8S_INVALID_CIDR` for text Kubernetes does not parse.
   */
  release(cidr: string | Prefix): void {
    const block = this.#covered('CidrSet.release', cidr);
    this.#count -= this.#clear(block, true);
  }

  /**
   * CidrSet.isUsed reports whether every node block `cidr` overlaps is in use (the blocks {@link CidrSet.occupy}
   * would mark).
   * @throws {@link KubernetesError} as {@link CidrSet.occupy}.
   */
  isUsed(cidr: string | Prefix): boolean {
    return this.#pool.isAllocated(this.#covered('CidrSet.isUsed', cidr));
  }

  /** CidrSet.usedSet returns the addresses of the node blocks in use, as an `IPSet` of `@ipam/core`. */
  usedSet(): IPSet {
    return this.#pool.allocatedSet();
  }

  /** The aligned run of node blocks `cidr` covers, after the checks every entry point shares. */
  #covered(api: string, cidr: string | Prefix): Prefix {
    const p = readCIDR(api, cidr);
    if (!this.#cluster.overlaps(p)) {
      throw new KubernetesError('ERR_K8S_CIDR_OUTSIDE', `${api}(${q(cidr)}): cidr ${p} is out the range of cluster cidr ${this.#cluster}`);
    }
    return coveredBlock(this.#cluster, this.#nodeMaskSize, p);
  }

  /** The number of node blocks in the aligned block p. */
  #blocks(p: Prefix): number {
    return 2 ** (this.#nodeMaskSize - p.bits);
  }

  /** Splits aligned block p into its two halves. */
  static #halves(p: Prefix): [Prefix, Prefix] {
    const lo = p.addr.prefix(p.bits + 1);
    return [lo, lo.next()!];
  }

  #tryClaim(p: Prefix): boolean {
    try {
      this.#pool.claim(p);
      return true;
    } catch (e) {
      if (isPoolError(e, 'ERR_POOL_CONFLICT')) return false;
      throw e;
    }
  }

  #tryRelease(p: Prefix): boolean {
    try {
      this.#pool.release(p);
      return true;
    } catch (e) {
      if (isPoolError(e, 'ERR_POOL_NOT_ALLOCATED')) return false;
      throw e;
    }
  }

  /**
   * Takes every free node block of aligned block p and returns how many it took. The pool's allocations are always
   * whole, aligned runs of node blocks, so a node block is either wholly free or wholly taken.
   */
  #fill(p: Prefix): number {
    if (this.#pool.isAllocated(p)) return 0;
    if (this.#tryClaim(p)) return this.#blocks(p);
    // Partly taken, so larger than a node block: split.
    if (p.bits >= this.#nodeMaskSize) throw new Error(`CidrSet: node block ${p} is split between allocations`); // unreachable
    const [lo, hi] = CidrSet.#halves(p);
    return this.#fill(lo) + this.#fill(hi);
  }

  /**
   * Frees every taken node block of aligned block p and returns how many it freed. At the top call p may lie inside
   * a larger allocation: that one is released and the rest of it taken again, so only p's blocks come free.
   *
   *     allocation  [==========================]   (released, then the siblings on the way down re-taken)
   *     p                         [=====]
   *     re-taken    [============][==]     [==]
   */
  #clear(p: Prefix, top: boolean): number {
    const pool = this.#pool;
    if (pool.isAllocated(p)) {
      if (this.#tryRelease(p)) return this.#blocks(p);
      if (top) {
        // Look for the allocation that holds p: every block between p and it is wholly taken.
        for (let bits = p.bits - 1; bits >= this.#cluster.bits; bits--) {
          const a = p.addr.prefix(bits);
          if (!pool.isAllocated(a)) break;
          if (!this.#tryRelease(a)) continue;
          for (let q = p; q.bits > bits; q = q.addr.prefix(q.bits - 1)) {
            const [lo, hi] = CidrSet.#halves(q.addr.prefix(q.bits - 1));
            pool.claim(lo.equals(q) ? hi : lo);
          }
          return this.#blocks(p);
        }
      }
      // Made of smaller allocations: split.
    } else if (this.#tryClaim(p)) {
      // Wholly free: nothing to release (the probe is undone; claims and releases leave the position alone).
      pool.release(p);
      return 0;
    }
    if (p.bits >= this.#nodeMaskSize) throw new Error(`CidrSet: node block ${p} is split between allocations`); // unreachable
    const [lo, hi] = CidrSet.#halves(p);
    return this.#clear(lo, false) + this.#clear(hi, false);
  }
}
