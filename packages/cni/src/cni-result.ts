import { Addr, Prefix } from '@ipam/core';
import { CniError } from './cni-error.js';
import { goMarshalIndent } from './internal/go-json.js';

/** CniInterface is an interface of a CNI result (spec 1.x "interfaces"). */
export interface CniInterface {
  /** CniInterface.name is the interface name. */
  readonly name: string;
  /** CniInterface.mac is the hardware address, if known. */
  readonly mac?: string;
  /** CniInterface.mtu is the MTU (spec 1.1). */
  readonly mtu?: number;
  /** CniInterface.sandbox is the network namespace path, or empty for the host. */
  readonly sandbox?: string;
  /** CniInterface.socketPath is a socket of a userspace interface (spec 1.1). */
  readonly socketPath?: string;
  /** CniInterface.pciID is the PCI ID of a device (spec 1.1). */
  readonly pciID?: string;
}

/** CniIPConfig is an address of a CNI result: `address` in CIDR notation, an optional gateway and interface index. */
export interface CniIPConfig {
  /** CniIPConfig.address is the address with its subnet's prefix length, such as `10.1.2.3/24`. */
  readonly address: string;
  /** CniIPConfig.gateway is the default gateway for the address, if any. */
  readonly gateway?: string;
  /** CniIPConfig.interface is the index into `interfaces` of the interface the address belongs to. */
  readonly interface?: number;
}

/** CniResultRoute is a route of a CNI result; `mtu` and later fields are spec 1.1 and dropped for older versions. */
export interface CniResultRoute {
  /** CniResultRoute.dst is the destination in CIDR notation. */
  readonly dst: string;
  /** CniResultRoute.gw is the next hop; the default gateway when absent. */
  readonly gw?: string;
  /** CniResultRoute.mtu is the route MTU (spec 1.1). */
  readonly mtu?: number;
  /** CniResultRoute.advmss is the advertised MSS (spec 1.1). */
  readonly advmss?: number;
  /** CniResultRoute.priority is the route priority (spec 1.1). */
  readonly priority?: number;
  /** CniResultRoute.table is the routing table (spec 1.1). */
  readonly table?: number;
  /** CniResultRoute.scope is the route scope (spec 1.1). */
  readonly scope?: number;
}

/** CniResultDns is the `dns` object of a CNI result; every field is optional. */
export interface CniResultDns {
  /** CniResultDns.nameservers lists name servers. */
  readonly nameservers?: readonly string[];
  /** CniResultDns.domain is the local domain. */
  readonly domain?: string;
  /** CniResultDns.search lists search domains. */
  readonly search?: readonly string[];
  /** CniResultDns.options lists resolver options. */
  readonly options?: readonly string[];
}

/**
 * CniResult is the result of an ADD in the current (1.x) form. {@link runPlugin} converts it to the format of
 * the configuration's `cniVersion` with {@link convertCniResult}.
 */
export interface CniResult {
  /** CniResult.cniVersion is the version the result was written for; ignored on output (the config's wins). */
  readonly cniVersion?: string;
  /** CniResult.interfaces lists the interfaces the plugin created (empty for IPAM plugins). */
  readonly interfaces?: readonly CniInterface[];
  /** CniResult.ips lists the addresses. */
  readonly ips?: readonly CniIPConfig[];
  /** CniResult.routes lists the routes. */
  readonly routes?: readonly CniResultRoute[];
  /** CniResult.dns is the DNS configuration. */
  readonly dns?: CniResultDns;
}

type Shape = '020' | '040' | '100';

function shapeOf(version: string): Shape | undefined {
  if (version === '' || version === '0.1.0' || version === '0.2.0') return '020';
  if (version === '0.3.0' || version === '0.3.1' || version === '0.4.0') return '040';
  if (/^1\.[0-9]+\.[0-9]+$/.test(version)) return '100';
  return undefined;
}

function familyOf(cidrOrIp: string): 4 | 6 {
  const s = cidrOrIp.includes('/') ? cidrOrIp.slice(0, cidrOrIp.lastIndexOf('/')) : cidrOrIp;
  const a = Addr.tryParse(s);
  if (a !== undefined) return a.unmap().family;
  return s.includes(':') ? 6 : 4;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.length > 0 ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && v !== 0 ? v : undefined;
}

function dnsOf(v: unknown): CniResultDns {
  if (v === null || typeof v !== 'object') return {};
  const d = v as Record<string, unknown>;
  return { nameservers: strings(d.nameservers), domain: str(d.domain), search: strings(d.search), options: strings(d.options) };
}

function routeOf(v: unknown): CniResultRoute {
  const r = (v ?? {}) as Record<string, unknown>;
  return { dst: String(r.dst ?? ''), gw: str(r.gw), mtu: num(r.mtu), advmss: num(r.advmss), priority: num(r.priority), table: num(r.table), scope: num(r.scope) };
}

/**
 * readCniResult reads a result of any spec version (0.1.0 through 1.x; `ip4`/`ip6`, `ips` with `version`, or
 * `ips`) into the current form, as libcni's `GetAsVersion` does.
 * @throws {@link CniError} `ERR_CNI_DECODING_FAILURE` for a value that is not a result object.
 */
