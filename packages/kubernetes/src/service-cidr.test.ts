import { IpamError, Prefix } from '@ipam/core';
import { describe, expect, it } from 'vitest';
import vectors from '../../../../shared/vectors/k8s-ipallocator.json' with { type: 'json' };
import { dnsServiceIP, kubernetesServiceIP, serviceIPRangeOffset } from './index.js';

describe('serviceIPRangeOffset', () => {
  it.each(vectors.groups.calculateRangeOffset.map((c) => [c.cidr, c.expect, c.source.case] as const))(
    '%s → %d (%s, bitmap_test.go)',
    (cidr, expected) => {
      expect(serviceIPRangeOffset(cidr)).toBe(expected);
    },
  );

  it.each(vectors.groups.bitmapRange.filter((c) => c.expectRangeOffset !== undefined).map((c) => [c.cidr, c.expectRangeOffset] as const))(
    'gives %s a static band of %d addresses (bitmap_test.go TestAllocate)',
    (cidr, expected) => {
      expect(serviceIPRangeOffset(Prefix.parse(cidr))).toBe(expected);
    },
  );

  it('follows the contract example', () => {
    expect(serviceIPRangeOffset('10.96.0.0/12')).toBe(256);
  });
});

describe('kubernetesServiceIP and dnsServiceIP', () => {
  it.each([
    ['10.96.0.0/12', '10.96.0.1', '10.96.0.10'],
    ['10.96.0.5/12', '10.96.0.1', '10.96.0.10'], // host bits are cleared, as ParseCIDRSloppy does
    ['192.168.1.0/24', '192.168.1.1', '192.168.1.10'],
    ['fd00:10:96::/112', 'fd00:10:96::1', 'fd00:10:96::a'],
    ['2001:db8::/64', '2001:db8::1', '2001:db8::a'],
  ])('%s → %s and %s', (cidr, api, dns) => {
    expect(kubernetesServiceIP(cidr).toString()).toBe(api);
    expect(dnsServiceIP(cidr).toString()).toBe(dns);
  });

  it('matches the first allocatable address of every bitmap range vector', () => {
    for (const c of vectors.groups.bitmapRange) {
      if (typeof c.firstAllocatable === 'string') expect(kubernetesServiceIP(c.cidr).toString()).toBe(c.firstAllocatable);
    }
  });

  it.each([
    [() => kubernetesServiceIP('10.0.0.0/32'), 'too few for the address at index 1'], // one address: only the network
    [() => dnsServiceIP('10.0.0.0/29'), 'service CIDR 10.0.0.0/29 has 8 addresses, too few for the address at index 10'],
    [() => dnsServiceIP('10.0.0.0'), 'no "/"'], // an address, not a range
    [() => serviceIPRangeOffset('10.0.0.0/33'), 'serviceIPRangeOffset("10.0.0.0/33"): prefix length must be an integer in 0…32'], // impossible length
    [() => serviceIPRangeOffset('10.0.0.0/08'), 'prefix length must be an integer'], // one spelling only
    [() => serviceIPRangeOffset(42 as unknown as string), 'must be a string or a Prefix'], // not a CIDR at all
  ])('rejects bad input with a typed error (%#)', (f, text) => {
    expect(f).toThrow(text);
    try {
      f();
    } catch (e) {
      expect(IpamError.isInstance(e)).toBe(true);
    }
  });
});
