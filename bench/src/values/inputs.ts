/** Seeded input generators for the value benchmarks; every input carries its true value, for checking. */
import type { Rng } from './prng.js';
import { fmt4, fmt6, MAX4, MAX6 } from './reference.js';

/** randomIPv4 returns `n` IPv4 addresses in canonical dotted decimal, uniform over the whole space. */
export function randomIPv4(rng: Rng, n: number): string[] {
  return Array.from({ length: n }, () => fmt4(rng.u32()));
}

/** The RFC 4291 section 2.2 text forms that the IPv6 inputs are written in, one form per input. */
export const FORMS6 = ['full', 'compressed', 'upper-case', 'leading-zeros', 'ipv4-tail'] as const;
/** Form6 is one of {@link FORMS6}. */
export type Form6 = (typeof FORMS6)[number];

/** FORM6_DESCRIPTION says what each form looks like, for the report. */
export const FORM6_DESCRIPTION: Record<Form6, string> = {
  full: 'all 8 groups, lower case, no `::` (`2001:db8:0:0:1:0:0:1`)',
  compressed: '`::` over a random zero run, not always the longest nor the whole run (`2001:db8::1:0:0:1`, `2001:db8:0::1:0:0:1`)',
  'upper-case': 'upper-case hex, `::` at a random zero run half the time (`2001:DB8::1`)',
  'leading-zeros': 'groups padded with leading zeros, `::` half the time (`2001:0db8:0000::0001`)',
  'ipv4-tail': 'dotted IPv4 in the last 32 bits: mapped `::ffff:1.2.3.4`, compatible `::1.2.3.4`, NAT64 `64:ff9b::1.2.3.4`, or arbitrary `1:2:3:4:5:6:1.2.3.4`',
};

/** Input6 is an IPv6 string, its form and its true value. */
export interface Input6 {
  readonly text: string;
  readonly form: Form6;
  readonly value: bigint;
}

/** Groups with many zeros and short fields, so that zero runs and 1–4 digit fields are common. */
function groups(rng: Rng): number[] {
  return Array.from({ length: 8 }, () => (rng.chance(0.35) ? 0 : rng.u32() & rng.pick([0xf, 0xff, 0xfff, 0xffff])));
}

function valueOf(g: readonly number[]): bigint {
  return g.reduce((v, x) => (v << 16n) | BigInt(x), 0n);
}

/** The maximal runs of zero groups in g[0, end), as [start, endExclusive]. */
function zeroRuns(g: readonly number[], end: number): [number, number][] {
  const runs: [number, number][] = [];
  for (let i = 0; i < end; i++) {
    if (g[i] !== 0) continue;
    let j = i;
    while (j < end && g[j] === 0) j++;
    runs.push([i, j]);
    i = j;
  }
  return runs;
}

/**
 * Writes fields g[0, end) with `::` over a random sub-run of a random zero run (any run of one or more zero
 * groups may be shortened, RFC 4291 section 2.2), or without `::` when there is none or `compress` is false.
 * Returns the text and whether `::` ends it.
 */
function writeFields(rng: Rng, f: readonly string[], g: readonly number[], end: number, compress: boolean): [string, boolean] {
  const runs = compress ? zeroRuns(g, end) : [];
  if (runs.length === 0) return [f.slice(0, end).join(':'), false];
  const [rs, re] = rng.pick(runs);
  const s = rs + rng.int(re - rs);
  const e = s + 1 + rng.int(re - s);
  return [`${f.slice(0, s).join(':')}::${f.slice(e, end).join(':')}`, e === end];
}

