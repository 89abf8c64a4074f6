import { readFileSync } from 'node:fs';
import { Addr, Prefix } from '@ipam/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CidrSet, KubernetesError } from './index.js';
import { getIndexForIP } from './internal/cidr-index.js';
import { parseCIDRSloppy } from './netutils.js';

interface Step {
  op: string;
  cidr?: string;
  index?: number;
  count?: number;
  expect?: string | number | string[];
  expectError?: string | boolean;
  expectAllocatedCount?: number;
  expectMaxCIDRs?: number;
  ranges?: [number, number][];
}
interface Case {
  id: string;
  clusterCIDR: string;
  nodeMaskSize: number;
  steps: Step[];
}
const vectors = JSON.parse(readFileSync(new URL('../../../../shared/vectors/k8s-cidrset.json', import.meta.url), 'utf8')) as {
  cases: Case[];
};

/** Kubernetes' error variables and the codes CidrSet throws for them. */
const CODES: Record<string, string> = {
  ErrCIDRRangeNoCIDRsRemaining: 'ERR_K8S_CIDR_SET_FULL',
  ErrCIDRSetSubNetTooBig: 'ERR_K8S_NODE_MASK_TOO_BIG',
};

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(KubernetesError.isInstance(e)).toBe(true);
    return (e as KubernetesError).code;
  }
  return undefined;
}

/** The indices of the node blocks in use, as inclusive ranges, read from the public usedSet(). */
function usedIndexRanges(set: CidrSet): [number, number][] {
  const shift = BigInt(set.clusterCIDR.addr.bitLength - set.nodeMaskSize);
  const base = set.clusterCIDR.addr.toBigInt();
  return set.usedSet().ranges().map((r) => [Number((r.first().toBigInt() - base) >> shift), Number((r.last().toBigInt() - base) >> shift)]);
}

/** The state a failing call must leave alone. */
function snapshot(set: CidrSet): string {
  return `${set.allocatedCount} ${set.usedSet().toString()}`;
}

describe('CidrSet: every case of k8s-cidrset.json', () => {
  it.each(vectors.cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    let set: CidrSet | undefined;
    const cluster = parseCIDRSloppy(c.clusterCIDR);
    for (const step of c.steps) {
      switch (step.op) {
        case 'new': {
          if (typeof step.expectError === 'string') {
            expect(codeOf(() => new CidrSet(c.clusterCIDR, c.nodeMaskSize))).toBe(CODES[step.expectError]);
            return; // nothing else to do with a set that does not exist
          }
          set = new CidrSet(c.clusterCIDR, c.nodeMaskSize);
          expect(set.clusterCIDR.equals(cluster)).toBe(true);
          expect(set.allocatedCount).toBe(0);
          if (step.expectMaxCIDRs !== undefined) expect(set.maxCIDRs).toBe(step.expectMaxCIDRs);
          break;
        }
        case 'allocateNext': {
          if (typeof step.expectError === 'string') {
            const before = snapshot(set!);
            expect(codeOf(() => set!.allocateNext())).toBe(CODES[step.expectError]);
            expect(snapshot(set!)).toBe(before);
          } else {
            expect(set!.allocateNext().toString()).toBe(step.expect);
          }
          break;
        }
        case 'allocateNextN': {
          const got = Array.from({ length: step.count! }, () => set!.allocateNext().toString());
          expect(got).toEqual(step.expect);
          break;
        }
        case 'occupy':
        case 'release': {
          const s = set!;
          const run = (): void => (step.op === 'occupy' ? s.occupy(step.cidr!) : s.release(step.cidr!));
          if (step.expectError === true) {
            const before = snapshot(s);
            expect(codeOf(run)).toBe('ERR_K8S_CIDR_OUTSIDE');
            expect(snapshot(s)).toBe(before);
          } else {
            run();
          }
          if (step.expectAllocatedCount !== undefined) expect(s.allocatedCount).toBe(step.expectAllocatedCount);
          break;
        }
        case 'expectUsedIndices': {
          expect(usedIndexRanges(set!)).toEqual(step.ranges);
          break;
        }
        case 'indexToCIDRBlock': {
          // Internal in upstream; the public equivalent is the (index + 1)-th allocateNext on a fresh set.
          const fresh = new CidrSet(c.clusterCIDR, c.nodeMaskSize);
          let last: Prefix | undefined;
          for (let i = 0; i <= step.index!; i++) last = fresh.allocateNext();
          expect(last!.toString()).toBe(step.expect);
          break;
        }
        case 'getIndexForIP': {
          const ip = parseCIDRSloppy(step.cidr!).addr;
          const fresh = new CidrSet(c.clusterCIDR, c.nodeMaskSize);
          if (step.expectError === true) {
            expect(codeOf(() => getIndexForIP(cluster, c.nodeMaskSize, ip))).toBe('ERR_K8S_CIDR_OUTSIDE');
            // Public equivalent: occupying that CIDR is refused and changes nothing.
            expect(codeOf(() => fresh.occupy(step.cidr!))).toBe('ERR_K8S_CIDR_OUTSIDE');
            expect(fresh.allocatedCount).toBe(0);
          } else {
            expect(getIndexForIP(cluster, c.nodeMaskSize, ip)).toBe(step.expect);
            // Public equivalent: occupying that CIDR marks exactly this index.
            fresh.occupy(step.cidr!);
            expect(usedIndexRanges(fresh)).toEqual([[step.expect, step.expect]]);
          }
          break;
        }
        default:
          throw new Error(`unknown op ${step.op} in case ${c.id}`);
      }
    }
  });
});

