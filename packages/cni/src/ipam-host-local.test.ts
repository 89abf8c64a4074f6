/**
 * host-local range rules, as table tests over ../shared/vectors/cni-hostlocal.json (derived from the reference
 * plugin's own tests): the range.*, rangeset.* and config.load.* vectors about configuration. Allocation
 * sequences, CNI_ARGS and plugin runs belong to the plugin runtime and are left out here.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Addr } from '@ipam/core';
import { describe, expect, it } from 'vitest';
import { CniConfigError, type CniConfigErrorCode, type HostLocalIpam, parseNetworkConfig } from './index.js';

const VECTORS = fileURLToPath(new URL('../../../../shared/vectors/cni-hostlocal.json', import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type V = { id: string; group: string; description: string; input: any; expected: any };
const all: V[] = JSON.parse(readFileSync(VECTORS, 'utf8')).vectors;
const group = (g: string): V[] => all.filter((v) => v.group === g);

/** The code each rejected vector must produce. */
const codes: Record<string, CniConfigErrorCode> = {
  'range.canonicalize#003': 'ERR_CNI_HOST_BITS', // 192.0.2.12/24
  'range.canonicalize#004': 'ERR_CNI_HOST_BITS', // IPv6 /64 with an interface id
  'range.canonicalize#005': 'ERR_CNI_HOST_BITS', // IPv6 /63 with the last network bit set
  'range.canonicalize#006': 'ERR_CNI_HOST_BITS', // 192.168.127.0/23
  'range.canonicalize#008': 'ERR_CNI_SUBNET_TOO_SMALL', // /31 has no usable address
  'range.canonicalize#009': 'ERR_CNI_OUTSIDE_SUBNET', // rangeStart in the next /24
  'range.canonicalize#010': 'ERR_CNI_OUTSIDE_SUBNET', // rangeEnd two /24s on
  'range.canonicalize#011': 'ERR_CNI_INVALID_RANGE', // rangeStart after rangeEnd (upstream words it "not in network")
  'range.canonicalize#013': 'ERR_CNI_SUBNET_TOO_SMALL', // IPv6 /127
  'rangeset#003': 'ERR_CNI_RANGE_OVERLAP', // a /24 inside a /20 of the same set
  'rangeset#005': 'ERR_CNI_MIXED_FAMILIES', // IPv4 and IPv6 in one set
  'config.load#008': 'ERR_CNI_RANGE_OVERLAP', // 10.1.2.0/24 in set 0 and set 1
  'config.load#009': 'ERR_CNI_RANGE_OVERLAP', // /24 inside a /22 of the same set
  'config.load#010': 'ERR_CNI_MIXED_FAMILIES', // v4 + v6 in one set
  'config.load#011': 'ERR_CNI_VERSION', // two IPv4 sets need spec 0.3.0
  'config.load#014': 'ERR_CNI_NO_RANGES', // "ranges": []
  'config.load#022': 'ERR_CNI_INVALID_CIDR', // Calico's usePodCidr placeholder
  'config.load#023': 'ERR_CNI_INVALID_IP', // rangeStart "bogus"
  'config.load#024': 'ERR_CNI_INVALID_CIDR', // route dst "bad"
};

function net(ranges: unknown[][], cniVersion = '1.0.0'): string {
  return JSON.stringify({ cniVersion, name: 't', type: 'bridge', ipam: { type: 'host-local', ranges } });
}

function code(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof CniConfigError) return e.code;
    throw e;
  }
}

function hostLocal(text: string): HostLocalIpam {
  const ipam = parseNetworkConfig(text, { format: 'conf' }).plugins[0]!.ipam;
  if (ipam?.dialect !== 'host-local') throw new Error('not host-local');
  return ipam;
}

describe('host-local Range.Canonicalize (range.canonicalize vectors)', () => {
  it.each(group('range.canonicalize'))('$id: $description', (v) => {
    const text = net([[v.input.range]]);
    if (!v.expected.ok) {
      expect(code(() => parseNetworkConfig(text))).toBe(codes[v.id]);
      return;
    }
    const r = hostLocal(text).ranges[0]![0]!;
    expect({ subnet: String(r.subnet), rangeStart: String(r.rangeStart), rangeEnd: String(r.rangeEnd), gateway: String(r.gateway) }).toEqual(v.expected.range);
  });

  it('names the field at fault', () => {
    const bad = '{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"bridge"},{"type":"x","ipam":{"type":"host-local","ranges":[[{"subnet":"10.1.2.0/24","rangeStart":"10.1.3.9"}]]}}]}';
    const e = (() => {
      try {
        parseNetworkConfig(bad);
      } catch (x) {
        return x as CniConfigError;
      }
    })()!;
    expect([e.code, e.path, e.line, e.column]).toEqual(['ERR_CNI_OUTSIDE_SUBNET', 'plugins[1].ipam.ranges[0][0].rangeStart', 1, 151]);
    expect(e.message).toBe('<input>:1:151: plugins[1].ipam.ranges[0][0].rangeStart: rangeStart 10.1.3.9 is not in network 10.1.2.0/24');
  });
});

describe('host-local Range.Contains (range.contains vectors)', () => {
  it.each(group('range.contains'))('$id: $description', (v) => {
    const r = parseNetworkConfig(net([[v.input.range]])).ranges();
    const ip = Addr.parse(v.input.ip);
    expect(r.ipv4.contains(ip) || r.ipv6.contains(ip)).toBe(v.expected.contains);
  });
});

