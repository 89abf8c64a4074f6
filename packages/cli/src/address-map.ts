/**
 * The address map: a picture of address spaces (cluster CIDRs, service ranges, plugin pools) with the blocks inside
 * them, drawn as standalone SVG. Pure: data in, a string out; no I/O and no Node API, so it also runs in a browser.
 */
import { Addr, IPRange, InvalidArgumentError, Prefix } from '@ipam/core';
import type { AuditFinding, AuditReport, ClusterNetwork, FamilyPlan, Plan } from '@ipam/kubernetes';

/**
 * AddressMapBlockKind says what an {@link AddressMapBlock} is:
 * - `node`: a node's pod CIDR (`spec.podCIDRs`), or a planned node block;
 * - `service`: a Service ClusterIP range, or the part of one that Services use;
 * - `cluster`: a cluster CIDR (pod network) drawn inside another space, e.g. where it overlaps a service range;
 * - `pool`: a CNI plugin's pool (a Calico IPPool, Flannel's `Network`, ...) drawn inside another space;
 * - `block`: a CNI plugin's block given to a node (a Calico IPAMBlock, a CiliumNode pod CIDR, ...);
 * - `reserved`: addresses set aside (a static band, addresses a plan keeps free);
 * - `external`: a network outside the cluster that the cluster must not overlap (a VPC, a VPN).
 */
export type AddressMapBlockKind = 'node' | 'service' | 'cluster' | 'pool' | 'block' | 'reserved' | 'external';

/** AddressMapBlock is one prefix drawn inside an {@link AddressMapSpace}. */
export interface AddressMapBlock {
  /** AddressMapBlock.prefix is the block's prefix; it is drawn where it lies in the space, or listed below it when outside. */
  readonly prefix: Prefix;
  /** AddressMapBlock.kind says what the block is; it sets the fill when the utilisation is unknown. */
  readonly kind: AddressMapBlockKind;
  /** AddressMapBlock.label names it (a node's name, a pool's name); drawn inside the block when it fits. */
  readonly label?: string;
  /**
   * AddressMapBlock.utilisation is the used fraction (0 = empty, 1 = full), when known; it sets the fill colour.
   * Values above 1 (over-subscribed) are drawn as full. It must be a finite number ≥ 0.
   */
  readonly utilisation?: number;
  /** AddressMapBlock.conflict marks a block that overlaps what it must not or lies where it must not: drawn with a conflict outline. */
  readonly conflict?: boolean;
  /** AddressMapBlock.conflictReason says why the block is in conflict (shown in its tooltip). */
  readonly conflictReason?: string;
  /** AddressMapBlock.detail is more text for the tooltip (counts, findings), one fact per line. */
  readonly detail?: string;
}

/** AddressMapSpace is one prefix drawn as a square (or a 2:1 rectangle) of cells, with the blocks inside it. */
export interface AddressMapSpace {
  /** AddressMapSpace.title heads the drawing, e.g. `Pod network IPv4 (cluster CIDR)`. */
  readonly title: string;
  /** AddressMapSpace.prefix is the space drawn. */
  readonly prefix: Prefix;
  /** AddressMapSpace.blocks are the blocks in it; they may overlap (conflicts): larger blocks are drawn first. */
  readonly blocks: readonly AddressMapBlock[];
  /**
   * AddressMapSpace.cellBits is the preferred cell size as a prefix length (a cell of `/24` holds 256 IPv4
   * addresses). The default is the most common block size; either way the space has at most
   * {@link AddressMapSvgOptions.maxCells} cells and, room permitting, at least 64.
   */
  readonly cellBits?: number;
  /** AddressMapSpace.notes are lines printed under the drawing (space-wide facts and conflicts). */
  readonly notes?: readonly string[];
}

/** AddressMap is what {@link addressMapSvg} draws: a title and one or more spaces. */
export interface AddressMap {
  /** AddressMap.title heads the picture. */
  readonly title: string;
  /** AddressMap.spaces are the spaces, drawn one under the other. */
  readonly spaces: readonly AddressMapSpace[];
}

/** AddressMapSvgOptions tune {@link addressMapSvg}. */
export interface AddressMapSvgOptions {
  /** AddressMapSvgOptions.maxCells caps the cells of one space, a power of two from 1 to 65,536 (default 4,096: 64 × 64). */
  readonly maxCells?: number;
  /** AddressMapSvgOptions.size is the width in pixels of one space's drawing, an integer from 64 to 4,096 (default 512). */
  readonly size?: number;
}

/** AddressMapRect is a rectangle in cell units of an {@link AddressMapGrid}: `x` columns right, `y` rows down. */
export interface AddressMapRect {
  /** AddressMapRect.x is the left edge, in cells. */
  readonly x: number;
  /** AddressMapRect.y is the top edge, in cells. */
  readonly y: number;
  /** AddressMapRect.width is the width, in cells (below 1 for a prefix smaller than a cell). */
  readonly width: number;
  /** AddressMapRect.height is the height, in cells. */
  readonly height: number;
}

/** AddressMapCell is the position of one cell of an {@link AddressMapGrid}. */
export interface AddressMapCell {
  /** AddressMapCell.column is the cell's column, from 0 at the left. */
  readonly column: number;
  /** AddressMapCell.row is the cell's row, from 0 at the top. */
  readonly row: number;
}

/**
 * AddressMapGrid is how {@link addressMapSvg} lays out one space: `2^k` cells of `/cellBits` each, in Hilbert-curve
 * order over a square of `2^(k/2)` × `2^(k/2)` cells (for odd k, two such squares side by side, the lower half of
 * the space on the left). Consecutive addresses stay adjacent, and every aligned prefix is one rectangle: a square,
 * or two squares side by side or one above the other.
 */
export interface AddressMapGrid {
  /** AddressMapGrid.space is the prefix laid out. */
  readonly space: Prefix;
  /** AddressMapGrid.cellBits is the prefix length of one cell. */
  readonly cellBits: number;
  /** AddressMapGrid.columns is the width of the grid, in cells. */
  readonly columns: number;
  /** AddressMapGrid.rows is the height of the grid, in cells. */
  readonly rows: number;
  /** AddressMapGrid.cellOf returns the column and row of the cell holding `addr`, or undefined when `addr` is outside the space. */
  cellOf(addr: Addr): AddressMapCell | undefined;
  /**
   * AddressMapGrid.rectOf returns the rectangle `prefix` covers, in cells: the whole grid for a prefix that holds
   * the space, undefined for one outside it. A prefix smaller than a cell gets its exact share of its cell, down to
   * 2^-32 of a cell.
   */
  rectOf(prefix: Prefix): AddressMapRect | undefined;
}

