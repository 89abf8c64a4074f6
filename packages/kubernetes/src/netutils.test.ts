import { readFileSync } from 'node:fs';
import { Addr, Prefix } from '@ipam/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KubernetesError } from './kubernetes-error.js';
import {
  indexedIP,
  parseCIDRSloppy,
  parseCIDRSloppyWithIP,
  parseCIDRsSloppy,
  parseIPSloppy,
  rangeSize,
  tryParseCIDRSloppy,
  tryParseIPSloppy,
  validateCIDR,
  validateIP,
  validateInterfaceAddress,
  warningsForCIDR,
  warningsForIP,
} from './netutils.js';

interface Source {
  repo: string;
  file: string;
  test: string;
}
type ValidationColumn<K extends 'IP' | 'CIDR'> =
  | `strict_IsValid${K}_errContains`
  | `legacy_IsValid${K}ForLegacyField_errContains`
  | 'legacyWithStrictGate_errContains';
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
    rangeSize: { source: Source; cidr: string; expect: string }[];
    getIndexedIP: { source: Source; cidr: string; index: number; expect?: string; expectError?: boolean }[];
    parseCIDRs: { source: Source; input: string[]; expectError: boolean }[];
    validateIP: ({ source: Source; input: string } & Record<ValidationColumn<'IP'>, string | null>)[];
    validateCIDR: ({ source: Source; input: string } & Record<ValidationColumn<'CIDR'>, string | null>)[];
    warningsForIP: { source: Source; fieldPath: string; input: string; expect: string[] }[];
    warningsForCIDR: { source: Source; fieldPath: string; input: string; expect: string[] }[];
    validateInterfaceAddress: { source: Source; input: string; errContains: string | null }[];
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

describe('parseCIDRsSloppy', () => {
  it.each(row(G.parseCIDRs))('$from: $input', ({ input, expectError }) => {
    if (expectError) {
      expect(() => parseCIDRsSloppy(input)).toThrow(KubernetesError);
      return;
    }
    expect(parseCIDRsSloppy(input).map(String)).toEqual(input.map((c) => parseCIDRSloppy(c).toString()));
  });

  it('names the index of the bad entry', () => {
    let err: KubernetesError | undefined;
    try {
      parseCIDRsSloppy(['10.0.0.0/8', 'not-a-valid-cidr'], { object: 'Node/a', path: 'spec.podCIDRs' });
    } catch (e) {
      err = e as KubernetesError;
    }
    expect(err?.code).toBe('ERR_K8S_INVALID_CIDR');
    expect(err?.path).toBe('spec.podCIDRs[1]');
    expect(err?.message).toBe('Node/a: spec.podCIDRs[1]: parseCIDRSloppy("not-a-valid-cidr"): no "/"');
  });
});

describe('rangeSize', () => {
  it.each(row(G.rangeSize))('$from: $cidr -> $expect', ({ cidr, expect: want }) => {
    expect(rangeSize(parseCIDRSloppy(cidr))).toBe(BigInt(want));
  });

  it('counts single addresses and pairs, and caps at the int64 maximum', () => {
    expect(rangeSize(parseCIDRSloppy('10.0.0.1/32'))).toBe(1n);
    expect(rangeSize(parseCIDRSloppy('10.0.0.0/31'))).toBe(2n);
    expect(rangeSize(parseCIDRSloppy('10.0.0.0/2'))).toBe(1n << 30n);
    expect(rangeSize(parseCIDRSloppy('0.0.0.0/0'))).toBe(0n); // 32 host bits: Kubernetes gives up at 31
    expect(rangeSize(parseCIDRSloppy('2001:db8::/66'))).toBe(1n << 62n);
    expect(rangeSize(parseCIDRSloppy('2001:db8::/65'))).toBe((1n << 63n) - 1n);
    expect(rangeSize(parseCIDRSloppy('::/2'))).toBe((1n << 63n) - 1n);
    expect(rangeSize(parseCIDRSloppy('::/1'))).toBe(0n);
  });
});

describe('indexedIP', () => {
  it.each(row(G.getIndexedIP))('$from: $cidr [$index]', ({ cidr, index, expect: want, expectError }) => {
    if (expectError) {
      expect(() => indexedIP(parseCIDRSloppy(cidr), index)).toThrow(
        expect.objectContaining({ code: 'ERR_K8S_CIDR_OUTSIDE' }),
      );
      return;
    }
    expect(indexedIP(parseCIDRSloppy(cidr), index).toString()).toBe(want);
    expect(indexedIP(cidr, BigInt(index)).toString()).toBe(want);
  });

  it('refuses negative and non-integer indexes', () => {
    expect(() => indexedIP('10.0.0.0/24', -1)).toThrow(expect.objectContaining({ code: 'ERR_K8S_CIDR_OUTSIDE' }));
    expect(() => indexedIP('10.0.0.0/24', 1.5)).toThrow(expect.objectContaining({ code: 'ERR_K8S_INVALID_ARGUMENT' }));
    expect(() => indexedIP('10.0.0.0', 1)).toThrow(expect.objectContaining({ code: 'ERR_K8S_INVALID_CIDR' }));
  });
});

