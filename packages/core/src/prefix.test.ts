import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addr, prefix, rawPrefix } from '../test/arbitraries.js';
import { Addr, InvalidArgumentError, ParseError, Prefix } from './index.js';

/** A slow model of a prefix: its first address and size as bigints. */
function span(p: Prefix): { lo: bigint; hi: bigint } {
  const size = 1n << BigInt(p.addr.bitLength - p.bits);
  const lo = (p.addr.toBigInt() / size) * size;
  return { lo, hi: lo + size - 1n };
}

describe('Prefix.parse', () => {
  it.each([
    ['10.244.0.0/16', '10.244.0.0', 16, 65536n],
    ['0.0.0.0/0', '0.0.0.0', 0, 1n << 32n],
    ['10.1.2.3/32', '10.1.2.3', 32, 1n],
    ['2001:db8::/32', '2001:db8::', 32, 1n << 96n],
    ['2001:DB8:0:0::/64', '2001:db8::', 64, 1n << 64n],
    ['::/0', '::', 0, 1n << 128n],
    ['::1/128', '::1', 128, 1n],
    ['::ffff:10.0.0.0/104', '::ffff:10.0.0.0', 104, 1n << 24n],
    ['fd00:10:244::/56', 'fd00:10:244::', 56, 1n << 72n],
  ] as const)('parses %s', (input, a, bits, size) => {
    const p = Prefix.parse(input);
    expect(p.addr.toString()).toBe(a);
    expect(p.bits).toBe(bits);
    expect(p.size).toBe(size);
    expect(Prefix.parse(p.toString()).equals(p)).toBe(true);
    expect(Prefix.tryParse(input)?.equals(p)).toBe(true);
  });

  it.each([
    ['10.244.1.0/16', 'host bits set (the prefix would be 10.244.0.0/16)'], // not the network address
    ['10.0.0.1/8', 'host bits set (the prefix would be 10.0.0.0/8)'], // an interface address, not a network
    ['2001:db8::1/64', 'host bits set (the prefix would be 2001:db8::/64)'], // IPv6 host bits
    ['10.0.0.0', 'no "/"'], // an address without a length
    ['10.0.0.0/', 'missing prefix length'], // empty length
    ['/8', 'missing address'], // empty address
    ['10.0.0.0/33', 'prefix length out of range for IPv4 (0…32)'], // too long for IPv4
    ['::/129', 'prefix length out of range for IPv6 (0…128)'], // too long for IPv6
    ['10.0.0.0/08', 'prefix length has leading zero'], // one spelling only
    ['10.0.0.0/+8', 'prefix length must be decimal digits'], // sign
    ['10.0.0.0/8 ', 'prefix length must be decimal digits'], // trailing space
    ['10.0.0.0/255.0.0.0', 'prefix length must be decimal digits'], // netmask form
    ['fe80::%eth0/64', 'IPv6 zones cannot be present in a prefix'], // zones name links, prefixes do not
    ['010.0.0.0/8', 'IPv4 field has octet with leading zero'], // strict address grammar applies
    ['10.0.0.0/8/8', 'unexpected character'], // two slashes
  ])('rejects %j: %s', (input, reason) => {
    expect(Prefix.tryParse(input)).toBeUndefined();
    try {
      Prefix.parse(input);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      expect((e as ParseError).reason).toBe(reason);
      expect((e as ParseError).message).toBe(`Prefix.parse(${JSON.stringify(input)}): ${reason}`);
    }
  });

  it('round-trips through toString and JSON (property)', () => {
    fc.assert(
      fc.property(prefix, (p) => {
        expect(Prefix.parse(p.toString()).equals(p)).toBe(true);
        expect(Prefix.fromJSON(JSON.parse(JSON.stringify(p)) as string).equals(p)).toBe(true);
      }),
    );
  });
});

