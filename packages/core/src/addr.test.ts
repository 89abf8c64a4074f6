import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addr, addr4, addr6, text6, zone } from '../test/arbitraries.js';
import { refFormat, refParse } from '../test/reference.js';
import { Addr, IpamError, InvalidArgumentError, ParseError } from './index.js';

describe('Addr.parse', () => {
  // [input, canonical output, family, value]
  it.each([
    ['0.0.0.0', '0.0.0.0', 4, 0n],
    ['10.0.0.1', '10.0.0.1', 4, 167772161n],
    ['192.168.1.255', '192.168.1.255', 4, 0xc0a801ffn],
    ['255.255.255.255', '255.255.255.255', 4, 0xffffffffn],
    // RFC 4291 section 2.2 form 1: all eight fields, leading zeros allowed.
    ['2001:0DB8:0000:0000:0008:0800:200C:417A', '2001:db8::8:800:200c:417a', 6, 0x20010db8000000000008080020_0c417an],
    ['ABCD:EF01:2345:6789:ABCD:EF01:2345:6789', 'abcd:ef01:2345:6789:abcd:ef01:2345:6789', 6, 0xabcdef0123456789abcdef0123456789n],
    // Form 2: "::" for one or more groups of zeros.
    ['2001:DB8:0:0::1', '2001:db8::1', 6, 0x20010db8000000000000000000000001n],
    ['FF01::101', 'ff01::101', 6, 0xff010000000000000000000000000101n],
    ['::1', '::1', 6, 1n],
    ['::', '::', 6, 0n],
    ['1::', '1::', 6, 1n << 112n],
    ['1:0:0:0:0:0:0:0', '1::', 6, 1n << 112n],
    ['0:0:0:0:0:0:0:1', '::1', 6, 1n],
    // A single zero group is not shortened (RFC 5952 section 4.2.2).
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1', 6, 0x20010db8000000010001000100010001n],
    ['2001:db8::1:1:1:1:1', '2001:db8:0:1:1:1:1:1', 6, 0x20010db8000000010001000100010001n],
    // The longest run is shortened (RFC 5952 section 4.2.3), the first one on a tie.
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1', 6, 0x20010000000000010000000000000001n],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 6, 0x20010db8000000000001000000000001n],
    // Form 3: dotted IPv4 in the last 32 bits.
    ['::ffff:10.1.2.3', '::ffff:10.1.2.3', 6, 0xffff0a010203n],
    ['::FFFF:129.144.52.38', '::ffff:129.144.52.38', 6, 0xffff81903426n],
    ['0:0:0:0:0:0:13.1.68.3', '::d01:4403', 6, 0x0d014403n],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221', 6, 0x0064ff9b0000000000000000c0000221n],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304', 6, 0x00010002000300040005000601020304n],
  ] as const)('parses %s', (input, canonical, family, value) => {
    const a = Addr.parse(input);
    expect(a.toString()).toBe(canonical);
    expect(a.family).toBe(family);
    expect(a.toBigInt()).toBe(value);
    expect(a.zone).toBeUndefined();
    // Pure: parsing again gives an equal value; the canonical form parses to the same value.
    expect(Addr.parse(input).equals(a)).toBe(true);
    expect(Addr.parse(a.toString()).equals(a)).toBe(true);
    // Agrees with the slow reference.
    expect(refParse(input)).toEqual({ family, value });
    expect(refFormat({ family, value })).toBe(canonical);
  });

  it.each([
    ['fe80::1%eth0', 'fe80::1%eth0', 'eth0'],
    ['fe80::1%1', 'fe80::1%1', '1'],
    ['FE80::1%Eth0.100', 'fe80::1%Eth0.100', 'Eth0.100'],
    ['::ffff:1.2.3.4%eth0', '::ffff:1.2.3.4%eth0', 'eth0'],
    ['fe80::1%%', 'fe80::1%%', '%'],
  ])('parses the zone of %s (RFC 4007)', (input, canonical, z) => {
    const a = Addr.parse(input);
    expect(a.zone).toBe(z);
    expect(a.toString()).toBe(canonical);
    expect(Addr.parse(a.toString()).equals(a)).toBe(true);
  });

  it.each([
    ['', 'empty string'], // nothing to parse
    ['1', 'unable to parse IP'], // neither dots nor colons
    ['010.1.1.1', 'IPv4 field has octet with leading zero'], // was octal to inet_aton
    ['1.2.3.04', 'IPv4 field has octet with leading zero'], // leading zero in the last field
    ['00.1.2.3', 'IPv4 field has octet with leading zero'], // a zero is written "0"
    ['256.1.1.1', 'IPv4 field has value >255'], // octet overflow
    ['1.2.3.1000', 'IPv4 field has value >255'], // octet overflow, long field
    ['1.2.3', 'IPv4 address too short'], // inet_aton's short form
    ['1.2.3.4.5', 'IPv4 address too long'], // five fields
    ['1..2.3', 'IPv4 field must have at least one digit'], // empty field
    ['1.2.3.', 'IPv4 field must have at least one digit'], // trailing dot
    ['.1.2.3', 'IPv4 field must have at least one digit'], // leading dot
    ['0x7f.0.0.1', 'unexpected character'], // hex field
    ['1.2.3.4 ', 'unexpected character'], // trailing white space
    [' 1.2.3.4', 'unexpected character'], // leading white space
    ['1.2.3.4%eth0', 'IPv4 address cannot have a zone'], // zones are IPv6 only
    ['1.2.3.4/32', 'unexpected character'], // a prefix, not an address
    ['-1.2.3.4', 'unexpected character'], // sign
    ['１.2.3.4', 'unexpected character'], // full-width digit
    ['%eth0', 'missing IPv6 address'], // zone alone
    ['fe80::1%', 'zone must be a non-empty string'], // empty zone
    ['[::1]', 'unexpected character'], // brackets belong to URLs
    ['1:2:3:4:5:6:7', 'address string too short'], // seven groups
    ['1:2:3:4:5:6:7:8:9', 'trailing garbage after address'], // nine groups
    ['1:2:3:4:5:6:7:8::', 'the :: must expand to at least one field of zeros'], // "::" after eight groups
    ['1:2:3:4::5:6:7:8', 'the :: must expand to at least one field of zeros'], // "::" standing for nothing
    ['1::2::3', 'multiple :: in address'], // ambiguous
    [':1:2:3:4:5:6:7', 'each colon-separated field must have at least one digit'], // leading single colon
    ['1:2:3:4:5:6:7:', 'colon must be followed by more characters'], // trailing single colon
    ['12345::1', 'each colon-separated field must have at most 4 hex digits'], // five hex digits
    ['00000::1', 'each colon-separated field must have at most 4 hex digits'], // five digits even when zero
    ['1:2:3:4:5:1.2.3.4', 'embedded IPv4 address must replace the final 2 fields of the address'], // v4 too early
    ['1:2:3:4:5:6:7:1.2.3.4', 'too many hex fields to fit an embedded IPv4 at the end of the address'], // v4 too late
    ['::1.2.3', 'IPv4 address too short'], // bad embedded IPv4
    ['::010.2.3.4', 'IPv4 field has octet with leading zero'], // embedded IPv4 is strict too
    ['1.2.3.4::', 'unexpected character'], // IPv4 before IPv6
    ['g::1', 'unexpected character'], // "g" is not a hex digit
    ['1:2:3:4:5:6:7:8%', 'zone must be a non-empty string'], // empty zone after a full address
  ])('rejects %j: %s', (input, reason) => {
    expect(Addr.tryParse(input)).toBeUndefined();
    expect(refParse(input)).toBeUndefined();
    let err: unknown;
    try {
      Addr.parse(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParseError);
    const pe = err as ParseError;
    expect(pe.code).toBe('ERR_PARSE');
    expect(pe.reason).toBe(reason);
    expect(pe.input).toBe(input);
    expect(pe.message).toBe(`Addr.parse(${JSON.stringify(input)}): ${reason}`);
    expect(IpamError.isInstance(pe)).toBe(true);
  });

  it('names the API and quotes the input in the message', () => {
    expect(() => Addr.parse('010.1.1.1')).toThrow('Addr.parse("010.1.1.1"): IPv4 field has octet with leading zero');
  });

  it('cuts hostile input in the message but keeps it whole in .input', () => {
    const input = '1'.repeat(100_000);
    try {
      Addr.parse(input);
      expect.unreachable();
    } catch (e) {
      expect((e as ParseError).message.length).toBeLessThan(200);
      expect((e as ParseError).input).toBe(input);
    }
  });

  it('rejects what is not a string', () => {
    expect(Addr.tryParse(42 as unknown as string)).toBeUndefined();
    expect(() => Addr.parse(null as unknown as string)).toThrow(ParseError);
  });

  it('agrees with the reference on every RFC 4291 text form (property)', () => {
    fc.assert(
      fc.property(text6, ({ text, value }) => {
        const a = Addr.parse(text);
        expect(a.toBigInt()).toBe(value);
        expect(refParse(text)).toEqual({ family: 6, value });
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with the reference on arbitrary strings over the address alphabet (property)', () => {
    const chars = fc.constantFrom(...'0123456789abcdefABCDEF:.%'.split(''));
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 45 }), (s) => {
        const ours = Addr.tryParse(s);
        const ref = refParse(s);
        if (ref === undefined) expect(ours).toBeUndefined();
        else {
          expect(ours?.family).toBe(ref.family);
          expect(ours?.toBigInt()).toBe(ref.value);
          expect(ours?.zone).toBe(ref.zone);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe('Addr.toString', () => {
  it('round-trips through Addr.parse and matches the RFC 5952 reference (property)', () => {
    fc.assert(
      fc.property(addr, (a) => {
        const s = a.toString();
        expect(Addr.parse(s).equals(a)).toBe(true);
        expect(s).toBe(refFormat({ family: a.family, value: a.toBigInt() }));
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips addresses with zones (property)', () => {
    fc.assert(
      fc.property(addr6, zone, (a, z) => {
        const withZone = a.withZone(z);
        expect(Addr.parse(withZone.toString()).equals(withZone)).toBe(true);
        expect(withZone.zone).toBe(z);
      }),
    );
  });

  it('round-trips through JSON', () => {
    fc.assert(
      fc.property(addr, (a) => {
        expect(Addr.fromJSON(JSON.parse(JSON.stringify(a)) as string).equals(a)).toBe(true);
      }),
    );
  });
});

describe('Addr factories', () => {
  it('builds from 4 and 16 bytes', () => {
    expect(Addr.from4([10, 0, 0, 1]).toString()).toBe('10.0.0.1');
    expect(Addr.from16(new Uint8Array([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])).toString()).toBe('2001:db8::1');
    expect(Addr.from16([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3]).is4In6()).toBe(true);
  });

  it.each([
    [() => Addr.from4([1, 2, 3]), 'expected 4 bytes'],
    [() => Addr.from4([1, 2, 3, 256]), 'byte 3 is 256'],
    [() => Addr.from16([1]), 'expected 16 bytes'],
    [() => Addr.fromBigInt(1n << 32n, 4), 'is not an IPv4 value'],
    [() => Addr.fromBigInt(-1n, 6), 'is not an IPv6 value'],
    [() => Addr.fromBigInt(1n, 5 as 4), 'family must be 4 or 6'],
    [() => Addr.fromUint32(2 ** 32), 'is not an integer'],
    [() => Addr.fromUint32(1.5), 'is not an integer'],
  ])('rejects bad arguments with InvalidArgumentError (%#)', (f, text) => {
    expect(f).toThrow(InvalidArgumentError);
    expect(f).toThrow(text);
  });

  it('fromBigInt, toBigInt and toBytes agree (property)', () => {
    fc.assert(
      fc.property(addr, (a) => {
        expect(Addr.fromBigInt(a.toBigInt(), a.family).equals(a)).toBe(true);
        const bytes = a.toBytes();
        expect(bytes.length).toBe(a.family === 4 ? 4 : 16);
        expect((a.family === 4 ? Addr.from4(bytes) : Addr.from16(bytes)).equals(a)).toBe(true);
        expect(Addr.from16(a.as16()).unmap().equals(a.family === 4 ? a : a.unmap())).toBe(true);
      }),
    );
  });

  it('fromBigInt matches the contract example', () => {
    expect(Addr.fromBigInt(167772161n, 4).toString()).toBe('10.0.0.1');
  });
});

describe('Addr 4-in-6', () => {
  it('keeps an IPv4-mapped address IPv6 until unmap', () => {
    const a = Addr.parse('::ffff:10.1.2.3');
    expect(a.is4In6()).toBe(true);
    expect(a.is6()).toBe(true);
    expect(a.equals(Addr.parse('10.1.2.3'))).toBe(false);
    expect(a.unmap().toString()).toBe('10.1.2.3');
    expect(a.unmap().is4()).toBe(true);
    expect(Addr.parse('::10.1.2.3').is4In6()).toBe(false);
    expect(Addr.parse('10.1.2.3').unmap().toString()).toBe('10.1.2.3');
  });
});

describe('Addr.next and Addr.prev', () => {
  it.each([
    ['10.0.0.255', '10.0.1.0'],
    ['0.0.0.0', '0.0.0.1'],
    ['::', '::1'],
    ['::ffff:ffff', '::1:0:0'],
    ['1:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '2::'],
    ['fe80::ffff:ffff%eth0', 'fe80::1:0:0%eth0'],
  ])('next(%s) is %s', (a, b) => {
    expect(Addr.parse(a).next()?.toString()).toBe(b);
    expect(Addr.parse(b).prev()?.toString()).toBe(a);
  });

  it('returns undefined past the ends', () => {
    expect(Addr.parse('255.255.255.255').next()).toBeUndefined();
    expect(Addr.parse('0.0.0.0').prev()).toBeUndefined();
    expect(Addr.parse('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff').next()).toBeUndefined();
    expect(Addr.parse('::').prev()).toBeUndefined();
  });

  it('next is add(1) and prev is add(-1) (property)', () => {
    fc.assert(
      fc.property(addr, (a) => {
        const n = a.next();
        const max = a.family === 4 ? 0xffffffffn : (1n << 128n) - 1n;
        if (a.toBigInt() === max) expect(n).toBeUndefined();
        else {
          expect(n?.toBigInt()).toBe(a.toBigInt() + 1n);
          expect(n?.prev()?.equals(a)).toBe(true);
          expect(a.add(1)?.equals(n!)).toBe(true);
        }
      }),
    );
  });

  it('add moves by any amount and stops at the ends (property)', () => {
    fc.assert(
      fc.property(addr, fc.bigInt({ min: -(1n << 130n), max: 1n << 130n }), (a, d) => {
        const v = a.toBigInt() + d;
        const max = a.family === 4 ? 0xffffffffn : (1n << 128n) - 1n;
        const r = a.add(d);
        if (v < 0n || v > max) expect(r).toBeUndefined();
        else expect(r?.toBigInt()).toBe(v);
      }),
    );
  });
});

describe('Addr.compare', () => {
  it('is a total order consistent with equals (property)', () => {
    fc.assert(
      fc.property(addr, addr, addr, (a, b, c) => {
        expect(Math.sign(a.compare(b)) + Math.sign(b.compare(a))).toBe(0);
        expect(a.compare(b) === 0).toBe(a.equals(b));
        if (a.compare(b) <= 0 && b.compare(c) <= 0) expect(a.compare(c)).toBeLessThanOrEqual(0);
        expect(a.compare(a)).toBe(0);
      }),
    );
  });

  it('sorts IPv4 before IPv6 and by value within a family (property)', () => {
    fc.assert(
      fc.property(addr, addr, (a, b) => {
        const expected = a.family !== b.family ? Math.sign(a.family - b.family) : Math.sign(Number(a.toBigInt() - b.toBigInt()));
        expect(Addr.compare(a, b)).toBe(expected);
      }),
    );
  });
});

describe('Addr.prefix', () => {
  it('masks to the prefix length', () => {
    expect(Addr.parse('10.1.2.3').prefix(8).toString()).toBe('10.0.0.0/8');
    expect(Addr.parse('10.1.2.3').prefix(0).toString()).toBe('0.0.0.0/0');
    expect(Addr.parse('10.1.2.3').prefix(32).toString()).toBe('10.1.2.3/32');
    expect(Addr.parse('2001:db8:abcd:1234::1%eth0').prefix(48).toString()).toBe('2001:db8:abcd::/48');
    expect(() => Addr.parse('10.1.2.3').prefix(33)).toThrow(InvalidArgumentError);
    expect(() => Addr.parse('::').prefix(-1)).toThrow(InvalidArgumentError);
  });
});

describe('Addr classification', () => {
  it.each([
    ['127.0.0.1', { loopback: true, private: false, global: false }],
    ['::1', { loopback: true, private: false, global: false }],
    ['10.1.2.3', { private: true, global: true }],
    ['172.16.0.1', { private: true }],
    ['172.32.0.1', { private: false }],
    ['192.168.0.1', { private: true }],
    ['fd00::1', { private: true }],
    ['fe80::1', { linkLocal: true, global: false }],
    ['169.254.1.1', { linkLocal: true, global: false }],
    ['224.0.0.1', { multicast: true, linkLocalMulticast: true, global: false }],
    ['ff02::1', { multicast: true, linkLocalMulticast: true }],
    ['0.0.0.0', { unspecified: true, global: false }],
    ['::', { unspecified: true, global: false }],
    ['255.255.255.255', { global: false }],
    ['8.8.8.8', { global: true, private: false }],
    // IPv4-mapped addresses are classified by their IPv4 address, as Go's netip does.
    ['::ffff:127.0.0.1', { loopback: true, global: false }],
    ['::ffff:10.0.0.1', { private: true, global: true }],
    ['::ffff:255.255.255.255', { global: false }],
    ['::ffff:0.0.0.0', { unspecified: false, global: false }],
    // Multicast scope ignores the flag bits (RFC 4291 section 2.7).
    ['ff12::1', { multicast: true, linkLocalMulticast: true }],
    ['ff32::1', { multicast: true, linkLocalMulticast: true }],
    ['ff05::1', { multicast: true, linkLocalMulticast: false }],
  ] as const)('%s', (s, facts: Record<string, boolean>) => {
    const a = Addr.parse(s);
    const got: Record<string, boolean> = {
      loopback: a.isLoopback(),
      private: a.isPrivate(),
      global: a.isGlobalUnicast(),
      linkLocal: a.isLinkLocalUnicast(),
      multicast: a.isMulticast(),
      linkLocalMulticast: a.isLinkLocalMulticast(),
      unspecified: a.isUnspecified(),
    };
    for (const [k, v] of Object.entries(facts)) expect([k, got[k]]).toEqual([k, v]);
  });
});

describe('Addr.isInterfaceLocalMulticast', () => {
  it.each([
    ['ff01::1', true],
    ['ff11::2', true], // flags do not change the scope
    ['ff02::1', false], // link-local scope
    ['224.0.0.1', false], // IPv4 has no interface-local scope
  ])('%s → %s', (s, expected) => {
    expect(Addr.parse(s).isInterfaceLocalMulticast()).toBe(expected);
  });
});

describe('Addr.parse fast path', () => {
  it('agrees with the reference on dotted strings of every shape (property)', () => {
    // The IPv4 success path is a separate tight loop; this hammers it with near-misses.
    const field = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('', '0', '00', '01', '255', '256', '1000', 'a'));
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 6 }), fc.constantFrom('', ' ', '.', '%1'), (fields, tail) => {
        const s = fields.join('.') + tail;
        const ref = refParse(s);
        const got = Addr.tryParse(s);
        expect(got?.toBigInt()).toBe(ref?.family === 4 ? ref.value : undefined);
      }),
      { numRuns: 5000 },
    );
  });
});
