import { Addr, Prefix } from '@ipam/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import vectors from '../../../../shared/vectors/k8s-ipallocator.json' with { type: 'json' };
import { ipIterator } from './internal/service-ip-math.js';
import {
  KubernetesError,
  type KubernetesErrorCode,
  type RandomSource,
  ServiceIPAllocator,
  type ServiceIPAllocatorKind,
  seededRandom,
  serviceIPRangeOffset,
} from './index.js';
import { thrown } from '../test/errors.js';

const { groups } = vectors;

const ERR: Record<string, KubernetesErrorCode> = {
  ErrFull: 'ERR_K8S_SERVICE_RANGE_FULL',
  ErrAllocated: 'ERR_K8S_SERVICE_IP_ALLOCATED',
  'ErrAllocated (IPAddress already exists)': 'ERR_K8S_SERVICE_IP_ALLOCATED',
};

/** The fields the range cases of both groups may carry (the JSON's union of shapes, read loosely). */
interface RangeCase {
  source: { test: string; case?: string | null };
  cidr: string;
  expectFree?: number;
  expectMax?: number;
  expectSize?: string;
  expectRangeOffset?: number;
  expectCIDRString?: string;
  family?: string;
  firstAllocatable?: string | null;
  lastAllocatable?: string | null;
  firstAddress?: string;
  lastAddress?: string;
  offsetAddress?: string;
  staticBand?: string[] | null;
  dynamicBand?: string[] | null;
  allocateOutOfRange_expectErrNotInRange?: string[];
  allocateOutOfRange_expectError?: string[];
  afterFullAllocation?: { allocate: string; expectError: string };
  afterFullAllocation_releaseThenAllocateNext?: { release: string; expectFreeAfterRelease?: number; expectAllocateNextReturns: string };
  whenFull?: { allocateNext_expectError: string };
  after264AllocateNext?: { expectFree: number; expectUsed?: number };
  sequence?: SequenceOp[];
  allocate?: string[];
  expectForEach?: string[];
  note?: string;
}

type SequenceOp =
  | { op: 'allocateNextN'; count: number; expectAllIn?: [string, string] }
  | { op: 'expectFree'; expect: number }
  | { op: 'expectUsed'; expect: number }
  | { op: 'allocateEach'; ips: string[]; expectError: string | null }
  | { op: 'release'; ip: string }
  | { op: 'allocateNext'; expect: string }
  | { op: 'snapshotRestore' };

const name = (c: RangeCase): string => `${c.source.test}${c.source.case ? ` ${c.source.case}` : ''} ${c.cidr}`;

/** Checks the static facts of a range case: size, free count, first/last, bands. */
function checkRange(kind: ServiceIPAllocatorKind, c: RangeCase): ServiceIPAllocator {
  const svc = new ServiceIPAllocator(c.cidr, { allocator: kind, random: seededRandom(7) });
  if (c.expectCIDRString !== undefined) expect(svc.cidr.toString()).toBe(c.expectCIDRString);
  if (c.family !== undefined) expect(`IPv${svc.family}`).toBe(c.family);
  if (c.expectMax !== undefined) expect(svc.size).toBe(BigInt(c.expectMax));
  if (c.expectSize !== undefined) expect(svc.size).toBe(BigInt(c.expectSize));
  if (c.expectFree !== undefined) expect(svc.free()).toBe(BigInt(c.expectFree));
  if (c.expectRangeOffset !== undefined) {
    expect(svc.rangeOffset).toBe(c.expectRangeOffset);
    expect(serviceIPRangeOffset(c.cidr)).toBe(c.expectRangeOffset);
  }
  if (c.firstAllocatable !== undefined) expect(svc.first?.toString() ?? null).toBe(c.firstAllocatable);
  if (c.lastAllocatable !== undefined) expect(svc.last?.toString() ?? null).toBe(c.lastAllocatable);
  if (c.firstAddress !== undefined && c.lastAddress !== undefined) {
    if (svc.size === 0n) {
      // Kubernetes caches first = network + 1 and last = broadcast − 1 even when that is an empty range (an IPv4 /32:
      // 192.168.1.1 … 192.168.0.255); we report no first and last instead. Check that the vector's range is empty.
      expect(Addr.parse(c.firstAddress).compare(Addr.parse(c.lastAddress))).toBeGreaterThan(0);
      expect(svc.first).toBeUndefined();
      expect(svc.last).toBeUndefined();
    } else {
      expect(svc.first?.toString()).toBe(c.firstAddress);
      expect(svc.last?.toString()).toBe(c.lastAddress);
    }
  }
  if (c.offsetAddress !== undefined) {
    // Kubernetes' offsetAddress = first + rangeOffset is where the dynamic band starts (when there is one).
    if (svc.dynamicBand === undefined) expect(svc.size).toBe(0n);
    else expect(svc.dynamicBand.first().toString()).toBe(c.offsetAddress);
  }
  if (c.staticBand !== undefined) {
    const band = svc.staticBand;
    expect(band === undefined ? null : [band.first().toString(), band.last().toString()]).toEqual(c.staticBand);
  }
  if (c.dynamicBand !== undefined) {
    const band = svc.dynamicBand;
    expect(band === undefined ? null : [band.first().toString(), band.last().toString()]).toEqual(c.dynamicBand);
  }
  return svc;
}

