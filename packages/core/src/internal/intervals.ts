/**
 * Address sets of one family as boundary lists: the engine under IPRange, IPSet and summarize.
 *
 * A boundary list `[lo0, end0, lo1, end1, …]` holds the half-open intervals `[lo, end)` of a set, strictly
 * increasing: sorted, disjoint and never touching (`end_i < lo_i+1`), so every set has exactly one list.
 * Half-open bounds need no ±1 in the set algebra, so one implementation serves IPv4 (numbers, `end` up to 2^32)
 * and IPv6 (bigints, `end` up to 2^128) with comparisons alone; the two {@link Space} objects do the arithmetic.
 */
import { Addr } from '../addr.js';
import { Prefix } from '../prefix.js';
import { mask32 } from './bits.js';

/** Value is an address as an integer: a number for IPv4, a bigint for IPv6. */
export type Value = number | bigint;

/** Bounds is a boundary list, as described at the top of this module. */
export type Bounds<T extends Value> = readonly T[];

/** Op decides membership in a combination of two sets from membership in each. */
export type Op = (inA: boolean, inB: boolean) => boolean;

/** UNION, INTERSECTION and DIFFERENCE are the {@link Op}s of the set algebra. */
export const UNION: Op = (a, b) => a || b;
/** INTERSECTION keeps what is in both sets. */
export const INTERSECTION: Op = (a, b) => a && b;
/** DIFFERENCE keeps what is in the first set only. */
export const DIFFERENCE: Op = (a, b) => a && !b;

/**
 * merge returns the boundary list of the union of the intervals `[starts[i], ends[i])`, given the starts and
 * the ends each sorted on their own. The k-th end need not belong to the k-th start, yet the union has a gap
 * after the k-th end exactly when the (k+1)-th start lies beyond it: then k intervals have started and k ended.
 *
 * ```text
 *              0 2  5   9  12    18
 *   intervals  [========)  [=====)      starts, sorted alone: 0 2 12
 *                [==)                   ends, sorted alone:   5 9 18
 *   union      [========)  [=====)      0 … 9; a gap, as 12 > 9; 12 … 18
 * ```
 * Touching intervals (`s_k+1 = e_k`) merge.
 */
export function merge<T extends Value>(starts: ArrayLike<T>, ends: ArrayLike<T>): T[] {
  const out: T[] = [];
  const n = starts.length;
  for (let i = 0; i < n; i++) {
    out.push(starts[i]!);
    while (i + 1 < n && starts[i + 1]! <= ends[i]!) i++;
    out.push(ends[i]!);
  }
  return out;
}

/**
 * combine returns the boundary list of the set whose members `op` picks from the sets `a` and `b`. It walks both
 * lists in order, toggling membership at each boundary, and keeps the boundaries where `op` changes its answer.
 * A boundary present in both lists is one step, so intervals that touch merge and equal ends cancel:
 *
 * ```text
 *           0    5   9  12 15
 *   a       [========)  [==)          boundaries 0 9 12 15
 *   b            [======)             boundaries 5 12
 *   a ∪ b   [==============)          0 15: at 12, b ends as a starts again, so membership does not change
 *   a ∩ b        [===)                5 9
 *   a ∖ b   [====)      [==)          0 5 12 15
 * ```
 */
export function combine<T extends Value>(a: Bounds<T>, b: Bounds<T>, op: Op): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  let inA = false;
  let inB = false;
  let inOut = false;
  while (i < a.length || j < b.length) {
    const x = j === b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    if (a[i] === x) {
      inA = !inA;
      i++;
    }
    if (b[j] === x) {
      inB = !inB;
      j++;
    }
    if (op(inA, inB) !== inOut) {
      inOut = !inOut;
      out.push(x);
    }
  }
  return out;
}

