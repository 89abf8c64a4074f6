/**
 * The real-world corpus (../shared/corpus/cni-configs beside the repository, see its SOURCES.md): for every file,
 * what it must parse into, or the exact error. The expectations were written by hand from reading each file and
 * the plugin's rules; they are not output of the parser.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CniConfigError, type CniConfigErrorCode, parseIpamConfig, parseNetworkConfig } from './index.js';

const CORPUS = fileURLToPath(new URL('../../../../shared/corpus/cni-configs/', import.meta.url));
if (!existsSync(CORPUS)) {
  throw new Error(`the CNI config corpus is missing: expected it at ${CORPUS} (../shared/corpus/cni-configs beside the repository)`);
}

interface Ok {
  /** The name the file is installed under (its extension picks .conf or .conflist semantics). */
  as: string;
  kind: 'conf' | 'conflist';
  name: string;
  cniVersion: string;
  types: string[];
  dialect: string | undefined;
  ipv4: string;
  ipv6: string;
  gateways: string[];
  excluded: string;
  routes: string[];
  delegatedTo: string[];
}
interface Err {
  as: string;
  code: CniConfigErrorCode;
  path: string;
  line?: number;
  column?: number;
  reason: string;
}

const NONE = { ipv4: '', ipv6: '', gateways: [], excluded: '', routes: [] };

