/**
 * Arithmetic on block offsets and on masks of block orders, in two flavours: plain numbers where 32 bits are
 * enough (IPv4 offsets, masks of orders 0…31) and bigints beyond. The occupancy tree is written once against
 * these interfaces, so that IPv4 runs on numbers without a single bigint in its hot path.
 */

/** Offsets within a pool prefix: numbers below 2^32 or bigints below 2^128. */
export interface Arith<O> {
  readonly zero: O;
  pow2(k: number): O;
  add(a: O, b: O): O;
  sub(a: O, b: O): O;
  lt(a: O, b: O): boolean;
  /** The largest multiple of 2^k that is at most t. */
  alignDown(t: O, k: number): O;
  /** The smallest multiple of 2^k that is at least t. */
  alignUp(t: O, k: number): O;
  /** The bit length of a xor b: the order of the smallest aligned block that holds both offsets. */
  divergence(a: O, b: O): number;
  /** Bit k of a. */
  bit(a: O, k: number): number;
  /** a as a number; the caller knows a < 2^32. */
  small(a: O): number;
  max(a: O, b: O): O;
}

/** 2^k for k = 0 … 32, to avoid Math.pow in hot paths. */
const POW2 = Array.from({ length: 33 }, (_, k) => 2 ** k);

export const numArith: Arith<number> = {
  zero: 0,
  pow2: (k) => POW2[k]!,
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  lt: (a, b) => a < b,
  // Offsets are below 2^32, so their low bits survive the int32 conversion of the bitwise operators.
  alignDown: (t, k) => (k >= 32 ? 0 : t - (t & ((1 << k) - 1))),
  alignUp: (t, k) => {
    if (k >= 32) return t === 0 ? 0 : POW2[32]!;
    const r = t & ((1 << k) - 1);
    return r === 0 ? t : t - r + POW2[k]!;
  },
  divergence: (a, b) => 32 - Math.clz32((a ^ b) >>> 0),
  bit: (a, k) => (k >= 32 ? 0 : (a >>> k) & 1),
  small: (a) => a,
  max: (a, b) => (a > b ? a : b),
};

export const bigArith: Arith<bigint> = {
  zero: 0n,
  pow2: (k) => 1n << BigInt(k),
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  lt: (a, b) => a < b,
  alignDown: (t, k) => (t >> BigInt(k)) << BigInt(k),
  alignUp: (t, k) => {
    const K = BigInt(k);
    return ((t + (1n << K) - 1n) >> K) << K;
  },
  divergence: (a, b) => {
    const x = a ^ b;
    return x === 0n ? 0 : x.toString(2).length;
  },
  bit: (a, k) => Number((a >> BigInt(k)) & 1n),
  small: (a) => Number(a),
  max: (a, b) => (a > b ? a : b),
};

/** Sets of block orders (0 … 128) as bit masks. */
export interface MaskOps<M> {
  readonly none: M;
  bit(k: number): M;
  /** Orders c … h − 1. */
  span(c: number, h: number): M;
  or(a: M, b: M): M;
  has(m: M, k: number): boolean;
  /** The smallest order ≥ k in m, or −1. */
  lowestAtLeast(m: M, k: number): number;
  /** The largest order in m, or −1. */
  highest(m: M): number;
}

/** Masks of orders 0 … 31 in the bits of an int32. */
export const numMask: MaskOps<number> = {
  none: 0,
  bit: (k) => 1 << k,
  span: (c, h) => (c >= h ? 0 : h >= 32 ? ~0 << c : (~0 << c) & ((1 << h) - 1)),
  or: (a, b) => a | b,
  has: (m, k) => ((m >>> k) & 1) === 1,
  lowestAtLeast: (m, k) => {
    if (k >= 32) return -1;
    const x = m & (~0 << k);
    return x === 0 ? -1 : 31 - Math.clz32(x & -x);
  },
  highest: (m) => (m === 0 ? -1 : 31 - Math.clz32(m)),
};

/** Masks of any orders in a bigint. */
export const bigMask: MaskOps<bigint> = {
  none: 0n,
  bit: (k) => 1n << BigInt(k),
  span: (c, h) => (c >= h ? 0n : (1n << BigInt(h)) - (1n << BigInt(c))),
  or: (a, b) => a | b,
  has: (m, k) => ((m >> BigInt(k)) & 1n) === 1n,
  lowestAtLeast: (m, k) => {
    const x = m >> BigInt(k);
    if (x === 0n) return -1;
    return k + (x & -x).toString(2).length - 1;
  },
  highest: (m) => (m === 0n ? -1 : m.toString(2).length - 1),
};

const ALIGN = [0xffffffff, 0x55555555, 0x11111111, 0x01010101, 0x00010001, 0x00000001];

/**
 * Free aligned blocks of order j in a word of `2^wo` occupancy bits (bit i is offset i): bit i·2^j is set when
 * offsets i·2^j … (i+1)·2^j − 1 are all free.
 */
export function freeBlocks(w: number, wo: number, j: number): number {
  let f = ~w & (wo === 5 ? ~0 : (1 << (1 << wo)) - 1);
  for (let i = 0; i < j; i++) f = f & (f >>> (1 << i)) & ALIGN[i + 1]!;
  return f;
}

/**
 * Maximal free blocks of order j in a word (free, and their buddy of the same order is not wholly free):
 *
 *   offsets   0 1 2 3 4 5 6 7
 *   occupied  x . . . x x . .     order 0: {1}; order 1: {2–3, 6–7}; order 2: none
 */
export function maximalBlocks(w: number, wo: number, j: number): number {
  const f = freeBlocks(w, wo, j);
  if (j === wo) return f;
  const up = freeBlocks(w, wo, j + 1);
  return f & ~(up | (up << (1 << j)));
}

/** The lowest set bit of a non-zero int32, as an index. */
export function lowestBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** The mask of the orders of the maximal free blocks in a word. */
export function wordOrders(w: number, wo: number): number {
  let f = ~w & (wo === 5 ? ~0 : (1 << (1 << wo)) - 1);
  let m = 0;
  for (let j = 0; j < wo; j++) {
    const up = f & (f >>> (1 << j)) & ALIGN[j + 1]!;
    if ((f & ~(up | (up << (1 << j)))) !== 0) m |= 1 << j;
    f = up;
  }
  return m;
}
