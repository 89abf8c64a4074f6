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
    expect(err?.message).toBe(
      'Node/a: status.addresses[0].address: parseIPSloppy("10.0.0.256"): IPv4 field has value > 255',
    );
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
    const options = { fieldPath: 'spec.clusterIPs[0]', legacy: true, strictIPCIDRValidation: true };
    expect(validateIP('1.1.1.01', options)).toEqual([
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
      'spec.address: Invalid value: "1.2.3.4": must be a valid address in CIDR form, ' +
        '(e.g. 10.9.8.7/24 or 2001:db8::1/64)',
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

// ---------------------------------------------------------------------------------------------------------------
// Properties, against a slow reference model: Kubernetes' sloppy grammar is the strict one (core's netip-style
// parser) once leading zeros are dropped from every field, with IPv4-mapped IPv6 read as IPv4.

/** The reference sloppy IP parser: characters of the grammar only, leading zeros dropped, core's strict parse. */
function referenceIPSloppy(s: string): Addr | undefined {
  if (!/^[0-9a-fA-F.:]*$/.test(s)) return undefined; // no zones, brackets, ports, prefixes or white space
  return Addr.tryParse(s.replace(/(^|[.:])0+(?=[0-9a-fA-F])/g, '$1'))?.unmap();
}

/** The IPv4-mapped IPv6 form of an IPv4 address. */
function mapTo6(a: Addr): Addr {
  return Addr.from16([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...a.toBytes()]);
}

/** The reference sloppy CIDR parser, following the vectors' `semantics.ParseCIDRSloppy` sentence by sentence. */
function referenceCIDRSloppy(s: string): Prefix | undefined {
  const slash = s.indexOf('/'); // the first "/"
  if (slash < 0) return undefined;
  const [text, len] = [s.slice(0, slash), s.slice(slash + 1)];
  if (!/^[0-9]+$/.test(len)) return undefined; // decimal digits only, no sign
  const ip = referenceIPSloppy(text);
  if (ip === undefined) return undefined;
  const writtenAs6 = text.includes(':');
  const bits = Number(len);
  if (bits > (writtenAs6 ? 128 : 32)) return undefined;
  if (writtenAs6 && ip.is4()) return bits >= 96 ? ip.prefix(bits - 96) : mapTo6(ip).prefix(bits);
  return ip.prefix(bits);
}

const zeros = fc.integer({ min: 0, max: 3 }).map((n) => '0'.repeat(n));
const octet = fc.integer({ min: 0, max: 255 });
const group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
const sloppyOctet = (v: number) => zeros.map((z) => z + String(v));
const sloppyGroup = (v: number) =>
  fc.tuple(zeros, fc.boolean()).map(([z, upper]) => z + (upper ? v.toString(16).toUpperCase() : v.toString(16)));

/** Dotted IPv4 text with leading zeros, and the four octets it stands for. */
const sloppyIPv4 = fc
  .array(octet, { minLength: 4, maxLength: 4 })
  .chain((o) => fc.tuple(fc.constant(o), fc.tuple(...o.map(sloppyOctet)).map((t) => t.join('.'))));

/** Joins IPv6 fields, replacing a run of zero fields (among `hex` indexes) with "::" when `run` says so. */
function join6(fields: string[], values: number[], run: [number, number] | undefined): string {
  if (run === undefined) return fields.join(':');
  const [i, j] = run;
  if (j <= i || values.slice(i, j).some((v) => v !== 0)) return fields.join(':');
  return `${fields.slice(0, i).join(':')}::${fields.slice(j).join(':')}`;
}

/** IPv6 text in any sloppy form (leading zeros, either case, "::", dotted last 32 bits), and its 16 bytes. */
const sloppyIPv6 = fc
  .tuple(
    fc.array(group, { minLength: 8, maxLength: 8 }),
    fc.boolean(),
    fc.option(fc.tuple(fc.nat(8), fc.nat(8)), { nil: undefined }),
  )
  .chain(([g, dotted, run]) => {
    const bytes = g.flatMap((v) => [v >> 8, v & 0xff]);
    const hexCount = dotted ? 6 : 8;
    const hex = fc.tuple(...g.slice(0, hexCount).map(sloppyGroup));
    const tail = dotted ? fc.tuple(...bytes.slice(12).map(sloppyOctet)).map((t) => [t.join('.')]) : fc.constant([]);
    const r = run && ([Math.min(run[0], hexCount), Math.min(run[1], hexCount)] as [number, number]);
    const text = fc.tuple(hex, tail).map(([h, t]) => join6([...h, ...t], g.slice(0, hexCount), r));
    return fc.tuple(fc.constant(bytes), text);
  });

/** Sloppy IP text of either family, and the address Kubernetes reads from it. */
const sloppyIP: fc.Arbitrary<[Addr, string]> = fc.oneof(
  sloppyIPv4.map(([o, s]) => [Addr.from4(o), s] as [Addr, string]),
  sloppyIPv6.map(([b, s]) => [Addr.from16(b).unmap(), s] as [Addr, string]),
);

/** A canonical address of either family, IPv4-mapped ones and ones with runs of zeros included. */
const canonicalAddr = fc.oneof(
  fc.array(octet, { minLength: 4, maxLength: 4 }).map((o) => Addr.from4(o)),
  fc.array(group, { minLength: 8, maxLength: 8 }).map((g) => Addr.from16(g.flatMap((v) => [v >> 8, v & 0xff]))),
  fc.array(octet, { minLength: 4, maxLength: 4 }).map((o) => mapTo6(Addr.from4(o))),
);

/** Small edits that break (or keep) a valid text: an inserted, deleted or replaced character. */
const edited = (s: string) =>
  fc
    .tuple(
      fc.nat(s.length),
      fc.constantFrom(...'0123456789abcdefABCDEFgx.:%/[] -'),
      fc.constantFrom('insert', 'delete', 'replace', 'keep'),
    )
    .map(([i, c, op]) => {
      if (op === 'insert') return s.slice(0, i) + c + s.slice(i);
      if (op === 'delete') return s.slice(0, i) + s.slice(i + 1);
      if (op === 'replace') return s.slice(0, i) + c + s.slice(i + 1);
      return s;
    });

/** Texts shaped like addresses but with any number of fields, empty ones and dotted parts anywhere. */
const addressLike = fc
  .array(
    fc.oneof(
      group.chain(sloppyGroup),
      fc.constant(''),
      sloppyIPv4.map(([, s]) => s),
      fc.stringMatching(/^[0-9]{1,7}$/),
      fc.stringMatching(/^[0-9a-fA-F]{5,7}$/),
    ),
    { minLength: 1, maxLength: 10 },
  )
  .chain((fields) => fc.constantFrom(fields.join(':'), fields.join('.')));

describe('sloppy parsing properties', () => {
  it('reads every canonical address and prefix as core does (IPv4-mapped ones as IPv4)', () => {
    fc.assert(
      fc.property(canonicalAddr, fc.nat(128), (a, n) => {
        expect(parseIPSloppy(a.toString()).equals(a.unmap())).toBe(true);
        const p = a.prefix(n % (a.bitLength + 1));
        const want = p.addr.is4In6() ? p.addr.unmap().prefix(p.bits - 96) : p;
        expect(parseCIDRSloppy(p.toString()).equals(want)).toBe(true);
        expect(Prefix.parse(p.toString()).equals(p)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('never lets leading zeros on IPv4 octets change their decimal value', () => {
    fc.assert(
      fc.property(sloppyIPv4, fc.nat(32), zeros, ([o, s], bits, lz) => {
        const a = Addr.from4(o);
        expect(parseIPSloppy(s).equals(a)).toBe(true);
        expect(parseIPSloppy(`::ffff:${s}`).equals(a)).toBe(true);
        expect(parseCIDRSloppyWithIP(`${s}/${lz}${bits}`).ip.equals(a)).toBe(true);
        expect(parseCIDRSloppy(`${s}/${lz}${bits}`).equals(a.prefix(bits))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('returns a masked prefix that contains the address as written', () => {
    fc.assert(
      fc.property(sloppyIP, fc.nat(128), ([a, s], n) => {
        const writtenAs6 = s.includes(':');
        const bits = n % ((writtenAs6 ? 128 : 32) + 1);
        const { ip, prefix } = parseCIDRSloppyWithIP(`${s}/${bits}`);
        expect(ip.equals(a)).toBe(true);
        expect(prefix.equals(prefix.masked())).toBe(true);
        // An IPv4-mapped address whose length stops short of the ::ffff: marker is in an IPv6 network.
        expect(prefix.contains(prefix.family === 6 && ip.is4() ? mapTo6(ip) : ip)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with the reference model on sloppy texts and on small edits of them', () => {
    fc.assert(
      fc.property(
        fc.oneof(sloppyIP.map(([, s]) => s), addressLike).chain(edited),
        (s) => {
          const want = referenceIPSloppy(s);
          const got = tryParseIPSloppy(s);
          expect(got?.toString(), s).toBe(want?.toString());
          if (got) expect(got.family).toBe(want!.family);
        },
      ),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(
        fc.tuple(sloppyIP, fc.nat(140), zeros).chain(([[, s], n, lz]) => edited(`${s}/${lz}${n}`)),
        (s) => {
          expect(tryParseCIDRSloppy(s)?.toString(), s).toBe(referenceCIDRSloppy(s)?.toString());
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('agrees with the reference model on every vector', () => {
    for (const { input } of G.parseIPSloppy) {
      expect(tryParseIPSloppy(input)?.toString(), input).toBe(referenceIPSloppy(input)?.toString());
    }
    for (const { input } of G.parseCIDRSloppy) {
      expect(tryParseCIDRSloppy(input)?.toString(), input).toBe(referenceCIDRSloppy(input)?.toString());
    }
  });
});

describe('documented examples', () => {
  // Each @example in netutils.ts, so the doc comments cannot drift from the code.
  it('parseIPSloppy, parseCIDRSloppy, parseCIDRSloppyWithIP, parseCIDRsSloppy', () => {
    expect(parseIPSloppy('192.168.000.005').toString()).toBe('192.168.0.5');
    expect(parseIPSloppy('::ffff:7f01:0203').toString()).toBe('127.1.2.3');
    expect(parseCIDRSloppy('010.244.001.007/16').toString()).toBe('10.244.0.0/16');
    expect(parseCIDRSloppy('::ffff:1.1.1.0/120').toString()).toBe('1.1.1.0/24');
    const { ip, prefix } = parseCIDRSloppyWithIP('192.168.1.7/24');
    expect([ip.toString(), prefix.toString()]).toEqual(['192.168.1.7', '192.168.1.0/24']);
    expect(parseCIDRsSloppy(['10.0.0.0/8', '2000::/10']).map(String)).toEqual(['10.0.0.0/8', '2000::/10']);
  });

  it('rangeSize, indexedIP', () => {
    expect(rangeSize(parseCIDRSloppy('192.168.1.0/24'))).toBe(256n);
    expect(rangeSize(parseCIDRSloppy('2001:db8::/64'))).toBe(9223372036854775807n);
    expect(indexedIP('192.168.1.0/24', 20).toString()).toBe('192.168.1.20');
  });

  it('validateIP, validateCIDR, validateInterfaceAddress, warningsForIP, warningsForCIDR', () => {
    expect(validateIP('1234::ABCD')).toEqual(['Invalid value: "1234::ABCD": must be in canonical form ("1234::abcd")']);
    expect(validateIP('010.0.0.1', { legacy: true })).toEqual([]);
    expect(validateCIDR('1.2.3.4/24')).toEqual([
      'Invalid value: "1.2.3.4/24": must not have bits set beyond the prefix length',
    ]);
    expect(validateCIDR('1.2.3.4/24', { legacy: true })).toEqual([]);
    expect(validateInterfaceAddress('1.2.3.4/24')).toEqual([]);
    expect(validateInterfaceAddress('1.1.01.002/24')).toEqual([
      'Invalid value: "1.1.01.002/24": must be in canonical form ("1.1.1.2/24")',
    ]);
    expect(validateInterfaceAddress('::ffff:1.1.1.1/40')).toEqual([
      'Invalid value: "::ffff:1.1.1.1/40": must be in canonical form ("1.1.1.1/-56")',
    ]);
    expect(warningsForIP('spec.clusterIPs[0]', '192.012.2.2')).toEqual([
      'spec.clusterIPs[0]: non-standard IP address "192.012.2.2" is invalid: use "192.12.2.2"',
    ]);
    expect(warningsForCIDR('spec.loadBalancerSourceRanges[0]', '192.12.2.8/24')).toEqual([
      'spec.loadBalancerSourceRanges[0]: CIDR value "192.12.2.8/24" is ambiguous in this context ' +
        '(should be "192.12.2.0/24" or "192.12.2.8/32"?)',
    ]);
  });
});
