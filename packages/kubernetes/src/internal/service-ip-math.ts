/**
 * The address arithmetic behind kube-apiserver's Service ClusterIP allocators, kept out of the public API:
 * RangeSize and calculateRangeOffset (legacy bitmap, KEP-3070), hostsPerNetwork, broadcastAddress,
 * addOffsetAddress and ipIterator (the ServiceCIDR/IPAddress allocator), and the reading of a service range.
 * Quantities that Kubernetes keeps in uint64/int64 are bigints here.
 * @internal
 */
import { Addr, Prefix } from '@ipam/core';
import { KubernetesError } from '../kubernetes-error.js';
import { parseCIDRSloppy, parseIPSloppy, rangeSize, tryParseCIDRSloppy, tryParseIPSloppy } from '../netutils.js';

/** 2^63 − 1, Go's math.MaxInt64. */
export const MAX_INT64 = (1n << 63n) - 1n;
/** 2^64 − 1, Go's math.MaxUint64. */
export const MAX_UINT64 = (1n << 64n) - 1n;

/** The JSON rendering of caller input for messages, cut short. */
export function quoteInput(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(input.length > 80 ? `${input.slice(0, 80)}…` : input);
  if (input instanceof Addr || input instanceof Prefix) return JSON.stringify(input.toString());
  if (typeof input === 'bigint') return `${input}n`;
  try {
    return String(input);
  } catch {
    return `[${typeof input}]`;
  }
}

/**
 * Reads a service CIDR as kube-apiserver reads `--service-cluster-ip-range`: a Prefix, or a string through
 * Kubernetes' sloppy parser (ParseCIDRSloppy: IPv4 leading zeros are decimal, `::ffff:a.b.c.d/n` with n ≥ 96 is IPv4).
 * Host bits are cleared. A bad one is `ERR_K8S_INVALID_CIDR` naming `api` and the input.
 */
export function readServiceCIDR(api: string, cidr: unknown): Prefix {
  if (cidr instanceof Prefix) return cidr.masked();
  if (typeof cidr !== 'string') {
    throw new KubernetesError('ERR_K8S_INVALID_CIDR', `${api}(${quoteInput(cidr)}): the service CIDR must be a string or a Prefix`);
  }
  const p = tryParseCIDRSloppy(cidr);
  if (p !== undefined) return p;
  throw new KubernetesError('ERR_K8S_INVALID_CIDR', `${api}(${quoteInput(cidr)}): ${sloppyReason(() => parseCIDRSloppy(cidr))}`);
}

/**
 * Reads one address the way pkg/api/servicecidr does, with netip: an Addr, or a string in the strict grammar
 * (`::ffff:10.0.0.1` stays IPv6, leading zeros are refused). A bad one is `ERR_K8S_INVALID_IP`.
 */
export function readIP(api: string, ip: unknown): Addr {
  if (ip instanceof Addr) {
    if (ip.zone !== undefined) throw new KubernetesError('ERR_K8S_INVALID_IP', `${api}(${quoteInput(ip)}): a ClusterIP has no zone`);
    return ip;
  }
  if (typeof ip !== 'string') throw new KubernetesError('ERR_K8S_INVALID_IP', `${api}(${quoteInput(ip)}): expected an IP address string or an Addr`);
  const a = Addr.tryParse(ip);
  if (a === undefined) throw new KubernetesError('ERR_K8S_INVALID_IP', `${api}(${quoteInput(ip)}): not an IP address`);
  if (a.zone !== undefined) throw new KubernetesError('ERR_K8S_INVALID_IP', `${api}(${quoteInput(ip)}): a ClusterIP has no zone`);
  return a;
}

/**
 * Reads one ClusterIP as kube-apiserver reads the legacy `spec.clusterIPs` field before allocating it: an Addr
 * (kept as is, so a 4-in-6 Addr stays IPv6), or a string through Kubernetes' sloppy parser (ParseIPSloppy), so
 * `010.96.0.1` is 10.96.0.1 and `::ffff:10.96.0.1` is the IPv4 address. A bad one is `ERR_K8S_INVALID_IP`.
 */
export function readClusterIP(api: string, ip: unknown): Addr {
  if (typeof ip !== 'string') return readIP(api, ip);
  const a = tryParseIPSloppy(ip);
  if (a !== undefined) return a;
  throw new KubernetesError('ERR_K8S_INVALID_IP', `${api}(${quoteInput(ip)}): ${sloppyReason(() => parseIPSloppy(ip))}`);
}

/** The reason the sloppy parser gives, without its own API name and input. */
function sloppyReason(parse: () => unknown): string {
  try {
    parse();
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    const at = m.indexOf('): ');
    return at >= 0 ? m.slice(at + 3) : m;
  }
  return 'not valid';
}

/** k8s.io/utils/net RangeSize, the one in netutils.ts: re-exported for the allocator's arithmetic. */
export { rangeSize };

/** ipallocator calculateRangeOffset (KEP-3070): 0 when RangeSize ≤ 16, else RangeSize/16 clamped to 16…256. */
export function calculateRangeOffset(p: Prefix): number {
  const size = rangeSize(p);
  if (size <= 16n) return 0;
  const offset = size / 16n;
  return offset < 16n ? 16 : offset > 256n ? 256 : Number(offset);
}

/**
 * ipallocator hostsPerNetwork: the addresses the IPAddress allocator may hand out. 2^hostbits − 1 (no network
 * address), − 1 more for IPv4 (no broadcast), MaxUint64 from 64 host bits up, never below 0.
 */
export function hostsPerNetwork(p: Prefix): bigint {
  const host = p.addr.bitLength - p.bits;
  if (host >= 64) return MAX_UINT64;
  let max = (1n << BigInt(host)) - 1n;
  if (p.family === 4) max = max === 0n ? 0n : max - 1n;
  return max;
}

/** ipallocator broadcastAddress: the prefix's last address (all host bits set), for either family. */
export function broadcastAddress(p: Prefix): Addr {
  return p.masked().last();
}

/** ipallocator addOffsetAddress: `address + offset`, or undefined past the end of the family's space (Go's error). */
export function addOffsetAddress(address: Addr, offset: bigint): Addr | undefined {
  return address.add(offset);
}

/**
 * ipallocator ipIterator: every address of `[first, last]` once, starting at `first + offset` and wrapping around
 * to `first` after `last`. A start past `last` starts at `first` (no modulo: Kubernetes compares, it does not
 * divide); a start past the end of the address space yields nothing.
 */
export function* ipIterator(first: Addr, last: Addr, offset: bigint): Generator<Addr, void, undefined> {
  const wrap = (a: Addr | undefined): Addr => (a === undefined || a.compare(last) > 0 ? first : a);
  const added = addOffsetAddress(first, offset);
  if (added === undefined) return;
  const start = wrap(added);
  let ip = start;
  do {
    yield ip;
    ip = wrap(ip.next());
  } while (!ip.equals(start));
}
