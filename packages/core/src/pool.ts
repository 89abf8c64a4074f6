import { Addr, type Family } from './addr.js';
import { IPRange } from './ip-range.js';
import { IPSet, IPSetBuilder } from './ip-set.js';
import {
  InvalidArgumentError,

  PoolConflictError,
  PoolExhaustedError,
  PoolNotAllocatedError,
  PoolOutsideError,
  PoolRequestError,
  quote,
} from './ipam-error.js';
import { type Arith, bigArith, bigMask, type MaskOps, numArith, numMask } from './internal/arith.js';
import { OccupancyTree } from './internal/occupancy-tree.js';
import { Prefix } from './prefix.js';
import { summarize } from './summarize.js';

/**
 * PoolStrategy chooses where a {@link Pool} hands out the next block.
 *
 * - `'lowest'`: {@link Pool.allocate} takes the lowest free address; {@link Pool.allocatePrefix} takes the
 *   smallest free block that holds the request (best fit), the lowest such block on a tie, which keeps large
 *   blocks whole for large requests.
 * - `'sequential'`: continue after the block handed out last and wrap around once, as the CNI `host-local`
 *   plugin does with `last_reserved_ip` and kube-controller-manager's node CIDR allocator does with its next
 *   candidate. Releasing does not move the position back.
 */
export type PoolStrategy = 'lowest' | 'sequential';

/** PoolOptions configures a new {@link Pool}. */
export interface PoolOptions {
  /** Addresses, prefixes or ranges (`'a-b'`) of the pool that are never handed out, such as a gateway. */
  reserve?: Iterable<string | Addr | Prefix | IPRange>;
  /** Where the next block comes from; `'lowest'` when not given. */
  strategy?: PoolStrategy;
}

/** AllocateOptions qualifies one request to a {@link Pool}. */
export interface AllocateOptions {
  /** The address family; the pool's first family (IPv4 when it has any) when not given. */
  family?: Family;
  /** A label kept with the allocation, such as `'pod/default/web-0'`; see {@link Pool.ownerOf} and {@link Pool.find}. */
  owner?: string;
}

/** FamilyStats counts the addresses of one family of a {@link Pool}. */
export interface FamilyStats {
  /** Addresses in the pool's prefixes. */
  readonly size: bigint;
  /** Addresses handed out (allocated or claimed). */
  readonly used: bigint;
  /** Addresses that can still be handed out. */
  readonly free: bigint;
  /** Addresses reserved by the pool's options. */
  readonly reserved: bigint;
  /** The largest free aligned block, the lowest one on a tie, or undefined when nothing is free. */
  readonly largestFree: Prefix | undefined;
}

/** PoolStats counts a {@link Pool}'s addresses, in total and per family. */
export interface PoolStats {
  /** Addresses in the pool's prefixes. */
  readonly size: bigint;
  /** Addresses handed out. */
  readonly used: bigint;
  /** Addresses that can still be handed out. */
  readonly free: bigint;
  /** Addresses reserved by the pool's options. */
  readonly reserved: bigint;
  /** The same figures for each family the pool has. */
  readonly families: {
    /** The IPv4 figures, when the pool has IPv4 prefixes. */
    readonly 4?: FamilyStats;
    /** The IPv6 figures, when the pool has IPv6 prefixes. */
    readonly 6?: FamilyStats;
  };
}

/** An owned allocation in {@link PoolJSON}: an address or a prefix and its owner label. */
export interface OwnedAllocationJSON {
  /** The allocation: an address, or a prefix in CIDR notation. */
  readonly value: string;
  /** The owner label. */
  readonly owner: string;
}

/**
 * PoolJSON is what {@link Pool.toJSON} writes and {@link Pool.fromJSON} reads: plain JSON, stable across versions
 * of this major release.
 */
export interface PoolJSON {
  /** The pool's prefixes, summarized. */
  readonly prefixes: readonly string[];
  /** The reserved space, as {@link IPSet.toJSON} writes it. */
  readonly reserve: readonly string[];
  /** The strategy. */
  readonly strategy: PoolStrategy;
  /** The block handed out last, per family present (the `'sequential'` position). */
  readonly last: readonly string[];
  /**
   * The allocations: `'a.b.c.d'` or `'a-b'` for single addresses without owner, `'p/len'` for a prefix handed out
   * as one block, and `{ value, owner }` for either with an owner.
   */
  readonly allocations: readonly (string | OwnedAllocationJSON)[];
}

