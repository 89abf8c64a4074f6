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

const { groups } = vectors;

/** Runs f and returns the KubernetesError it throws. */
function thrown(f: () => unknown): KubernetesError {
  try {
    f();
  } catch (e) {
    if (KubernetesError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected a KubernetesError');
}

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
