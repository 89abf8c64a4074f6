import { Addr, Prefix } from '@ipam/core';
import { KubernetesError } from './kubernetes-error.js';
import { calculateRangeOffset, quoteInput, rangeSize, readIP, readServiceCIDR } from './internal/service-ip-math.js';

/**
 * serviceIPRangeOffset returns the size of the static band of a Service ClusterIP range (KEP-3070): the first
 * addresses after the network address, which the dynamic allocator only uses once the rest is full.
 * It is min(max(16, size / 16), 256), and 0 for ranges of 16 addresses or fewer, as kube-apiserver computes it,
 * where size is Kubernetes' RangeSize: 2^(host bits), capped at 2^63 − 1, and 0 for the IPv4 /0 and /1 and the
 * IPv6 /0 and /1. Host bits of `cidr` are cleared first.
 *
 * @throws {@link KubernetesError} `ERR_K8S_INVALID_CIDR` when `cidr` is not a CIDR.
 * @example
 * ```ts
 * serviceIPRangeOffset('10.96.0.0/12'); // 256
 * serviceIPRangeOffset('192.168.1.0/24'); // 16
 * serviceIPRangeOffset('192.168.1.0/28'); // 0: 16 addresses, no static band
 * ```
 */
export function serviceIPRangeOffset(cidr: string | Prefix): number {
  return calculateRangeOffset(readServiceCIDR('serviceIPRangeOffset', cidr));
}

/**
 * kubernetesServiceIP returns the ClusterIP of the `kubernetes.default` Service: the first address after the
 * network address of the service CIDR (host bits are cleared first), as kube-apiserver's ServiceIPRange does. Like
 * kube-apiserver, it refuses a range with fewer than 8 addresses (counting at most 65536, and an IPv4 /0 or /1 as
 * none, as Kubernetes' RangeSize does).
 *
 * @throws {@link KubernetesError} `ERR_K8S_SERVICE_RANGE_INVALID` for a range that is too small,
 * `ERR_K8S_INVALID_CIDR` when `cidr` is not a CIDR.
 * @example
 * ```ts
 * kubernetesServiceIP('10.96.0.0/12').toString(); // '10.96.0.1'
 * kubernetesServiceIP('fd00:10:96::/112').toString(); // 'fd00:10:96::1'
 * ```
 */
export function kubernetesServiceIP(cidr: string | Prefix): Addr {
  const api = 'kubernetesServiceIP';
  const p = readServiceCIDR(api, cidr);
  const size = rangeSize(p) < 65536n ? rangeSize(p) : 65536n;
  if (size < 8n) {
    throw new KubernetesError(
      'ERR_K8S_SERVICE_RANGE_INVALID',
      `${api}(${quoteInput(cidr)}): the service cluster IP range must be at least 8 IP addresses; ${p} counts ${size} (Kubernetes' RangeSize, at most 65536)`,
    );
  }
  return p.first().add(1)!;
}

/**
 * dnsServiceIP returns the ClusterIP kubeadm gives the cluster DNS Service: the tenth address after the network
 * address of the service CIDR (host bits cleared first), as kubeadm's GetDNSIP does.
 *
 * @throws {@link KubernetesError} `ERR_K8S_SERVICE_RANGE_INVALID` when the range does not reach that far,
 * `ERR_K8S_INVALID_CIDR` when `cidr` is not a CIDR.
 * @example
 * ```ts
 * dnsServiceIP('10.96.0.0/12').toString(); // '10.96.0.10'
 * dnsServiceIP('fd00:10:96::/112').toString(); // 'fd00:10:96::a'
 * ```
 */
export function dnsServiceIP(cidr: string | Prefix): Addr {
  const api = 'dnsServiceIP';
  const p = readServiceCIDR(api, cidr);
  if (p.size <= 10n) {
    throw new KubernetesError(
      'ERR_K8S_SERVICE_RANGE_INVALID',
      `${api}(${quoteInput(cidr)}): service CIDR ${p} has ${p.size} addresses, too few for the address at index 10`,
    );
  }
  return p.first().add(10)!;
}

/** ServiceClusterIPRangeRules names the rules {@link checkServiceClusterIPRange} applies; see `ServiceIPAllocatorKind`. */
export type ServiceClusterIPRangeRules = 'ipaddress' | 'bitmap';

