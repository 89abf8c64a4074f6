import type { Addr, Family, Prefix } from '@ipam/core';

/**
 * A distinct prefix of a {@link PrefixIndex} with everything filed under it. `first`/`last` are its bounds as
 * integers; `parent` is the index of the innermost other span that contains it, or -1.
 */
export interface Span<T> {
  readonly prefix: Prefix;
  readonly first: bigint;
  readonly last: bigint;
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
        const first = p.first().toBigInt();
        s = { prefix: p, first, last: first + p.size - 1n, items: [], parent: -1 };
        byKey.set(k, s);
      }
      s.items.push(item);
    }
    this.spans = [...byKey.values()].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : a.prefix.bits - b.prefix.bits));
    const stack: number[] = [];
    for (let i = 0; i < this.spans.length; i++) {
      const s = this.spans[i]!;
      while (stack.length > 0 && this.spans[stack.at(-1)!]!.last < s.first) stack.pop();
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
    if (addr.family !== this.family) return -1;
    const k = addr.toBigInt();
    let lo = 0;
    let hi = this.spans.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.spans[mid]!.first <= k) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // A span that contains k but not spans[at] would overlap spans[at] without containing it: not for prefixes.
    while (at >= 0 && this.spans[at]!.last < k) at = this.spans[at]!.parent;
    return at;
  }
}

/**
 * duplicates groups items by address and returns the groups of two or more, in address order: a sort and one
 * pass over it, not a pairwise loop.
 */
export function duplicates<T>(items: readonly (readonly [Addr, T])[]): [Addr, T[]][] {
  const keyed = items.map(([a, t]) => ({ a, k: a.toBigInt(), f: a.family, t }));
  keyed.sort((x, y) => x.f - y.f || (x.k < y.k ? -1 : x.k > y.k ? 1 : 0));
  const out: [Addr, T[]][] = [];
  for (let i = 0; i < keyed.length; ) {
    let j = i + 1;
    while (j < keyed.length && keyed[j]!.k === keyed[i]!.k && keyed[j]!.f === keyed[i]!.f) j++;
    if (j - i > 1) out.push([keyed[i]!.a, keyed.slice(i, j).map((x) => x.t)]);
    i = j;
  }
  return out;
}