/** One prefix of the pool and its occupancy tree; offsets are numbers for IPv4 and bigints for IPv6. */
interface Space {
  readonly prefix: Prefix;
  readonly base: number | bigint;
  readonly tree: OccupancyTree<number | bigint, number | bigint>;
}

/** A block of a space: order k (2^k addresses) at offset t. */
interface Block {
  readonly space: Space;
  readonly k: number;
  readonly t: number | bigint;
}

function makeSpace(prefix: Prefix): Space {
  const w = prefix.addr.bitLength;
  const R = w - prefix.bits;
  const ar = (w === 32 ? numArith : bigArith) as Arith<number | bigint>;
  const mk = (R <= 31 ? numMask : bigMask) as MaskOps<number | bigint>;
  const base = w === 32 ? prefix.addr._w3 : prefix.addr.toBigInt();
  return { prefix, base, tree: new OccupancyTree(R, ar, mk) };
}

function offsetOf(space: Space, addr: Addr): number | bigint {
  return typeof space.base === 'number' ? addr._w3 - space.base : addr.toBigInt() - space.base;
}

function addrAt(space: Space, t: number | bigint): Addr {
  return typeof space.base === 'number'
    ? Addr.fromUint32(space.base + (t as number))
    : Addr.fromBigInt(space.base + (t as bigint), 6);
}

function prefixOf(b: Block): Prefix {
  const a = addrAt(b.space, b.t);
  return Prefix._make(a, a.bitLength - b.k);
}

/** The value handed back for a block: an Addr for a single address, a Prefix otherwise. */
function valueOf(b: Block): Addr | Prefix {
  return b.k === 0 ? addrAt(b.space, b.t) : prefixOf(b);
}

function parseTarget(api: string, x: string | Addr | Prefix): Prefix {
  let p: Prefix;
  if (x instanceof Prefix) p = x;
  else if (x instanceof Addr) {
    if (x.zone !== undefined) throw new PoolRequestError(api, `${quote(x.toString())} has a zone; pools hold addresses without zones`);
    p = Prefix._make(x, x.bitLength);
  } else if (typeof x === 'string') p = x.includes('/') ? Prefix.parse(x) : parseTarget(api, Addr.parse(x));
  else throw new InvalidArgumentError(api, `expected an address, a prefix or a string, got ${quote(x)}`);
  if (!p.masked().equals(p)) throw new PoolRequestError(api, `${quote(p.toString())} has host bits set`);
  return p;
}

function checkOwner(api: string, owner: unknown): void {
  if (owner !== undefined && typeof owner !== 'string') throw new InvalidArgumentError(api, `owner must be a string, got ${quote(owner)}`);
}

/**
 * Pool is the address allocator: it hands out addresses and aligned prefixes from a set of IPv4 and IPv6 prefixes,
 * never the same address twice, and takes them back.
 *
 * Each prefix of the pool is a path-compressed binary trie of its taken space, with 32-address bitmaps at the
 * leaves and, at every node, the sizes of the free blocks below it; so every request walks one path from the root,
 * and memory grows with the allocations and their fragmentation, never with the size of the pool: an IPv6 `/48`
 * costs nothing until it is used, a densely filled IPv4 `/8` collapses to a few nodes. Freed space coalesces.
 *
 * A call that throws changes nothing. Errors are {@link PoolExhaustedError}, {@link PoolConflictError},
 * {@link PoolOutsideError}, {@link PoolNotAllocatedError} and {@link PoolRequestError}, each with a stable `code`.
 *
 * @example
 * ```ts
 * const pool = new Pool(['10.244.0.0/16', 'fd00:10:244::/56'], { reserve: ['10.244.0.0/32'] });
 * pool.allocate().toString();                      // '10.244.0.1'
 * pool.allocatePrefix(24).toString();              // '10.244.1.0/24'
 * pool.allocate({ family: 6, owner: 'pod/default/web-0' }).toString(); // 'fd00:10:244::'
 * pool.find('pod/default/web-0').map(String);      // ['fd00:10:244::']
 * ```
 */
