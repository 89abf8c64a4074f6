import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addr, addr4, addr6 } from '../test/arbitraries.js';
import { refParse } from '../test/reference.js';
import { Addr, InvalidArgumentError, IPRange, ParseError, Prefix } from './index.js';

const MAX = { 4: 0xffffffffn, 6: (1n << 128n) - 1n } as const;

/** A slow, readable reference for the range grammar: split on "-", parse both halves with the address reference. */
function refParseRange(s: string): { family: 4 | 6; first: bigint; last: bigint } | undefined {
  const parts = s.split('-');
  if (parts.length !== 2) return undefined;
  const [a, b] = parts.map(refParse);
  if (!a || !b || a.zone !== undefined || b.zone !== undefined) return undefined;
  if (a.family !== b.family || a.value > b.value) return undefined;
  return { family: a.family, first: a.value, last: b.value };
}

/** Any range: two random addresses of one family, or an address and a small or huge span after it. */
const range = fc.oneof(
  fc.tuple(addr4, addr4),
  fc.tuple(addr6, addr6),
  fc.tuple(addr, fc.bigInt({ min: 0n, max: 300n })).map(([a, d]) => [a, a.add(d) ?? Addr.fromBigInt(MAX[a.family], a.family)] as const),
  fc.tuple(addr6, fc.integer({ min: 0, max: 128 })).map(([a, k]) => [a, a.add(1n << BigInt(k)) ?? Addr.fromBigInt(MAX[6], 6)] as const),
).map(([a, b]) => (a.compare(b) <= 0 ? IPRange.from(a, b) : IPRange.from(b, a)));

/** A window of 256 addresses to enumerate: an IPv4 /24 or an IPv6 /120, at either end of the space or inside. */
const window = fc.constantFrom(
  { family: 4 as const, base: 0n },
  { family: 4 as const, base: 0x0a000000n },
  { family: 4 as const, base: 0xffffff00n },
  { family: 6 as const, base: 0n },
  { family: 6 as const, base: 0x20010db8n << 96n },
  { family: 6 as const, base: MAX[6] - 255n },
);

/** A range inside a window, with the window. */
const windowRange = fc
  .tuple(window, fc.nat(255), fc.nat(255))
  .map(([w, x, y]) => ({
    w,
    r: IPRange.from(Addr.fromBigInt(w.base + BigInt(Math.min(x, y)), w.family), Addr.fromBigInt(w.base + BigInt(Math.max(x, y)), w.family)),
  }));

/**
 * refCover is the minimal prefix cover by its definition, for a range inside a window: every aligned block of the
 * window that lies inside the range while the block twice its size (its parent) does not. Slow and obvious.
 */
function refCover(r: IPRange, base: bigint): string[] {
  const lo = r.first().toBigInt();
  const hi = r.last().toBigInt();
  const inside = (start: bigint, size: bigint) => start >= lo && start + size - 1n <= hi;
  const out: { start: bigint; text: string }[] = [];
  for (let k = 0; k <= 8; k++) {
    const size = 1n << BigInt(k);
    for (let start = base; start < base + 256n; start += size) {
      if (inside(start, size) && !inside(start - (start % (2n * size)), 2n * size)) {
        out.push({ start, text: `${Addr.fromBigInt(start, r.family)}/${(r.family === 4 ? 32 : 128) - k}` });
      }
    }
  }
  return out.sort((a, b) => (a.start < b.start ? -1 : 1)).map((x) => x.text);
}

/** siblings reports whether two prefixes are the two halves of one larger prefix, so that they could merge. */
function siblings(p: Prefix, q: Prefix): boolean {
  return p.bits === q.bits && p.bits > 0 && !p.equals(q) && p.supernet(p.bits - 1)!.equals(q.supernet(q.bits - 1)!);
}