/** TestAllocate: fill the range with allocate(), then ErrFull, ErrAllocated, release + reallocate, ErrNotInRange. */
function fillAndDrain(kind: ServiceIPAllocatorKind, c: RangeCase): void {
  const svc = new ServiceIPAllocator(c.cidr, { allocator: kind, random: seededRandom(11) });
  const n = Number(svc.size);
  const seen = new Set<bigint>();
  const first = svc.first?.toBigInt();
  const last = svc.last?.toBigInt();
  let outside = 0;
  for (let i = 0; i < n; i++) {
    const v = svc.allocate().toBigInt();
    if (v < first! || v > last!) outside++;
    seen.add(v);
  }
  expect(outside).toBe(0);
  expect(seen.size).toBe(n);
  expect(svc.free()).toBe(0n);
  expect(svc.used()).toBe(BigInt(n));
  if (c.whenFull !== undefined) expect(thrown(() => svc.allocate()).code).toBe(ERR[c.whenFull.allocateNext_expectError]);
  if (c.afterFullAllocation !== undefined) {
    expect(thrown(() => svc.allocateSpecific(c.afterFullAllocation!.allocate)).code).toBe(ERR[c.afterFullAllocation.expectError]);
  }
  const again = c.afterFullAllocation_releaseThenAllocateNext;
  if (again !== undefined) {
    expect(svc.release(again.release)).toBe(true);
    expect(svc.free()).toBe(BigInt(again.expectFreeAfterRelease ?? 1));
    expect(svc.has(again.release)).toBe(false);
    expect(svc.allocate().toString()).toBe(again.expectAllocateNextReturns);
    expect(svc.free()).toBe(0n);
  }
  for (const ip of c.allocateOutOfRange_expectErrNotInRange ?? c.allocateOutOfRange_expectError ?? []) {
    const e = thrown(() => svc.allocateSpecific(ip));
    expect(e.code).toBe('ERR_K8S_SERVICE_IP_NOT_IN_RANGE');
    expect(e.message).toContain(`(${ip})`);
    expect(e.message).toContain(svc.cidr.toString());
    expect(svc.release(ip)).toBe(false); // Release outside the range is a no-op, not an error, as in Kubernetes
  }
  expect(svc.free()).toBe(0n);
}

/** Runs a vector's sequence of operations. */
function runSequence(kind: ServiceIPAllocatorKind, c: RangeCase, ops: SequenceOp[]): void {
  let svc = new ServiceIPAllocator(c.cidr, { allocator: kind, random: seededRandom(3) });
  for (const step of ops) {
    switch (step.op) {
      case 'allocateNextN': {
        for (let i = 0; i < step.count; i++) {
          const ip = svc.allocate();
          if (step.expectAllIn !== undefined) {
            const v = ip.toBigInt();
            expect(v >= Addr.parse(step.expectAllIn[0]).toBigInt() && v <= Addr.parse(step.expectAllIn[1]).toBigInt()).toBe(true);
          }
        }
        break;
      }
      case 'expectFree':
        expect(svc.free()).toBe(BigInt(step.expect));
        break;
      case 'expectUsed':
        expect(svc.used()).toBe(BigInt(step.expect));
        break;
      case 'allocateEach':
        for (const ip of step.ips) expect(svc.allocateSpecific(ip).toString()).toBe(ip);
        break;
      case 'release':
        expect(svc.release(step.ip)).toBe(true);
        break;
      case 'allocateNext':
        expect(svc.allocate().toString()).toBe(step.expect);
        break;
      case 'snapshotRestore': {
        const list = svc.list();
        svc = new ServiceIPAllocator(svc.cidr, { allocator: kind, allocated: list, random: seededRandom(4) });
        expect(svc.list()).toEqual(list);
        break;
      }
      default:
        throw new Error(`unknown op ${JSON.stringify(step)}`);
    }
  }
}

