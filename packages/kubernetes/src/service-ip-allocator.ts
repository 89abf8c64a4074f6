import { Addr, type Family, IPRange, Pool, Prefix } from '@ipam/core';
import { KubernetesError } from './kubernetes-error.js';
import {
  addOffsetAddress,
  calculateRangeOffset,
  hostsPerNetwork,
  MAX_INT64,
  quoteInput,
  rangeSize,
  readClusterIP,
  readServiceCIDR,
} from './internal/service-ip-math.js';

/**
 * RandomSource is where {@link ServiceIPAllocator} takes its random choices from: a function returning numbers
 * uniformly distributed in [0, 1), like `Math.random` (the default). Pass {@link seededRandom} for exact,
 * repeatable results.
 *
 * @example
 * ```ts
 * const random: RandomSource = seededRandom(42);
 * random(); // a number in [0, 1), the same one on every platform for seed 42
 * ```
 */
export type RandomSource = () => number;

/**
 * seededRandom returns a deterministic {@link RandomSource}: the mulberry32 generator (a 32-bit state advanced by
 * the Weyl constant 0x6d2b79f5, then mixed), whose outputs are multiples of 2^-32 in [0, 1). It uses only 32-bit
 * integer operations (`Math.imul`, shifts), so a seed gives the same sequence on every JavaScript engine. It is
 * for tests and reproducible simulations, not for cryptography.
 *
 * @param seed - an integer; only its low 32 bits matter (`seed >>> 0`).
 * @throws {@link KubernetesError} `ERR_K8S_INVALID_ARGUMENT` when `seed` is not an integer.
 * @example
 * ```ts
 * const a = seededRandom(42), b = seededRandom(42);
 * a() === b(); // true
 * new ServiceIPAllocator('10.96.0.0/12', { random: seededRandom(42) }).allocate(); // the same address every run
 * ```
 */
export function seededRandom(seed: number): RandomSource {
  if (!Number.isInteger(seed)) {
    throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `seededRandom(${quoteInput(seed)}): the seed must be an integer`);
  }
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * ServiceIPAllocatorKind names the two ClusterIP allocators kube-apiserver has had:
 *
 * - `'ipaddress'`: the ServiceCIDR/IPAddress allocator (`ipallocator.Allocator`, one `IPAddress` object per
 *   ClusterIP), used when the `MultiCIDRServiceAllocator` feature gate is on: alpha in 1.27, beta (off by default) in
 *   1.31, GA and on by default since 1.33, locked on since 1.34. It hands out `hostsPerNetwork` addresses: all but the
 *   network address (and the IPv4 broadcast), so the last IPv6 address is usable; IPv6 ranges shorter than /64 are
 *   refused.
 * - `'bitmap'`: the legacy allocator (`ipallocator.Range` over an `allocator.AllocationBitmap` kept in etcd), the
 *   default up to 1.32. It excludes the network address and the IPv4 broadcast, and counts at most 65536 addresses
 *   of an IPv6 range (network + 1 … network + 65535).
 *
 * In 1.33 kube-apiserver still writes the bitmap too (`DisableAllocatorDualWrite`, off by default until it went GA
 * in 1.34), so a 1.33 cluster also keeps the bitmap's limits.
 */
export type ServiceIPAllocatorKind = 'ipaddress' | 'bitmap';

/** ServiceIPAllocatorOptions configures a {@link ServiceIPAllocator}. */
export interface ServiceIPAllocatorOptions {
  /**
   * ServiceIPAllocatorOptions.allocator chooses the rules; `'ipaddress'` (Kubernetes 1.33 and later) when not given.
   * See {@link ServiceIPAllocatorKind}.
   */
  readonly allocator?: ServiceIPAllocatorKind;
  /** ServiceIPAllocatorOptions.random is the source of the random start of each dynamic allocation; `Math.random` when not given. */
  readonly random?: RandomSource;
  /**
   * ServiceIPAllocatorOptions.allocated are ClusterIPs already in use (from a discovered cluster, say), taken at
   * start as {@link ServiceIPAllocator.allocateSpecific} would take them. An address outside the range or listed
   * twice is an error naming `allocated[i]`; filter with {@link ServiceIPAllocator.contains} first when the list
   * mixes families or ranges.
   */
  readonly allocated?: Iterable<string | Addr>;
}

