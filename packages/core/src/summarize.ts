import { coverAll, merge, POW2, sort4, V4, V6 } from './internal/intervals.js';
import { mask32 } from './internal/bits.js';
import type { Prefix } from './prefix.js';

/**
 * summarize returns the fewest prefixes that together hold exactly the addresses of the given prefixes:
 * overlapping and duplicate prefixes collapse, and neighbours that fill a larger aligned block merge into it.
 * The result is sorted, IPv4 first; families mix freely and never merge with each other. Each input counts
 * with its host bits cleared, so `Prefix.from(Addr.parse('10.1.2.3'), 8)` stands for `10.0.0.0/8`.
 *
 * It sorts the starts and the ends of the inputs on their own (a radix sort of numbers for IPv4, bigints for
 * IPv6), merges them into disjoint intervals in one pass, and splits each interval as {@link IPRange.prefixes}
 * does: no bigint and no allocation per input for IPv4, one Prefix per output.
 *
 * @example
 * ```ts
 * summarize(['10.0.0.0/25', '10.0.0.128/25', '10.0.1.0/24', '10.0.0.7/32'].map((s) => Prefix.parse(s))).map(String);
 * // ['10.0.0.0/23']
 * ```
 */
export function summarize(prefixes: Iterable<Prefix>): Prefix[] {
  const list = Array.isArray(prefixes) ? (prefixes as readonly Prefix[]) : [...prefixes];
  const starts4 = new Float64Array(list.length);
  const ends4 = new Float64Array(list.length);
  const starts6: bigint[] = [];
  const ends6: bigint[] = [];
  let n4 = 0;
  for (const p of list) {
    if (p._a._f === 4) {
      const lo = (p._a._w3 & mask32(p._b)) >>> 0;
      starts4[n4] = lo;
      ends4[n4++] = lo + POW2[32 - p._b]!;
    } else {
      const [lo, end] = V6.ofPrefix(p);
      starts6.push(lo);
      ends6.push(end);
    }
  }
  const v4 = merge(sort4(starts4.subarray(0, n4)), sort4(ends4.subarray(0, n4)));
  const v6 = merge(V6.sort(starts6), V6.sort(ends6));
  return coverAll(V6, v6, coverAll(V4, v4, []));
}
