/**
 * @ipam/cluster: ClusterPool on a real etcd (Debian's etcd-server 3.4, one member on loopback, data dir on disk),
 * next to the physical limit measured in the same run. The targets: at least 50% of the raw compare-and-swap
 * rate with batching, and 500 pods on 100 nodes in under 10 s.
 *
 *   pnpm bench -- cluster               (from the repo root, after building @ipam/core, @ipam/cni, @ipam/cluster)
 *   BENCH_QUICK=1 pnpm bench -- cluster    (1 s windows instead of 5 s, to check that the benchmark works)
 *
 * Measured, each for a fixed time window after a short warm-up:
 * (a) raw CAS: etcd txns that compare a key's mod_revision and put a 1 KiB value (about a /26 block record), sent
 *     with `fetch` to the v3 JSON gateway, by 1, 4 and 8 concurrent clients, each on its own key;
 * (b) ClusterPool allocations per second by 1, 4 and 8 concurrent allocators: separate ClusterPool objects (each
 *     with its own EtcdStore and a distinct node name) in this one process, on a fresh pool per row.
 *     "unbatched": each allocator awaits one `allocate()` after the other (one write per allocation);
 *     "batched": each allocator keeps 32 `allocate()` calls in flight (ClusterPool shares one conditional write among
 *     the calls that wait), and "allocateMany": each allocator calls `allocateMany` with 32 owners at a time.
 *     Each rate is shown as a % of the raw CAS rate with the same number of clients.
 * (d) the batched row again with the allocators as separate Node processes (cluster/allocator-process.ts), 4 and 8
 *     of them started together, as allocators on real nodes run: no shared event loop, one EtcdStore each. Every
 *     address they got is gathered and must be distinct.
 * (c) 500 pods across 100 simulated nodes: 100 ClusterPool objects (own EtcdStore each) open, then 5 concurrent
 *     `allocate()` calls on each node, all 500 at once; timed from the first call to the last answer.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ClusterPool, EtcdStore } from '@ipam/cluster';
import { startEtcd } from './cluster/etcd.js';
import { createBench, quick } from './harness.js';

const WINDOW_MS = quick ? 1000 : 5000;
const WARMUP_MS = quick ? 200 : 1000;
const CLIENTS = [1, 4, 8] as const;
const IN_FLIGHT = 32;
const TARGET_SHARE = 0.5;
const TARGET_500_MS = 10_000;

const etcd = await startEtcd();
const b64 = (s: string | Uint8Array): string => Buffer.from(s).toString('base64');

/** Runs `workers` loops of `step` for the window (after a warm-up) and returns the units done per second. */
async function rate(workers: number, step: (worker: number) => Promise<number>): Promise<number> {
  let counting = false;
  let done = 0;
  const warmEnd = Date.now() + WARMUP_MS;
  const end = warmEnd + WINDOW_MS;
  let t0 = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (Date.now() < end) {
        const n = await step(w);
        if (counting) done += n;
        else if (Date.now() >= warmEnd) {
          counting = true;
          t0 = performance.now();
        }
      }
    }),
  );
  return done / ((performance.now() - t0) / 1000);
}

// (a) Raw compare-and-swap transactions on the v3 gateway.
const value = b64('x'.repeat(1024));
async function casLoop(clients: number): Promise<number> {
  const revs = new Array<string>(clients).fill('0');
  const keys = Array.from({ length: clients }, (_, i) => b64(`/bench/raw/${clients}/${i}`));
  return rate(clients, async (w) => {
    const res = await fetch(`${etcd.endpoint}/v3/kv/txn`, {
      method: 'POST',
      body: JSON.stringify({
        compare: [{ key: keys[w], target: 'MOD', result: 'EQUAL', mod_revision: revs[w] }],
        success: [{ request_put: { key: keys[w], value } }],
        failure: [{ request_range: { key: keys[w] } }],
      }),
    });
    const body = (await res.json()) as {
      succeeded?: boolean;
      header: { revision: string };
      responses?: { response_range?: { kvs?: { mod_revision: string }[] } }[];
    };
    if (res.status !== 200) throw new Error(`cluster bench: txn answered ${res.status}`);
    // A key that does not exist compares as mod_revision 0, so the first txn of each client succeeds too; a lost
    // compare (none is expected: one client per key) takes the current revision.
    revs[w] = body.succeeded === true ? body.header.revision : (body.responses?.[0]?.response_range?.kvs?.[0]?.mod_revision ?? '0');
    return body.succeeded === true ? 1 : 0;
  });
}

