import { Addr, Prefix } from '@ipam/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import vectors from '../../../../../shared/vectors/k8s-ipallocator.json' with { type: 'json' };
import {
  addOffsetAddress,
  broadcastAddress,
  calculateRangeOffset,
  hostsPerNetwork,
  ipIterator,
  MAX_INT64,
  rangeSize,
  readServiceCIDR,
} from './service-ip-math.js';

const { groups } = vectors;

describe('hostsPerNetwork', () => {
  it.each(groups.hostsPerNetwork.map((c) => [c.cidr, c.expect, c.source.case] as const))('%s → %s (%s)', (cidr, expected) => {
    expect(hostsPerNetwork(readServiceCIDR('test', cidr)).toString()).toBe(expected); // Go's ParseCIDR masks host bits
  });
});

describe('broadcastAddress', () => {
  it.each(groups.broadcastAddress.map((c) => [c.prefix, c.expect, c.source.test] as const))('%s → %s (%s)', (prefix, expected) => {
    // The upstream test parses with netip.MustParsePrefix, which keeps host bits; broadcastAddress masks first.
    const p = readServiceCIDR('test', prefix);
    expect(broadcastAddress(p).toString()).toBe(expected);
    expect(broadcastAddress(Prefix.from(Addr.parse(prefix.split('/')[0]!), p.bits)).toString()).toBe(expected);
  });
});

describe('addOffsetAddress', () => {
  it.each(groups.addOffsetAddress.map((c) => [c.address, c.offset, c.expect] as const))('%s + %s → %s', (address, offset, expected) => {
    const a = Addr.parse(address);
    expect(addOffsetAddress(a, BigInt(offset))?.toString()).toBe(expected);
  });

  it('fails past the end of the address space, as the Go helper errs', () => {
    expect(addOffsetAddress(Addr.parse('255.255.255.254'), 2n)).toBeUndefined();
    expect(addOffsetAddress(Addr.parse('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00'), 256n)).toBeUndefined();
  });
});

describe('ipIterator', () => {
  it.each(groups.ipIterator.map((c) => [c.source.case, c] as const))('%s', (_name, c) => {
    const got = [...ipIterator(Addr.parse(c.first), Addr.parse(c.last), BigInt(c.offset))].map(String);
    if ('expect' in c && c.expect !== undefined) {
      expect(got).toEqual(c.expect);
    } else {
      expect(got).toHaveLength((c as { expectCount: number }).expectCount);
      expect(got[0]).toBe((c as { expectFirstYield: string }).expectFirstYield);
      expect(new Set(got).size).toBe(got.length);
    }
  });

  it('yields nothing when the start is past the end of the address space', () => {
    expect([...ipIterator(Addr.parse('255.255.255.250'), Addr.parse('255.255.255.254'), 10n)]).toEqual([]);
  });

  it('visits every address of the range exactly once, from first + offset (or first when that is past last)', () => {
    // The top of the space is where the interesting case lives; random integers alone find it only rarely.
    const lows = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 40 }), fc.integer({ min: 2 ** 32 - 80, max: 2 ** 32 - 31 }));
    fc.assert(
      fc.property(lows, fc.integer({ min: 0, max: 30 }), fc.bigInt({ min: 0n, max: 40n }), (lo, n, off) => {
        const first = Addr.fromUint32(lo);
        const last = Addr.fromUint32(lo + n);
        const got = [...ipIterator(first, last, off)].map((a) => a.toBigInt() - BigInt(lo));
        const start = off > BigInt(n) ? 0n : off;
        // first + offset past the end of the address space is an error in addOffsetAddress: the iterator is empty.
        const overflows = BigInt(lo) + off > 2n ** 32n - 1n;
        const expected = overflows ? [] : Array.from({ length: n + 1 }, (_, i) => (start + BigInt(i)) % BigInt(n + 1));
        expect(got).toEqual(expected);
      }),
    );
  });
});

describe('rangeSize and calculateRangeOffset', () => {
  it.each(groups.calculateRangeOffset.map((c) => [c.cidr, c.expect] as const))('%s → offset %d', (cidr, expected) => {
    expect(calculateRangeOffset(readServiceCIDR('test', cidr))).toBe(expected);
  });

  it.each([
    ['0.0.0.0/0', 0n], // 31 or more IPv4 host bits: Kubernetes' RangeSize says 0
    ['0.0.0.0/1', 0n],
    ['0.0.0.0/2', 1n << 30n],
    ['::/0', 0n], // 127 or more IPv6 host bits: 0 as well
    ['::/1', 0n],
    ['::/2', MAX_INT64], // 63 or more host bits: capped at MaxInt64
    ['2001:db8::/65', MAX_INT64],
    ['2001:db8::/66', 1n << 62n],
    ['10.0.0.0/32', 1n],
  ])('RangeSize(%s) = %s', (cidr, expected) => {
    expect(rangeSize(Prefix.parse(cidr))).toBe(expected);
  });
});