describe('ServiceIPAllocator with the bitmap rules (bitmap_test.go)', () => {
  const cases = groups.bitmapRange as unknown as RangeCase[];

  it.each(cases.map((c) => [name(c), c] as const))('%s', (_n, c) => {
    let ran = false;
    if (c.expectFree !== undefined || c.expectMax !== undefined) {
      checkRange('bitmap', c);
      ran = true;
    }
    if (c.whenFull !== undefined) {
      fillAndDrain('bitmap', c);
      ran = true;
    }
    if (c.after264AllocateNext !== undefined) {
      const svc = new ServiceIPAllocator(c.cidr, { allocator: 'bitmap', random: seededRandom(264) });
      for (let i = 0; i < 264; i++) svc.allocate();
      expect(svc.free()).toBe(BigInt(c.after264AllocateNext.expectFree));
      expect(svc.used()).toBe(BigInt(c.after264AllocateNext.expectUsed ?? 264));
    }
    if (c.sequence !== undefined) {
      runSequence('bitmap', c, c.sequence);
      ran = true;
    }
    if (c.expectForEach !== undefined) {
      const svc = new ServiceIPAllocator(c.cidr, { allocator: 'bitmap', allocated: c.allocate ?? [] });
      expect(svc.list().map(String)).toEqual(c.expectForEach);
      const seen: string[] = [];
      svc.forEach((ip) => seen.push(ip.toString()));
      expect(seen).toEqual(c.expectForEach);
      for (const ip of c.expectForEach) expect(svc.has(ip)).toBe(true);
      ran = true;
    }
    expect(ran).toBe(true); // every case exercises something
  });
});

describe('ServiceIPAllocator with the ServiceCIDR/IPAddress rules (ipallocator_test.go)', () => {
  const cases = groups.ipAddressAllocator as unknown as RangeCase[];

  it.each(cases.map((c) => [name(c), c] as const))('%s', (_n, c) => {
    if (c.note !== undefined && c.expectSize === undefined) {
      // TestAllocateReservedIPAllocator carries only a note: "same band behaviour as the bitmap allocator". Run the
      // bitmap group's TestAllocateReserved sequence with the IPAddress rules.
      const reserved = (groups.bitmapRange as unknown as RangeCase[]).find((b) => b.source.test === 'TestAllocateReserved')!;
      expect(reserved.cidr).toBe(c.cidr);
      runSequence('ipaddress', c, reserved.sequence!);
      return;
    }
    checkRange('ipaddress', c);
    if (c.whenFull !== undefined) fillAndDrain('ipaddress', c);
    if (c.after264AllocateNext !== undefined) {
      const svc = new ServiceIPAllocator(c.cidr, { random: seededRandom(264) });
      for (let i = 0; i < 264; i++) svc.allocate();
      expect(svc.free()).toBe(BigInt(c.after264AllocateNext.expectFree));
      expect(svc.used()).toBe(264n);
    }
  });
});

describe('seededRandom', () => {
  it('is mulberry32: the same numbers on every platform for a seed', () => {
    const r = seededRandom(42);
    expect([r(), r(), r()].map((x) => x * 2 ** 32)).toEqual([2581720956, 1925393290, 3661312704]);
    const z = seededRandom(0);
    expect(z()).toBe(1144304738 / 2 ** 32);
  });

  it('uses only the low 32 bits of the seed, and returns numbers in [0, 1)', () => {
    const a = seededRandom(2 ** 32 + 5);
    const b = seededRandom(5);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x >= 0 && x < 1).toBe(true);
    }
  });

  it.each([1.5, Number.NaN, Infinity, '7' as unknown as number])('refuses the seed %s', (seed) => {
    expect(thrown(() => seededRandom(seed)).code).toBe('ERR_K8S_INVALID_ARGUMENT');
  });
});