/** Go's rand.Intn for a bigint bound, read from a RandomSource; see ServiceIPAllocator's doc for the mapping. */
function randomBelow(api: string, random: RandomSource, n: bigint): bigint {
  const draw = (): number => {
    const r = random();
    if (typeof r !== 'number' || !(r >= 0 && r < 1)) {
      throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${api}: the random source returned ${quoteInput(r)}, not a number in [0, 1)`);
    }
    return r;
  };
  if (n <= 0x1_0000_0000n) {
    const v = Math.floor(draw() * Number(n));
    return BigInt(Math.min(v, Number(n) - 1));
  }
  const hi = BigInt(Math.floor(draw() * 4294967296));
  const lo = BigInt(Math.floor(draw() * 4294967296));
  return (((hi << 32n) | lo) * n) >> 64n;
}

/** The position of the lowest set bit of v (its alignment), or `w` for 0. */
function trailingZeros(v: bigint, w: number): number {
  if (v === 0n) return w;
  return (v & -v).toString(2).length - 1;
}

/** floor(log2(n)) for n ≥ 1. */
function log2Floor(n: bigint): number {
  return n.toString(2).length - 1;
}

/**
 * ServiceIPAllocator hands out Service ClusterIPs from one service CIDR exactly as kube-apiserver does, with either
 * of its allocators ({@link ServiceIPAllocatorKind}; `'ipaddress'` by default, as in Kubernetes 1.33 and later).
 *
 * - The network address is never handed out, nor the IPv4 broadcast address; the `'bitmap'` rules also stop an IPv6
 *   range at network + 65535, the `'ipaddress'` rules refuse IPv6 ranges shorter than /64.
 * - KEP-3070 bands: the first {@link serviceIPRangeOffset} addresses after the network address are the static band
 *   ({@link ServiceIPAllocator.staticBand}), the rest the dynamic band. {@link ServiceIPAllocator.allocate} picks a
 *   random start in the dynamic band and takes the first free address scanning forward, wrapping around inside the
 *   band; only when the dynamic band is full does it do the same in the static band.
 *   {@link ServiceIPAllocator.allocateSpecific} takes any free address of either band.
 * - Random starts: Kubernetes draws `rand.Intn(size of the band)`. Here a draw `r` of the {@link RandomSource}
 *   gives `Math.floor(r * n)` for a band of n ≤ 2^32 addresses; larger bands (IPv6 `'ipaddress'` ranges) take two
 *   draws r1, r2 as a 64-bit number v = ⌊r1·2^32⌋·2^32 + ⌊r2·2^32⌋ and start at ⌊v·n / 2^64⌋ (for a dynamic band of
 *   2^63 − 1 or more addresses, where Kubernetes uses `rand.Uint64()`, at v itself, and a start past the band starts
 *   at its beginning, as Kubernetes' `ipIterator` does). The `'bitmap'` rules draw nothing when the range is full;
 *   the `'ipaddress'` rules draw before they find out, as Kubernetes does.
 *
 * Built on the core `Pool`: the pool holds the usable addresses, claims and releases them and counts them;
 * the random-start scan finds the next free address with `Pool.isAllocated` on aligned blocks (a few dozen
 * lookups, whatever the size of the range).
 *
 * Errors are {@link KubernetesError}s named after Kubernetes' own: `ERR_K8S_SERVICE_RANGE_FULL` (ErrFull),
 * `ERR_K8S_SERVICE_IP_ALLOCATED` (ErrAllocated), `ERR_K8S_SERVICE_IP_NOT_IN_RANGE` (ErrNotInRange),
 * `ERR_K8S_SERVICE_RANGE_INVALID` for a range the allocator refuses, `ERR_K8S_INVALID_CIDR` / `ERR_K8S_INVALID_IP`
 * for unreadable input. A call that throws changes nothing.
 *
 * @example
 * ```ts
 * const svc = new ServiceIPAllocator('10.96.0.0/12', { random: seededRandom(42) });
 * svc.allocate().toString();                   // an address in 10.96.1.1 … 10.111.255.254 (the dynamic band)
 * svc.allocateSpecific('10.96.0.10');          // kubeadm's DNS address, in the static band
 * svc.has('10.96.0.10');                       // true
 * svc.release('10.96.0.10');                   // true: it was allocated
 * svc.free();                                  // 1048573n
 * ```
 */
export class ServiceIPAllocator {
  readonly #cidr: Prefix;
  readonly #kind: ServiceIPAllocatorKind;
  readonly #random: RandomSource;
  readonly #rangeOffset: number;
  readonly #size: bigint;
  /** First and last allocatable addresses as bigints, and the first of the dynamic band; meaningless when #size is 0. */
  readonly #lo: bigint;
  readonly #hi: bigint;
  readonly #dyn: bigint;
  readonly #pool: Pool | undefined;

  /**
   * Creates an allocator over `cidr` (a string in CIDR notation or a `Prefix`; host bits are cleared, as
   * kube-apiserver does with `--service-cluster-ip-range`).
   *
   * @throws {@link KubernetesError} `ERR_K8S_INVALID_CIDR` for an unreadable range, `ERR_K8S_SERVICE_RANGE_INVALID`
   * for an IPv6 range shorter than /64 with the `'ipaddress'` rules, `ERR_K8S_INVALID_ARGUMENT` for bad options, and
   * the errors of {@link ServiceIPAllocator.allocateSpecific} (with the path `allocated[i]`) for `options.allocated`.
   * @example
   * ```ts
   * new ServiceIPAllocator('fd00:10:96::/108', { allocator: 'bitmap' }).size; // 65535n: the bitmap caps IPv6 at 2^16
   * new ServiceIPAllocator('fd00:10:96::/108').size;                           // 1048575n
   * ```
   */
  constructor(cidr: string | Prefix, options: ServiceIPAllocatorOptions = {}) {
    const api = 'new ServiceIPAllocator';
    if (options === null || typeof options !== 'object') {
      throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${api}: options must be an object`);
    }
    const prefix = readServiceCIDR(api, cidr);
    const kind = options.allocator ?? 'ipaddress';
    if (kind !== 'ipaddress' && kind !== 'bitmap') {
      throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${api}: allocator must be 'ipaddress' or 'bitmap', got ${quoteInput(kind)}`);
    }
    const random = options.random ?? Math.random;
    if (typeof random !== 'function') {
      throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${api}: random must be a function returning numbers in [0, 1)`);
    }
    if (kind === 'ipaddress' && prefix.family === 6 && prefix.bits < 64) {
      throw new KubernetesError(
        'ERR_K8S_SERVICE_RANGE_INVALID',
        `${api}(${quoteInput(prefix.toString())}): shortest allowed prefix length for service CIDR is 64, got ${prefix.bits}`,
      );
    }
    this.#cidr = prefix;
    this.#kind = kind;
    this.#random = random;
    let size: bigint;
    if (kind === 'bitmap') {
      // ipallocator.New: RangeSize, capped at 2^16 for IPv6, less the IPv4 broadcast, less the network address.
      let max = rangeSize(prefix);
      if (prefix.family === 6 && max > 65536n) max = 65536n;
      if (prefix.family === 4) max--;
      max--;
      size = max < 0n ? 0n : max;
    } else {
      size = hostsPerNetwork(prefix);
    }
    this.#size = size;
    this.#rangeOffset = calculateRangeOffset(prefix);
    this.#lo = prefix.addr.toBigInt() + 1n;
    this.#hi = this.#lo + size - 1n;
    this.#dyn = this.#lo + BigInt(this.#rangeOffset);
    this.#pool = size === 0n ? undefined : new Pool(IPRange.from(this.#at(this.#lo), this.#at(this.#hi)).prefixes());
    if (options.allocated !== undefined) {
      const list = options.allocated;
      if (list === null || typeof list !== 'object' || !(Symbol.iterator in list)) {
        throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${api}: allocated must be an iterable of IP addresses`);
      }
      let i = 0;
      for (const ip of list) {
        this.#claim(api, ip, `allocated[${i}]`);
        i++;
      }
    }
  }

  /** ServiceIPAllocator.cidr is the service range, host bits cleared. */
  get cidr(): Prefix {
    return this.#cidr;
  }

  /** ServiceIPAllocator.family is the range's address family. */
  get family(): Family {
    return this.#cidr.family;
  }

  /** ServiceIPAllocator.allocator names the rules in use, `'ipaddress'` or `'bitmap'` ({@link ServiceIPAllocatorKind}). */
  get allocator(): ServiceIPAllocatorKind {
    return this.#kind;
  }

  /**
   * ServiceIPAllocator.size is how many addresses the allocator can hand out: `hostsPerNetwork` for `'ipaddress'`
   * (up to 2^64 − 1), the bitmap's `max` for `'bitmap'`; 0n for ranges too small to hold any (an IPv4 /31 or /32).
   */
  get size(): bigint {
    return this.#size;
  }

  /** ServiceIPAllocator.rangeOffset is the size of the static band (KEP-3070), as {@link serviceIPRangeOffset} computes it. */
  get rangeOffset(): number {
    return this.#rangeOffset;
  }

  /** ServiceIPAllocator.first is the lowest address that can be handed out (network + 1), or undefined when size is 0. */
  get first(): Addr | undefined {
    return this.#size === 0n ? undefined : this.#at(this.#lo);
  }

  /** ServiceIPAllocator.last is the highest address that can be handed out, or undefined when size is 0. */
  get last(): Addr | undefined {
    return this.#size === 0n ? undefined : this.#at(this.#hi);
  }

  /**
   * ServiceIPAllocator.staticBand is the lower band (KEP-3070), network + 1 … network + rangeOffset, which
   * {@link ServiceIPAllocator.allocate} only uses once the dynamic band is full; undefined when the range is too
   * small to have one (16 addresses or fewer).
   * @example
   * ```ts
   * new ServiceIPAllocator('10.96.0.0/12').staticBand?.toString(); // '10.96.0.1-10.96.1.0'
   * ```
   */
  get staticBand(): IPRange | undefined {
    if (this.#rangeOffset === 0 || this.#size === 0n) return undefined;
    return IPRange.from(this.#at(this.#lo), this.#at(this.#dyn - 1n));
  }

  /**
   * ServiceIPAllocator.dynamicBand is the upper band, where {@link ServiceIPAllocator.allocate} looks first;
   * undefined when the range has no address to hand out.
   * @example
   * ```ts
   * new ServiceIPAllocator('192.168.1.0/24').dynamicBand?.toString(); // '192.168.1.17-192.168.1.254'
   * ```
   */
  get dynamicBand(): IPRange | undefined {
    if (this.#dyn > this.#hi) return undefined;
    return IPRange.from(this.#at(this.#dyn), this.#at(this.#hi));
  }

  /**
   * ServiceIPAllocator.allocate hands out a free address, as kube-apiserver's AllocateNext does: from a random start
   * in the dynamic band, the first free address scanning forward with wrap-around inside the band; only when that
   * band is full, the same in the static band.
   * @throws {@link KubernetesError} `ERR_K8S_SERVICE_RANGE_FULL` when no address is free.
   * @example
   * ```ts
   * const svc = new ServiceIPAllocator('192.168.1.0/24', { random: seededRandom(1) });
   * svc.dynamicBand!.contains(svc.allocate()); // true until the dynamic band is full
   * ```
   */
  allocate(): Addr {
    const api = 'ServiceIPAllocator.allocate';
    const full = (): never => {
      throw new KubernetesError('ERR_K8S_SERVICE_RANGE_FULL', `${api}: range is full (${this.#cidr}, ${this.#size} addresses)`);
    };
    const pool = this.#pool;
    if (pool === undefined) return full();
    const dynSize = this.#hi - this.#dyn + 1n;
    const offset = BigInt(this.#rangeOffset);
    let found: bigint | undefined;
    if (this.#kind === 'bitmap') {
      // allocator.randomScanStrategyWithOffset: nothing is drawn when count >= max.
      if (this.used() >= this.#size) return full();
      const start = this.#dyn + randomBelow(api, this.#random, dynSize);
      found = this.#firstFree(start, this.#hi) ?? this.#firstFree(this.#dyn, start - 1n);
      if (found === undefined) {
        const low = this.#lo + randomBelow(api, this.#random, offset);
        found = this.#firstFree(low, this.#dyn - 1n) ?? this.#firstFree(this.#lo, low - 1n);
      }
    } else {
      // ipallocator.Allocator.allocateNextService.
      const r = dynSize >= MAX_INT64 ? randomBelow(api, this.#random, 1n << 64n) : randomBelow(api, this.#random, dynSize);
      const begin = addOffsetAddress(this.#at(this.#dyn), r);
      if (begin !== undefined) {
        const start = begin.toBigInt() > this.#hi ? this.#dyn : begin.toBigInt();
        found = this.#firstFree(start, this.#hi) ?? this.#firstFree(this.#dyn, start - 1n);
      }
      if (found === undefined && offset !== 0n) {
        const low = this.#lo + randomBelow(api, this.#random, offset);
        found = this.#firstFree(low, this.#dyn - 1n) ?? this.#firstFree(this.#lo, low - 1n);
      }
    }
    if (found === undefined) return full();
    const ip = this.#at(found);
    pool.claim(ip);
    return ip;
  }

  /**
   * ServiceIPAllocator.allocateSpecific takes the given address (a string or an `Addr`), in either band, as
   * kube-apiserver does for a Service that asks for its `clusterIP`, and returns it.
   * @throws {@link KubernetesError} `ERR_K8S_SERVICE_IP_NOT_IN_RANGE` (naming the address and the range) for the
   * network address, the IPv4 broadcast, an address outside the range or of the other family;
   * `ERR_K8S_SERVICE_IP_ALLOCATED` when it is taken; `ERR_K8S_INVALID_IP` when it is not an address.
   * @example
   * ```ts
   * const svc = new ServiceIPAllocator('10.96.0.0/12');
   * svc.allocateSpecific('10.96.0.10').toString(); // '10.96.0.10'
   * svc.allocateSpecific('10.96.0.10');            // throws ERR_K8S_SERVICE_IP_ALLOCATED
   * svc.allocateSpecific('10.112.0.1');            // throws ERR_K8S_SERVICE_IP_NOT_IN_RANGE
   * ```
   */
  allocateSpecific(ip: string | Addr): Addr {
    return this.#claim('ServiceIPAllocator.allocateSpecific', ip, undefined);
  }

  #claim(api: string, input: unknown, path: string | undefined): Addr {
    const where = path === undefined ? {} : { path };
    let ip: Addr;
    try {
      ip = readClusterIP(api, input);
    } catch (e) {
      if (path === undefined) throw e;
      throw new KubernetesError('ERR_K8S_INVALID_IP', (e as KubernetesError).reason, where);
    }
    if (!this.#inRange(ip)) {
      throw new KubernetesError(
        'ERR_K8S_SERVICE_IP_NOT_IN_RANGE',
        `${api}(${quoteInput(ip)}): the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.#cidr}`,
        where,
      );
    }
    if (this.#pool!.isAllocated(ip)) {
      throw new KubernetesError('ERR_K8S_SERVICE_IP_ALLOCATED', `${api}(${quoteInput(ip)}): provided IP is already allocated`, where);
    }
    this.#pool!.claim(ip);
    return ip;
  }

  /**
   * ServiceIPAllocator.release gives an address back and reports whether it was allocated. Like kube-apiserver's
   * Release, it is not an error to release a free address or one outside the range: nothing happens and the result
   * is false.
   * @throws {@link KubernetesError} `ERR_K8S_INVALID_IP` when `ip` is not an address.
   * @example
   * ```ts
   * const svc = new ServiceIPAllocator('10.96.0.0/12');
   * svc.allocateSpecific('10.96.0.10');
   * svc.release('10.96.0.10'); // true
   * svc.release('10.96.0.10'); // false
   * ```
   */
  release(ip: string | Addr): boolean {
    const a = readClusterIP('ServiceIPAllocator.release', ip);
    if (!this.#inRange(a) || !this.#pool!.isAllocated(a)) return false;
    this.#pool!.release(a);
    return true;
  }

  /**
   * ServiceIPAllocator.has reports whether the address is allocated; false outside the range.
   * @throws {@link KubernetesError} `ERR_K8S_INVALID_IP` when `ip` is not an address.
   * @example
   * ```ts
   * new ServiceIPAllocator('10.96.0.0/12', { allocated: ['10.96.0.1'] }).has('10.96.0.1'); // true
   * ```
   */
  has(ip: string | Addr): boolean {
    const a = readClusterIP('ServiceIPAllocator.has', ip);
    return this.#inRange(a) && this.#pool!.isAllocated(a);
  }

  /**
   * ServiceIPAllocator.contains reports whether the address is one the allocator can hand out (in either band),
   * allocated or not: not the network address, not the IPv4 broadcast, not past the `'bitmap'` IPv6 cap.
   * @throws {@link KubernetesError} `ERR_K8S_INVALID_IP` when `ip` is not an address.
   * @example
   * ```ts
   * const svc = new ServiceIPAllocator('192.168.1.0/24');
   * [svc.contains('192.168.1.0'), svc.contains('192.168.1.1'), svc.contains('192.168.1.255')]; // [false, true, false]
   * ```
   */
  contains(ip: string | Addr): boolean {
    return this.#inRange(readClusterIP('ServiceIPAllocator.contains', ip));
  }

  /**
   * ServiceIPAllocator.used counts the allocated addresses.
   * @example
   * ```ts
   * new ServiceIPAllocator('10.96.0.0/12', { allocated: ['10.96.0.1', '10.96.0.10'] }).used(); // 2n
   * ```
   */
  used(): bigint {
    return this.#pool === undefined ? 0n : this.#pool.stats().used;
  }

  /**
   * ServiceIPAllocator.free counts the addresses that can still be handed out: {@link ServiceIPAllocator.size} less
   * {@link ServiceIPAllocator.used}.
   * @example
   * ```ts
   * new ServiceIPAllocator('192.168.1.0/24').free(); // 254n
   * ```
   */
  free(): bigint {
    return this.#size - this.used();
  }

  /**
   * ServiceIPAllocator.forEach calls `fn` with every allocated address, in ascending order, as the bitmap's ForEach does.
   * @example
   * ```ts
   * new ServiceIPAllocator('10.96.0.0/12', { allocated: ['10.96.0.10', '10.96.0.1'] }).forEach((ip) => console.log(`${ip}`));
   * // 10.96.0.1, then 10.96.0.10
   * ```
   */
  forEach(fn: (ip: Addr) => void): void {
    if (this.#pool === undefined) return;
    for (const r of this.#pool.allocatedSet().ranges()) {
      const end = r.last().toBigInt();
      for (let v = r.first().toBigInt(); v <= end; v++) fn(this.#at(v));
    }
  }

  /**
   * ServiceIPAllocator.list returns the allocated addresses in ascending order; pass it as `allocated` to a new
   * allocator to restore this one's state (the bitmap's snapshot and restore).
   * @example
   * ```ts
   * const copy = new ServiceIPAllocator(svc.cidr, { allocator: svc.allocator, allocated: svc.list() });
   * ```
   */
  list(): Addr[] {
    const out: Addr[] = [];
    this.forEach((ip) => out.push(ip));
    return out;
  }

  /** The address with the given numeric value, in the range's family. */
  #at(v: bigint): Addr {
    return Addr.fromBigInt(v, this.#cidr.family);
  }

  /** Whether ip is one of the allocatable addresses. */
  #inRange(ip: Addr): boolean {
    if (this.#size === 0n || ip.family !== this.#cidr.family) return false;
    const v = ip.toBigInt();
    return v >= this.#lo && v <= this.#hi;
  }

  /** Whether every address of the aligned block of 2^k addresses at v is allocated. */
  #taken(v: bigint, k: number): boolean {
    const w = this.#cidr.addr.bitLength;
    return this.#pool!.isAllocated(Prefix.from(this.#at(v), w - k));
  }

  /**
   * The lowest free address in [lo, hi] (inside the pool), or undefined: walk [lo, hi] in the largest aligned blocks
   * it splits into, and descend into the first block that is not wholly allocated, halving it each step.
   */
  #firstFree(lo: bigint, hi: bigint): bigint | undefined {
    const w = this.#cidr.addr.bitLength;
    let cur = lo;
    while (cur <= hi) {
      let k = Math.min(trailingZeros(cur, w), log2Floor(hi - cur + 1n));
      if (!this.#taken(cur, k)) {
        while (k > 0) {
          k--;
          if (this.#taken(cur, k)) cur += 1n << BigInt(k);
        }
        return cur;
      }
      cur += 1n << BigInt(k);
    }
    return undefined;
  }
}
