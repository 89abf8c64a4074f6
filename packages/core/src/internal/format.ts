const OCTET = Array.from({ length: 256 }, (_, i) => String(i));
const OCTET_DOT = OCTET.map((o) => `${o}.`);

/** format4 writes an unsigned 32-bit IPv4 value in dotted decimal. */
export function format4(v: number): string {
  return OCTET_DOT[v >>> 24]! + OCTET_DOT[(v >>> 16) & 255]! + OCTET_DOT[(v >>> 8) & 255]! + OCTET[v & 255]!;
}

/** Hex strings of 0 … 255 without and with a leading zero: a 16-bit group is one or two lookups. */
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16));
const HEX2: readonly string[] = HEX.map((h) => h.padStart(2, '0'));

function hex16(x: number): string {
  return x < 256 ? HEX[x]! : HEX[x >>> 8]! + HEX2[x & 255]!;
}

/** The 16-bit group i (0 … 7) of the words. */
function group(w0: number, w1: number, w2: number, w3: number, i: number): number {
  const w = i < 4 ? (i < 2 ? w0 : w1) : i < 6 ? w2 : w3;
  return (i & 1) === 0 ? w >>> 16 : w & 0xffff;
}

/**
 * format6 writes an IPv6 address in the canonical text form of RFC 5952: lower-case hex, no leading zeros,
 * the longest run of two or more zero fields (the first on a tie) shortened to `::`, and IPv4-mapped
 * addresses (::ffff:0:0/96) in mixed notation (RFC 5952 section 5).
 */
export function format6(w0: number, w1: number, w2: number, w3: number): string {
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) return `::ffff:${format4(w3)}`;
  let bestStart = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    if (group(w0, w1, w2, w3, i) === 0) {
      if (runStart < 0) runStart = i;
      if (i - runStart + 1 > bestLen) {
        bestStart = runStart;
        bestLen = i - runStart + 1;
      }
    } else runStart = -1;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (i !== 0 && i !== bestStart + bestLen) out += ':';
    out += hex16(group(w0, w1, w2, w3, i));
  }
  return out;
}
