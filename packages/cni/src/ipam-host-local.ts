import { type Addr, IPRange, IPSet, IPSetBuilder, type Prefix } from '@ipam/core';
import { type CniRoute, parseRoutes } from './cni-route.js';
import { type Context, asObject, fail, optArray, optString, own, parseCIDR, parseIP } from './internal/context.js';
import { versionAtLeast } from './internal/go-version.js';
import type { JsonObject, JsonValue } from './internal/json-parser.js';
import type { PathSegment } from './internal/json-path.js';

/**
 * HostLocalRange is one range of a host-local range set, canonicalized as the reference plugin's
 * `Range.Canonicalize` does (containernetworking/plugins, `plugins/ipam/host-local/backend/allocator/range.go`):
 * `rangeStart` defaults to the network address + 1, `rangeEnd` to the broadcast address − 1 (IPv4) or the last
 * address (IPv6), and `gateway` to the network address + 1.
 */
export interface HostLocalRange {
  /** HostLocalRange.subnet is the network; it never has host bits set. */
  readonly subnet: Prefix;
  /** HostLocalRange.rangeStart is the first address the allocator may hand out. */
  readonly rangeStart: Addr;
  /** HostLocalRange.rangeEnd is the last address the allocator may hand out. */
  readonly rangeEnd: Addr;
  /**
   * HostLocalRange.gateway is the gateway; the allocator skips it when it lies between `rangeStart` and
   * `rangeEnd`. host-local does not require it to be inside the subnet.
   */
  readonly gateway: Addr;
}

/**
 * HostLocalIpam is a validated `host-local` IPAM section. `ranges` holds every range set in the order the plugin
 * uses them: `runtimeConfig.ipRanges` first, then the legacy top-level `subnet`, then `ranges`.
 */
export interface HostLocalIpam {
  /** HostLocalIpam.dialect tells the IPAM dialects apart. */
  readonly dialect: 'host-local';
  /** HostLocalIpam.type is the plugin name, `host-local`. */
  readonly type: string;
  /** HostLocalIpam.ranges lists the range sets, each of one address family; each set yields one address. */
  readonly ranges: readonly (readonly HostLocalRange[])[];
  /** HostLocalIpam.routes lists the routes the plugin returns. */
  readonly routes: readonly CniRoute[];
  /** HostLocalIpam.dataDir is where leases are stored (default `/var/lib/cni/networks`). */
  readonly dataDir: string | undefined;
  /** HostLocalIpam.resolvConf is a resolv.conf file whose settings the plugin returns as DNS. */
  readonly resolvConf: string | undefined;
  /** HostLocalIpam.raw is the IPAM object as written. */
  readonly raw: JsonObject;
}

/** What host-local needs from around its IPAM section. */
export interface HostLocalScope {
  /** The spec version the plugin runs with (the list's `cniVersion`). */
  readonly cniVersion: string;
  /** The plugin's `runtimeConfig`, if any, and its path. */
  readonly runtimeConfig: JsonObject | undefined;
  readonly runtimeConfigPath: readonly PathSegment[];
}

interface SourcedSet {
  readonly path: readonly PathSegment[];
  readonly items: readonly { readonly o: JsonObject; readonly path: readonly PathSegment[] }[];
}

const LEGACY = ['subnet', 'rangeStart', 'rangeEnd', 'gateway'] as const;