describe('ServiceIPAllocator: the contract', () => {
  it('gives exact, stable results for a seed (the issue example)', () => {
    const svc = new ServiceIPAllocator('10.96.0.0/12', { random: seededRandom(42) });
    expect([svc.allocate(), svc.allocate(), svc.allocate()].map(String)).toEqual(['10.105.158.132', '10.103.44.192', '10.109.163.216']);
    // The bitmap rules draw the same starts for a band this size, so they agree here.
    const bitmap = new ServiceIPAllocator('10.96.0.0/12', { allocator: 'bitmap', random: seededRandom(42) });
    expect([bitmap.allocate(), bitmap.allocate(), bitmap.allocate()].map(String)).toEqual(['10.105.158.132', '10.103.44.192', '10.109.163.216']);
  });

  it('uses the ServiceCIDR/IPAddress rules by default (Kubernetes 1.33+)', () => {
    const svc = new ServiceIPAllocator('fd00::/112');
    expect(svc.allocator).toBe('ipaddress');
    expect(svc.size).toBe(65535n);
    expect(new ServiceIPAllocator('fd00::/108').size).toBe(1048575n); // no 2^16 cap
    expect(new ServiceIPAllocator('fd00::/108', { allocator: 'bitmap' }).size).toBe(65535n); // the bitmap's cap
  });

  it('follows the documented examples', () => {
    const svc = new ServiceIPAllocator('10.96.0.0/12', { random: seededRandom(42) });
    expect(svc.dynamicBand!.contains(svc.allocate())).toBe(true);
    expect(svc.allocateSpecific('10.96.0.10').toString()).toBe('10.96.0.10');
    expect(svc.has('10.96.0.10')).toBe(true);
    expect(svc.release('10.96.0.10')).toBe(true);
    expect(svc.release('10.96.0.10')).toBe(false);
    expect(svc.free()).toBe(1048573n);
    expect(svc.staticBand!.toString()).toBe('10.96.0.1-10.96.1.0');
    expect(new ServiceIPAllocator('192.168.1.0/24').dynamicBand!.toString()).toBe('192.168.1.17-192.168.1.254');
    const sc = new ServiceIPAllocator('192.168.1.0/24');
    expect([sc.contains('192.168.1.0'), sc.contains('192.168.1.1'), sc.contains('192.168.1.255')]).toEqual([false, true, false]);
    expect(new ServiceIPAllocator('10.96.0.0/12', { allocated: ['10.96.0.1', '10.96.0.10'] }).used()).toBe(2n);
    const copy = new ServiceIPAllocator(svc.cidr, { allocator: svc.allocator, allocated: svc.list() });
    expect(copy.list()).toEqual(svc.list());
  });

  it('clears host bits of the range and accepts a Prefix', () => {
    expect(new ServiceIPAllocator('10.96.0.5/12').cidr.toString()).toBe('10.96.0.0/12');
    expect(new ServiceIPAllocator(Prefix.parse('10.96.0.0/12')).first!.toString()).toBe('10.96.0.1');
  });

  it('hands out the last IPv6 address under both rules, never the IPv4 broadcast', () => {
    for (const allocator of ['bitmap', 'ipaddress'] as const) {
      const v6 = new ServiceIPAllocator('fd00::/120', { allocator });
      expect(v6.last!.toString()).toBe('fd00::ff');
      expect(v6.allocateSpecific('fd00::ff').toString()).toBe('fd00::ff');
      const v4 = new ServiceIPAllocator('10.0.0.0/24', { allocator });
      expect(thrown(() => v4.allocateSpecific('10.0.0.255')).code).toBe('ERR_K8S_SERVICE_IP_NOT_IN_RANGE');
    }
  });

  it('stops an IPv6 range at network + 65535 under the bitmap rules only', () => {
    const bitmap = new ServiceIPAllocator('fd00::/64', { allocator: 'bitmap' });
    expect(bitmap.last!.toString()).toBe('fd00::ffff');
    expect(bitmap.contains('fd00::1:0')).toBe(false);
    const ipaddress = new ServiceIPAllocator('fd00::/64');
    expect(ipaddress.last!.toString()).toBe('fd00::ffff:ffff:ffff:ffff');
    expect(ipaddress.size).toBe(2n ** 64n - 1n);
    expect(ipaddress.allocateSpecific('fd00::1:0').toString()).toBe('fd00::1:0');
  });

  it('refuses IPv6 ranges shorter than /64 under the IPAddress rules', () => {
    const e = thrown(() => new ServiceIPAllocator('fd00::/63'));
    expect(e.code).toBe('ERR_K8S_SERVICE_RANGE_INVALID');
    expect(e.message).toContain('shortest allowed prefix length for service CIDR is 64, got 63');
    expect(new ServiceIPAllocator('fd00::/48', { allocator: 'bitmap' }).size).toBe(65535n);
  });

  it('has no address at all in an IPv4 /31 or /32, or an IPv6 /128', () => {
    for (const cidr of ['10.0.0.0/31', '10.0.0.0/32', 'fd00::/128']) {
      for (const allocator of ['bitmap', 'ipaddress'] as const) {
        const svc = new ServiceIPAllocator(cidr, { allocator });
        expect([svc.size, svc.free(), svc.used(), svc.first, svc.staticBand, svc.dynamicBand]).toEqual([0n, 0n, 0n, undefined, undefined, undefined]);
        expect(thrown(() => svc.allocate()).code).toBe('ERR_K8S_SERVICE_RANGE_FULL');
        expect(thrown(() => svc.allocateSpecific(svc.cidr.addr)).code).toBe('ERR_K8S_SERVICE_IP_NOT_IN_RANGE');
        expect(svc.has(svc.cidr.addr)).toBe(false);
        expect(svc.release(svc.cidr.addr)).toBe(false);
        expect(svc.list()).toEqual([]);
      }
    }
  });

  it('reads Kubernetes RangeSize for IPv4 /0 and /1: no bitmap at all, and no static band for the IPAddress rules', () => {
    expect(new ServiceIPAllocator('0.0.0.0/1', { allocator: 'bitmap' }).size).toBe(0n);
    const svc = new ServiceIPAllocator('0.0.0.0/0');
    expect(svc.size).toBe(4294967294n);
    expect(svc.rangeOffset).toBe(0);
    expect(svc.staticBand).toBeUndefined();
    expect(svc.dynamicBand!.toString()).toBe('0.0.0.1-255.255.255.254');
    const ips = Array.from({ length: 50 }, () => svc.allocate());
    expect(new Set(ips.map(String)).size).toBe(50);
    expect(ips.every((ip) => svc.contains(ip) && svc.has(ip))).toBe(true);
  });
});

