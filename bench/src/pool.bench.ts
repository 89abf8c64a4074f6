/**
 * @ipam/core's `Pool` against ip-num's `Pool` and a naive Set<bigint> allocator, on whole allocation workloads:
 *
 *   1    every usable address of an IPv4 /16, one by one (network and broadcast reserved)
 *   2    1,000,000 addresses from an IPv4 /8, one by one (network and broadcast reserved)
 *   2d   case 2 with every returned Addr dropped at once (@ipam/core only): the allocator without the GC cost of
 *        a caller that keeps a million objects
 *   3    2,000 × /32 then 200 × /28 from an IPv4 /16, first free
 *   3r   the same from a /16 whose network and broadcast are reserved (as in case 1)
 *   4    1,024 × /64 then 8 × /56 from an IPv6 /48
 *   5.1  release the 65,534 addresses of case 1, then allocate the usable space back as its 30 largest blocks
 *   5.3  release the 2,200 blocks of case 3, then allocate the /16 back
 *   5.4  release the 1,032 blocks of case 4, then allocate the /48 back
 *
 * and the heap an allocation costs (child processes with --expose-gc; see pool/memory.ts).
 *
 *   pnpm bench -- pool             (from the repo root, after `pnpm --filter @ipam/core build`)
 *   BENCH_QUICK=1 pnpm bench -- pool
 *
 * Each task is one whole workload on a fresh allocator (built untimed in beforeEach). The warm-up run of every
 * task is also its correctness check: the blocks handed out must be aligned, inside the pool, off the reserved
 * addresses and pairwise disjoint, and exactly the ones the implementation's strategy gives (first fit for ip-num
 * and naive; for @ipam/core's 'lowest', first fit for addresses and best fit for prefixes, which differ in 3r);
 * case 1 must leave the pool exhausted, and the release cases must get the whole usable space back.
 * Workloads an implementation cannot finish in reasonable time run at two smaller sizes; the time is then
 * extrapolated to the full size with the exponent fitted to those two points, and marked † in the table.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Task } from 'tinybench';
import { createBench, quick as QUICK } from './harness.js';
import { core, type Driver, type ImplName, ipNum, naive, type Run } from './pool/drivers.js';
import type { MemoryResult } from './pool/memory.js';
import { backPhases, checkBlocks, cover, expected, expectedBestFit, type Phase, requests, type Shape, V4_10, V6_FD00 } from './pool/shapes.js';

/** `POOL_CASES=2,3r` runs only those cases (for `tsx run.ts pool` by hand; turbo does not pass it through). */
const ONLY = process.env.POOL_CASES?.split(',').map((s) => s.trim());

// ---- workloads -------------------------------------------------------------------------------------------------

interface CaseDef {
  readonly id: string;
  readonly title: string;
  /** 'fill': time the phases on an empty pool; 'back': time releasing the base's blocks, then allocating back. */
  readonly kind: 'fill' | 'back';
  /** The workload at a size (the meaning of the size is the case's: a prefix length or a request count). */
  shape(size: number): Shape;
  readonly full: number;
  /** Whether the fill must leave the pool exhausted (checked). */
  readonly exhausts?: boolean;
  /** Whether the caller drops every returned value instead of keeping it (core only: the allocator's own cost). */
  readonly drop?: boolean;
}

const v4 = (bits: number, reserveEnds: boolean, phases: Phase[]): Shape => ({ family: 4, base: V4_10, bits, reserveEnds, phases });
const fillV4 = (L: number): Shape => v4(L, true, [{ count: 2 ** (32 - L) - 2, k: 0 }]);
const mixed = (reserveEnds: boolean): Shape => v4(16, reserveEnds, [{ count: 2000, k: 0 }, { count: 200, k: 4 }]);
const v6 = (): Shape => ({ family: 6, base: V6_FD00, bits: 48, reserveEnds: false, phases: [{ count: 1024, k: 64 }, { count: 8, k: 72 }] });