const expectations: Record<string, Ok | Err> = {
  // Valid JSON, but 14 string values are unfilled `__NAME__` placeholders; the first is the vethPrefix.
  'aws-vpc-cni-10-aws.json': { as: '10-aws.conflist', code: 'ERR_CNI_TEMPLATE', path: 'plugins[0].vethPrefix', line: 9, column: 21, reason: 'unfilled template placeholder "__VETHPREFIX__" (and 13 more)' },
  // `"mtu": __CNI_MTU__` is unquoted: a template, not a generic syntax error.
  'calico-k8s-pod-network.json': { as: '10-calico.conflist', code: 'ERR_CNI_TEMPLATE', path: 'plugins[0].mtu', line: 11, column: 14, reason: 'unfilled template placeholder "__CNI_MTU__"' },
  // Go text/template action where a value belongs.
  'cilium-05-cilium.json': { as: '05-cilium.conflist', code: 'ERR_CNI_TEMPLATE', path: 'plugins[0]["enable-debug"]', line: 7, column: 24, reason: 'unfilled template placeholder "{{.Debug | js }}"' },
  'cilium-05-cilium-cni-legacy-conf.json': { as: '05-cilium-cni.conf', kind: 'conf', name: 'cilium', cniVersion: '0.3.1', types: ['cilium-cni'], dialect: undefined, ...NONE, delegatedTo: ['cilium-cni'] },
  // Legacy top-level subnet 10.22.0.0/16: gateway .0.1 is skipped, network and broadcast are not in the range.
  'cni-readme-10-mynet.json': {
    as: '10-mynet.conf', kind: 'conf', name: 'mynet', cniVersion: '0.2.0', types: ['bridge'], dialect: 'host-local',
    ipv4: '10.22.0.2-10.22.255.254', ipv6: '', gateways: ['10.22.0.1'], excluded: '10.22.0.0/31, 10.22.255.255/32', routes: ['0.0.0.0/0'], delegatedTo: [],
  },
  // `"ipam": {}`: no IPAM at all (bridge in L2 mode), nothing delegated.
  'cnidev-bridge-empty-ipam.json': { as: '10-mynet.conf', kind: 'conf', name: 'mynet', cniVersion: '1.0.0', types: ['bridge'], dialect: undefined, ...NONE, delegatedTo: [] },
  'cnidev-bridge-host-local.json': {
    as: '10-mynet.conf', kind: 'conf', name: 'mynet', cniVersion: '1.0.0', types: ['bridge'], dialect: 'host-local',
    ipv4: '10.10.0.2-10.10.255.254', ipv6: '', gateways: ['10.10.0.1'], excluded: '10.10.0.0/31, 10.10.255.255/32', routes: [], delegatedTo: [],
  },
  // No cniVersion (a .conf needs none); addresses come from a DHCP server.
  'cnidev-macvlan-dhcp.json': { as: '10-mynet.conf', kind: 'conf', name: 'mynet', cniVersion: '', types: ['macvlan'], dialect: 'dhcp', ...NONE, delegatedTo: ['dhcp'] },
  'cnidev-ptp-host-local.json': {
    as: '10-mynet.conf', kind: 'conf', name: 'mynet', cniVersion: '', types: ['ptp'], dialect: 'host-local',
    ipv4: '10.1.1.2-10.1.1.254', ipv6: '', gateways: ['10.1.1.1'], excluded: '10.1.1.0/31, 10.1.1.255/32', routes: [], delegatedTo: [],
  },
  // A documentation fragment: only an ipam object, so as a network file it lacks the plugin type (its IPAM is checked below).
  'cnidev-static-ipam-fragment.json': { as: '10-static.conf', code: 'ERR_CNI_MISSING_FIELD', path: 'type', reason: "missing 'type'" },
  'containerd-10-containerd-net.json': {
    as: '10-containerd-net.conflist', kind: 'conflist', name: 'containerd-net', cniVersion: '0.4.0', types: ['bridge', 'portmap'], dialect: 'host-local',
    ipv4: '10.88.0.2-10.88.255.254', ipv6: '2001:4860:4860::2-2001:4860:4860:0:ffff:ffff:ffff:ffff', gateways: ['10.88.0.1', '2001:4860:4860::1'],
    excluded: '10.88.0.0/31, 10.88.255.255/32, 2001:4860:4860::/127', routes: ['0.0.0.0/0', '::/0'], delegatedTo: [],
  },
  'crio-10-crio-bridge.json': {
    as: '10-crio-bridge.conflist', kind: 'conflist', name: 'crio', cniVersion: '1.0.0', types: ['bridge'], dialect: 'host-local',
    ipv4: '10.85.0.2-10.85.255.254', ipv6: '1100:200::2-1100:2ff:ffff:ffff:ffff:ffff:ffff:ffff', gateways: ['10.85.0.1', '1100:200::1'],
    excluded: '10.85.0.0/31, 10.85.255.255/32, 1100:200::/127', routes: ['0.0.0.0/0', '::/0'], delegatedTo: [],
  },
  'crio-99-loopback.json': { as: '99-loopback.conflist', kind: 'conflist', name: 'loopback', cniVersion: '1.0.0', types: ['loopback'], dialect: undefined, ...NONE, delegatedTo: [] },
  // flannel derives host-local from /run/flannel/subnet.env at run time (see flannel-subnet-env.test.ts).
  'flannel-kube-flannel-cni-conf.json': { as: '10-flannel.conflist', kind: 'conflist', name: 'cbr0', cniVersion: '0.3.1', types: ['flannel', 'portmap'], dialect: undefined, ...NONE, delegatedTo: ['flannel'] },
  // `{{if .Mtu}}` after the ipam object breaks the JSON (the quoted `{{ .PodCIDR }}` strings come earlier but are valid JSON).
  'kindnet-10-kindnet.json': { as: '10-kindnet.conflist', code: 'ERR_CNI_TEMPLATE', path: 'plugins[0]', line: 24, column: 3, reason: 'unfilled template placeholder "{{if .Mtu}}"' },
  // A .conf without cniVersion whose `delegates` hold whole lists; Multus does the IPAM through them.
  'multus-70-multus.json': { as: '70-multus.conf', kind: 'conf', name: 'multus-cni-network', cniVersion: '', types: ['multus'], dialect: undefined, ...NONE, delegatedTo: ['multus'] },
  // Shell positional parameter where a boolean belongs.
  'weave-10-weave.json': { as: '10-weave.conflist', code: 'ERR_CNI_TEMPLATE', path: 'plugins[0].hairpinMode', line: 8, column: 28, reason: 'unfilled template placeholder "$2"' },
  // whereabouts 192.168.1.0/24: .1-.254; routes as written, the IPv6 one keeps its host bits.
  'whereabouts-ipvlan-sample-config.json': {
    as: '10-mynet.conf', kind: 'conf', name: 'mynet', cniVersion: '0.3.1', types: ['ipvlan'], dialect: 'whereabouts',
    ipv4: '192.168.1.1-192.168.1.254', ipv6: '', gateways: [], excluded: '192.168.1.0/32, 192.168.1.255/32',
    routes: ['0.0.0.0/0', '192.168.0.0/16 via 10.10.5.1', '3ffe:ffff:0:1ff::1/64'], delegatedTo: [],
  },
  // 192.168.2.225/28 is the network .224/28 (whereabouts clears host bits): .225-.238 less .228/30 and .236.
  'whereabouts-macvlan-etcd-datastore.json': {
    as: '10-whereabouts.conf', kind: 'conf', name: 'whereaboutsexample', cniVersion: '0.3.0', types: ['macvlan'], dialect: 'whereabouts',
    ipv4: '192.168.2.225-192.168.2.227, 192.168.2.232/30, 192.168.2.237-192.168.2.238', ipv6: '', gateways: ['192.168.2.1'],
    excluded: '192.168.2.224/32, 192.168.2.228/30, 192.168.2.236/32, 192.168.2.239/32', routes: [], delegatedTo: [],
  },
  'whereabouts-macvlan-exclude.json': {
    as: '10-whereabouts.conf', kind: 'conf', name: 'whereaboutsexample', cniVersion: '0.3.0', types: ['macvlan'], dialect: 'whereabouts',
    ipv4: '192.168.2.225-192.168.2.227, 192.168.2.232/30, 192.168.2.237-192.168.2.238', ipv6: '', gateways: [],
    excluded: '192.168.2.224/32, 192.168.2.228/30, 192.168.2.236/32, 192.168.2.239/32', routes: [], delegatedTo: [],
  },
  // 2001::/116 less its first and last address; the gateway 2001::f:1 lies outside and whereabouts does not check it.
  'whereabouts-macvlan-ipv6.json': {
    as: '10-whereabouts.conf', kind: 'conf', name: 'whereaboutsexample', cniVersion: '0.3.0', types: ['macvlan'], dialect: 'whereabouts',
    ipv4: '', ipv6: '2001::1-2001::ffe', gateways: ['2001::f:1'], excluded: '2001::/128, 2001::fff/128', routes: [], delegatedTo: [],
  },
};