/**
 * checkServiceClusterIPRange reads a `--service-cluster-ip-range` value (one CIDR; host bits are cleared) and applies
 * the size limits kube-apiserver puts on it, returning the range or throwing:
 *
 * - at least 8 addresses (ServiceIPRange; an IPv6 range counts at most 65536, an IPv4 /0 or /1 counts 0);
 * - `'bitmap'` (the legacy allocator, and 1.33 while it still writes the bitmap): at most 20 host bits, e.g. IPv4
 *   /12 or longer, IPv6 /108 or longer ("specified --service-cluster-ip-range is too large");
 * - `'ipaddress'` (the default, the ServiceCIDR allocator of 1.34 and later, which no longer writes the bitmap):
 *   IPv6 /64 or longer.
 *
 * @throws {@link KubernetesError} `ERR_K8S_SERVICE_RANGE_INVALID` naming the range and the limit,
 * `ERR_K8S_INVALID_CIDR` when `cidr` is not a CIDR.
 * @example
 * ```ts
 * checkServiceClusterIPRange('10.96.0.0/12').toString(); // '10.96.0.0/12'
 * checkServiceClusterIPRange('10.0.0.0/8', 'bitmap');    // throws: for 32-bit addresses, the mask must be >= 12
 * checkServiceClusterIPRange('10.0.0.0/30');             // throws: at least 8 IP addresses
 * ```
 */
export function checkServiceClusterIPRange(cidr: string | Prefix, rules: ServiceClusterIPRangeRules = 'ipaddress'): Prefix {
  const api = 'checkServiceClusterIPRange';
  const p = readServiceCIDR(api, cidr);
  if (rules !== 'ipaddress' && rules !== 'bitmap') {
    throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${api}: rules must be 'ipaddress' or 'bitmap', got ${quoteInput(rules)}`);
  }
  const fail = (reason: string): never => {
    throw new KubernetesError('ERR_K8S_SERVICE_RANGE_INVALID', `${api}(${quoteInput(cidr)}): ${reason}`);
  };
  const w = p.addr.bitLength;
  if (rules === 'bitmap' && w - p.bits > 20) fail(`specified --service-cluster-ip-range is too large; for ${w}-bit addresses, the mask must be >= ${w - 20}`);
  if (rules === 'ipaddress' && p.family === 6 && p.bits < 64) fail(`shortest allowed prefix length for service CIDR is 64, got ${p.bits}`);
  const size = rangeSize(p);
  if ((size < 65536n ? size : 65536n) < 8n) fail('the service cluster IP range must be at least 8 IP addresses');
  return p;
}

/**
 * ServiceCIDRLike is what the ServiceCIDR helpers read: a name and the `spec.cidrs` of a `networking.k8s.io/v1`
 * ServiceCIDR, as strings or `Prefix` values. `ServiceCIDRObject` from a discovered `ClusterNetwork` is one.
 */
export interface ServiceCIDRLike {
  /** ServiceCIDRLike.name is `metadata.name`. */
  readonly name: string;
  /** ServiceCIDRLike.cidrs is `spec.cidrs`: one or two prefixes, one per family. */
  readonly cidrs: readonly (string | Prefix)[];
}

/**
 * prefixContainsIP reports whether a ServiceCIDR prefix can hold `ip` as a ClusterIP, as Kubernetes'
 * servicecidr.PrefixContainsIP does: inside the prefix, not its network address and, for IPv4, not its broadcast
 * address (the last IPv6 address counts: the IPAddress allocator hands it out). An IPv4 address is never inside an
 * IPv6 prefix, nor the reverse (a 4-in-6 address stays IPv6).
 *
 * @throws {@link KubernetesError} `ERR_K8S_INVALID_CIDR` / `ERR_K8S_INVALID_IP` for unreadable input.
 * @example
 * ```ts
 * prefixContainsIP('192.168.0.0/24', '192.168.0.255'); // false: the IPv4 broadcast
 * prefixContainsIP('2001:db2::/96', '2001:db2::ffff:ffff'); // true
 * ```
 */
export function prefixContainsIP(prefix: string | Prefix, ip: string | Addr): boolean {
  const api = 'prefixContainsIP';
  return containsIP(readPrefix(api, prefix, {}), readIP(api, ip));
}

function containsIP(prefix: Prefix, ip: Addr): boolean {
  if (prefix.family !== ip.family || !prefix.contains(ip)) return false;
  const p = prefix.masked();
  if (p.addr.equals(ip)) return false;
  return !(ip.family === 4 && p.last().equals(ip));
}

function readPrefix(api: string, x: unknown, where: { object?: string; path?: string }): Prefix {
  if (x instanceof Prefix) return x;
  const p = typeof x === 'string' ? Prefix.tryParse(x) : undefined;
  if (p === undefined) throw new KubernetesError('ERR_K8S_INVALID_CIDR', `${api}: ${quoteInput(x)} is not a CIDR`, where);
  return p;
}

/** Runs `test` on every prefix of every object; returns the objects for which one matched, each once, in order. */
function select<T extends ServiceCIDRLike>(api: string, serviceCIDRs: Iterable<T>, test: (p: Prefix) => boolean): T[] {
  if (serviceCIDRs === null || typeof serviceCIDRs !== 'object' || !(Symbol.iterator in serviceCIDRs)) {
    throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${api}: serviceCIDRs must be an iterable of { name, cidrs }`);
  }
  const out: T[] = [];
  let i = 0;
  for (const s of serviceCIDRs) {
    const object = typeof s?.name === 'string' ? `ServiceCIDR/${s.name}` : `serviceCIDRs[${i}]`;
    if (s === null || typeof s !== 'object' || !Array.isArray(s.cidrs)) {
      throw new KubernetesError('ERR_K8S_INPUT_INVALID', `${api}: expected { name, cidrs: [...] }`, { object, path: 'spec.cidrs' });
    }
    let hit = false;
    s.cidrs.forEach((c, j) => {
      const p = readPrefix(api, c, { object, path: `spec.cidrs[${j}]` });
      if (!hit && test(p)) hit = true;
    });
    if (hit) out.push(s);
    i++;
  }
  return out;
}

