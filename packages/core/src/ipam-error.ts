const MARKER = Symbol.for('@ipam/error');

/** The longest piece of caller input quoted in an error message; longer inputs are cut with an ellipsis. */
const MAX_QUOTED = 80;

/**
 * quote renders caller input for an error message: JSON-quoted, cut at a fixed length so that
 * hostile input never makes an unbounded message.
 * @internal
 */
export function quote(input: unknown): string {
  let text: string;
  if (typeof input === 'string') text = input;
  else if (typeof input === 'bigint') return `${input}n`;
  else if (input === undefined || input === null || typeof input === 'number' || typeof input === 'boolean') return String(input);
  else {
    try {
      text = String(input);
    } catch {
      return `[${typeof input}]`;
    }
  }
  const cut = text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
  return JSON.stringify(cut);
}

/**
 * IpamError is the base class of every error that the `@ipam` packages throw on purpose.
 *
 * Each error has a stable, machine-readable {@link IpamError.code}; messages are for people and may change.
 * Use {@link IpamError.isInstance} rather than `instanceof` when errors can cross realms or package copies.
 *
 * @example
 * ```ts
 * try { Addr.parse('010.1.1.1'); } catch (e) { if (IpamError.isInstance(e)) console.log(e.code); }
 * ```
 */
export class IpamError extends Error {
  /** IpamError.code is a stable identifier of the kind of failure, such as `ERR_PARSE`. */
  readonly code: string;
  private readonly [MARKER] = true;

  /** Creates an error with a stable code and a human-readable message. */
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  /** IpamError.isInstance reports whether `value` is an IpamError, also one from another realm or package copy. */
  static isInstance(value: unknown): value is IpamError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

/**
 * ParseError reports text that is not a valid address, prefix or range in the strict grammar.
 *
 * Its message names the API and quotes the input, e.g.
 * `Addr.parse("010.1.1.1"): IPv4 field has octet with leading zero`.
 */
export class ParseError extends IpamError {
  /** ParseError.input is the text that failed to parse (as given, not cut). */
  readonly input: string;
  /** ParseError.reason is the lower-case explanation, without the API name or the input. */
  readonly reason: string;
  /** ParseError.at is the zero-based offset in the input where the problem was found, when known. */
  readonly at: number | undefined;

  /** Creates a parse error for `api` (such as `Addr.parse`) failing on `input`. */
  constructor(api: string, input: unknown, reason: string, at?: number) {
    super('ERR_PARSE', `${api}(${quote(input)}): ${reason}`);
    this.input = typeof input === 'string' ? input : String(input);
    this.reason = reason;
    this.at = at;
  }
}

/**
 * InvalidArgumentError reports an argument outside what a function accepts: a prefix length out of range,
 * a family other than 4 or 6, a number that is not an integer, or values of mixed address families.
 */
export class InvalidArgumentError extends IpamError {
  /** Creates an invalid-argument error whose message names the API. */
  constructor(api: string, reason: string) {
    super('ERR_INVALID_ARGUMENT', `${api}: ${reason}`);
  }
}

/** PoolExhaustedError reports that a {@link Pool} has no free block of the requested size and family. */
export class PoolExhaustedError extends IpamError {
  /** PoolExhaustedError.family is the address family that was asked for. */
  readonly family: 4 | 6;
  /** PoolExhaustedError.bits is the prefix length that was asked for (32 or 128 for a single address). */
  readonly bits: number;

  /** Creates the error for a request of `/bits` in `family`. */
  constructor(api: string, family: 4 | 6, bits: number) {
    super('ERR_POOL_EXHAUSTED', `${api}: no free /${bits} left in the IPv${family} pool`);
    this.family = family;
    this.bits = bits;
  }
}

/**
 * PoolConflictError reports a claim of an address or prefix that is already allocated, or reserved.
 */
export class PoolConflictError extends IpamError {
  /** PoolConflictError.conflict is the allocation or reservation in the way, when a single one is. */
  readonly conflict: string | undefined;

  /** Creates the error; `conflict` names what is in the way. */
  constructor(api: string, input: string, reason: string, conflict?: string) {
    super('ERR_POOL_CONFLICT', `${api}(${quote(input)}): ${reason}`);
    this.conflict = conflict;
  }
}

/** PoolOutsideError reports an address or prefix that does not lie inside any prefix of the pool. */
export class PoolOutsideError extends IpamError {
  /** Creates the error for `input`. */
  constructor(api: string, input: string) {
    super('ERR_POOL_OUTSIDE', `${api}(${quote(input)}): outside the pool`);
  }
}

/** PoolNotAllocatedError reports a release or lookup of something that is not an allocation of the pool. */
export class PoolNotAllocatedError extends IpamError {
  /** Creates the error for `input`, with the reason. */
  constructor(api: string, input: string, reason: string) {
    super('ERR_POOL_NOT_ALLOCATED', `${api}(${quote(input)}): ${reason}`);
  }
}

/**
 * PoolRequestError reports a request that no state of the pool could satisfy: a family the pool lacks, or a
 * prefix length shorter than every prefix of the pool.
 */
export class PoolRequestError extends IpamError {
  /** Creates the error with the reason. */
  constructor(api: string, reason: string) {
    super('ERR_POOL_INVALID_REQUEST', `${api}: ${reason}`);
  }
}
