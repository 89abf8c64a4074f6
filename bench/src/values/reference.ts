/**
 * Slow, readable reference implementations used only to check outputs before timing: an RFC 5952 formatter,
 * and minimal prefix covers of ranges and of unions of prefixes. They share no code with @ipam/core or with
 * any peer library, so agreement with them is evidence, not an echo.
 */

/** MAX4 and MAX6 are the largest IPv4 and IPv6 values. */
export const MAX4 = 0xffffffff;
export const MAX6 = (1n << 128n) - 1n;

/** fmt4 writes an IPv4 value in dotted decimal. */
export function fmt4(v: number): string {
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}

/** groups6 splits an IPv6 value into its eight 16-bit groups, most significant first. */
export function groups6(v: bigint): number[] {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(16 * i)) & 0xffffn));
  return g;
}

/**
 * fmt6 writes an IPv6 value in the RFC 5952 canonical text form: lower-case hex without leading zeros, the
 * longest run of two or more zero groups (the first on a tie) as `::`, and IPv4-mapped addresses
 * (`::ffff:0:0/96`) in mixed notation (RFC 5952 section 5), as Go's netip and @ipam/core write them.
 */
export function fmt6(v: bigint): string {
  if (v >> 32n === 0xffffn) return `::ffff:${fmt4(Number(v & 0xffffffffn))}`;
  const g = groups6(v);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** parse4 reads canonical dotted decimal (the bench only feeds it its own outputs). */
export function parse4(s: string): number {
  const p = s.split('.').map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

/** cover4 returns the minimal prefixes of the IPv4 range lo … hi, in order: the largest aligned block each time. */
export function cover4(lo: number, hi: number): string[] {
  const out: string[] = [];
  while (lo <= hi) {
    let k = 0;
    while (k < 32 && lo % 2 ** (k + 1) === 0 && lo + 2 ** (k + 1) - 1 <= hi) k++;
    out.push(`${fmt4(lo)}/${32 - k}`);
    lo += 2 ** k;
  }
  return out;
}

/** cover6 is {@link cover4} for IPv6. */
export function cover6(lo: bigint, hi: bigint): string[] {
  const out: string[] = [];
  while (lo <= hi) {
    let k = 0n;
    while (k < 128n && lo % (1n << (k + 1n)) === 0n && lo + (1n << (k + 1n)) - 1n <= hi) k++;
    out.push(`${fmt6(lo)}/${128n - k}`);
    lo += 1n << k;
  }
  return out;
}

/**
 * summarize4 returns the minimal cover of a union of IPv4 prefixes written `a.b.c.d/n`: merge the intervals
 * (touching ones too), then cover each. The greedy cover of each maximal interval is the unique minimal one,
 * so equal output means equal address set and minimal size.
 */
export function summarize4(prefixes: readonly string[]): string[] {
  const iv = prefixes
    .map((s) => {
      const [a, n] = s.split('/');
      const size = 2 ** (32 - Number(n));
      const lo = parse4(a!) - (parse4(a!) % size);
      return [lo, lo + size - 1] as [number, number];
    })
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: string[] = [];
  let i = 0;
  while (i < iv.length) {
    const lo = iv[i]![0];
    let hi = iv[i]![1];
    i++;
    while (i < iv.length && iv[i]![0] <= hi + 1) hi = Math.max(hi, iv[i++]![1]);
    out.push(...cover4(lo, hi));
  }
  return out;
}

/**
 * parse6 reads any RFC 4291 section 2.2 text form (no zone) into its value, or returns undefined. It is
 * used only to read what peer libraries print, so it is written for clarity, not speed.
 */
export function parse6(s: string): bigint | undefined {
  const dotted = /^(.*:)([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$/.exec(s);
  if (dotted) {
    const b = dotted.slice(2).map(Number);
    if (b.some((x) => x > 255)) return undefined;
    s = `${dotted[1]}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const fields = (h: string): string[] => (h === '' ? [] : h.split(':'));
  let g: string[];
  if (halves.length === 1) g = fields(s);
  else {
    const left = fields(halves[0]!);
    const right = fields(halves[1]!);
    if (left.length + right.length > 7) return undefined;
    g = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  }
  if (g.length !== 8 || g.some((x) => !/^[0-9a-fA-F]{1,4}$/.test(x))) return undefined;
  return g.reduce((v, x) => (v << 16n) | BigInt(parseInt(x, 16)), 0n);
}
