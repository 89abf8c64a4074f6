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

/** A sloppy CIDR with what Go's IPNet also knows: the mask's total bits (32 or 128) and the length as written. */
interface ParsedCIDR extends SloppyCIDR {
  readonly maskBits: 32 | 128;
  readonly length: number;
}

function cidrSloppy(input: string): ParsedCIDR | SloppyFailure {
  if (typeof input !== 'string') return { reason: 'input is not a string', at: 0 };
  const slash = input.indexOf('/');
  if (slash < 0) return { reason: input === '' ? 'empty string' : 'no "/"', at: input.length };
  // The address is tried as IPv4 first, then as IPv6; the family decides the range of the length.
  let bytes: Uint8Array;
  let bitLength: 32 | 128;
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
  return { ip, prefix, maskBits: bitLength, length: len.value };
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
  if ('prefix' in r) return { ip: r.ip, prefix: r.prefix };
  throw new KubernetesError('ERR_K8S_INVALID_CIDR', `parseCIDRSloppy(${q(input)}): ${r.reason}`, where);
}

/**
 * parseCIDRsSloppy parses a list of CIDRs with {@link parseCIDRSloppy}, as Kubernetes' `ParseCIDRs`
 * (k8s.io/utils/net) does for flags such as `--cluster-cidr=10.244.0.0/16,fd00:10:244::/56`. It neither checks
 * families nor sorts; an empty list gives an empty array.
 *
 * @param where - where the list came from; the error's path gets the index of the bad entry (`spec.podCIDRs[1]`).
 * @throws {@link KubernetesError} `ERR_K8S_INVALID_CIDR` for the first entry that does not parse, naming its index.
 * @example
 * ```ts
 * parseCIDRsSloppy(['10.0.0.0/8', '2000::/10']).map(String); // ['10.0.0.0/8', '2000::/10']
 * ```
 */
export function parseCIDRsSloppy(list: readonly string[], where: KubernetesErrorLocation = {}): Prefix[] {
  if (!Array.isArray(list)) {
    const got = typeof list;
    const reason = `parseCIDRsSloppy: expected an array of strings, got ${got}`;
    throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', reason, where);
  }
  const out: Prefix[] = [];
  for (let i = 0; i < list.length; i++) {
    const r = cidrSloppy(list[i]!);
    if (!('prefix' in r)) {
      const path = `${where.path ?? ''}[${i}]`;
      const reason = `parseCIDRSloppy(${q(list[i])}): ${r.reason}`;
      throw new KubernetesError('ERR_K8S_INVALID_CIDR', reason, { ...where, path });
    }
    out.push(r.prefix);
  }
  return out;
}

const INT64_MAX = (1n << 63n) - 1n;

/**
 * rangeSize returns the number of addresses in a prefix as Kubernetes' `RangeSize` (k8s.io/utils/net) counts
 * them: 0 when 31 or more host bits (IPv4) or 127 or more (IPv6) are left, which Kubernetes treats as too large to
 * be meant; 2^63 − 1 when the count would overflow an int64; otherwise 2^(host bits).
 *
 * @example
 * ```ts
 * rangeSize(parseCIDRSloppy('192.168.1.0/24')); // 256n
 * rangeSize(parseCIDRSloppy('2001:db8::/64')); // 9223372036854775807n
 * ```
 */
export function rangeSize(prefix: Prefix): bigint {
  const bitLength = prefix.addr.bitLength;
  const host = bitLength - prefix.bits;
  if (host >= bitLength - 1) return 0n;
  if (host >= 63) return INT64_MAX;
  return 1n << BigInt(host);
}

/**
 * indexedIP returns the address `index` places after the first address of `prefix`, as Kubernetes'
 * `GetIndexedIP` (k8s.io/utils/net) does: index 1 of `10.96.0.0/12` is `10.96.0.1`, the `kubernetes.default`
 * Service. A string is read with {@link parseCIDRSloppy}; a Prefix is counted from its masked first address.
 *
 * @throws {@link KubernetesError} `ERR_K8S_CIDR_OUTSIDE` when the address falls outside the prefix (a negative
 *   index, or one past its last address), `ERR_K8S_INVALID_CIDR` for a string that does not parse,
 *   `ERR_K8S_INVALID_ARGUMENT` for an index that is not an integer.
 * @example
 * ```ts
 * indexedIP('192.168.1.0/24', 20).toString(); // '192.168.1.20'
 * ```
 */