const API = 'addressMapSvg';
const DEFAULT_MAX_CELLS = 4096;
/** Levels below a cell resolved for blocks smaller than a cell. */
const SUB_CELL_LEVELS = 32;
const MIN_LEVELS = 6; // at least 64 cells when the space has that many addresses

/** Hilbert curve: index `t` → cell (x, y) on a `side` × `side` grid (side a power of two); exact below 2^53. */
function hilbert(side: number, t: number): [number, number] {
  let x = 0;
  let y = 0;
  for (let s = 1; s < side; s *= 2) {
    const rx = Math.floor(t / 2) % 2;
    const ry = (t % 2) ^ rx;
    if (ry === 0) {
      if (rx === 1) {
        x = s - 1 - x;
        y = s - 1 - y;
      }
      const tmp = x;
      x = y;
      y = tmp;
    }
    x += s * rx;
    y += s * ry;
    t = Math.floor(t / 4);
  }
  return [x, y];
}

function hostBits(p: Prefix): number {
  return p.addr.bitLength - p.bits;
}

/** The most common prefix length among the blocks inside the space (ties: the longer), or undefined. */
function commonBits(space: Prefix, blocks: readonly AddressMapBlock[]): number | undefined {
  const counts = new Map<number, number>();
  for (const b of blocks) {
    if (b.prefix.family === space.family && space.containsPrefix(b.prefix)) counts.set(b.prefix.bits, (counts.get(b.prefix.bits) ?? 0) + 1);
  }
  let best: number | undefined;
  let most = 0;
  for (const [bits, n] of [...counts].sort((a, b) => a[0] - b[0])) {
    if (n >= most) [best, most] = [bits, n];
  }
  return best;
}

function checkOptions(options: AddressMapSvgOptions): { maxLevels: number; size: number } {
  const maxCells = options.maxCells ?? DEFAULT_MAX_CELLS;
  if (typeof maxCells !== 'number' || !Number.isInteger(maxCells) || maxCells < 1 || maxCells > 65536 || (maxCells & (maxCells - 1)) !== 0) {
    throw new InvalidArgumentError(API, `options.maxCells must be a power of two from 1 to 65536, got ${String(maxCells)}`);
  }
  const size = options.size ?? 512;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 64 || size > 4096) {
    throw new InvalidArgumentError(API, `options.size must be an integer from 64 to 4096, got ${String(size)}`);
  }
  return { maxLevels: Math.log2(maxCells), size };
}

/**
 * addressMapGrid lays out `space` as {@link addressMapSvg} does (see {@link AddressMapGrid}): a cell is
 * `space.cellBits` or else the most common block size, made coarser until the space has at most
 * `options.maxCells` cells and finer until it has at least 64 (when it holds that many addresses). Throws
 * `InvalidArgumentError` (`ERR_INVALID_ARGUMENT`) for bad options or a bad `cellBits`.
 */
export function addressMapGrid(space: AddressMapSpace, options: AddressMapSvgOptions = {}): AddressMapGrid {
  const { maxLevels } = checkOptions(options);
  const prefix = space.prefix;
  const h = hostBits(prefix);
  const cb = space.cellBits;
  if (cb !== undefined && (!Number.isInteger(cb) || cb < 0 || cb > prefix.addr.bitLength)) {
    throw new InvalidArgumentError(API, `space ${JSON.stringify(space.title)}: cellBits must be an integer from 0 to ${prefix.addr.bitLength}, got ${String(cb)}`);
  }
  const wanted = (cb ?? commonBits(prefix, space.blocks) ?? prefix.bits + 8) - prefix.bits;
  const k = Math.min(h, maxLevels, Math.max(wanted, Math.min(h, MIN_LEVELS)));
  return new Grid(prefix, k);
}

class Grid implements AddressMapGrid {
  readonly space: Prefix;
  readonly cellBits: number;
  readonly columns: number;
  readonly rows: number;
  readonly #k: number;
  readonly #h: number;
  readonly #base: bigint;

  constructor(space: Prefix, k: number) {
    this.space = space;
    this.#k = k;
    this.#h = hostBits(space);
    this.#base = space.addr.toBigInt();
    this.cellBits = space.bits + k;
    this.rows = 2 ** Math.floor(k / 2);
    this.columns = k % 2 === 1 ? 2 * this.rows : this.rows;
  }

  cellOf(addr: Addr): AddressMapCell | undefined {
    if (!this.space.contains(addr)) return undefined;
    const r = this.#rect((addr.toBigInt() - this.#base) >> BigInt(this.#h - this.#k), this.#k);
    return { column: r.x, row: r.y };
  }