export class Pool {
  readonly #spaces: { 4: Space[]; 6: Space[] } = { 4: [], 6: [] };
  readonly #reserved: IPSet;
  readonly #strategy: PoolStrategy;
  /** IPv4 addresses handed out, as a number (exact, and no bigint per allocation). */
  #used4 = 0;
  /** IPv6 addresses handed out. */
  #used6 = 0n;
  readonly #shortest = { 4: 32, 6: 128 };
  readonly #last: { 4?: Block; 6?: Block } = {};
  /** Prefixes handed out as one block but smaller than a bitmap word (an IPv4 /28, say). */
  readonly #small = new Set<string>();
  /** Owners, by the allocation's canonical string (kept here, not in the tree, so that unowned blocks cost less). */
  readonly #owners = new Map<string, string>();
  /** Allocations by owner. */
  readonly #byOwner = new Map<string, Map<string, Addr | Prefix>>();

  /**
   * Creates a pool over the given prefixes (strings in CIDR notation or {@link Prefix} values, which must not
   * overlap; adjacent ones are merged).
   *
   * @throws {@link ParseError} for an unparsable prefix, {@link InvalidArgumentError} for no prefixes,
   * overlapping prefixes, reserved space outside the pool or an unknown strategy.
   */
  constructor(prefixes: Iterable<string | Prefix>, options: PoolOptions = {}) {
    const api = 'new Pool';
    if (prefixes === null || typeof prefixes !== 'object' || !(Symbol.iterator in prefixes)) {
      throw new InvalidArgumentError(api, 'prefixes must be an iterable of prefixes');
    }
    const list: Prefix[] = [];
    for (const p of prefixes) {
      const prefix = typeof p === 'string' ? Prefix.parse(p) : p;
      if (!(prefix instanceof Prefix)) throw new InvalidArgumentError(api, `${quote(p)} is not a prefix`);
      if (!prefix.masked().equals(prefix)) throw new InvalidArgumentError(api, `prefix ${prefix} has host bits set`);
      list.push(prefix);
    }
    if (list.length === 0) throw new InvalidArgumentError(api, 'a pool needs at least one prefix');
    list.sort(Prefix.compare);
    for (let i = 1; i < list.length; i++) {
      if (list[i - 1]!.overlaps(list[i]!)) throw new InvalidArgumentError(api, `prefixes ${list[i - 1]} and ${list[i]} overlap`);
    }
    const strategy = options.strategy ?? 'lowest';
    if (strategy !== 'lowest' && strategy !== 'sequential') {
      throw new InvalidArgumentError(api, `strategy must be 'lowest' or 'sequential', got ${quote(strategy)}`);
    }
    this.#strategy = strategy;
    for (const p of summarize(list)) {
      this.#spaces[p.family].push(makeSpace(p));
      this.#shortest[p.family] = Math.min(this.#shortest[p.family], p.bits);
    }
    const reserved = IPSet.from(options.reserve ?? []);
    const stray = reserved.difference(IPSet.from(list));
    if (!stray.isEmpty()) throw new InvalidArgumentError(api, `reserved ${stray.ranges()[0]} is outside the pool`);
    this.#reserved = reserved;
    for (const p of reserved.prefixes()) {
      const b = this.#locate(p)!;
      b.space.tree.occupy(b.k, b.t, false);
    }
  }

  /** Pool.strategy is the strategy the pool was made with. */
  get strategy(): PoolStrategy {
    return this.#strategy;
  }

