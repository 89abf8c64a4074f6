import { type Addr, IPRange, type IPSet, IPSetBuilder, type Prefix } from '@ipam/core';
import { type CniDns, parseDns } from './cni-dns.js';
import { type CniRoute, parseRoutes } from './cni-route.js';
import { type Context, asObject, fail, optArray, optString, optStrings, parseCIDR, parseIP } from './internal/context.js';
import type { JsonObject } from './internal/json-parser.js';
import type { PathSegment } from './internal/json-path.js';

/**
 * WhereaboutsRange is one range of a `whereabouts` section: a network, optionally narrowed by `range_start` and
 * `range_end` (or by the `first-last/length` form of `range`), less the `exclude` prefixes.
 */
export interface WhereaboutsRange {
  /** WhereaboutsRange.range is the network, host bits cleared (whereabouts accepts `192.168.2.225/28`). */
  readonly range: Prefix;
  /** WhereaboutsRange.rangeStart narrows the start, if given. */
  readonly rangeStart: Addr | undefined;
  /** WhereaboutsRange.rangeEnd narrows the end, if given. */
  readonly rangeEnd: Addr | undefined;
  /** WhereaboutsRange.exclude lists prefixes never handed out, host bits cleared. */
  readonly exclude: readonly Prefix[];
}

/**
 * WhereaboutsIpam is a validated `whereabouts` IPAM section (k8snetworkplumbingwg/whereabouts
 * `pkg/config/config.go`): the top-level `range` (with `range_start`, `range_end`, `exclude`) comes first,
 * then each entry of `ipRanges`. Storage settings (`kubernetes.kubeconfig`, `etcd_host`) may come from the
 * flat file `whereabouts.d/whereabouts.conf`, so they are not required here.
 */
export interface WhereaboutsIpam {
  /** WhereaboutsIpam.dialect tells the IPAM dialects apart. */
  readonly dialect: 'whereabouts';
  /** WhereaboutsIpam.type is the plugin name, `whereabouts`. */
  readonly type: string;
  /** WhereaboutsIpam.ranges lists the ranges; the pod gets one address from each. */
  readonly ranges: readonly WhereaboutsRange[];
  /** WhereaboutsIpam.gateway is the gateway returned with the addresses, if any (not checked against the ranges, and not skipped by allocation). */
  readonly gateway: Addr | undefined;
  /** WhereaboutsIpam.routes lists the routes. */
  readonly routes: readonly CniRoute[];
  /** WhereaboutsIpam.dns is the DNS configuration, if any. */
  readonly dns: CniDns | undefined;
  /** WhereaboutsIpam.raw is the IPAM object as written. */
  readonly raw: JsonObject;
}

/** parseWhereaboutsIpam validates a whereabouts IPAM object. */
export function parseWhereaboutsIpam(ctx: Context, ipam: JsonObject, path: readonly PathSegment[]): WhereaboutsIpam {
  const ranges: WhereaboutsRange[] = [];
  if (optString(ctx, ipam, 'range', path) !== undefined) ranges.push(parseRange(ctx, ipam, path));
  const list = optArray(ctx, ipam, 'ipRanges', path) ?? [];
  list.forEach((v, i) => {
    const p = [...path, 'ipRanges', i];
    const o = asObject(ctx, v, p);
    if (optString(ctx, o, 'range', p) === undefined) fail(ctx, 'ERR_CNI_MISSING_FIELD', [...p, 'range'], 'an ipRanges entry needs "range"');
    ranges.push(parseRange(ctx, o, p));
  });
  if (ranges.length === 0) fail(ctx, 'ERR_CNI_NO_RANGES', [...path, 'range'], 'whereabouts needs "range" or "ipRanges"');
  const g = optString(ctx, ipam, 'gateway', path);
  return Object.freeze({
    dialect: 'whereabouts',
    type: 'whereabouts',
    ranges: Object.freeze(ranges),
    gateway: g === undefined ? undefined : parseIP(ctx, g, [...path, 'gateway']),
    routes: Object.freeze(parseRoutes(ctx, ipam, path)),
    dns: parseDns(ctx, ipam, path),
    raw: ipam,
  });
}

