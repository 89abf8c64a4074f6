import { Addr, Prefix } from '@ipam/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import vectors from '../../../../shared/vectors/k8s-ipallocator.json' with { type: 'json' };
import {
  checkServiceClusterIPRange,
  dnsServiceIP,
  KubernetesError,
  type KubernetesErrorCode,
  kubernetesServiceIP,
  prefixContainsIP,
  serviceCIDRsContainingAddress,
  serviceCIDRsContainingPrefix,
  serviceCIDRsOverlappingPrefix,
  serviceIPRangeOffset,
} from './index.js';
import { thrown } from '../test/errors.js';

const { groups } = vectors;

describe('serviceIPRangeOffset', () => {
  it.each(groups.calculateRangeOffset.map((c) => [c.cidr, c.expect, c.source.case] as const))(
    '%s → %d (%s, bitmap_test.go)',
    (cidr, expected) => {
      expect(serviceIPRangeOffset(cidr)).toBe(expected);
    },
  );

  it.each(groups.bitmapRange.filter((c) => c.expectRangeOffset !== undefined).map((c) => [c.cidr, c.expectRangeOffset] as const))(
    'gives %s a static band of %d addresses (bitmap_test.go)',
    (cidr, expected) => {
      expect(serviceIPRangeOffset(Prefix.parse(cidr))).toBe(expected);
    },
  );

  it.each(groups.ipAddressAllocator.filter((c) => c.expectRangeOffset !== undefined).map((c) => [c.cidr, c.expectRangeOffset] as const))(
    'gives %s a static band of %d addresses (ipallocator_test.go)',
    (cidr, expected) => {
      expect(serviceIPRangeOffset(cidr)).toBe(expected);
    },
  );

  it.each([
    ['0.0.0.0/0', 0], // RangeSize is 0 for 31 or more IPv4 host bits, so no static band
    ['0.0.0.0/1', 0],
    ['0.0.0.0/2', 256],
    ['::/1', 0], // likewise for 127 or more IPv6 host bits
    ['::/2', 256],
    ['10.96.0.0/12', 256], // the contract example
    ['10.0.0.0/26', 16], // 64 / 16 = 4, raised to 16
    ['10.0.0.0/21', 128], // 2048 / 16
  ])('%s → %d', (cidr, expected) => {
    expect(serviceIPRangeOffset(cidr)).toBe(expected);
  });
});

describe('kubernetesServiceIP and dnsServiceIP', () => {
  it.each([
    ['10.96.0.0/12', '10.96.0.1', '10.96.0.10'],
    ['10.96.0.5/12', '10.96.0.1', '10.96.0.10'], // host bits are cleared, as ParseCIDRSloppy does
    ['192.168.1.0/24', '192.168.1.1', '192.168.1.10'],
    ['192.168.1.0/28', '192.168.1.1', '192.168.1.10'],
    ['fd00:10:96::/112', 'fd00:10:96::1', 'fd00:10:96::a'],
    ['2001:db8::/64', '2001:db8::1', '2001:db8::a'],
  ])('%s → %s and %s', (cidr, api, dns) => {
    expect(kubernetesServiceIP(cidr).toString()).toBe(api);
    expect(dnsServiceIP(cidr).toString()).toBe(dns);
  });

  it('matches the first allocatable address of every bitmap range vector with 8 or more addresses', () => {
    for (const c of groups.bitmapRange) {
      if (typeof c.firstAllocatable !== 'string') continue; // TestAllocateTiny: nothing allocatable, checked below
      if (Prefix.parse(c.cidr).size < 8n) expect(() => kubernetesServiceIP(c.cidr)).toThrow('at least 8 IP addresses');
      else expect(kubernetesServiceIP(c.cidr).toString()).toBe(c.firstAllocatable);
    }
  });

  it.each<[() => unknown, KubernetesErrorCode, string]>([
    [() => kubernetesServiceIP('10.0.0.0/32'), 'ERR_K8S_SERVICE_RANGE_INVALID', 'at least 8 IP addresses'], // one address
    [() => kubernetesServiceIP('10.0.0.0/30'), 'ERR_K8S_SERVICE_RANGE_INVALID', 'at least 8 IP addresses'], // four addresses
    [() => kubernetesServiceIP('0.0.0.0/0'), 'ERR_K8S_SERVICE_RANGE_INVALID', 'counts 0'], // RangeSize is 0 for /0
    [() => dnsServiceIP('10.0.0.0/29'), 'ERR_K8S_SERVICE_RANGE_INVALID', 'service CIDR 10.0.0.0/29 has 8 addresses, too few for the address at index 10'],
    [() => dnsServiceIP('10.0.0.0'), 'ERR_K8S_INVALID_CIDR', 'dnsServiceIP("10.0.0.0"): no "/"'], // an address, not a range
    [() => serviceIPRangeOffset('10.0.0.0/33'), 'ERR_K8S_INVALID_CIDR', 'serviceIPRangeOffset("10.0.0.0/33"): prefix length out of range (0…32)'],
    [() => serviceIPRangeOffset('10.0.0.0/+8'), 'ERR_K8S_INVALID_CIDR', 'prefix length: expected a decimal number'], // no sign
    [() => serviceIPRangeOffset('10.0.0.256/8'), 'ERR_K8S_INVALID_CIDR', 'serviceIPRangeOffset("10.0.0.256/8"): IPv4 field has value > 255'],
    [() => serviceIPRangeOffset('fe80::%eth0/64'), 'ERR_K8S_INVALID_CIDR', 'serviceIPRangeOffset("fe80::%eth0/64")'], // zones make no service range
    [() => serviceIPRangeOffset(42 as unknown as string), 'ERR_K8S_INVALID_CIDR', 'must be a string or a Prefix'], // not a CIDR at all
  ])('rejects bad input with a typed error (%#)', (f, code, text) => {
    const e = thrown(f);
    expect(e.code).toBe(code);
    expect(e.message).toContain(text);
  });
});