/** randomIPv6 returns `n` IPv6 addresses, an equal share in each of {@link FORMS6}, shuffled. */
export function randomIPv6(rng: Rng, n: number): Input6[] {
  const out: Input6[] = [];
  for (let i = 0; i < n; i++) {
    const form = FORMS6[i % FORMS6.length]!;
    const g = groups(rng);
    let text: string;
    if (form === 'ipv4-tail') {
      const kind = rng.int(4);
      if (kind < 3) g.fill(0, 0, 6);
      if (kind === 0) g[5] = 0xffff;
      if (kind === 2) {
        g[0] = 0x64;
        g[1] = 0xff9b;
      }
      g[6] = rng.u32() >>> 16;
      g[7] = rng.u32() >>> 16;
      const [head, open] = writeFields(rng, g.map((x) => x.toString(16)), g, 6, rng.chance(0.8));
      const v4 = `${g[6] >>> 8}.${g[6] & 255}.${g[7] >>> 8}.${g[7] & 255}`;
      text = open ? `${head}${v4}` : `${head}:${v4}`;
    } else {
      if (form === 'compressed' && zeroRuns(g, 8).length === 0) g.fill(0, 2 + rng.int(4), 7);
      let f = g.map((x) => x.toString(16));
      if (form === 'leading-zeros') {
        f = f.map((x) => (rng.chance(0.75) ? x.padStart(x.length + rng.int(5 - x.length), '0') : x));
        if (f.every((x, i) => x.length === g[i]!.toString(16).length)) f[0] = f[0]!.padStart(4, '0');
      }
      const compress = form === 'compressed' || ((form === 'upper-case' || form === 'leading-zeros') && rng.chance(0.5));
      text = writeFields(rng, f, g, 8, compress)[0];
      if (form === 'upper-case') text = text.toUpperCase();
    }
    out.push({ text, form, value: valueOf(g) });
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Pair is a prefix and an address, with whether the address is in the prefix. */
export interface Pair<T> {
  readonly prefix: string;
  readonly addr: string;
  readonly bits: number;
  readonly base: T;
  readonly value: T;
  readonly inside: boolean;
}

/**
 * containsPairs4 returns `n` IPv4 (prefix, address) pairs: prefix lengths uniform in 8 … 32, half the addresses
 * inside their prefix, the other half one bit outside it (a near miss, so no check is decided by the first byte
 * alone).
 */
export function containsPairs4(rng: Rng, n: number): Pair<number>[] {
  return Array.from({ length: n }, () => {
    const bits = 8 + rng.int(25);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    const base = (rng.u32() & mask) >>> 0;
    let value = (base | (rng.u32() & ~mask)) >>> 0;
    const inside = rng.chance(0.5);
    if (!inside) value = (value ^ (1 << (31 - rng.int(bits)))) >>> 0;
    return { prefix: `${fmt4(base)}/${bits}`, addr: fmt4(value), bits, base, value, inside };
  });
}

/** containsPairs6 is {@link containsPairs4} for IPv6, with prefix lengths uniform in 16 … 128. */
export function containsPairs6(rng: Rng, n: number): Pair<bigint>[] {
  return Array.from({ length: n }, () => {
    const bits = 16 + rng.int(113);
    const host = (1n << BigInt(128 - bits)) - 1n;
    const base = rng.u128() & ~host & MAX6;
    let value = base | (rng.u128() & host);
    const inside = rng.chance(0.5);
    if (!inside) value ^= 1n << BigInt(127 - rng.int(bits));
    return { prefix: `${fmt6(base)}/${bits}`, addr: fmt6(value), bits, base, value, inside };
  });
}

/**
 * summarizeInputs returns `n` IPv4 prefixes in canonical form, clustered so that summarizing has work to do:
 * lengths 20 … 30 inside 64 random /16s, so that prefixes nest, overlap, duplicate and sit next to each other.
 */
export function summarizeInputs(rng: Rng, n: number): string[] {
  const zones = Array.from({ length: 64 }, () => (rng.u32() & 0xffff0000) >>> 0);
  return Array.from({ length: n }, () => {
    const bits = 20 + rng.int(11);
    const v = ((rng.pick(zones) | (rng.u32() & 0xffff)) & (0xffffffff << (32 - bits))) >>> 0;
    return `${fmt4(v)}/${bits}`;
  });
}

/** Range is a range written `first-last`, with its bounds. */
export interface Range<T> {
  readonly text: string;
  readonly lo: T;
  readonly hi: T;
}

/** ranges4 returns `n` IPv4 ranges with random first addresses and log-uniform sizes from 1 to 2^24. */
export function ranges4(rng: Rng, n: number): Range<number>[] {
  return Array.from({ length: n }, () => {
    const lo = rng.u32();
    const size = Math.floor(2 ** ((rng.u32() / 0x1_0000_0000) * 24));
    const hi = Math.min(lo + size - 1 + rng.int(size), MAX4);
    return { text: `${fmt4(lo)}-${fmt4(hi)}`, lo, hi };
  });
}

/** ranges6 returns `n` IPv6 ranges with random first addresses and log-uniform sizes from 1 to 2^100. */
export function ranges6(rng: Rng, n: number): Range<bigint>[] {
  return Array.from({ length: n }, () => {
    const lo = rng.u128();
    const size = 1n << BigInt(rng.int(100));
    const jitter = rng.u128() % size;
    const hi = lo + size - 1n + jitter > MAX6 ? MAX6 : lo + size - 1n + jitter;
    return { text: `${fmt6(lo)}-${fmt6(hi)}`, lo, hi };
  });
}
