/*
 * Reading and validating the `ipam` section of an `ipam-cluster` network configuration. Every failure is a
 * CniConfigError (from @ipam/cni) whose path names the JSON value at fault, spelled as a reader writes it
 * (`ipam.ranges[1].subnet`); the plugin turns it into CNI error 7 with that path in `details`.
 */
import { hostname } from 'node:os';
import { Addr, Prefix } from '@ipam/core';
import { CniConfigError, type CniConfigErrorCode } from '@ipam/cni';
import type { ClusterIpamConfig, ClusterIpamFamily, ClusterIpamRange } from '../cluster-plugin.js';
import { POOL_NAME } from './pool-keys.js';
import { isValidName } from './pool-records.js';

/** The largest block of a ClusterPool is 2^12 addresses (see pool-geometry.ts). */
const MAX_BLOCK_HOST_BITS = 12;
/** Default block sizes: 64 addresses per block, as Calico's /26 and /122. */
const DEFAULT_BLOCK_SIZE = { 4: 26, 6: 122 } as const;
const IPAM_KEYS = new Set(['type', 'etcd', 'pool', 'subnet', 'gateway', 'ranges', 'blockSize', 'routes', 'dns', 'node', 'timeoutMs']);
/** Default bound of one command (ADD, DEL, CHECK): well inside the runtimes' own timeouts (kubelet's is 2 minutes). */
const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;
const ETCD_KEYS = new Set(['endpoints', 'prefix', 'timeoutMs']);
const RANGE_KEYS = new Set(['subnet', 'gateway']);
const DNS_KEYS = new Set(['nameservers', 'domain', 'search', 'options']);

type Obj = Record<string, unknown>;

function fail(code: CniConfigErrorCode, path: string, reason: string): never {
  throw new CniConfigError(code, reason, { path });
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function object(v: unknown, path: string, keys: ReadonlySet<string>): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('ERR_CNI_INVALID_TYPE', path, `must be an object, not ${typeName(v)}`);
  for (const k of Object.keys(v)) {
    if (!keys.has(k)) fail('ERR_CNI_INVALID_VALUE', path === '' ? k : `${path}.${k}`, `unknown field (known: ${[...keys].join(', ')})`);
  }
  return v as Obj;
}

function string(v: unknown, path: string): string {
  if (typeof v !== 'string') fail('ERR_CNI_INVALID_TYPE', path, `must be a string, not ${typeName(v)}`);
  return v;
}

function array(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail('ERR_CNI_INVALID_TYPE', path, `must be an array, not ${typeName(v)}`);
  return v;
}

function cidr(v: unknown, path: string): Prefix {
  const s = string(v, path);
  const slash = s.lastIndexOf('/');
  const addr = slash < 0 ? undefined : Addr.tryParse(s.slice(0, slash));
  const bits = slash < 0 ? NaN : Number(s.slice(slash + 1));
  if (addr === undefined || !/^[0-9]{1,3}$/.test(s.slice(slash + 1)) || bits > addr.bitLength) fail('ERR_CNI_INVALID_CIDR', path, `invalid CIDR address: ${show(s)}`);
  const p = Prefix.from(addr, bits);
  if (!p.masked().equals(p)) fail('ERR_CNI_HOST_BITS', path, `${s} has host bits set (the network is ${p.masked()})`);
  return p;
}

function ip(v: unknown, path: string): Addr {
  const s = string(v, path);
  const a = Addr.tryParse(s);
  if (a === undefined) fail('ERR_CNI_INVALID_IP', path, `invalid IP address: ${show(s)}`);
  return a;
}

function range(v: unknown, path: string): ClusterIpamRange {
  const o = object(v, path, RANGE_KEYS);
  if (o.subnet === undefined) fail('ERR_CNI_MISSING_FIELD', path, 'a range needs "subnet"');
  const subnet = cidr(o.subnet, `${path}.subnet`);
  const gateway = o.gateway === undefined ? undefined : ip(o.gateway, `${path}.gateway`);
  if (gateway !== undefined && !subnet.contains(gateway)) fail('ERR_CNI_OUTSIDE_SUBNET', `${path}.gateway`, `gateway ${gateway} is not in subnet ${subnet}`);
  return Object.freeze({ subnet, gateway });
}

function blockSizes(v: unknown, families: readonly (4 | 6)[]): Record<4 | 6, number> {
  const out: Record<4 | 6, number> = { ...DEFAULT_BLOCK_SIZE };
  if (v === undefined) return out;
  if (typeof v === 'number') {
    if (families.length > 1) {
      fail('ERR_CNI_INVALID_VALUE', 'ipam.blockSize', 'a dual-stack pool needs one block size per family: { "ipv4": 26, "ipv6": 122 }');
    }
    out[families[0]!] = v;
    return out;
  }
  const o = object(v, 'ipam.blockSize', new Set(['ipv4', 'ipv6']));
  if (o.ipv4 !== undefined) out[4] = o.ipv4 as number;
  if (o.ipv6 !== undefined) out[6] = o.ipv6 as number;
  return out;
}

