/**
 * The three allocators of the pool bench behind one small interface, each with its own loops so that every call
 * site in a timed loop sees one implementation only.
 *
 * - `@ipam/core`: `Pool` ('lowest' strategy), `allocate({ family })` / `allocatePrefix(bits, { family })` /
 *   `release(x)`.
 * - `ip-num`: its `Pool` through {@link IpNumAllocator}: `getCidrRange(prefix)`, `add([range])`, `aggregate()`.
 * - `naive`: {@link NaiveAllocator}, a Set<bigint> of taken addresses scanned from the start.
 */
import { Addr, Pool, Prefix } from '@ipam/core';
import { IpNumAllocator, ipNumBlock } from './ipnum.js';
import { NaiveAllocator } from './naive.js';
import { type Block, formatPrefix, order, type Phase, type Shape, width } from './shapes.js';

export type ImplName = '@ipam/core' | 'ip-num' | 'naive';

/** A fresh allocator for one run and the blocks it handed out so far. */
export interface Run {
  readonly shape: Shape;
  handles: unknown[];
  /** What the last timed step handed out (allocate-back results for release cases). */
  out: unknown[];
}

export interface Driver {
  readonly name: ImplName;
  /** A fresh, empty allocator for the shape (untimed). */
  make(shape: Shape): Run;
  /** An allocator that already handed out `blocks` (untimed); drivers may build that state directly. */
  made(shape: Shape, blocks: readonly Block[]): Run;
  /** Hands out the phases' requests, in order, into `run.out` (timed); with keep false, only the last one. */
  allocate(run: Run, phases: readonly Phase[], keep?: boolean): void;
  /** Releases every handle of `run.handles` (timed); `blocks` says what each one is. */
  releaseAll(run: Run, blocks: readonly Block[]): void;
  /** Reads `run.out` as blocks (verification, untimed). */
  blocks(run: Run): Block[];
  /** Whether one more single-address request fails (verification, untimed). */
  exhausted(run: Run): boolean;
}

interface CoreRun extends Run {
  pool: Pool;
}

function corePool(s: Shape): Pool {
  const reserve = s.reserveEnds
    ? [Addr.fromBigInt(s.base, s.family), Addr.fromBigInt(s.base + (1n << BigInt(order(s))) - 1n, s.family)]
    : [];
  return new Pool([formatPrefix(s)], { reserve });
}

export const core: Driver = {
  name: '@ipam/core',
  make: (shape) => ({ shape, handles: [], out: [], pool: corePool(shape) }) as CoreRun,
  made(shape, blocks) {
    const run = core.make(shape) as CoreRun;
    // Allocating is fast enough; it also builds exactly the state the pool would have.
    core.allocate(run, phasesOf(blocks));
    run.handles = run.out;
    run.out = [];
    return run;
  },
  allocate(r, phases, keep = true) {
    const { pool, shape } = r as CoreRun;
    const family = shape.family;
    const w = width(shape);
    if (!keep) {
      // The same requests, but every returned value is dropped at once: the allocator's own cost.
      let last: Addr | Prefix | undefined;
      for (const p of phases) {
        if (p.k === 0) for (let i = 0; i < p.count; i++) last = pool.allocate({ family });
        else for (let i = 0; i < p.count; i++) last = pool.allocatePrefix(w - p.k, { family });
      }
      r.out = last === undefined ? [] : [last];
      return;
    }
    const out: (Addr | Prefix)[] = (r.out = []);
    for (const p of phases) {
      if (p.k === 0) for (let i = 0; i < p.count; i++) out.push(pool.allocate({ family }));
      else for (let i = 0; i < p.count; i++) out.push(pool.allocatePrefix(w - p.k, { family }));
    }
  },
  releaseAll(r) {
    const { pool } = r as CoreRun;
    for (const h of r.handles as (Addr | Prefix)[]) pool.release(h);
  },
  blocks(r) {
    const w = width(r.shape);
    return (r.out as (Addr | Prefix)[]).map((h) => (h instanceof Prefix ? { start: h.addr.toBigInt(), k: w - h.bits } : { start: h.toBigInt(), k: 0 }));
  },
  exhausted(r) {
    try {
      (r as CoreRun).pool.allocate({ family: r.shape.family });
      return false;
    } catch {
      return true;
    }
  },
};