describe('ServiceIPAllocator: random starts', () => {
  /** A RandomSource returning the given values in turn, counting the calls. */
  function scripted(...values: number[]): RandomSource & { calls: number } {
    const f = Object.assign(() => values[f.calls++ % values.length]!, { calls: 0 });
    return f;
  }

  it('maps a draw r to the start ⌊r · n⌋ of a band of n addresses, then scans forward with wrap-around', () => {
    for (const allocator of ['bitmap', 'ipaddress'] as const) {
      // 192.168.1.0/24: the dynamic band is .17 … .254, 238 addresses.
      expect(new ServiceIPAllocator('192.168.1.0/24', { allocator, random: scripted(0) }).allocate().toString()).toBe('192.168.1.17');
      expect(new ServiceIPAllocator('192.168.1.0/24', { allocator, random: scripted(0.5) }).allocate().toString()).toBe('192.168.1.136');
      const svc = new ServiceIPAllocator('192.168.1.0/24', { allocator, random: scripted(0.9999), allocated: ['192.168.1.254'] });
      expect(svc.allocate().toString()).toBe('192.168.1.17'); // start .254 is taken: wrap to the band's first address
      expect(svc.allocate().toString()).toBe('192.168.1.18');
    }
  });

  it('turns to the static band, with its own random start, only when the dynamic band is full', () => {
    for (const allocator of ['bitmap', 'ipaddress'] as const) {
      const dynamic = Array.from({ length: 238 }, (_, i) => `192.168.1.${17 + i}`);
      const random = scripted(0.3, 0.5);
      const svc = new ServiceIPAllocator('192.168.1.0/24', { allocator, random, allocated: dynamic });
      expect(svc.allocate().toString()).toBe('192.168.1.9'); // ⌊0.5 · 16⌋ = 8 after network + 1
      expect(random.calls).toBe(2); // one draw for the dynamic band, one for the static band
      svc.allocateSpecific('192.168.1.16');
      expect(svc.allocate().toString()).toBe('192.168.1.10');
    }
  });

  it('draws nothing once full under the bitmap rules, and draws as Kubernetes does under the IPAddress rules', () => {
    const full = Array.from({ length: 254 }, (_, i) => `192.168.1.${1 + i}`);
    const bitmapRandom = scripted(0.1);
    const bitmap = new ServiceIPAllocator('192.168.1.0/24', { allocator: 'bitmap', random: bitmapRandom, allocated: full });
    expect(thrown(() => bitmap.allocate()).code).toBe('ERR_K8S_SERVICE_RANGE_FULL');
    expect(bitmapRandom.calls).toBe(0);
    const ipRandom = scripted(0.1);
    const ip = new ServiceIPAllocator('192.168.1.0/24', { random: ipRandom, allocated: full });
    expect(thrown(() => ip.allocate()).message).toContain('range is full');
    expect(ipRandom.calls).toBe(2);
  });

  it('takes a 64-bit start from two draws in bands larger than 2^32 addresses', () => {
    // fd00::/80: the dynamic band is fd00::101 … fd00::ffff:ffff:ffff, n = 2^48 − 257 addresses.
    const svc = new ServiceIPAllocator('fd00::/80', { random: scripted(0.5, 0.25) });
    const v = (2n ** 31n << 32n) | 2n ** 30n;
    const n = 2n ** 48n - 257n;
    expect(svc.allocate().toBigInt() - Addr.parse('fd00::101').toBigInt()).toBe((v * n) >> 64n);
  });

  it('starts at the band start when Kubernetes’ rand.Uint64 start falls past the band of a /64', () => {
    const top = 1 - 2 ** -32;
    const svc = new ServiceIPAllocator('fd00::/64', { random: scripted(top) });
    expect(svc.allocate().toString()).toBe('fd00::101'); // v = 2^64 − 1 > the band's last offset
    const low = new ServiceIPAllocator('fd00::/64', { random: scripted(0, 0.5) });
    expect(low.allocate().toString()).toBe('fd00::8000:101'); // v = 0 · 2^32 + ⌊0.5 · 2^32⌋ = 2^31, used as is
  });

  it.each([1, -0.1, Number.NaN, '0.5' as unknown as number])('refuses a random source returning %s, changing nothing', (bad) => {
    const svc = new ServiceIPAllocator('10.0.0.0/24', { random: () => bad, allocated: ['10.0.0.1'] });
    const e = thrown(() => svc.allocate());
    expect(e.code).toBe('ERR_K8S_INVALID_ARGUMENT');
    expect(svc.list().map(String)).toEqual(['10.0.0.1']);
  });
});

