import { InvalidArgumentError, ParseError, quote } from './ipam-error.js';
import { format4, format6 } from './internal/format.js';
import { mask32 } from './internal/bits.js';
import { fast4, isFailure, parse4, parse6 } from './internal/parse.js';
import { Prefix } from './prefix.js';

/** Family is an IP address family: 4 for IPv4, 6 for IPv6. */
export type Family = 4 | 6;

const TWO32 = 0x1_0000_0000;
const MAX128 = (1n << 128n) - 1n;

function checkFamily(api: string, family: unknown): asserts family is Family {
  if (family !== 4 && family !== 6) throw new InvalidArgumentError(api, `family must be 4 or 6, got ${quote(family)}`);
}

/**
 * Addr is an immutable IPv4 or IPv6 address, with an optional IPv6 zone, in the manner of Go's `netip.Addr`.
 *
 * Build one with {@link Addr.parse}, {@link Addr.tryParse}, {@link Addr.from4}, {@link Addr.from16},
 * {@link Addr.fromBigInt} or {@link Addr.fromUint32}. An IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) stays IPv6
 * until {@link Addr.unmap}; IPv4 addresses never equal IPv6 ones.
 *
 * @example
 * ```ts
 * Addr.parse('2001:DB8:0:0::1').toString(); // '2001:db8::1'
 * Addr.parse('10.0.0.255').next()?.toString(); // '10.0.1.0'
 * ```
 */
export class Addr {
  /** @internal The address family. */
  readonly _f: Family;
  /** @internal Big-endian 32-bit words of the 128-bit value; IPv4 uses only `_w3`. */
  readonly _w0: number;
  /** @internal The second word. */
  readonly _w1: number;
  /** @internal The third word. */
  readonly _w2: number;
  /** @internal The fourth word, and the whole IPv4 value. */
  readonly _w3: number;
  /** @internal The IPv6 zone, or undefined. */
  readonly _z: string | undefined;

  private constructor(f: Family, w0: number, w1: number, w2: number, w3: number, z: string | undefined) {
    this._f = f;
    this._w0 = w0;
    this._w1 = w1;
    this._w2 = w2;
    this._w3 = w3;
    this._z = z;
  }

  /** @internal Builds an address from its words without checks. */
  static _make(f: Family, w0: number, w1: number, w2: number, w3: number, z?: string): Addr {
    return new Addr(f, w0, w1, w2, w3, z);
  }

  /**
   * Addr.parse parses an IPv4 address in dotted decimal (`192.0.2.1`) or an IPv6 address in any RFC 4291 text
   * form (`2001:db8::1`, `::ffff:192.0.2.1`, `fe80::1%eth0`).
   *
   * The grammar is strict: no leading zeros in IPv4 fields (they were read as octal by some parsers), no octal,
   * hex or shortened IPv4 forms, no brackets, ports, prefixes or surrounding white space.
   *
   * @throws {@link ParseError} naming the input and the reason.
   */
  static parse(s: string): Addr {
    const v = typeof s === 'string' ? fast4(s) : -1;
    if (v >= 0) return new Addr(4, 0, 0, 0, v, undefined);
    const r = Addr.#parse(s);
    if (r instanceof Addr) return r;
    throw new ParseError('Addr.parse', s, r.reason, r.at);
  }

  /** Addr.tryParse is {@link Addr.parse} that returns undefined instead of throwing. */
  static tryParse(s: string): Addr | undefined {
    const v = typeof s === 'string' ? fast4(s) : -1;
    if (v >= 0) return new Addr(4, 0, 0, 0, v, undefined);
    const r = Addr.#parse(s);
    return r instanceof Addr ? r : undefined;
  }