let poolSerial = 0;
async function openPools(n: number): Promise<{ pools: ClusterPool[]; stores: EtcdStore[] }> {
  const name = `bench-${poolSerial++}`;
  const stores = Array.from({ length: n }, () => new EtcdStore({ endpoints: [etcd.endpoint], prefix: '/bench/' }));
  const pools = [];
  for (const [i, store] of stores.entries()) {
    pools.push(await ClusterPool.open({ store, name, cidrs: ['10.0.0.0/10'], blockSize: 26, node: `node-${i}` }));
  }
  return { pools, stores };
}

type Mode = 'unbatched' | 'batched' | 'allocateMany';
async function allocLoop(allocators: number, mode: Mode): Promise<number> {
  const { pools, stores } = await openPools(allocators);
  let serial = 0;
  const owner = () => `bench/pod-${serial++}/eth0`;
  try {
    return await rate(allocators, async (w) => {
      const pool = pools[w]!;
      if (mode === 'unbatched') {
        await pool.allocate({ owner: owner() });
        return 1;
      }
      if (mode === 'allocateMany') return (await pool.allocateMany(Array.from({ length: IN_FLIGHT }, owner))).length;
      return (await Promise.all(Array.from({ length: IN_FLIGHT }, () => pool.allocate({ owner: owner() })))).length;
    });
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
}

/** (d) `processes` allocator processes, batched, started together; returns allocations per second over the window. */
async function processLoop(processes: number): Promise<number> {
  const name = `bench-${poolSerial++}`;
  const script = fileURLToPath(new URL('./cluster/allocator-process.ts', import.meta.url));
  let ready = 0;
  let go: (() => void) | undefined;
  const allReady = new Promise<void>((resolve) => (go = resolve));
  const children = Array.from({ length: processes }, (_, i) => {
    const args = ['--import', import.meta.resolve('tsx'), script, etcd.endpoint, name, `proc-${i}`, String(WARMUP_MS), String(WINDOW_MS), String(IN_FLIGHT)];
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const result = new Promise<{ counted: number; addresses: string[] }>((resolve, reject) => {
      let out = '';
      let err = '';
      let announced = false;
      child.stdout.on('data', (d: Buffer) => {
        out += d;
        if (!announced && out.startsWith('ready\n')) {
          announced = true;
          out = out.slice('ready\n'.length);
          if (++ready === processes) go!();
        }
      });
      child.stderr.on('data', (d: Buffer) => (err += d));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) reject(new Error(`cluster bench: allocator process ${i} exited ${code}: ${err.trim()}`));
        else resolve(JSON.parse(out) as { counted: number; addresses: string[] });
      });
    });
    return { child, result };
  });
  // Every allocator has opened the pool (Node start-up, tsx, ClusterPool.open): start them all at one instant.
  await Promise.race([allReady, Promise.all(children.map((c) => c.result))]);
  const startAt = Date.now() + 100;
  for (const { child } of children) child.stdin.end(`${startAt}\n`);
  const results = await Promise.all(children.map((c) => c.result));
  const all = results.flatMap((r) => r.addresses);
  if (new Set(all).size !== all.length) throw new Error(`cluster bench: ${all.length - new Set(all).size} addresses went to two allocator processes`);
  return results.reduce((sum, r) => sum + r.counted, 0) / (WINDOW_MS / 1000);
}

/** (c) 500 pods on 100 nodes: returns the open time and the allocation time in ms. */
async function pods500(): Promise<{ openMs: number; allocMs: number; distinct: number; blocks: number }> {
  const t0 = performance.now();
  const { pools, stores } = await (async () => {
    const name = `bench-${poolSerial++}`;
    const stores = Array.from({ length: 100 }, () => new EtcdStore({ endpoints: [etcd.endpoint], prefix: '/bench/' }));
    const pools = await Promise.all(
      stores.map((store, i) => ClusterPool.open({ store, name, cidrs: ['10.128.0.0/14'], blockSize: 26, node: `node-${i}` })),
    );
    return { pools, stores };
  })();
  const t1 = performance.now();
  const ips = await Promise.all(pools.flatMap((pool, n) => Array.from({ length: 5 }, (_, p) => pool.allocate({ owner: `ns/pod-${n}-${p}/eth0` }))));
  const t2 = performance.now();
  const distinct = new Set(ips.map(String)).size;
  if (distinct !== 500) throw new Error(`cluster bench: 500 pods got ${distinct} distinct addresses`);
  const blocks = (await pools[0]!.stats()).claimedBlocks;
  await Promise.all(stores.map((s) => s.close()));
  return { openMs: t1 - t0, allocMs: t2 - t1, distinct, blocks };
}