describe('ServiceIPAllocator: errors', () => {
  it('names the address and the range in ERR_K8S_SERVICE_IP_NOT_IN_RANGE', () => {
    const svc = new ServiceIPAllocator('10.96.0.0/12');
    const e = thrown(() => svc.allocateSpecific('10.112.0.1'));
    expect(e.code).toBe('ERR_K8S_SERVICE_IP_NOT_IN_RANGE');
    expect(e.message).toBe(
      'ServiceIPAllocator.allocateSpecific("10.112.0.1"): the provided IP (10.112.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
    );
  });

  it.each([
    [Addr.parse('::ffff:10.96.0.2'), 'ERR_K8S_SERVICE_IP_NOT_IN_RANGE'], // a 4-in-6 Addr stays IPv6
    ['::ffff:10.96.0.1', 'ERR_K8S_SERVICE_IP_ALLOCATED'], // ParseIPSloppy reads it as 10.96.0.1, as kube-apiserver does
    ['fd00::1', 'ERR_K8S_SERVICE_IP_NOT_IN_RANGE'], // the other family
    ['10.96.0.0', 'ERR_K8S_SERVICE_IP_NOT_IN_RANGE'], // the network address
    ['10.111.255.255', 'ERR_K8S_SERVICE_IP_NOT_IN_RANGE'], // the IPv4 broadcast
    ['10.96.0.256', 'ERR_K8S_INVALID_IP'], // not an address
    ['010.96.0.1', 'ERR_K8S_SERVICE_IP_ALLOCATED'], // legacy field: leading zeros are decimal, so this is 10.96.0.1
    ['10.96.0.1/32', 'ERR_K8S_INVALID_IP'], // a CIDR is not a ClusterIP
    ['fe80::1%eth0', 'ERR_K8S_INVALID_IP'], // zones are not ClusterIPs
    [42, 'ERR_K8S_INVALID_IP'], // not a string
  ] as const)('rejects %s with %s, changing nothing', (ip, code) => {
    const svc = new ServiceIPAllocator('10.96.0.0/12', { allocated: ['10.96.0.1'] });
    expect(thrown(() => svc.allocateSpecific(ip as string | Addr)).code).toBe(code);
    expect(svc.list().map(String)).toEqual(['10.96.0.1']);
    expect(svc.used()).toBe(1n);
  });

  it('rejects an address already allocated, changing nothing', () => {
    const svc = new ServiceIPAllocator('10.96.0.0/12', { allocated: ['10.96.0.1'] });
    const e = thrown(() => svc.allocateSpecific(Addr.parse('10.96.0.1')));
    expect(e.code).toBe('ERR_K8S_SERVICE_IP_ALLOCATED');
    expect(e.message).toContain('10.96.0.1');
    expect(svc.used()).toBe(1n);
  });

  it('treats release of a free or foreign address as a no-op, as Kubernetes does, but rejects garbage', () => {
    const svc = new ServiceIPAllocator('10.96.0.0/12', { allocated: ['10.96.0.1'] });
    expect(svc.release('10.96.0.2')).toBe(false);
    expect(svc.release('192.168.0.1')).toBe(false);
    expect(svc.release('fd00::1')).toBe(false);
    expect(thrown(() => svc.release('nope')).code).toBe('ERR_K8S_INVALID_IP');
    expect(thrown(() => svc.has('nope')).code).toBe('ERR_K8S_INVALID_IP');
    expect(thrown(() => svc.contains('nope')).code).toBe('ERR_K8S_INVALID_IP');
    expect(svc.list().map(String)).toEqual(['10.96.0.1']);
  });

  it.each<[string, () => unknown, KubernetesErrorCode, string]>([
    ['a bad range', () => new ServiceIPAllocator('10.96.0.0'), 'ERR_K8S_INVALID_CIDR', 'new ServiceIPAllocator("10.96.0.0"): no "/"'],
    ['an unknown allocator', () => new ServiceIPAllocator('10.96.0.0/12', { allocator: 'etcd' as 'bitmap' }), 'ERR_K8S_INVALID_ARGUMENT', "'ipaddress' or 'bitmap'"],
    ['a random that is not a function', () => new ServiceIPAllocator('10.96.0.0/12', { random: 0.5 as unknown as RandomSource }), 'ERR_K8S_INVALID_ARGUMENT', 'random must be a function'],
    ['options that are not an object', () => new ServiceIPAllocator('10.96.0.0/12', null as never), 'ERR_K8S_INVALID_ARGUMENT', 'options must be an object'],
    ['allocated that is not iterable', () => new ServiceIPAllocator('10.96.0.0/12', { allocated: 5 as never }), 'ERR_K8S_INVALID_ARGUMENT', 'iterable'],
  ])('refuses %s', (_what, f, code, text) => {
    const e = thrown(f);
    expect(e.code).toBe(code);
    expect(e.message).toContain(text);
  });

  it.each<[string[], KubernetesErrorCode, string]>([
    [['10.96.0.1', '10.112.0.1'], 'ERR_K8S_SERVICE_IP_NOT_IN_RANGE', 'allocated[1]'],
    [['10.96.0.1', '10.96.0.10', '10.96.0.1'], 'ERR_K8S_SERVICE_IP_ALLOCATED', 'allocated[2]'],
    [['10.96.0.1', 'x'], 'ERR_K8S_INVALID_IP', 'allocated[1]'],
  ])('names the entry of options.allocated at fault: %j', (allocated, code, path) => {
    const e = thrown(() => new ServiceIPAllocator('10.96.0.0/12', { allocated }));
    expect(e.code).toBe(code);
    expect(e.path).toBe(path);
    expect(e.message.startsWith(`${path}: `)).toBe(true);
  });
});