const CASES: CaseDef[] = [
  { id: '1', title: 'all 65,534 usable addresses of a /16, one by one', kind: 'fill', shape: fillV4, full: 16, exhausts: true },
  { id: '2', title: '1,000,000 addresses from a /8, one by one', kind: 'fill', shape: (n) => v4(8, true, [{ count: n, k: 0 }]), full: 1_000_000 },
  { id: '2d', title: 'case 2, every returned Addr dropped at once (allocator cost without the caller keeping 1M objects)', kind: 'fill', shape: (n) => v4(8, true, [{ count: n, k: 0 }]), full: 1_000_000, drop: true },
  { id: '3', title: '2,000 × /32 then 200 × /28 from a /16', kind: 'fill', shape: () => mixed(false), full: 0 },
  { id: '3r', title: 'case 3 on a /16 with network and broadcast reserved', kind: 'fill', shape: () => mixed(true), full: 0 },
  { id: '4', title: '1,024 × /64 then 8 × /56 from an IPv6 /48', kind: 'fill', shape: v6, full: 0 },
  { id: '5.1', title: 'release case 1 (65,534 addresses), allocate the 30 largest blocks back', kind: 'back', shape: fillV4, full: 16 },
  { id: '5.3', title: 'release case 3 (2,200 blocks), allocatePrefix(16)', kind: 'back', shape: () => mixed(false), full: 0 },
  { id: '5.4', title: 'release case 4 (1,032 blocks), allocatePrefix(48)', kind: 'back', shape: v6, full: 0 },
];

/**
 * The sizes each implementation runs each case at: one size (the full one) or two smaller ones to extrapolate
 * from, or the reason it cannot run at all. Sizes were picked so that the whole file stays under ~3 minutes.
 */
type Plan = { sizes: number[] } | { na: string };
const IPV6_NA = { na: 'a /64 is 2^64 addresses: a set of single addresses cannot hold one' };
const DROP_NA = { na: 'not measured; their own work dominates' };
const PLANS: Record<string, Record<ImplName, Plan>> = QUICK
  ? {
      '1': { '@ipam/core': { sizes: [16] }, 'ip-num': { sizes: [22, 21] }, naive: { sizes: [24, 23] } },
      '2': { '@ipam/core': { sizes: [1_000_000] }, 'ip-num': { sizes: [2_000, 4_000] }, naive: { sizes: [256, 512] } },
      '2d': { '@ipam/core': { sizes: [1_000_000] }, 'ip-num': DROP_NA, naive: DROP_NA },
      '3': { '@ipam/core': { sizes: [0] }, 'ip-num': { sizes: [0] }, naive: { sizes: [0] } },
      '3r': { '@ipam/core': { sizes: [0] }, 'ip-num': { sizes: [0] }, naive: { sizes: [0] } },
      '4': { '@ipam/core': { sizes: [0] }, 'ip-num': { sizes: [0] }, naive: IPV6_NA },
      '5.1': { '@ipam/core': { sizes: [16] }, 'ip-num': { sizes: [24, 23] }, naive: { sizes: [20, 19] } },
      '5.3': { '@ipam/core': { sizes: [0] }, 'ip-num': { sizes: [0] }, naive: { sizes: [0] } },
      '5.4': { '@ipam/core': { sizes: [0] }, 'ip-num': { sizes: [0] }, naive: IPV6_NA },
    }
  : {
      '1': { '@ipam/core': { sizes: [16] }, 'ip-num': { sizes: [16] }, naive: { sizes: [21, 20] } },
      '2': { '@ipam/core': { sizes: [1_000_000] }, 'ip-num': { sizes: [20_000, 40_000] }, naive: { sizes: [2_048, 4_096] } },
      '2d': { '@ipam/core': { sizes: [1_000_000] }, 'ip-num': DROP_NA, naive: DROP_NA },
      '3': { '@ipam/core': { sizes: [0] }, 'ip-num': { sizes: [0] }, naive: { sizes: [0] } },
      '3r': { '@ipam/core': { sizes: [0] }, 'ip-num': { sizes: [0] }, naive: { sizes: [0] } },
      '4': { '@ipam/core': { sizes: [0] }, 'ip-num': { sizes: [0] }, naive: IPV6_NA },
      '5.1': { '@ipam/core': { sizes: [16] }, 'ip-num': { sizes: [22, 21] }, naive: { sizes: [16] } },
      '5.3': { '@ipam/core': { sizes: [0] }, 'ip-num': { sizes: [0] }, naive: { sizes: [0] } },
      '5.4': { '@ipam/core': { sizes: [0] }, 'ip-num': { sizes: [0] }, naive: IPV6_NA },
    };

