import { Prefix } from '@ipam/core';
import { type Context, fail, optStrings, own, parseCIDR, typeName } from './internal/context.js';
import type { JsonObject } from './internal/json-parser.js';
import { type PathSegment, quote } from './internal/json-path.js';

/**
 * CalicoIpam is a validated `calico-ipam` section (projectcalico/calico `cni-plugin`): addresses come from
 * Calico's datastore, optionally restricted to the listed pools. `assign_ipv4` and `assign_ipv6` are the
 * strings `"true"` and `"false"` (Calico reads them as strings; a JSON boolean is an error there).
 */
export interface CalicoIpam {
  /** CalicoIpam.dialect tells the IPAM dialects apart. */
  readonly dialect: 'calico-ipam';
  /** CalicoIpam.type is the plugin name, `calico-ipam`. */
  readonly type: string;
  /** CalicoIpam.assignIpv4 is whether an IPv4 address is assigned (default true). */
  readonly assignIpv4: boolean;
  /** CalicoIpam.assignIpv6 is whether an IPv6 address is assigned (default false). */
  readonly assignIpv6: boolean;
  /** CalicoIpam.ipv4Pools lists the IPv4 pools, each a CIDR or a pool name. */
  readonly ipv4Pools: readonly (Prefix | string)[];
  /** CalicoIpam.ipv6Pools lists the IPv6 pools, each a CIDR or a pool name. */
  readonly ipv6Pools: readonly (Prefix | string)[];
  /** CalicoIpam.raw is the IPAM object as written. */
  readonly raw: JsonObject;
}

function flag(ctx: Context, ipam: JsonObject, key: string, path: readonly PathSegment[], dflt: boolean): boolean {
  const v = own(ipam, key);
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'string') fail(ctx, 'ERR_CNI_INVALID_TYPE', [...path, key], `must be the string "true" or "false", not a ${typeName(v)} (Calico reads this field as a string)`);
  if (v !== 'true' && v !== 'false') fail(ctx, 'ERR_CNI_INVALID_VALUE', [...path, key], `must be "true" or "false", not ${quote(v)}`);
  return v === 'true';
}

function pools(ctx: Context, ipam: JsonObject, key: string, path: readonly PathSegment[], family: 4 | 6): (Prefix | string)[] {
  return (optStrings(ctx, ipam, key, path) ?? []).map((s, i) => {
    if (!s.includes('/')) return s; // a pool name
    const p = parseCIDR(ctx, s, [...path, key, i]).masked();
    if (p.family !== family) fail(ctx, 'ERR_CNI_MIXED_FAMILIES', [...path, key, i], `${p} is not an IPv${family} pool`);
    return p;
  });
}

/** parseCalicoIpam validates a calico-ipam object. */
export function parseCalicoIpam(ctx: Context, ipam: JsonObject, path: readonly PathSegment[]): CalicoIpam {
  return Object.freeze({
    dialect: 'calico-ipam',
    type: 'calico-ipam',
    assignIpv4: flag(ctx, ipam, 'assign_ipv4', path, true),
    assignIpv6: flag(ctx, ipam, 'assign_ipv6', path, false),
    ipv4Pools: Object.freeze(pools(ctx, ipam, 'ipv4_pools', path, 4)),
    ipv6Pools: Object.freeze(pools(ctx, ipam, 'ipv6_pools', path, 6)),
    raw: ipam,
  });
}

/** calicoPoolPrefixes returns the pools given as CIDRs, both families. */
export function calicoPoolPrefixes(ipam: CalicoIpam): Prefix[] {
  const out: Prefix[] = [];
  if (ipam.assignIpv4) for (const p of ipam.ipv4Pools) if (p instanceof Prefix) out.push(p);
  if (ipam.assignIpv6) for (const p of ipam.ipv6Pools) if (p instanceof Prefix) out.push(p);
  return out;
}