  static #parse(s: string): Addr | { reason: string; at?: number } {
    if (typeof s !== 'string') return { reason: 'input is not a string' };
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 46) {
        const r = parse4(s, 0, n);
        return typeof r === 'number' ? new Addr(4, 0, 0, 0, r, undefined) : r;
      }
      if (c === 58) {
        const r = parse6(s, 0, n);
        return isFailure(r) ? r : new Addr(6, r.w0, r.w1, r.w2, r.w3, r.zone);
      }
      if (c === 37) return { reason: 'missing IPv6 address', at: i };
    }
    return { reason: n === 0 ? 'empty string' : 'unable to parse IP', at: 0 };
  }

  /** Addr.fromJSON reads the string that {@link Addr.toJSON} writes. */
  static fromJSON(json: string): Addr {
    return Addr.parse(json);
  }

  /** Addr.fromUint32 makes the IPv4 address whose 32-bit value is `v` (an integer in 0 … 2^32 − 1). */
  static fromUint32(v: number): Addr {
    if (!Number.isInteger(v) || v < 0 || v >= TWO32) {
      throw new InvalidArgumentError('Addr.fromUint32', `${quote(v)} is not an integer in 0…4294967295`);
    }
    return new Addr(4, 0, 0, 0, v, undefined);
  }

  /** Addr.from4 makes an IPv4 address from 4 bytes in network order. */
  static from4(bytes: ArrayLike<number>): Addr {
    checkBytes('Addr.from4', bytes, 4);
    return new Addr(4, 0, 0, 0, word(bytes, 0), undefined);
  }

  /**
   * Addr.from16 makes an IPv6 address from 16 bytes in network order. An IPv4-mapped address stays IPv6
   * (see {@link Addr.unmap}).
   */
  static from16(bytes: ArrayLike<number>): Addr {
    checkBytes('Addr.from16', bytes, 16);
    return new Addr(6, word(bytes, 0), word(bytes, 4), word(bytes, 8), word(bytes, 12), undefined);
  }

  /**
   * Addr.fromBigInt makes the address of the given family whose value is `v`.
   * @throws {@link InvalidArgumentError} when `v` does not fit in 32 (IPv4) or 128 (IPv6) bits.
   */
  static fromBigInt(v: bigint, family: Family): Addr {
    checkFamily('Addr.fromBigInt', family);
    if (typeof v !== 'bigint' || v < 0n || v > (family === 4 ? 0xffffffffn : MAX128)) {
      throw new InvalidArgumentError('Addr.fromBigInt', `${quote(v)} is not an IPv${family} value`);
    }
    if (family === 4) return new Addr(4, 0, 0, 0, Number(v), undefined);
    return new Addr(
      6,
      Number(v >> 96n),
      Number((v >> 64n) & 0xffffffffn),
      Number((v >> 32n) & 0xffffffffn),
      Number(v & 0xffffffffn),
      undefined,
    );
  }

  /** Addr.compare orders addresses: IPv4 before IPv6, then by value, then by zone. Use it with `Array.prototype.sort`. */
  static compare(a: Addr, b: Addr): number {
    return a.compare(b);
  }

  /** Addr.family is 4 for IPv4 and 6 for IPv6 (also for IPv4-mapped IPv6 addresses). */
  get family(): Family {
    return this._f;
  }

  /** Addr.bitLength is 32 for IPv4 and 128 for IPv6. */
  get bitLength(): 32 | 128 {
    return this._f === 4 ? 32 : 128;
  }

  /** Addr.zone is the IPv6 scoped-address zone (RFC 4007), such as `eth0`, or undefined when there is none. */
  get zone(): string | undefined {
    return this._z;
  }

  /** Addr.is4 reports whether the address is IPv4. */
  is4(): boolean {
    return this._f === 4;
  }

  /** Addr.is6 reports whether the address is IPv6, including IPv4-mapped IPv6 addresses. */
  is6(): boolean {
    return this._f === 6;
  }

  /** Addr.is4In6 reports whether the address is an IPv4-mapped IPv6 address, `::ffff:0:0/96` (RFC 4291 section 2.5.5.2). */
  is4In6(): boolean {
    return this._f === 6 && this._w0 === 0 && this._w1 === 0 && this._w2 === 0xffff;
  }

  /** Addr.unmap returns the IPv4 address inside an IPv4-mapped IPv6 address, and any other address unchanged. */
  unmap(): Addr {
    return this.is4In6() ? new Addr(4, 0, 0, 0, this._w3, undefined) : this;
  }

  /** Addr.withZone returns the address with the given IPv6 zone; an empty zone removes it. IPv4 addresses have no zone. */
  withZone(zone: string): Addr {
    if (this._f === 4) {
      if (zone === '') return this;
      throw new InvalidArgumentError('Addr.withZone', 'IPv4 addresses cannot have a zone');
    }
    return new Addr(6, this._w0, this._w1, this._w2, this._w3, zone === '' ? undefined : zone);
  }

  /** Addr.isUnspecified reports whether the address is `0.0.0.0` or `::`. */
  isUnspecified(): boolean {
    return this._w0 === 0 && this._w1 === 0 && this._w2 === 0 && this._w3 === 0;
  }

  /** The IPv4 value of an IPv4 or IPv4-mapped address, or −1: classification looks through the mapping, as netip does. */
  #v4(): number {
    return this._f === 4 || this.is4In6() ? this._w3 : -1;
  }

  /**
   * Addr.isLoopback reports whether the address is in `127.0.0.0/8` (RFC 1122) or is `::1` (RFC 4291).
   * Like the other classifiers it looks through IPv4-mapped IPv6 addresses, as Go's netip does.
   */
  isLoopback(): boolean {
    const v = this.#v4();
    if (v >= 0) return v >>> 24 === 127;
    return this._w0 === 0 && this._w1 === 0 && this._w2 === 0 && this._w3 === 1;
  }

  /** Addr.isMulticast reports whether the address is in `224.0.0.0/4` (RFC 5771) or `ff00::/8` (RFC 4291). */
  isMulticast(): boolean {
    const v = this.#v4();
    if (v >= 0) return v >>> 28 === 0xe;
    return this._w0 >>> 24 === 0xff;
  }

  /** Addr.isLinkLocalUnicast reports whether the address is in `169.254.0.0/16` (RFC 3927) or `fe80::/10` (RFC 4291). */
  isLinkLocalUnicast(): boolean {
    const v = this.#v4();
    if (v >= 0) return v >>> 16 === 0xa9fe;
    return this._w0 >>> 22 === 0x3fa;
  }

  /**
   * Addr.isLinkLocalMulticast reports whether the address is in `224.0.0.0/24` (RFC 5771) or is an IPv6 multicast
   * address of link-local scope, `ff02::/16` with any flags (RFC 4291 section 2.7).
   */
  isLinkLocalMulticast(): boolean {
    const v = this.#v4();
    if (v >= 0) return v >>> 8 === 0xe00000;
    return ((this._w0 >>> 16) & 0xff0f) === 0xff02;
  }

  /** Addr.isInterfaceLocalMulticast reports whether the address is an IPv6 multicast address of interface-local scope (RFC 4291). */
  isInterfaceLocalMulticast(): boolean {
    return this._f === 6 && !this.is4In6() && ((this._w0 >>> 16) & 0xff0f) === 0xff01;
  }

  /**
   * Addr.isPrivate reports whether the address is in the private ranges `10.0.0.0/8`, `172.16.0.0/12`,
   * `192.168.0.0/16` (RFC 1918) or the unique local range `fc00::/7` (RFC 4193).
   */
  isPrivate(): boolean {
    const v = this.#v4();
    if (v >= 0) return v >>> 24 === 10 || v >>> 20 === 0xac1 || v >>> 16 === 0xc0a8;
    return this._w0 >>> 25 === 0x7e;
  }

  /**
   * Addr.isGlobalUnicast reports whether the address is none of unspecified, loopback, multicast, link-local
   * unicast or the IPv4 limited broadcast `255.255.255.255`, as Go's `netip.Addr.IsGlobalUnicast` does.
   * Private addresses count as global unicast.
   */
  isGlobalUnicast(): boolean {
    const v = this.#v4();
    if (v === 0xffffffff || v === 0) return false;
    return !(this.isUnspecified() || this.isLoopback() || this.isMulticast() || this.isLinkLocalUnicast());
  }

  /** Addr.toBigInt returns the address as an unsigned integer of 32 (IPv4) or 128 (IPv6) bits. The zone is dropped. */
  toBigInt(): bigint {
    if (this._f === 4) return BigInt(this._w3);
    return (BigInt(this._w0) << 96n) | (BigInt(this._w1) << 64n) | (BigInt(this._w2) << 32n) | BigInt(this._w3);
  }

  /** Addr.toBytes returns the 4 (IPv4) or 16 (IPv6) bytes of the address in network order. */
  toBytes(): Uint8Array {
    if (this._f === 4) return putWord(new Uint8Array(4), 0, this._w3);
    const b = new Uint8Array(16);
    putWord(b, 0, this._w0);
    putWord(b, 4, this._w1);
    putWord(b, 8, this._w2);
    return putWord(b, 12, this._w3);
  }

  /** Addr.as16 returns the 16 bytes of the address in network order, IPv4 mapped into IPv6 as `::ffff:a.b.c.d`. */
  as16(): Uint8Array {
    if (this._f === 6) return this.toBytes();
    const b = new Uint8Array(16);
    b[10] = 0xff;
    b[11] = 0xff;
    return putWord(b, 12, this._w3);
  }

  /**
   * Addr.next returns the address that follows this one, keeping the zone, or undefined after
   * `255.255.255.255` and `ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff`.
   */
  next(): Addr | undefined {
    if (this._f === 4) return this._w3 === 0xffffffff ? undefined : new Addr(4, 0, 0, 0, this._w3 + 1, undefined);
    if (this._w3 !== 0xffffffff) return new Addr(6, this._w0, this._w1, this._w2, this._w3 + 1, this._z);
    return this.add(1n);
  }

  /** Addr.prev returns the address before this one, keeping the zone, or undefined before `0.0.0.0` and `::`. */
  prev(): Addr | undefined {
    if (this._f === 4) return this._w3 === 0 ? undefined : new Addr(4, 0, 0, 0, this._w3 - 1, undefined);
    if (this._w3 !== 0) return new Addr(6, this._w0, this._w1, this._w2, this._w3 - 1, this._z);
    return this.add(-1n);
  }

  /**
   * Addr.add returns the address `delta` places after this one (before it when negative), keeping the zone,
   * or undefined when that falls outside the family's address space.
   */
  add(delta: bigint | number): Addr | undefined {
    if (typeof delta === 'number') {
      if (!Number.isSafeInteger(delta)) throw new InvalidArgumentError('Addr.add', `${quote(delta)} is not a safe integer`);
      if (this._f === 4) {
        const v = this._w3 + delta;
        return v < 0 || v >= TWO32 ? undefined : new Addr(4, 0, 0, 0, v, undefined);
      }
      delta = BigInt(delta);
    }
    const v = this.toBigInt() + delta;
    if (v < 0n || v > (this._f === 4 ? 0xffffffffn : MAX128)) return undefined;
    const a = Addr.fromBigInt(v, this._f);
    return this._z === undefined ? a : a.withZone(this._z);
  }

  /**
   * Addr.prefix returns the prefix of the given length that contains this address, with the host bits cleared
   * and the zone dropped: `Addr.parse('10.1.2.3').prefix(8)` is `10.0.0.0/8`.
   * @throws {@link InvalidArgumentError} when `bits` is not an integer in 0 … {@link Addr.bitLength}.
   */
  prefix(bits: number): Prefix {
    const max = this._f === 4 ? 32 : 128;
    if (!Number.isInteger(bits) || bits < 0 || bits > max) {
      throw new InvalidArgumentError('Addr.prefix', `prefix length ${quote(bits)} is not an integer in 0…${max}`);
    }
    return Prefix._make(this._masked(bits), bits);
  }

  /** @internal The address with all bits after the first `bits` cleared, and no zone. */
  _masked(bits: number): Addr {
    if (this._f === 4) {
      const v = (this._w3 & mask32(bits)) >>> 0;
      return v === this._w3 ? this : new Addr(4, 0, 0, 0, v, undefined);
    }
    return new Addr(
      6,
      (this._w0 & mask32(bits)) >>> 0,
      (this._w1 & mask32(bits - 32)) >>> 0,
      (this._w2 & mask32(bits - 64)) >>> 0,
      (this._w3 & mask32(bits - 96)) >>> 0,
      undefined,
    );
  }

  /** @internal The address with all bits after the first `bits` set, and no zone. */
  _filled(bits: number): Addr {
    if (this._f === 4) return new Addr(4, 0, 0, 0, (this._w3 | ~mask32(bits)) >>> 0, undefined);
    return new Addr(
      6,
      (this._w0 | ~mask32(bits)) >>> 0,
      (this._w1 | ~mask32(bits - 32)) >>> 0,
      (this._w2 | ~mask32(bits - 64)) >>> 0,
      (this._w3 | ~mask32(bits - 96)) >>> 0,
      undefined,
    );
  }

  /** Addr.equals reports whether two addresses have the same family, value and zone. */
  equals(other: Addr): boolean {
    return (
      this._f === other._f &&
      this._w3 === other._w3 &&
      this._w2 === other._w2 &&
      this._w1 === other._w1 &&
      this._w0 === other._w0 &&
      this._z === other._z
    );
  }

  /** Addr.compare returns −1, 0 or 1 as this address sorts before, with or after `other` (see {@link Addr.compare}). */
  compare(other: Addr): number {
    if (this._f !== other._f) return this._f < other._f ? -1 : 1;
    if (this._w0 !== other._w0) return this._w0 < other._w0 ? -1 : 1;
    if (this._w1 !== other._w1) return this._w1 < other._w1 ? -1 : 1;
    if (this._w2 !== other._w2) return this._w2 < other._w2 ? -1 : 1;
    if (this._w3 !== other._w3) return this._w3 < other._w3 ? -1 : 1;
    if (this._z === other._z) return 0;
    if (this._z === undefined) return -1;
    if (other._z === undefined) return 1;
    return this._z < other._z ? -1 : 1;
  }

  /**
   * Addr.toString writes the address in its canonical form: dotted decimal for IPv4, RFC 5952 for IPv6
   * (`2001:db8::1`, `::ffff:10.1.2.3`), followed by `%zone` when there is a zone.
   */
  toString(): string {
    if (this._f === 4) return format4(this._w3);
    const s = format6(this._w0, this._w1, this._w2, this._w3);
    return this._z === undefined ? s : `${s}%${this._z}`;
  }

  /** Addr.toJSON writes the address as its canonical string, which {@link Addr.fromJSON} reads back. */
  toJSON(): string {
    return this.toString();
  }
}

function checkBytes(api: string, bytes: ArrayLike<number>, n: number): void {
  if (bytes === null || typeof bytes !== 'object' || bytes.length !== n) {
    throw new InvalidArgumentError(api, `expected ${n} bytes`);
  }
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (!Number.isInteger(b) || (b as number) < 0 || (b as number) > 255) {
      throw new InvalidArgumentError(api, `byte ${i} is ${quote(b)}, not an integer in 0…255`);
    }
  }
}

function word(b: ArrayLike<number>, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

function putWord(b: Uint8Array, i: number, w: number): Uint8Array {
  b[i] = w >>> 24;
  b[i + 1] = (w >>> 16) & 255;
  b[i + 2] = (w >>> 8) & 255;
  b[i + 3] = w & 255;
  return b;
}