/**
 * serviceCIDRsContainingAddress returns the ServiceCIDRs that can hold `ip` as a ClusterIP (servicecidr.ContainsAddress):
 * those with a prefix for which {@link prefixContainsIP} holds. Each matching object is returned once, in input order.
 *
 * @throws {@link KubernetesError} `ERR_K8S_INVALID_IP` for a bad address, `ERR_K8S_INVALID_CIDR` naming the object
 * and `spec.cidrs[j]` for a bad prefix.
 * @example
 * ```ts
 * const cidrs = [{ name: 'kubernetes', cidrs: ['10.0.0.0/24'] }, { name: 'secondary', cidrs: ['10.0.0.0/16'] }];
 * serviceCIDRsContainingAddress(cidrs, '10.0.0.255').map((s) => s.name); // ['secondary']: the /24's broadcast
 * ```
 */
export function serviceCIDRsContainingAddress<T extends ServiceCIDRLike>(serviceCIDRs: Iterable<T>, ip: string | Addr): T[] {
  const api = 'serviceCIDRsContainingAddress';
  const a = readIP(api, ip);
  return select(api, serviceCIDRs, (p) => containsIP(p, a));
}

/**
 * serviceCIDRsContainingPrefix returns the ServiceCIDRs with a prefix that contains all of `prefix`
 * (servicecidr.ContainsPrefix: same family, overlapping, and no longer). Each matching object once, in input order.
 *
 * @throws {@link KubernetesError} `ERR_K8S_INVALID_CIDR` for a bad prefix (naming the object and field when it is theirs).
 * @example
 * ```ts
 * const cidrs = [{ name: 'kubernetes', cidrs: ['10.0.0.0/24'] }, { name: 'secondary', cidrs: ['10.0.0.0/16'] }];
 * serviceCIDRsContainingPrefix(cidrs, '10.0.0.0/18').map((s) => s.name); // ['secondary']
 * ```
 */
export function serviceCIDRsContainingPrefix<T extends ServiceCIDRLike>(serviceCIDRs: Iterable<T>, prefix: string | Prefix): T[] {
  const api = 'serviceCIDRsContainingPrefix';
  const q = readPrefix(api, prefix, {});
  return select(api, serviceCIDRs, (p) => p.family === q.family && p.overlaps(q) && p.bits <= q.bits);
}

/**
 * serviceCIDRsOverlappingPrefix returns the ServiceCIDRs with a prefix that shares an address with `prefix`
 * (servicecidr.OverlapsPrefix), whichever contains the other. Each matching object once, in input order.
 *
 * @throws {@link KubernetesError} `ERR_K8S_INVALID_CIDR` for a bad prefix (naming the object and field when it is theirs).
 * @example
 * ```ts
 * const cidrs = [{ name: 'kubernetes', cidrs: ['10.0.0.0/24', '2001:db8::/96'] }];
 * serviceCIDRsOverlappingPrefix(cidrs, '10.0.0.0/8').map((s) => s.name); // ['kubernetes']
 * ```
 */
export function serviceCIDRsOverlappingPrefix<T extends ServiceCIDRLike>(serviceCIDRs: Iterable<T>, prefix: string | Prefix): T[] {
  const api = 'serviceCIDRsOverlappingPrefix';
  const q = readPrefix(api, prefix, {});
  return select(api, serviceCIDRs, (p) => p.overlaps(q));
}