function parseRange(ctx: Context, o: JsonObject, path: readonly PathSegment[]): WhereaboutsRange {
  const text = optString(ctx, o, 'range', path)!;
  const rp = [...path, 'range'];
  let net: Prefix;
  let rangeStart: Addr | undefined;
  let rangeEnd: Addr | undefined;
  const dash = text.indexOf('-');
  if (dash >= 0) {
    // "first-last/length": the start address, then the end address with the prefix length.
    const first = parseIP(ctx, text.slice(0, dash), rp);
    const lastWithLen = parseCIDR(ctx, text.slice(dash + 1), rp);
    net = lastWithLen.masked();
    if (!net.contains(first)) fail(ctx, 'ERR_CNI_OUTSIDE_SUBNET', rp, `range start ${first} is not in ${net}`);
    rangeStart = first;
    rangeEnd = lastWithLen.addr;
  } else {
    net = parseCIDR(ctx, text, rp).masked();
    const s = optString(ctx, o, 'range_start', path);
    const e = optString(ctx, o, 'range_end', path);
    rangeStart = s === undefined ? undefined : parseIP(ctx, s, [...path, 'range_start']);
    rangeEnd = e === undefined ? undefined : parseIP(ctx, e, [...path, 'range_end']);
    // whereabouts silently ignores a range_start or range_end outside the range; that is never what was meant.
    if (rangeStart !== undefined && !net.contains(rangeStart)) fail(ctx, 'ERR_CNI_OUTSIDE_SUBNET', [...path, 'range_start'], `range_start ${rangeStart} is not in ${net}`);
    if (rangeEnd !== undefined && !net.contains(rangeEnd)) fail(ctx, 'ERR_CNI_OUTSIDE_SUBNET', [...path, 'range_end'], `range_end ${rangeEnd} is not in ${net}`);
  }
  const max = net.addr.bitLength;
  if (net.bits > max - 2) fail(ctx, 'ERR_CNI_SUBNET_TOO_SMALL', rp, `network ${net} too small to allocate from`);
  if (rangeStart !== undefined && rangeEnd !== undefined && rangeStart.compare(rangeEnd) > 0) {
    fail(ctx, 'ERR_CNI_INVALID_RANGE', dash >= 0 ? rp : [...path, 'range_end'], `range end ${rangeEnd} is before range start ${rangeStart}`);
  }
  const exclude = (optStrings(ctx, o, 'exclude', path) ?? []).map((x, i) => {
    const p = parseCIDR(ctx, x, [...path, 'exclude', i]);
    if (p.family !== net.family) fail(ctx, 'ERR_CNI_MIXED_FAMILIES', [...path, 'exclude', i], `exclude ${p} is IPv${p.family} but the range is IPv${net.family}`);
    return p.masked();
  });
  return Object.freeze({ range: net, rangeStart, rangeEnd, exclude: Object.freeze(exclude) });
}

/**
 * whereaboutsAddresses computes what one whereabouts range hands out, as `IterateForAssignment` walks it: from
 * the network address + 1 (or `rangeStart`, if later) to the broadcast address − 1 (or `rangeEnd`, if earlier),
 * skipping every address of the excluded prefixes. Unlike host-local, this holds for IPv6 too.
 */
export function whereaboutsAddresses(r: WhereaboutsRange): { usable: IPSet; excluded: IPSet } {
  let first = r.range.addr.next()!;
  let last = r.range.last().prev()!;
  if (r.rangeStart !== undefined && r.rangeStart.compare(first) > 0) first = r.rangeStart;
  if (r.rangeEnd !== undefined && r.rangeEnd.compare(last) < 0 && r.rangeEnd.compare(first) >= 0) last = r.rangeEnd;
  const b = new IPSetBuilder();
  if (first.compare(last) <= 0) b.addRange(IPRange.from(first, last));
  for (const x of r.exclude) b.removePrefix(x);
  const usable = b.build();
  return { usable, excluded: new IPSetBuilder().addPrefix(r.range).removeSet(usable).build() };
}
