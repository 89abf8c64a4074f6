import { Addr, type Family } from './addr.js';
import { IPRange } from './ip-range.js';
import { InvalidArgumentError, quote } from './ipam-error.js';
import {
  type Bounds,
  combine,
  coverAll,
  covers,
  DIFFERENCE,
  INTERSECTION,
  meets,
  merge,
  type Op,
  rank,
  type Space,
  UNION,
  V4,
  V6,
  type Value,
} from './internal/intervals.js';
import { Prefix } from './prefix.js';

/**
 * IPSet is an immutable set of IPv4 and IPv6 addresses, in the manner of go4.org/netipx's `IPSet`.
 *
 * Build one with {@link IPSetBuilder} or {@link IPSet.from}, and combine sets with {@link IPSet.union},
 * {@link IPSet.intersect} and {@link IPSet.difference}. A set is always normalized: per family, sorted and
 * disjoint ranges with a gap between any two, so equal sets have equal {@link IPSet.ranges},
 * {@link IPSet.prefixes} and JSON. Sets hold no zones. Sizes are exact bigints, up to 2^32 + 2^128.
 *
 * @example
 * ```ts
 * const set = new IPSetBuilder()
 *   .addPrefix(Prefix.parse('10.0.0.0/8'))
 *   .removePrefix(Prefix.parse('10.96.0.0/12'))
 *   .build();
 * set.prefixes().map(String); // ['10.0.0.0/10', '10.64.0.0/11', '10.112.0.0/12', '10.128.0.0/9']
 * set.contains(Addr.parse('10.100.0.1')); // false
 * ```
 */
export class IPSet {
  /** @internal The IPv4 addresses as a boundary list (see internal/intervals.ts). */
  readonly _v4: Bounds<number>;
  /** @internal The IPv6 addresses as a boundary list. */
  readonly _v6: Bounds<bigint>;

  static readonly #EMPTY = new IPSet([], []);

  private constructor(v4: Bounds<number>, v6: Bounds<bigint>) {
    this._v4 = v4;
    this._v6 = v6;
  }

  /** @internal Builds a set from boundary lists, which it then owns; nothing may change them afterwards. */
  static _make(v4: Bounds<number>, v6: Bounds<bigint>): IPSet {
    return new IPSet(v4, v6);
  }

  /** IPSet.empty returns the set with no addresses. */
  static empty(): IPSet {
    return IPSet.#EMPTY;
  }

  /**
   * IPSet.from makes the set of all the given items: addresses, prefixes (host bits cleared), ranges, and
   * strings, read as a range when they have a `-` (`10.0.0.1-10.0.0.6`), as a prefix when they have a `/`
   * (`10.0.0.0/8`) and as an address otherwise.
   *
   * @throws {@link ParseError} from {@link IPRange.parse}, {@link Prefix.parse} or {@link Addr.parse} for a
   * malformed string; {@link InvalidArgumentError} for an address with a zone or an item of another type.
   */
  static from(items: Iterable<Addr | Prefix | IPRange | string>): IPSet {
    const b = new IPSetBuilder();
    for (const x of items) {
      if (typeof x === 'string') {
        if (x.includes('-')) b.addRange(IPRange.parse(x));
        else if (x.includes('/')) b.addPrefix(Prefix.parse(x));
        else b.add(Addr.parse(x));
      } else if (x instanceof Addr) b.add(x);
      else if (x instanceof Prefix) b.addPrefix(x);
      else if (x instanceof IPRange) b.addRange(x);
      else throw new InvalidArgumentError('IPSet.from', `${quote(x)} is not an address, prefix, range or string`);
    }
    return b.build();
  }

  /**
   * IPSet.fromJSON reads the strings that {@link IPSet.toJSON} writes; any list that {@link IPSet.from}
   * accepts as strings will do.
   * @throws {@link InvalidArgumentError} when `json` is not an array of strings.
   */
  static fromJSON(json: readonly string[]): IPSet {
    if (!Array.isArray(json) || !json.every((s) => typeof s === 'string')) {
      throw new InvalidArgumentError('IPSet.fromJSON', `expected an array of strings, got ${quote(json)}`);
    }
    return IPSet.from(json);
  }

  /** IPSet.size is the number of addresses in the set, both families together, as an exact bigint. */
  get size(): bigint {
    return V4.count(this._v4) + V6.count(this._v6);
  }

  /**
   * IPSet.sizeOf returns the number of addresses of one family in the set.
   * @throws {@link InvalidArgumentError} when `family` is not 4 or 6.
   */
  sizeOf(family: Family): bigint {
    checkFamily('IPSet.sizeOf', family);
    return family === 4 ? V4.count(this._v4) : V6.count(this._v6);
  }