/**
 * The reference model: Kubernetes' algorithms written out literally over a Set of taken addresses — the bitmap's
 * randomScanStrategyWithOffset (index arithmetic modulo the band) and the IPAddress allocator's ipIterator walk —
 * with the sizes computed from the rules' plain statements.
 */
class ReferenceAllocator {
  readonly taken = new Set<bigint>();
  readonly lo: bigint;
  readonly hi: bigint;
  readonly dyn: bigint;
  readonly size: bigint;
  readonly offset: bigint;
  readonly family: 4 | 6;

  constructor(
    cidr: string,
    readonly kind: ServiceIPAllocatorKind,
    readonly random: RandomSource,
  ) {
    const p = Prefix.parse(cidr);
    this.family = p.family;
    const h = BigInt(p.addr.bitLength - p.bits);
    const total = 1n << h;
    let size: bigint;
    if (kind === 'bitmap') size = (p.family === 6 ? (total > 65536n ? 65536n : total) : total - 1n) - 1n;
    else size = p.family === 4 ? total - 2n : total - 1n;
    this.size = size < 0n ? 0n : size;
    this.offset = total <= 16n ? 0n : total / 16n < 16n ? 16n : total / 16n > 256n ? 256n : total / 16n;
    this.lo = p.addr.toBigInt() + 1n;
    this.hi = this.lo + this.size - 1n;
    this.dyn = this.lo + this.offset;
  }

