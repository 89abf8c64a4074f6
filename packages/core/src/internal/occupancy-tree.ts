import type { Arith, MaskOps } from './arith.js';
import { freeBlocks, lowestBit, maximalBlocks, wordOrders } from './arith.js';

/**
 * The occupancy tree of one pool prefix: which of its addresses are taken. It is a path-compressed binary trie
 * over the offsets 0 … 2^R − 1 of the prefix, in which
 *
 * - a missing child (null) is a wholly free half;
 * - a FULL node is a wholly taken block of single addresses or reserved space, merged with its buddy when both
 *   are FULL, so that a dense range costs nothing;
 * - a UNIT node is a wholly taken block handed out as one prefix; it is never merged, so that its bounds and its
 *   (the pool keeps owners) survive;
 * - a WORD node is a block of 32 addresses (fewer for tiny pools) as an occupancy bitmap;
 * - an INNER node has two non-null children, each possibly compressed: a child of order c inside a half of
 *   order h > c means that everything else in that half is free.
 *
 * Every INNER node keeps the set of orders of the maximal free blocks below it (free blocks whose buddy is not
 * wholly free), so first-fit, best-fit and next-fit searches descend one path: a lookup visits at most R + 1
 * nodes. Memory grows with the number of allocations and how they fragment the space, never with its size.
 */

export const INNER = 0;
export const FULL = 1;
export const UNIT = 2;
export const WORD = 3;

export class TNode<O, M> {
  constructor(
    public o: number,
    public off: O,
    public k: number,
    public l: TNode<O, M> | null = null,
    public r: TNode<O, M> | null = null,
    public m: M,
    public w = 0,
  ) {}
}

/** What a block of the tree holds. */
export type BlockState<O, M> =
  | { readonly kind: 'free' }
  | { readonly kind: 'mixed' }
  | { readonly kind: 'full' }
  | { readonly kind: 'unit'; readonly node: TNode<O, M> };

const FREE_STATE = { kind: 'free' } as const;
const MIXED_STATE = { kind: 'mixed' } as const;
const FULL_STATE = { kind: 'full' } as const;

export class OccupancyTree<O, M> {
  root: TNode<O, M> | null = null;
  /** The order of the word leaves: 5 (32 addresses), or R for pools smaller than that. */
  readonly wo: number;
  readonly fullWord: number;

  constructor(
    readonly R: number,
    readonly ar: Arith<O>,
    readonly mk: MaskOps<M>,
  ) {
    this.wo = Math.min(5, R);
    this.fullWord = this.wo === 5 ? -1 : (1 << (1 << this.wo)) - 1;
  }

  // ---- masks ---------------------------------------------------------------------------------------------