const DRIVERS: Driver[] = [core, ipNum, naive];

/** Operations of a workload: requests for a fill; releases plus allocate-back requests for a release case. */
function ops(c: CaseDef, s: Shape): number {
  return c.kind === 'fill' ? requests(s) : requests(s) + backPhases(s).reduce((n, p) => n + p.count, 0);
}

// ---- tasks -----------------------------------------------------------------------------------------------------

interface Measured {
  readonly c: CaseDef;
  readonly impl: ImplName;
  readonly size: number;
  readonly ops: number;
  readonly task: Task;
}

const measured: Measured[] = [];

/**
 * A task here is a whole workload (up to seconds), so the harness's minimum of 64 iterations would take far too
 * long: one warm-up run (which is also the correctness check), then at least three timed runs and as many more
 * as fit in half a second; the table uses their median.
 */
export const bench = createBench('Pool allocation: @ipam/core vs ip-num vs a naive Set<bigint>', {
  iterations: QUICK ? 1 : 3,
  time: QUICK ? 20 : 500,
  warmupIterations: 1,
  warmupTime: 0,
  throws: true,
});

for (const c of CASES.filter((c) => ONLY === undefined || ONLY.includes(c.id))) {
  for (const d of DRIVERS) {
    const plan = PLANS[c.id]![d.name];
    if ('na' in plan) continue;
    for (const size of plan.sizes) {
      const shape = c.shape(size);
      const n = ops(c, shape);
      const name = `${c.id} ${d.name} ${c.kind === 'fill' ? `${n} requests` : `${requests(shape)} releases + ${n - requests(shape)} requests`}`;
      const label = `case ${c.id}, ${d.name}, size ${n}`;
      const base = c.kind === 'back' ? expected(shape) : [];
      const back = backPhases(shape);
      let run: Run | undefined;
      bench.add(
        name,
        c.kind === 'fill'
          ? () => d.allocate(run!, shape.phases, !c.drop)
          : () => {
              d.releaseAll(run!, base);
              d.allocate(run!, back);
            },
        {
          beforeEach() {
            run = c.kind === 'fill' ? d.make(shape) : d.made(shape, base);
          },
          afterEach(mode) {
            if (mode === 'warmup') {
              if (c.drop) {
                const want = expected(shape).slice(-1);
                checkBlocks(label, shape, d.blocks(run!), want);
              } else if (c.kind === 'fill') {
                // @ipam/core's 'lowest' strategy is best fit for prefixes (documented); the others are first fit.
                checkBlocks(label, shape, d.blocks(run!), d === core ? expectedBestFit(shape) : expected(shape));
                if (c.exhausts && !d.exhausted(run!)) throw new Error(`${label}: the pool should be exhausted`);
              } else {
                checkBlocks(label, shape, d.blocks(run!), cover(shape));
              }
            }
            run = undefined;
          },
        },
      );
      measured.push({ c, impl: d.name, size, ops: n, task: bench.getTask(name)! });
    }
  }
}

// ---- memory (child processes) ----------------------------------------------------------------------------------

const V6_CLAIMS = QUICK ? 100_000 : 1_000_000;

function memory(scenario: string, n = 0): MemoryResult {
  const script = fileURLToPath(new URL('./pool/memory.ts', import.meta.url));
  const tsx = import.meta.resolve('tsx');
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=4096', '--import', tsx, script, scenario, String(n)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`pool/memory.ts ${scenario} failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as MemoryResult;
}

// ---- report ----------------------------------------------------------------------------------------------------

interface Estimate {
  /** Total time of the full workload, in ms. */
  ms: number;
  /** Operations of the full workload. */
  ops: number;
  /** Set when extrapolated: the fitted exponent and the sizes measured. */
  fit?: { b: number; from: number[] };
}

