import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addr } from '../test/arbitraries.js';
import { Addr, InvalidArgumentError, Prefix, SPECIAL_RANGES, specialRangesOf, type SpecialRange } from './index.js';

const show = (rs: SpecialRange[]) => rs.map((r) => `${r.prefix} ${r.kind}`);
/** The registry columns as the table spells them: T, F, or - for empty or N/A. */
const flags = (r: SpecialRange) =>
  [r.source, r.destination, r.forwardable, r.globallyReachable, r.reservedByProtocol]
    .map((b) => (b === undefined ? '-' : b ? 'T' : 'F'))
    .join('');

/** Addresses in, at the edges of and just outside the table's blocks, and anywhere else. */
const nearAddr = fc.oneof(
  fc
    .tuple(fc.constantFrom(...SPECIAL_RANGES), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: -1, max: 1 }))
    .map(([{ prefix: p }, offset, step]) => {
      const inside = Addr.fromBigInt(p.first().toBigInt() + (offset % p.size), p.family);
      return (step === 0 ? inside : step < 0 ? p.first().prev() : p.last().next()) ?? inside;
    }),
  addr,
);
const nearPrefix = fc.tuple(nearAddr, fc.nat()).map(([a, n]) => a.prefix(n % (a.bitLength + 1)));

describe('SPECIAL_RANGES', () => {
  it.each(SPECIAL_RANGES.map((r) => [String(r.prefix), r] as const))('%s is canonical and cites an RFC', (_, r) => {
    expect(Prefix.parse(r.prefix.toString()).equals(r.prefix)).toBe(true);
    expect(r.name).not.toBe('');
    expect(r.rfc).toMatch(/^RFC [1-9][0-9]*(, RFC [1-9][0-9]*)*$/);
    expect(Object.isFrozen(r)).toBe(true);
  });

  it('is frozen, sorted in Prefix.compare order and free of duplicates', () => {
    expect(Object.isFrozen(SPECIAL_RANGES)).toBe(true);
    for (let i = 1; i < SPECIAL_RANGES.length; i++) {
      expect(Prefix.compare(SPECIAL_RANGES[i - 1]!.prefix, SPECIAL_RANGES[i]!.prefix)).toBe(-1);
    }
  });

  it('holds every block a network planner needs', () => {
    const want = [
      '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24',
      '192.0.0.0/29', '192.0.0.8/32', '192.0.0.9/32', '192.0.0.10/32', '192.0.0.170/32', '192.0.0.171/32',
      '192.0.2.0/24', '192.31.196.0/24', '192.52.193.0/24', '192.88.99.0/24', '192.168.0.0/16', '192.175.48.0/24',
      '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4', '255.255.255.255/32',
      '::1/128', '::/128', '::ffff:0:0/96', '64:ff9b::/96', '64:ff9b:1::/48', '100::/64', '2001::/23', '2001::/32',
      '2001:1::1/128', '2001:1::2/128', '2001:2::/48', '2001:3::/32', '2001:4:112::/48', '2001:10::/28',
      '2001:20::/28', '2001:db8::/32', '2002::/16', '2620:4f:8000::/48', '3fff::/20', '5f00::/16', 'fc00::/7',
      'fe80::/10', 'ff00::/8',
    ];
    const have = new Set(SPECIAL_RANGES.map((r) => String(r.prefix)));
    expect(want.filter((p) => !have.has(Prefix.parse(p).toString()))).toEqual([]);
  });

  // Registry columns: Source, Destination, Forwardable, Globally Reachable, Reserved-by-Protocol.
  it.each([
    ['0.0.0.0/8', 'this-network', 'RFC 791', 'TFFFT'],
    ['10.0.0.0/8', 'private', 'RFC 1918', 'TTTFF'],
    ['100.64.0.0/10', 'shared', 'RFC 6598', 'TTTFF'],
    ['127.0.0.0/8', 'loopback', 'RFC 1122', 'FFFFT'],
    ['169.254.0.0/16', 'link-local', 'RFC 3927', 'TTFFT'],
    ['192.0.0.8/32', 'dummy', 'RFC 7600', 'TFFFF'],
    ['192.0.0.9/32', 'anycast', 'RFC 7723', 'TTTTF'],
    ['192.0.0.170/32', 'translation', 'RFC 8880, RFC 7050', 'FFFFT'],
    ['192.88.99.0/24', 'transition', 'RFC 7526', '-----'], // deprecated: every column empty
    ['198.18.0.0/15', 'benchmarking', 'RFC 2544', 'TTTFF'],
    ['203.0.113.0/24', 'documentation', 'RFC 5737', 'FFFFF'],
    ['224.0.0.0/4', 'multicast', 'RFC 5771', 'FT--T'], // scope decides forwarding and reach
    ['240.0.0.0/4', 'reserved', 'RFC 1112', 'FFFFT'],
    ['255.255.255.255/32', 'broadcast', 'RFC 8190, RFC 919', 'FTFFT'],
    ['::/128', 'unspecified', 'RFC 4291', 'TFFFT'],
    ['::ffff:0:0/96', 'ipv4-mapped', 'RFC 4291', 'FFFFT'],
    ['64:ff9b::/96', 'translation', 'RFC 6052', 'TTTTF'],
    ['64:ff9b:1::/48', 'translation', 'RFC 8215', 'TTTFF'],
    ['100::/64', 'discard', 'RFC 6666', 'TTTFF'],
    ['2001::/32', 'teredo', 'RFC 4380, RFC 8190', 'TTT-F'], // reachability N/A
    ['2001:10::/28', 'orchid', 'RFC 4843', '-----'], // deprecated: every column empty
    ['2001:db8::/32', 'documentation', 'RFC 3849', 'FFFFF'],
    ['2002::/16', 'transition', 'RFC 3056', 'TTT-F'], // reachability N/A
    ['3fff::/20', 'documentation', 'RFC 9637', 'FFFFF'],
    ['5f00::/16', 'segment-routing', 'RFC 9602', 'TTTFF'],
    ['fc00::/7', 'unique-local', 'RFC 4193, RFC 8190', 'TTTFF'],
    ['fe80::/10', 'link-local', 'RFC 4291', 'TTFFT'],
    ['ff00::/8', 'multicast', 'RFC 4291', 'FT--T'],
  ])('%s is %s (%s), flags %s', (p, kind, rfc, want) => {
    const r = SPECIAL_RANGES.find((x) => x.prefix.equals(Prefix.parse(p)))!;
    expect([r.kind, r.rfc, flags(r)]).toEqual([kind, rfc, want]);
  });

  it('is consistent with the registry definitions', () => {
    for (const r of SPECIAL_RANGES) {
      // Only what a router may forward can be reachable beyond it, and only a valid destination is forwarded.
      if (r.globallyReachable) expect(r.forwardable, String(r.prefix)).toBe(true);
      if (r.forwardable) expect(r.destination, String(r.prefix)).toBe(true);
      // Documentation blocks appear in no packet at all.
      if (r.kind === 'documentation') expect(flags(r)).toBe('FFFFF');
      // Private-use style blocks are routed, but only inside a domain.
      if (['private', 'shared', 'unique-local', 'benchmarking'].includes(r.kind)) expect(flags(r)).toBe('TTTFF');
    }
  });
});

