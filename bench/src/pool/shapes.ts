/**
 * The allocation workloads of pool.bench.ts, described once and run by every implementation (drivers.ts), and the
 * exact result a first-fit allocator must hand back for each, which the bench checks before it trusts a timing.
 */

/** One phase of a workload: `count` requests for blocks of 2^k addresses (k = 0: single addresses). */
export interface Phase {
  readonly count: number;
  readonly k: number;
}

/** A pool and the requests made of it, in order. */
export interface Shape {
  readonly family: 4 | 6;
  /** The pool's network address as an unsigned integer. */
  readonly base: bigint;
  /** The pool's prefix length. */
  readonly bits: number;
  /** Whether the network and broadcast addresses (first and last) are reserved, as in a real IPv4 subnet. */
  readonly reserveEnds: boolean;
  readonly phases: readonly Phase[];
}

/** An allocation as a plain value: first address (unsigned integer) and order (2^k addresses). */
export interface Block {
  readonly start: bigint;
  readonly k: number;
}

export const V4_10 = 0x0a000000n; // 10.0.0.0
export const V6_FD00 = 0xfd00n << 112n; // fd00::

export const width = (s: Shape): number => (s.family === 4 ? 32 : 128);
/** R: log2 of the pool's size. */
export const order = (s: Shape): number => width(s) - s.bits;
/** Addresses handed out by the phases. */
export const addresses = (s: Shape): bigint => s.phases.reduce((n, p) => n + (BigInt(p.count) << BigInt(p.k)), 0n);
/** Requests made by the phases. */
export const requests = (s: Shape): number => s.phases.reduce((n, p) => n + p.count, 0);

export function formatAddr(family: 4 | 6, v: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((sh) => String((v >> sh) & 255n)).join('.');
  const groups: string[] = [];
  for (let sh = 112n; sh >= 0n; sh -= 16n) groups.push(((v >> sh) & 0xffffn).toString(16));
  // Good enough for labels: no '::' compression needed to be unambiguous.
  return groups.join(':');
}

export const formatPrefix = (s: Shape): string => `${formatAddr(s.family, s.base)}/${s.bits}`;

/**
 * The blocks a first-fit allocator hands out for the phases, in order: each request takes the lowest aligned free
 * block. With phases of non-decreasing k that always comes after the previous block, since the holes that
 * alignment leaves behind are too small for any later request.
 */
export function expected(s: Shape): Block[] {
  const out: Block[] = [];
  let cursor = s.reserveEnds ? 1n : 0n;
  let last = 0;
  for (const p of s.phases) {
    if (p.k < last) throw new Error('expected(): phases must have non-decreasing k');
    last = p.k;
    const size = 1n << BigInt(p.k);
    for (let i = 0; i < p.count; i++) {
      const t = ((cursor + size - 1n) / size) * size;
      out.push({ start: s.base + t, k: p.k });
      cursor = t + size;
    }
  }
  const end = 1n << BigInt(order(s));
  if (cursor > end - (s.reserveEnds ? 1n : 0n)) throw new Error('expected(): the phases do not fit the pool');
  return out;
}

/**
 * The blocks @ipam/core's 'lowest' strategy hands out for the phases: a single address is the lowest free one
 * (first fit), a larger block is the start of the smallest maximal free aligned block that holds it, the lowest
 * one on a tie (best fit). Simulated on a sorted list of free intervals; fine for the few holes of these shapes.
 */