  #intn(n: bigint): bigint {
    return BigInt(Math.floor(this.random() * Number(n)));
  }

  #at(v: bigint): Addr {
    return Addr.fromBigInt(v, this.family);
  }

  allocate(): bigint | 'full' {
    const dynSize = this.size - this.offset;
    const take = (v: bigint): bigint => (this.taken.add(v), v);
    if (this.kind === 'bitmap') {
      if (BigInt(this.taken.size) >= this.size) return 'full';
      const s = this.#intn(dynSize);
      for (let i = 0n; i < dynSize; i++) {
        const at = this.dyn + ((s + i) % dynSize);
        if (!this.taken.has(at)) return take(at);
      }
      const s2 = this.#intn(this.offset);
      for (let i = 0n; i < this.offset; i++) {
        const at = this.lo + ((s2 + i) % this.offset);
        if (!this.taken.has(at)) return take(at);
      }
      return 'full';
    }
    if (dynSize === 0n) return 'full';
    for (const a of ipIterator(this.#at(this.dyn), this.#at(this.hi), this.#intn(dynSize))) {
      if (!this.taken.has(a.toBigInt())) return take(a.toBigInt());
    }
    if (this.offset !== 0n) {
      for (const a of ipIterator(this.#at(this.lo), this.#at(this.dyn - 1n), this.#intn(this.offset))) {
        if (!this.taken.has(a.toBigInt())) return take(a.toBigInt());
      }
    }
    return 'full';
  }

  allocateSpecific(v: bigint): bigint | 'not-in-range' | 'allocated' {
    if (this.size === 0n || v < this.lo || v > this.hi) return 'not-in-range';
    if (this.taken.has(v)) return 'allocated';
    this.taken.add(v);
    return v;
  }

  release(v: bigint): boolean {
    return this.taken.delete(v);
  }
}

describe('ServiceIPAllocator: properties against the reference model', () => {
  const CIDRS = ['10.0.0.0/24', '10.0.0.0/26', '10.0.0.64/27', '10.0.0.0/28', '10.0.0.0/29', '10.0.0.0/30', '10.0.0.0/31', '10.0.0.0/32',
    'fd00::/120', 'fd00::/122', 'fd00::/123', 'fd00::/124', 'fd00::/126', 'fd00::/127', 'fd00::/128'];
  type Op = { t: 'allocate' } | { t: 'specific'; d: number } | { t: 'release'; d: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.constant<Op>({ t: 'allocate' }) },
    { weight: 2, arbitrary: fc.integer({ min: -2, max: 260 }).map((d): Op => ({ t: 'specific', d })) },
    { weight: 2, arbitrary: fc.integer({ min: -2, max: 260 }).map((d): Op => ({ t: 'release', d })) },
  );
  const code = (f: () => unknown): unknown => {
    try {
      return f();
    } catch (e) {
      if (KubernetesError.isInstance(e)) return e.code;
      throw e;
    }
  };

  it('matches the model result for result, draw for draw, and keeps every invariant', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CIDRS),
        fc.constantFrom<ServiceIPAllocatorKind>('bitmap', 'ipaddress'),
        fc.integer(),
        fc.array(op, { maxLength: 400 }),
        (cidr, kind, seed, ops) => {
          const svc = new ServiceIPAllocator(cidr, { allocator: kind, random: seededRandom(seed) });
          const model = new ReferenceAllocator(cidr, kind, seededRandom(seed));
          const prefix = Prefix.parse(cidr);
          const network = prefix.addr.toBigInt();
          const broadcast = prefix.last().toBigInt();
          const given = new Set<bigint>();
          expect(svc.size).toBe(model.size);
          for (const o of ops) {
            if (o.t === 'allocate') {
              const dynamicFull = [...Array(Number(model.hi - model.dyn + 1n)).keys()].every((i) => model.taken.has(model.dyn + BigInt(i)));
              const wasFull = BigInt(model.taken.size) === model.size;
              const want = model.allocate();
              const got = code(() => svc.allocate());
              if (want === 'full') {
                expect(got).toBe('ERR_K8S_SERVICE_RANGE_FULL'); // ErrFull exactly when full
                expect(wasFull).toBe(true);
              } else {
                expect(got).toBeInstanceOf(Addr);
                const v = (got as Addr).toBigInt();
                expect(v).toBe(want);
                expect(given.has(v)).toBe(false); // never the same address twice
                expect(v).not.toBe(network); // never the network address
                if (prefix.family === 4) expect(v).not.toBe(broadcast); // nor the IPv4 broadcast
                expect(prefix.contains(got as Addr)).toBe(true); // never outside the range
                if (v < model.dyn) expect(dynamicFull).toBe(true); // the static band only once the dynamic band is full
                given.add(v);
              }
            } else {
              const v = network + BigInt(o.d);
              const ip = Addr.fromBigInt(v < 0n ? 0n : v, prefix.family);
              if (o.t === 'specific') {
                const want = model.allocateSpecific(ip.toBigInt());
                const got = code(() => svc.allocateSpecific(ip));
                if (want === 'not-in-range') expect(got).toBe('ERR_K8S_SERVICE_IP_NOT_IN_RANGE');
                else if (want === 'allocated') expect(got).toBe('ERR_K8S_SERVICE_IP_ALLOCATED');
                else {
                  expect((got as Addr).toBigInt()).toBe(want);
                  given.add(want);
                }
              } else {
                expect(svc.release(ip)).toBe(model.release(ip.toBigInt()));
                given.delete(ip.toBigInt());
              }
            }
            expect(svc.used()).toBe(BigInt(model.taken.size));
          }
          expect(svc.free()).toBe(model.size - BigInt(model.taken.size));
          expect(svc.list().map((a) => a.toBigInt())).toEqual([...model.taken].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
          for (const v of model.taken) expect(svc.has(Addr.fromBigInt(v, prefix.family))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('restores a state exactly from list() (the snapshot round trip)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CIDRS), fc.constantFrom<ServiceIPAllocatorKind>('bitmap', 'ipaddress'), fc.integer(), fc.nat(300), (cidr, kind, seed, n) => {
        const svc = new ServiceIPAllocator(cidr, { allocator: kind, random: seededRandom(seed) });
        for (let i = 0; i < n && svc.free() > 0n; i++) svc.allocate();
        const copy = new ServiceIPAllocator(cidr, { allocator: kind, allocated: svc.list() });
        expect(copy.list()).toEqual(svc.list());
        expect(copy.free()).toBe(svc.free());
      }),
      { numRuns: 60 },
    );
  });
});