  /** IPSet.isEmpty reports whether the set has no addresses. */
  isEmpty(): boolean {
    return this._v4.length === 0 && this._v6.length === 0;
  }

  /**
   * IPSet.contains reports whether the address is in the set, by binary search. An address with a zone is
   * never contained, as sets hold no zones; an IPv4-mapped IPv6 address is not an IPv4 address.
   */
  contains(addr: Addr): boolean {
    if (addr._z !== undefined) return false;
    return ((addr._f === 4 ? rank(this._v4, addr._w3) : rank(this._v6, addr.toBigInt())) & 1) === 1;
  }

  /** IPSet.containsPrefix reports whether every address of the prefix (host bits cleared) is in the set. */
  containsPrefix(p: Prefix): boolean {
    return p._a._f === 4 ? covers(this._v4, ...V4.ofPrefix(p)) : covers(this._v6, ...V6.ofPrefix(p));
  }

  /** IPSet.containsRange reports whether every address of the range is in the set. */
  containsRange(r: IPRange): boolean {
    const { _first: a, _last: z } = r;
    return a._f === 4 ? covers(this._v4, ...V4.ofRange(a, z)) : covers(this._v6, ...V6.ofRange(a, z));
  }

  /** IPSet.containsSet reports whether every address of `other` is in this set; the empty set is in every set. */
  containsSet(other: IPSet): boolean {
    return other.#combine(this, DIFFERENCE).isEmpty();
  }

  /** IPSet.overlapsPrefix reports whether any address of the prefix (host bits cleared) is in the set. */
  overlapsPrefix(p: Prefix): boolean {
    return p._a._f === 4 ? meets(this._v4, ...V4.ofPrefix(p)) : meets(this._v6, ...V6.ofPrefix(p));
  }

  /** IPSet.overlapsRange reports whether any address of the range is in the set. */
  overlapsRange(r: IPRange): boolean {
    const { _first: a, _last: z } = r;
    return a._f === 4 ? meets(this._v4, ...V4.ofRange(a, z)) : meets(this._v6, ...V6.ofRange(a, z));
  }

  /** IPSet.overlapsSet reports whether the two sets share any address. It is symmetric. */
  overlapsSet(other: IPSet): boolean {
    return !this.#combine(other, INTERSECTION).isEmpty();
  }

  /**
   * IPSet.ranges returns the fewest ranges that make up the set: sorted, IPv4 first, with a gap between any
   * two ranges.
   */
  ranges(): IPRange[] {
    return pushRanges(V6, this._v6, pushRanges(V4, this._v4, []));
  }

  /**
   * IPSet.prefixes returns the fewest prefixes that make up the set, sorted, IPv4 first: each range of
   * {@link IPSet.ranges} as {@link IPRange.prefixes} splits it.
   */
  prefixes(): Prefix[] {
    return coverAll(V6, this._v6, coverAll(V4, this._v4, []));
  }

  /** IPSet.union returns the set of the addresses in either set. */
  union(other: IPSet): IPSet {
    return this.#combine(other, UNION);
  }

  /** IPSet.intersect returns the set of the addresses in both sets. */
  intersect(other: IPSet): IPSet {
    return this.#combine(other, INTERSECTION);
  }

  /** IPSet.difference returns the set of the addresses in this set but not in `other`. */
  difference(other: IPSet): IPSet {
    return this.#combine(other, DIFFERENCE);
  }

