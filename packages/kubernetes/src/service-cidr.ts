import { Addr, InvalidArgumentError, ParseError, Prefix } from '@ipam/core';

/** Reads a service CIDR as Kubernetes does: a string or a Prefix, host bits cleared. */
function serviceCIDR(api: string, cidr: string | Prefix): Prefix {
  if (cidr instanceof Prefix) return cidr.masked();
  if (typeof cidr !== 'string') throw new InvalidArgumentError(api, 'the service CIDR must be a string or a Prefix');
  const slash = cidr.indexOf('/');
  if (slash < 0) return Prefix.parse(cidr); // throws ParseError: no "/"
  const addr = Addr.parse(cidr.slice(0, slash));
  const len = cidr.slice(slash + 1);
  const bits = /^(0|[1-9][0-9]{0,2})$/.test(len) ? Number(len) : NaN;
  if (!(bits <= addr.bitLength)) throw new ParseError(api, cidr, `prefix length must be an integer in 0…${addr.bitLength}`, slash + 1);
  return addr.prefix(bits);
}

/** Kubernetes' RangeSize: the addresses in the prefix, 0 for IPv4 /31–/32 and IPv6 /127–/128, capped at 2^63 − 1. */
function rangeSize(p: Prefix): bigint {
  const host = p.addr.bitLength - p.bits;
  if (host <= 1) return 0n;
  if (host >= 63) return (1n << 63n) - 1n;
  return 1n << BigInt(host);
}

/**
 * serviceIPRangeOffset returns the size of the static band of a Service ClusterIP range (KEP-3070): the first
 * addresses after the network address, which the dynamic allocator only uses once the rest is full.
 * It is min(max(16, size / 16), 256), and 0 for ranges of 16 addresses or fewer, as kube-apiserver computes it.
 *
 * @example
 * ```ts
 * serviceIPRangeOffset('10.96.0.0/12'); // 256
 * serviceIPRangeOffset('192.168.1.0/24'); // 16
 * ```
 */
export function serviceIPRangeOffset(cidr: string | Prefix): number {
  const size = rangeSize(serviceCIDR('serviceIPRangeOffset', cidr));
  if (size <= 16n) return 0;
  const offset = size / 16n;
  return offset < 16n ? 16 : offset > 256n ? 256 : Number(offset);
}

/** The address at `index` after the network address, failing as Kubernetes' GetIndexedIP does past the range. */
function indexedIP(api: string, cidr: string | Prefix, index: number): Addr {
  const p = serviceCIDR(api, cidr);
  // kube-apiserver counts at most 2^16 addresses in an IPv6 service range.
  const usable = p.family === 6 && p.size > 65536n ? 65536n : p.size;
  if (BigInt(index) >= usable) {
    throw new InvalidArgumentError(api, `service CIDR ${p} has ${usable} addresses, too few for the address at index ${index}`);
  }
  return p.first().add(index)!;
}

/**
 * kubernetesServiceIP returns the ClusterIP of the `kubernetes.default` Service: the first address after the
 * network address of the service CIDR (host bits are cleared first).
 * @throws InvalidArgumentError when the range is too small to hold it.
 * @example
 * ```ts
 * kubernetesServiceIP('10.96.0.0/12').toString(); // '10.96.0.1'
 * ```
 */
export function kubernetesServiceIP(cidr: string | Prefix): Addr {
  return indexedIP('kubernetesServiceIP', cidr, 1);
}

/**
 * dnsServiceIP returns the ClusterIP kubeadm gives the cluster DNS Service: the tenth address after the network
 * address of the service CIDR.
 * @throws InvalidArgumentError when the range is too small to hold it.
 * @example
 * ```ts
 * dnsServiceIP('10.96.0.0/12').toString(); // '10.96.0.10'
 * ```
 */
export function dnsServiceIP(cidr: string | Prefix): Addr {
  return indexedIP('dnsServiceIP', cidr, 10);
}