describe('checkServiceClusterIPRange', () => {
  it.each([
    ['10.96.0.0/12', 'bitmap', '10.96.0.0/12'], // 20 host bits: the largest the bitmap allows
    ['10.96.0.5/12', 'ipaddress', '10.96.0.0/12'],
    ['10.0.0.0/8', 'ipaddress', '10.0.0.0/8'], // the ServiceCIDR allocator has no 20-bit limit
    ['fd00::/108', 'bitmap', 'fd00::/108'],
    ['fd00::/64', 'ipaddress', 'fd00::/64'],
    ['10.0.0.0/29', 'bitmap', '10.0.0.0/29'], // exactly 8 addresses
  ] as const)('accepts %s with the %s rules', (cidr, rules, expected) => {
    expect(checkServiceClusterIPRange(cidr, rules).toString()).toBe(expected);
  });

  it.each([
    ['10.0.0.0/11', 'bitmap', 'for 32-bit addresses, the mask must be >= 12'], // 21 host bits
    ['fd00::/107', 'bitmap', 'for 128-bit addresses, the mask must be >= 108'],
    ['fd00::/63', 'ipaddress', 'shortest allowed prefix length for service CIDR is 64, got 63'],
    ['10.0.0.0/30', 'ipaddress', 'at least 8 IP addresses'], // 4 addresses
    ['fd00::/126', 'bitmap', 'at least 8 IP addresses'],
    ['0.0.0.0/1', 'ipaddress', 'at least 8 IP addresses'], // RangeSize says 0 for an IPv4 /1
  ] as const)('refuses %s with the %s rules', (cidr, rules, text) => {
    const e = thrown(() => checkServiceClusterIPRange(cidr, rules));
    expect(e.code).toBe('ERR_K8S_SERVICE_RANGE_INVALID');
    expect(e.message).toContain(text);
    expect(e.message).toContain(cidr);
  });

  it('uses the ipaddress rules by default and refuses unknown rules', () => {
    expect(checkServiceClusterIPRange('10.0.0.0/8').toString()).toBe('10.0.0.0/8');
    expect(thrown(() => checkServiceClusterIPRange('10.0.0.0/8', 'nope' as 'bitmap')).code).toBe('ERR_K8S_INVALID_ARGUMENT');
  });
});