describe('specialRangesOf', () => {
  it.each([
    ['10.96.0.1', ['10.0.0.0/8 private']], // a Kubernetes service address
    ['100.64.0.1', ['100.64.0.0/10 shared']],
    ['2001:db8::1', ['2001:db8::/32 documentation']],
    ['fd00::1', ['fc00::/7 unique-local']],
    ['8.8.8.8', []],
    ['2606:4700::1111', []],
    ['127.0.0.1', ['127.0.0.0/8 loopback']],
    ['169.254.169.254', ['169.254.0.0/16 link-local']], // the cloud metadata address
    ['0.0.0.0', ['0.0.0.0/8 this-network', '0.0.0.0/32 unspecified']],
    ['192.0.0.9', ['192.0.0.0/24 protocol-assignments', '192.0.0.9/32 anycast']],
    ['192.0.0.3', ['192.0.0.0/24 protocol-assignments', '192.0.0.0/29 transition']],
    ['192.88.99.2', ['192.88.99.0/24 transition', '192.88.99.2/32 transition']],
    ['239.255.255.250', ['224.0.0.0/4 multicast']],
    ['255.255.255.255', ['240.0.0.0/4 reserved', '255.255.255.255/32 broadcast']],
    ['::', ['::/128 unspecified']],
    ['::ffff:10.0.0.1', ['::ffff:0.0.0.0/96 ipv4-mapped']], // stays IPv6; unmap() to classify the IPv4 address
    ['64:ff9b::8.8.8.8', ['64:ff9b::/96 translation']],
    ['2001::1', ['2001::/23 protocol-assignments', '2001::/32 teredo']],
    ['2001:1::1', ['2001::/23 protocol-assignments', '2001:1::1/128 anycast']],
    ['2002:c000:204::1', ['2002::/16 transition']],
    ['3fff:fff::1', ['3fff::/20 documentation']],
    ['3fff:1000::1', []], // just past 3fff::/20
    ['5f00::1', ['5f00::/16 segment-routing']],
    ['fe80::1%eth0', ['fe80::/10 link-local']], // the zone is ignored
    ['ff02::1', ['ff00::/8 multicast']],
  ])('classifies %s', (a, want) => {
    expect(show(specialRangesOf(Addr.parse(a)))).toEqual(want);
  });

  it.each([
    ['10.96.0.0/12', ['10.0.0.0/8 private']], // inside one block
    ['10.0.0.0/7', ['10.0.0.0/8 private']], // around one block
    ['11.0.0.0/8', []],
    ['192.0.0.0/29', ['192.0.0.0/24 protocol-assignments', '192.0.0.0/29 transition']], // a block itself
    [
      '192.0.0.0/22',
      [
        '192.0.0.0/24 protocol-assignments',
        '192.0.0.0/29 transition',
        '192.0.0.8/32 dummy',
        '192.0.0.9/32 anycast',
        '192.0.0.10/32 anycast',
        '192.0.0.170/32 translation',
        '192.0.0.171/32 translation',
        '192.0.2.0/24 documentation',
      ],
    ],
    ['2001:db8:1::/48', ['2001:db8::/32 documentation']],
    ['2001::/16', show(SPECIAL_RANGES.filter((r) => r.prefix.toString().startsWith('2001:')))],
  ])('lists the blocks overlapping %s', (p, want) => {
    expect(show(specialRangesOf(Prefix.parse(p)))).toEqual(want);
  });

  it('lists the whole table of a family for /0', () => {
    expect(specialRangesOf(Prefix.parse('0.0.0.0/0'))).toEqual(SPECIAL_RANGES.filter((r) => r.prefix.family === 4));
    expect(specialRangesOf(Prefix.parse('::/0'))).toEqual(SPECIAL_RANGES.filter((r) => r.prefix.family === 6));
  });

  it('rejects what is neither an address nor a prefix', () => {
    expect(() => specialRangesOf('10.0.0.1' as unknown as Addr)).toThrow(InvalidArgumentError);
    expect(() => specialRangesOf(7 as unknown as Addr)).toThrow('specialRangesOf: 7 is not an address or a prefix');
  });

  it('agrees with a scan of the table for addresses (property)', () => {
    fc.assert(
      fc.property(nearAddr, (a) => {
        expect(specialRangesOf(a)).toEqual(SPECIAL_RANGES.filter((r) => r.prefix.contains(a)));
      }),
    );
  });

  it('agrees with a scan of the table for prefixes (property)', () => {
    fc.assert(
      fc.property(nearPrefix, (p) => {
        expect(specialRangesOf(p)).toEqual(SPECIAL_RANGES.filter((r) => r.prefix.overlaps(p)));
      }),
    );
  });
});
