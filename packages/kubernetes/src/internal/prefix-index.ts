import { Addr, Prefix, type Family } from '@ipam/core';

/**
 * A distinct prefix of a {@link PrefixIndex} with everything filed under it; `parent` is the index of the innermost
 * other span that contains it, or -1.
 */
export interface Span<T> {
  readonly prefix: Prefix;
  readonly items: T[];
  parent: number;
}

/**
 * PrefixIndex files items under prefixes of one family and answers, without pairwise loops, which prefixes nest
 * (two prefixes overlap only when one contains the other) and which prefix is the innermost to contain an address.
 *
 * Spans are sorted by first address, outer before inner at the same first address, and a sweep with a stack of
 * the open spans gives every span its parent:
 *
 *     10.0.0.0/16  [=====================================]
 *     10.0.0.0/24  [====]               <- parent: the /16
 *     10.0.1.0/24        [====]         <- the /24 above is closed (last < first), parent: the /16
 *
 * Building costs O(n log n); `innermost` a binary search plus a walk up the nesting (at most bitLength steps).
 * Everything compares {@link Addr} values in place (no bigint keys), so a lookup allocates nothing.
 */
export class PrefixIndex<T> {
  readonly spans: Span<T>[];
  readonly family: Family;

  constructor(family: Family, entries: Iterable<readonly [Prefix, T]>) {
    this.family = family;
    const byKey = new Map<string, Span<T>>();
    for (const [p, item] of entries) {
      if (p.family !== family) continue;
      const k = `${p}`;
      let s = byKey.get(k);
      if (s === undefined) {
        s = { prefix: p, items: [], parent: -1 };
        byKey.set(k, s);
      }
      s.items.push(item);
    }
    // Prefix.compare: by address, a block before the blocks inside it.
    this.spans = [...byKey.values()].sort((a, b) => Prefix.compare(a.prefix, b.prefix));
    const stack: number[] = [];
    for (let i = 0; i < this.spans.length; i++) {
      const s = this.spans[i]!;
      // Spans before s in this order either contain s's address or lie wholly before it.
      while (stack.length > 0 && !this.spans[stack.at(-1)!]!.prefix.contains(s.prefix.addr)) stack.pop();
      s.parent = stack.length > 0 ? stack.at(-1)! : -1;
      stack.push(i);
    }
  }

  /** Every pair [outer, inner] of distinct spans where the outer contains the inner (walks each span's ancestors). */
  *nested(): Generator<[number, number]> {
    for (let i = 0; i < this.spans.length; i++) {
      for (let p = this.spans[i]!.parent; p >= 0; p = this.spans[p]!.parent) yield [p, i];
    }
  }

  /** The index of the innermost span containing `addr`, or -1 (also for the other family). */
  innermost(addr: Addr): number {
    if (addr.family !== this.family || addr.zone !== undefined) return -1;
    let lo = 0;
    let hi = this.spans.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.spans[mid]!.prefix.addr.compare(addr) <= 0) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // A span that contains k but not spans[at] would overlap spans[at] without containing it: not for prefixes.
    while (at >= 0 && !this.spans[at]!.prefix.contains(addr)) at = this.spans[at]!.parent;
    return at;
  }
}

/**
 * duplicates groups the owners of equal addresses (`ips[i]` belongs to `owners[i]`) and returns the groups of two or
 * more, in address order, owners in input order: a sort of indexes and one pass over it, not a pairwise loop, and
 * no object per address.
 *
 * `bucket`, when given, is a function of the address alone (such as the innermost node pod CIDR holding it, -1 for
 * none): equal addresses share a bucket, so the indexes are first distributed by bucket (a counting sort) and only
 * each bucket is sorted. For 150,000 pods in 5,000 node blocks that replaces one sort whose comparisons chase
 * pointers all over the heap with 5,000 sorts of 30.
 */
export function duplicates<T>(ips: readonly Addr[], owners: readonly T[], bucket?: Int32Array, buckets = 0): [Addr, T[]][] {
  const n = ips.length;
  let order: Int32Array;
  const starts: number[] = [0];
  if (bucket === undefined) {
    order = Int32Array.from({ length: n }, (_, i) => i);
    starts.push(n);
  } else {
    // Bucket b + 1 holds bucket b's indexes (so that -1, "none", is bucket 0), in input order.
    const count = new Int32Array(buckets + 2);
    for (let i = 0; i < n; i++) count[bucket[i]! + 2]!++;
    for (let b = 1; b < count.length; b++) count[b]! += count[b - 1]!;
    for (let b = 1; b < count.length; b++) starts.push(count[b]!);
    order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[count[bucket[i]! + 1]!++] = i;
  }
  const cmp = (x: number, y: number): number => Addr.compare(ips[x]!, ips[y]!) || x - y;
  const out: [Addr, T[]][] = [];
  for (let b = 0; b + 1 < starts.length; b++) {
    const part = order.subarray(starts[b]!, starts[b + 1]!);
    if (part.length < 2) continue;
    part.sort(cmp);
    for (let i = 0; i < part.length; ) {
      const ip = ips[part[i]!]!;
      let j = i + 1;
      while (j < part.length && ips[part[j]!]!.equals(ip)) j++;
      if (j - i > 1) out.push([ip, Array.from(part.subarray(i, j), (k) => owners[k]!)]);
      i = j;
    }
  }
  return bucket === undefined ? out : out.sort((x, y) => Addr.compare(x[0], y[0]));
}