describe('prefixContainsIP', () => {
  it.each(groups.prefixContainsIP.map((c) => [c.source.case, c.prefix, c.ip, c.expect] as const))('%s: %s ∋ %s is %s', (_name, prefix, ip, expected) => {
    expect(prefixContainsIP(prefix, ip)).toBe(expected);
    expect(prefixContainsIP(Prefix.parse(prefix), Addr.parse(ip))).toBe(expected);
  });

  it.each([
    ['10.0.0.0/31', '10.0.0.0', false], // both addresses of an IPv4 /31 are network or broadcast
    ['10.0.0.0/31', '10.0.0.1', false],
    ['10.0.0.1/32', '10.0.0.1', false],
    ['2001:db8::/127', '2001:db8::1', true], // the last IPv6 address counts
    ['2001:db8::1/128', '2001:db8::1', false],
    ['10.0.0.0/8', '::ffff:10.0.0.1', false], // a 4-in-6 address stays IPv6
    ['::/0', '10.0.0.1', false], // families never mix
  ] as const)('%s ∋ %s is %s', (prefix, ip, expected) => {
    expect(prefixContainsIP(prefix, ip)).toBe(expected);
  });

  it('agrees with a brute-force model on small IPv4 prefixes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 24, max: 32 }), fc.integer({ min: -3, max: 300 }), (v, bits, d) => {
        const p = Addr.fromUint32(v).prefix(bits);
        const base = p.addr.toBigInt();
        const ip = Addr.fromBigInt((base + BigInt(d) + (1n << 32n)) % (1n << 32n), 4);
        const off = ip.toBigInt() - base;
        const expected = off > 0n && off < p.size - 1n;
        expect(prefixContainsIP(p, ip)).toBe(expected);
      }),
    );
  });

  it('rejects input that is not a prefix or an address', () => {
    expect(thrown(() => prefixContainsIP('10.0.0.0', '10.0.0.1')).code).toBe('ERR_K8S_INVALID_CIDR');
    expect(thrown(() => prefixContainsIP('10.0.0.0/8', '10.0.0')).code).toBe('ERR_K8S_INVALID_IP');
  });
});

describe('ServiceCIDR selection (servicecidr.ContainsAddress / ContainsPrefix / OverlapsPrefix)', () => {
  const names = (list: readonly { name: string }[]): string[] => list.map((s) => s.name);

  it.each(groups.serviceCIDRContainsAddress.map((c) => [c.source.case, c] as const))('containing address: %s', (_name, c) => {
    expect(names(serviceCIDRsContainingAddress(c.serviceCIDRs, c.address))).toEqual(c.expect);
  });

  it.each(groups.serviceCIDRContainsPrefix.map((c) => [c.source.case, c] as const))('containing prefix: %s', (_name, c) => {
    expect(names(serviceCIDRsContainingPrefix(c.serviceCIDRs, c.prefix))).toEqual(c.expect);
  });

  it.each(groups.serviceCIDROverlapsPrefix.map((c) => [c.source.case, c] as const))('overlapping prefix: %s', (_name, c) => {
    expect(names(serviceCIDRsOverlappingPrefix(c.serviceCIDRs, c.prefix))).toEqual(c.expect);
  });

  it('returns the objects given, each once, and reads Prefix values too', () => {
    const a = { name: 'a', cidrs: [Prefix.parse('10.0.0.0/16'), Prefix.parse('10.0.0.0/24')], extra: 1 };
    const got = serviceCIDRsOverlappingPrefix([a], '10.0.0.0/8');
    expect(got).toEqual([a]);
    expect(got[0]).toBe(a);
    expect(got[0]!.extra).toBe(1);
  });

  it('names the object and field of a bad prefix', () => {
    const e = thrown(() => serviceCIDRsContainingAddress([{ name: 'ok', cidrs: ['10.0.0.0/24'] }, { name: 'bad', cidrs: ['10.0.0.0/24', 'nope'] }], '10.0.0.1'));
    expect(e.code).toBe('ERR_K8S_INVALID_CIDR');
    expect(e.object).toBe('ServiceCIDR/bad');
    expect(e.path).toBe('spec.cidrs[1]');
    expect(thrown(() => serviceCIDRsContainingPrefix([{ name: 'x' } as never], '10.0.0.0/8')).code).toBe('ERR_K8S_INPUT_INVALID');
    expect(thrown(() => serviceCIDRsContainingPrefix(null as never, '10.0.0.0/8')).code).toBe('ERR_K8S_INVALID_ARGUMENT');
    expect(thrown(() => serviceCIDRsOverlappingPrefix([], '10.0.0.0')).code).toBe('ERR_K8S_INVALID_CIDR');
  });
});

describe('service CIDR strings are read as kube-apiserver reads --service-cluster-ip-range (ParseCIDRSloppy)', () => {
  it.each([
    ['010.096.000.000/012', '10.96.0.1'], // leading zeros are decimal, not octal
    ['10.96.7.7/12', '10.96.0.1'], // host bits are cleared
    ['::ffff:10.96.0.0/108', '10.96.0.1'], // IPv4-mapped with a length >= 96 is the IPv4 range /12
  ])('%s → kubernetes.default at %s', (cidr, ip) => {
    expect(kubernetesServiceIP(cidr).toString()).toBe(ip);
  });
});