function estimate(c: CaseDef, impl: ImplName): Estimate | string {
  const plan = PLANS[c.id]![impl];
  if ('na' in plan) return plan.na;
  const ms = measured.filter((m) => m.c === c && m.impl === impl);
  if (ms.length === 0) return 'not run';
  const t = (m: Measured): number => {
    const r = m.task.result as { latency?: { p50: number } };
    if (r.latency === undefined) throw new Error(`${m.task.name}: no result`);
    return r.latency.p50;
  };
  const fullOps = ops(c, c.shape(c.full));
  if (ms.length === 1) return { ms: t(ms[0]!), ops: ms[0]!.ops };
  const [a, b] = ms as [Measured, Measured];
  // T = T_b · (n / n_b)^e, with e fitted to the two sizes (never below 1: no workload here is sublinear).
  const e = Math.max(1, Math.log(t(b) / t(a)) / Math.log(b.ops / a.ops));
  return { ms: t(b) * (fullOps / b.ops) ** e, ops: fullOps, fit: { b: e, from: [a.ops, b.ops] } };
}

function fmtMs(ms: number): string {
  if (ms >= 3_600_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

function fmtRate(opsPerSec: number): string {
  if (opsPerSec >= 1e6) return `${(opsPerSec / 1e6).toFixed(2)}M/s`;
  if (opsPerSec >= 1e3) return `${(opsPerSec / 1e3).toFixed(1)}k/s`;
  return `${opsPerSec.toFixed(1)}/s`;
}

function cell(e: Estimate | string): string {
  if (typeof e === 'string') return `n/a (${e})`;
  const dagger = e.fit === undefined ? '' : ` † (n=${e.fit.from.join('/')}, T∝n^${e.fit.b.toFixed(2)})`;
  return `${fmtMs(e.ms)} · ${fmtRate((e.ops / e.ms) * 1000)}${dagger}`;
}

function ratio(coreE: Estimate | string, other: Estimate | string): string {
  if (typeof coreE === 'string' || typeof other === 'string') return '–';
  const r = other.ms / coreE.ms;
  return `${r >= 100 ? r.toFixed(0) : r.toFixed(1)}×${other.fit === undefined ? '' : ' †'}`;
}

const fmtB = (b: number): string => (Math.abs(b) >= 1e6 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} KiB`);

/** The markdown report: run.ts prints it after the table. It also runs the memory measurements. */
export function report(): string {
  const lines: string[] = [];
  const out = (s = ''): void => {
    lines.push(s);
  };
  const est = new Map(CASES.map((c) => [c.id, Object.fromEntries(DRIVERS.map((d) => [d.name, estimate(c, d.name)])) as Record<ImplName, Estimate | string>]));

  out(`## Pool allocation${QUICK ? ' (BENCH_QUICK=1: smoke run, ip-num and naive at smaller sizes)' : ''}`);
  out();
  out(`Node ${process.version}. Total time of each whole workload (median of the timed runs) · operations per second. `);
  out('† = measured at two smaller sizes and extrapolated to the full size with the fitted exponent.');
  out();
  out('| case | workload | ops | @ipam/core | ip-num | naive Set<bigint> | core vs ip-num | core vs naive |');
  out('|---|---|--:|---|---|---|--:|--:|');
  for (const c of CASES) {
    const e = est.get(c.id)!;
    const full = e['@ipam/core'];
    const n = typeof full === 'string' ? '' : full.ops.toLocaleString('en-US');
    out(`| ${c.id} | ${c.title} | ${n} | ${cell(full)} | ${cell(e['ip-num'])} | ${cell(e.naive)} | ${ratio(full, e['ip-num'])} | ${ratio(full, e.naive)} |`);
  }
  out();

  // Memory: fresh child processes with --expose-gc.
  const runMemory = ONLY === undefined || ONLY.includes('mem');
  const mem = runMemory
    ? {
        dense: memory('core-dense'),
        frag: memory('core-frag'),
        naiveDense: memory('naive-dense'),
        naiveFrag: memory('naive-frag'),
        ipnumFrag: memory('ipnum-frag'),
        v6: memory('core-v6', V6_CLAIMS),
      }
    : undefined;
  const scale = 1_000_000 / V6_CLAIMS;
  if (mem !== undefined) {
    const per = (m: MemoryResult): string => `${(m.bytes / m.count).toFixed(2)} B`;
    out('### Heap per allocated IPv4 address in a /16 (no owner labels; heapUsed delta after gc, fresh process, 16 pools)');
    out();
    out('| pattern | allocated | @ipam/core | naive Set<bigint> | ip-num (free-range list) | bitmap (1 bit/address of the /16) |');
    out('|---|--:|--:|--:|--:|--:|');
    out(`| dense sequential fill (allocate × 65,534) | 65,534 | ${per(mem.dense)} (${fmtB(mem.dense.bytes)} per /16) | ${per(mem.naiveDense)} | ≈0 B (no free ranges left) | ${(8192 / 65534).toFixed(3)} B |`);
    out(`| every other address claimed | 32,768 | ${per(mem.frag)} (${fmtB(mem.frag.bytes)} per /16) | ${per(mem.naiveFrag)} | ${per(mem.ipnumFrag)} ‡ | ${(8192 / 32768).toFixed(3)} B |`);
    out();
    out('‡ ip-num at /20 (2,048 free one-address ranges, built directly: building 32,768 takes minutes in its sorted-array `add`).');
    out();
    const v6mib = mem.v6.bytes / 2 ** 20;
    out(`### IPv6 /32, ${V6_CLAIMS.toLocaleString('en-US')} scattered /64 claims (seeded mulberry32), @ipam/core`);
    out();
    out(
      `heap ${v6mib.toFixed(1)} MiB (${(mem.v6.bytes / 1e6).toFixed(1)} MB), ${(mem.v6.bytes / mem.v6.count).toFixed(1)} B per /64, ` +
        `${fmtRate((mem.v6.count / mem.v6.ms) * 1000)} claims (${fmtMs(mem.v6.ms)})` +
        (scale === 1 ? '' : `; ×${scale} → ${(v6mib * scale).toFixed(0)} MiB for 1M (extrapolated)`),
    );
    out();
  }

  // Targets.
  const core = (id: string): Estimate | undefined => {
    const e = est.get(id)?.['@ipam/core'];
    return typeof e === 'object' ? e : undefined;
  };
  const rate = (id: string): number | undefined => {
    const e = core(id);
    return e === undefined ? undefined : (e.ops / e.ms) * 1000;
  };
  const x = (id: string): number | undefined => {
    const c = core(id);
    const i = est.get(id)?.['ip-num'];
    return c === undefined || typeof i !== 'object' ? undefined : i.ms / c.ms;
  };
  const ok = (b: boolean): string => (b ? '✅ met' : '❌ missed');
  const row = (target: string, v: number | undefined, measured: (v: number) => string, met: (v: number) => boolean): void => {
    out(`| ${target} | ${v === undefined ? 'not run' : measured(v)} | ${v === undefined ? '–' : ok(met(v))} |`);
  };
  out('### Targets');
  out();
  out('| target | measured | status |');
  out('|---|---|---|');
  const x3r = x('3r');
  row('≥100× ip-num on mixed /32 + /28 (case 3)', x('3'), (v) => `${v.toFixed(1)}×${x3r === undefined ? '' : ` (3r, reserved ends: ${x3r.toFixed(0)}×)`}`, (v) => v >= 100);
  row('≥1M single-address allocations/s, IPv4 (case 1)', rate('1'), fmtRate, (v) => v >= 1e6);
  const r2d = rate('2d');
  row('≥1M single-address allocations/s, IPv4 (case 2)', rate('2'), (v) => `${fmtRate(v)}${r2d === undefined ? '' : ` (2d, results dropped: ${fmtRate(r2d)})`}`, (v) => v >= 1e6);
  const dense = mem === undefined ? undefined : mem.dense.bytes / mem.dense.count;
  const frag = mem === undefined ? undefined : mem.frag.bytes / mem.frag.count;
  row('≤4 B heap per allocated address, dense /16', dense, (v) => `${v.toFixed(2)} B (a bitmap: 0.125 B)`, (v) => v <= 4);
  row('≤4 B heap per allocated address, every other address of a /16', frag, (v) => `${v.toFixed(2)} B (a bitmap: 0.25 B; this is ${(v / 0.25).toFixed(0)}× that)`, (v) => v <= 4);
  const v6 = mem === undefined ? undefined : mem.v6.bytes * scale;
  row('IPv6 /32 with 1M scattered /64s in ≤256 MiB of heap', v6, (v) => `${(v / 2 ** 20).toFixed(1)} MiB${scale === 1 ? '' : ' (extrapolated)'}`, (v) => v <= 256 * 2 ** 20);
  return lines.join('\n');
}
