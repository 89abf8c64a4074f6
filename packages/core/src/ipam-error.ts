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
 * IpamError is the base class of every error that @ipam packages throw on purpose.
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