/** Checks a validator's problems against a vector column: none when `want` is null, else one containing it. */
function expectProblems(problems: string[], want: string | null, input: string): void {
  if (want === null) {
    expect(problems).toEqual([]);
    return;
  }
  expect(problems.length).toBeGreaterThan(0);
  expect(problems.some((p) => p.includes(want)), `${JSON.stringify(problems)} should mention ${want}`).toBe(true);
  for (const p of problems) expect(p).toContain(`Invalid value: ${JSON.stringify(input)}: `);
}

describe('validateIP', () => {
  it.each(row(G.validateIP))('$from: $input', (c) => {
    expectProblems(validateIP(c.input), c.strict_IsValidIP_errContains, c.input);
    expectProblems(validateIP(c.input, { legacy: true }), c.legacy_IsValidIPForLegacyField_errContains, c.input);
    expectProblems(
      validateIP(c.input, { legacy: true, strictIPCIDRValidation: true }),
      c.legacyWithStrictGate_errContains,
      c.input,
    );
  });

  it('starts each message with the field path', () => {
    expect(validateIP('1.1.1.01', { fieldPath: 'spec.clusterIPs[0]', legacy: true, strictIPCIDRValidation: true })).toEqual([
      'spec.clusterIPs[0]: Invalid value: "1.1.1.01": must not have leading 0s',
    ]);
    expect(validateIP('', { fieldPath: 'metadata.name' })).toEqual([
      'metadata.name: Invalid value: "": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ]);
  });

  it('accepts values the old object already had, in legacy fields only', () => {
    const validOldValues = ['1.1.1.01'];
    expect(validateIP('1.1.1.01', { legacy: true, strictIPCIDRValidation: true, validOldValues })).toEqual([]);
    expect(validateIP('1.1.1.02', { legacy: true, strictIPCIDRValidation: true, validOldValues })).toHaveLength(1);
    expect(validateIP('1.1.1.01', { validOldValues })).toHaveLength(1);
  });
});

describe('validateCIDR', () => {
  it.each(row(G.validateCIDR))('$from: $input', (c) => {
    expectProblems(validateCIDR(c.input), c.strict_IsValidCIDR_errContains, c.input);
    expectProblems(validateCIDR(c.input, { legacy: true }), c.legacy_IsValidCIDRForLegacyField_errContains, c.input);
    expectProblems(
      validateCIDR(c.input, { legacy: true, strictIPCIDRValidation: true }),
      c.legacyWithStrictGate_errContains,
      c.input,
    );
  });

  it('accepts values the old object already had, in legacy fields only', () => {
    const validOldValues = ['10.0.0.1/8'];
    expect(validateCIDR('10.0.0.1/8', { legacy: true, strictIPCIDRValidation: true, validOldValues })).toEqual([]);
    expect(validateCIDR('10.0.0.1/8', { fieldPath: 'spec.cidrs[0]', validOldValues })).toEqual([
      'spec.cidrs[0]: Invalid value: "10.0.0.1/8": must not have bits set beyond the prefix length',
    ]);
  });
});

describe('validateInterfaceAddress', () => {
  it.each(row(G.validateInterfaceAddress))('$from: $input', ({ input, errContains }) => {
    expectProblems(validateInterfaceAddress(input), errContains, input);
  });

  it('starts each message with the field path', () => {
    expect(validateInterfaceAddress('1.2.3.4', { fieldPath: 'spec.address' })).toEqual([
      'spec.address: Invalid value: "1.2.3.4": must be a valid address in CIDR form, (e.g. 10.9.8.7/24 or 2001:db8::1/64)',
    ]);
  });
});

describe('warningsForIP', () => {
  it.each(row(G.warningsForIP))('$from: $fieldPath $input', ({ fieldPath, input, expect: want }) => {
    expect(warningsForIP(fieldPath, input)).toEqual(want);
  });

  it('has no warnings for a value that is not an IP address (validate first)', () => {
    expect(warningsForIP('spec.clusterIP', 'None')).toEqual([]);
  });
});

describe('warningsForCIDR', () => {
  it.each(row(G.warningsForCIDR))('$from: $fieldPath $input', ({ fieldPath, input, expect: want }) => {
    expect(warningsForCIDR(fieldPath, input)).toEqual(want);
  });

  it('has no warnings for a value that is not a CIDR (validate first)', () => {
    expect(warningsForCIDR('spec.loadBalancerSourceRanges[0]', '1.2.3.4')).toEqual([]);
  });
});
