/**
 * The playground's address map, computed from a Pool's own state (its prefixes, `toJSON().allocations`,
 * `reserved()` and `freeSet()`) so that what is drawn is what the pool says. layoutMap is pure and runs in Node
 * (docs/test/address-map.test.ts); renderMap turns a layout into SVG markup.
 */
import { Addr, IPRange, IPSet, Prefix, type Pool } from '@ipam/core';

/** What a segment of the map shows. */
export type SegmentKind = 'allocated' | 'reserved' | 'free';

/** One run of addresses inside one of the pool's prefixes. */
export interface Segment {
  readonly kind: SegmentKind;
  /** The allocation (`10.0.0.0/26`, `10.0.0.7`), or the free or reserved range in CIDR or `first-last` form. */
  readonly value: string;
  /** The allocation's owner label, when it has one. */
  readonly owner: string | undefined;
  /** Where the segment starts and how wide it is, as fractions of its row (0…1). */
  readonly start: number;
  readonly width: number;
  /** Number of addresses. */
  readonly size: bigint;
}

/** One of the pool's prefixes and its segments, in address order. */
export interface Row {
  readonly prefix: string;
  readonly segments: readonly Segment[];
}

/** The whole map: one row per pool prefix, IPv4 first. */
export interface MapLayout {
  readonly rows: readonly Row[];
  readonly allocated: number;
}

const fraction = (num: bigint, den: bigint): number => Number((num * 1_000_000n) / den) / 1_000_000;

/** The range an allocation string of `Pool.toJSON` stands for. */
function rangeOf(value: string): IPRange {
  if (value.includes('/')) return IPRange.fromPrefix(Prefix.parse(value));
  if (value.includes('-')) return IPRange.parse(value);
  const a = Addr.parse(value);
  return IPRange.from(a, a);
}

/** Text for a run of addresses: its prefix when it is one, else `first-last`, else the single address. */
function label(r: IPRange): string {
  if (r.first().equals(r.last())) return r.first().toString();
  return r.prefix()?.toString() ?? r.toString();
}

/** layoutMap lays out a pool: each of its prefixes is a row cut into allocated, reserved and free segments. */
export function layoutMap(pool: Pool): MapLayout {
  const json = pool.toJSON();
  const allocations = json.allocations.map((a) => (typeof a === 'string' ? { value: a, owner: undefined } : { value: a.value, owner: a.owner }));
  const reserved = pool.reserved();
  const free = pool.freeSet();
  let count = 0;
  const rows = pool.prefixes().map((prefix): Row => {
    const base = prefix.addr.toBigInt();
    const whole = IPSet.from([prefix]);
    const pieces: { kind: SegmentKind; range: IPRange; value: string; owner: string | undefined }[] = [];
    for (const a of allocations) {
      const range = rangeOf(a.value);
      if (whole.containsRange(range)) pieces.push({ kind: 'allocated', range, value: a.value, owner: a.owner });
    }
    for (const range of reserved.intersect(whole).ranges()) pieces.push({ kind: 'reserved', range, value: label(range), owner: undefined });
    for (const range of free.intersect(whole).ranges()) pieces.push({ kind: 'free', range, value: label(range), owner: undefined });
    pieces.sort((x, y) => x.range.first().compare(y.range.first()));
    count += pieces.filter((p) => p.kind === 'allocated').length;
    return {
      prefix: prefix.toString(),
      segments: pieces.map((p) => ({
        kind: p.kind,
        value: p.value,
        owner: p.owner,
        start: fraction(p.range.first().toBigInt() - base, prefix.size),
        width: fraction(p.range.size, prefix.size),
        size: p.range.size,
      })),
    };
  });
  return { rows, allocated: count };
}

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Geometry of the SVG map, in SVG user units. */
const W = 720;
const LEFT = 8;
const ROW = 64;
const BAR = 34;
/** A segment is never drawn narrower than this, so a single address in a /64 stays visible. */
const MIN = 2;

/** renderMap writes a layout as a standalone SVG element: a labelled bar per prefix, a rect per segment. */
export function renderMap(layout: MapLayout): string {
  const height = Math.max(1, layout.rows.length) * ROW + 8;
  const parts: string[] = [];
  layout.rows.forEach((row, i) => {
    const y = i * ROW + 22;
    parts.push(`<text class="row-label" x="${LEFT}" y="${y - 6}">${escape(row.prefix)}</text>`);
    parts.push(`<g class="row" data-prefix="${escape(row.prefix)}">`);
    for (const s of row.segments) {
      const x = LEFT + s.start * W;
      const w = Math.max(MIN, s.width * W);
      const name = s.owner === undefined ? s.value : `${s.value} (${s.owner})`;
      const attrs = `data-kind="${s.kind}" data-value="${escape(s.value)}"${s.owner === undefined ? '' : ` data-owner="${escape(s.owner)}"`}`;
      parts.push(
        `<rect class="seg ${s.kind}" ${attrs} x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${BAR}"><title>${escape(`${s.kind}: ${name}, ${s.size} addresses`)}</title></rect>`,
      );
      // A label goes inside the segment when it fits (about 6.5 units per character at the map's font size).
      const text = s.kind === 'allocated' ? s.value : s.kind === 'reserved' ? 'reserved' : '';
      if (text !== '' && text.length * 6.5 + 6 < w) {
        parts.push(`<text class="seg-label ${s.kind}" x="${(x + 3).toFixed(2)}" y="${y + BAR / 2 + 4}" aria-hidden="true">${escape(text)}</text>`);
      }
    }
    parts.push('</g>');
  });
  const summary = `${layout.rows.length} prefixes, ${layout.allocated} allocations`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="address-map" viewBox="0 0 ${W + 2 * LEFT} ${height}" width="${W + 2 * LEFT}" height="${height}" role="img" aria-label="Address map: ${escape(summary)}">${parts.join('')}</svg>`;
}
