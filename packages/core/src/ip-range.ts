import { Addr, type Family } from './addr.js';
import { InvalidArgumentError, ParseError, quote } from './ipam-error.js';
import { cover4, cover6, single4, single6 } from './internal/intervals.js';
import { type Failure, isFailure, parse4, parse6 } from './internal/parse.js';
import type { Prefix } from './prefix.js';

/**
 * IPRange is an immutable, inclusive range of addresses of one family, from {@link IPRange.first} to
 * {@link IPRange.last}, in the manner of go4.org/netipx's `IPRange`. It never has a zone and is never empty.
 *
 * Any range is a union of prefixes ({@link IPRange.prefixes}); some ranges are exactly one
 * ({@link IPRange.prefix}). Sizes are bigints, exact up to the 2^128 addresses of `::-ffff:…:ffff`.
 *
 * @example
 * ```ts
 * IPRange.parse('10.0.0.1-10.0.0.6').prefixes().map(String);
 * // ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/31', '10.0.0.6/32']
 * IPRange.parse('10.0.0.0-10.0.0.255').prefix()?.toString(); // '10.0.0.0/24'
 * ```
 */
export class IPRange {
  /** @internal */
  readonly _first: Addr;
  /** @internal */
  readonly _last: Addr;

  private constructor(first: Addr, last: Addr) {
    this._first = first;
    this._last = last;
  }

  /** @internal Builds a range without checks. */
  static _make(first: Addr, last: Addr): IPRange {
    return new IPRange(first, last);
  }

  /**
   * IPRange.parse parses `first-last`: two addresses of the same family in the {@link Addr.parse} grammar,
   * without zones or white space, joined by one `-`, with `first` not after `last`. A single address is
   * written `a-a`.
   *
   * @throws {@link ParseError} naming the input and the reason.
   */
  static parse(s: string): IPRange {
    const r = IPRange.#parse(s);
    if (r instanceof IPRange) return r;
    throw new ParseError('IPRange.parse', s, r.reason, r.at);
  }

  /** IPRange.tryParse is {@link IPRange.parse} that returns undefined instead of throwing. */
  static tryParse(s: string): IPRange | undefined {
    const r = IPRange.#parse(s);
    return r instanceof IPRange ? r : undefined;
  }

