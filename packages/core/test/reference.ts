/**
 * A slow, readable reference for the address grammar and the RFC 5952 formatter, kept for tests only.
 * It works on bigints and strings with regular expressions, the opposite of the real single-pass parser,
 * so that a differential test between the two means something.
 */

export interface RefAddr {
  family: 4 | 6;
  value: bigint;
  zone?: string;
}

const V4 = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;
const GROUP = /^[0-9a-fA-F]{1,4}$/;

export function refParse4(s: string): bigint | undefined {
  const m = V4.exec(s);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((acc, o) => acc * 256n + BigInt(o), 0n);
}

function groupsOf(part: string): number[] | undefined {
  if (part === '') return [];
  const fields = part.split(':');
  const out: number[] = [];
  for (const [i, f] of fields.entries()) {
    if (i === fields.length - 1 && f.includes('.')) {
      const v4 = refParse4(f);
      if (v4 === undefined) return undefined;
      out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (GROUP.test(f)) {
      out.push(parseInt(f, 16));
    } else {
      return undefined;
    }
  }
  return out;
}

export function refParse(s: string): RefAddr | undefined {
  if (!s.includes(':')) {
    const v = refParse4(s);
    return v === undefined ? undefined : { family: 4, value: v };
  }
  let zone: string | undefined;
  const pct = s.indexOf('%');
  if (pct >= 0) {
    zone = s.slice(pct + 1);
    if (zone === '') return undefined;
    s = s.slice(0, pct);
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const head = groupsOf(halves[0]!);
    const tail = groupsOf(halves[1]!);
    // An embedded IPv4 address may only end the address, never the head.
    if (!head || !tail || halves[0]!.includes('.')) return undefined;
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    const all = groupsOf(s);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  const value = groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
  return zone === undefined ? { family: 6, value } : { family: 6, value, zone };
}

export function refFormat(a: RefAddr): string {
  if (a.family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((a.value >> s) & 255n)).join('.');
  }
  const zone = a.zone === undefined ? '' : `%${a.zone}`;
  if (a.value >> 32n === 0xffffn) {
    return `::ffff:${refFormat({ family: 4, value: a.value & 0xffffffffn })}${zone}`;
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((a.value >> BigInt(112 - 16 * i)) & 0xffffn));
  // The longest run of two or more zero groups, first on a tie, becomes "::" (RFC 5952 section 4.2).
  let best = { start: -1, len: 1 };
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { start: i, len: j - i };
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(':') + zone;
  const head = hex.slice(0, best.start).join(':');
  const tail = hex.slice(best.start + best.len).join(':');
  return `${head}::${tail}${zone}`;
}
