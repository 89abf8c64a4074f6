import { readFileSync } from 'node:fs';
import { Addr, Prefix } from '@ipam/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KubernetesError } from './kubernetes-error.js';
import {
  parseCIDRSloppy,
  parseCIDRSloppyWithIP,
  parseIPSloppy,
  tryParseCIDRSloppy,
  tryParseIPSloppy,
} from './netutils.js';

interface Source {
  repo: string;
  file: string;
  test: string;
}
interface Vectors {
  semantics: Record<string, string>;
  groups: {
    parseIPSloppy: { source: Source; input: string; expect: string | null; expectFamily?: 'IPv4' | 'IPv6' | null }[];
    parseCIDRSloppy: {
      source: Source;
      input: string;
      expectIP?: string;
      expectNet?: string;
      expectFamily?: 'IPv4' | 'IPv6';
      expectError?: boolean;
    }[];
    [group: string]: unknown[];
  };
}

const vectors = JSON.parse(
  readFileSync(new URL('../../../../shared/vectors/k8s-netutils.json', import.meta.url), 'utf8'),
) as Vectors;
const G = vectors.groups;

/** Names a vector row for the test title: the input and the upstream test it comes from. */
const row = <T extends { source: Source }>(rows: T[]) => rows.map((r) => ({ ...r, from: r.source.test }));

const family = (a: { family: 4 | 6 }) => (a.family === 4 ? 'IPv4' : 'IPv6');

/** Expects `fn` to throw a KubernetesError with `code` whose message quotes `input`. */
function expectK8sError(fn: () => unknown, code: string, input: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(KubernetesError.isInstance(caught), `expected a KubernetesError for ${JSON.stringify(input)}`).toBe(true);
  const err = caught as KubernetesError;
  expect(err.code).toBe(code);
  expect(err.message).toContain(JSON.stringify(input));
}

describe('parseIPSloppy', () => {
  it.each(row(G.parseIPSloppy))('$from: $input -> $expect', ({ input, expect: want, expectFamily }) => {
    if (want === null) {
      expectK8sError(() => parseIPSloppy(input), 'ERR_K8S_INVALID_IP', input);
      expect(tryParseIPSloppy(input)).toBeUndefined();
      return;
    }
    const a = parseIPSloppy(input);
    expect(a.toString()).toBe(want);
    if (expectFamily != null) expect(family(a)).toBe(expectFamily);
    expect(tryParseIPSloppy(input)?.equals(a)).toBe(true);
    // The canonical form parses back to the same address, strictly and sloppily.
    expect(Addr.parse(want).equals(a)).toBe(true);
    expect(parseIPSloppy(want).equals(a)).toBe(true);
  });

  it('puts the location of the text in the error', () => {
    const err = (() => {
      try {
        parseIPSloppy('10.0.0.256', { object: 'Node/a', path: 'status.addresses[0].address' });
      } catch (e) {
        return e as KubernetesError;
      }
    })();
    expect(err?.path).toBe('status.addresses[0].address');
    expect(err?.message).toBe('Node/a: status.addresses[0].address: parseIPSloppy("10.0.0.256"): IPv4 field has value > 255');
  });

  it('refuses what is not a string', () => {
    expect(tryParseIPSloppy(17 as unknown as string)).toBeUndefined();
    expect(() => parseIPSloppy(undefined as unknown as string)).toThrow(KubernetesError);
  });
});

describe('parseCIDRSloppy', () => {
  it.each(row(G.parseCIDRSloppy))('$from: $input', ({ input, expectIP, expectNet, expectFamily, expectError }) => {
    if (expectError) {
      expectK8sError(() => parseCIDRSloppy(input), 'ERR_K8S_INVALID_CIDR', input);
      expectK8sError(() => parseCIDRSloppyWithIP(input), 'ERR_K8S_INVALID_CIDR', input);
      expect(tryParseCIDRSloppy(input)).toBeUndefined();
      return;
    }
    expect(expectNet).toBeDefined();
    const p = parseCIDRSloppy(input);
    expect(p.toString()).toBe(expectNet);
    expect(p.equals(p.masked())).toBe(true);
    expect(Prefix.parse(expectNet!).equals(p)).toBe(true);
    expect(tryParseCIDRSloppy(input)?.equals(p)).toBe(true);
    if (expectFamily !== undefined) expect(family(p)).toBe(expectFamily);
    const { ip, prefix } = parseCIDRSloppyWithIP(input);
    expect(prefix.equals(p)).toBe(true);
    if (expectIP !== undefined) expect(ip.toString()).toBe(expectIP);
  });

  it('keeps the IPv4 meaning of an IPv4-mapped address only when the length covers ::ffff:', () => {
    expect(parseCIDRSloppy('::ffff:1.1.1.0/24').toString()).toBe('::/24');
    expect(parseCIDRSloppy('::ffff:1.1.1.0/96').toString()).toBe('0.0.0.0/0');
    expect(parseCIDRSloppy('::ffff:1.1.1.0/95').toString()).toBe('::fffe:0:0/95');
    expect(parseCIDRSloppy('::ffff:1.1.1.0/100').toString()).toBe('0.0.0.0/4');
    expect(parseCIDRSloppy('::ffff:1.1.1.1/128').toString()).toBe('1.1.1.1/32');
    const { ip, prefix } = parseCIDRSloppyWithIP('::ffff:1.1.1.1/24');
    expect([ip.toString(), prefix.toString()]).toEqual(['1.1.1.1', '::/24']);
  });

  it('splits at the first "/" and reads the length as decimal digits only', () => {
    expect(parseCIDRSloppy('10.0.0.0/0008').toString()).toBe('10.0.0.0/8');
    expect(tryParseCIDRSloppy('10.0.0.0/')).toBeUndefined(); // no digits
    expect(tryParseCIDRSloppy('10.0.0.0/8/8')).toBeUndefined(); // the length is "8/8"
    expect(tryParseCIDRSloppy('10.0.0.0/33')).toBeUndefined(); // past 32 for dotted IPv4
    expect(tryParseCIDRSloppy('::ffff:10.0.0.0/129')).toBeUndefined(); // past 128
    expect(tryParseCIDRSloppy('fe80::1%eth0/64')).toBeUndefined(); // no zones
  });
});
