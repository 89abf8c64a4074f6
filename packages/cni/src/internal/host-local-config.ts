/**
 * The reference host-local plugin's configuration loader (`allocator.LoadIPAMConfig` and `Range.Canonicalize`
 * of containernetworking/plugins v1.1.1), rule for rule and with its error messages, so that our plugin accepts
 * and rejects exactly what the reference does.
 */
import { Addr, Prefix } from '@ipam/core';
import type { HostLocalRange } from '../ipam-host-local.js';
import { goField, goJsonType, goVersionAtLeast } from './go-compat.js';

/** A Go-side failure: the message the reference plugin prints (code 999). */
export class GoError extends Error {}

const fail = (msg: string): never => {
  throw new GoError(msg);
};

/** The loaded host-local configuration. */
export interface HostLocalConfig {
  readonly name: string;
  readonly cniVersion: string;
  readonly ranges: readonly (readonly HostLocalRange[])[];
  readonly routes: readonly { dst: string; gw?: string }[];
  readonly dataDir: string;
  readonly resolvConf: string;
  readonly ipArgs: readonly Addr[];
}

/** Go's `net.ParseIP` (no zones, strict dotted quads), canonicalized to IPv4 when possible. */
export function goParseIP(s: string): Addr | undefined {
  if (s.includes('%')) return undefined;
  return Addr.tryParse(s)?.unmap();
}

/** Go's `net.ParseCIDR`, keeping the address as written (libcni's `types.ParseCIDR`). */
export function goParseCIDR(s: string): Prefix | undefined {
  const slash = s.indexOf('/');
  if (slash <= 0) return undefined;
  const a = Addr.tryParse(s.slice(0, slash));
  const bits = s.slice(slash + 1);
  if (a === undefined || a.zone !== undefined || !/^[0-9]{1,3}$/.test(bits)) return undefined;
  const n = Number(bits);
  if (n > a.bitLength) return undefined;
  // An IPv4-mapped address with a /96 or longer prefix is an IPv4 network to Go.
  if (a.is4In6() && n >= 96) return Prefix.from(a.unmap(), n - 96);
  return Prefix.from(a, n);
}

function str(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(`json: cannot unmarshal ${goJsonType(v)} into Go struct field ${what} of type string`);
  return v as string;
}

function netIP(v: unknown, what: string): Addr | undefined {
  const s = str(v, what);
  if (s === undefined || s === '') return undefined;
  return goParseIP(s) ?? fail(`invalid IP address: ${s}`);
}

function ipNet(v: unknown, what: string): Prefix {
  const s = str(v, what) ?? '';
  return goParseCIDR(s) ?? fail(`invalid CIDR address: ${s}`);
}

/** libcni `ip.IP` (args.cni.ips, runtimeConfig.ips, CNI_ARGS IP): an address, or a CIDR whose prefix is dropped. */
function libcniIP(s: string): Addr | undefined {
  if (s.includes('/')) return goParseCIDR(s)?.addr.unmap();
  return goParseIP(s);
}

function obj(v: unknown, what: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) fail(`json: cannot unmarshal ${goJsonType(v)} into Go struct field ${what} of type struct`);
  return v as Record<string, unknown>;
}

function arr(v: unknown, what: string): readonly unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) fail(`json: cannot unmarshal ${goJsonType(v)} into Go struct field ${what} of type array`);
  return v as unknown[];
}

interface RawRange {
  subnet: Prefix | undefined;
  rangeStart: Addr | undefined;
  rangeEnd: Addr | undefined;
  gateway: Addr | undefined;
}

function rawRange(o: Record<string, unknown>, present: boolean): RawRange | undefined {
  const has = (k: string): boolean => goField(o, k) !== undefined;
  if (!present && !['subnet', 'rangeStart', 'rangeEnd', 'gateway'].some(has)) return undefined;
  return {
    rangeStart: netIP(goField(o, 'rangeStart'), 'Range.rangeStart'),
    rangeEnd: netIP(goField(o, 'rangeEnd'), 'Range.rangeEnd'),
    subnet: goField(o, 'subnet') === undefined ? undefined : ipNet(goField(o, 'subnet'), 'Range.subnet'),
    gateway: netIP(goField(o, 'gateway'), 'Range.gateway'),
  };
}

function rangeSets(v: unknown, what: string): RawRange[][] {
  return (arr(v, what) ?? []).map((set) => (arr(set, what) ?? []).map((r) => rawRange(obj(r, what) ?? {}, true)!));
}