/** rank returns how many boundaries are at most `x`; `x` is in the set exactly when the rank is odd. */
export function rank<T extends Value>(b: Bounds<T>, x: T): number {
  let lo = 0;
  let hi = b.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (b[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** covers reports whether the set holds every address of `[lo, end)`: one of its intervals must hold them all. */
export function covers<T extends Value>(b: Bounds<T>, lo: T, end: T): boolean {
  const i = rank(b, lo);
  return (i & 1) === 1 && end <= b[i]!;
}

/**
 * meets reports whether the set holds any address of `[lo, end)`: either `lo` is in the set, or the next
 * interval of the set starts before `end`.
 */
export function meets<T extends Value>(b: Bounds<T>, lo: T, end: T): boolean {
  const i = rank(b, lo);
  return (i & 1) === 1 || (i < b.length && b[i]! < end);
}

/**
 * Space is the arithmetic of one family's address space, the part of the set engine that differs between
 * numbers and bigints.
 */
export interface Space<T extends Value> {
  /** all is the boundary list of the whole address space. */
  readonly all: Bounds<T>;
  /** addr returns the address whose value is `v`. */
  addr(v: T): Addr;
  /** last returns the last address of an interval that ends (exclusively) at `end`. */
  last(end: T): Addr;
  /** ofPrefix returns the interval of the prefix, host bits cleared. */
  ofPrefix(p: Prefix): [T, T];
  /** ofRange returns the interval from `first` to `last` inclusive. */
  ofRange(first: Addr, last: Addr): [T, T];
  /**
   * firstFree returns the lowest-addressed prefix of length `bits` that lies inside the set, or undefined.
   * Each interval is tried in turn at its first multiple of the prefix size.
   */
  firstFree(b: Bounds<T>, bits: number): Prefix | undefined;
  /** sort returns the values sorted ascending; it may reorder `xs` in place. */
  sort(xs: T[]): ArrayLike<T>;
  /** cover appends to `out` the minimal list of prefixes that make up `[lo, end)`, in order. */
  cover(lo: T, end: T, out: Prefix[]): void;
  /** count returns the number of addresses in the set. */
  count(b: Bounds<T>): bigint;
}

const TWO32 = 2 ** 32;
/** POW2[k] is 2^k as a number, for k in 0 … 32. */
export const POW2: readonly number[] = Array.from({ length: 33 }, (_, k) => 2 ** k);

/**
 * sort4 sorts IPv4 values (integers in 0 … 2^32) ascending and returns them, sorted in place or in a new array.
 * From a thousand values on it is a least-significant-digit radix sort on three 11-bit digits, about five times
 * faster than the built-in sort on 10k values (most of the time summarize takes): one pass counts all three
 * digits, then one pass per digit moves the values. A digit is `(v * 2^-11d) & 2047`, exact also for 2^32,
 * which the 32-bit shift operators would wrap to 0.
 */
export function sort4(a: Float64Array): Float64Array {
  const n = a.length;
  if (n < 1024) return a.sort();
  const count = new Int32Array(3 * 2048);
  for (let i = 0; i < n; i++) {
    const v = a[i]!;
    count[v & 2047]!++;
    count[2048 + ((v * 2 ** -11) & 2047)]!++;
    count[4096 + ((v * 2 ** -22) & 2047)]!++;
  }
  for (let d = 0; d < 3 * 2048; d += 2048) {
    for (let j = d, sum = 0; j < d + 2048; j++) {
      const c = count[j]!;
      count[j] = sum;
      sum += c;
    }
  }
  let b: Float64Array = new Float64Array(n);
  for (let d = 0; d < 3; d++) {
    const scale = 2 ** (-11 * d);
    for (let i = 0; i < n; i++) {
      const v = a[i]!;
      b[count[d * 2048 + ((v * scale) & 2047)]!++] = v;
    }
    [a, b] = [b, a];
  }
  return a;
}

/**
 * block4 returns k such that `[lo, lo + 2^k)` is the largest aligned block that starts at `lo` and ends by
 * `end` (with `lo < end`): the smaller of the trailing zeros of `lo` and the floor of log2 of the length.
 * `lo & -lo` isolates the lowest set bit in int32 arithmetic (bit 31 comes out as −2^31, whose clz32 is 0).
 */
function block4(lo: number, end: number): number {
  const align = lo === 0 ? 32 : 31 - Math.clz32(lo & -lo);
  const n = end - lo;
  const fit = n === TWO32 ? 32 : 31 - Math.clz32(n);
  return align < fit ? align : fit;
}

/** cover4 is {@link Space.cover} for IPv4: the largest aligned block at `lo` that fits, until `end`. */
export function cover4(lo: number, end: number, out: Prefix[]): void {
  while (lo < end) {
    const k = block4(lo, end);
    out.push(Prefix._make(Addr._make(4, 0, 0, 0, lo), 32 - k));
    lo += POW2[k]!;
  }
}

/** single4 returns the prefix that is exactly `[lo, end)`, or undefined: the first block of {@link cover4}, if it is all. */
export function single4(lo: number, end: number): Prefix | undefined {
  const k = block4(lo, end);
  return POW2[k] === end - lo ? Prefix._make(Addr._make(4, 0, 0, 0, lo), 32 - k) : undefined;
}

/** Words is a 128-bit value as four unsigned 32-bit words, most significant first, as {@link Addr} keeps it. */
export type Words = [number, number, number, number];

/** words returns the words of an IPv6 value below 2^128. */
export function words(v: bigint): Words {
  return [Number(v >> 96n), Number(BigInt.asUintN(32, v >> 64n)), Number(BigInt.asUintN(32, v >> 32n)), Number(BigInt.asUintN(32, v))];
}

/** trailingZeros returns the number of trailing zero bits of a 128-bit value, 128 for zero. */
function trailingZeros(w: Readonly<Words>): number {
  for (let i = 3; i >= 0; i--) {
    if (w[i] !== 0) return 96 - 32 * i + 31 - Math.clz32(w[i]! & -w[i]!);
  }
  return 128;
}

/** trailingOnes returns the number of trailing one bits of a 128-bit value. */
function trailingOnes(w: Readonly<Words>): number {
  return trailingZeros([~w[0] >>> 0, ~w[1] >>> 0, ~w[2] >>> 0, ~w[3] >>> 0]);
}

/** differingBits returns the bit length of `a XOR z`: one more than the index of the highest bit where they differ. */
function differingBits(a: Readonly<Words>, z: Readonly<Words>): number {
  for (let i = 0; i < 4; i++) {
    if (a[i] !== z[i]) return 128 - 32 * i - Math.clz32(a[i]! ^ z[i]!);
  }
  return 0;
}

/**
 * cover6 is {@link Space.cover} for IPv6 on words, from `a` to `z` inclusive (it advances `a` in place): no bigint
 * and one Prefix per step. The largest aligned block at `a` that ends by `z` needs no subtraction. With n the bit
 * length of `a XOR z`, blocks of up to 2^(n−1) addresses fit (they leave bit n−1, where `a` has 0 and `z` 1,
 * alone), and 2^n fits too when `z` ends in n one bits; the block must also be aligned, at most 2^ctz(a):
 *
 * ```text
 *   a = …0100   z = …0111   n = 2, z ends in 3 ones   → k = min(ctz(a) = 2, 2) = 2: a/126 ends at z, done
 *   a = …0100   z = …0101   n = 1, z ends in 1 one    → k = min(2, 1) = 1: a/127 ends at z, done
 *   a = …0000   z = …0101   n = 3, z ends in 1 one    → k = min(∞, 2) = 2: a/126, then a = …0100
 * ```
 * The block ends at `z` exactly when k = n and `z` ends in at least n ones.
 */
export function cover6(a: Words, z: Readonly<Words>, out: Prefix[]): void {
  const ones = trailingOnes(z);
  for (;;) {
    const n = differingBits(a, z);
    const k = Math.min(trailingZeros(a), ones >= n ? n : n - 1);
    out.push(Prefix._make(Addr._make(6, a[0], a[1], a[2], a[3]), 128 - k));
    if (k === n && ones >= n) return;
    let i = 3 - (k >>> 5);
    let w = a[i]! + 2 ** (k & 31);
    while (w === TWO32) {
      a[i--] = 0;
      w = a[i]! + 1;
    }
    a[i] = w;
  }
}

/** single6 returns the prefix from `a` to `z` inclusive, or undefined: the first block of {@link cover6}, if it ends at `z`. */
export function single6(a: Readonly<Words>, z: Readonly<Words>): Prefix | undefined {
  const n = differingBits(a, z);
  return trailingZeros(a) >= n && trailingOnes(z) >= n ? Prefix._make(Addr._make(6, a[0], a[1], a[2], a[3]), 128 - n) : undefined;
}

/** V4 is the IPv4 {@link Space}: values are numbers in 0 … 2^32. */
export const V4: Space<number> = {
  all: [0, TWO32],
  addr: (v) => Addr._make(4, 0, 0, 0, v),
  last: (end) => Addr._make(4, 0, 0, 0, end - 1),
  ofPrefix(p) {
    const lo = (p._a._w3 & mask32(p._b)) >>> 0;
    return [lo, lo + POW2[32 - p._b]!];
  },
  ofRange: (first, last) => [first._w3, last._w3 + 1],
  firstFree(b, bits) {
    const size = POW2[32 - bits]!;
    for (let i = 0; i < b.length; i += 2) {
      const lo = Math.ceil(b[i]! / size) * size;
      if (lo + size <= b[i + 1]!) return Prefix._make(Addr._make(4, 0, 0, 0, lo), bits);
    }
    return undefined;
  },
  sort: (xs) => sort4(Float64Array.from(xs)),
  cover: cover4,
  count(b) {
    let n = 0;
    for (let i = 0; i < b.length; i += 2) n += b[i + 1]! - b[i]!;
    return BigInt(n);
  },
};

const compareBigInt = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** V6 is the IPv6 {@link Space}: values are bigints in 0 … 2^128. */
export const V6: Space<bigint> = {
  all: [0n, 1n << 128n],
  addr: (v) => Addr._make(6, ...words(v)),
  last: (end) => Addr._make(6, ...words(end - 1n)),
  ofPrefix(p) {
    const lo = p.first().toBigInt();
    return [lo, lo + (1n << BigInt(128 - p._b))];
  },
  ofRange: (first, last) => [first.toBigInt(), last.toBigInt() + 1n],
  firstFree(b, bits) {
    const k = BigInt(128 - bits);
    for (let i = 0; i < b.length; i += 2) {
      const lo = ((b[i]! + (1n << k) - 1n) >> k) << k;
      if (lo + (1n << k) <= b[i + 1]!) return Prefix._make(Addr._make(6, ...words(lo)), bits);
    }
    return undefined;
  },
  sort: (xs) => xs.sort(compareBigInt),
  cover: (lo, end, out) => cover6(words(lo), words(end - 1n), out),
  count(b) {
    let n = 0n;
    for (let i = 0; i < b.length; i += 2) n += b[i + 1]! - b[i]!;
    return n;
  },
};

/** coverAll appends to `out` the minimal prefixes of every interval of the set, in order, and returns `out`. */
export function coverAll<T extends Value>(space: Space<T>, b: Bounds<T>, out: Prefix[]): Prefix[] {
  for (let i = 0; i < b.length; i += 2) space.cover(b[i]!, b[i + 1]!, out);
  return out;
}