describe('CidrSet', () => {
  it('follows its documented example', () => {
    const set = new CidrSet('10.244.0.0/16', 24);
    expect(set.maxCIDRs).toBe(256);
    expect(set.allocateNext().toString()).toBe('10.244.0.0/24');
    set.occupy('10.244.1.0/24');
    expect(set.allocateNext().toString()).toBe('10.244.2.0/24');
    set.release('10.244.0.0/24');
    expect(set.allocateNext().toString()).toBe('10.244.3.0/24');
    expect(set.allocatedCount).toBe(3);
    expect(set.freeCount).toBe(253);
  });

  it('hands a released block out again only when the scan wraps round to it', () => {
    const set = new CidrSet('10.0.0.0/30', 32);
    expect([0, 1, 2].map(() => set.allocateNext().toString())).toEqual(['10.0.0.0/32', '10.0.0.1/32', '10.0.0.2/32']);
    set.release('10.0.0.0/32');
    expect(set.allocateNext().toString()).toBe('10.0.0.3/32'); // the position is after 10.0.0.2, not back at 0
    expect(set.allocateNext().toString()).toBe('10.0.0.0/32'); // wrapped
  });

  it('does not move the position on occupy or release', () => {
    const set = new CidrSet('10.0.0.0/28', 30);
    set.occupy('10.0.0.4/30');
    set.release('10.0.0.4/30');
    expect(set.allocateNext().toString()).toBe('10.0.0.0/30'); // starts at 0, as upstream's nextCandidate
    set.occupy('10.0.0.0/28');
    set.release('10.0.0.0/28');
    expect(set.allocateNext().toString()).toBe('10.0.0.4/30');
  });

  it('releases one block out of a larger occupied CIDR, and only that one', () => {
    const set = new CidrSet('10.42.0.0/16', 24);
    set.occupy('10.42.0.0/20');
    expect(set.allocatedCount).toBe(16);
    set.release('10.42.5.0/24');
    expect(set.allocatedCount).toBe(15);
    expect(set.isUsed('10.42.5.0/24')).toBe(false);
    expect(set.isUsed('10.42.4.0/24')).toBe(true);
    expect(set.isUsed('10.42.6.0/23')).toBe(true);
    expect(set.allocateNext().toString()).toBe('10.42.5.0/24');
  });

  it('reads strings with the sloppy parser and clears host bits of Prefix values', () => {
    const set = new CidrSet('010.042.000.001/16', 24);
    expect(set.clusterCIDR.toString()).toBe('10.42.0.0/16');
    set.occupy(Prefix.from(Addr.parse('10.42.7.9'), 24));
    expect(set.isUsed('10.42.7.0/24')).toBe(true);
    set.occupy('10.42.008.001/24');
    expect(set.isUsed('10.42.8.0/24')).toBe(true);
  });

  it('has no 16-bit limit for IPv4 and allows exactly 16 bits for IPv6', () => {
    expect(new CidrSet('0.0.0.0/0', 32).maxCIDRs).toBe(2 ** 32);
    expect(new CidrSet('fd00::/48', 64).maxCIDRs).toBe(65536);
    expect(codeOf(() => new CidrSet('fd00::/48', 65))).toBe('ERR_K8S_NODE_MASK_TOO_BIG');
  });

  it('occupies and releases a whole large set in a few steps', () => {
    const set = new CidrSet('fd00::/48', 64);
    set.occupy('fd00::/48');
    expect(set.allocatedCount).toBe(65536);
    expect(codeOf(() => set.allocateNext())).toBe('ERR_K8S_CIDR_SET_FULL');
    set.release('fd00:0:0:1234::/64');
    expect(set.allocateNext().toString()).toBe('fd00:0:0:1234::/64');
    set.release('::/0');
    expect(set.allocatedCount).toBe(0);
    expect(set.usedSet().isEmpty()).toBe(true);
  });

  it('handles the whole address space: one block, and 2^32 blocks occupied and released in runs', () => {
    const one = new CidrSet('0.0.0.0/0', 0);
    expect(one.allocateNext().toString()).toBe('0.0.0.0/0');
    one.release('1.2.3.4/32');
    expect(one.allocatedCount).toBe(0);
    const all = new CidrSet('0.0.0.0/0', 32);
    all.occupy('0.0.0.0/0');
    expect(all.allocatedCount).toBe(2 ** 32);
    all.release('10.200.3.4/32');
    expect(all.allocatedCount).toBe(2 ** 32 - 1);
    expect(all.allocateNext().toString()).toBe('10.200.3.4/32');
    all.release('128.0.0.0/1');
    expect(all.allocatedCount).toBe(2 ** 31);
    expect(all.allocateNext().toString()).toBe('128.0.0.0/32'); // the scan goes on from 10.200.3.5, the first free is 128.0.0.0
    const v6 = new CidrSet('::/0', 16);
    v6.occupy('::/0');
    v6.release('ffff::/16');
    expect(v6.allocateNext().toString()).toBe('ffff::/16');
  });

  it.each([
    ['10.0.0.0/16', 8, 'ERR_K8S_NODE_MASK_INVALID'], // node mask shorter than the cluster's
    ['10.0.0.0/16', 33, 'ERR_K8S_NODE_MASK_INVALID'], // longer than IPv4 allows
    ['fd00::/120', 129, 'ERR_K8S_NODE_MASK_INVALID'], // longer than IPv6 allows
    ['10.0.0.0/16', 24.5, 'ERR_K8S_NODE_MASK_INVALID'], // not an integer
    ['10.0.0.0/16', '24' as unknown as number, 'ERR_K8S_NODE_MASK_INVALID'], // not a number
    ['beef:1234::/32', 49, 'ERR_K8S_NODE_MASK_TOO_BIG'], // IPv6, 17 bits longer
    ['10.0.0.0/33', 24, 'ERR_K8S_INVALID_CIDR'], // the sloppy parser refuses the length
    ['10.0.0.0', 24, 'ERR_K8S_INVALID_CIDR'], // no "/"
    [42 as unknown as string, 24, 'ERR_K8S_INVALID_ARGUMENT'], // not a CIDR at all
  ])('refuses new CidrSet(%j, %j) with %s', (cluster, mask, code) => {
    expect(codeOf(() => new CidrSet(cluster, mask))).toBe(code);
  });

  it('names the input and Kubernetes error text in its messages', () => {
    expect(() => new CidrSet('beef:1234::/32', 49)).toThrow('New CIDR set failed; the node CIDR size is too big');
    const set = new CidrSet('10.0.0.0/31', 31);
    set.allocateNext();
    expect(() => set.allocateNext()).toThrow('there are no remaining CIDRs left to allocate in the accepted range');
    expect(() => set.occupy('10.1.0.0/16')).toThrow('CidrSet.occupy("10.1.0.0/16"): cidr 10.1.0.0/16 is out the range of cluster cidr 10.0.0.0/31');
    expect(() => set.release('fd00::/64')).toThrow('out the range');
  });

  it('changes nothing when a call fails', () => {
    const set = new CidrSet('10.0.0.0/24', 26);
    set.occupy('10.0.0.64/26');
    const before = snapshot(set);
    for (const bad of ['10.0.1.0/24', 'fd00::/8', 'nonsense', '10.0.0.0/40']) {
      expect(codeOf(() => set.occupy(bad))).toBeDefined();
      expect(codeOf(() => set.release(bad))).toBeDefined();
    }
    expect(snapshot(set)).toBe(before);
    expect(set.allocateNext().toString()).toBe('10.0.0.0/26');
  });
});