  rectOf(prefix: Prefix): AddressMapRect | undefined {
    if (prefix.family !== this.space.family || !prefix.overlaps(this.space)) return undefined;
    if (prefix.bits <= this.space.bits) return { x: 0, y: 0, width: this.columns, height: this.rows };
    const levels = Math.min(prefix.bits - this.space.bits, this.#k + SUB_CELL_LEVELS);
    const index = (prefix.addr.toBigInt() - this.#base) >> BigInt(this.#h - levels);
    return this.#rect(index, levels);
  }

  /** The rectangle of the `levels`-bit index `index` (the top `levels` bits of an offset in the space). */
  #rect(index: bigint, levels: number): AddressMapRect {
    let x0 = 0;
    let rest = index;
    let l = levels;
    if (this.#k % 2 === 1) {
      if (levels === 0) return { x: 0, y: 0, width: this.columns, height: this.rows };
      // Two squares side by side: the top bit picks one.
      l = levels - 1;
      if ((index >> BigInt(l)) & 1n) x0 = this.rows;
      rest = index & ((1n << BigInt(l)) - 1n);
    }
    const square = this.rows;
    if (l % 2 === 0) {
      const side = 2 ** (l / 2);
      const unit = square / side;
      const [x, y] = hilbert(side, Number(rest));
      return { x: x0 + x * unit, y: y * unit, width: unit, height: unit };
    }
    // An odd level: two consecutive cells of the next finer curve, which are adjacent.
    const side = 2 ** ((l + 1) / 2);
    const unit = square / side;
    const [ax, ay] = hilbert(side, Number(rest * 2n));
    const [bx, by] = hilbert(side, Number(rest * 2n + 1n));
    return { x: x0 + Math.min(ax, bx) * unit, y: Math.min(ay, by) * unit, width: (Math.abs(ax - bx) + 1) * unit, height: (Math.abs(ay - by) + 1) * unit };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// SVG

/** XML 1.0 forbids most C0 controls, lone surrogates, U+FFFE and U+FFFF: they become U+FFFD. */
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for XML content and attribute values. */
function esc(s: string): string {
  return s
    .replace(INVALID_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;'); // a raw CR would be read back as a line feed
}

/** A number for an attribute: at most 6 decimals, no exponent, no trailing zeros. */
function num(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const s = n.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

/** The fill for a utilisation, in five steps (the legend lists them). */
const SCALE: readonly { readonly below: number; readonly label: string; readonly fill: string }[] = [
  { below: 0.25, label: 'under 25 %', fill: '#1a9850' },
  { below: 0.5, label: '25–50 %', fill: '#91cf60' },
  { below: 0.75, label: '50–75 %', fill: '#fee08b' },
  { below: 0.9, label: '75–90 %', fill: '#fc8d59' },
  { below: Infinity, label: '90 % and more', fill: '#d73027' },
];

const KIND_FILL: Record<AddressMapBlockKind, string> = {
  node: '#9ecae1',
  service: '#bcbddc',
  cluster: '#d9d9d9',
  pool: '#c7e9c0',
  block: '#a6bddb',
  reserved: '#bdbdbd',
  external: '#fdd0a2',
};
const KINDS = Object.keys(KIND_FILL) as AddressMapBlockKind[];
const KIND_NAME: Record<AddressMapBlockKind, string> = {
  node: 'node pod CIDR',
  service: 'service range',
  cluster: 'cluster CIDR',
  pool: 'plugin pool',
  block: 'plugin block',
  reserved: 'reserved',
  external: 'external network',
};
const CONFLICT = '#e7298a';
const FREE = '#f2f2f2';
const FONT = 'font-family="sans-serif"';
const MARGIN = 16;
const LEGEND_WIDTH = 210;
const MAX_LISTED = 8;

function fillOf(b: AddressMapBlock): string {
  if (b.utilisation === undefined) return KIND_FILL[b.kind];
  return SCALE.find((s) => b.utilisation! < s.below)!.fill;
}

/** An integer with thousands separators, the same everywhere (no locale). */
function thousands(n: number | bigint): string {
  if (typeof n === 'number' && n >= 2 ** 48) return `≈ 2^${Math.round(Math.log2(n))}`;
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function percentText(u: number): string {
  if (u > 0 && u < 0.001) return '< 0.1 %';
  return `${(Math.round(u * 1000) / 10).toString()} %`;
}

/** An address count: exact below 2^48, else 2^k. */
function countText(n: bigint): string {
  if (n < 1n << 48n) return thousands(n);
  const k = n.toString(2).length - 1;
  return n === 1n << BigInt(k) ? `2^${k}` : `≈ 2^${k}`;
}

/** The tooltip of a block: prefix and label, kind, utilisation, conflict, detail. */
function titleOf(b: AddressMapBlock): string {
  const lines = [b.label === undefined || b.label === '' ? `${b.prefix}` : `${b.prefix} — ${b.label}`, KIND_NAME[b.kind]];
  if (b.utilisation !== undefined) lines.push(`utilisation ${percentText(b.utilisation)}`);
  if (b.conflict === true) lines.push(`conflict: ${b.conflictReason ?? 'yes'}`);
  if (b.detail !== undefined && b.detail !== '') lines.push(b.detail);
  return lines.join('\n');
}

function checkMap(map: AddressMap): void {
  if (typeof map !== 'object' || map === null || !Array.isArray(map.spaces)) {
    throw new InvalidArgumentError(API, 'map must be an object with a spaces array');
  }
  map.spaces.forEach((s, i) => {
    if (!(s.prefix instanceof Prefix)) throw new InvalidArgumentError(API, `map.spaces[${i}].prefix must be a Prefix, got ${String(s.prefix)}`);
    if (!Array.isArray(s.blocks)) throw new InvalidArgumentError(API, `map.spaces[${i}].blocks must be an array`);
    s.blocks.forEach((b: AddressMapBlock, j: number) => {
      const at = `map.spaces[${i}].blocks[${j}]`;
      if (!(b.prefix instanceof Prefix)) throw new InvalidArgumentError(API, `${at}.prefix must be a Prefix, got ${String(b.prefix)}`);
      if (!KINDS.includes(b.kind)) throw new InvalidArgumentError(API, `${at} (${b.prefix}).kind must be one of ${KINDS.join(', ')}, got ${JSON.stringify(b.kind)}`);
      const u = b.utilisation;
      if (u !== undefined && (typeof u !== 'number' || !Number.isFinite(u) || u < 0)) {
        throw new InvalidArgumentError(API, `${at} (${b.prefix}).utilisation must be a finite number ≥ 0, got ${String(u)}`);
      }
    });
  });
}

/** Truncates `s` to `chars` characters with an ellipsis. */
function fit(s: string, chars: number): string | undefined {
  const cps = [...s];
  if (cps.length <= chars) return s;
  if (chars < 4) return undefined;
  return `${cps.slice(0, chars - 1).join('')}…`;
}

interface Drawn {
  readonly svg: string;
  readonly height: number;
  readonly kinds: ReadonlySet<AddressMapBlockKind>;
  readonly utilisation: boolean;
  readonly conflicts: boolean;
  readonly marks: boolean;
}

function drawSpace(space: AddressMapSpace, index: number, top: number, options: AddressMapSvgOptions, size: number): Drawn {
  const grid = addressMapGrid(space, options);
  const cell = size / grid.columns;
  const areaTop = top + 26;
  const areaHeight = cell * grid.rows;
  const out: string[] = [];
  const kinds = new Set<AddressMapBlockKind>();
  let utilisation = false;
  let conflicts = 0;
  out.push(`<g class="space" id="space-${index}">`);
  out.push(`<text class="space-title" x="${MARGIN}" y="${top + 16}" ${FONT} font-size="14" font-weight="bold">${esc(`${space.title} ${space.prefix}`)}</text>`);
  out.push(`<rect class="area" x="${MARGIN}" y="${num(areaTop)}" width="${size}" height="${num(areaHeight)}" fill="${FREE}" stroke="#888888" stroke-width="1"><title>${esc(`${space.prefix}: free space is light grey`)}</title></rect>`);

  // Larger blocks first, so smaller ones (and nested conflicts) stay visible; conflicts over the rest of their size.
  const order = space.blocks
    .map((b, i) => ({ b, i }))
    .sort((p, q) => p.b.prefix.bits - q.b.prefix.bits || Number(p.b.conflict === true) - Number(q.b.conflict === true) || p.i - q.i);
  const outside: AddressMapBlock[] = [];
  const marked = new Map<string, { column: number; row: number; blocks: AddressMapBlock[] }>();
  const kindCounts = new Map<AddressMapBlockKind, number>();
  for (const { b } of order) {
    kindCounts.set(b.kind, (kindCounts.get(b.kind) ?? 0) + 1);
    if (b.conflict === true) conflicts++;
    if (b.utilisation !== undefined) utilisation = true;
    else kinds.add(b.kind);
    const r = grid.rectOf(b.prefix);
    if (r === undefined) {
      outside.push(b);
      continue;
    }
    const x = MARGIN + r.x * cell;
    const y = areaTop + r.y * cell;
    const w = r.width * cell;
    const h = r.height * cell;
    const classes = `block kind-${b.kind}${b.conflict === true ? ' conflict' : ''}`;
    const stroke = b.conflict === true ? `stroke="${CONFLICT}" stroke-width="${num(Math.min(3, Math.max(1, w / 4)))}"` : `stroke="#ffffff" stroke-width="${num(Math.min(1, w / 8))}"`;
    out.push(`<g class="${classes}"><title>${esc(titleOf(b))}</title>`);
    out.push(`<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" fill="${fillOf(b)}" ${stroke}/>`);
    const label = b.label !== undefined && b.label !== '' ? b.label : `${b.prefix}`;
    const chars = Math.floor((w - 4) / 5.5);
    const line = h >= 14 ? fit(label, chars) : undefined;
    if (line !== undefined) {
      const two = h >= 30 && label !== `${b.prefix}` && fit(`${b.prefix}`, chars) === `${b.prefix}`;
      out.push(`<text x="${num(x + 2)}" y="${num(y + 11)}" ${FONT} font-size="9" fill="#111111">${esc(line)}</text>`);
      if (two) out.push(`<text x="${num(x + 2)}" y="${num(y + 22)}" ${FONT} font-size="9" fill="#333333">${esc(`${b.prefix}`)}</text>`);
    }
    out.push('</g>');
    if (b.prefix.bits > grid.cellBits) {
      const c = grid.cellOf(b.prefix.addr)!;
      const key = `${c.column},${c.row}`;
      const m = marked.get(key) ?? { ...c, blocks: [] };
      m.blocks.push(b);
      marked.set(key, m);
    }
  }
  // A faint cell grid over the blocks, when cells are big enough to see: it shows the node blocks of an aggregate.
  if (cell >= 6 && grid.columns * grid.rows > 1) {
    const d: string[] = [];
    for (let c = 1; c < grid.columns; c++) d.push(`M${num(MARGIN + c * cell)} ${num(areaTop)}V${num(areaTop + areaHeight)}`);
    for (let r = 1; r < grid.rows; r++) d.push(`M${MARGIN} ${num(areaTop + r * cell)}H${MARGIN + size}`);
    out.push(`<path class="grid" d="${d.join('')}" fill="none" stroke="#ffffff" stroke-opacity="0.5" stroke-width="0.5"/>`);
  }
  // Cells holding blocks smaller than a cell: a dot and an outline, so they show at any size.
  for (const m of [...marked.values()].sort((p, q) => p.row - q.row || p.column - q.column)) {
    const x = MARGIN + m.column * cell;
    const y = areaTop + m.row * cell;
    const cellPrefix = m.blocks[0]!.prefix.addr.prefix(grid.cellBits);
    const listed = m.blocks.slice(0, MAX_LISTED).map((b) => `${b.prefix}${b.label ? ` ${b.label}` : ''}${b.conflict ? ' (conflict)' : ''}`);
    if (m.blocks.length > MAX_LISTED) listed.push(`and ${m.blocks.length - MAX_LISTED} more`);
    const text = `cell ${cellPrefix} holds ${m.blocks.length} block${m.blocks.length === 1 ? '' : 's'} smaller than a cell:\n${listed.join('\n')}`;
    const conflict = m.blocks.some((b) => b.conflict === true);
    out.push(`<g class="mark"><title>${esc(text)}</title><rect x="${num(x + 0.5)}" y="${num(y + 0.5)}" width="${num(Math.max(cell - 1, 0.5))}" height="${num(Math.max(cell - 1, 0.5))}" fill="none" stroke="${conflict ? CONFLICT : '#333333'}" stroke-width="1" stroke-dasharray="2,1"/><circle cx="${num(x + cell / 2)}" cy="${num(y + cell / 2)}" r="${num(Math.max(1, cell / 6))}" fill="${conflict ? CONFLICT : '#333333'}"/></g>`);
  }

  let y = areaTop + areaHeight + 16;
  const cellSize = 1n << BigInt(grid.space.addr.bitLength - grid.cellBits);
  const counted = KINDS.filter((k) => kindCounts.has(k)).map((k) => `${kindCounts.get(k)} ${KIND_NAME[k]}${kindCounts.get(k) === 1 ? '' : 's'}`);
  const caption = [
    `${grid.columns * grid.rows} cells (${grid.columns} × ${grid.rows}), 1 cell = /${grid.cellBits} (${countText(cellSize)} address${cellSize === 1n ? '' : 'es'})`,
    counted.length === 0 ? 'no blocks' : counted.join(', '),
    `${conflicts} conflict${conflicts === 1 ? '' : 's'}`,
  ].join(' · ');
  out.push(`<text class="caption" x="${MARGIN}" y="${num(y)}" ${FONT} font-size="11" fill="#333333">${esc(caption)}</text>`);
  const lines: string[] = [...(space.notes ?? [])];
  const extra: string[] = [];
  for (const b of outside.slice(0, MAX_LISTED)) {
    const text = `outside ${space.prefix}: ${b.prefix}${b.label ? ` ${b.label}` : ''}${b.conflict ? ` (conflict: ${b.conflictReason ?? 'yes'})` : ''}`;
    extra.push(`<g class="block outside kind-${b.kind}${b.conflict === true ? ' conflict' : ''}"><title>${esc(titleOf(b))}</title><text x="${MARGIN}" y="${num(y + 14 * (lines.length + extra.length + 1))}" ${FONT} font-size="11" fill="${b.conflict === true ? CONFLICT : '#333333'}">${esc(fit(text, 100) ?? text)}</text></g>`);
  }
  for (const [i, b] of outside.slice(MAX_LISTED).entries()) {
    // Not listed one by one: still one element per block, carrying its tooltip.
    const last = i === outside.length - MAX_LISTED - 1;
    extra.push(`<g class="block outside kind-${b.kind}${b.conflict === true ? ' conflict' : ''}"><title>${esc(titleOf(b))}</title>${last ? `<text x="${MARGIN}" y="${num(y + 14 * (lines.length + MAX_LISTED + 1))}" ${FONT} font-size="11" fill="#333333">${esc(`and ${outside.length - MAX_LISTED} more outside ${space.prefix}`)}</text>` : ''}</g>`);
  }
  lines.forEach((line, i) => {
    out.push(`<text class="note" x="${MARGIN}" y="${num(y + 14 * (i + 1))}" ${FONT} font-size="11" fill="#333333">${esc(fit(line, 110) ?? line)}</text>`);
  });
  out.push(...extra);
  y += 14 * (lines.length + Math.min(outside.length, MAX_LISTED + 1));
  out.push('</g>');
  return { svg: out.join('\n'), height: y + 12 - top, kinds, utilisation, conflicts: conflicts > 0, marks: marked.size > 0 };
}

function legend(x: number, top: number, drawn: readonly Drawn[]): { svg: string; height: number } {
  const out: string[] = ['<g class="legend">'];
  let y = top + 16;
  const heading = (t: string): void => {
    out.push(`<text x="${x}" y="${y}" ${FONT} font-size="12" font-weight="bold">${esc(t)}</text>`);
    y += 8;
  };
  const swatch = (fill: string, stroke: string, text: string, dashed = false): void => {
    out.push(`<rect x="${x}" y="${y}" width="14" height="14" fill="${fill}" stroke="${stroke}" stroke-width="${stroke === CONFLICT ? 2 : 1}"${dashed ? ' stroke-dasharray="2,1"' : ''}/>`);
    out.push(`<text x="${x + 20}" y="${y + 11}" ${FONT} font-size="11">${esc(text)}</text>`);
    y += 18;
  };
  heading('Utilisation');
  for (const s of SCALE) swatch(s.fill, '#ffffff', s.label);
  y += 10;
  const kinds = KINDS.filter((k) => drawn.some((d) => d.kinds.has(k)));
  if (kinds.length > 0) {
    heading('Utilisation unknown');
    for (const k of kinds) swatch(KIND_FILL[k], '#ffffff', KIND_NAME[k]);
    y += 10;
  }
  heading('Marks');
  swatch(FREE, '#888888', 'free space');
  swatch('none', CONFLICT, 'conflict (see tooltip)');
  swatch('none', '#333333', 'cell with smaller blocks', true);
  out.push(`<text x="${x}" y="${y + 12}" ${FONT} font-size="10" fill="#555555">Addresses run along a Hilbert curve:</text>`);
  out.push(`<text x="${x}" y="${y + 25}" ${FONT} font-size="10" fill="#555555">every prefix is one rectangle.</text>`);
  out.push(`<text x="${x}" y="${y + 38}" ${FONT} font-size="10" fill="#555555">Hover a block for details.</text>`);
  y += 42;
  out.push('</g>');
  return { svg: out.join('\n'), height: y - top };
}

/**
 * addressMapSvg draws `map` as a standalone SVG 1.1 document (UTF-8 text with an XML declaration): the title, then
 * each space as a grid of cells (see {@link AddressMapGrid}) with its blocks coloured by utilisation (or by kind when
 * unknown), conflicts outlined, labels where they fit, a tooltip (`<title>`) per block, and a caption saying what one
 * cell is and counting the blocks; a legend on the right. Blocks smaller than a cell are drawn at their exact place
 * and their cell is marked; blocks outside their space are listed under it. Every text is escaped (node names and
 * reasons are user data) and the output is deterministic: the same map gives the same bytes.
 * Throws `InvalidArgumentError` (`ERR_INVALID_ARGUMENT`) naming the option or block for bad input.
 *
 * @example
 * ```ts
 * const svg = addressMapSvg({
 *   title: 'Lab',
 *   spaces: [{ title: 'Pods', prefix: Prefix.parse('10.0.0.0/16'), blocks: [{ prefix: Prefix.parse('10.0.1.0/24'), kind: 'node', label: 'n1', utilisation: 0.3 }] }],
 * });
 * ```
 */
export function addressMapSvg(map: AddressMap, options: AddressMapSvgOptions = {}): string {
  const { size } = checkOptions(options);
  checkMap(map);
  const parts: string[] = [];
  let y = 40;
  const drawn: Drawn[] = [];
  map.spaces.forEach((space, i) => {
    const d = drawSpace(space, i, y, options, size);
    drawn.push(d);
    parts.push(d.svg);
    y += d.height + 12;
  });
  if (map.spaces.length === 0) {
    parts.push(`<text x="${MARGIN}" y="${y + 16}" ${FONT} font-size="12">${esc('no address space to draw')}</text>`);
    y += 28;
  }
  const lx = MARGIN + size + 24;
  const lg = legend(lx, 40, drawn);
  const width = lx + LEGEND_WIDTH + MARGIN;
  const height = Math.ceil(Math.max(y, 40 + lg.height) + MARGIN);
  const blocks = map.spaces.reduce((n, s) => n + s.blocks.length, 0);
  const conflicts = map.spaces.reduce((n, s) => n + s.blocks.filter((b) => b.conflict === true).length, 0);
  const desc = `${map.spaces.length} address space${map.spaces.length === 1 ? '' : 's'}, ${blocks} block${blocks === 1 ? '' : 's'}, ${conflicts} conflict${conflicts === 1 ? '' : 's'}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${esc(map.title)}</title>`,
    `<desc>${esc(desc)}</desc>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text class="map-title" x="${MARGIN}" y="24" ${FONT} font-size="18" font-weight="bold">${esc(map.title)}</text>`,
    ...parts,
    lg.svg,
    '</svg>',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// From audits and plans

const fam = (p: Prefix | FamilyPlan): string => `IPv${p.family}`;

/** Codes whose findings are conflicts: overlaps and misplaced ranges. Other findings only add to the tooltip. */
const CONFLICT_CODES: ReadonlySet<string> = new Set([
  'POD_CIDR_OVERLAPS_SERVICE_CIDR',
  'POD_CIDR_OVERLAPS_EXTERNAL',
  'SERVICE_CIDR_OVERLAPS_EXTERNAL',
  'NODE_POD_CIDRS_OVERLAP',
  'NODE_POD_CIDR_OUTSIDE_CLUSTER_CIDR',
  'NODE_POD_CIDR_OVERLAPS_SERVICE_CIDR',
  'PLUGIN_POOLS_OVERLAP',
  'PLUGIN_POOL_OVERLAPS_SERVICE_CIDR',
  'PLUGIN_POOL_OVERLAPS_EXTERNAL',
  'PLUGIN_POOL_CLUSTER_CIDR_MISMATCH',
  'CNI_RANGE_OVERLAPS_SERVICE_CIDR',
]);

/** Whether `text` names `prefix` as a whole word (`10.0.0.0/2` is not named by `10.0.0.0/24`). */
function names(text: string, prefix: Prefix): boolean {
  const p = `${prefix}`;
  for (let at = text.indexOf(p); at >= 0; at = text.indexOf(p, at + 1)) {
    const before = text[at - 1];
    const after = text[at + p.length];
    if ((before === undefined || !/[0-9a-fA-F.:]/.test(before)) && (after === undefined || !/[0-9]/.test(after))) return true;
  }
  return false;
}

/** A block being built, with the audit objects that name it. */
interface Draft {
  prefix: Prefix;
  kind: AddressMapBlockKind;
  label?: string;
  utilisation?: number;
  details: string[];
  /** Object names that findings use for it (`Node/x`, `service CIDR 10.96.0.0/12`), or prefixes of them (`Calico pool p`). */
  objects: string[];
  reasons: string[];
}

function finish(d: Draft): AddressMapBlock {
  return {
    prefix: d.prefix,
    kind: d.kind,
    ...(d.label !== undefined ? { label: d.label } : {}),
    ...(d.utilisation !== undefined ? { utilisation: d.utilisation } : {}),
    ...(d.reasons.length > 0 ? { conflict: true, conflictReason: d.reasons.join('; ') } : {}),
    ...(d.details.length > 0 ? { detail: d.details.join('\n') } : {}),
  };
}

/** Applies findings to drafts: a finding concerns a draft when one of its objects is the draft's and its message names the prefix. */
function applyFindings(drafts: readonly Draft[], findings: readonly AuditFinding[]): void {
  // Indexed by object name, so a 5,000-node audit with a finding per node stays linear.
  const byObject = new Map<string, Draft[]>();
  for (const d of drafts) for (const o of d.objects) byObject.set(o, [...(byObject.get(o) ?? []), d]);
  for (const f of findings) {
    const concerned = new Set<Draft>();
    for (const fo of f.objects) {
      // `Calico pool p (file: x, IPPool/p)`: the name before the place it was read.
      const cut = fo.indexOf(' (');
      for (const key of cut < 0 ? [fo] : [fo, fo.slice(0, cut)]) for (const d of byObject.get(key) ?? []) concerned.add(d);
    }
    if (concerned.size === 0) continue;
    const named = [...concerned].filter((d) => names(f.message, d.prefix));
    for (const d of named.length > 0 ? named : concerned) {
      const line = `${f.code}: ${f.message}`;
      if (CONFLICT_CODES.has(f.code)) {
        if (!d.reasons.includes(line)) d.reasons.push(line);
      } else if (!d.details.includes(`${f.severity} ${line}`)) {
        d.details.push(`${f.severity} ${line}`);
      }
    }
  }
}

/** The shortest prefix holding all of `ps` (one family, at least one). */
function covering(ps: readonly Prefix[]): Prefix {
  let lo = ps[0]!.addr.toBigInt();
  let hi = ps[0]!.last().toBigInt();
  for (const p of ps) {
    const a = p.addr.toBigInt();
    const b = p.last().toBigInt();
    if (a < lo) lo = a;
    if (b > hi) hi = b;
  }
  const width = ps[0]!.addr.bitLength;
  let bits = width;
  while (bits > 0 && lo >> BigInt(width - bits) !== hi >> BigInt(width - bits)) bits--;
  return Addr.fromBigInt(lo, ps[0]!.family).prefix(bits);
}

/**
 * addressMapOfAudit builds the {@link AddressMap} of an audited cluster: for each family the cluster CIDR with
 * every node's pod CIDR, coloured by that node's pods against the block's usable addresses (from
 * `report.capacity.nodes`); each service range as its own space, coloured by the share of its addresses held by
 * ClusterIPs; the CNI plugins' pools (`network.pools`) as spaces of their own with their blocks and allocations
 * (`network.blocks`), except a pool that is the cluster CIDR and whose blocks are the nodes' pod CIDRs (Flannel),
 * which is folded into the cluster space; and external networks a range overlaps. Findings about overlaps and
 * misplaced ranges (`NODE_POD_CIDRS_OVERLAP`, `POD_CIDR_OVERLAPS_SERVICE_CIDR`, ...) mark the blocks their objects
 * and message name as conflicts, with the message as the reason; other findings about a block go to its tooltip.
 * When the cluster CIDR is unknown, the nodes' pod CIDRs are drawn in the shortest prefix that holds them.
 *
 * @example
 * ```ts
 * const network = clusterNetwork({ clusterCIDRs: [Prefix.parse('10.244.0.0/16')], serviceCIDRs: [Prefix.parse('10.96.0.0/12')] });
 * const svg = addressMapSvg(addressMapOfAudit(network, audit(network)));
 * ```
 */
export function addressMapOfAudit(network: ClusterNetwork, report: AuditReport): AddressMap {
  const { capacity } = report;
  const all: Draft[] = [];
  const draft = (d: Omit<Draft, 'details' | 'objects' | 'reasons'> & Partial<Pick<Draft, 'details' | 'objects'>>): Draft => {
    const x: Draft = { details: [], objects: [], reasons: [], ...d };
    all.push(x);
    return x;
  };
  const spaces: { title: string; prefix: Prefix; drafts: Draft[]; notes: string[]; cellBits?: number }[] = [];
  const serviceObj = (s: (typeof capacity.services)[number]): string =>
    s.source === 'service CIDR' ? `service CIDR ${s.serviceCIDR}` : `${s.source} ${s.serviceCIDR}`;
  // External networks are known to the report only through findings: `External vpn 10.0.0.0/16`.
  const externals = new Map<string, { label: string; prefix: Prefix }>();
  for (const f of report.findings) {
    for (const o of f.objects) {
      if (!o.startsWith('External ')) continue;
      const label = o.slice('External '.length);
      const prefix = Prefix.tryParse(label.split(' ').at(-1) ?? '');
      if (prefix !== undefined) externals.set(o, { label, prefix });
    }
  }
  const externalsIn = (space: Prefix): Draft[] =>
    [...externals].filter(([, e]) => e.prefix.family === space.family && e.prefix.overlaps(space))
      .map(([o, e]) => draft({ prefix: e.prefix, kind: 'external', label: e.label, objects: [o] }));

  // Plugin pools: a pool equal to a cluster CIDR whose blocks are all node pod CIDRs is the same picture.
  const nodeCIDRs = new Set(capacity.nodes.map((n) => `${n.podCIDR}`));
  const poolUsage = (i: number): (typeof capacity.pools)[number] | undefined => capacity.pools[i];
  const folded = new Set<number>();
  network.pools.forEach((pool, i) => {
    const blocks = network.blocks.filter((b) => b.plugin === pool.plugin && (b.pool === pool.name || (b.pool === undefined && pool.cidrs.some((c) => c.containsPrefix(b.cidr)))));
    if (pool.cidrs.length === 1 && network.clusterCIDRs.some((c) => c.equals(pool.cidrs[0]!)) && blocks.every((b) => nodeCIDRs.has(`${b.cidr}`))) folded.add(i);
  });

  // The pod networks.
  const families = new Set<number>();
  for (const c of network.clusterCIDRs) families.add(c.family);
  const nodeSpaces: { prefix: Prefix; title: string; known: boolean }[] = network.clusterCIDRs.map((c) => ({ prefix: c, title: `Pod network ${fam(c)} (cluster CIDR)`, known: true }));
  for (const f of [4, 6] as const) {
    const ps = capacity.nodes.filter((n) => n.podCIDR.family === f).map((n) => n.podCIDR);
    if (!families.has(f) && ps.length > 0) nodeSpaces.push({ prefix: covering(ps), title: `Node pod CIDRs ${fam(ps[0]!)} (cluster CIDR unknown)`, known: false });
  }
  for (const s of nodeSpaces) {
    const fc = capacity.families.find((f) => f.clusterCIDR.equals(s.prefix));
    const notes: string[] = [];
    if (fc !== undefined) {
      notes.push(`${fc.usedBlocks} of ${thousands(fc.nodeBlocks)} /${fc.nodeMaskSize} node blocks used (${percentText(fc.utilisation)}), ${thousands(fc.freeBlocks)} free: room for ${thousands(fc.maxNodes)} nodes of ${thousands(fc.podAddressesPerNode)} pod addresses`);
    }
    const drafts: Draft[] = [];
    for (const n of capacity.nodes) {
      if (n.podCIDR.family !== s.prefix.family) continue;
      const details = [`node ${n.node}: ${n.pods} pod${n.pods === 1 ? '' : 's'} on ${thousands(n.usable)} usable addresses`];
      const plugin = network.blocks.find((b) => b.cidr.equals(n.podCIDR) && (b.node === undefined || b.node === n.node));
      if (plugin !== undefined) details.push(`${plugin.plugin} block${plugin.pool !== undefined ? ` of pool ${plugin.pool}` : ''}`);
      drafts.push(draft({ prefix: n.podCIDR, kind: 'node', label: n.node, utilisation: n.utilisation, details, objects: [`Node/${n.node}`] }));
    }
    for (const r of capacity.services) {
      if (r.serviceCIDR.family === s.prefix.family && r.serviceCIDR.overlaps(s.prefix)) {
        drafts.push(draft({ prefix: r.serviceCIDR, kind: 'service', label: serviceObj(r), objects: [serviceObj(r)] }));
      }
    }
    network.pools.forEach((pool, i) => {
      if (!folded.has(i) || !pool.cidrs[0]!.equals(s.prefix)) return;
      notes.push(`${pool.plugin} pool ${pool.name} is this cluster CIDR; its blocks are the nodes' pod CIDRs`);
    });
    drafts.push(...externalsIn(s.prefix));
    // Plugin blocks without a pool that are not node pod CIDRs (a Flannel subnet.env that disagrees).
    for (const b of network.blocks) {
      if (b.pool === undefined && b.cidr.family === s.prefix.family && s.prefix.containsPrefix(b.cidr) && !nodeCIDRs.has(`${b.cidr}`) && !network.pools.some((p) => p.plugin === b.plugin && p.cidrs.some((c) => c.containsPrefix(b.cidr)))) {
        drafts.push(draft({ prefix: b.cidr, kind: 'block', label: b.node ?? b.plugin, objects: [`${b.plugin} block ${b.cidr}`] }));
      }
    }
    spaces.push({ title: s.title, prefix: s.prefix, drafts, notes, ...(fc !== undefined ? { cellBits: fc.nodeMaskSize } : {}) });
  }

  // The service ranges.
  for (const r of capacity.services) {
    const obj = serviceObj(r);
    const drafts = [
      draft({
        prefix: r.serviceCIDR,
        kind: 'service',
        label: `${thousands(r.used)} ClusterIP${r.used === 1 ? '' : 's'}`,
        utilisation: r.utilisation,
        details: [`${thousands(r.used)} of ${thousands(r.usable)} usable addresses hold ClusterIPs (${r.usedStatic} in the static band of ${r.staticBand}), ${thousands(r.free)} free`],
        objects: [obj],
      }),
    ];
    for (const c of network.clusterCIDRs) {
      if (c.overlaps(r.serviceCIDR)) drafts.push(draft({ prefix: c, kind: 'cluster', label: 'cluster CIDR', objects: [`cluster CIDR ${c}`] }));
    }
    for (const n of capacity.nodes) {
      if (n.podCIDR.overlaps(r.serviceCIDR)) drafts.push(draft({ prefix: n.podCIDR, kind: 'node', label: n.node, utilisation: n.utilisation, objects: [`Node/${n.node}`] }));
    }
    drafts.push(...externalsIn(r.serviceCIDR));
    spaces.push({ title: `Service range ${fam(r.serviceCIDR)} (${r.source})`, prefix: r.serviceCIDR, drafts, notes: [] });
  }

  // The plugin pools not folded into a cluster space.
  network.pools.forEach((pool, i) => {
    if (folded.has(i)) return;
    const usage = poolUsage(i);
    const poolObj = `${pool.plugin[0]!.toUpperCase()}${pool.plugin.slice(1)} pool ${pool.name}`;
    for (const cidr of pool.cidrs) {
      const drafts: Draft[] = [];
      network.blocks.forEach((b, j) => {
        if (b.cidr.family !== cidr.family || !cidr.overlaps(b.cidr)) return;
        if (b.plugin !== pool.plugin || (b.pool !== undefined && b.pool !== pool.name)) return;
        const u = capacity.blocks[j];
        const details: string[] = [];
        if (u?.allocated !== undefined) details.push(`${u.allocated} of ${thousands(u.size)} addresses allocated`);
        if (b.node !== undefined) details.push(`affine to node ${b.node}`);
        drafts.push(draft({
          prefix: b.cidr,
          kind: 'block',
          label: b.node ?? `${b.plugin} block`,
          ...(u?.utilisation !== undefined ? { utilisation: u.utilisation } : {}),
          details,
          objects: [`${pool.plugin[0]!.toUpperCase()}${pool.plugin.slice(1)} block ${b.cidr}`, ...(b.node !== undefined ? [] : [])],
        }));
      });
      for (const r of capacity.services) {
        if (r.serviceCIDR.overlaps(cidr)) drafts.push(draft({ prefix: r.serviceCIDR, kind: 'service', label: serviceObj(r), objects: [serviceObj(r)] }));
      }
      drafts.push(...externalsIn(cidr));
      const notes: string[] = [];
      if (usage !== undefined) {
        notes.push(`${pool.plugin} pool ${pool.name}${pool.disabled ? ' (disabled)' : ''}: ${usage.basis === 'none' ? 'use unknown' : `${percentText(usage.utilisation)} used by ${usage.basis}`}, ${usage.blocksInUse} block${usage.blocksInUse === 1 ? '' : 's'} in use${usage.blockSize !== undefined ? ` of /${usage.blockSize}` : ''}`);
      }
      // Pool-wide conflicts (overlapping pools, a pool outside the cluster CIDR) go to the notes.
      const poolDraft: Draft = { prefix: cidr, kind: 'pool', label: pool.name, details: [], objects: [poolObj], reasons: [] };
      applyFindings([poolDraft], report.findings);
      for (const r of poolDraft.reasons) notes.push(`conflict ${r}`);
      spaces.push({
        title: `${pool.plugin[0]!.toUpperCase()}${pool.plugin.slice(1)} pool ${pool.name} ${fam(cidr)}${pool.disabled ? ' (disabled)' : ''}`,
        prefix: cidr,
        drafts,
        notes,
        ...(pool.blockSize !== undefined ? { cellBits: pool.blockSize } : {}),
      });
    }
  });

  applyFindings(all, report.findings);
  const title = network.sources.length > 0 ? `Address map: ${network.sources.join(', ')}` : 'Address map';
  return {
    title,
    spaces: spaces.map((s) => ({
      title: s.title,
      prefix: s.prefix,
      blocks: s.drafts.map(finish),
      ...(s.cellBits !== undefined ? { cellBits: s.cellBits } : {}),
      ...(s.notes.length > 0 ? { notes: s.notes } : {}),
    })),
  };
}

/** `count` consecutive blocks of `/bits` from the start of `space`, as the fewest prefixes. */
function firstBlocks(space: Prefix, bits: number, count: bigint): Prefix[] {
  if (count <= 0n) return [];
  const size = 1n << BigInt(space.addr.bitLength - bits);
  const first = space.addr;
  const lastValue = first.toBigInt() + count * size - 1n;
  const last = Addr.fromBigInt(lastValue > space.last().toBigInt() ? space.last().toBigInt() : lastValue, space.family);
  return IPRange.from(first, last).prefixes();
}

/**
 * addressMapOfPlan builds the {@link AddressMap} of a `Plan` (from `@ipam/kubernetes`): per family the planned cluster CIDR, with the
 * node blocks the required nodes take (drawn as the fewest prefixes covering them, one cell per node block where
 * the cap allows) and the room left; and the planned service range, with the addresses the required Services take.
 *
 * @example
 * ```ts
 * const svg = addressMapSvg(addressMapOfPlan(plan({ nodes: 50, podsPerNode: 30, services: 200, families: [4, 6] })));
 * ```
 */
export function addressMapOfPlan(plan: Plan): AddressMap {
  const spaces: AddressMapSpace[] = [];
  const req = plan.required;
  for (const fp of plan.families) {
    const nodes = BigInt(Math.min(req.nodes, fp.maxNodes));
    const used = firstBlocks(fp.clusterCIDR, fp.nodeMaskSize, nodes);
    let first = 1n;
    const blocks: AddressMapBlock[] = used.map((p) => {
      const n = 1n << BigInt(fp.nodeMaskSize - p.bits);
      const label = n === 1n ? `node ${first}` : `nodes ${first}–${first + n - 1n}`;
      const detail = `${n} planned /${fp.nodeMaskSize} node block${n === 1n ? '' : 's'} of ${countText(fp.nodeBlockSize)} addresses (${countText(fp.podAddressesPerNode)} pod addresses, maxPods ${fp.maxPodsPerNode})`;
      first += n;
      return { prefix: p, kind: 'node', label, detail };
    });
    spaces.push({
      title: `Planned pod network ${fam(fp)} (cluster CIDR)`,
      prefix: fp.clusterCIDR,
      blocks,
      cellBits: fp.nodeMaskSize,
      notes: [
        `${thousands(req.nodes)} nodes planned of ${thousands(fp.maxNodes)} /${fp.nodeMaskSize} node blocks; up to ${thousands(fp.maxPods)} pods`,
        `--cluster-cidr=${fp.clusterCIDR} --node-cidr-mask-size-ipv${fp.family}=${fp.nodeMaskSize}`,
      ],
    });
    const services = firstBlocks(fp.serviceCIDR, fp.serviceCIDR.addr.bitLength, BigInt(req.services) + 1n).map((p): AddressMapBlock => ({
      prefix: p,
      kind: 'service',
      label: 'Services',
      detail: `ClusterIPs for the ${thousands(req.services)} planned Services (from the network address)`,
    }));
    spaces.push({
      title: `Planned service range ${fam(fp)}`,
      prefix: fp.serviceCIDR,
      blocks: services,
      notes: [
        `${countText(fp.serviceAddresses)} ClusterIPs for ${thousands(req.services)} Services; kubernetes.default is ${fp.kubernetesServiceIP}, cluster DNS ${fp.dnsServiceIP}`,
        `--service-cluster-ip-range=${fp.serviceCIDR}`,
      ],
    });
  }
  return {
    title: `Address plan: ${thousands(req.nodes)} nodes × ${req.maxPodsPerNode} pods, ${thousands(req.services)} Services`,
    spaces,
  };
}