/** parseHostLocalIpam validates a host-local IPAM object with the rules of the reference plugin. */
export function parseHostLocalIpam(ctx: Context, ipam: JsonObject, path: readonly PathSegment[], scope: HostLocalScope): HostLocalIpam {
  const sets: SourcedSet[] = [];
  // 1. runtimeConfig.ipRanges (capability "ipRanges"), 2. the legacy single range, 3. ranges.
  if (scope.runtimeConfig !== undefined) {
    const rp = scope.runtimeConfigPath;
    const list = optArray(ctx, scope.runtimeConfig, 'ipRanges', rp);
    if (list !== undefined) sets.push(...rangeSets(ctx, list, [...rp, 'ipRanges']));
  }
  const legacySubnet = own(ipam, 'subnet');
  if (legacySubnet !== undefined && legacySubnet !== null) {
    sets.push({ path, items: [{ o: ipam, path }] });
  } else {
    for (const k of LEGACY) {
      if (own(ipam, k) !== undefined && own(ipam, k) !== null) {
        fail(ctx, 'ERR_CNI_MISSING_FIELD', [...path, 'subnet'], `"${k}" is set but "subnet" is not; host-local ignores a top-level range without a subnet`);
      }
    }
  }
  const list = optArray(ctx, ipam, 'ranges', path);
  if (list !== undefined) sets.push(...rangeSets(ctx, list, [...path, 'ranges']));
  if (sets.length === 0) fail(ctx, 'ERR_CNI_NO_RANGES', list === undefined ? path : [...path, 'ranges'], 'no IP ranges specified');

  const ranges = sets.map((set) => canonicalizeSet(ctx, set));

  // CNI spec 0.2.0 and below supported only one address per family.
  let v4 = 0;
  let v6 = 0;
  for (let i = 0; i < ranges.length; i++) {
    if (ranges[i]![0]!.subnet.family === 4) v4++;
    else v6++;
    if ((v4 > 1 || v6 > 1) && !versionAtLeast(scope.cniVersion, '0.3.0')) {
      fail(ctx, 'ERR_CNI_VERSION', sets[i]!.path, `CNI version ${JSON.stringify(scope.cniVersion)} does not support more than 1 address per family (needs 0.3.0 or later)`);
    }
  }
  for (let j = 1; j < ranges.length; j++) {
    for (let i = 0; i < j; i++) {
      if (setsOverlap(ranges[i]!, ranges[j]!)) fail(ctx, 'ERR_CNI_RANGE_OVERLAP', sets[j]!.path, `range set ${i} overlaps with ${j}`);
    }
  }
  const dataDir = optString(ctx, ipam, 'dataDir', path);
  const resolvConf = optString(ctx, ipam, 'resolvConf', path);
  return Object.freeze({
    dialect: 'host-local',
    type: 'host-local',
    ranges: Object.freeze(ranges),
    routes: Object.freeze(parseRoutes(ctx, ipam, path)),
    dataDir,
    resolvConf,
    raw: ipam,
  });
}

function rangeSets(ctx: Context, list: readonly JsonValue[], path: readonly PathSegment[]): SourcedSet[] {
  return list.map((set, i) => {
    const p = [...path, i];
    if (!Array.isArray(set)) fail(ctx, 'ERR_CNI_INVALID_TYPE', p, 'a range set must be an array of ranges');
    return { path: p, items: (set as readonly JsonValue[]).map((r, j) => ({ o: asObject(ctx, r, [...p, j], 'a range object'), path: [...p, j] })) };
  });
}

function canonicalizeSet(ctx: Context, set: SourcedSet): readonly HostLocalRange[] {
  if (set.items.length === 0) fail(ctx, 'ERR_CNI_NO_RANGES', set.path, 'empty range set');
  const out: HostLocalRange[] = [];
  for (const { o, path } of set.items) {
    const r = canonicalizeRange(ctx, o, path);
    if (out.length > 0 && out[0]!.subnet.family !== r.subnet.family) fail(ctx, 'ERR_CNI_MIXED_FAMILIES', path, 'mixed address families in one range set');
    for (const prev of out) {
      if (rangesOverlap(prev, r)) fail(ctx, 'ERR_CNI_RANGE_OVERLAP', path, `subnets ${span(prev)} and ${span(r)} overlap`);
    }
    out.push(r);
  }
  return Object.freeze(out);
}

function span(r: HostLocalRange): string {
  return `${r.rangeStart}-${r.rangeEnd}`;
}