function inRange(r: { subnet: Prefix; rangeStart: Addr | undefined; rangeEnd: Addr | undefined }, a: Addr): boolean {
  if (a.family !== r.subnet.family || !r.subnet.masked().contains(a)) return false;
  if (r.rangeStart !== undefined && a.compare(r.rangeStart) < 0) return false;
  if (r.rangeEnd !== undefined && a.compare(r.rangeEnd) > 0) return false;
  return true;
}

function canonicalizeRange(r: RawRange): HostLocalRange {
  if (r.subnet === undefined) return fail('invalid CIDR address: ');
  const subnet = r.subnet;
  const max = subnet.addr.bitLength;
  if (subnet.bits > max - 2) fail(`Network ${subnet.masked()} too small to allocate from`);
  const network = subnet.masked();
  if (!network.addr.equals(subnet.addr)) fail(`Network has host bits set. For a subnet mask of length ${subnet.bits} the network address is ${network.addr}`);
  const gateway = r.gateway ?? network.addr.next()!;
  const partial = { subnet: network, rangeStart: r.rangeStart, rangeEnd: r.rangeEnd };
  if (r.rangeStart !== undefined && !inRange(partial, r.rangeStart)) fail(`RangeStart ${r.rangeStart} not in network ${network}`);
  const rangeStart = r.rangeStart ?? network.addr.next()!;
  if (r.rangeEnd !== undefined && !inRange({ ...partial, rangeStart }, r.rangeEnd)) fail(`RangeEnd ${r.rangeEnd} not in network ${network}`);
  const rangeEnd = r.rangeEnd ?? (network.family === 4 ? network.last().prev()! : network.last());
  return { subnet: network, rangeStart, rangeEnd, gateway };
}

/** Range.String: `start-end`. */
export function rangeString(r: HostLocalRange): string {
  return `${r.rangeStart}-${r.rangeEnd}`;
}

/** RangeSet.String: the ranges joined by commas. */
export function rangeSetString(set: readonly HostLocalRange[]): string {
  return set.map(rangeString).join(',');
}

/** Range.Contains for a canonical range. */
export function rangeContains(r: HostLocalRange, a: Addr): boolean {
  return a.family === r.subnet.family && a.compare(r.rangeStart) >= 0 && a.compare(r.rangeEnd) <= 0 && r.subnet.contains(a);
}

function overlaps(a: HostLocalRange, b: HostLocalRange): boolean {
  return a.subnet.family === b.subnet.family && (rangeContains(a, b.rangeStart) || rangeContains(a, b.rangeEnd) || rangeContains(b, a.rangeStart) || rangeContains(b, a.rangeEnd));
}

function canonicalizeSet(set: RawRange[]): HostLocalRange[] {
  if (set.length === 0) fail('empty range set');
  const out: HostLocalRange[] = [];
  for (const r of set) {
    const c = canonicalizeRange(r);
    if (out.length > 0 && out[0]!.subnet.family !== c.subnet.family) fail('mixed address families');
    out.push(c);
  }
  for (let i = 0; i < out.length - 1; i++) {
    for (let j = i + 1; j < out.length; j++) {
      if (overlaps(out[i]!, out[j]!)) fail(`subnets ${rangeString(out[i]!)} and ${rangeString(out[j]!)} overlap`);
    }
  }
  return out;
}

/** libcni `types.LoadArgs` into host-local's `IPAMEnvArgs` ({IgnoreUnknown, IP}); returns the IP, if any. */
export function loadEnvArgs(envArgs: string): Addr | undefined {
  if (envArgs === '') return undefined;
  let ip: Addr | undefined;
  let ignore = false;
  const unknown: string[] = [];
  for (const pair of envArgs.split(';')) {
    const kv = pair.split('=');
    if (kv.length !== 2) fail(`ARGS: invalid pair ${JSON.stringify(pair)}`);
    const [k, v] = kv as [string, string];
    if (k === 'IP') {
      ip = libcniIP(v) ?? fail(`ARGS: error parsing value of pair ${JSON.stringify(pair)}: invalid IP address ${v}`);
    } else if (k === 'IgnoreUnknown') {
      const b = v.toLowerCase();
      if (b === '1' || b === 'true') ignore = true;
      else if (b === '0' || b === 'false') ignore = false;
      else fail(`ARGS: error parsing value of pair ${JSON.stringify(pair)}: boolean unmarshal error: invalid input ${b}`);
    } else if (k === 'CommonArgs') {
      fail(`ARGS: cannot unmarshal into field 'CommonArgs' - type '*types.CommonArgs' does not implement encoding.TextUnmarshaler`);
    } else {
      unknown.push(pair);
    }
  }
  if (unknown.length > 0 && !ignore) fail(`ARGS: unknown args [${unknown.map((u) => JSON.stringify(u)).join(' ')}]`);
  return ip;
}

