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
 */
export function duplicates<T>(ips: readonly Addr[], owners: readonly T[]): [Addr, T[]][] {
  const order = Array.from({ length: ips.length }, (_, i) => i);
  order.sort((x, y) => Addr.compare(ips[x]!, ips[y]!) || x - y);
  const out: [Addr, T[]][] = [];
  for (let i = 0; i < order.length; ) {
    const ip = ips[order[i]!]!;
    let j = i + 1;
    while (j < order.length && ips[order[j]!]!.equals(ip)) j++;
    if (j - i > 1) out.push([ip, order.slice(i, j).map((k) => owners[k]!)]);
    i = j;
  }
  return out;
}
