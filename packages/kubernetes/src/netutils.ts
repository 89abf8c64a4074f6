import { Addr, Prefix } from '@ipam/core';
import { KubernetesError, type KubernetesErrorLocation } from './kubernetes-error.js';
import {
  type SloppyFailure,
  decimalField,
  isMapped,
  mapped,
  parseIPSloppyBytes,
  parseIPv4Sloppy,
  parseIPv6Sloppy,
} from './internal/sloppy-parse.js';

/** Quotes a value for a message, as Go's %q does for strings. */
function q(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** The Addr of 16 Go bytes: IPv4 when they are IPv4-mapped, as Go's net.IP prints them. */
function addrOf(ip: Uint8Array): Addr {
  return isMapped(ip) ? Addr.from4(ip.subarray(12)) : Addr.from16(ip);
}

function ipSloppy(input: string): Addr | SloppyFailure {
  if (typeof input !== 'string') return { reason: 'input is not a string', at: 0 };
  const r = parseIPSloppyBytes(input, 0, input.length);
  return r instanceof Uint8Array ? addrOf(r) : r;
}

/**
 * parseIPSloppy parses an IP address as Kubernetes' `ParseIPSloppy` (k8s.io/utils/net) does, which is Go's
 * `net.ParseIP` from before Go 1.17: IPv4 fields are decimal and may have any number of leading zeros
 * (`127.010.020.030` is `127.10.20.30`, never octal); IPv6 groups may have more than four digits while their value
 * fits 16 bits (`0:0:0:0:000000:ffff:127.1.2.3`). An IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) yields the IPv4
 * Addr, as Go prints it. Zones, brackets, ports, prefixes and white space are refused.
 *
 * Kubernetes uses it for legacy API fields (node `spec.podCIDRs`, Service `clusterIPs`, Pod `podIPs`, command
 * line flags); new fields are validated strictly (see {@link validateIP}).
 *
 * @param where - where the text came from, for the error.
 * @throws {@link KubernetesError} `ERR_K8S_INVALID_IP` naming the input and the reason.
 * @example
 * ```ts
 * parseIPSloppy('192.168.000.005').toString(); // '192.168.0.5'
 * parseIPSloppy('::ffff:7f01:0203').toString(); // '127.1.2.3'
 * ```
 */
export function parseIPSloppy(input: string, where?: KubernetesErrorLocation): Addr {
  const r = ipSloppy(input);
  if (r instanceof Addr) return r;
  throw new KubernetesError('ERR_K8S_INVALID_IP', `parseIPSloppy(${q(input)}): ${r.reason}`, where);
}

/** tryParseIPSloppy is {@link parseIPSloppy} that returns undefined instead of throwing. */
export function tryParseIPSloppy(input: string): Addr | undefined {
  const r = ipSloppy(input);
  return r instanceof Addr ? r : undefined;
}

/**
 * SloppyCIDR is what Kubernetes' `ParseCIDRSloppy` returns, like Go's `net.ParseCIDR`: the address as written
 * and the network it lies in.
 */
export interface SloppyCIDR {
  /** SloppyCIDR.ip is the address part as written, host bits kept (IPv4 when it was IPv4-mapped). */
  readonly ip: Addr;
  /** SloppyCIDR.prefix is the network: host bits cleared, as {@link parseCIDRSloppy} returns it. */
  readonly prefix: Prefix;
}

function cidrSloppy(input: string): SloppyCIDR | SloppyFailure {
  if (typeof input !== 'string') return { reason: 'input is not a string', at: 0 };
  const slash = input.indexOf('/');
  if (slash < 0) return { reason: input === '' ? 'empty string' : 'no "/"', at: input.length };
  // The address is tried as IPv4 first, then as IPv6; the family decides the range of the length.
  let bytes: Uint8Array;
  let bitLength: number;
  const v4 = parseIPv4Sloppy(input, 0, slash);
  if (typeof v4 === 'number') {
    bytes = mapped(v4);
    bitLength = 32;
  } else {
    const v6 = parseIPv6Sloppy(input, 0, slash);
    if (!(v6 instanceof Uint8Array)) return input.lastIndexOf(':', slash) < 0 ? v4 : v6;
    bytes = v6;
    bitLength = 128;
  }
  const len = decimalField(input, slash + 1, input.length);
  if ('reason' in len) return { reason: `prefix length: ${len.reason}`, at: len.at };
  if (len.next !== input.length) return { reason: 'prefix length must be decimal digits', at: len.next };
  if (len.value > bitLength) return { reason: `prefix length out of range (0…${bitLength})`, at: slash + 1 };
  const ip = addrOf(bytes);
  // Go masks the 16-byte form. An IPv4-mapped address keeps its IPv4 meaning only if the mask covers the
  // ::ffff: marker (length >= 96); then it is printed as IPv4 with length - 96.
  let prefix: Prefix;
  if (bitLength === 32) prefix = ip.prefix(len.value);
  else if (ip.is4() && len.value >= 96) prefix = ip.prefix(len.value - 96);
  else prefix = Addr.from16(bytes).prefix(len.value);
  return { ip, prefix };
}

/**
 * parseCIDRSloppy parses CIDR notation as Kubernetes' `ParseCIDRSloppy` (k8s.io/utils/net) does, which is Go's
 * `net.ParseCIDR` from before Go 1.17, and returns the network with host bits cleared (`10.244.1.7/16` is
 * `10.244.0.0/16`).
 *
 * The text is split at the first "/". The address follows {@link parseIPSloppy}'s grammar, tried as IPv4 first and
 * then IPv6; the length is decimal digits only (leading zeros allowed, no sign), at most 32 for a dotted IPv4
 * address and 128 for anything written as IPv6, IPv4-mapped ones included. An IPv4-mapped address with a length of
 * 96 or more is the IPv4 network of length − 96 (`::ffff:1.1.1.0/120` is `1.1.1.0/24`); with less, the mask clears
 * the `::ffff:` marker and the result is an IPv6 network (`::ffff:1.1.1.0/24` is `::/24`).
 *
 * @param where - where the text came from, for the error.
 * @throws {@link KubernetesError} `ERR_K8S_INVALID_CIDR` naming the input and the reason.
 * @example
 * ```ts
 * parseCIDRSloppy('010.244.001.007/16').toString(); // '10.244.0.0/16'
 * parseCIDRSloppy('::ffff:1.1.1.0/120').toString(); // '1.1.1.0/24'
 * ```
 */
export function parseCIDRSloppy(input: string, where?: KubernetesErrorLocation): Prefix {
  return parseCIDRSloppyWithIP(input, where).prefix;
}

/** tryParseCIDRSloppy is {@link parseCIDRSloppy} that returns undefined instead of throwing. */
export function tryParseCIDRSloppy(input: string): Prefix | undefined {
  const r = cidrSloppy(input);
  return 'prefix' in r ? r.prefix : undefined;
}

/**
 * parseCIDRSloppyWithIP is {@link parseCIDRSloppy} returning both results of Kubernetes' `ParseCIDRSloppy`: the
 * address as written (host bits kept) and the masked network. Kubernetes uses the address for interface addresses
 * such as `1.2.3.4/24`.
 *
 * @param where - where the text came from, for the error.
 * @throws {@link KubernetesError} `ERR_K8S_INVALID_CIDR` naming the input and the reason.
 * @example
 * ```ts
 * const { ip, prefix } = parseCIDRSloppyWithIP('192.168.1.7/24');
 * [ip.toString(), prefix.toString()]; // ['192.168.1.7', '192.168.1.0/24']
 * ```
 */
export function parseCIDRSloppyWithIP(input: string, where?: KubernetesErrorLocation): SloppyCIDR {
  const r = cidrSloppy(input);
  if ('prefix' in r) return r;
  throw new KubernetesError('ERR_K8S_INVALID_CIDR', `parseCIDRSloppy(${q(input)}): ${r.reason}`, where);
}