  /** Pool.prefixes returns the pool's prefixes, summarized, IPv4 first. */
  prefixes(): Prefix[] {
    return [...this.#spaces[4], ...this.#spaces[6]].map((s) => s.prefix);
  }

  /** Pool.reserved returns the reserved space. */
  reserved(): IPSet {
    return this.#reserved;
  }

  /**
   * Pool.allocate hands out one free address, by the pool's strategy, and returns it.
   * @throws {@link PoolExhaustedError} when no address of the family is free; {@link PoolRequestError} when the
   * pool has no prefix of that family.
   */
  allocate(options: AllocateOptions = {}): Addr {
    return this.#allocate('Pool.allocate', undefined, options) as Addr;
  }

  /**
   * Pool.allocatePrefix hands out a free aligned prefix of length `bits`, by the pool's strategy (best fit for
   * `'lowest'`), and returns it. A request for a single address (/32, /128) is {@link Pool.allocate}'s.
   * @throws {@link PoolExhaustedError} when no such block is free; {@link PoolRequestError} for a family the pool
   * lacks or a length shorter than every prefix of the pool in that family.
   */
  allocatePrefix(bits: number, options: AllocateOptions = {}): Prefix {
    const v = this.#allocate('Pool.allocatePrefix', bits, options);
    return v instanceof Addr ? Prefix._make(v, v.bitLength) : v;
  }

  #allocate(api: string, bits: number | undefined, options: AllocateOptions): Addr | Prefix {
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError(api, 'options must be an object');
    const family = options.family ?? (this.#spaces[4].length > 0 ? 4 : 6);
    if (family !== 4 && family !== 6) throw new InvalidArgumentError(api, `family must be 4 or 6, got ${quote(family)}`);
    checkOwner(api, options.owner);
    const spaces = this.#spaces[family];
    if (spaces.length === 0) throw new PoolRequestError(api, `the pool has no IPv${family} prefix`);
    const w = family === 4 ? 32 : 128;
    bits ??= w;
    if (!Number.isInteger(bits) || bits < 0 || bits > w) {
      throw new InvalidArgumentError(api, `prefix length ${quote(bits)} is not an integer in 0…${w}`);
    }
    const shortest = this.#shortest[family];
    if (bits < shortest) throw new PoolRequestError(api, `/${bits} is shorter than every IPv${family} prefix of the pool (the shortest is /${shortest})`);
    const k = w - bits;
    if (k === 0 && this.#strategy === 'lowest') {
      // One descent: find the lowest free address and take it.
      for (const space of spaces) {
        const t = space.tree.takeFirst(0);
        if (t === undefined) continue;
        const block: Block = { space, k, t };
        this.#took(block, options.owner);
        this.#last[family] = block;
        return valueOf(block);
      }
      throw new PoolExhaustedError(api, family, bits);
    }
    const block = this.#find(spaces, family, k);
    if (block === undefined) throw new PoolExhaustedError(api, family, bits);
    this.#take(block, options.owner);
    this.#last[family] = block;
    return valueOf(block);
  }

  /** The next free block of order k by the strategy (best fit for 'lowest'), or undefined. */
  #find(spaces: Space[], family: Family, k: number): Block | undefined {
    if (this.#strategy === 'sequential') {
      const at = this.#last[family];
      let i = 0;
      if (at !== undefined) {
        i = spaces.indexOf(at.space);
        const ar = at.space.tree.ar;
        const t = at.space.tree.nextFit(k, ar.add(at.t, ar.pow2(at.k)));
        if (t !== undefined) return { space: at.space, k, t };
        i++;
      }
      // Then the following prefixes, then wrap around to the first, the one last used included.
      for (let n = 0; n < spaces.length; n++) {
        const space = spaces[(i + n) % spaces.length]!;
        const t = space.tree.firstFit(k);
        if (t !== undefined) return { space, k, t };
      }
      return undefined;
    }
    // 'lowest' for a single address never comes here: #allocate takes it with takeFirst in one descent.
    let best: Space | undefined;
    let bestOrder = Infinity;
    for (const space of spaces) {
      const j = space.tree.mk.lowestAtLeast(space.tree.rootMask(), k);
      if (j >= 0 && j < bestOrder) {
        best = space;
        bestOrder = j;
      }
    }
    return best === undefined ? undefined : { space: best, k, t: best.tree.exact(bestOrder) };
  }