  #combine(other: IPSet, op: Op): IPSet {
    return new IPSet(combine(this._v4, other._v4, op), combine(this._v6, other._v6, op));
  }

  /** IPSet.equals reports whether the two sets hold the same addresses. */
  equals(other: IPSet): boolean {
    return sameBounds(this._v4, other._v4) && sameBounds(this._v6, other._v6);
  }

  /**
   * IPSet.removeFreePrefix finds the lowest-addressed prefix of length `bits` and the given family that lies
   * wholly inside the set, and returns it with the rest of the set; it returns undefined when there is none.
   * This is the allocation step of go4.org/netipx's `IPSet.RemoveFreePrefix`, except that netipx takes the
   * smallest free block that fits (best fit) where this takes the lowest address (first fit):
   *
   * ```text
   *   set    10.0.0.0/24 ∪ 10.0.1.0/30      removeFreePrefix(30, 4)
   *          [0 ……………… 255][256 … 259]      first fit (here): 10.0.0.0/30    best fit (netipx): 10.0.1.0/30
   * ```
   * @throws {@link InvalidArgumentError} when `family` is not 4 or 6 or `bits` is not an integer in 0 … 32 (IPv4)
   * or 0 … 128 (IPv6).
   */
  removeFreePrefix(
    bits: number,
    family: Family,
  ):
    | {
        /** prefix is the free prefix, taken out of the set. */
        prefix: Prefix;
        /** rest is the set without the prefix. */
        rest: IPSet;
      }
    | undefined {
    checkFamily('IPSet.removeFreePrefix', family);
    const max = family === 4 ? 32 : 128;
    if (!Number.isInteger(bits) || bits < 0 || bits > max) {
      throw new InvalidArgumentError('IPSet.removeFreePrefix', `prefix length ${quote(bits)} is not an integer in 0…${max}`);
    }
    const prefix = family === 4 ? V4.firstFree(this._v4, bits) : V6.firstFree(this._v6, bits);
    if (prefix === undefined) return undefined;
    const rest =
      family === 4
        ? new IPSet(combine(this._v4, V4.ofPrefix(prefix), DIFFERENCE), this._v6)
        : new IPSet(this._v4, combine(this._v6, V6.ofPrefix(prefix), DIFFERENCE));
    return { prefix, rest };
  }

  /**
   * IPSet.toJSON writes the set as a list of strings, one per range of {@link IPSet.ranges} in order: in CIDR
   * notation when the range is exactly one prefix (`10.0.0.0/8`, `10.0.0.7/32`), as `first-last` otherwise
   * (`10.0.0.1-10.0.0.6`). {@link IPSet.fromJSON} reads it back.
   */
  toJSON(): string[] {
    return this.ranges().map((r) => (r.prefix() ?? r).toString());
  }

  /** IPSet.toString writes the strings of {@link IPSet.toJSON} separated by `, `; the empty set is `''`. */
  toString(): string {
    return this.toJSON().join(', ');
  }
}

/**
 * IPSetBuilder builds an {@link IPSet}: a mutable, chainable scratch set, in the manner of go4.org/netipx's
 * `IPSetBuilder`. Every method but {@link IPSetBuilder.build} changes the builder and returns it.
 *
 * Changes apply in order: a removal removes only what was added before it. Additions and removals are
 * collected and normalized in batches, so adding many items costs one sort, not one merge per item.
 * `build()` takes a snapshot; the builder stays usable and later changes do not reach sets already built.
 *
 * @example
 * ```ts
 * const set = new IPSetBuilder().addPrefix(Prefix.parse('10.0.0.0/24')).remove(Addr.parse('10.0.0.0')).build();
 * set.ranges().map(String); // ['10.0.0.1-10.0.0.255']
 * ```
 */
export class IPSetBuilder {
  readonly #v4 = new Draft(V4);
  readonly #v6 = new Draft(V6);

  /**
   * IPSetBuilder.add adds the address.
   * @throws {@link InvalidArgumentError} when the address has a zone: sets hold no zones.
   */
  add(addr: Addr): this {
    checkZone('IPSetBuilder.add', addr);
    this.#draft(addr._f).add(addr);
    return this;
  }

  /** IPSetBuilder.addPrefix adds every address of the prefix, host bits cleared. */
  addPrefix(p: Prefix): this {
    this.#draft(p._a._f).add(p);
    return this;
  }

  /** IPSetBuilder.addRange adds every address of the range. */
  addRange(r: IPRange): this {
    this.#draft(r._first._f).add(r);
    return this;
  }

  /** IPSetBuilder.addSet adds every address of the set. */
  addSet(s: IPSet): this {
    this.#v4.addSet(s._v4);
    this.#v6.addSet(s._v6);
    return this;
  }

  /**
   * IPSetBuilder.remove removes the address.
   * @throws {@link InvalidArgumentError} when the address has a zone: sets hold no zones.
   */
  remove(addr: Addr): this {
    checkZone('IPSetBuilder.remove', addr);
    this.#draft(addr._f).remove(addr);
    return this;
  }

  /** IPSetBuilder.removePrefix removes every address of the prefix, host bits cleared. */
  removePrefix(p: Prefix): this {
    this.#draft(p._a._f).remove(p);
    return this;
  }

  /** IPSetBuilder.removeRange removes every address of the range. */
  removeRange(r: IPRange): this {
    this.#draft(r._first._f).remove(r);
    return this;
  }