export function indexedIP(prefix: Prefix | string, index: number | bigint): Addr {
  const p = typeof prefix === 'string' ? parseCIDRSloppy(prefix) : prefix;
  if (!(p instanceof Prefix)) {
    throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', 'indexedIP: prefix must be a Prefix or a string');
  }
  if (typeof index !== 'bigint' && !Number.isSafeInteger(index)) {
    throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `indexedIP: index ${q(index)} is not an integer`);
  }
  const ip = p.first().add(index);
  if (ip === undefined || !p.contains(ip)) {
    throw new KubernetesError(
      'ERR_K8S_CIDR_OUTSIDE',
      `indexedIP: can't generate IP with index ${index} from subnet ${p}: subnet too small`,
    );
  }
  return ip;
}

/** The strict reading of Go's `netip.ParseAddr`: core's parser, without zones. */
function strictAddr(value: string): Addr | undefined {
  const a = Addr.tryParse(value);
  return a === undefined || a.zone !== undefined ? undefined : a;
}

/**
 * The strict reading of Go's `netip.ParsePrefix`: split at the last "/", a strict address without zone, a
 * decimal length without sign or leading zeros, host bits kept.
 */
function strictPrefix(value: string): { addr: Addr; bits: number } | undefined {
  const slash = value.lastIndexOf('/');
  if (slash < 0) return undefined;
  const addr = strictAddr(value.slice(0, slash));
  if (addr === undefined) return undefined;
  const n = value.length;
  if (slash + 1 === n || (n - slash > 2 && value.charCodeAt(slash + 1) === 48)) return undefined;
  let bits = 0;
  for (let i = slash + 1; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    bits = bits * 10 + (c - 48);
    if (bits > addr.bitLength) return undefined;
  }
  return { addr, bits };
}

/** A field.Invalid error as Kubernetes prints it: `path: Invalid value: "v": detail`. */
function invalid(fieldPath: string | undefined, value: string, detail: string): string {
  const body = `Invalid value: ${q(value)}: ${detail}`;
  return fieldPath ? `${fieldPath}: ${body}` : body;
}

/** Prefixes a warning with its field path, as Kubernetes' warnings are. */
function warning(fieldPath: string, text: string): string {
  return fieldPath ? `${fieldPath}: ${text}` : text;
}

/** Options of {@link validateIP} and {@link validateCIDR}. */
export interface AddressValidationOptions {
  /**
   * AddressValidationOptions.fieldPath is the field the value came from, e.g. `spec.clusterIPs[0]`; it starts each
   * message, as in Kubernetes' `field.Error`.
   */
  readonly fieldPath?: string;
  /**
   * AddressValidationOptions.legacy selects the rules of a legacy API field (`IsValidIPForLegacyField`,
   * `IsValidCIDRForLegacyField`): anything the sloppy parser reads is accepted, canonical form or not.
   */
  readonly legacy?: boolean;
  /**
   * AddressValidationOptions.strictIPCIDRValidation is Kubernetes' `StrictIPCIDRValidation` feature gate (alpha in
   * 1.33, off by default): with `legacy`, it also refuses leading zeros, IPv4-mapped IPv6 addresses and (for CIDRs)
   * host bits. Without `legacy` those are refused anyway.
   */
  readonly strictIPCIDRValidation?: boolean;
  /**
   * AddressValidationOptions.validOldValues are the values of the field in the object being updated: with `legacy`,
   * a value found there is accepted unchanged, as Kubernetes accepts what it accepted before.
   */
  readonly validOldValues?: readonly string[];
}

