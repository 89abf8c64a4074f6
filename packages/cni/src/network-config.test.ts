import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IpamError } from '@ipam/core';
import { CniConfigError, parseNetworkConfig } from './index.js';

function err(text: string, filename?: string): CniConfigError {
  try {
    parseNetworkConfig(text, { filename });
  } catch (e) {
    if (e instanceof CniConfigError) return e;
    throw e;
  }
  throw new Error('parsed');
}

describe('parseNetworkConfig', () => {
  it('returns a .conf as a one-plugin list', () => {
    const net = parseNetworkConfig('{"cniVersion":"1.0.0","name":"mynet","type":"bridge","bridge":"cni0","ipam":{"type":"host-local","subnet":"10.1.0.0/16"}}', { filename: '10-mynet.conf' });
    expect([net.kind, net.name, net.cniVersion, net.plugins.length, net.plugins[0]!.type, net.plugins[0]!.ipam?.type]).toEqual(['conf', 'mynet', '1.0.0', 1, 'bridge', 'host-local']);
    expect(net.plugins[0]!.raw.bridge).toBe('cni0');
    expect(net.toConfList().kind).toBe('conflist');
  });

  it('contract: an empty list object is an error with a code, a path and a file', () => {
    const e = err('{"cniVersion":"1.0.0"}', 'x.conflist');
    expect(e).toBeInstanceOf(CniConfigError);
    expect(e).toBeInstanceOf(IpamError);
    expect([e.code, e.path, e.file]).toEqual(['ERR_CNI_MISSING_FIELD', 'name', 'x.conflist']);
  });

  it.each([
    // a conflist in a .conf file: libcni reads it as a plugin without a type
    ['{"name":"n","plugins":[{"type":"bridge"}]}', '10-n.conf', 'ERR_CNI_MISSING_FIELD', 'type'],
    // the document must be an object
    ['[]', undefined, 'ERR_CNI_INVALID_TYPE', ''],
    // capabilities are booleans
    ['{"name":"n","plugins":[{"type":"portmap","capabilities":{"portMappings":"yes"}}]}', undefined, 'ERR_CNI_INVALID_TYPE', 'plugins[0].capabilities.portMappings'],
    // dns.nameservers is a list of strings
    ['{"name":"n","type":"ptp","dns":{"nameservers":"8.8.8.8"}}', undefined, 'ERR_CNI_INVALID_TYPE', 'dns.nameservers'],
    // an ipam section with settings but no type is ignored by plugins: a mistake
    ['{"name":"n","type":"bridge","ipam":{"subnet":"10.0.0.0/24"}}', undefined, 'ERR_CNI_MISSING_FIELD', 'ipam.type'],
    // ipam must be an object
    ['{"name":"n","type":"bridge","ipam":"host-local"}', undefined, 'ERR_CNI_INVALID_TYPE', 'ipam'],
    // keys that are not identifiers are quoted in the path
    ['{"name":"n","plugins":[{"type":"x","capabilities":{"io.kubernetes.cri.pod-annotations":1}}]}', undefined, 'ERR_CNI_INVALID_TYPE', 'plugins[0].capabilities["io.kubernetes.cri.pod-annotations"]'],
    // loadOnlyInlinedPlugins is a boolean only
    ['{"name":"n","loadOnlyInlinedPlugins":"true","plugins":[{"type":"x"}]}', undefined, 'ERR_CNI_INVALID_TYPE', 'loadOnlyInlinedPlugins'],
  ])('rejects %s', (text, filename, code, path) => {
    const e = err(text, filename);
    expect([e.code, e.path]).toEqual([code, path]);
  });

  it('rejects text over the length limit without parsing it', () => {
    const e = err(`{"name":"n","type":"x","pad":"${'x'.repeat(2 << 20)}"}`);
    expect(e.code).toBe('ERR_CNI_TOO_LARGE');
    expect(e.message.length).toBeLessThan(200);
  });

  it('keeps __proto__ keys out of prototypes', () => {
    const net = parseNetworkConfig('{"name":"n","type":"x","__proto__":{"isAdmin":true},"ipam":{"type":"other","constructor":{"prototype":{"isAdmin":true}}}}');
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(Object.getPrototypeOf(net.plugins[0]!.raw)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(net))).toEqual(JSON.parse('{"name":"n","type":"x","__proto__":{"isAdmin":true},"ipam":{"type":"other","constructor":{"prototype":{"isAdmin":true}}}}'));
  });

  it('ranges() answers core questions such as overlap with a service CIDR', async () => {
    const { Prefix } = await import('@ipam/core');
    const r = parseNetworkConfig('{"cniVersion":"1.0.0","name":"n","type":"bridge","ipam":{"type":"host-local","ranges":[[{"subnet":"10.96.0.0/16"}]]}}').ranges();
    expect(r.ipv4.overlapsPrefix(Prefix.parse('10.96.0.0/12'))).toBe(true);
    expect(r.ipv4.overlapsPrefix(Prefix.parse('10.100.0.0/16'))).toBe(false);
  });
});