/** cidr_set.go as plainly as possible: a boolean per node block, a next candidate, a counter. */
class ReferenceCidrSet {
  readonly used: boolean[];
  next = 0;
  count = 0;
  readonly base: bigint;
  readonly w: number;
  constructor(
    readonly cluster: Prefix,
    readonly node: number,
  ) {
    this.used = new Array<boolean>(2 ** (node - cluster.bits)).fill(false);
    this.base = cluster.addr.toBigInt();
    this.w = cluster.addr.bitLength;
  }
  block(i: number): string {
    return Addr.fromBigInt(this.base | (BigInt(i) << BigInt(this.w - this.node)), this.cluster.family)
      .prefix(this.node)
      .toString();
  }
  index(ip: bigint): number {
    return Number((this.base ^ ip) >> BigInt(this.w - this.node));
  }
  allocateNext(): string {
    const max = this.used.length;
    if (this.count === max) return 'ERR_K8S_CIDR_SET_FULL';
    let c = this.next;
    for (let i = 0; i < max; i++) {
      if (!this.used[c]) break;
      c = (c + 1) % max;
    }
    this.next = (c + 1) % max;
    this.used[c] = true;
    this.count++;
    return this.block(c);
  }
  /** getBeginningAndEndIndices, with the overlap test written out in integers. */
  range(p: Prefix): [number, number] | undefined {
    if (p.family !== this.cluster.family) return undefined;
    const ip = p.addr.toBigInt();
    const mask = (bits: number): bigint => ((1n << BigInt(this.w)) - 1n) ^ ((1n << BigInt(this.w - bits)) - 1n);
    const inCluster = (ip & mask(this.cluster.bits)) === this.base;
    const clusterInP = (this.base & mask(p.bits)) === ip;
    if (!inCluster && !clusterInP) return undefined;
    if (this.cluster.bits >= p.bits) return [0, this.used.length - 1];
    const last = ip | ((1n << BigInt(this.w - p.bits)) - 1n);
    return [this.index(ip & mask(this.node)), this.index(last & mask(this.node))];
  }
  mark(p: Prefix, value: boolean): string {
    const r = this.range(p);
    if (r === undefined) return 'ERR_K8S_CIDR_OUTSIDE';
    for (let i = r[0]; i <= r[1]; i++) {
      if (this.used[i] !== value) {
        this.used[i] = value;
        this.count += value ? 1 : -1;
      }
    }
    return 'ok';
  }
  usedRanges(): [number, number][] {
    const out: [number, number][] = [];
    this.used.forEach((u, i) => {
      if (!u) return;
      const last = out[out.length - 1];
      if (last !== undefined && last[1] === i - 1) last[1] = i;
      else out.push([i, i]);
    });
    return out;
  }
}