export function readCniResult(json: unknown): CniResult {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new CniError('ERR_CNI_DECODING_FAILURE', 'a CNI result must be a JSON object');
  const o = json as Record<string, unknown>;
  const version = typeof o.cniVersion === 'string' ? o.cniVersion : '';
  if (shapeOf(version) === '020' || o.ip4 !== undefined || o.ip6 !== undefined) {
    const ips: CniIPConfig[] = [];
    const routes: CniResultRoute[] = [];
    for (const k of ['ip4', 'ip6']) {
      const ip = o[k] as Record<string, unknown> | undefined | null;
      if (ip === undefined || ip === null || typeof ip !== 'object') continue;
      ips.push({ address: String(ip.ip ?? ''), gateway: str(ip.gateway) });
      if (Array.isArray(ip.routes)) routes.push(...ip.routes.map(routeOf));
    }
    return { cniVersion: version, ips, routes, dns: dnsOf(o.dns) };
  }
  const ips = Array.isArray(o.ips)
    ? o.ips.map((v) => {
        const ip = (v ?? {}) as Record<string, unknown>;
        return { interface: typeof ip.interface === 'number' ? ip.interface : undefined, address: String(ip.address ?? ''), gateway: str(ip.gateway) };
      })
    : [];
  const interfaces = Array.isArray(o.interfaces)
    ? o.interfaces.map((v) => {
        const i = (v ?? {}) as Record<string, unknown>;
        return { name: String(i.name ?? ''), mac: str(i.mac), mtu: num(i.mtu), sandbox: str(i.sandbox), socketPath: str(i.socketPath), pciID: str(i.pciID) };
      })
    : [];
  return { cniVersion: version, interfaces, ips, routes: Array.isArray(o.routes) ? o.routes.map(routeOf) : [], dns: dnsOf(o.dns) };
}

function nonEmpty<T>(xs: readonly T[] | undefined): readonly T[] | undefined {
  return xs === undefined || xs.length === 0 ? undefined : xs;
}

function dnsJSON(d: CniResultDns | undefined): object {
  return { nameservers: nonEmpty(d?.nameservers), domain: str(d?.domain), search: nonEmpty(d?.search), options: nonEmpty(d?.options) };
}

/**
 * convertCniResult writes a result in the format of spec version `version`, with the fields in the order the
 * reference implementation (libcni `types/100`, `types/040`, `types/020`) writes them: 1.x `ips`; 0.3.x and
 * 0.4.0 `ips` with a `version` per address; 0.1.0 and 0.2.0 `ip4`/`ip6` with only the first address of each
 * family and the routes of that family. `dns` is always present, as in Go.
 * @throws {@link CniError} `ERR_CNI_INCOMPATIBLE_VERSION` for a version that has no result format.
 */
export function convertCniResult(result: CniResult, version: string): Record<string, unknown> {
  const shape = shapeOf(version);
  if (shape === undefined) throw new CniError('ERR_CNI_INCOMPATIBLE_VERSION', `unsupported CNI result version ${JSON.stringify(version)}`);
  const ips = result.ips ?? [];
  const routes = result.routes ?? [];
  if (shape === '020') {
    const pick = (f: 4 | 6): object | undefined => {
      const ip = ips.find((x) => familyOf(x.address) === f);
      if (ip === undefined) return undefined;
      const rs = routes.filter((r) => familyOf(r.dst) === f).map((r) => ({ dst: r.dst, gw: str(r.gw) }));
      return { ip: ip.address, gateway: str(ip.gateway), routes: nonEmpty(rs) };
    };
    return { cniVersion: version, ip4: pick(4), ip6: pick(6), dns: dnsJSON(result.dns) };
  }
  const interfaces = nonEmpty(
    (result.interfaces ?? []).map((i) =>
      shape === '040'
        ? { name: i.name, mac: str(i.mac), sandbox: str(i.sandbox) }
        : { name: i.name, mac: str(i.mac), mtu: num(i.mtu), sandbox: str(i.sandbox), socketPath: str(i.socketPath), pciID: str(i.pciID) },
    ),
  );
  const outIps = nonEmpty(
    ips.map((ip) =>
      shape === '040'
        ? { version: String(familyOf(ip.address)), interface: ip.interface, address: ip.address, gateway: str(ip.gateway) }
        : { interface: ip.interface, address: ip.address, gateway: str(ip.gateway) },
    ),
  );
  const outRoutes = nonEmpty(
    routes.map((r) =>
      shape === '040'
        ? { dst: r.dst, gw: str(r.gw) }
        : { dst: r.dst, gw: str(r.gw), mtu: num(r.mtu), advmss: num(r.advmss), priority: num(r.priority), table: num(r.table), scope: num(r.scope) },
    ),
  );
  return { cniVersion: version, interfaces, ips: outIps, routes: outRoutes, dns: dnsJSON(result.dns) };
}

/**
 * formatCniResult writes a result as the reference plugins print it for spec version `version`: the format of
 * {@link convertCniResult}, indented by four spaces, without a trailing newline, with Go's HTML-safe escaping.
 * @throws {@link CniError} as {@link convertCniResult} does.
 */
export function formatCniResult(result: CniResult, version: string): string {
  return goMarshalIndent(convertCniResult(result, version));
}

/** cniAddress formats an address with its subnet's prefix length as a result's `address` (`10.1.2.3/24`). */
export function cniAddress(addr: Addr, subnet: Prefix): string {
  return `${addr}/${subnet.bits}`;
}