describe('whereabouts and calico-ipam', () => {
  it.each([
    // range_start outside the range is silently ignored by whereabouts
    ['{"type":"whereabouts","range":"10.0.0.0/24","range_start":"10.0.1.5"}', 'ERR_CNI_OUTSIDE_SUBNET', 'ipam.range_start'],
    // no range at all
    ['{"type":"whereabouts"}', 'ERR_CNI_NO_RANGES', 'ipam.range'],
    // an exclude of the other family
    ['{"type":"whereabouts","range":"10.0.0.0/24","exclude":["fd00::/64"]}', 'ERR_CNI_MIXED_FAMILIES', 'ipam.exclude[0]'],
    // Calico reads assign_ipv4 as a string
    ['{"type":"calico-ipam","assign_ipv4":true}', 'ERR_CNI_INVALID_TYPE', 'ipam.assign_ipv4'],
    // ... and only "true" or "false"
    ['{"type":"calico-ipam","assign_ipv6":"yes"}', 'ERR_CNI_INVALID_VALUE', 'ipam.assign_ipv6'],
    // an IPv6 pool in the IPv4 list
    ['{"type":"calico-ipam","ipv4_pools":["fd00::/48"]}', 'ERR_CNI_MIXED_FAMILIES', 'ipam.ipv4_pools[0]'],
  ])('rejects %s', (ipam, code, path) => {
    const e = err(`{"cniVersion":"0.3.1","name":"n","type":"macvlan","ipam":${ipam}}`);
    expect([e.code, e.path]).toEqual([code, path]);
  });

  it('reads the first-last/length range form and ipRanges', () => {
    const r = parseNetworkConfig('{"name":"n","type":"macvlan","ipam":{"type":"whereabouts","range":"192.168.2.230-192.168.2.233/28","ipRanges":[{"range":"fd00::/120","range_end":"fd00::9"}]}}').ranges();
    expect([r.ipv4.toString(), r.ipv6.toString()]).toEqual(['192.168.2.230-192.168.2.233', 'fd00::1-fd00::9']);
  });

  it('takes calico pools given as CIDRs, delegated to the datastore', () => {
    const r = parseNetworkConfig('{"name":"n","type":"calico","ipam":{"type":"calico-ipam","assign_ipv6":"true","ipv4_pools":["10.244.0.0/16","default-pool"],"ipv6_pools":["fd00:10::/64"]}}').ranges();
    expect([r.ipv4.toString(), r.ipv6.toString(), r.delegatedTo]).toEqual(['10.244.0.0/16', 'fd00:10::/64', ['calico-ipam']]);
  });
});

// Properties: generated valid configurations round-trip; mutations never throw anything but CniConfigError.
const octet = fc.integer({ min: 1, max: 254 });
const rangeArb = fc.tuple(octet, octet, fc.integer({ min: 16, max: 28 })).map(([a, b, bits]) => {
  const v = ((10 << 24) | (a << 16) | (b << 8)) >>> 0;
  const masked = bits === 0 ? 0 : (v & (~0 << (32 - bits))) >>> 0;
  return { subnet: `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${bits}` };
});
const pluginArb = fc.record({
  type: fc.constantFrom('bridge', 'ptp', 'macvlan', 'portmap', 'tuning'),
  mtu: fc.option(fc.integer({ min: 576, max: 9000 }), { nil: undefined }),
  capabilities: fc.option(fc.dictionary(fc.constantFrom('portMappings', 'ips', 'bandwidth'), fc.boolean()), { nil: undefined }),
  ipam: fc.option(
    fc.oneof(
      rangeArb.map((r) => ({ type: 'host-local', ranges: [[r]], routes: [{ dst: '0.0.0.0/0' }] })),
      fc.constant({ type: 'dhcp' }),
      fc.constant({}),
    ),
    { nil: undefined },
  ),
}, { requiredKeys: ['type'] });
const listArb = fc.record({
  cniVersion: fc.constantFrom('0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'),
  name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
  disableCheck: fc.option(fc.boolean(), { nil: undefined }),
  plugins: fc.array(pluginArb, { minLength: 1, maxLength: 4 }),
}, { requiredKeys: ['cniVersion', 'name', 'plugins'] });

function strip(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v));
}

describe('properties', () => {
  it('valid generated configurations round-trip through parse and toJSON', () => {
    fc.assert(
      fc.property(listArb, (list) => {
        const text = JSON.stringify(list, null, 2);
        const net = parseNetworkConfig(text, { filename: 'x.conflist' });
        expect(strip(net.toJSON())).toEqual(strip(list));
        const again = parseNetworkConfig(JSON.stringify(net), { filename: 'x.conflist' });
        expect([again.name, again.cniVersion, again.plugins.map((p) => p.type)]).toEqual([net.name, net.cniVersion, net.plugins.map((p) => p.type)]);
        expect(again.ranges().ipv4.equals(net.ranges().ipv4)).toBe(true);
      }),
    );
  });

  it('mutated configurations give a network or a CniConfigError, never another exception', () => {
    const mutation = fc.oneof(
      fc.tuple(fc.nat(), fc.nat({ max: 20 })).map(([at, len]) => (s: string) => s.slice(0, at % (s.length + 1)) + s.slice((at % (s.length + 1)) + len)),
      fc.tuple(fc.nat(), fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', '0', '-', 'null', '"__proto__"', '{{', '__X__', '$1', '\u0000', '\uFEFF', '1e999', '"10.0.0.1/33"')).map(
        ([at, ins]) => (s: string) => s.slice(0, at % (s.length + 1)) + ins + s.slice(at % (s.length + 1)),
      ),
      fc.tuple(fc.constantFrom('"bridge"', '"host-local"', '"10.', '[[', '"subnet"', 'true', '"ranges"'), fc.constantFrom('1', 'null', '[]', '{}', '"x"', '"::/0"', '"10.0.0.0/31"')).map(
        ([from, to]) => (s: string) => s.replace(from, to),
      ),
    );
    fc.assert(
      fc.property(listArb, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.constantFrom('x.conflist', 'x.conf', undefined), (list, muts, filename) => {
        let text = JSON.stringify(list);
        for (const m of muts) text = m(text);
        try {
          const net = parseNetworkConfig(text, { filename });
          net.ranges();
          JSON.stringify(net);
        } catch (e) {
          if (!(e instanceof CniConfigError)) throw e;
          expect(e.message.length).toBeLessThan(400);
        }
      }),
      { numRuns: 500 },
    );
  });
});