  /** IPSetBuilder.removeSet removes every address of the set. */
  removeSet(s: IPSet): this {
    this.#v4.removeSet(s._v4);
    this.#v6.removeSet(s._v6);
    return this;
  }

  /** IPSetBuilder.intersect keeps only the addresses that are also in the set. */
  intersect(s: IPSet): this {
    this.#v4.intersect(s._v4);
    this.#v6.intersect(s._v6);
    return this;
  }

  /**
   * IPSetBuilder.complement replaces the contents with every other address of both families, as netipx does:
   * the complement of an IPv4-only set holds all of IPv6.
   */
  complement(): this {
    this.#v4.complement();
    this.#v6.complement();
    return this;
  }

  /** IPSetBuilder.build returns the current contents as an immutable, normalized {@link IPSet}. */
  build(): IPSet {
    return IPSet._make(this.#v4.bounds(), this.#v6.bounds());
  }

  #draft(f: Family): Draft<number> | Draft<bigint> {
    return f === 4 ? this.#v4 : this.#v6;
  }
}

/**
 * Draft is one family's part of an IPSetBuilder: a normalized boundary list plus the additions and then the
 * removals made since it was last normalized. An addition after a removal normalizes first, which keeps the
 * order of changes. Normalizing sorts only the pending changes and merges them into the list in one pass.
 * Boundary lists are replaced, never changed, so built sets can share them.
 */
class Draft<T extends Value> {
  readonly #space: Space<T>;
  #set: Bounds<T> = [];
  readonly #added: Pending<T> = { starts: [], ends: [] };
  readonly #removed: Pending<T> = { starts: [], ends: [] };

  constructor(space: Space<T>) {
    this.#space = space;
  }

  add(x: Addr | Prefix | IPRange): void {
    if (this.#removed.starts.length > 0) this.bounds();
    push(this.#added, ...this.#interval(x));
  }

  remove(x: Addr | Prefix | IPRange): void {
    push(this.#removed, ...this.#interval(x));
  }

  addSet(b: Bounds<T>): void {
    if (this.#removed.starts.length > 0) this.bounds();
    for (let i = 0; i < b.length; i += 2) push(this.#added, b[i]!, b[i + 1]!);
  }

  removeSet(b: Bounds<T>): void {
    for (let i = 0; i < b.length; i += 2) push(this.#removed, b[i]!, b[i + 1]!);
  }

  intersect(b: Bounds<T>): void {
    this.#set = combine(this.bounds(), b, INTERSECTION);
  }

  complement(): void {
    this.#set = combine(this.#space.all, this.bounds(), DIFFERENCE);
  }

  /** bounds applies the pending additions, then the pending removals, and returns the normalized boundary list. */
  bounds(): Bounds<T> {
    this.#set = this.#apply(this.#added, UNION);
    this.#set = this.#apply(this.#removed, DIFFERENCE);
    return this.#set;
  }

  /** #apply combines the pending intervals, sorted and merged, with the set, and clears them. */
  #apply(p: Pending<T>, op: Op): Bounds<T> {
    if (p.starts.length === 0) return this.#set;
    const b = merge(this.#space.sort(p.starts), this.#space.sort(p.ends));
    p.starts = [];
    p.ends = [];
    return combine(this.#set, b, op);
  }

  #interval(x: Addr | Prefix | IPRange): [T, T] {
    const space = this.#space;
    if (x instanceof Prefix) return space.ofPrefix(x);
    return x instanceof IPRange ? space.ofRange(x._first, x._last) : space.ofRange(x, x);
  }
}

/** Pending holds intervals `[starts[i], ends[i])` in no particular order. */
interface Pending<T extends Value> {
  starts: T[];
  ends: T[];
}

function push<T extends Value>(p: Pending<T>, lo: T, end: T): void {
  p.starts.push(lo);
  p.ends.push(end);
}

function pushRanges<T extends Value>(space: Space<T>, b: Bounds<T>, out: IPRange[]): IPRange[] {
  for (let i = 0; i < b.length; i += 2) out.push(IPRange._make(space.addr(b[i]!), space.last(b[i + 1]!)));
  return out;
}

function sameBounds<T extends Value>(a: Bounds<T>, b: Bounds<T>): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function checkFamily(api: string, family: unknown): asserts family is Family {
  if (family !== 4 && family !== 6) throw new InvalidArgumentError(api, `family must be 4 or 6, got ${quote(family)}`);
}

function checkZone(api: string, addr: Addr): void {
  if (addr._z !== undefined) throw new InvalidArgumentError(api, `IPv6 zones cannot be present in a set (${quote(addr.toString())})`);
}