describe('host-local range overlaps (range.overlaps vectors, as two range sets)', () => {
  it.each(group('range.overlaps'))('$id: $description', (v) => {
    for (const [a, b] of [
      [v.input.range1, v.input.range2],
      [v.input.range2, v.input.range1],
    ]) {
      expect(code(() => parseNetworkConfig(net([[a], [b]])))).toBe(v.expected.overlaps ? 'ERR_CNI_RANGE_OVERLAP' : undefined);
    }
  });
});

describe('host-local RangeSet (rangeset vectors)', () => {
  it.each(group('rangeset'))('$id: $description', (v) => {
    const sets = v.input.otherRangeSet ? [v.input.rangeSet, v.input.otherRangeSet] : [v.input.rangeSet];
    const text = net(sets);
    if (v.expected.ok === false || v.expected.overlaps) {
      expect(code(() => parseNetworkConfig(text))).toBe(codes[v.id] ?? 'ERR_CNI_RANGE_OVERLAP');
      return;
    }
    const r = parseNetworkConfig(text).ranges();
    expect(r.ipv4.contains(Addr.parse(v.input.ip))).toBe(v.expected.contains);
  });
});

// CNI_ARGS (#004-#007, #016-#021) and the resolv.conf read at ADD (#025) are run-time matters; #015 (no ipam key)
// is host-local's own complaint when executed, while a bridge without ipam is a valid L2 network.
const runTime = new Set(['config.load#015', 'config.load#025']);
const configVectors = group('config.load').filter((v) => v.input.cniArgs === '' && !runTime.has(v.id));

describe('host-local LoadIPAMConfig (config.load vectors)', () => {
  it.each(configVectors)('$id: $description', (v) => {
    const text = JSON.stringify(v.input.stdin);
    if (!v.expected.ok) {
      expect(code(() => parseNetworkConfig(text, { format: 'conf' }))).toBe(codes[v.id]);
      return;
    }
    const ipam = hostLocal(text);
    if (v.expected.ranges) {
      expect(ipam.ranges.map((set) => set.map((r) => ({ subnet: String(r.subnet), rangeStart: String(r.rangeStart), rangeEnd: String(r.rangeEnd), gateway: String(r.gateway) })))).toEqual(
        v.expected.ranges,
      );
    }
  });

  it('covers the configuration vectors it means to', () => {
    expect(configVectors.map((v) => v.id)).toEqual(['config.load#001', 'config.load#002', 'config.load#003', 'config.load#008', 'config.load#009', 'config.load#010', 'config.load#011', 'config.load#012', 'config.load#013', 'config.load#014', 'config.load#022', 'config.load#023', 'config.load#024']);
  });
});

describe('host-local rules beyond the vectors', () => {
  it.each([
    // a top-level rangeStart without subnet is silently dropped by host-local: report it
    ['{"type":"host-local","rangeStart":"10.0.0.5","ranges":[[{"subnet":"10.0.0.0/24"}]]}', 'ERR_CNI_MISSING_FIELD', 'ipam.subnet'],
    // a range without subnet
    ['{"type":"host-local","ranges":[[{"rangeStart":"10.0.0.5"}]]}', 'ERR_CNI_MISSING_FIELD', 'ipam.ranges[0][0].subnet'],
    // an empty range set
    ['{"type":"host-local","ranges":[[]]}', 'ERR_CNI_NO_RANGES', 'ipam.ranges[0]'],
    // a range set that is not an array
    ['{"type":"host-local","ranges":[{"subnet":"10.0.0.0/24"}]}', 'ERR_CNI_INVALID_TYPE', 'ipam.ranges[0]'],
    // an IPv4 /32
    ['{"type":"host-local","subnet":"10.0.0.1/32"}', 'ERR_CNI_SUBNET_TOO_SMALL', 'ipam.subnet'],
    // rangeEnd before the default rangeStart
    ['{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/24","rangeEnd":"10.0.0.0"}]]}', 'ERR_CNI_INVALID_RANGE', 'ipam.ranges[0][0].rangeEnd'],
    // a zone is not an IP address
    ['{"type":"host-local","ranges":[[{"subnet":"fd00::/64","gateway":"fd00::1%eth0"}]]}', 'ERR_CNI_INVALID_IP', 'ipam.ranges[0][0].gateway'],
    // runtimeConfig.ipRanges are validated too, at their own path
    ['{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/24"}]]}', 'ERR_CNI_HOST_BITS', 'runtimeConfig.ipRanges[0][0].subnet', { ipRanges: [[{ subnet: '10.9.0.1/24' }]] }],
  ])('rejects %s', (ipam, want, path, runtimeConfig?) => {
    const text = JSON.stringify({ cniVersion: '1.0.0', name: 'n', type: 'bridge', ipam: JSON.parse(ipam), ...(runtimeConfig ? { runtimeConfig } : {}) });
    let e: CniConfigError | undefined;
    try {
      parseNetworkConfig(text);
    } catch (x) {
      e = x as CniConfigError;
    }
    expect([e?.code, e?.path]).toEqual([want, path]);
  });

  it('skips only the gateway of its own range, and allows network and broadcast when asked', () => {
    const r = parseNetworkConfig(net([[{ subnet: '10.9.0.0/30', rangeStart: '10.9.0.0', rangeEnd: '10.9.0.3' }]])).ranges();
    expect(r.ipv4.toString()).toBe('10.9.0.0/32, 10.9.0.2/31');
    expect(r.excluded.toString()).toBe('10.9.0.1/32');
  });
});
