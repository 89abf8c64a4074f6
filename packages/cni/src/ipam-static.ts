import type { Addr, Prefix } from '@ipam/core';
import { type CniDns, parseDns } from './cni-dns.js';
import { type CniRoute, parseRoutes } from './cni-route.js';
import { type Context, asObject, fail, optArray, optString, parseCIDR, parseIP } from './internal/context.js';
import type { JsonObject } from './internal/json-parser.js';
import type { PathSegment } from './internal/json-path.js';

/** StaticAddress is one address of a `static` IPAM section: the interface address with its prefix length. */
export interface StaticAddress {
  /** StaticAddress.address is the address and prefix length as written (`10.10.0.1/24`; host bits are the point). */
  readonly address: Prefix;
  /** StaticAddress.gateway is the gateway of that address, if any. */
  readonly gateway: Addr | undefined;
}

/**
 * StaticIpam is a validated `static` IPAM section (containernetworking/plugins `plugins/ipam/static`): fixed
 * addresses, routes and DNS. Addresses may also come from the runtime (`CNI_ARGS`, `args.cni.ips`,
 * `runtimeConfig.ips`), so the list may be empty.
 */
export interface StaticIpam {
  /** StaticIpam.dialect tells the IPAM dialects apart. */
  readonly dialect: 'static';
  /** StaticIpam.type is the plugin name, `static`. */
  readonly type: string;
  /** StaticIpam.addresses lists the configured addresses. */
  readonly addresses: readonly StaticAddress[];
  /** StaticIpam.routes lists the routes. */
  readonly routes: readonly CniRoute[];
  /** StaticIpam.dns is the DNS configuration, if any. */
  readonly dns: CniDns | undefined;
  /** StaticIpam.raw is the IPAM object as written. */
  readonly raw: JsonObject;
}

/** parseStaticIpam validates a static IPAM object: each address a CIDR with an optional gateway of its family. */
export function parseStaticIpam(ctx: Context, ipam: JsonObject, path: readonly PathSegment[], cniVersion: string): StaticIpam {
  const list = optArray(ctx, ipam, 'addresses', path) ?? [];
  let v4 = 0;
  let v6 = 0;
  const addresses = list.map((v, i) => {
    const p = [...path, 'addresses', i];
    const o = asObject(ctx, v, p);
    const text = optString(ctx, o, 'address', p);
    if (text === undefined) fail(ctx, 'ERR_CNI_MISSING_FIELD', [...p, 'address'], 'an address entry needs "address"');
    const address = parseCIDR(ctx, text, [...p, 'address']);
    const g = optString(ctx, o, 'gateway', p);
    const gateway = g === undefined ? undefined : parseIP(ctx, g, [...p, 'gateway']);
    if (gateway !== undefined && gateway.family !== address.family) {
      fail(ctx, 'ERR_CNI_MIXED_FAMILIES', [...p, 'gateway'], `gateway ${gateway} is IPv${gateway.family} but the address is IPv${address.family}`);
    }
    if (address.family === 4) v4++;
    else v6++;
    if ((v4 > 1 || v6 > 1) && (cniVersion === '0.1.0' || cniVersion === '0.2.0')) {
      fail(ctx, 'ERR_CNI_VERSION', p, `CNI version ${cniVersion} does not support more than 1 address per family`);
    }
    return Object.freeze({ address, gateway });
  });
  return Object.freeze({
    dialect: 'static',
    type: 'static',
    addresses: Object.freeze(addresses),
    routes: Object.freeze(parseRoutes(ctx, ipam, path)),
    dns: parseDns(ctx, ipam, path),
    raw: ipam,
  });
}