export function expectedBestFit(s: Shape): Block[] {
  if (s.phases.every((p) => p.k === 0)) return expected(s);
  const end = 1n << BigInt(order(s));
  let free: [bigint, bigint][] = s.reserveEnds ? [[1n, end - 2n]] : [[0n, end - 1n]];
  const out: Block[] = [];
  const take = (t: bigint, size: bigint): void => {
    const next: [bigint, bigint][] = [];
    for (const [lo, hi] of free) {
      if (t + size - 1n < lo || t > hi) next.push([lo, hi]);
      else {
        if (lo < t) next.push([lo, t - 1n]);
        if (t + size - 1n < hi) next.push([t + size, hi]);
      }
    }
    free = next;
  };
  for (const p of s.phases) {
    const size = 1n << BigInt(p.k);
    for (let i = 0; i < p.count; i++) {
      let t: bigint | undefined;
      if (p.k === 0) t = free[0]?.[0];
      else {
        let bestK = Infinity;
        for (const [lo, hi] of free) {
          for (const [b, k] of alignedBlocks(lo, hi)) if (k >= p.k && k < bestK) [t, bestK] = [b, k];
        }
      }
      if (t === undefined) throw new Error('expectedBestFit(): the phases do not fit the pool');
      out.push({ start: s.base + t, k: p.k });
      take(t, size);
    }
  }
  return out;
}

/** The largest aligned blocks that tile lo … hi, in order, as [start, k]. */
function alignedBlocks(lo: bigint, hi: bigint): [bigint, number][] {
  const out: [bigint, number][] = [];
  for (let a = lo; a <= hi; ) {
    let k = 0;
    while (a % (1n << BigInt(k + 1)) === 0n && a + (1n << BigInt(k + 1)) - 1n <= hi) k++;
    out.push([a, k]);
    a += 1n << BigInt(k);
  }
  return out;
}

/**
 * The largest aligned blocks that tile the pool's usable space (the whole pool, or all of it but the network and
 * broadcast addresses), largest first and lowest first on a tie: what "allocate the parent back" asks for once
 * everything is released.
 */
export function cover(s: Shape): Block[] {
  const R = order(s);
  if (!s.reserveEnds) return [{ start: s.base, k: R }];
  const out: Block[] = [];
  // Offsets 1 … 2^R − 2: blocks of order j at 2^j (low side) and at 2^R − 2^(j+1) (high side), for j < R − 1.
  for (let j = R - 2; j >= 0; j--) {
    const J = 1n << BigInt(j);
    out.push({ start: s.base + J, k: j }, { start: s.base + (1n << BigInt(R)) - 2n * J, k: j });
  }
  return out;
}

/** The blocks of a finished phase list, as requests: what allocate-back asks for. */
export function backPhases(s: Shape): Phase[] {
  return cover(s).map((b) => ({ count: 1, k: b.k }));
}

/**
 * checkBlocks throws unless `got` is exactly `want` (same blocks, same order) and, independently of `want`, every
 * block is aligned, inside the pool, clear of the reserved addresses and disjoint from every other block.
 */
export function checkBlocks(label: string, s: Shape, got: readonly Block[], want: readonly Block[], sameOrder = true): void {
  const fail = (msg: string): never => {
    throw new Error(`${label}: ${msg}`);
  };
  if (got.length !== want.length) fail(`handed out ${got.length} blocks, expected ${want.length}`);
  const end = s.base + (1n << BigInt(order(s)));
  const sorted = [...got].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  let prevEnd = s.reserveEnds ? s.base + 1n : s.base;
  for (const b of sorted) {
    const size = 1n << BigInt(b.k);
    if (b.start % size !== 0n) fail(`block ${formatAddr(s.family, b.start)}/${width(s) - b.k} is not aligned`);
    if (b.start < prevEnd) fail(`block ${formatAddr(s.family, b.start)}/${width(s) - b.k} overlaps another block or a reserved address`);
    prevEnd = b.start + size;
  }
  if (prevEnd > end - (s.reserveEnds ? 1n : 0n)) fail('a block is outside the pool or on the broadcast address');
  const a = sameOrder ? got : sorted;
  const bSorted = sameOrder ? want : [...want].sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.start !== bSorted[i]!.start || a[i]!.k !== bSorted[i]!.k) {
      fail(`block #${i} is ${formatAddr(s.family, a[i]!.start)}/${width(s) - a[i]!.k}, first fit gives ${formatAddr(s.family, bSorted[i]!.start)}/${width(s) - bSorted[i]!.k}`);
    }
  }
}