/** The legacy and strict checks of an IP address (apimachinery's `parseIP`). */
function checkIP(fieldPath: string | undefined, value: string, strict: boolean): { ip?: Addr; problems: string[] } {
  const ip = typeof value === 'string' ? tryParseIPSloppy(value) : undefined;
  if (ip === undefined) {
    return { problems: [invalid(fieldPath, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')] };
  }
  const problems: string[] = [];
  if (strict) {
    const addr = strictAddr(value);
    // What the sloppy parser reads and the strict one does not has leading zeros.
    if (addr === undefined) problems.push(invalid(fieldPath, value, 'must not have leading 0s'));
    else if (addr.is4In6()) problems.push(invalid(fieldPath, value, 'must not be an IPv4-mapped IPv6 address'));
  }
  return { ip, problems };
}

/**
 * validateIP checks an IP address as Kubernetes validates API fields and returns the problems, each a message in
 * Kubernetes' words (`spec.clusterIPs[0]: Invalid value: "1.1.1.01": must not have leading 0s`); an empty array
 * means valid.
 *
 * By default it is `IsValidIP` (k8s.io/apimachinery validation/ip.go), for new fields such as `IPAddress` names:
 * the address must be in canonical form (dotted decimal without leading zeros, RFC 5952 for IPv6, no IPv4-mapped
 * IPv6). With `legacy` it is `IsValidIPForLegacyField`, for fields that predate strict validation (Pod `podIPs`,
 * Service `clusterIPs`, ...): anything {@link parseIPSloppy} reads, unless `strictIPCIDRValidation` is on, or the
 * value is one of `validOldValues`.
 *
 * @example
 * ```ts
 * validateIP('1234::ABCD'); // ['Invalid value: "1234::ABCD": must be in canonical form ("1234::abcd")']
 * validateIP('010.0.0.1', { legacy: true }); // []
 * ```
 */
export function validateIP(value: string, options: AddressValidationOptions = {}): string[] {
  const { fieldPath, legacy = false, strictIPCIDRValidation = false, validOldValues } = options;
  if (legacy) {
    if (validOldValues?.includes(value)) return [];
    return checkIP(fieldPath, value, strictIPCIDRValidation).problems;
  }
  const { ip, problems } = checkIP(fieldPath, value, true);
  if (problems.length === 0 && ip !== undefined && value !== ip.toString()) {
    problems.push(invalid(fieldPath, value, `must be in canonical form (${q(ip.toString())})`));
  }
  return problems;
}

/** The legacy and strict checks of a CIDR (apimachinery's `parseCIDR`). */
function checkCIDR(
  fieldPath: string | undefined,
  value: string,
  strict: boolean,
): { cidr?: ParsedCIDR; problems: string[] } {
  const cidr = cidrSloppy(value);
  if (!('prefix' in cidr)) {
    return { problems: [invalid(fieldPath, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')] };
  }
  const problems: string[] = [];
  if (strict) {
    const p = strictPrefix(value);
    if (p === undefined) problems.push(invalid(fieldPath, value, 'must not have leading 0s in IP or prefix length'));
    else if (p.addr.is4In6()) problems.push(invalid(fieldPath, value, 'must not have an IPv4-mapped IPv6 address'));
    else if (!p.addr.equals(p.addr.prefix(p.bits).addr)) {
      problems.push(invalid(fieldPath, value, 'must not have bits set beyond the prefix length'));
    }
  }
  return { cidr, problems };
}

/**
 * validateCIDR checks a CIDR value as Kubernetes validates API fields and returns the problems in Kubernetes'
 * words; an empty array means valid.
 *
 * By default it is `IsValidCIDR` (k8s.io/apimachinery validation/ip.go), for new fields such as
 * `ServiceCIDR.spec.cidrs`: a network (no host bits set) in canonical form. With `legacy` it is
 * `IsValidCIDRForLegacyField`, for older fields (`spec.podCIDRs`, `loadBalancerSourceRanges`, ...): anything
 * {@link parseCIDRSloppy} reads, host bits and leading zeros included, unless `strictIPCIDRValidation` is on, or the
 * value is one of `validOldValues`. Use {@link validateInterfaceAddress} for `ip addr` style values.
 *
 * @example
 * ```ts
 * validateCIDR('1.2.3.4/24'); // ['Invalid value: "1.2.3.4/24": must not have bits set beyond the prefix length']
 * validateCIDR('1.2.3.4/24', { legacy: true }); // []
 * ```
 */
export function validateCIDR(value: string, options: AddressValidationOptions = {}): string[] {
  const { fieldPath, legacy = false, strictIPCIDRValidation = false, validOldValues } = options;
  if (legacy) {
    if (validOldValues?.includes(value)) return [];
    return checkCIDR(fieldPath, value, strictIPCIDRValidation).problems;
  }
  const { cidr, problems } = checkCIDR(fieldPath, value, true);
  if (problems.length === 0 && cidr !== undefined && value !== cidr.prefix.toString()) {
    problems.push(invalid(fieldPath, value, `must be in canonical form (${q(cidr.prefix.toString())})`));
  }
  return problems;
}

/**
 * validateInterfaceAddress checks an interface address, an address with the length of its subnet as `ip addr`
 * shows it (`192.168.1.5/24`), as Kubernetes' `IsValidInterfaceAddress` (k8s.io/apimachinery validation/ip.go)
 * does, and returns the problems in Kubernetes' words; an empty array means valid. The value must be in canonical
 * form: the address as {@link validateIP} wants it and the length without leading zeros; an IPv4-mapped address is
 * written as IPv4 (`::ffff:1.1.1.1/120` should be `1.1.1.1/24`).
 *
 * @example
 * ```ts
 * validateInterfaceAddress('1.2.3.4/24'); // []
 * validateInterfaceAddress('1.1.01.002/24');
 * // ['Invalid value: "1.1.01.002/24": must be in canonical form ("1.1.1.2/24")']
 * ```
 */
export function validateInterfaceAddress(
  value: string,
  options: Pick<AddressValidationOptions, 'fieldPath'> = {},
): string[] {
  const { fieldPath } = options;
  const cidr = cidrSloppy(value);
  if (!('prefix' in cidr)) {
    return [invalid(fieldPath, value, 'must be a valid address in CIDR form, (e.g. 10.9.8.7/24 or 2001:db8::1/64)')];
  }
  // Kubernetes takes the length as written and, for an IPv4 address, drops the 96 bits of an IPv4-mapped form.
  // Like Kubernetes, it does so for any length over 32, so `::ffff:1.1.1.1/40` is told to be `1.1.1.1/-56`.
  const length = cidr.ip.is4() && cidr.length > 32 ? cidr.length - 96 : cidr.length;
  const canonical = `${cidr.ip}/${length}`;
  return value === canonical ? [] : [invalid(fieldPath, value, `must be in canonical form (${q(canonical)})`)];
}

/**
 * warningsForIP returns the warnings Kubernetes' `GetWarningsForIP` (k8s.io/apimachinery validation/ip.go) gives
 * for an IP address in a legacy field: one for a non-standard form (leading zeros, IPv4-mapped IPv6) naming the
 * form to use, or one for IPv6 not in RFC 5952 canonical form. Each starts with `fieldPath`. A value that
 * {@link validateIP} with `legacy` refuses gets no warnings (validate first).
 *
 * @example
 * ```ts
 * warningsForIP('spec.clusterIPs[0]', '192.012.2.2');
 * // ['spec.clusterIPs[0]: non-standard IP address "192.012.2.2" is invalid: use "192.12.2.2"']
 * ```
 */
export function warningsForIP(fieldPath: string, value: string): string[] {
  const ip = typeof value === 'string' ? tryParseIPSloppy(value) : undefined;
  if (ip === undefined) return [];
  const addr = strictAddr(value);
  if (addr === undefined || addr.is4In6()) {
    return [warning(fieldPath, `non-standard IP address ${q(value)} is invalid: use ${q(ip.toString())}`)];
  }
  if (addr.is6() && addr.toString() !== value) {
    const canonical = addr.toString();
    return [warning(fieldPath, `IPv6 address ${q(value)} should be in RFC 5952 canonical format (${q(canonical)})`)];
  }
  return [];
}

/**
 * warningsForCIDR returns the warnings Kubernetes' `GetWarningsForCIDR` (k8s.io/apimachinery validation/ip.go)
 * gives for a CIDR value in a legacy field: host bits set (ambiguous between the network and the single address),
 * a non-standard form (leading zeros, IPv4-mapped IPv6) naming the form to use, or, when neither, IPv6 not in
 * RFC 5952 canonical form. Each starts with `fieldPath`. A value that {@link validateCIDR} with `legacy` refuses
 * gets no warnings (validate first).
 *
 * @example
 * ```ts
 * warningsForCIDR('spec.loadBalancerSourceRanges[0]', '192.12.2.8/24');
 * // ['spec.loadBalancerSourceRanges[0]: CIDR value "192.12.2.8/24" is ambiguous in this context
 * //   (should be "192.12.2.0/24" or "192.12.2.8/32"?)']
 * ```
 */
export function warningsForCIDR(fieldPath: string, value: string): string[] {
  const cidr = cidrSloppy(value);
  if (!('prefix' in cidr)) return [];
  const warnings: string[] = [];
  const network = cidr.prefix.toString();
  if (!cidr.ip.equals(cidr.prefix.addr)) {
    const single = `${cidr.ip}/${cidr.maskBits}`;
    const text = `CIDR value ${q(value)} is ambiguous in this context (should be ${q(network)} or ${q(single)}?)`;
    warnings.push(warning(fieldPath, text));
  }
  const p = strictPrefix(value);
  if (p === undefined || p.addr.is4In6()) {
    warnings.push(warning(fieldPath, `non-standard CIDR value ${q(value)} is invalid: use ${q(network)}`));
  }
  if (warnings.length === 0 && p !== undefined && p.addr.is6()) {
    const canonical = `${p.addr}/${p.bits}`;
    if (canonical !== value) {
      const text = `IPv6 CIDR value ${q(value)} should be in RFC 5952 canonical format (${q(canonical)})`;
      warnings.push(warning(fieldPath, text));
    }
  }
  return warnings;
}