describe('Prefix.from', () => {
  it('keeps host bits; masked() clears them', () => {
    const p = Prefix.from(Addr.parse('10.244.1.7'), 16);
    expect(p.toString()).toBe('10.244.1.7/16');
    expect(p.masked().toString()).toBe('10.244.0.0/16');
    expect(p.first().toString()).toBe('10.244.0.0');
    expect(p.last().toString()).toBe('10.244.255.255');
  });

  it('rejects lengths out of range and zones', () => {
    expect(() => Prefix.from(Addr.parse('10.0.0.0'), 33)).toThrow(InvalidArgumentError);
    expect(() => Prefix.from(Addr.parse('::'), 1.5)).toThrow(InvalidArgumentError);
    expect(() => Prefix.from(Addr.parse('fe80::1%eth0'), 64)).toThrow('IPv6 zones cannot be present in a prefix');
  });

  it('masked() is idempotent and keeps first, last and size (property)', () => {
    fc.assert(
      fc.property(rawPrefix, (p) => {
        const m = p.masked();
        expect(m.masked().equals(m)).toBe(true);
        expect(m.first().equals(p.first())).toBe(true);
        expect(m.last().equals(p.last())).toBe(true);
        expect(m.size).toBe(p.size);
        const { lo, hi } = span(p);
        expect(p.first().toBigInt()).toBe(lo);
        expect(p.last().toBigInt()).toBe(hi);
      }),
    );
  });
});

describe('Prefix.contains', () => {
  it('follows the contract example', () => {
    const p = Prefix.parse('10.244.0.0/16');
    expect(p.contains(Addr.parse('10.244.3.4'))).toBe(true);
    expect(p.contains(Addr.parse('10.245.0.0'))).toBe(false);
    expect(p.overlaps(Prefix.parse('10.0.0.0/8'))).toBe(true);
  });

  it('never mixes families, even for IPv4-mapped addresses', () => {
    expect(Prefix.parse('10.0.0.0/8').contains(Addr.parse('::ffff:10.0.0.1'))).toBe(false);
    expect(Prefix.parse('::/0').contains(Addr.parse('10.0.0.1'))).toBe(false);
    expect(Prefix.parse('0.0.0.0/0').contains(Addr.parse('::'))).toBe(false);
    expect(Prefix.parse('0.0.0.0/0').overlaps(Prefix.parse('::/0'))).toBe(false);
  });

  it('never contains an address with a zone', () => {
    expect(Prefix.parse('fe80::/10').contains(Addr.parse('fe80::1%eth0'))).toBe(false);
    expect(Prefix.parse('fe80::/10').contains(Addr.parse('fe80::1'))).toBe(true);
  });

  it('agrees with bigint arithmetic (property)', () => {
    fc.assert(
      fc.property(rawPrefix, addr, (p, a) => {
        const { lo, hi } = span(p);
        const v = a.toBigInt();
        expect(p.contains(a)).toBe(a.family === p.family && v >= lo && v <= hi);
      }),
      { numRuns: 2000 },
    );
  });

  it('contains its own first and last addresses (property)', () => {
    fc.assert(
      fc.property(rawPrefix, (p) => {
        expect(p.contains(p.first())).toBe(true);
        expect(p.contains(p.last())).toBe(true);
        expect(p.contains(p.addr)).toBe(true);
        const before = p.first().prev();
        const after = p.last().next();
        if (before) expect(p.contains(before)).toBe(false);
        if (after) expect(p.contains(after)).toBe(false);
      }),
    );
  });
});