type Op = { kind: 'allocateNext' } | { kind: 'occupy' | 'release'; cidr: Prefix };

/** A small cluster CIDR of either family, a node mask at most 7 bits longer, and CIDRs near it (some outside). */
const scenario = fc
  .record({
    family: fc.constantFrom(4 as const, 6 as const),
    hostBits: fc.integer({ min: 0, max: 8 }),
    diff: fc.integer({ min: 0, max: 7 }),
    seed: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
  })
  .chain(({ family, hostBits, diff, seed }) => {
    const w = family === 4 ? 32 : 128;
    const clusterBits = w - hostBits - diff;
    const value = family === 4 ? seed & 0xffffffffn : seed;
    const cluster = Addr.fromBigInt(value, family).prefix(clusterBits);
    const near = fc
      .record({ up: fc.integer({ min: 0, max: 3 }), bits: fc.integer({ min: Math.max(0, clusterBits - 3), max: w }), off: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }) })
      .map(({ up, bits, off }) => {
        const outer = cluster.addr.prefix(Math.max(0, clusterBits - up));
        const span = outer.size;
        return Addr.fromBigInt(outer.addr.toBigInt() + (off % span), family).prefix(bits);
      });
    const other = fc.constant(family === 4 ? Prefix.parse('fd00::/64') : Prefix.parse('10.0.0.0/8'));
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.constant({ kind: 'allocateNext' as const }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('occupy' as const), cidr: fc.oneof({ weight: 9, arbitrary: near }, { weight: 1, arbitrary: other }) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('release' as const), cidr: fc.oneof({ weight: 9, arbitrary: near }, { weight: 1, arbitrary: other }) }) },
    );
    return fc.record({ cluster: fc.constant(cluster), node: fc.constant(w - hostBits), ops: fc.array(op, { maxLength: 60 }) });
  });

describe('CidrSet against a reference model of cidr_set.go', () => {
  it('gives the same results, errors and used blocks under random allocateNext/occupy/release', () => {
    fc.assert(
      fc.property(scenario, ({ cluster, node, ops }) => {
        const set = new CidrSet(cluster, node);
        const model = new ReferenceCidrSet(cluster, node);
        const blockSize = 1n << BigInt(cluster.addr.bitLength - node);
        for (const op of ops) {
          let got: string;
          try {
            if (op.kind === 'allocateNext') {
              const before = set.usedSet();
              const p = set.allocateNext();
              // Never out of range, never a block already in use.
              expect(cluster.containsPrefix(p) && p.bits === node).toBe(true);
              expect(before.overlapsPrefix(p)).toBe(false);
              got = p.toString();
            } else {
              if (op.kind === 'occupy') set.occupy(op.cidr);
              else set.release(op.cidr);
              got = 'ok';
            }
          } catch (e) {
            got = (e as KubernetesError).code;
          }
          const want = op.kind === 'allocateNext' ? model.allocateNext() : model.mark(op.cidr, op.kind === 'occupy');
          expect(got).toBe(want);
          expect(set.allocatedCount).toBe(model.count);
          expect(usedIndexRanges(set)).toEqual(model.usedRanges());
          // The count is the number of distinct live blocks.
          expect(set.usedSet().size).toBe(BigInt(set.allocatedCount) * blockSize);
        }
      }),
      { numRuns: 300 },
    );
  });
});
