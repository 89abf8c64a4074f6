import { Addr } from './addr.js';
import { InvalidArgumentError, quote } from './ipam-error.js';
import { Prefix } from './prefix.js';
import { PrefixTrie } from './prefix-trie.js';

/**
 * SpecialRangeKind says what a {@link SpecialRange} is for, in one word a network planner can filter on:
 * `private` (RFC 1918), `shared` (carrier-grade NAT, RFC 6598), `unique-local` (RFC 4193), `documentation`,
 * `translation` (NAT64), `transition` (6to4, DS-Lite, 6a44), `anycast` (service anycast such as AS112 or AMT)
 * and so on.
 */
export type SpecialRangeKind =
  | 'anycast'
  | 'benchmarking'
  | 'broadcast'
  | 'discard'
  | 'documentation'
  | 'drone-id'
  | 'dummy'
  | 'ipv4-mapped'
  | 'link-local'
  | 'loopback'
  | 'multicast'
  | 'orchid'
  | 'private'
  | 'protocol-assignments'
  | 'reserved'
  | 'segment-routing'
  | 'shared'
  | 'teredo'
  | 'this-network'
  | 'transition'
  | 'translation'
  | 'unique-local'
  | 'unspecified';

/**
 * SpecialRange is one block of {@link SPECIAL_RANGES}: a row of the IANA IPv4 or IPv6 Special-Purpose Address
 * Registry (RFC 6890 section 2.2), or one of the two multicast blocks.
 *
 * The five booleans are the registry's columns as RFC 6890 defines them. They are undefined where the registry
 * gives no boolean: every column of a deprecated block (`192.88.99.0/24`, `2001:10::/28`) is empty, and global
 * reachability of Teredo (`2001::/32`) and 6to4 (`2002::/16`) is "N/A". The multicast blocks `224.0.0.0/4` and
 * `ff00::/8` are not in the special-purpose registries; their booleans follow RFC 1112, RFC 5771 and RFC 4291, and
 * forwarding and reachability are undefined because they depend on the multicast scope.
 */
export interface SpecialRange {
  /** SpecialRange.prefix is the block, in canonical form. */
  readonly prefix: Prefix;
  /** SpecialRange.name is the registry's name for the block, such as `Private-Use` or `Shared Address Space`. */
  readonly name: string;
  /** SpecialRange.rfc cites the RFC that assigned the block, such as `RFC 1918`; several are comma-separated. */
  readonly rfc: string;
  /** SpecialRange.kind is what the block is for (see {@link SpecialRangeKind}). */
  readonly kind: SpecialRangeKind;
  /**
   * SpecialRange.source reports whether an address of the block is valid as the source of a datagram that
   * crosses a router.
   */
  readonly source: boolean | undefined;
  /**
   * SpecialRange.destination reports whether an address of the block is valid as the destination of a datagram
   * that crosses a router.
   */
  readonly destination: boolean | undefined;
  /**
   * SpecialRange.forwardable reports whether a router may forward a datagram addressed into the block between
   * external interfaces.
   */
  readonly forwardable: boolean | undefined;
  /**
   * SpecialRange.globallyReachable reports whether a datagram addressed into the block may be forwarded beyond
   * an administrative domain.
   */
  readonly globallyReachable: boolean | undefined;
  /**
   * SpecialRange.reservedByProtocol reports whether IP itself requires implementations to treat addresses of the
   * block specially.
   */
  readonly reservedByProtocol: boolean | undefined;
}

/**
 * One table row. `flags` spells the registry columns Source, Destination, Forwardable, Globally Reachable and
 * Reserved-by-Protocol, in that order, as T (True), F (False) or - (empty or N/A).
 */
function row(prefix: string, name: string, rfc: string, kind: SpecialRangeKind, flags: string): SpecialRange {
  const [source, destination, forwardable, globallyReachable, reservedByProtocol] = [...flags].map((f) =>
    f === '-' ? undefined : f === 'T',
  );
  return Object.freeze({
    prefix: Prefix.parse(prefix),
    name,
    rfc,
    kind,
    source,
    destination,
    forwardable,
    globallyReachable,
    reservedByProtocol,
  });
}

/**
 * SPECIAL_RANGES is the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and the RFCs that
 * updated them, as of the registries' 2025 revisions) plus the multicast blocks `224.0.0.0/4` (RFC 5771) and
 * `ff00::/8` (RFC 4291): every block of address space with a special meaning, with the registry's booleans.
 *
 * The table is frozen and sorted in {@link Prefix.compare} order: IPv4 before IPv6, by address, a block before the
 * blocks inside it (`192.0.0.0/24` before `192.0.0.9/32`). Blocks nest but never repeat. Use
 * {@link specialRangesOf} to look an address or prefix up.
 */
