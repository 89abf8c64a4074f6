import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prefix, rawPrefix } from '../test/arbitraries.js';
import { Addr, IPSet, Prefix, summarize } from './index.js';

/** sibling returns the other half of the prefix's parent. */
function sibling(p: Prefix): Prefix {
  return Addr.fromBigInt(p.addr.toBigInt() ^ (1n << BigInt(p.addr.bitLength - p.bits)), p.family).prefix(p.bits);
}

/**
 * refSummarize is a slow, readable reference: until nothing changes, drop every prefix that lies inside another and
 * replace every two siblings by their parent. At the fixed point no block can grow, which makes the cover minimal.
 */
function refSummarize(input: readonly Prefix[]): string[] {
  const set = new Map(input.map((p) => [p.masked().toString(), p.masked()]));
  for (let changed = true; changed; ) {
    changed = false;
    for (const [key, p] of set) {
      for (let bits = p.bits - 1; bits >= 0; bits--) {
        if (set.has(p.supernet(bits)!.toString())) {
          set.delete(key);
          changed = true;
          break;
        }
      }
    }
    for (const [key, p] of set) {
      if (p.bits === 0 || !set.has(key)) continue;
      const other = sibling(p).toString();
      if (set.has(other)) {
        const parent = p.supernet(p.bits - 1)!;
        set.delete(key);
        set.delete(other);
        set.set(parent.toString(), parent);
        changed = true;
      }
    }
  }
  return [...set.values()].sort(Prefix.compare).map(String);
}

/** expectMinimal checks the shape of a summary: sorted, IPv4 first, disjoint, and no two prefixes that could merge. */
function expectMinimal(ps: readonly Prefix[]): void {
  for (const p of ps) expect(p.masked().equals(p)).toBe(true);
  for (let i = 1; i < ps.length; i++) expect(ps[i - 1]!.compare(ps[i]!)).toBeLessThan(0);
  const keys = new Set(ps.map(String));
  for (const p of ps) {
    if (p.bits > 0) expect(keys.has(sibling(p).toString())).toBe(false);
    for (const q of ps) if (p !== q) expect(p.overlaps(q)).toBe(false);
  }
}

const parse = (xs: string[]) => xs.map((s) => Prefix.parse(s));

describe('summarize', () => {
  it('runs the doc comment example', () => {
    expect(summarize(['10.0.0.0/25', '10.0.0.128/25', '10.0.1.0/24', '10.0.0.7/32'].map((s) => Prefix.parse(s))).map(String)).toEqual(['10.0.0.0/23']);
  });

  it.each([
    [[], []],
    [['10.0.0.0/24', '10.0.0.0/24'], ['10.0.0.0/24']], // duplicates
    [['10.0.0.0/8', '10.1.0.0/16'], ['10.0.0.0/8']], // nested
    [['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24'], ['10.0.0.0/23', '10.0.2.0/24']], // adjacent, only two can merge
    [['10.0.1.0/24', '10.0.2.0/24'], ['10.0.1.0/24', '10.0.2.0/24']], // adjacent but not siblings
    [['0.0.0.0/1', '128.0.0.0/1'], ['0.0.0.0/0']],
    [['255.255.255.254/32', '255.255.255.255/32'], ['255.255.255.254/31']], // the top of the space
    [['::/1', '8000::/1', '10.0.0.0/8'], ['10.0.0.0/8', '::/0']], // IPv4 first; families never merge
    [['::ffff:10.0.0.0/120', '10.0.0.0/24'], ['10.0.0.0/24', '::ffff:10.0.0.0/120']], // 4-in-6 is IPv6
    [['2001:db8::/33', '2001:db8:8000::/33', '2001:db8::1/128'], ['2001:db8::/32']],
  ])('summarizes %j into %j', (input, want) => {
    expect(summarize(parse(input)).map(String)).toEqual(want);
  });

  it('reads prefixes with host bits as their masked form', () => {
    expect(summarize([Prefix.from(Addr.parse('10.1.2.3'), 8), Prefix.from(Addr.parse('11.200.0.1'), 8)]).map(String)).toEqual(['10.0.0.0/7']);
  });

  it('takes any iterable', () => {
    function* gen() {
      yield Prefix.parse('10.0.0.0/25');
      yield Prefix.parse('10.0.0.128/25');
    }
    expect(summarize(gen()).map(String)).toEqual(['10.0.0.0/24']);
    expect(summarize(new Set(parse(['::/128', '::1/128']))).map(String)).toEqual(['::/127']);
  });

  it('agrees with the slow reference (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(prefix, rawPrefix), { maxLength: 12 }), (ps) => {
        const got = summarize(ps);
        expect(got.map(String)).toEqual(refSummarize(ps));
        expectMinimal(got);
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with the slow reference on clustered prefixes that nest, repeat and adjoin (property)', () => {
    // Short prefixes inside one /20 of each family, so that merging has plenty to do.
    const near = fc.tuple(fc.boolean(), fc.nat(0xfff), fc.integer({ min: 0, max: 12 })).map(([v6, x, host]) => {
      const a = v6 ? Addr.fromBigInt((0x20010db8n << 96n) + BigInt(x), 6) : Addr.fromBigInt(0x0a000000n + BigInt(x), 4);
      return a.prefix(a.bitLength - host);
    });
    fc.assert(
      fc.property(fc.array(near, { maxLength: 40 }), (ps) => {
        expect(summarize(ps).map(String)).toEqual(refSummarize(ps));
      }),
      { numRuns: 300 },
    );
  });

  it('covers exactly the union of its inputs, by enumeration of a /24 (property)', () => {
    const inWindow = fc.tuple(fc.nat(255), fc.integer({ min: 24, max: 32 })).map(([x, bits]) => Addr.fromUint32(0xc0000200 + x).prefix(bits));
    fc.assert(
      fc.property(fc.array(inWindow, { maxLength: 10 }), (ps) => {
        const got = summarize(ps);
        for (let x = 0; x < 256; x++) {
          const a = Addr.fromUint32(0xc0000200 + x);
          if (got.some((p) => p.contains(a)) !== ps.some((p) => p.contains(a))) expect.fail(`${a} is covered differently`);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('is idempotent and agrees with IPSet (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(prefix, rawPrefix), { maxLength: 30 }), (ps) => {
        const got = summarize(ps);
        expect(summarize(got)).toEqual(got);
        expect(IPSet.from(ps).prefixes()).toEqual(got);
      }),
    );
  });

  it('agrees with the slow reference on thousands of prefixes (property)', () => {
    // Past a thousand IPv4 inputs, summarize sorts with a radix sort: include the edges of the space.
    const edge = fc.constantFrom(...parse(['0.0.0.0/32', '0.0.0.0/0', '255.255.255.255/32', '255.255.255.254/31', '128.0.0.0/1']));
    const v4 = fc.tuple(fc.nat(0x3ff), fc.integer({ min: 20, max: 32 })).map(([x, bits]) => Addr.fromUint32((Math.imul(x, 0x9e3779b1) & 0xfffffff0) >>> 0).prefix(bits));
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 20, arbitrary: v4 }, { weight: 1, arbitrary: edge }), { minLength: 1024, maxLength: 1500 }), (ps) => {
        expect(summarize(ps).map(String)).toEqual(refSummarize(ps));
      }),
      { numRuns: 4, endOnFailure: true },
    );
  });
});