  /** Adds (sign 1) or removes (sign −1) a block of 2^k addresses to the family's count of handed-out addresses. */
  #count(family: Family, k: number, sign: 1 | -1): void {
    if (family === 4) this.#used4 += sign * 2 ** k;
    else this.#used6 += BigInt(sign) << BigInt(k);
  }

  /** Marks a free block taken and records it. */
  #take(b: Block, owner: string | undefined): void {
    b.space.tree.occupy(b.k, b.t, b.k > 0);
    this.#took(b, owner);
  }

  /** Records block b, which the tree already marks taken. */
  #took(b: Block, owner: string | undefined): void {
    const { tree } = b.space;
    const unit = b.k > 0;
    const family = b.space.prefix.family;
    this.#count(family, b.k, 1);
    if (unit && b.k < tree.wo) this.#small.add(prefixOf(b).toString());
    if (owner !== undefined) {
      const v = valueOf(b);
      const key = v.toString();
      this.#owners.set(key, owner);
      let mine = this.#byOwner.get(owner);
      if (mine === undefined) this.#byOwner.set(owner, (mine = new Map()));
      mine.set(key, v);
    }
  }

  /**
   * Pool.claim takes a specific address or prefix (a string, {@link Addr} or {@link Prefix}) and returns it as an
   * Addr or a Prefix. A prefix is one allocation, released as a whole.
   * @throws {@link PoolOutsideError} when it is not inside one prefix of the pool; {@link PoolConflictError} when
   * any of it is allocated or reserved; {@link ParseError} for an unparsable string.
   */
  claim(x: string | Addr | Prefix, options: { owner?: string } = {}): Addr | Prefix {
    const api = 'Pool.claim';
    const p = parseTarget(api, x);
    checkOwner(api, options?.owner);
    const b = this.#locate(p);
    if (b === undefined) throw new PoolOutsideError(api, p.isSingleIP() ? p.addr.toString() : p.toString());
    const input = (): string => valueOf(b).toString();
    if (this.#reserved.overlapsPrefix(p)) throw new PoolConflictError(api, input(), 'reserved', this.#reserved.intersect(IPSet.from([p])).ranges()[0]?.toString());
    const s = b.space.tree.state(b.k, b.t);
    if (s.kind !== 'free') {
      const conflict = this.#conflict(b);
      throw new PoolConflictError(api, input(), conflict === undefined ? 'already allocated' : `overlaps allocation ${conflict}`, conflict);
    }
    this.#take(b, options?.owner);
    return valueOf(b);
  }

  /** Names the one allocation in the way of block b, when there is one. */
  #conflict(b: Block): string | undefined {
    const unit = b.space.tree.unitAt(b.k, b.t);
    if (unit !== undefined) return prefixOf({ space: b.space, k: unit.o, t: unit.off }).toString();
    const p = prefixOf(b);
    for (const key of this.#small) if (Prefix.parse(key).overlaps(p)) return key;
    if (b.k === 0) return p.addr.toString();
    return undefined;
  }

  /**
   * Pool.release gives back an allocation: an address handed out alone, or a prefix handed out as one block.
   * @throws {@link PoolNotAllocatedError} when it is not an allocation (free, reserved, or part of a larger
   * allocation); {@link PoolOutsideError} when it is outside the pool.
   */
  release(x: string | Addr | Prefix): void {
    const api = 'Pool.release';
    const p = parseTarget(api, x);
    const b = this.#locate(p);
    if (b === undefined) throw new PoolOutsideError(api, p.isSingleIP() ? p.addr.toString() : p.toString());
    const { tree } = b.space;
    // Fast path: a single address handed out alone, when no small prefix and no owner label exists (no strings).
    if (b.k === 0 && this.#small.size === 0 && this.#owners.size === 0 && !this.#reserved.overlapsPrefix(p) && tree.state(0, b.t).kind === 'full') {
      tree.vacate(0, b.t);
      this.#count(p.family, 0, -1);
      return;
    }
    const value = valueOf(b);
    const key = value.toString();
    if (this.#reserved.overlapsPrefix(p)) throw new PoolNotAllocatedError(api, key, 'reserved, not allocated');
    const whole = this.#allocationAt(b);
    if (whole === undefined || whole !== key) {
      throw new PoolNotAllocatedError(api, key, whole === undefined ? 'not allocated' : `part of allocation ${whole}; release that`);
    }
    const owner = this.#owners.get(key);
    tree.vacate(b.k, b.t);
    this.#count(p.family, b.k, -1);
    this.#small.delete(key);
    this.#owners.delete(key);
    if (owner !== undefined) {
      const mine = this.#byOwner.get(owner)!;
      mine.delete(key);
      if (mine.size === 0) this.#byOwner.delete(owner);
    }
  }

  /**
   * The allocation that holds block b, as its canonical string: the block itself when b is one allocation,
   * a larger prefix when b lies inside one, or undefined when b is not wholly allocated.
   */
  #allocationAt(b: Block): string | undefined {
    const { tree } = b.space;
    const unit = tree.unitAt(b.k, b.t);
    if (unit !== undefined) return prefixOf({ space: b.space, k: unit.o, t: unit.off }).toString();
    const p = prefixOf(b);
    // A small prefix allocation lives in a bitmap word; look for it by its possible lengths.
    for (let k = 1; k < tree.wo; k++) {
      if (k < b.k) continue;
      const key = p.addr.prefix(p.addr.bitLength - k).toString();
      if (this.#small.has(key)) return key;
    }
    if (b.k === 0 && tree.isTaken(0, b.t)) return p.addr.toString();
    return undefined;
  }

  /**
   * Pool.ownerOf returns the owner label of the allocation that holds `x` (an address inside an allocated prefix
   * gets that prefix's owner), or undefined when it has none or is not allocated.
   */
  ownerOf(x: string | Addr | Prefix): string | undefined {
    const p = parseTarget('Pool.ownerOf', x);
    const b = this.#locate(p);
    if (b === undefined || this.#reserved.overlapsPrefix(p)) return undefined;
    const key = this.#allocationAt(b);
    if (key === undefined) return undefined;
    return this.#owners.get(key);
  }

  /** Pool.find returns the allocations with the given owner label, in address order: Addr for single addresses, Prefix for prefixes. */
  find(owner: string): (Addr | Prefix)[] {
    const mine = this.#byOwner.get(owner);
    if (mine === undefined) return [];
    return [...mine.values()].sort((a, b) => {
      const pa = a instanceof Addr ? Prefix._make(a, a.bitLength) : a;
      const pb = b instanceof Addr ? Prefix._make(b, b.bitLength) : b;
      return pa.compare(pb);
    });
  }

  /** Pool.isAllocated reports whether every address of `x` is handed out (not free, not reserved). Outside the pool it is false. */
  isAllocated(x: string | Addr | Prefix): boolean {
    const p = parseTarget('Pool.isAllocated', x);
    const b = this.#locate(p);
    if (b === undefined || this.#reserved.overlapsPrefix(p)) return false;
    return b.space.tree.isTaken(b.k, b.t);
  }

  /** Pool.stats counts the pool's addresses (size, used, free, reserved) in total and per family, with the largest free block. */
  stats(): PoolStats {
    const families: { 4?: FamilyStats; 6?: FamilyStats } = {};
    let size = 0n;
    let used = 0n;
    let reserved = 0n;
    for (const family of [4, 6] as const) {
      const spaces = this.#spaces[family];
      if (spaces.length === 0) continue;
      const fsize = spaces.reduce((n, s) => n + s.prefix.size, 0n);
      const fres = this.#reserved.sizeOf(family);
      const fused = family === 4 ? BigInt(this.#used4) : this.#used6;
      families[family] = { size: fsize, used: fused, free: fsize - fused - fres, reserved: fres, largestFree: this.#largestFree(spaces) };
      size += fsize;
      used += fused;
      reserved += fres;
    }
    return { size, used, free: size - used - reserved, reserved, families };
  }

  #largestFree(spaces: Space[]): Prefix | undefined {
    let best: Space | undefined;
    let order = -1;
    for (const s of spaces) {
      const j = s.tree.mk.highest(s.tree.rootMask());
      if (j > order) {
        order = j;
        best = s;
      }
    }
    return best === undefined ? undefined : prefixOf({ space: best, k: order, t: best.tree.exact(order) });
  }

  /** Pool.freeSet returns the addresses that can still be handed out. */
  freeSet(): IPSet {
    const b = new IPSetBuilder();
    for (const s of [...this.#spaces[4], ...this.#spaces[6]]) {
      s.tree.walk((lo, hi) => b.addRange(IPRange.from(addrAt(s, lo), addrAt(s, hi))));
    }
    return b.build();
  }

  /** Pool.allocatedSet returns the addresses handed out. */
  allocatedSet(): IPSet {
    return IPSet.from(this.prefixes()).difference(this.freeSet()).difference(this.#reserved);
  }

  /** Finds the space that holds prefix p, and p's block in it. */
  #locate(p: Prefix): Block | undefined {
    for (const space of this.#spaces[p.family]) {
      if (space.prefix.containsPrefix(p)) return { space, k: p.addr.bitLength - p.bits, t: offsetOf(space, p.addr) };
    }
    return undefined;
  }

  /** Pool.toJSON writes the whole state of the pool, the `'sequential'` position included; see {@link PoolJSON}. */
  toJSON(): PoolJSON {
    const allocations: (string | OwnedAllocationJSON)[] = [];
    const blocks = new IPSetBuilder();
    const add = (v: Addr | Prefix, owner: string | undefined): void => {
      const value = v.toString();
      allocations.push(owner === undefined ? value : { value, owner });
    };
    for (const s of [...this.#spaces[4], ...this.#spaces[6]]) {
      s.tree.walk(
        () => {},
        (x) => {
          const p = prefixOf({ space: s, k: x.o, t: x.off });
          blocks.addPrefix(p);
          add(p, this.#owners.get(p.toString()));
        },
      );
    }
    for (const key of this.#small) {
      const p = Prefix.parse(key);
      blocks.addPrefix(p);
      add(p, this.#owners.get(key));
    }
    for (const [key, owner] of this.#owners) {
      if (key.includes('/')) continue; // prefixes were written above
      const a = Addr.parse(key);
      blocks.add(a);
      add(a, owner);
    }
    for (const r of this.allocatedSet().difference(blocks.build()).ranges()) {
      allocations.push(r.size === 1n ? r.first().toString() : r.toString());
    }
    return {
      prefixes: this.prefixes().map(String),
      reserve: this.#reserved.toJSON(),
      strategy: this.#strategy,
      last: [this.#last[4], this.#last[6]].filter((b) => b !== undefined).map((b) => prefixOf(b).toString()),
      allocations,
    };
  }

  /**
   * Pool.fromJSON rebuilds a pool from what {@link Pool.toJSON} wrote; the result behaves exactly as the original.
   * @throws {@link InvalidArgumentError} or {@link ParseError} for malformed input, and the errors of
   * {@link Pool.claim} for allocations that do not fit.
   */
  static fromJSON(json: PoolJSON): Pool {
    const api = 'Pool.fromJSON';
    if (json === null || typeof json !== 'object') throw new InvalidArgumentError(api, 'expected an object');
    for (const field of ['prefixes', 'reserve', 'last', 'allocations'] as const) {
      if (!Array.isArray(json[field])) throw new InvalidArgumentError(api, `${field} must be an array`);
    }
    const pool = new Pool(json.prefixes, { reserve: json.reserve, strategy: json.strategy });
    json.allocations.forEach((a, i) => {
      if (typeof a === 'string') {
        if (a.includes('-')) {
          for (const p of IPRange.parse(a).prefixes()) pool.#claimSingles(api, p);
        } else if (a.includes('/')) pool.claim(a);
        else pool.claim(Addr.parse(a));
      } else if (a !== null && typeof a === 'object' && typeof a.value === 'string' && typeof a.owner === 'string') {
        pool.claim(a.value, { owner: a.owner });
      } else {
        throw new InvalidArgumentError(api, `allocations[${i}] must be a string or { value, owner }`);
      }
    });
    for (const s of json.last) {
      if (typeof s !== 'string') throw new InvalidArgumentError(api, 'last must hold prefixes');
      const p = Prefix.parse(s);
      const b = pool.#locate(p);
      if (b === undefined) throw new InvalidArgumentError(api, `last ${p} is outside the pool`);
      pool.#last[p.family] = b;
    }
    return pool;
  }

  /** Claims every address of p as single addresses (for ranges in JSON). */
  #claimSingles(api: string, p: Prefix): void {
    const b = this.#locate(p);
    if (b === undefined) throw new PoolOutsideError(api, p.toString());
    if (this.#reserved.overlapsPrefix(p) || b.space.tree.state(b.k, b.t).kind !== 'free') {
      throw new PoolConflictError(api, p.toString(), 'already allocated or reserved');
    }
    b.space.tree.occupy(b.k, b.t, false);
    this.#count(p.family, b.k, 1);
  }
}