describe('Prefix.overlaps and Prefix.containsPrefix', () => {
  it('overlaps is symmetric and agrees with interval arithmetic (property)', () => {
    const near = fc.tuple(prefix, fc.nat(), fc.nat()).map(([p, n, m]) => {
      const max = p.addr.bitLength;
      return [p, p.addr.prefix(Math.max(0, p.bits - (n % 9))), (m % (max + 1))] as const;
    });
    fc.assert(
      fc.property(near, prefix, ([p, q, _], r) => {
        for (const other of [q, r]) {
          expect(p.overlaps(other)).toBe(other.overlaps(p));
          const a = span(p);
          const b = span(other);
          const expected = p.family === other.family && a.lo <= b.hi && b.lo <= a.hi;
          expect(p.overlaps(other)).toBe(expected);
          expect(p.containsPrefix(other)).toBe(p.family === other.family && a.lo <= b.lo && b.hi <= a.hi);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Prefix.subnets', () => {
  it('splits lazily in order', () => {
    expect([...Prefix.parse('10.244.0.0/16').subnets(18)].map(String)).toEqual([
      '10.244.0.0/18',
      '10.244.64.0/18',
      '10.244.128.0/18',
      '10.244.192.0/18',
    ]);
    expect([...Prefix.parse('10.0.0.0/8').subnets(8)].map(String)).toEqual(['10.0.0.0/8']);
  });

  it('handles huge IPv6 splits without materializing them', () => {
    const it6 = Prefix.parse('2001:db8::/32').subnets(64);
    expect(it6.next().value?.toString()).toBe('2001:db8::/64');
    expect(it6.next().value?.toString()).toBe('2001:db8:0:1::/64');
    const whole = Prefix.parse('::/0').subnets(1);
    expect([...whole].map(String)).toEqual(['::/1', '8000::/1']);
    const last = [...Prefix.parse('255.255.255.0/24').subnets(25)].map(String);
    expect(last).toEqual(['255.255.255.0/25', '255.255.255.128/25']);
  });

  it('rejects impossible lengths', () => {
    expect(() => [...Prefix.parse('10.0.0.0/16').subnets(15)]).toThrow(InvalidArgumentError);
    expect(() => [...Prefix.parse('10.0.0.0/16').subnets(33)]).toThrow(InvalidArgumentError);
  });

  it('tiles the parent exactly (property)', () => {
    fc.assert(
      fc.property(prefix, fc.integer({ min: 0, max: 6 }), (p, extra) => {
        const bits = Math.min(p.addr.bitLength, p.bits + extra);
        const subs = [...p.subnets(bits)];
        expect(subs.length).toBe(2 ** (bits - p.bits));
        let expectedNext = p.first().toBigInt();
        for (const s of subs) {
          expect(s.bits).toBe(bits);
          expect(s.first().toBigInt()).toBe(expectedNext);
          expect(p.containsPrefix(s)).toBe(true);
          expectedNext = s.last().toBigInt() + 1n;
        }
        expect(expectedNext).toBe(p.last().toBigInt() + 1n);
      }),
    );
  });
});

describe('Prefix.supernet and Prefix.next', () => {
  it('follows the contract example', () => {
    expect(Prefix.parse('10.244.0.0/16').supernet(12)?.toString()).toBe('10.240.0.0/12');
    expect(Prefix.parse('10.244.0.0/16').supernet(17)).toBeUndefined();
    expect(Prefix.parse('10.244.0.0/16').supernet(-1)).toBeUndefined();
    expect(Prefix.parse('10.244.0.0/16').supernet(16)?.toString()).toBe('10.244.0.0/16');
  });

  it('steps to the adjacent prefix and stops at the end', () => {
    expect(Prefix.parse('10.244.255.0/24').next()?.toString()).toBe('10.245.0.0/24');
    expect(Prefix.parse('255.255.255.0/24').next()).toBeUndefined();
    expect(Prefix.parse('ffff::/16').next()).toBeUndefined();
    expect(Prefix.parse('::/1').next()?.toString()).toBe('8000::/1');
  });

  it('supernet contains the prefix (property)', () => {
    fc.assert(
      fc.property(prefix, fc.nat(), (p, n) => {
        const s = p.supernet(n % (p.bits + 1));
        expect(s?.containsPrefix(p)).toBe(true);
        expect(s?.masked().equals(s)).toBe(true);
      }),
    );
  });
});

describe('Prefix.compare', () => {
  it('is a total order consistent with equals (property)', () => {
    fc.assert(
      fc.property(rawPrefix, rawPrefix, rawPrefix, (a, b, c) => {
        expect(Math.sign(a.compare(b)) + Math.sign(b.compare(a))).toBe(0);
        expect(a.compare(b) === 0).toBe(a.equals(b));
        if (a.compare(b) <= 0 && b.compare(c) <= 0) expect(a.compare(c)).toBeLessThanOrEqual(0);
      }),
    );
  });

  it('sorts by family, first address, then shorter first', () => {
    const sorted = ['::/0', '10.0.0.0/16', '10.0.0.0/8', '9.0.0.0/8', '10.1.0.0/16'].map((s) => Prefix.parse(s)).sort(Prefix.compare);
    expect(sorted.map(String)).toEqual(['9.0.0.0/8', '10.0.0.0/8', '10.0.0.0/16', '10.1.0.0/16', '::/0']);
  });
});
