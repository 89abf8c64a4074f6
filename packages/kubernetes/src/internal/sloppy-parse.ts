/**
 * The address grammar of Go's `net` package before Go 1.17, as Kubernetes keeps it in k8s.io/utils/net
 * (`ParseIPSloppy`, `ParseCIDRSloppy`): IPv4 fields are decimal with any number of leading zeros ('010' is ten,
 * never octal), IPv6 groups may have more than four hex digits while their value fits 16 bits, an embedded dotted
 * IPv4 address may only fill the last 32 bits. No zones, brackets, ports or white space.
 *
 * Hand-written single-pass parsers over `s[start, end)`; each returns the value or a lower-case reason string.
 */

/** Values at or past this bound stop a number field, as Go's `big` (0xFFFFFF) does. */
const BIG = 0xffffff;

/** A parse failure: why, and the index in the input where it was noticed. */
export interface SloppyFailure {
  readonly reason: string;
  readonly at: number;
}

function fail(reason: string, at: number): SloppyFailure {
  return { reason, at };
}

/**
 * Reads decimal digits from `i` (Go's `dtoi`): the value and the index after the last digit, or a failure when
 * there is no digit or the value reaches 0xFFFFFF.
 */
export function decimalField(s: string, i: number, end: number): { value: number; next: number } | SloppyFailure {
  let n = 0;
  const start = i;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    if (n >= BIG) return fail('number too large', start);
  }
  if (i === start) return fail('expected a decimal number', start);
  return { value: n, next: i };
}

/** Reads hex digits from `i` (Go's `xtoi`), like {@link decimalField}. */
function hexField(s: string, i: number, end: number): { value: number; next: number } | SloppyFailure {
  let n = 0;
  const start = i;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    else break;
    n = n * 16 + d;
    if (n >= BIG) return fail('number too large', start);
  }
  if (i === start) return fail('expected a hex number', start);
  return { value: n, next: i };
}

/** Parses dotted-decimal IPv4 with leading zeros allowed (Go's pre-1.17 `parseIPv4`); the 32-bit value or why not. */
export function parseIPv4Sloppy(s: string, start: number, end: number): number | SloppyFailure {
  let v = 0;
  let i = start;
  for (let field = 0; field < 4; field++) {
    if (i >= end) return fail('IPv4 address too short', i);
    if (field > 0) {
      if (s.charCodeAt(i) !== 46) return fail('expected "."', i);
      i++;
    }
    const r = decimalField(s, i, end);
    if ('reason' in r) return r;
    if (r.value > 255) return fail('IPv4 field has value > 255', i);
    v = v * 256 + r.value;
    i = r.next;
  }
  if (i !== end) return fail('trailing characters after IPv4 address', i);
  return v;
}

/** Parses IPv6 text (Go's pre-1.17 `parseIPv6` without zones); 16 bytes in network order or why not. */
export function parseIPv6Sloppy(s: string, start: number, end: number): Uint8Array | SloppyFailure {
  const ip = new Uint8Array(16);
  let ellipsis = -1; // byte index where "::" stands
  let i = start;
  if (end - i >= 2 && s.charCodeAt(i) === 58 && s.charCodeAt(i + 1) === 58) {
    ellipsis = 0;
    i += 2;
    if (i === end) return ip;
  }
  let b = 0; // bytes filled
  while (b < 16) {
    const r = hexField(s, i, end);
    if ('reason' in r) return r;
    if (r.value > 0xffff) return fail('IPv6 field has value > 0xffff', i);
    if (r.next < end && s.charCodeAt(r.next) === 46) {
      // An embedded IPv4 address: only as the last 32 bits, or anywhere an ellipsis can make room.
      if (ellipsis < 0 && b !== 12) return fail('embedded IPv4 address must replace the final 2 fields', i);
      if (b + 4 > 16) return fail('too many fields in IPv6 address', i);
      const v4 = parseIPv4Sloppy(s, i, end);
      if (typeof v4 !== 'number') return v4;
      ip[b] = v4 >>> 24;
      ip[b + 1] = (v4 >>> 16) & 0xff;
      ip[b + 2] = (v4 >>> 8) & 0xff;
      ip[b + 3] = v4 & 0xff;
      i = end;
      b += 4;
      break;
    }
    ip[b] = r.value >> 8;
    ip[b + 1] = r.value & 0xff;
    b += 2;
    i = r.next;
    if (i === end) break;
    if (s.charCodeAt(i) !== 58) return fail('unexpected character, want colon', i);
    if (i + 1 === end) return fail('colon must be followed by more characters', i);
    i++;
    if (s.charCodeAt(i) === 58) {
      if (ellipsis >= 0) return fail('multiple "::"', i);
      ellipsis = b;
      i++;
      if (i === end) break;
    }
  }
  if (i !== end) return fail('trailing characters after IPv6 address', i);
  if (b < 16) {
    if (ellipsis < 0) return fail('IPv6 address too short', end);
    const gap = 16 - b;
    ip.copyWithin(ellipsis + gap, ellipsis, b);
    ip.fill(0, ellipsis, ellipsis + gap);
  } else if (ellipsis >= 0) {
    return fail('"::" must stand for at least one zero field', ellipsis);
  }
  return ip;
}

/**
 * Parses an IP address as Go's pre-1.17 `net.ParseIP`: the first "." or ":" decides the family.
 * Returns 16 bytes (IPv4 as IPv4-mapped IPv6, as Go stores it) with `v4` set when the text was dotted IPv4.
 */
export function parseIPSloppyBytes(s: string, start: number, end: number): Uint8Array | SloppyFailure {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      const v = parseIPv4Sloppy(s, start, end);
      return typeof v === 'number' ? mapped(v) : v;
    }
    if (c === 58) return parseIPv6Sloppy(s, start, end);
  }
  return fail(start === end ? 'empty string' : 'unable to parse IP', start);
}

/** The IPv4-mapped IPv6 bytes of an IPv4 value. */
export function mapped(v4: number): Uint8Array {
  const ip = new Uint8Array(16);
  ip[10] = 0xff;
  ip[11] = 0xff;
  ip[12] = v4 >>> 24;
  ip[13] = (v4 >>> 16) & 0xff;
  ip[14] = (v4 >>> 8) & 0xff;
  ip[15] = v4 & 0xff;
  return ip;
}

/** isMapped reports whether 16 bytes are an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), which Go prints as IPv4. */
export function isMapped(ip: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}