function ipList(v: unknown, what: string): Addr[] {
  return (arr(v, what) ?? []).map((x) => {
    const s = str(x, what) ?? '';
    return libcniIP(s) ?? fail(`invalid IP address ${s}`);
  });
}

/**
 * loadHostLocalConfig is `allocator.LoadIPAMConfig`: range sets in the order runtimeConfig.ipRanges, legacy
 * top-level range, ipam.ranges; requested IPs from CNI_ARGS `IP=`, `args.cni.ips`, `runtimeConfig.ips`.
 * @throws {@link GoError} with the reference plugin's message.
 */
export function loadHostLocalConfig(config: Record<string, unknown>, envArgs: string): HostLocalConfig {
  // json.Unmarshal into Net: every field is decoded (and may fail) before any check.
  const name = str(goField(config, 'name'), 'Net.name') ?? '';
  const cniVersion = str(goField(config, 'cniVersion'), 'Net.cniVersion') ?? '';
  const ipamObj = obj(goField(config, 'ipam'), 'Net.ipam');
  let legacy: RawRange | undefined;
  let ranges: RawRange[][] = [];
  let routes: { dst: string; gw?: string }[] = [];
  let dataDir = '';
  let resolvConf = '';
  if (ipamObj !== undefined) {
    legacy = rawRange(ipamObj, false);
    routes = (arr(goField(ipamObj, 'routes'), 'IPAMConfig.routes') ?? []).map((r) => {
      const o = obj(r, 'IPAMConfig.routes') ?? {};
      const d = goField(o, 'dst');
      const dst = d === undefined ? undefined : ipNet(d, 'route.dst');
      const gw = netIP(goField(o, 'gw'), 'route.gw');
      return { dst: dst === undefined ? '<nil>' : dst.toString(), gw: gw?.toString() };
    });
    dataDir = str(goField(ipamObj, 'dataDir'), 'IPAMConfig.dataDir') ?? '';
    resolvConf = str(goField(ipamObj, 'resolvConf'), 'IPAMConfig.resolvConf') ?? '';
    ranges = rangeSets(goField(ipamObj, 'ranges'), 'IPAMConfig.ranges');
  }
  const rc = obj(goField(config, 'runtimeConfig'), 'Net.runtimeConfig');
  const rcRanges = rc === undefined ? [] : rangeSets(goField(rc, 'ipRanges'), 'Net.runtimeConfig.ipRanges');
  const rcIPs = rc === undefined ? [] : ipList(goField(rc, 'ips'), 'Net.runtimeConfig.ips');
  const args = obj(goField(config, 'args'), 'Net.args');
  const cni = args === undefined ? undefined : obj(goField(args, 'cni'), 'Net.args.cni');
  const argIPs = cni === undefined ? [] : ipList(goField(cni, 'ips'), 'IPAMArgs.ips');

  if (ipamObj === undefined) fail(`IPAM config missing 'ipam' key`);
  const ipArgs: Addr[] = [];
  const envIP = loadEnvArgs(envArgs);
  if (envIP !== undefined) ipArgs.push(envIP);
  ipArgs.push(...argIPs, ...rcIPs);

  if (legacy !== undefined && legacy.subnet !== undefined) ranges.unshift([legacy]);
  if (rcRanges.length > 0) ranges = [...rcRanges, ...ranges];
  if (ranges.length === 0) fail('no IP ranges specified');
  const sets: HostLocalRange[][] = [];
  let v4 = 0;
  let v6 = 0;
  ranges.forEach((set, i) => {
    try {
      sets.push(canonicalizeSet(set));
    } catch (e) {
      throw new GoError(`invalid range set ${i}: ${(e as Error).message}`);
    }
    if (sets[i]![0]!.rangeStart.family === 4) v4++;
    else v6++;
  });
  if (v4 > 1 || v6 > 1) {
    if (goVersionAtLeast(cniVersion, '0.3.0') !== true) fail(`CNI version ${cniVersion} does not support more than 1 address per family`);
  }
  for (let i = 0; i < sets.length - 1; i++) {
    for (let j = i + 1; j < sets.length; j++) {
      if (sets[i]!.some((a) => sets[j]!.some((b) => overlaps(a, b)))) fail(`range set ${i} overlaps with ${j}`);
    }
  }
  return { name, cniVersion, ranges: sets, routes, dataDir, resolvConf, ipArgs };
}
