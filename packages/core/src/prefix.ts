import { Addr, type Family } from './addr.js';
import { InvalidArgumentError, ParseError, quote } from './ipam-error.js';
import { mask32 } from './internal/bits.js';
import { type Failure, fast4, isFailure, parse4, parse6 } from './internal/parse.js';

/**
 * Prefix is an immutable IP prefix (CIDR block): an address and a prefix length, in the manner of Go's
 * `netip.Prefix`. It never has a zone.
 *
 * {@link Prefix.parse} accepts only canonical prefixes (no host bits set); {@link Prefix.from} keeps whatever
 * address it is given and {@link Prefix.masked} clears the host bits.
 *
 * @example
 * ```ts
 * const p = Prefix.parse('10.244.0.0/16');
 * p.contains(Addr.parse('10.244.3.4')); // true
 * p.size; // 65536n
 * [...p.subnets(18)].map(String); // ['10.244.0.0/18', '10.244.64.0/18', '10.244.128.0/18', '10.244.192.0/18']
 * ```
 */
export class Prefix {
  /** @internal The address. */
  readonly _a: Addr;
  /** @internal The prefix length. */
  readonly _b: number;

  private constructor(a: Addr, b: number) {
    this._a = a;
    this._b = b;
  }

  /** @internal Builds a prefix without checks. */
  static _make(a: Addr, bits: number): Prefix {
    return new Prefix(a, bits);
  }

  /**
   * Prefix.parse parses `address/length` in CIDR notation (RFC 4632; RFC 4291 section 2.3 for IPv6).
   *
   * The address follows {@link Addr.parse} without a zone; the length is decimal without leading zeros, at most
   * 32 for IPv4 and 128 for IPv6 (also for IPv4-mapped IPv6 addresses). Host bits must be zero:
   * `10.244.1.0/16` is rejected; use `Addr.parse(a).prefix(bits)` to mask on purpose.
   *
   * @throws {@link ParseError} naming the input and the reason.
   */
  static parse(s: string): Prefix {
    const p = typeof s === 'string' ? fastPrefix4(s) : undefined;
    if (p !== undefined) return p;
    const r = Prefix.#parse(s);
    if (r instanceof Prefix) return r;
    throw new ParseError('Prefix.parse', s, r.reason, r.at);
  }

  /** Prefix.tryParse is {@link Prefix.parse} that returns undefined instead of throwing. */
  static tryParse(s: string): Prefix | undefined {
    const p = typeof s === 'string' ? fastPrefix4(s) : undefined;
    if (p !== undefined) return p;
    const r = Prefix.#parse(s);
    return r instanceof Prefix ? r : undefined;
  }