function checkBlockSize(size: unknown, path: string, family: ClusterIpamFamily): void {
  const bitLength = family.family === 4 ? 32 : 128;
  const longest = Math.max(...family.ranges.map((r) => r.subnet.bits));
  const min = Math.max(longest, bitLength - MAX_BLOCK_HOST_BITS);
  if (typeof size !== 'number' || !Number.isInteger(size) || size < min || size > bitLength) {
    fail('ERR_CNI_INVALID_VALUE', path, `block size ${show(size)} must be an integer in ${min}…${bitLength} for IPv${family.family} (at least every subnet's length, at most ${2 ** MAX_BLOCK_HOST_BITS} addresses per block)`);
  }
}

function routes(v: unknown): ClusterIpamConfig['routes'] {
  if (v === undefined) return [];
  return array(v, 'ipam.routes').map((r, i) => {
    const p = `ipam.routes[${i}]`;
    const o = object(r, p, new Set(['dst', 'gw']));
    if (o.dst === undefined) fail('ERR_CNI_MISSING_FIELD', p, 'a route needs "dst"');
    const dst = string(o.dst, `${p}.dst`);
    const slash = dst.lastIndexOf('/');
    const a = slash < 0 ? undefined : Addr.tryParse(dst.slice(0, slash));
    const bits = Number(dst.slice(slash + 1));
    if (a === undefined || !/^[0-9]{1,3}$/.test(dst.slice(slash + 1)) || bits > a.bitLength) fail('ERR_CNI_INVALID_CIDR', `${p}.dst`, `invalid CIDR address: ${show(dst)}`);
    const gw = o.gw === undefined ? undefined : ip(o.gw, `${p}.gw`).toString();
    return Object.freeze(gw === undefined ? { dst } : { dst, gw });
  });
}

function strings(v: unknown, path: string): string[] {
  return array(v, path).map((x, i) => string(x, `${path}[${i}]`));
}

function dns(v: unknown): ClusterIpamConfig['dns'] {
  if (v === undefined) return {};
  const o = object(v, 'ipam.dns', DNS_KEYS);
  return Object.freeze({
    ...(o.nameservers === undefined ? {} : { nameservers: strings(o.nameservers, 'ipam.dns.nameservers') }),
    ...(o.domain === undefined ? {} : { domain: string(o.domain, 'ipam.dns.domain') }),
    ...(o.search === undefined ? {} : { search: strings(o.search, 'ipam.dns.search') }),
    ...(o.options === undefined ? {} : { options: strings(o.options, 'ipam.dns.options') }),
  });
}