export const SPECIAL_RANGES: readonly SpecialRange[] = Object.freeze([
  // row(block, registry name, RFC, kind, Source Destination Forwardable Globally-Reachable Reserved-by-Protocol)
  row('0.0.0.0/8', '"This network"', 'RFC 791', 'this-network', 'TFFFT'),
  row('0.0.0.0/32', '"This host on this network"', 'RFC 1122', 'unspecified', 'TFFFT'),
  row('10.0.0.0/8', 'Private-Use', 'RFC 1918', 'private', 'TTTFF'),
  row('100.64.0.0/10', 'Shared Address Space', 'RFC 6598', 'shared', 'TTTFF'),
  // Loopback: the registry notes that some protocols (RFC 8029, RFC 5884) are granted exceptions.
  row('127.0.0.0/8', 'Loopback', 'RFC 1122', 'loopback', 'FFFFT'),
  row('169.254.0.0/16', 'Link Local', 'RFC 3927', 'link-local', 'TTFFT'),
  row('172.16.0.0/12', 'Private-Use', 'RFC 1918', 'private', 'TTTFF'),
  // Not usable unless by virtue of a more specific reservation (registry footnote).
  row('192.0.0.0/24', 'IETF Protocol Assignments', 'RFC 6890', 'protocol-assignments', 'FFFFF'),
  // DS-Lite B4/AFTR and similar (RFC 7335 generalized the RFC 6333 DS-Lite block).
  row('192.0.0.0/29', 'IPv4 Service Continuity Prefix', 'RFC 7335', 'transition', 'TTTFF'),
  row('192.0.0.8/32', 'IPv4 dummy address', 'RFC 7600', 'dummy', 'TFFFF'),
  row('192.0.0.9/32', 'Port Control Protocol Anycast', 'RFC 7723', 'anycast', 'TTTTF'),
  row('192.0.0.10/32', 'Traversal Using Relays around NAT Anycast', 'RFC 8155', 'anycast', 'TTTTF'),
  row('192.0.0.170/32', 'NAT64/DNS64 Discovery', 'RFC 8880, RFC 7050', 'translation', 'FFFFT'),
  row('192.0.0.171/32', 'NAT64/DNS64 Discovery', 'RFC 8880, RFC 7050', 'translation', 'FFFFT'),
  row('192.0.2.0/24', 'Documentation (TEST-NET-1)', 'RFC 5737', 'documentation', 'FFFFF'),
  row('192.31.196.0/24', 'AS112-v4', 'RFC 7535', 'anycast', 'TTTTF'),
  row('192.52.193.0/24', 'AMT', 'RFC 7450', 'anycast', 'TTTTF'),
  // Terminated in 2015: the registry leaves every column empty.
  row('192.88.99.0/24', 'Deprecated (6to4 Relay Anycast)', 'RFC 7526', 'transition', '-----'),
  row('192.88.99.2/32', '6a44-relay anycast address', 'RFC 6751', 'transition', 'TTTFF'),
  row('192.168.0.0/16', 'Private-Use', 'RFC 1918', 'private', 'TTTFF'),
  row('192.175.48.0/24', 'Direct Delegation AS112 Service', 'RFC 7534', 'anycast', 'TTTTF'),
  row('198.18.0.0/15', 'Benchmarking', 'RFC 2544', 'benchmarking', 'TTTFF'),
  row('198.51.100.0/24', 'Documentation (TEST-NET-2)', 'RFC 5737', 'documentation', 'FFFFF'),
  row('203.0.113.0/24', 'Documentation (TEST-NET-3)', 'RFC 5737', 'documentation', 'FFFFF'),
  // Not in the special-purpose registry. Never a source (RFC 1112 section 4); forwarding and reachability depend
  // on the scope (224.0.0.0/24 stays on the link, 239.0.0.0/8 is administratively scoped, RFC 2365); IP itself
  // gives the block its multicast meaning, as it does the reserved 240.0.0.0/4.
  row('224.0.0.0/4', 'Multicast', 'RFC 5771', 'multicast', 'FT--T'),
  row('240.0.0.0/4', 'Reserved', 'RFC 1112', 'reserved', 'FFFFT'),
  row('255.255.255.255/32', 'Limited Broadcast', 'RFC 8190, RFC 919', 'broadcast', 'FTFFT'),

  row('::/128', 'Unspecified Address', 'RFC 4291', 'unspecified', 'TFFFT'),
  row('::1/128', 'Loopback Address', 'RFC 4291', 'loopback', 'FFFFT'),
  row('::ffff:0:0/96', 'IPv4-mapped Address', 'RFC 4291', 'ipv4-mapped', 'FFFFT'),
  row('64:ff9b::/96', 'IPv4-IPv6 Translat.', 'RFC 6052', 'translation', 'TTTTF'),
  row('64:ff9b:1::/48', 'IPv4-IPv6 Translat.', 'RFC 8215', 'translation', 'TTTFF'),
  row('100::/64', 'Discard-Only Address Block', 'RFC 6666', 'discard', 'TTTFF'),
  row('100:0:0:1::/64', 'Dummy IPv6 Prefix', 'RFC 9780', 'dummy', 'TFFFF'),
  // False "unless allowed by a more specific allocation" (registry footnote), such as those below.
  row('2001::/23', 'IETF Protocol Assignments', 'RFC 2928', 'protocol-assignments', 'FFFFF'),
  // Global reachability N/A: see RFC 4380 section 5.
  row('2001::/32', 'TEREDO', 'RFC 4380, RFC 8190', 'teredo', 'TTT-F'),
  row('2001:1::1/128', 'Port Control Protocol Anycast', 'RFC 7723', 'anycast', 'TTTTF'),
  row('2001:1::2/128', 'Traversal Using Relays around NAT Anycast', 'RFC 8155', 'anycast', 'TTTTF'),
  row('2001:1::3/128', 'DNS-SD Service Registration Protocol Anycast', 'RFC 9665', 'anycast', 'TTTTF'),
  // The registry also cites RFC Errata 1752, which corrected the block to 2001:2::/48.
  row('2001:2::/48', 'Benchmarking', 'RFC 5180', 'benchmarking', 'TTTFF'),
  row('2001:3::/32', 'AMT', 'RFC 7450', 'anycast', 'TTTTF'),
  row('2001:4:112::/48', 'AS112-v6', 'RFC 7535', 'anycast', 'TTTTF'),
  // Terminated in 2014: the registry leaves every column empty.
  row('2001:10::/28', 'Deprecated (previously ORCHID)', 'RFC 4843', 'orchid', '-----'),
  row('2001:20::/28', 'ORCHIDv2', 'RFC 7343', 'orchid', 'TTTTF'),
  row('2001:30::/28', 'Drone Remote ID Protocol Entity Tags (DETs) Prefix', 'RFC 9374', 'drone-id', 'TTTTF'),
  row('2001:db8::/32', 'Documentation', 'RFC 3849', 'documentation', 'FFFFF'),
  // Global reachability N/A: see RFC 3056.
  row('2002::/16', '6to4', 'RFC 3056', 'transition', 'TTT-F'),
  row('2620:4f:8000::/48', 'Direct Delegation AS112 Service', 'RFC 7534', 'anycast', 'TTTTF'),
  row('3fff::/20', 'Documentation', 'RFC 9637', 'documentation', 'FFFFF'),
  row('5f00::/16', 'Segment Routing (SRv6) SIDs', 'RFC 9602', 'segment-routing', 'TTTFF'),
  // Drawn from global unicast space but specified as not globally routed (registry footnote).
  row('fc00::/7', 'Unique-Local', 'RFC 4193, RFC 8190', 'unique-local', 'TTTFF'),
  row('fe80::/10', 'Link-Local Unicast', 'RFC 4291', 'link-local', 'TTFFT'),
  // Not in the special-purpose registry; as for 224.0.0.0/4 (never a source: RFC 4291 section 2.7).
  row('ff00::/8', 'Multicast', 'RFC 4291', 'multicast', 'FT--T'),
]);

