/**
 * Heap measurements of the pool bench, one scenario per process (pool.bench.ts starts this file with
 * `node --expose-gc --import tsx`), so that each starts from a clean heap:
 *
 *   node --expose-gc --import tsx bench/src/pool/memory.ts <scenario> [n]
 *
 * Each scenario builds its inputs, runs the same work on throwaway pools first (so that compiled code and inline
 * caches exist before the baseline), collects garbage twice, reads `heapUsed`, does the work, drops every value
 * the work returned, collects twice more and reads `heapUsed` again. It prints one JSON line: the heap delta, the
 * number of allocated addresses or allocations, and the time the work took. The IPv4 scenarios fill 16 pools and
 * report the delta per pool.
 */
import { Addr, Pool } from '@ipam/core';
import { IPv4, Pool as IpNumPool, RangedSet } from 'ip-num';
import { getHeapSpaceStatistics } from 'node:v8';
import { mulberry32 } from './prng.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('pool/memory.ts needs node --expose-gc');

export interface MemoryResult {
  scenario: string;
  /** Heap growth in bytes over the work. */
  bytes: number;
  /** Addresses allocated (IPv4) or allocations made (IPv6 /64s). */
  count: number;
  /** Wall time of the work, in ms (it includes no collection). */
  ms: number;
  /** The heap delta per heap space (code_space is compiled code, not data). */
  spaces: Record<string, number>;
  note?: string;
}

function heap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

/** Bytes in use per heap space (code space, old space, …), to tell data from compiled code. */
function spaces(): Record<string, number> {
  return Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
}

function spaceDelta(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(b).map((k) => [k, b[k]! - (a[k] ?? 0)]).filter(([, v]) => v !== 0));
}

/** What is measured, held from module scope: a local the code no longer reads may be collected early. */
const keep: unknown[] = [];

/**
 * Runs `work` on three throwaway instances first (so that its code is compiled), then measures it on `copies`
 * kept ones: the per-copy cost is the delta over `copies`, which spreads the few tens of KB that compiled code and
 * feedback add to the heap (they do not grow with the work) thin enough not to count.
 */
function measure<T>(scenario: string, count: number, make: () => T, work: (x: T) => void, note?: string, copies = 16): MemoryResult {
  for (let i = 0; i < 3; i++) work(make());
  const xs = Array.from({ length: copies }, make);
  keep.push(xs);
  const before = heap();
  const s0 = spaces();
  const t0 = performance.now();
  for (const x of xs) work(x);
  const ms = (performance.now() - t0) / copies;
  const after = heap();
  const d = spaceDelta(s0, spaces());
  for (const k of Object.keys(d)) d[k] = Math.round(d[k]! / copies);
  return { scenario, bytes: (after - before) / copies, count, ms, spaces: d, ...(note === undefined ? {} : { note }) };
}

const V4 = 0x0a000000; // 10.0.0.0
const scenarios: Record<string, (n: number) => MemoryResult> = {
  // Dense: every usable address of a /16 (network and broadcast reserved), allocated one by one.
  'core-dense': () =>
    measure('core-dense', 65534, () => new Pool(['10.0.0.0/16'], { reserve: ['10.0.0.0', '10.0.255.255'] }), (p) => {
      for (let i = 0; i < 65534; i++) p.allocate({ family: 4 });
    }),
  // Fragmented: every other address of a /16 claimed (10.0.0.0, 10.0.0.2, …).
  'core-frag': () =>
    measure('core-frag', 32768, () => new Pool(['10.0.0.0/16']), (p) => {
      for (let i = 0; i < 65536; i += 2) p.claim(Addr.fromUint32(V4 + i));
    }),
  'naive-dense': () =>
    measure('naive-dense', 65534, () => new Set<bigint>([BigInt(V4), BigInt(V4 + 65535)]), (s) => {
      for (let i = 1; i < 65535; i++) s.add(BigInt(V4 + i));
    }, 'state built directly (the scan that finds each address does not change what is stored)'),
  'naive-frag': () =>
    measure('naive-frag', 32768, () => new Set<bigint>(), (s) => {
      for (let i = 0; i < 65536; i += 2) s.add(BigInt(V4 + i));
    }, 'state built directly'),
  // ip-num keeps the free ranges: a dense fill leaves none (an empty list); fragmented leaves 32,768 of them.
  // At /20: ip-num's Pool sorts its whole array on every add, so building 32,768 ranges takes minutes.
  'ipnum-frag': () =>
    measure('ipnum-frag', 2048, () => ({ pool: IpNumPool.fromRangeSet([]) }), (x) => {
      const free: RangedSet<IPv4>[] = [];
      for (let i = 1; i < 4096; i += 2) free.push(RangedSet.fromSingleIP(IPv4.fromNumber(V4 + i)));
      x.pool = IpNumPool.fromRangeSet(free);
    }, 'a /20, state built directly: the 2,048 free one-address ranges that claiming every other address leaves'),
  // Scattered: n distinct random /64s of an IPv6 /32, claimed in random order.
  'core-v6': (n) => {
    const rnd = mulberry32(0x5eed);
    const seen = new Set<number>();
    const ids = new Uint32Array(n);
    for (let i = 0; i < n; ) {
      const v = rnd();
      if (seen.has(v)) continue;
      seen.add(v);
      ids[i++] = v;
    }
    seen.clear();
    return measureV6(n, ids, 0xfd00n << 112n, Math.min(n, 20000));
  },
};

/** core-v6 with a smaller throwaway run (20,000 claims) as the warm-up, so that 1M claims are not done twice. */
function measureV6(n: number, ids: Uint32Array, base: bigint, warm: number): MemoryResult {
  const claim = (p: Pool, from: number, to: number): void => {
    for (let i = from; i < to; i++) p.claim(Addr.fromBigInt(base + (BigInt(ids[i]!) << 64n), 6).prefix(64));
  };
  claim(new Pool(['fd00::/32']), 0, warm);
  const p = new Pool(['fd00::/32']);
  keep.push(p);
  const before = heap();
  const s0 = spaces();
  const t0 = performance.now();
  claim(p, 0, n);
  const ms = performance.now() - t0;
  const after = heap();
  const s1 = spaces();
  if (p.stats().used !== BigInt(n) << 64n) throw new Error('core-v6: wrong number of addresses in use');
  return { scenario: 'core-v6', bytes: after - before, count: n, ms, spaces: spaceDelta(s0, s1) };
}

const [scenario = '', arg] = process.argv.slice(2);
const run = scenarios[scenario];
if (run === undefined) throw new Error(`unknown scenario ${scenario}; one of ${Object.keys(scenarios).join(', ')}`);
console.log(JSON.stringify(run(Number(arg ?? 0))));
