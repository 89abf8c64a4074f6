import { readFileSync } from 'node:fs';
import { Addr, Prefix } from '@ipam/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KubernetesError } from '../kubernetes-error.js';
import { parseCIDRSloppy } from '../netutils.js';
import { beginningAndEndIndices, coveredBlock, getIndexForIP, indexToCIDRBlock, maxCIDRsOf, readCIDR } from './cidr-index.js';

interface Step {
  op: string;
  cidr?: string;
  index?: number;
  expect?: unknown;
  expectError?: unknown;
  ranges?: [number, number][];
}
interface Case {
  id: string;
  clusterCIDR: string;
  nodeMaskSize: number;
  steps: Step[];
}
const { cases } = JSON.parse(readFileSync(new URL('../../../../../shared/vectors/k8s-cidrset.json', import.meta.url), 'utf8')) as { cases: Case[] };

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(KubernetesError.isInstance(e)).toBe(true);
    return (e as KubernetesError).code;
  }
  return undefined;
}

const indexSteps = cases.flatMap((c) => c.steps.filter((s) => s.op === 'indexToCIDRBlock').map((s) => [c.id, c, s] as const));
const ipSteps = cases.flatMap((c) => c.steps.filter((s) => s.op === 'getIndexForIP').map((s) => [c.id, c, s] as const));
/** Cases that occupy exactly one CIDR on a fresh set and then state the used indices. */
const singleOccupy = cases
  .filter((c) => c.steps.length === 3 && c.steps[1]!.op === 'occupy' && c.steps[2]!.op === 'expectUsedIndices')
  .map((c) => [c.id, c] as const);

describe('indexToCIDRBlock (cidr_set_test.go TestIndexToCIDRBlock)', () => {
  it.each(indexSteps)('%s', (_id, c, s) => {
    expect(indexToCIDRBlock(parseCIDRSloppy(c.clusterCIDR), c.nodeMaskSize, s.index!).toString()).toBe(s.expect);
  });

  it('refuses an index outside 0…maxCIDRs − 1', () => {
    const cluster = Prefix.parse('10.0.0.0/16');
    expect(codeOf(() => indexToCIDRBlock(cluster, 24, 256))).toBe('ERR_K8S_CIDR_OUTSIDE');
    expect(codeOf(() => indexToCIDRBlock(cluster, 24, -1))).toBe('ERR_K8S_CIDR_OUTSIDE');
    expect(codeOf(() => indexToCIDRBlock(cluster, 24, 1.5))).toBe('ERR_K8S_CIDR_OUTSIDE');
  });
});

describe('getIndexForIP (cidr_set_test.go TestGetBitforCIDR)', () => {
  it.each(ipSteps)('%s', (_id, c, s) => {
    const run = (): number => getIndexForIP(parseCIDRSloppy(c.clusterCIDR), c.nodeMaskSize, parseCIDRSloppy(s.cidr!).addr);
    if (s.expectError === true) expect(codeOf(run)).toBe('ERR_K8S_CIDR_OUTSIDE');
    else expect(run()).toBe(s.expect);
  });

  it('refuses an address of the other family', () => {
    expect(codeOf(() => getIndexForIP(Prefix.parse('10.0.0.0/8'), 16, Addr.parse('::1')))).toBe('ERR_K8S_CIDR_OUTSIDE');
  });
});

describe('beginningAndEndIndices (cidr_set_test.go TestOccupy)', () => {
  it.each(singleOccupy)('%s', (_id, c) => {
    const [begin, end] = beginningAndEndIndices(parseCIDRSloppy(c.clusterCIDR), c.nodeMaskSize, parseCIDRSloppy(c.steps[1]!.cidr!));
    expect([[begin, end]]).toEqual(c.steps[2]!.ranges);
  });

  it('is the inverse of indexToCIDRBlock for every node block', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 8 }), fc.nat(), (clusterBits, diff, n) => {
        const cluster = Addr.parse('172.16.0.0').prefix(clusterBits);
        const node = clusterBits + diff;
        const index = n % maxCIDRsOf(cluster, node);
        const block = indexToCIDRBlock(cluster, node, index);
        expect(cluster.containsPrefix(block)).toBe(true);
        expect(beginningAndEndIndices(cluster, node, block)).toEqual([index, index]);
        expect(getIndexForIP(cluster, node, block.last())).toBe(index);
      }),
    );
  });
});

describe('coveredBlock', () => {
  const cluster = Prefix.parse('10.42.0.0/16');
  it.each([
    ['10.0.0.0/8', '10.42.0.0/16'], // larger than the cluster: all of it
    ['10.42.0.0/16', '10.42.0.0/16'], // the cluster itself
    ['10.42.8.0/22', '10.42.8.0/22'], // between: itself
    ['10.42.9.0/24', '10.42.9.0/24'], // a node block
    ['10.42.9.128/25', '10.42.9.0/24'], // smaller: the enclosing node block
  ])('covers %s with %s', (cidr, want) => {
    expect(coveredBlock(cluster, 24, Prefix.parse(cidr)).toString()).toBe(want);
  });

  it('refuses a CIDR that shares no address with the cluster', () => {
    expect(codeOf(() => coveredBlock(cluster, 24, Prefix.parse('10.43.0.0/24')))).toBe('ERR_K8S_CIDR_OUTSIDE');
    expect(codeOf(() => coveredBlock(cluster, 24, Prefix.parse('fd00::/8')))).toBe('ERR_K8S_CIDR_OUTSIDE');
  });
});

describe('readCIDR', () => {
  it('reads strings sloppily and clears the host bits of Prefix values', () => {
    expect(readCIDR('t', '010.001.002.003/8').toString()).toBe('10.0.0.0/8');
    expect(readCIDR('t', Prefix.from(Addr.parse('10.1.2.3'), 8)).toString()).toBe('10.0.0.0/8');
    expect(codeOf(() => readCIDR('t', {} as unknown as string))).toBe('ERR_K8S_INVALID_ARGUMENT');
  });
});