const TRIE = new PrefixTrie(SPECIAL_RANGES.map((r) => [r.prefix, r] as const));

/**
 * specialRangesOf returns the {@link SPECIAL_RANGES} blocks that concern `x`: for an address, the blocks that
 * contain it; for a prefix, the blocks that overlap it (those that contain it and those inside it). They come in
 * table order, so a block precedes the blocks inside it and, for an address, the most specific block is last.
 * An address that is in no block, such as `8.8.8.8`, gives `[]`.
 *
 * An address's zone is ignored (`fe80::1%eth0` is link-local). An IPv4-mapped address is IPv6, in
 * `::ffff:0:0/96` only; call {@link Addr.unmap} first to classify the IPv4 address inside it.
 *
 * @throws {@link InvalidArgumentError} when `x` is neither an {@link Addr} nor a {@link Prefix}.
 */
export function specialRangesOf(x: Addr | Prefix): SpecialRange[] {
  if (x instanceof Addr) return TRIE.covering(x.withZone('')).map(([, r]) => r);
  if (!(x instanceof Prefix)) {
    throw new InvalidArgumentError('specialRangesOf', `${quote(x)} is not an address or a prefix`);
  }
  const outside = TRIE.covering(x).filter(([p]) => p.bits < x.bits);
  return [...outside, ...TRIE.covered(x)].map(([, r]) => r);
}