  static #parse(s: string): IPRange | Failure {
    if (typeof s !== 'string') return { reason: 'input is not a string' };
    const dash = s.indexOf('-');
    if (dash < 0) return { reason: 'no "-"' };
    const extra = s.indexOf('-', dash + 1);
    if (extra >= 0) return { reason: 'more than one "-"', at: extra };
    const first = parseAddr(s, 0, dash, 'first');
    if (isFailure(first)) return first;
    const last = parseAddr(s, dash + 1, s.length, 'last');
    if (isFailure(last)) return last;
    if (first._f !== last._f) {
      return { reason: `first address is IPv${first._f} but last address is IPv${last._f}`, at: dash + 1 };
    }
    if (first.compare(last) > 0) return { reason: 'first address is after last address', at: 0 };
    return new IPRange(first, last);
  }

  /**
   * IPRange.from makes the range from `first` to `last` inclusive.
   * @throws {@link InvalidArgumentError} when the addresses differ in family, either has a zone, or `first` is
   * after `last`.
   */
  static from(first: Addr, last: Addr): IPRange {
    if (first._z !== undefined || last._z !== undefined) {
      throw new InvalidArgumentError('IPRange.from', `IPv6 zones cannot be present in a range (${quote(`${first}-${last}`)})`);
    }
    if (first._f !== last._f) {
      throw new InvalidArgumentError('IPRange.from', `first address ${quote(first.toString())} is IPv${first._f} but last address ${quote(last.toString())} is IPv${last._f}`);
    }
    if (first.compare(last) > 0) {
      throw new InvalidArgumentError('IPRange.from', `first address ${quote(first.toString())} is after last address ${quote(last.toString())}`);
    }
    return new IPRange(first, last);
  }

  /** IPRange.fromPrefix makes the range of the addresses in the prefix, host bits cleared. */
  static fromPrefix(p: Prefix): IPRange {
    return new IPRange(p.first(), p.last());
  }

  /** IPRange.fromJSON reads the string that {@link IPRange.toJSON} writes. */
  static fromJSON(json: string): IPRange {
    return IPRange.parse(json);
  }

  /**
   * IPRange.compare orders ranges: IPv4 before IPv6, then by first address, then larger ranges first, as
   * {@link Prefix.compare} puts a prefix before the prefixes it contains. Use it with `Array.prototype.sort`.
   */
  static compare(a: IPRange, b: IPRange): number {
    return a.compare(b);
  }

  /** IPRange.family is the address family of the range. */
  get family(): Family {
    return this._first._f;
  }

  /** IPRange.size is the number of addresses in the range, at least 1, as a bigint. */
  get size(): bigint {
    if (this._first._f === 4) return BigInt(this._last._w3 - this._first._w3 + 1);
    return this._last.toBigInt() - this._first.toBigInt() + 1n;
  }

  /** IPRange.first returns the first address of the range. */
  first(): Addr {
    return this._first;
  }

  /** IPRange.last returns the last address of the range; it is in the range. */
  last(): Addr {
    return this._last;
  }

  /**
   * IPRange.contains reports whether the address is in the range. An address of the other family, and an
   * address with a zone, is never contained.
   */
  contains(addr: Addr): boolean {
    return addr._f === this._first._f && addr._z === undefined && this._first.compare(addr) <= 0 && addr.compare(this._last) <= 0;
  }

  /** IPRange.containsRange reports whether every address of `other` is in this range. */
  containsRange(other: IPRange): boolean {
    return other._first._f === this._first._f && this._first.compare(other._first) <= 0 && other._last.compare(this._last) <= 0;
  }

  /** IPRange.overlaps reports whether the two ranges share any address. It is symmetric; families never overlap. */
  overlaps(other: IPRange): boolean {
    return other._first._f === this._first._f && this._first.compare(other._last) <= 0 && other._first.compare(this._last) <= 0;
  }

  /**
   * IPRange.prefixes returns the fewest prefixes that together hold exactly the addresses of the range, in
   * address order. Each is the largest aligned block that starts where the previous one ended and still fits:
   *
   * ```text
   *   10.0.0.1-10.0.0.6    1 │2  3│4  5│6      → 10.0.0.1/32, 10.0.0.2/31, 10.0.0.4/31, 10.0.0.6/32
   * ```
   */
  prefixes(): Prefix[] {
    const { _first: a, _last: z } = this;
    const out: Prefix[] = [];
    if (a._f === 4) cover4(a._w3, z._w3 + 1, out);
    else cover6([a._w0, a._w1, a._w2, a._w3], [z._w0, z._w1, z._w2, z._w3], out);
    return out;
  }

  /** IPRange.prefix returns the prefix that holds exactly the addresses of the range, or undefined when there is none. */
  prefix(): Prefix | undefined {
    const { _first: a, _last: z } = this;
    return a._f === 4 ? single4(a._w3, z._w3 + 1) : single6([a._w0, a._w1, a._w2, a._w3], [z._w0, z._w1, z._w2, z._w3]);
  }

  /** IPRange.equals reports whether the two ranges have the same first and last addresses. */
  equals(other: IPRange): boolean {
    return this._first.equals(other._first) && this._last.equals(other._last);
  }

  /** IPRange.compare returns −1, 0 or 1 as this range sorts before, with or after `other` (see {@link IPRange.compare}). */
  compare(other: IPRange): number {
    return this._first.compare(other._first) || other._last.compare(this._last);
  }

  /** IPRange.toString writes `first-last`, each address as {@link Addr.toString} writes it. */
  toString(): string {
    return `${this._first.toString()}-${this._last.toString()}`;
  }

  /** IPRange.toJSON writes the range as its string, which {@link IPRange.fromJSON} reads back. */
  toJSON(): string {
    return this.toString();
  }
}

function parseAddr(s: string, start: number, end: number, which: 'first' | 'last'): Addr | Failure {
  if (start === end) return { reason: `missing ${which} address`, at: start };
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) !== 58) continue;
    const r = parse6(s, start, end);
    if (isFailure(r)) return r;
    if (r.zone !== undefined) return { reason: 'IPv6 zones cannot be present in a range', at: s.indexOf('%', start) };
    return Addr._make(6, r.w0, r.w1, r.w2, r.w3);
  }
  const r = parse4(s, start, end);
  return typeof r === 'number' ? Addr._make(4, 0, 0, 0, r) : r;
}
