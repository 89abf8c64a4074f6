/**
 * Hand-written single-pass parsers for the strict text forms of IPv4 (RFC 791 dotted decimal, no leading zeros)
 * and IPv6 (RFC 4291 section 2.2, with an optional RFC 4007 zone). They return plain numbers or words so that the
 * value classes decide how to build themselves; a failure is a small object with a reason and an offset.
 */

/** A parse failure: a lower-case reason and the offset at which it was found. */
export interface Failure {
  readonly reason: string;
  readonly at?: number;
}

/** A parsed IPv6 address: four big-endian 32-bit words and an optional zone. */
export interface Parsed6 {
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
  readonly zone: string | undefined;
}

function fail(reason: string, at?: number): Failure {
  return at === undefined ? { reason } : { reason, at };
}

/** isFailure tells a failure from a parsed value. */
export function isFailure(r: unknown): r is Failure {
  return typeof r === 'object' && r !== null && 'reason' in r;
}

/**
 * fast4 parses s[0, n) as strict dotted-decimal IPv4 and returns its 32-bit value, or −1 for anything
 * else: the success path of {@link parse4} without the bookkeeping for error reasons.
 */
export function fast4(s: string, n = s.length): number {
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let field = 0;
  let start = 0;
  let fields = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (i === start || field > 255 || fields === 3) return -1;
      value = (value << 8) | field;
      fields++;
      field = 0;
      start = i + 1;
    } else {
      const d = c - 48;
      // Not a digit, or a digit after a leading zero.
      if (d < 0 || d > 9 || (field === 0 && i !== start)) return -1;
      field = field * 10 + d;
    }
  }
  if (fields !== 3 || start === n || field > 255) return -1;
  return value * 256 + field;
}

/** parse4 parses s[start, end) as dotted-decimal IPv4 and returns the address as an unsigned 32-bit number. */
export function parse4(s: string, start: number, end: number): number | Failure {
  let value = 0;
  let field = 0;
  let digits = 0;
  let fields = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && field === 0) return fail('IPv4 field has octet with leading zero', i - 1);
      field = field * 10 + (c - 48);
      digits++;
      if (field > 255) return fail('IPv4 field has value >255', i - digits + 1);
    } else if (c === 46) {
      if (digits === 0) return fail('IPv4 field must have at least one digit', i);
      if (fields === 3) return fail('IPv4 address too long', i);
      value = value * 256 + field;
      fields++;
      field = 0;
      digits = 0;
    } else if (c === 37) {
      return fail('IPv4 address cannot have a zone', i);
    } else {
      return fail('unexpected character', i);
    }
  }
  if (digits === 0) return fail('IPv4 field must have at least one digit', end);
  if (fields !== 3) return fail('IPv4 address too short', end);
  return value * 256 + field;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** parse6 parses s[start, end) as an RFC 4291 text-form IPv6 address with an optional `%zone`. */
export function parse6(s: string, start: number, end: number): Parsed6 | Failure {
  let zone: string | undefined;
  const pct = s.indexOf('%', start);
  if (pct >= 0 && pct < end) {
    if (pct === end - 1) return fail('zone must be a non-empty string', pct);
    zone = s.slice(pct + 1, end);
    end = pct;
  }
  const g = [0, 0, 0, 0, 0, 0, 0, 0];
  let ellipsis = -1;
  let i = start;
  if (end - i >= 2 && s.charCodeAt(i) === 58 && s.charCodeAt(i + 1) === 58) {
    ellipsis = 0;
    i += 2;
    if (i === end) return { w0: 0, w1: 0, w2: 0, w3: 0, zone };
  }
  let j = 0;
  while (j < 8) {
    let acc = 0;
    let off = 0;
    while (i + off < end) {
      const h = hexValue(s.charCodeAt(i + off));
      if (h < 0) break;
      if (off === 4) return fail('each colon-separated field must have at most 4 hex digits', i);
      acc = acc * 16 + h;
      off++;
    }
    if (off === 0) {
      if (i < end && s.charCodeAt(i) !== 58) return fail('unexpected character', i);
      return fail('each colon-separated field must have at least one digit', i);
    }
    if (i + off < end && s.charCodeAt(i + off) === 46) {
      if (j > 6) return fail('too many hex fields to fit an embedded IPv4 at the end of the address', i);
      if (ellipsis < 0 && j !== 6) return fail('embedded IPv4 address must replace the final 2 fields of the address', i);
      const v4 = parse4(s, i, end);
      if (typeof v4 !== 'number') return v4;
      g[j] = Math.floor(v4 / 65536);
      g[j + 1] = v4 & 0xffff;
      j += 2;
      i = end;
      break;
    }
    g[j++] = acc;
    i += off;
    if (i === end) break;
    if (s.charCodeAt(i) !== 58) return fail('unexpected character', i);
    if (i + 1 === end) return fail('colon must be followed by more characters', i);
    i++;
    if (s.charCodeAt(i) === 58) {
      if (ellipsis >= 0) return fail('multiple :: in address', i - 1);
      ellipsis = j;
      i++;
      if (i === end) break;
    }
  }
  if (i !== end) return fail('trailing garbage after address', i);
  if (j < 8) {
    if (ellipsis < 0) return fail('address string too short', end);
    const n = 8 - j;
    for (let k = j - 1; k >= ellipsis; k--) {
      g[k + n] = g[k]!;
      g[k] = 0;
    }
  } else if (ellipsis >= 0) {
    return fail('the :: must expand to at least one field of zeros', start);
  }
  return {
    w0: (g[0]! * 65536 + g[1]!) >>> 0,
    w1: (g[2]! * 65536 + g[3]!) >>> 0,
    w2: (g[4]! * 65536 + g[5]!) >>> 0,
    w3: (g[6]! * 65536 + g[7]!) >>> 0,
    zone,
  };
}