  #own(x: TNode<O, M>): M {
    if (x.k === INNER || x.k === WORD) return x.m;
    return this.mk.none;
  }

  #wordMask(w: number): M {
    const m = wordOrders(w, this.wo);
    const mk = this.mk;
    if (typeof mk.none === 'number') return m as M;
    let out = mk.none;
    for (let j = 0; j < this.wo; j++) if ((m >>> j) & 1) out = mk.or(out, mk.bit(j));
    return out;
  }

  /** The orders of the maximal free blocks in a half of order h that holds x (or nothing). */
  contrib(x: TNode<O, M> | null, h: number): M {
    if (x === null) return this.mk.bit(h);
    return x.o === h ? this.#own(x) : this.mk.or(this.#own(x), this.mk.span(x.o, h));
  }

  /** The orders of the maximal free blocks of the whole prefix. */
  rootMask(): M {
    return this.contrib(this.root, this.R);
  }

  #refresh(x: TNode<O, M>): TNode<O, M> {
    x.m = this.mk.or(this.contrib(x.l, x.o - 1), this.contrib(x.r, x.o - 1));
    return x;
  }

  // ---- geometry ------------------------------------------------------------------------------------------

  #end(x: TNode<O, M>): O {
    return this.ar.add(x.off, this.ar.pow2(x.o));
  }

  /** Whether block (k, t) lies inside node x. */
  #inside(x: TNode<O, M>, k: number, t: O): boolean {
    return x.o >= k && this.ar.alignDown(t, x.o) === x.off;
  }

  #overlaps(x: TNode<O, M>, k: number, t: O): boolean {
    return x.o >= k ? this.ar.alignDown(t, x.o) === x.off : this.ar.alignDown(x.off, k) === t;
  }

  /** The bits of block (k, t) within the word that starts at `woff`. */
  #bits(k: number, t: O, woff: O): number {
    const i = this.ar.small(this.ar.sub(t, woff));
    return k === 5 ? -1 : ((1 << (1 << k)) - 1) << i;
  }

  /** A node that marks block (k, t) taken: a FULL or UNIT block, or the word that holds it. */
  #leaf(k: number, t: O, unit: boolean): TNode<O, M> {
    if (k >= this.wo) return new TNode<O, M>(k, t, unit ? UNIT : FULL, null, null, this.mk.none);
    const woff = this.ar.alignDown(t, this.wo);
    const w = this.#bits(k, t, woff);
    return new TNode<O, M>(this.wo, woff, WORD, null, null, this.#wordMask(w), w);
  }

  // ---- mutation ------------------------------------------------------------------------------------------

  /**
   * occupy marks the free block (k, t) taken, as single addresses (FULL) or as one prefix (UNIT).
   * Sub-word UNITs are marked in their word's bits; the caller keeps their bounds.
   */
  occupy(k: number, t: O, unit: boolean): void {
    this.root = this.#occ(this.root, k, t, unit && k >= this.wo);
  }

  #occ(x: TNode<O, M> | null, k: number, t: O, unit: boolean): TNode<O, M> {
    if (x === null) return this.#leaf(k, t, unit);
    if (!this.#inside(x, k, t)) {
      // x is a compressed child and (k, t) lies beside it: branch where their offsets diverge.
      //   before:  [ H: ........[x]..... ]      after:  [ B: [leaf] | [x] ]
      const leaf = this.#leaf(k, t, unit);
      const b = this.ar.divergence(x.off, leaf.off);
      const left = this.ar.bit(leaf.off, b - 1) === 0;
      return this.#settle(new TNode<O, M>(b, this.ar.alignDown(t, b), INNER, left ? leaf : x, left ? x : leaf, this.mk.none));
    }
    if (x.k === WORD) {
      x.w |= this.#bits(k, t, x.off);
      if (x.w === this.fullWord) return new TNode<O, M>(x.o, x.off, FULL, null, null, this.mk.none);
      x.m = this.#wordMask(x.w);
      return x;
    }
    if (x.k !== INNER) throw new Error('occupancy tree: block is not free');
    const h = x.o - 1;
    if (this.ar.bit(t, h) === 0 && k <= h) x.l = this.#occ(x.l, k, t, unit);
    else if (k <= h) x.r = this.#occ(x.r, k, t, unit);
    else throw new Error('occupancy tree: block is not free');
    return this.#settle(x);
  }

  /** An INNER node whose halves are both FULL becomes one FULL block; any other gets its mask refreshed. */
  #settle(x: TNode<O, M>): TNode<O, M> {
    const { l, r } = x;
    const h = x.o - 1;
    if (l !== null && r !== null && l.k === FULL && r.k === FULL && l.o === h && r.o === h) {
      return new TNode<O, M>(x.o, x.off, FULL, null, null, this.mk.none);
    }
    return this.#refresh(x);
  }

  /** vacate frees block (k, t), which is wholly taken: a UNIT node exactly, or single addresses. */
  vacate(k: number, t: O): void {
    this.root = this.#vac(this.root, k, t);
  }

  #vac(x: TNode<O, M> | null, k: number, t: O): TNode<O, M> | null {
    if (x === null || !this.#inside(x, k, t)) throw new Error('occupancy tree: block is not taken');
    if (x.k === UNIT || (x.k === FULL && x.o === k)) return null;
    if (x.k === FULL && x.o === this.wo) x = new TNode<O, M>(x.o, x.off, WORD, null, null, this.mk.none, this.fullWord);
    if (x.k === WORD) {
      x.w &= ~this.#bits(k, t, x.off);
      if (x.w === 0) return null;
      x.m = this.#wordMask(x.w);
      return x;
    }
    if (x.k === FULL) {
      // Split one level; the half that holds (k, t) is split further by the recursion below.
      const h = x.o - 1;
      const hi = this.ar.add(x.off, this.ar.pow2(h));
      x = new TNode<O, M>(x.o, x.off, INNER, new TNode<O, M>(h, x.off, FULL, null, null, this.mk.none), new TNode<O, M>(h, hi, FULL, null, null, this.mk.none), this.mk.none);
    }
    const h = x.o - 1;
    if (this.ar.bit(t, h) === 0) x.l = this.#vac(x.l, k, t);
    else x.r = this.#vac(x.r, k, t);
    if (x.l === null) return x.r;
    if (x.r === null) return x.l;
    return this.#refresh(x);
  }

  // ---- queries -------------------------------------------------------------------------------------------

  /** state tells whether block (k, t) is free, wholly taken as single addresses, one UNIT (or inside one), or mixed. */
  state(k: number, t: O): BlockState<O, M> {
    let x = this.root;
    for (;;) {
      if (x === null || !this.#overlaps(x, k, t)) return FREE_STATE;
      if (x.o < k) return MIXED_STATE;
      if (x.k === UNIT) return { kind: 'unit', node: x };
      if (x.k === FULL) return FULL_STATE;
      if (x.o === k && x.k === INNER) return this.#wholly(x) ? FULL_STATE : MIXED_STATE;
      if (x.k === WORD) {
        const bits = this.#bits(k, t, x.off);
        const got = x.w & bits;
        return got === 0 ? FREE_STATE : got === bits ? FULL_STATE : MIXED_STATE;
      }
      x = this.ar.bit(t, x.o - 1) === 0 ? x.l : x.r;
    }
  }

  /** Whether every address below x is taken (by single addresses and UNITs alike). */
  #wholly(x: TNode<O, M>): boolean {
    if (x.k === FULL || x.k === UNIT) return true;
    if (x.k === WORD) return x.w === this.fullWord;
    const h = x.o - 1;
    return x.l !== null && x.r !== null && x.l.o === h && x.r.o === h && this.#wholly(x.l) && this.#wholly(x.r);
  }

  /** Whether every address of block (k, t) is taken, as single addresses or inside UNITs. */
  isTaken(k: number, t: O): boolean {
    const kind = this.state(k, t).kind;
    return kind === 'full' || kind === 'unit';
  }

  /** The UNIT node that contains block (k, t), if any. */
  unitAt(k: number, t: O): TNode<O, M> | undefined {
    const s = this.state(k, t);
    return s.kind === 'unit' ? s.node : undefined;
  }

  /** firstFit returns the lowest offset of a free aligned block of order k, or undefined. */
  firstFit(k: number): O | undefined {
    if (!this.#hasAtLeast(this.rootMask(), k)) return undefined;
    return this.#first(this.root, this.R, this.ar.zero, k);
  }

  #hasAtLeast(m: M, k: number): boolean {
    return this.mk.lowestAtLeast(m, k) >= 0;
  }

  #first(x: TNode<O, M> | null, ho: number, hoff: O, k: number): O {
    const ar = this.ar;
    if (x === null) return hoff;
    if (x.o < ho) {
      // Free space before x starts at hoff, which is aligned for any order up to ho.
      if (!ar.lt(ar.sub(x.off, hoff), ar.pow2(k))) return hoff;
      if (x.o >= k && this.#hasAtLeast(this.#own(x), k)) return this.#firstIn(x, k);
      return ar.alignUp(this.#end(x), k);
    }
    return this.#firstIn(x, k);
  }

  #firstIn(x: TNode<O, M>, k: number): O {
    if (x.k === WORD) return this.ar.add(x.off, this.#small(lowestBit(freeBlocks(x.w, this.wo, k))));
    const h = x.o - 1;
    if (this.#hasAtLeast(this.contrib(x.l, h), k)) return this.#first(x.l, h, x.off, k);
    return this.#first(x.r, h, this.ar.add(x.off, this.ar.pow2(h)), k);
  }

  /** Where the last takeFirst put its block. */
  #found: O = undefined as O;

  /** takeFirst is firstFit(k) and occupy(k, t, false) in one descent; it returns t, or undefined. */
  takeFirst(k: number): O | undefined {
    if (!this.#hasAtLeast(this.rootMask(), k)) return undefined;
    this.root = this.#tf(this.root, this.R, this.ar.zero, k);
    return this.#found;
  }

  #tf(x: TNode<O, M> | null, ho: number, hoff: O, k: number): TNode<O, M> {
    const ar = this.ar;
    if (x === null) {
      this.#found = hoff;
      return this.#leaf(k, hoff, false);
    }
    if (x.o < ho) {
      if (!ar.lt(ar.sub(x.off, hoff), ar.pow2(k))) {
        this.#found = hoff;
        return this.#occ(x, k, hoff, false);
      }
      if (x.o >= k && this.#hasAtLeast(this.#own(x), k)) return this.#tfIn(x, k);
      const t = ar.alignUp(this.#end(x), k);
      this.#found = t;
      return this.#occ(x, k, t, false);
    }
    return this.#tfIn(x, k);
  }

  #tfIn(x: TNode<O, M>, k: number): TNode<O, M> {
    if (x.k === WORD) {
      const t = this.ar.add(x.off, this.#small(lowestBit(freeBlocks(x.w, this.wo, k))));
      this.#found = t;
      return this.#occ(x, k, t, false);
    }
    const h = x.o - 1;
    if (this.#hasAtLeast(this.contrib(x.l, h), k)) x.l = this.#tf(x.l, h, x.off, k);
    else x.r = this.#tf(x.r, h, this.ar.add(x.off, this.ar.pow2(h)), k);
    return this.#settle(x);
  }

  /** The lowest offset of a maximal free block of order exactly j (the caller knows one exists). */
  exact(j: number): O {
    return this.#exact(this.root, this.R, this.ar.zero, j);
  }

  #exact(x: TNode<O, M> | null, ho: number, hoff: O, j: number): O {
    const ar = this.ar;
    if (x === null) return hoff;
    if (x.o < ho && j >= x.o) {
      // The free sibling of order j on x's path: before x when x sits in the upper half of their parent.
      const parent = ar.alignDown(x.off, j + 1);
      if (ar.bit(x.off, j) === 1) return parent;
      return ar.add(parent, ar.pow2(j));
    }
    if (x.k === WORD) return ar.add(x.off, this.#small(lowestBit(maximalBlocks(x.w, this.wo, j))));
    const h = x.o - 1;
    if (this.mk.has(this.contrib(x.l, h), j)) return this.#exact(x.l, h, x.off, j);
    return this.#exact(x.r, h, ar.add(x.off, ar.pow2(h)), j);
  }

  #small(i: number): O {
    return (typeof this.ar.zero === 'number' ? i : BigInt(i)) as O;
  }

  /** nextFit returns the lowest offset ≥ t of a free aligned block of order k, or undefined. */
  nextFit(k: number, t: O): O | undefined {
    return this.#from(this.root, this.R, this.ar.zero, k, t);
  }

  #from(x: TNode<O, M> | null, ho: number, hoff: O, k: number, t: O): O | undefined {
    const ar = this.ar;
    const hend = ar.add(hoff, ar.pow2(ho));
    if (!ar.lt(t, hend) || !this.#hasAtLeast(this.contrib(x, ho), k)) return undefined;
    if (!ar.lt(hoff, t)) return this.#first(x, ho, hoff, k);
    const size = ar.pow2(k);
    if (x === null) {
      const r = ar.alignUp(t, k);
      return ar.lt(ar.sub(hend, size), r) ? undefined : r;
    }
    if (x.o < ho) {
      const before = ar.alignUp(t, k);
      if (!ar.lt(ar.sub(x.off, size), before)) return before;
      if (x.o >= k) {
        const inside = this.#fromIn(x, k, t);
        if (inside !== undefined) return inside;
      }
      const after = ar.alignUp(ar.max(t, this.#end(x)), k);
      return ar.lt(ar.sub(hend, size), after) ? undefined : after;
    }
    return this.#fromIn(x, k, t);
  }

  #fromIn(x: TNode<O, M>, k: number, t: O): O | undefined {
    const ar = this.ar;
    if (x.k === WORD) {
      let f = freeBlocks(x.w, this.wo, k);
      if (ar.lt(x.off, t)) {
        const skip = ar.small(ar.sub(ar.alignUp(t, k), x.off));
        f = skip >= 32 ? 0 : f & (~0 << skip);
      }
      return f === 0 ? undefined : ar.add(x.off, this.#small(lowestBit(f)));
    }
    if (x.k !== INNER) return undefined;
    const h = x.o - 1;
    return this.#from(x.l, h, x.off, k, t) ?? this.#from(x.r, h, ar.add(x.off, ar.pow2(h)), k, t);
  }

  /** walk reports the free ranges (inclusive offsets) and the UNIT nodes in order. */
  walk(free: (lo: O, hi: O) => void, unit?: (x: TNode<O, M>) => void): void {
    this.#walk(this.root, this.R, this.ar.zero, free, unit);
  }

  #walk(x: TNode<O, M> | null, ho: number, hoff: O, free: (lo: O, hi: O) => void, unit?: (x: TNode<O, M>) => void): void {
    const ar = this.ar;
    const one = ar.pow2(0);
    const hend = ar.add(hoff, ar.pow2(ho));
    if (x === null) {
      free(hoff, ar.sub(hend, one));
      return;
    }
    if (ar.lt(hoff, x.off)) free(hoff, ar.sub(x.off, one));
    if (x.k === WORD) {
      const n = 1 << this.wo;
      for (let i = 0; i < n; ) {
        if ((x.w >>> i) & 1) {
          i++;
          continue;
        }
        let j = i;
        while (j < n && ((x.w >>> j) & 1) === 0) j++;
        free(ar.add(x.off, this.#small(i)), ar.add(x.off, this.#small(j - 1)));
        i = j;
      }
    } else if (x.k === UNIT) {
      unit?.(x);
    } else if (x.k === INNER) {
      const h = x.o - 1;
      this.#walk(x.l, h, x.off, free, unit);
      this.#walk(x.r, h, ar.add(x.off, ar.pow2(h)), free, unit);
    }
    const xend = this.#end(x);
    if (ar.lt(xend, hend)) free(xend, ar.sub(hend, one));
  }
}