  static #parse(s: string): Prefix | { reason: string; at?: number } {
    if (typeof s !== 'string') return { reason: 'input is not a string' };
    const slash = s.lastIndexOf('/');
    if (slash < 0) return { reason: 'no "/"' };
    let addr: Addr;
    let colon = false;
    for (let i = 0; i < slash; i++) {
      if (s.charCodeAt(i) === 58) {
        colon = true;
        break;
      }
    }
    const n = s.length;
    if (slash + 1 === n) return { reason: 'missing prefix length', at: n };
    if (s.charCodeAt(slash + 1) === 48 && slash + 2 < n) return { reason: 'prefix length has leading zero', at: slash + 1 };
    let bits = 0;
    for (let i = slash + 1; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return { reason: 'prefix length must be decimal digits', at: i };
      if (bits < 1000) bits = bits * 10 + (c - 48);
    }
    if (colon) {
      const r = parse6(s, 0, slash);
      if (isFailure(r)) return r;
      if (r.zone !== undefined) return { reason: 'IPv6 zones cannot be present in a prefix', at: s.indexOf('%') };
      if (bits > 128) return { reason: 'prefix length out of range for IPv6 (0…128)', at: slash + 1 };
      addr = Addr._make(6, r.w0, r.w1, r.w2, r.w3);
      const hostBits =
        (r.w0 & ~mask32(bits)) | (r.w1 & ~mask32(bits - 32)) | (r.w2 & ~mask32(bits - 64)) | (r.w3 & ~mask32(bits - 96));
      if (hostBits !== 0) return { reason: `host bits set (the prefix would be ${addr.prefix(bits)})`, at: 0 };
    } else {
      if (slash === 0) return { reason: 'missing address', at: 0 };
      let r: number | Failure = fast4(s, slash);
      if (r < 0) r = parse4(s, 0, slash);
      if (typeof r !== 'number') return r;
      if (bits > 32) return { reason: 'prefix length out of range for IPv4 (0…32)', at: slash + 1 };
      addr = Addr._make(4, 0, 0, 0, r);
      if ((r & ~mask32(bits)) !== 0) return { reason: `host bits set (the prefix would be ${addr.prefix(bits)})`, at: 0 };
    }
    return new Prefix(addr, bits);
  }

  /**
   * Prefix.from makes the prefix of `addr` with length `bits` without clearing host bits (see {@link Prefix.masked}).
   * @throws {@link InvalidArgumentError} when `bits` is out of range for the family or the address has a zone.
   */
  static from(addr: Addr, bits: number): Prefix {
    const max = addr.bitLength;
    if (!Number.isInteger(bits) || bits < 0 || bits > max) {
      throw new InvalidArgumentError('Prefix.from', `prefix length ${quote(bits)} is not an integer in 0…${max}`);
    }
    if (addr.zone !== undefined) throw new InvalidArgumentError('Prefix.from', 'IPv6 zones cannot be present in a prefix');
    return new Prefix(addr, bits);
  }

  /** Prefix.fromJSON reads the string that {@link Prefix.toJSON} writes. */
  static fromJSON(json: string): Prefix {
    return Prefix.parse(json);
  }

  /**
   * Prefix.compare orders prefixes: IPv4 before IPv6, then by first address, then shorter (larger) prefixes first,
   * which is the order of a depth-first walk of the address space. Use it with `Array.prototype.sort`.
   */
  static compare(a: Prefix, b: Prefix): number {
    return a.compare(b);
  }

  /** Prefix.addr is the address the prefix was made with; for a parsed prefix, its first address. */
  get addr(): Addr {
    return this._a;
  }

  /** Prefix.bits is the prefix length: 0 … 32 for IPv4, 0 … 128 for IPv6. */
  get bits(): number {
    return this._b;
  }

  /** Prefix.family is the address family of the prefix. */
  get family(): Family {
    return this._a._f;
  }

  /** Prefix.size is the number of addresses in the prefix, as a bigint: `2n ** BigInt(bitLength - bits)`. */
  get size(): bigint {
    return 1n << BigInt(this._a.bitLength - this._b);
  }

  /** Prefix.first returns the first address of the prefix (the network address). */
  first(): Addr {
    return this._a._masked(this._b);
  }

  /** Prefix.last returns the last address of the prefix (for IPv4, the broadcast address). */
  last(): Addr {
    return this._a._filled(this._b);
  }

  /** Prefix.masked returns the prefix with its host bits cleared; it is idempotent. */
  masked(): Prefix {
    const m = this._a._masked(this._b);
    return m.equals(this._a) ? this : new Prefix(m, this._b);
  }

  /** Prefix.isSingleIP reports whether the prefix holds exactly one address (/32 for IPv4, /128 for IPv6). */
  isSingleIP(): boolean {
    return this._b === this._a.bitLength;
  }

  /**
   * Prefix.contains reports whether the address is in the prefix. An address of the other family, and an address
   * with a zone, is never contained; an IPv4-mapped IPv6 address is not in an IPv4 prefix.
   */
  contains(addr: Addr): boolean {
    const p = this._a;
    if (addr._f !== p._f || addr._z !== undefined) return false;
    const b = this._b;
    // Whole words must be equal; the word the prefix ends in is compared on its first bits by shifting
    // the rest out (`>>> 0` for a prefix that ends on a word boundary compares the whole word).
    if (p._f === 4) return b === 0 || (addr._w3 ^ p._w3) >>> (32 - b) === 0;
    if (b <= 32) return b === 0 || (addr._w0 ^ p._w0) >>> (32 - b) === 0;
    if (addr._w0 !== p._w0) return false;
    if (b <= 64) return (addr._w1 ^ p._w1) >>> (64 - b) === 0;
    if (addr._w1 !== p._w1) return false;
    if (b <= 96) return (addr._w2 ^ p._w2) >>> (96 - b) === 0;
    return addr._w2 === p._w2 && (addr._w3 ^ p._w3) >>> (128 - b) === 0;
  }

  /** Prefix.containsPrefix reports whether every address of `other` is in this prefix. */
  containsPrefix(other: Prefix): boolean {
    return other._b >= this._b && this.contains(other._a);
  }

  /** Prefix.overlaps reports whether the two prefixes share any address. It is symmetric; families never overlap. */
  overlaps(other: Prefix): boolean {
    if (other._a._f !== this._a._f) return false;
    return this._b <= other._b ? this.contains(other._a) : other.contains(this._a);
  }

  /**
   * Prefix.subnets lazily yields, in order, the prefixes of length `bits` that make up this one.
   * It works for huge splits (an IPv6 /32 into /64s) because nothing is materialized.
   * @throws {@link InvalidArgumentError} when `bits` is shorter than this prefix or longer than the family allows.
   */
  *subnets(bits: number): Generator<Prefix, void, undefined> {
    const max = this._a.bitLength;
    if (!Number.isInteger(bits) || bits < this._b || bits > max) {
      throw new InvalidArgumentError('Prefix.subnets', `prefix length ${quote(bits)} is not an integer in ${this._b}…${max}`);
    }
    const first = this.first();
    if (first._f === 4) {
      const step = 2 ** (32 - bits);
      const count = 2 ** (bits - this._b);
      for (let i = 0; i < count; i++) yield new Prefix(Addr._make(4, 0, 0, 0, first._w3 + i * step), bits);
      return;
    }
    const step = 1n << BigInt(128 - bits);
    const count = 1n << BigInt(bits - this._b);
    let v = first.toBigInt();
    for (let i = 0n; i < count; i++, v += step) yield new Prefix(Addr.fromBigInt(v, 6), bits);
  }

  /**
   * Prefix.supernet returns the prefix of length `bits` that contains this one (`10.244.0.0/16` → `10.240.0.0/12`
   * for 12), or undefined when `bits` is not an integer in 0 … {@link Prefix.bits}.
   */
  supernet(bits: number): Prefix | undefined {
    if (!Number.isInteger(bits) || bits < 0 || bits > this._b) return undefined;
    return new Prefix(this._a._masked(bits), bits);
  }

  /**
   * Prefix.next returns the prefix of the same length that starts right after this one ends, or undefined at
   * the end of the address space.
   */
  next(): Prefix | undefined {
    const n = this.last().next();
    return n === undefined ? undefined : new Prefix(n, this._b);
  }

  /** Prefix.equals reports whether the two prefixes have the same address and length. */
  equals(other: Prefix): boolean {
    return this._b === other._b && this._a.equals(other._a);
  }

  /** Prefix.compare returns −1, 0 or 1 as this prefix sorts before, with or after `other` (see {@link Prefix.compare}). */
  compare(other: Prefix): number {
    const c = this.first().compare(other.first());
    if (c !== 0) return c;
    if (this._b !== other._b) return this._b < other._b ? -1 : 1;
    return this._a.compare(other._a);
  }

  /** Prefix.toString writes `address/length`, the address as {@link Addr.toString} writes it. */
  toString(): string {
    return `${this._a.toString()}/${this._b}`;
  }

  /** Prefix.toJSON writes the prefix as its string, which {@link Prefix.fromJSON} reads back. */
  toJSON(): string {
    return this.toString();
  }
}

/**
 * fastPrefix4 is the success path of Prefix.parse for canonical IPv4 prefixes, or undefined for anything else
 * (which the full parser then explains).
 */
function fastPrefix4(s: string): Prefix | undefined {
  const slash = s.indexOf('/');
  const n = s.length;
  if (slash < 7 || n - slash < 2 || n - slash > 3) return undefined;
  const v = fast4(s, slash);
  if (v < 0) return undefined;
  const d1 = s.charCodeAt(slash + 1) - 48;
  let bits = d1;
  if (n - slash === 3) {
    const d2 = s.charCodeAt(slash + 2) - 48;
    if (d1 < 1 || d1 > 3 || d2 < 0 || d2 > 9) return undefined;
    bits = d1 * 10 + d2;
  }
  if (!(bits >= 0 && bits <= 32) || (v & ~mask32(bits)) !== 0) return undefined;
  return Prefix._make(Addr._make(4, 0, 0, 0, v), bits);
}