/** readClusterIpamConfig implements parseClusterIpamConfig (see its doc comment in cluster-plugin.ts). */
export function readClusterIpamConfig(config: unknown, env: Readonly<Record<string, string | undefined>>, host: () => string = hostname): ClusterIpamConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) fail('ERR_CNI_INVALID_TYPE', '', `the network configuration must be an object, not ${typeName(config)}`);
  const ipamValue = (config as Obj).ipam;
  if (ipamValue === undefined) fail('ERR_CNI_MISSING_FIELD', 'ipam', 'the network configuration has no "ipam" section');
  const ipam = object(ipamValue, 'ipam', IPAM_KEYS);
  if (ipam.type !== undefined) string(ipam.type, 'ipam.type');

  if (ipam.etcd === undefined) fail('ERR_CNI_MISSING_FIELD', 'ipam.etcd', 'needs "etcd": { "endpoints": ["http://127.0.0.1:2379"] }');
  const etcd = object(ipam.etcd, 'ipam.etcd', ETCD_KEYS);
  if (etcd.endpoints === undefined) fail('ERR_CNI_MISSING_FIELD', 'ipam.etcd.endpoints', 'needs at least one etcd client URL');
  const endpoints = array(etcd.endpoints, 'ipam.etcd.endpoints').map((e, i) => {
    const p = `ipam.etcd.endpoints[${i}]`;
    const s = string(e, p);
    let url: URL | undefined;
    try {
      url = new URL(s);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) fail('ERR_CNI_INVALID_VALUE', p, `${show(s)} is not an http:// or https:// URL`);
    if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') fail('ERR_CNI_INVALID_VALUE', p, `${show(s)} has a query, fragment or credentials`);
    return s;
  });
  if (endpoints.length === 0) fail('ERR_CNI_INVALID_VALUE', 'ipam.etcd.endpoints', 'needs at least one etcd client URL');
  const prefix = etcd.prefix === undefined ? '/ipam/' : string(etcd.prefix, 'ipam.etcd.prefix');
  if (prefix.includes('\0')) fail('ERR_CNI_INVALID_VALUE', 'ipam.etcd.prefix', 'contains NUL');
  const timeoutMs = etcd.timeoutMs;
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0)) {
    fail('ERR_CNI_INVALID_VALUE', 'ipam.etcd.timeoutMs', `${show(timeoutMs)} is not a positive number of milliseconds`);
  }

  const commandTimeout = ipam.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  if (typeof commandTimeout !== 'number' || !Number.isFinite(commandTimeout) || commandTimeout <= 0 || commandTimeout > 2 ** 31 - 1) {
    fail('ERR_CNI_INVALID_VALUE', 'ipam.timeoutMs', `${show(commandTimeout)} is not a positive number of milliseconds (at most 2147483647)`);
  }

  if (ipam.pool === undefined) fail('ERR_CNI_MISSING_FIELD', 'ipam.pool', 'needs the pool name, such as "pods"');
  const pool = string(ipam.pool, 'ipam.pool');
  if (!POOL_NAME.test(pool) || pool.length > 60) {
    fail('ERR_CNI_INVALID_VALUE', 'ipam.pool', `${show(pool)} is not a pool name (lower case letters, digits and "-", 1 to 60 characters)`);
  }

  let ranges: ClusterIpamRange[];
  if (ipam.subnet !== undefined && ipam.ranges !== undefined) fail('ERR_CNI_INVALID_VALUE', 'ipam.subnet', 'give either "subnet" or "ranges", not both');
  if (ipam.subnet !== undefined) {
    ranges = [range({ subnet: ipam.subnet, ...(ipam.gateway === undefined ? {} : { gateway: ipam.gateway }) }, 'ipam')];
  } else {
    if (ipam.gateway !== undefined) fail('ERR_CNI_INVALID_VALUE', 'ipam.gateway', 'a top-level "gateway" goes with "subnet"; put it in each range of "ranges"');
    if (ipam.ranges === undefined) fail('ERR_CNI_NO_RANGES', 'ipam', 'needs "subnet" or "ranges"');
    ranges = array(ipam.ranges, 'ipam.ranges').map((r, i) => range(r, `ipam.ranges[${i}]`));
    if (ranges.length === 0) fail('ERR_CNI_NO_RANGES', 'ipam.ranges', 'is empty');
  }
  const where = (i: number) => (ipam.subnet !== undefined ? 'ipam.subnet' : `ipam.ranges[${i}].subnet`);
  for (let i = 0; i < ranges.length; i++) {
    for (let j = 0; j < i; j++) {
      if (ranges[i]!.subnet.overlaps(ranges[j]!.subnet)) fail('ERR_CNI_RANGE_OVERLAP', where(i), `${ranges[i]!.subnet} overlaps ${ranges[j]!.subnet} of ipam.ranges[${j}]`);
    }
  }
  const order: (4 | 6)[] = [];
  for (const r of ranges) if (!order.includes(r.subnet.family)) order.push(r.subnet.family);
  const sizes = blockSizes(ipam.blockSize, order);
  const families = order.map((f): ClusterIpamFamily => {
    const fam: ClusterIpamFamily = { family: f, pool: `${pool}-v${f}`, ranges: ranges.filter((r) => r.subnet.family === f), blockSize: sizes[f] };
    const path = typeof ipam.blockSize === 'object' && ipam.blockSize !== null ? `ipam.blockSize.ipv${f}` : 'ipam.blockSize';
    checkBlockSize(fam.blockSize, path, fam);
    return Object.freeze({ ...fam, ranges: Object.freeze(fam.ranges) });
  });

  let node: string;
  let nodePath: string;
  if (ipam.node !== undefined) {
    node = string(ipam.node, 'ipam.node');
    nodePath = 'ipam.node';
  } else if ((env.NODE_NAME ?? '') !== '') {
    node = env.NODE_NAME!;
    nodePath = 'NODE_NAME';
  } else {
    node = host();
    nodePath = 'hostname';
  }
  if (!isValidName(node)) fail('ERR_CNI_INVALID_VALUE', nodePath === 'ipam.node' ? 'ipam.node' : 'ipam', `node name ${show(node)} from ${nodePath} is empty, longer than 1024 characters or has control characters`);

  return Object.freeze({
    etcd: Object.freeze({ endpoints: Object.freeze(endpoints), prefix, timeoutMs: timeoutMs as number | undefined }),
    pool,
    node,
    timeoutMs: commandTimeout,
    families: Object.freeze(families),
    routes: Object.freeze(routes(ipam.routes)),
    dns: dns(ipam.dns),
  });
}