const files = readdirSync(CORPUS).filter((f) => f.endsWith('.json')).sort();

describe('the CNI config corpus', () => {
  it('has an expectation for every file, and a file for every expectation', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(Object.keys(expectations).sort()).toEqual(files);
  });

  it.each(files)('%s', (f) => {
    const text = readFileSync(CORPUS + f, 'utf8');
    const want = expectations[f]!;
    if ('code' in want) {
      let err: unknown;
      try {
        parseNetworkConfig(text, { filename: want.as });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CniConfigError);
      const e = err as CniConfigError;
      expect({ code: e.code, path: e.path, file: e.file, reason: e.reason, line: e.line, column: e.column }).toEqual({
        code: want.code,
        path: want.path,
        file: want.as,
        reason: want.reason,
        line: want.line,
        column: want.column,
      });
      return;
    }
    const net = parseNetworkConfig(text, { filename: want.as });
    expect(net.kind).toBe(want.kind);
    expect(net.name).toBe(want.name);
    expect(net.cniVersion).toBe(want.cniVersion);
    expect(net.plugins.map((p) => p.type)).toEqual(want.types);
    expect(net.plugins.find((p) => p.ipam !== undefined)?.ipam?.dialect).toBe(want.dialect);
    const r = net.ranges();
    expect({
      ipv4: r.ipv4.toString(),
      ipv6: r.ipv6.toString(),
      gateways: r.gateways.map(String),
      excluded: r.excluded.toString(),
      routes: r.routes.map((x) => (x.gw ? `${x.dst} via ${x.gw}` : String(x.dst))),
      delegatedTo: r.delegatedTo,
    }).toEqual({ ipv4: want.ipv4, ipv6: want.ipv6, gateways: want.gateways, excluded: want.excluded, routes: want.routes, delegatedTo: want.delegatedTo });
    expect(r.delegated).toBe(want.delegatedTo.length > 0);
    // toJSON writes a document that parses to the same network.
    expect(parseNetworkConfig(JSON.stringify(net), { filename: want.as }).toJSON()).toEqual(net.toJSON());
  });

  it('reads the static IPAM fragment as a static section', () => {
    const ipam = parseIpamConfig(JSON.parse(readFileSync(CORPUS + 'cnidev-static-ipam-fragment.json', 'utf8')).ipam, { cniVersion: '1.0.0' });
    expect(ipam?.dialect).toBe('static');
    if (ipam?.dialect !== 'static') return;
    expect(ipam.addresses.map((a) => [String(a.address), String(a.gateway)])).toEqual([
      ['10.10.0.1/24', '10.10.0.254'],
      ['3ffe:ffff:0:1ff::1/64', '3ffe:ffff::1'],
    ]);
    expect(ipam.routes.map((r) => `${r.dst}${r.gw ? ` via ${r.gw}` : ''}`)).toEqual(['0.0.0.0/0', '192.168.0.0/16 via 10.10.5.1', '3ffe:ffff:0:1ff::1/64']);
    expect(ipam.dns).toEqual({ nameservers: ['8.8.8.8'], domain: 'example.com', search: ['example.com'], options: [] });
  });

  it('reads the AWS template, once filled in, with its egress host-local range', () => {
    const text = readFileSync(CORPUS + 'aws-vpc-cni-10-aws.json', 'utf8')
      .replace('__EGRESSPLUGINIPAMSUBNET__', '169.254.172.0/22')
      .replace('__EGRESSPLUGINIPAMDST__', '0.0.0.0/0')
      .replace(/__[A-Z]+__/g, 'x');
    const r = parseNetworkConfig(text, { filename: '10-aws.conflist' }).ranges();
    expect(r.ipv4.toString()).toBe('169.254.172.2-169.254.175.254');
    expect(r.delegatedTo).toEqual(['aws-cni']);
  });
});
