import { Addr, type Family, type IPSet, Prefix } from '@ipam/core';

/**
 * The arithmetic of cluster address planning, kept apart from option handling so tests can check it against
 * brute force. Everything here is Kubernetes' or host-local's counting rule, cited where it comes from.
 */

/** The address width of a family. */
export function widthOf(family: Family): 32 | 128 {
  return family === 4 ? 32 : 128;
}

/**
 * Pod addresses host-local (and kubenet, which delegates to it) hands out from a node block of mask `mask`:
 * `rangeStart` defaults to network + 1 and `rangeEnd` to broadcast − 1 (IPv4) or the last address (IPv6), and the
 * gateway (network + 1) is skipped. So an IPv4 block loses 3 addresses and an IPv6 block 2; IPv4 /31–/32 and
 * IPv6 /127–/128 are refused by host-local ("too small to allocate from") and count 0.
 */
export function podAddresses(family: Family, mask: number): bigint {
  const host = widthOf(family) - mask;
  if (host < 2) return 0n;
  return (1n << BigInt(host)) - (family === 4 ? 3n : 2n);
}

/**
 * ClusterIPs kube-apiserver can hand out from a service range of mask `mask`: the network address is never
 * allocated, nor the IPv4 broadcast address; an IPv6 range counts at most 2^16 addresses (the allocator's bitmap
 * limit, `ipallocator.NewAllocatorCIDRRange`). Ranges of fewer than 2 host bits count 0 (Kubernetes' RangeSize).
 */
export function serviceAddresses(family: Family, mask: number): bigint {
  const host = widthOf(family) - mask;
  if (host < 2) return 0n;
  if (family === 4) return (1n << BigInt(host)) - 2n;
  return (host > 16 ? 65536n : 1n << BigInt(host)) - 1n;
}

/** The number of host bits needed to count `n` things (n ≥ 1): ⌈log2 n⌉. */
export function bitsFor(n: number): number {
  let b = 0;
  while (2 ** b < n) b++;
  return b;
}

/**
 * The longest node mask (smallest node block) that holds `maxPods` pods under the planner's rule: host-local
 * hands out at least `maxPods` addresses from it, and the block has at least `addressesPerPod × maxPods`
 * addresses. Undefined when no block of the family is big enough.
 */
export function tightNodeMask(family: Family, maxPods: number, addressesPerPod: number): number | undefined {
  const w = widthOf(family);
  const wanted = Math.ceil(addressesPerPod * maxPods - 1e-9);
  for (let mask = w - 2; mask >= 0; mask--) {
    const size = 2 ** (w - mask);
    if (size >= wanted && podAddresses(family, mask) >= BigInt(maxPods)) return mask;
  }
  return undefined;
}

/** The smallest service range (longest mask) holding `services` ClusterIPs and the address at index 10, or undefined. */
export function tightServiceMask(family: Family, services: number): number | undefined {
  const w = widthOf(family);
  // At least 16 addresses: kube-apiserver wants 8 (ServiceIPRange), kubeadm's DNS address is the one at index 10.
  for (let mask = w - 4; mask >= w - MAX_SERVICE_HOST_BITS; mask--) {
    if (serviceAddresses(family, mask) >= BigInt(services)) return mask;
  }
  return undefined;
}

/**
 * The most host bits of a service range that kube-apiserver accepts with the bitmap allocator
 * (`validateMaxCIDRRange(..., maxCIDRBits = 20, ...)` in cmd/kube-apiserver/app/options/validation.go): IPv4 /12,
 * IPv6 /108. Kubernetes 1.33+ with the IPAddress allocator lifts it, but a plan within it works on every version.
 */
export const MAX_SERVICE_HOST_BITS = 20;

/** kube-controller-manager's cidrset limit on an IPv6 node mask minus the cluster mask (ErrCIDRSetSubNetTooBig). */
export const MAX_IPV6_MASK_DIFF = 16;

/**
 * Places two aligned blocks, lowest address first, in `free`: the larger first (the cluster CIDR on a tie).
 * Taking the larger block at its lowest fit never blocks the smaller one when any placement exists: aligned blocks
 * nest or are disjoint, so if the smaller one only fitted inside the chosen block, the larger one's other home is
 * wholly free and holds it.
 */
export function place(
  free: IPSet,
  family: Family,
  clusterMask: number,
  serviceMask: number,
): { cluster: Prefix; service: Prefix } | undefined {
  if (serviceMask < clusterMask) {
    const s = free.removeFreePrefix(serviceMask, family);
    const c = s?.rest.removeFreePrefix(clusterMask, family);
    return s && c ? { cluster: c.prefix, service: s.prefix } : undefined;
  }
  const c = free.removeFreePrefix(clusterMask, family);
  const s = c?.rest.removeFreePrefix(serviceMask, family);
  return c && s ? { cluster: c.prefix, service: s.prefix } : undefined;
}

/** The largest aligned block wholly inside `free` of the family (the lowest on a tie), or undefined when it is empty. */
export function largestBlock(free: IPSet, family: Family): Prefix | undefined {
  let best: Prefix | undefined;
  for (const p of free.prefixes()) {
    if (p.family === family && (best === undefined || p.bits < best.bits)) best = p;
  }
  return best;
}

/**
 * A ULA /48 (RFC 4193) chosen deterministically from `seed`: fd00::/8 followed by a 40-bit Global ID, the low
 * 40 bits of the 64-bit FNV-1a hash of the seed's UTF-8 bytes. RFC 4193 §3.2.2 asks for a pseudo-random Global ID;
 * a hash of a name the user picks (the cluster's) gives one that is random-looking and reproducible.
 */
export function ulaFromSeed(seed: string): Prefix {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(seed)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  const globalId = h & 0xffffffffffn;
  return Prefix.from(Addr.fromBigInt((0xfdn << 120n) | (globalId << 80n), 6), 48);
}

/** `n × (1 + growth)` rounded up, with floating-point noise forgiven (500 × 1.1 is 550, not 551). */
export function grow(n: number, growth: number): number {
  const v = n * (1 + growth);
  const r = Math.round(v);
  return Math.abs(v - r) <= 1e-9 * Math.max(1, v) ? r : Math.ceil(v);
}