describe('IPRange.parse', () => {
  // [input, canonical output, family, first, last]
  it.each([
    ['10.0.0.1-10.0.0.6', '10.0.0.1-10.0.0.6', 4, 0x0a000001n, 0x0a000006n],
    ['10.0.0.1-10.0.0.1', '10.0.0.1-10.0.0.1', 4, 0x0a000001n, 0x0a000001n],
    ['0.0.0.0-255.255.255.255', '0.0.0.0-255.255.255.255', 4, 0n, 0xffffffffn],
    ['2001:DB8::1-2001:db8:0:0:0:0:0:ff', '2001:db8::1-2001:db8::ff', 6, 0x20010db8000000000000000000000001n, 0x20010db80000000000000000000000ffn],
    ['::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 6, 0n, MAX[6]],
    // IPv4-mapped addresses are IPv6 (RFC 4291 section 2.5.5.2) and are written back in mixed notation.
    ['::ffff:10.0.0.1-::ffff:10.0.0.9', '::ffff:10.0.0.1-::ffff:10.0.0.9', 6, 0xffff0a000001n, 0xffff0a000009n],
  ] as const)('parses %s', (input, canonical, family, first, last) => {
    const r = IPRange.parse(input);
    expect(r.toString()).toBe(canonical);
    expect(r.family).toBe(family);
    expect(r.first().toBigInt()).toBe(first);
    expect(r.last().toBigInt()).toBe(last);
    expect(IPRange.parse(input).equals(r)).toBe(true);
    expect(IPRange.parse(r.toString()).equals(r)).toBe(true);
    expect(refParseRange(input)).toEqual({ family, first, last });
  });

  it.each([
    ['', 'no "-"', undefined], // nothing to parse
    ['10.0.0.1', 'no "-"', undefined], // a single address is written a-a
    ['10.0.0.0/24', 'no "-"', undefined], // a prefix, not a range
    ['10.0.0.1-10.0.0.2-10.0.0.3', 'more than one "-"', 17], // three bounds
    ['-10.0.0.1', 'missing first address', 0], // open start
    ['10.0.0.1-', 'missing last address', 9], // open end
    ['10.0.0.1 - 10.0.0.6', 'unexpected character', 8], // no white space around "-"
    ['10.0.0.6-10.0.0.1', 'first address is after last address', 0], // reversed
    ['::2-::1', 'first address is after last address', 0], // reversed, IPv6
    ['10.0.0.1-::1', 'first address is IPv4 but last address is IPv6', 9], // mixed families
    ['::ffff:10.0.0.1-10.0.0.2', 'first address is IPv6 but last address is IPv4', 16], // 4-in-6 stays IPv6
    ['fe80::1%eth0-fe80::2', 'IPv6 zones cannot be present in a range', 7], // zone on the first address
    ['fe80::1-fe80::2%eth0', 'IPv6 zones cannot be present in a range', 15], // zone on the last address
    ['10.0.0.1%eth0-10.0.0.2', 'IPv4 address cannot have a zone', 8], // zones are IPv6 only
    ['010.0.0.1-10.0.0.2', 'IPv4 field has octet with leading zero', 0], // the address grammar applies, strictly
    ['10.0.0.1-10.0.0.256', 'IPv4 field has value >255', 16], // octet overflow in the last address, offset in the input
    ['10.0.0.1-10.0.0', 'IPv4 address too short', 15], // inet_aton's short form
    ['1::2::3-::4', 'multiple :: in address', 4], // ambiguous IPv6
    ['[::1]-[::2]', 'unexpected character', 0], // brackets belong to URLs
  ])('rejects %j: %s', (input, reason, at) => {
    expect(IPRange.tryParse(input)).toBeUndefined();
    expect(refParseRange(input)).toBeUndefined();
    let err: unknown;
    try {
      IPRange.parse(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParseError);
    const pe = err as ParseError;
    expect(pe.reason).toBe(reason);
    expect(pe.at).toBe(at);
    expect(pe.input).toBe(input);
    expect(pe.message).toBe(`IPRange.parse(${JSON.stringify(input)}): ${reason}`);
  });

  it('rejects what is not a string', () => {
    expect(IPRange.tryParse(42 as unknown as string)).toBeUndefined();
    expect(() => IPRange.parse(null as unknown as string)).toThrow('IPRange.parse(null): input is not a string');
  });

  it('agrees with the reference on joined address texts and near misses (property)', () => {
    const text = fc.oneof(
      addr.map(String),
      fc.string({ unit: fc.constantFrom(...'019af:.-%'.split('')), maxLength: 12 }),
    );
    fc.assert(
      fc.property(text, text, fc.constantFrom('-', '', '--', ' - '), (a, b, dash) => {
        const s = a + dash + b;
        const ours = IPRange.tryParse(s);
        const ref = refParseRange(s);
        expect(ours && { family: ours.family, first: ours.first().toBigInt(), last: ours.last().toBigInt() }).toEqual(ref);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips every range through toString and JSON (property)', () => {
    fc.assert(
      fc.property(range, (r) => {
        expect(IPRange.parse(r.toString()).equals(r)).toBe(true);
        expect(IPRange.fromJSON(JSON.parse(JSON.stringify(r)) as string).equals(r)).toBe(true);
      }),
    );
  });
});

describe('IPRange.from', () => {
  it('makes the inclusive range', () => {
    const r = IPRange.from(Addr.parse('10.0.0.1'), Addr.parse('10.0.0.6'));
    expect([r.first().toString(), r.last().toString(), r.size]).toEqual(['10.0.0.1', '10.0.0.6', 6n]);
  });

  it.each([
    [['10.0.0.1', '::1'], 'IPRange.from: first address "10.0.0.1" is IPv4 but last address "::1" is IPv6'],
    [['::ffff:10.0.0.1', '10.0.0.2'], 'IPRange.from: first address "::ffff:10.0.0.1" is IPv6 but last address "10.0.0.2" is IPv4'],
    [['10.0.0.6', '10.0.0.1'], 'IPRange.from: first address "10.0.0.6" is after last address "10.0.0.1"'],
    [['fe80::1%eth0', 'fe80::2'], 'IPRange.from: IPv6 zones cannot be present in a range ("fe80::1%eth0-fe80::2")'],
    [['fe80::1', 'fe80::2%eth0'], 'IPRange.from: IPv6 zones cannot be present in a range ("fe80::1-fe80::2%eth0")'],
  ])('rejects %j with InvalidArgumentError', ([a, b], message) => {
    const f = () => IPRange.from(Addr.parse(a!), Addr.parse(b!));
    expect(f).toThrow(InvalidArgumentError);
    expect(f).toThrow(message);
  });
});

describe('IPRange.fromPrefix', () => {
  it('spans the prefix, host bits cleared', () => {
    expect(IPRange.fromPrefix(Prefix.parse('10.0.0.0/24')).toString()).toBe('10.0.0.0-10.0.0.255');
    expect(IPRange.fromPrefix(Prefix.from(Addr.parse('10.1.2.3'), 8)).toString()).toBe('10.0.0.0-10.255.255.255');
    expect(IPRange.fromPrefix(Prefix.parse('::/0')).size).toBe(1n << 128n);
  });

  it('is undone by prefix() and has the same size and members (property)', () => {
    fc.assert(
      fc.property(fc.tuple(addr, fc.nat()).map(([a, n]) => Prefix.from(a, n % (a.bitLength + 1))), addr, (p, a) => {
        const r = IPRange.fromPrefix(p);
        expect(r.prefix()?.equals(p.masked())).toBe(true);
        expect(r.prefixes()).toEqual([p.masked()]);
        expect(r.size).toBe(p.size);
        expect(r.contains(a)).toBe(p.contains(a));
      }),
    );
  });
});

describe('IPRange.size', () => {
  it.each([
    ['10.0.0.1-10.0.0.1', 1n],
    ['10.0.0.1-10.0.0.6', 6n],
    ['0.0.0.0-255.255.255.255', 1n << 32n],
    ['::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 1n << 128n],
    ['::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe', (1n << 128n) - 2n],
  ])('%s has %d addresses', (s, n) => {
    expect(IPRange.parse(s).size).toBe(n);
  });

  it('is last − first + 1, exactly (property)', () => {
    fc.assert(
      fc.property(range, (r) => {
        expect(r.size).toBe(r.last().toBigInt() - r.first().toBigInt() + 1n);
      }),
    );
  });
});

describe('IPRange relations', () => {
  const r = IPRange.parse('10.0.0.10-10.0.0.20');
  it.each([
    ['10.0.0.9', false],
    ['10.0.0.10', true],
    ['10.0.0.20', true],
    ['10.0.0.21', false],
    ['::ffff:10.0.0.15', false], // IPv4-mapped IPv6 is not IPv4
  ])('contains(%s) is %s', (a, want) => {
    expect(r.contains(Addr.parse(a))).toBe(want);
  });

  it('never contains an address with a zone', () => {
    expect(IPRange.parse('fe80::-fe80::ffff').contains(Addr.parse('fe80::1%eth0'))).toBe(false);
  });

  // Edge cases of two intervals, a = 10…20:
  //   b:   [5 … 9]  [5 … 10]  [10 … 20]  [12 … 15]  [20 … 25]  [21 … 30]  [5 … 30]
  //   ∩:    none     10        all        inside     20         none       a inside b
  it.each([
    ['10.0.0.5-10.0.0.9', false, false],
    ['10.0.0.5-10.0.0.10', true, false],
    ['10.0.0.10-10.0.0.20', true, true],
    ['10.0.0.12-10.0.0.15', true, true],
    ['10.0.0.20-10.0.0.25', true, false],
    ['10.0.0.21-10.0.0.30', false, false],
    ['10.0.0.5-10.0.0.30', true, false],
    ['::ffff:10.0.0.10-::ffff:10.0.0.20', false, false],
  ])('with %s: overlaps is %s, containsRange is %s', (s, overlaps, contains) => {
    const o = IPRange.parse(s);
    expect(r.overlaps(o)).toBe(overlaps);
    expect(o.overlaps(r)).toBe(overlaps);
    expect(r.containsRange(o)).toBe(contains);
  });

  it('agree with the integer model (property)', () => {
    fc.assert(
      fc.property(range, range, addr, (a, b, x) => {
        const [af, al, bf, bl, v] = [a.first(), a.last(), b.first(), b.last(), x].map((y) => y.toBigInt()) as bigint[];
        const same = a.family === b.family;
        expect(a.contains(x)).toBe(a.family === x.family && af! <= v! && v! <= al!);
        expect(a.overlaps(b)).toBe(same && af! <= bl! && bf! <= al!);
        expect(a.overlaps(b)).toBe(b.overlaps(a));
        expect(a.containsRange(b)).toBe(same && af! <= bf! && bl! <= al!);
        if (a.containsRange(b)) expect(a.overlaps(b)).toBe(true);
      }),
    );
  });
});

describe('IPRange.prefixes', () => {
  it('splits the contract example', () => {
    expect(IPRange.parse('10.0.0.1-10.0.0.6').prefixes().map(String)).toEqual(['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/31', '10.0.0.6/32']);
  });

  it.each([
    ['0.0.0.0-255.255.255.255', ['0.0.0.0/0']],
    ['::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', ['::/0']],
    ['255.255.255.255-255.255.255.255', ['255.255.255.255/32']],
    ['128.0.0.0-255.255.255.255', ['128.0.0.0/1']],
    ['127.255.255.255-128.0.0.0', ['127.255.255.255/32', '128.0.0.0/32']],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127']],
    ['::ffff:ffff-::1:0:0', ['::ffff:ffff/128', '::1:0:0/128']], // a carry across IPv6 words
    ['::1:0:0-::1:ffff:ffff', ['::1:0:0/96']],
  ])('splits %s', (s, want) => {
    expect(IPRange.parse(s).prefixes().map(String)).toEqual(want);
  });

  it('splits 0.0.0.1-255.255.255.254 into 62 prefixes, /32 … /2 … /32', () => {
    const ps = IPRange.parse('0.0.0.1-255.255.255.254').prefixes();
    expect(ps.map((p) => p.bits)).toEqual([...Array.from({ length: 31 }, (_, i) => 32 - i), ...Array.from({ length: 31 }, (_, i) => 2 + i)]);
    expect(IPRange.parse('::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe').prefixes()).toHaveLength(254);
  });

  it('is the set of maximal aligned blocks, by brute force over /24 and /120 windows (property)', () => {
    fc.assert(
      fc.property(windowRange, ({ w, r }) => {
        expect(r.prefixes().map(String)).toEqual(refCover(r, w.base));
      }),
      { numRuns: 500 },
    );
  });

  it('covers exactly, in order, with no two prefixes that could merge and none that could grow (property)', () => {
    fc.assert(
      fc.property(range, (r) => {
        const [lo, hi] = [r.first().toBigInt(), r.last().toBigInt()];
        const ps = r.prefixes();
        let next = lo;
        for (const [i, p] of ps.entries()) {
          const start = p.addr.toBigInt();
          // Each prefix is canonical and starts where the previous one ended.
          if (!p.masked().equals(p) || start !== next) expect.fail(`${p} does not follow on at ${next}`);
          next = start + p.size;
          // Its parent does not fit in the range, and it is not the sibling of the previous prefix.
          const parent = 2n * p.size;
          const parentStart = start - (start % parent);
          if (p.bits > 0 && parentStart >= lo && parentStart + parent - 1n <= hi) expect.fail(`${p} could grow`);
          if (i > 0 && siblings(ps[i - 1]!, p)) expect.fail(`${ps[i - 1]} and ${p} could merge`);
        }
        expect(next - 1n).toBe(hi);
      }),
      { numRuns: 300 },
    );
  });
});

describe('IPRange.prefix', () => {
  it.each([
    ['10.0.0.0-10.0.0.255', '10.0.0.0/24'],
    ['10.0.0.7-10.0.0.7', '10.0.0.7/32'],
    ['10.0.0.1-10.0.0.6', undefined],
    ['10.0.0.0-10.0.0.254', undefined],
    ['10.0.0.128-10.0.1.127', undefined], // the size of a /24 but not aligned
    ['::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '::/0'],
    ['2001:db8::-2001:db8::ffff:ffff', '2001:db8::/96'],
    ['2001:db8::1-2001:db8::1:0', undefined],
  ])('%s is %s', (s, want) => {
    expect(IPRange.parse(s).prefix()?.toString()).toBe(want);
  });

  it('is the cover when the cover is one prefix (property)', () => {
    fc.assert(
      fc.property(range, (r) => {
        const ps = r.prefixes();
        expect(r.prefix()).toEqual(ps.length === 1 ? ps[0] : undefined);
      }),
    );
  });
});

describe('IPRange.compare', () => {
  it('sorts IPv4 first, then by first address, then larger ranges first', () => {
    const rs = ['::1-::2', '10.0.0.1-10.0.0.2', '10.0.0.0-10.0.0.9', '10.0.0.0-10.0.0.255', '9.0.0.0-11.0.0.0'].map((s) => IPRange.parse(s));
    expect(rs.sort(IPRange.compare).map(String)).toEqual(['9.0.0.0-11.0.0.0', '10.0.0.0-10.0.0.255', '10.0.0.0-10.0.0.9', '10.0.0.1-10.0.0.2', '::1-::2']);
  });

  it('is a total order consistent with equals (property)', () => {
    fc.assert(
      fc.property(range, range, range, (a, b, c) => {
        expect(Math.sign(a.compare(b)) + Math.sign(b.compare(a))).toBe(0);
        expect(a.compare(b) === 0).toBe(a.equals(b));
        if (a.compare(b) <= 0 && b.compare(c) <= 0) expect(a.compare(c)).toBeLessThanOrEqual(0);
      }),
    );
  });
});
