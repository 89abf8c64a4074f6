/**
 * ip-num's `Pool` as an allocator: `getCidrRange(prefix)` hands out the first block of that size (it scans the
 * pool's ranges in address order and, within a range, the offsets until one is aligned), `add([range])` gives
 * one back, `aggregate()` merges buddies into larger blocks, `removeOverlapping(range)` takes reserved space out.
 *
 * One repair is needed to use it as an allocator at all. `getCidrRange` first calls `getSize()`, which calls
 * `aggregate()`, which calls `toCidrRange()` on every range when there are two or more; a range that is not one
 * CIDR block (such as `10.0.0.1-10.0.0.15`, left over in front of an aligned /28) makes it throw
 * "Given size can't be created via cidr prefix". So `IpNumAllocator` keeps the pool in the one shape ip-num
 * handles: a single range of any shape, or any number of ranges that are each one CIDR block, splitting a range
 * into CIDR blocks (with ip-num's own constructors) when it would break that rule. The repair looks only at the
 * ranges the last call touched, so it adds O(log n) work to ip-num's O(n) per call.
 */
import { type AbstractIPNum, IPv4, IPv4CidrRange, IPv4Prefix, IPv6, IPv6CidrRange, IPv6Prefix, Pool, RangedSet } from 'ip-num';

type Addr = IPv4 | IPv6;
type Cidr = IPv4CidrRange | IPv6CidrRange;
type Range = RangedSet<AbstractIPNum>;
type IpPool = Pool<RangedSet<IPv4> | RangedSet<IPv6>>;

export class IpNumAllocator {
  pool: IpPool;
  readonly #family: 4 | 6;
  readonly #prefixes = new Map<number, IPv4Prefix | IPv6Prefix>();
  /** How many times a leftover range had to be split into CIDR blocks (reported, to show the repair is rare). */
  splits = 0;

  /** A pool over 2^R addresses from `base`, with `reserved` single addresses taken out. */
  constructor(family: 4 | 6, base: bigint, R: number, reserved: readonly bigint[] = []) {
    this.#family = family;
    const last = base + (1n << BigInt(R)) - 1n;
    this.pool = Pool.fromRangeSet([new RangedSet<AbstractIPNum>(this.#addr(base), this.#addr(last))]);
    for (const a of reserved) {
      this.pool.removeOverlapping(RangedSet.fromSingleIP<AbstractIPNum>(this.#addr(a)));
      this.#repairAll();
    }
  }

  /** An allocator whose whole pool is handed out already, and the blocks it handed out (for release benchmarks). */
  static filled(family: 4 | 6, blocks: readonly { start: bigint; k: number }[]): { alloc: IpNumAllocator; handles: Cidr[] } {
    const alloc = new IpNumAllocator(family, 0n, 0);
    alloc.pool = Pool.fromRangeSet([]);
    const handles = blocks.map((b) => alloc.#cidr(b.start, b.k));
    return { alloc, handles };
  }

  #addr(v: bigint): Addr {
    return this.#family === 4 ? IPv4.fromNumber(v) : IPv6.fromBigInt(v);
  }

  #cidr(start: bigint, k: number): Cidr {
    const bits = BigInt((this.#family === 4 ? 32 : 128) - k);
    return this.#family === 4
      ? new IPv4CidrRange(IPv4.fromNumber(start), IPv4Prefix.fromNumber(bits))
      : new IPv6CidrRange(IPv6.fromBigInt(start), IPv6Prefix.fromNumber(bits));
  }

  #prefix(bits: number): IPv4Prefix | IPv6Prefix {
    let p = this.#prefixes.get(bits);
    if (p === undefined) {
      p = this.#family === 4 ? IPv4Prefix.fromNumber(BigInt(bits)) : IPv6Prefix.fromNumber(BigInt(bits));
      this.#prefixes.set(bits, p);
    }
    return p;
  }

  /** allocate hands out the first free block of prefix length `bits` (32 or 128 for one address). */
  allocate(bits: number): Cidr {
    const before = this.pool.getRanges().length;
    const got = this.pool.getCidrRange(this.#prefix(bits) as IPv4Prefix) as Cidr;
    const ranges = this.pool.getRanges();
    if (ranges.length >= 2) {
      if (before <= 1) this.#repairAll();
      else {
        // The leftovers of the range the block came from sit right before and right after it.
        const i = lowerBound(ranges, got.getFirst().getValue());
        this.#repair(ranges[i - 1]);
        this.#repair(ranges[i]);
      }
    }
    return got;
  }

  /** release gives a block back (unmerged: ip-num merges only in {@link settle}). */
  release(block: Cidr): void {
    const before = this.pool.getRanges().length;
    this.pool.add([block.toRangeSet()]);
    if (before === 1) this.#repairAll();
  }

  /** settle merges the free ranges into the largest blocks, as `aggregate()` does; needed before a large request. */
  settle(): void {
    this.pool = this.pool.aggregate();
  }

  #repairAll(): void {
    const ranges = this.pool.getRanges();
    if (ranges.length < 2) return;
    for (const r of [...ranges]) this.#repair(r);
  }

  #repair(r: Range | undefined): void {
    if (r === undefined) return;
    const first = r.getFirst().getValue();
    const size = r.getSize();
    if ((size & (size - 1n)) === 0n && first % size === 0n) return;
    this.splits++;
    this.pool.removeExact(r);
    this.pool.add(cidrBlocks(first, first + size - 1n).map(([start, k]) => this.#cidr(start, k).toRangeSet()));
  }
}

/** The index of the first range that starts at or after v (ranges are sorted and disjoint). */
function lowerBound(ranges: Range[], v: bigint): number {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ranges[mid]!.getFirst().getValue() < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The largest aligned blocks that tile first … last, as [start, k]. */
export function cidrBlocks(first: bigint, last: bigint): [bigint, number][] {
  const out: [bigint, number][] = [];
  let a = first;
  while (a <= last) {
    let k = 0;
    while (a % (1n << BigInt(k + 1)) === 0n && a + (1n << BigInt(k + 1)) - 1n <= last) k++;
    out.push([a, k]);
    a += 1n << BigInt(k);
  }
  return out;
}

/** The block an ip-num CIDR range stands for. */
export function ipNumBlock(c: Cidr, family: 4 | 6): { start: bigint; k: number } {
  return { start: c.getFirst().getValue(), k: (family === 4 ? 32 : 128) - Number(c.getPrefix().getValue()) };
}