interface IpNumRun extends Run {
  alloc: IpNumAllocator;
}

function reservedEnds(s: Shape): bigint[] {
  return s.reserveEnds ? [s.base, s.base + (1n << BigInt(order(s))) - 1n] : [];
}

export const ipNum: Driver = {
  name: 'ip-num',
  make: (shape) => ({ shape, handles: [], out: [], alloc: new IpNumAllocator(shape.family, shape.base, order(shape), reservedEnds(shape)) }) as IpNumRun,
  made(shape, blocks) {
    const full = addressesOf(blocks) === (1n << BigInt(order(shape))) - (shape.reserveEnds ? 2n : 0n);
    if (full) {
      // Everything is handed out: ip-num's state is an empty range list (allocating it costs minutes at /16).
      const { alloc, handles } = IpNumAllocator.filled(shape.family, blocks);
      return { shape, handles, out: [], alloc } as IpNumRun;
    }
    const run = ipNum.make(shape);
    ipNum.allocate(run, phasesOf(blocks));
    run.handles = run.out;
    run.out = [];
    return run;
  },
  allocate(r, phases) {
    const { alloc, shape } = r as IpNumRun;
    const w = width(shape);
    const out: unknown[] = (r.out = []);
    for (const p of phases) for (let i = 0; i < p.count; i++) out.push(alloc.allocate(w - p.k));
  },
  releaseAll(r) {
    const { alloc } = r as IpNumRun;
    for (const h of r.handles as Parameters<IpNumAllocator['release']>[0][]) alloc.release(h);
    alloc.settle();
  },
  blocks: (r) => (r.out as Parameters<typeof ipNumBlock>[0][]).map((h) => ipNumBlock(h, r.shape.family)),
  exhausted(r) {
    try {
      (r as IpNumRun).alloc.allocate(width(r.shape));
      return false;
    } catch {
      return true;
    }
  },
};

interface NaiveRun extends Run {
  alloc: NaiveAllocator;
  ks: number[];
}

export const naive: Driver = {
  name: 'naive',
  make: (shape) => ({ shape, handles: [], out: [], ks: [], alloc: new NaiveAllocator(shape.base, order(shape), reservedEnds(shape)) }) as NaiveRun,
  made(shape, blocks) {
    // The scan is quadratic; the state it leaves is just the set of taken addresses, so build that directly.
    const run = naive.make(shape) as NaiveRun;
    for (const b of blocks) for (let a = b.start, end = b.start + (1n << BigInt(b.k)); a < end; a++) run.alloc.taken.add(a);
    run.handles = blocks.map((b) => b.start);
    return run;
  },
  allocate(r, phases) {
    const run = r as NaiveRun;
    const { alloc } = run;
    const out: bigint[] = (run.out = []);
    const ks: number[] = (run.ks = []);
    for (const p of phases) {
      for (let i = 0; i < p.count; i++) {
        out.push(p.k === 0 ? alloc.allocate() : alloc.allocatePrefix(p.k));
        ks.push(p.k);
      }
    }
  },
  releaseAll(r, blocks) {
    const { alloc } = r as NaiveRun;
    const hs = r.handles as bigint[];
    for (let i = 0; i < hs.length; i++) alloc.release(hs[i]!, blocks[i]!.k);
  },
  blocks: (r) => (r.out as bigint[]).map((start, i) => ({ start, k: (r as NaiveRun).ks[i]! })),
  exhausted(r) {
    try {
      (r as NaiveRun).alloc.allocate();
      return false;
    } catch {
      return true;
    }
  },
};

/** The requests that hand out `blocks`, one phase per run of equal k. */
export function phasesOf(blocks: readonly Block[]): Phase[] {
  const out: Phase[] = [];
  for (const b of blocks) {
    const last = out[out.length - 1];
    if (last !== undefined && last.k === b.k) out[out.length - 1] = { count: last.count + 1, k: b.k };
    else out.push({ count: 1, k: b.k });
  }
  return out;
}

function addressesOf(blocks: readonly Block[]): bigint {
  return blocks.reduce((n, b) => n + (1n << BigInt(b.k)), 0n);
}