/** The reference plugin's `Range.Canonicalize`, check for check and in the same order. */
function canonicalizeRange(ctx: Context, o: JsonObject, path: readonly PathSegment[]): HostLocalRange {
  const subnetText = optString(ctx, o, 'subnet', path);
  if (subnetText === undefined) fail(ctx, 'ERR_CNI_MISSING_FIELD', [...path, 'subnet'], 'a range needs "subnet"');
  const written = parseCIDR(ctx, subnetText, [...path, 'subnet']);
  const max = written.addr.bitLength;
  if (written.bits > max - 2) {
    fail(ctx, 'ERR_CNI_SUBNET_TOO_SMALL', [...path, 'subnet'], `network ${written} too small to allocate from (/${max - 1} and /${max} have no usable addresses)`);
  }
  if (written.addr.is4In6()) fail(ctx, 'ERR_CNI_MIXED_FAMILIES', [...path, 'subnet'], 'IPv4-mapped IPv6 subnet: the address and mask families differ');
  const subnet = written.masked();
  if (!subnet.addr.equals(written.addr)) {
    fail(ctx, 'ERR_CNI_HOST_BITS', [...path, 'subnet'], `network has host bits set: for a prefix length of ${written.bits} the network address is ${subnet.addr}`);
  }
  const v4 = subnet.family === 4;
  const ip = (k: string): Addr | undefined => {
    const s = optString(ctx, o, k, path);
    return s === undefined ? undefined : parseIP(ctx, s, [...path, k], v4);
  };
  const gw = ip('gateway');
  const start = ip('rangeStart');
  const end = ip('rangeEnd');
  const first = subnet.addr.next()!;
  const last = v4 ? subnet.last().prev()! : subnet.last();
  if (start !== undefined) {
    if (!subnet.contains(start)) fail(ctx, 'ERR_CNI_OUTSIDE_SUBNET', [...path, 'rangeStart'], `rangeStart ${start} is not in network ${subnet}`);
    if (end !== undefined && subnet.contains(end) && start.compare(end) > 0) {
      fail(ctx, 'ERR_CNI_INVALID_RANGE', [...path, 'rangeStart'], `rangeStart ${start} is after rangeEnd ${end}`);
    }
  }
  const rangeStart = start ?? first;
  if (end !== undefined) {
    if (!subnet.contains(end)) fail(ctx, 'ERR_CNI_OUTSIDE_SUBNET', [...path, 'rangeEnd'], `rangeEnd ${end} is not in network ${subnet}`);
    if (end.compare(rangeStart) < 0) fail(ctx, 'ERR_CNI_INVALID_RANGE', [...path, 'rangeEnd'], `rangeEnd ${end} is before rangeStart ${rangeStart}`);
  }
  return Object.freeze({ subnet, rangeStart, rangeEnd: end ?? last, gateway: gw ?? first });
}

function rangesOverlap(a: HostLocalRange, b: HostLocalRange): boolean {
  return a.subnet.family === b.subnet.family && a.rangeStart.compare(b.rangeEnd) <= 0 && b.rangeStart.compare(a.rangeEnd) <= 0;
}

function setsOverlap(a: readonly HostLocalRange[], b: readonly HostLocalRange[]): boolean {
  return a.some((x) => b.some((y) => rangesOverlap(x, y)));
}

/** HostLocalAddresses is what a host-local section can hand out, and what its subnets hold back. */
export interface HostLocalAddresses {
  /** The addresses the allocator may hand out: each range's `rangeStart`…`rangeEnd`, less its gateway. */
  readonly usable: IPSet;
  /** The rest of the subnets: network and broadcast addresses, gateways, and addresses outside the ranges. */
  readonly excluded: IPSet;
  /** The gateways, one per range, in order. */
  readonly gateways: readonly Addr[];
}

/** hostLocalAddresses computes the allocatable and reserved addresses of a host-local section. */
export function hostLocalAddresses(ipam: HostLocalIpam): HostLocalAddresses {
  const usable = new IPSetBuilder();
  const subnets = new IPSetBuilder();
  const gateways: Addr[] = [];
  for (const set of ipam.ranges) {
    for (const r of set) {
      const one = new IPSetBuilder().addRange(IPRange.from(r.rangeStart, r.rangeEnd)).remove(r.gateway).build();
      usable.addSet(one);
      subnets.addPrefix(r.subnet);
      gateways.push(r.gateway);
    }
  }
  const u = usable.build();
  return { usable: u, excluded: subnets.build().difference(u), gateways };
}
