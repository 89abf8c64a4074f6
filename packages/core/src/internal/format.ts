const OCTET = Array.from({ length: 256 }, (_, i) => String(i));
const OCTET_DOT = OCTET.map((o) => `${o}.`);

/** format4 writes an unsigned 32-bit IPv4 value in dotted decimal. */
export function format4(v: number): string {
  return OCTET_DOT[v >>> 24]! + OCTET_DOT[(v >>> 16) & 255]! + OCTET_DOT[(v >>> 8) & 255]! + OCTET[v & 255]!;
}

/**
 * format6 writes an IPv6 address in the canonical text form of RFC 5952: lower-case hex, no leading zeros,
 * the longest run of two or more zero fields (the first on a tie) shortened to `::`, and IPv4-mapped
 * addresses (::ffff:0:0/96) in mixed notation (RFC 5952 section 5).
 */
export function format6(w0: number, w1: number, w2: number, w3: number): string {
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) return `::ffff:${format4(w3)}`;
  const g = [w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff];
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out.length > 0 && out.charCodeAt(out.length - 1) !== 58) out += ':';
    out += g[i]!.toString(16);
  }
  return out;
}
