import { Addr, type Family, Prefix } from '@ipam/core';

/**
 * The geometry of a ClusterPool: its CIDRs cut into blocks of one length, numbered from 0 across the CIDRs in
 * address order, and the offsets inside a block that are never handed out.
 *
 * Reserved addresses: when `reserveEnds` is set (the default), the first address of every pool CIDR (the IPv4
 * network address; for IPv6 the Subnet-Router anycast address, RFC 4291 section 2.6.1) and, for IPv4, the last one
 * (the broadcast address) are never handed out — of the whole CIDR, not of every block, as CNI pools do (a /26 block
 * in the middle of a /16 has no broadcast address). CIDRs with fewer than 4 addresses reserve nothing (RFC 3021).
 */

/** MAX_BLOCK_HOST_BITS bounds a block at 2^12 = 4096 addresses so one block record stays well under etcd's 1.5 MiB request limit. */
export const MAX_BLOCK_HOST_BITS = 12;

export class PoolGeometry {
  /** The CIDRs in address order. */
  readonly cidrs: readonly Prefix[];
  /** The block prefix length. */
  readonly blockSize: number;
  /** The family of every CIDR. */
  readonly family: Family;
  /** Addresses per block. */
  readonly blockAddrs: number;
  /** Whether the ends of each CIDR are reserved. */
  readonly reserveEnds: boolean;
  /** Blocks in the whole pool. */
  readonly totalBlocks: bigint;
  readonly #counts: readonly bigint[];

  constructor(cidrs: readonly Prefix[], blockSize: number, reserveEnds: boolean) {
    this.cidrs = [...cidrs].sort(Prefix.compare);
    this.blockSize = blockSize;
    const first = this.cidrs[0];
    if (first === undefined) throw new Error('PoolGeometry: no CIDR');
    this.family = first.family;
    this.blockAddrs = 2 ** (first.addr.bitLength - blockSize);
    this.reserveEnds = reserveEnds;
    this.#counts = this.cidrs.map((c) => 1n << BigInt(blockSize - c.bits));
    this.totalBlocks = this.#counts.reduce((a, b) => a + b, 0n);
  }

  /** blockAt returns block number `index` (0 ≤ index < totalBlocks). */
  blockAt(index: bigint): Prefix {
    let i = index;
    for (let c = 0; c < this.cidrs.length; c++) {
      const n = this.#counts[c]!;
      if (i < n) {
        const cidr = this.cidrs[c]!;
        const v = cidr.addr.toBigInt() + i * BigInt(this.blockAddrs);
        return Prefix.from(Addr.fromBigInt(v, this.family), this.blockSize);
      }
      i -= n;
    }
    throw new RangeError(`PoolGeometry.blockAt: ${index} is not below ${this.totalBlocks}`);
  }

  /** indexOf returns the number of `block`, or undefined when it is not a block of this pool. */
  indexOf(block: Prefix): bigint | undefined {
    if (block.bits !== this.blockSize || block.family !== this.family) return undefined;
    let base = 0n;
    for (let c = 0; c < this.cidrs.length; c++) {
      const cidr = this.cidrs[c]!;
      if (cidr.containsPrefix(block)) {
        return base + (block.addr.toBigInt() - cidr.addr.toBigInt()) / BigInt(this.blockAddrs);
      }
      base += this.#counts[c]!;
    }
    return undefined;
  }

  /** cidrOf returns the pool CIDR that holds `addr`, or undefined. */
  cidrOf(addr: Addr): Prefix | undefined {
    return this.cidrs.find((c) => c.contains(addr));
  }

  /** blockOf returns the block that holds `addr`, or undefined when the address is outside the pool. */
  blockOf(addr: Addr): Prefix | undefined {
    if (addr.zone !== undefined || this.cidrOf(addr) === undefined) return undefined;
    return addr.prefix(this.blockSize);
  }

  /** addrAt returns the address at `offset` in `block`. */
  addrAt(block: Prefix, offset: number): Addr {
    return Addr.fromBigInt(block.addr.toBigInt() + BigInt(offset), this.family);
  }

  /** offsetOf returns the offset of `addr` in `block` (which must hold it). */
  offsetOf(block: Prefix, addr: Addr): number {
    return Number(addr.toBigInt() - block.addr.toBigInt());
  }

  /** reserved returns the offsets of `block` that are never handed out (see the module comment). */
  reserved(block: Prefix): readonly number[] {
    const cidr = this.cidrs.find((c) => c.containsPrefix(block));
    if (!this.reserveEnds || cidr === undefined || cidr.size < 4n) return [];
    const out: number[] = [];
    if (block.addr.equals(cidr.addr)) out.push(0);
    if (this.family === 4 && block.last().equals(cidr.last())) out.push(this.blockAddrs - 1);
    return out;
  }

  /** usable returns how many addresses of `block` can be handed out at all. */
  usable(block: Prefix): number {
    return this.blockAddrs - this.reserved(block).length;
  }

  /** usableTotal returns how many addresses of the whole pool can be handed out. */
  usableTotal(): bigint {
    let n = this.totalBlocks * BigInt(this.blockAddrs);
    if (this.reserveEnds) {
      for (const c of this.cidrs) if (c.size >= 4n) n -= this.family === 4 ? 2n : 1n;
    }
    return n;
  }
}