const raw = new Map<number, number>();
for (const c of CLIENTS) raw.set(c, await casLoop(c));
const alloc = new Map<string, number>();
for (const c of CLIENTS) for (const mode of ['unbatched', 'batched', 'allocateMany'] as const) alloc.set(`${c}/${mode}`, await allocLoop(c, mode));
const PROCESSES = [4, 8] as const;
const procs = new Map<number, number>();
for (const n of PROCESSES) procs.set(n, await processLoop(n));
const p500 = await pods500();

// The tinybench table: one allocate + release round trip pair on one node, for scale.
const single = await openPools(1);
let sink = 0;
export const bench = createBench('@ipam/cluster on one real etcd member (loopback, data dir on disk)', {
  time: 0,
  iterations: quick ? 20 : 200,
  warmupTime: 0,
  warmupIterations: 5,
});
bench.add('ClusterPool allocate + release (1 node, sequential)', async () => {
  const ip = await single.pools[0]!.allocate({ owner: `bench/single-${sink++}/eth0` });
  await single.pools[0]!.release(ip);
});

/** The markdown report that run.ts prints after the table. */
export async function report(): Promise<string> {
  await Promise.all(single.stores.map((s) => s.close()));
  etcd.stop();
  const f = (x: number): string => Math.round(x).toLocaleString('en');
  const pct = (x: number, c: number): string => `${((100 * x) / raw.get(c)!).toFixed(0)}%`;
  const verdict = (ok: boolean): string => (ok ? 'within target' : '**below target**');
  const rows = CLIENTS.map((c) => {
    const u = alloc.get(`${c}/unbatched`)!;
    const b = alloc.get(`${c}/batched`)!;
    const m = alloc.get(`${c}/allocateMany`)!;
    const best = Math.max(b, m);
    return `| ${c} | ${f(raw.get(c)!)} | ${f(u)} (${pct(u, c)}) | ${f(b)} (${pct(b, c)}) | ${f(m)} (${pct(m, c)}) | ${verdict(best >= TARGET_SHARE * raw.get(c)!)} |`;
  });
  return [
    `etcd ${etcd.endpoint} (one member, data dir ${etcd.dataDir} on disk); ${WINDOW_MS / 1000} s windows after ${WARMUP_MS / 1000} s warm-up` +
      `${quick ? ' (BENCH_QUICK: short windows)' : ''}. Allocators are separate ClusterPool objects with their own EtcdStore and distinct node names, in this process; ` +
      `batched = ${IN_FLIGHT} concurrent allocate() calls per allocator, allocateMany = ${IN_FLIGHT} owners per call; /26 blocks.`,
    '',
    '| concurrent clients | raw etcd CAS txn/s | ClusterPool allocations/s, unbatched | batched (% of raw) | allocateMany (% of raw) | target: batched >= 50% of raw |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    '| allocator processes (batched, started together) | raw etcd CAS txn/s (in-process clients, above) | ClusterPool allocations/s (% of raw) | target: >= 50% of raw |',
    '|---|---|---|---|',
    ...PROCESSES.map((n) => `| ${n} | ${f(raw.get(n)!)} | ${f(procs.get(n)!)} (${pct(procs.get(n)!, n)}) | ${verdict(procs.get(n)! >= TARGET_SHARE * raw.get(n)!)} |`),
    '',
    '| 500 pods on 100 nodes (100 ClusterPool objects, 5 concurrent allocate() each, all at once) | time | target < 10 s |',
    '|---|---|---|',
    `| allocate 500 pods | ${(p500.allocMs / 1000).toFixed(2)} s | ${verdict(p500.allocMs < TARGET_500_MS)} |`,
    `| open 100 pools, then allocate | ${((p500.openMs + p500.allocMs) / 1000).toFixed(2)} s | ${verdict(p500.openMs + p500.allocMs < TARGET_500_MS)} |`,
    '',
    `500 distinct addresses in ${p500.blocks} claimed /26 blocks (one per node). Whereabouts' reported figure for the same load: 4.5 minutes.`,
  ].join('\n');
}
