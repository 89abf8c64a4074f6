/**
 * A simple reference model of Pool for the model-based tests: every address of a small pool in a Map, and
 * every rule written out the slow, obvious way. It shares no code with Pool's trie.
 */
import { Addr, Prefix } from '../src/index.js';

export interface ModelSpace {
  family: 4 | 6;
  lo: bigint;
  order: number;
}

export interface ModelAlloc {
  family: 4 | 6;
  lo: bigint;
  order: number;
  owner: string | undefined;
}

export type Outcome = { ok: string } | { code: string };

const width = (f: 4 | 6): number => (f === 4 ? 32 : 128);

export class PoolModel {
  readonly spaces: ModelSpace[];
  /** Taken addresses: "family:value" → the key of the allocation, or "reserved". */
  readonly taken = new Map<string, string>();
  readonly allocs = new Map<string, ModelAlloc>();
  last: { 4?: { space: number; end: bigint }; 6?: { space: number; end: bigint } } = {};

  constructor(
    prefixes: Prefix[],
    reserved: Addr[],
    readonly strategy: 'lowest' | 'sequential',
  ) {
    this.spaces = prefixes
      .map((p) => ({ family: p.family, lo: p.addr.toBigInt(), order: p.addr.bitLength - p.bits }))
      .sort((a, b) => a.family - b.family || (a.lo < b.lo ? -1 : 1));
    for (const a of reserved) this.taken.set(`${a.family}:${a.toBigInt()}`, 'reserved');
  }

  clone(): PoolModel {
    const m = new PoolModel([], [], this.strategy);
    (m as { spaces: ModelSpace[] }).spaces.push(...this.spaces);
    for (const [k, v] of this.taken) m.taken.set(k, v);
    for (const [k, v] of this.allocs) m.allocs.set(k, v);
    m.last = { ...this.last };
    return m;
  }

  static key(family: 4 | 6, lo: bigint, order: number): string {
    const a = Addr.fromBigInt(lo, family);
    return order === 0 ? a.toString() : a.prefix(width(family) - order).toString();
  }

  #free(family: 4 | 6, lo: bigint, order: number): boolean {
    for (let v = lo; v < lo + (1n << BigInt(order)); v++) if (this.taken.has(`${family}:${v}`)) return false;
    return true;
  }

  #spaceOf(family: 4 | 6, lo: bigint, order: number): number {
    return this.spaces.findIndex((s) => s.family === family && s.order >= order && lo >= s.lo && lo + (1n << BigInt(order)) <= s.lo + (1n << BigInt(s.order)));
  }

  /** The lowest free aligned block of the order in space i at or after offset `from`. */
  #firstFree(i: number, order: number, from = 0n): bigint | undefined {
    const s = this.spaces[i]!;
    const size = 1n << BigInt(order);
    for (let off = ((from + size - 1n) / size) * size; off + size <= 1n << BigInt(s.order); off += size) {
      if (this.#free(s.family, s.lo + off, order)) return s.lo + off;
    }
    return undefined;
  }

  #choose(family: 4 | 6, order: number): { space: number; lo: bigint } | undefined {
    const idx = this.spaces.map((s, i) => (s.family === family ? i : -1)).filter((i) => i >= 0);
    if (this.strategy === 'sequential') {
      const last = this.last[family];
      let start = 0;
      if (last !== undefined) {
        const s = this.spaces[last.space]!;
        const lo = this.#firstFree(last.space, order, last.end - s.lo);
        if (lo !== undefined) return { space: last.space, lo };
        start = idx.indexOf(last.space) + 1;
      }
      for (let n = 0; n < idx.length; n++) {
        const i = idx[(start + n) % idx.length]!;
        const lo = this.#firstFree(i, order);
        if (lo !== undefined) return { space: i, lo };
      }
      return undefined;
    }
    if (order === 0) {
      for (const i of idx) {
        const lo = this.#firstFree(i, 0);
        if (lo !== undefined) return { space: i, lo };
      }
      return undefined;
    }
    // Best fit: the maximal free aligned blocks (free, and the parent block is not wholly free), smallest first.
    let best: { space: number; lo: bigint; j: number } | undefined;
    for (const i of idx) {
      const s = this.spaces[i]!;
      for (let j = order; j <= s.order; j++) {
        const size = 1n << BigInt(j);
        for (let off = 0n; off + size <= 1n << BigInt(s.order); off += size) {
          if (!this.#free(s.family, s.lo + off, j)) continue;
          const parentFree = j < s.order && this.#free(s.family, s.lo + ((off / (size * 2n)) * size * 2n), j + 1);
          if (parentFree) continue;
          if (best === undefined || j < best.j) best = { space: i, lo: s.lo + off, j };
        }
      }
    }
    return best;
  }

  #record(family: 4 | 6, lo: bigint, order: number, owner: string | undefined): string {
    const key = PoolModel.key(family, lo, order);
    for (let v = lo; v < lo + (1n << BigInt(order)); v++) this.taken.set(`${family}:${v}`, key);
    this.allocs.set(key, { family, lo, order, owner });
    return key;
  }

  allocate(family: 4 | 6, bits: number, owner?: string): Outcome {
    const spaces = this.spaces.filter((s) => s.family === family);
    if (spaces.length === 0) return { code: 'ERR_POOL_INVALID_REQUEST' };
    if (bits < Math.min(...spaces.map((s) => width(family) - s.order))) return { code: 'ERR_POOL_INVALID_REQUEST' };
    const order = width(family) - bits;
    const c = this.#choose(family, order);
    if (c === undefined) return { code: 'ERR_POOL_EXHAUSTED' };
    this.last[family] = { space: c.space, end: c.lo + (1n << BigInt(order)) };
    return { ok: this.#record(family, c.lo, order, owner) };
  }

  claim(family: 4 | 6, lo: bigint, order: number, owner?: string): Outcome {
    if (this.#spaceOf(family, lo, order) < 0) return { code: 'ERR_POOL_OUTSIDE' };
    if (!this.#free(family, lo, order)) return { code: 'ERR_POOL_CONFLICT' };
    return { ok: this.#record(family, lo, order, owner) };
  }

  release(family: 4 | 6, lo: bigint, order: number): Outcome {
    if (this.#spaceOf(family, lo, order) < 0) return { code: 'ERR_POOL_OUTSIDE' };
    const key = PoolModel.key(family, lo, order);
    if (!this.allocs.has(key)) return { code: 'ERR_POOL_NOT_ALLOCATED' };
    this.allocs.delete(key);
    for (let v = lo; v < lo + (1n << BigInt(order)); v++) this.taken.delete(`${family}:${v}`);
    return { ok: key };
  }

  ownerOf(family: 4 | 6, value: bigint): string | undefined {
    const key = this.taken.get(`${family}:${value}`);
    return key === undefined || key === 'reserved' ? undefined : this.allocs.get(key)?.owner;
  }

  find(owner: string): string[] {
    return [...this.allocs.entries()]
      .filter(([, a]) => a.owner === owner)
      .sort(([, a], [, b]) => a.family - b.family || (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0) || b.order - a.order)
      .map(([k]) => k);
  }

  /** Allocated addresses, as sorted "family:value" strings. */
  allocatedAddresses(): string[] {
    return [...this.taken.entries()].filter(([, v]) => v !== 'reserved').map(([k]) => k).sort();
  }
}
