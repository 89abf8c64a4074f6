// Shared machinery of the survival tests (the "What it must survive"): build @ipam/cluster once, run allocator
// PROCESSES (worker.mjs, on the built dist), read etcd raw, and check the invariants:
//   - no address held twice: the holding intervals that clients saw (from allocate's answer to the release call, on
//     the machine-wide monotonic clock) of one address never overlap, and no sequence number of a block is handed out twice;
//   - none lost, and etcd equals belief: what a fresh ClusterPool.list() reports, and what the raw etcd records hold,
//     are exactly what the clients say they hold.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Addr, Prefix } from '@ipam/core';
import { afterAll, beforeAll } from 'vitest';
import { ClusterPool, EtcdStore } from '../../src/index.js';
import { type EtcdCluster, startEtcd } from '../etcd.js';

/** ROOT is packages/cluster. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WORKER = join(ROOT, 'test', 'survival', 'worker.mjs');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function newestSource(dir: string): number {
  let newest = 0;
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (f.endsWith('.ts') && !f.endsWith('.test.ts')) newest = Math.max(newest, statSync(join(dir, f)).mtimeMs);
  }
  return newest;
}

function builtAt(): number {
  try {
    return Math.min(statSync(join(ROOT, 'dist', 'index.js')).mtimeMs, statSync(join(ROOT, 'dist', 'index.cjs')).mtimeMs);
  } catch {
    return 0;
  }
}

/**
 * ensureBuilt makes sure dist/ (what the worker processes import as `@ipam/cluster`) is at least as new as src/: in CI
 * turbo built it before the tests; in development it runs the package's own build (tsup) once, under a lock, so that
 * survival test files running in parallel do not build at the same time.
 */
export async function ensureBuilt(): Promise<void> {
  const lock = join(ROOT, 'node_modules', '.cache', 'survival-build.lock');
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (builtAt() >= newestSource(join(ROOT, 'src'))) return;
    try {
      mkdirSync(lock);
    } catch {
      // Another test file builds; a lock older than 3 minutes belongs to a dead process.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // gone meanwhile
      }
      if (Date.now() > deadline) throw new Error('survival: timed out waiting for another build of @ipam/cluster');
      await sleep(250);
      continue;
    }
    try {
      if (builtAt() >= newestSource(join(ROOT, 'src'))) return;
      const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsup'), [], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
      if (r.status !== 0) throw new Error(`survival: building @ipam/cluster failed:\n${r.stdout}\n${r.stderr}\n${r.error ?? ''}`);
      return;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** WorkerConfig is the configuration of one allocator process (see worker.mjs). */
export interface WorkerConfig {
  readonly endpoints: readonly string[];
  readonly prefix: string;
  readonly pool: string;
  readonly cidrs: readonly string[];
  readonly blockSize: number;
  readonly node: string;
  readonly ops: number;
  readonly seed: number;
  readonly timeoutMs?: number;
  readonly maxHeld?: number;
  readonly killAfterCreate?: number;
  readonly unknownDeadlineMs?: number;
}

/** Holding is one address a client holds. */
export interface Holding {
  readonly addr: string;
  readonly owner: string;
  /** The sequence number, or 0 when the client got it from allocate() (which returns only the Addr). */
  readonly seq: number;
  readonly block: string;
}

/** Interval is a time a client held an address: from allocate's answer to the release call (to undefined: still held). */
export interface Interval {
  readonly addr: string;
  readonly owner: string;
  readonly node: string;
  readonly from: bigint;
  to: bigint | undefined;
}

/** WorkerRun is the outcome of one allocator process, complete or killed. */
export interface WorkerRun {
  readonly node: string;
  /** What the client held when it ended or was killed, from its event stream. */
  readonly held: Map<string, Holding>;
  readonly intervals: Interval[];
  /** Every allocation the client was given, with block and seq when known. */
  readonly allocated: Holding[];
  /** The final report, when the process finished. */
  readonly done: { held: Holding[]; errors: Record<string, number>; ops: number; ms: number } | undefined;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/** RunningWorker is a started allocator process. */
export interface RunningWorker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  /** Resolves when the process ends, however it ends. */
  readonly result: Promise<WorkerRun>;
  /** Allocation answers received so far (for tests that act mid-run). */
  readonly allocations: () => number;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** startWorker starts one allocator process and follows its event stream. */
export function startWorker(config: WorkerConfig): RunningWorker {
  const child = spawn(process.execPath, [WORKER, JSON.stringify(config)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const held = new Map<string, Holding>();
  const open = new Map<string, Interval>();
  const intervals: Interval[] = [];
  const allocated: Holding[] = [];
  let done: WorkerRun['done'];
  let stderr = '';
  let buffered = '';
  let readyResolve!: () => void;
  let readyReject!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    readyResolve = res;
    readyReject = rej;
  });
  ready.catch(() => {});
  const onLine = (line: string): void => {
    if (line === '') return;
    const ev = JSON.parse(line) as Record<string, unknown> & { e: string };
    if (ev.e === 'ready') readyResolve();
    else if (ev.e === 'a') {
      const h: Holding = { addr: ev['addr'] as string, owner: ev['owner'] as string, seq: ev['seq'] as number, block: ev['block'] as string };
      held.set(h.addr, h);
      allocated.push(h);
      const iv: Interval = { addr: h.addr, owner: h.owner, node: config.node, from: BigInt(ev['t'] as string), to: undefined };
      intervals.push(iv);
      open.set(h.addr, iv);
    } else if (ev.e === 'r') {
      held.delete(ev['addr'] as string);
      const iv = open.get(ev['addr'] as string);
      if (iv !== undefined) iv.to = BigInt(ev['t'] as string);
      open.delete(ev['addr'] as string);
    } else if (ev.e === 'done') done = ev as unknown as WorkerRun['done'];
  };
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const l of lines) onLine(l);
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  const result = new Promise<WorkerRun>((resolve) => {
    child.once('close', (exitCode, signal) => {
      live.delete(child);
      if (buffered !== '') onLine(buffered);
      readyReject(new Error(`worker ${config.node} ended before it was ready (${exitCode ?? signal}):\n${stderr}`));
      resolve({ node: config.node, held, intervals, allocated, done, exitCode, signal, stderr });
    });
  });
  return { child, ready, result, allocations: () => allocated.length };
}

/** finished checks that a worker ran to its end, with the stderr in the failure message. */
export function finished(run: WorkerRun): NonNullable<WorkerRun['done']> {
  if (run.exitCode !== 0 || run.done === undefined) {
    throw new Error(`worker ${run.node} did not finish (exit ${run.exitCode ?? run.signal}):\n${run.stderr}`);
  }
  // What the stream says and what the final report says agree.
  const final = new Map(run.done.held.map((h) => [h.addr, h.owner]));
  const streamed = new Map([...run.held.values()].map((h) => [h.addr, h.owner]));
  if (JSON.stringify([...final].sort()) !== JSON.stringify([...streamed].sort())) {
    throw new Error(`worker ${run.node}: final report and event stream disagree`);
  }
  return run.done;
}

/**
 * overlaps returns the pairs of holding intervals of one address that overlap (empty when no address was ever held
 * twice). Every allocation is in etcd before its client hears of it, and is released in etcd after its client calls
 * release, so correct allocations give strictly ordered intervals on one clock.
 */
export function overlaps(runs: readonly WorkerRun[]): string[] {
  const byAddr = new Map<string, Interval[]>();
  for (const r of runs) {
    for (const iv of r.intervals) {
      const l = byAddr.get(iv.addr) ?? [];
      l.push(iv);
      byAddr.set(iv.addr, l);
    }
  }
  const out: string[] = [];
  for (const [addr, l] of byAddr) {
    l.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
    for (let i = 1; i < l.length; i++) {
      const prev = l[i - 1]!;
      if (prev.to === undefined || l[i]!.from <= prev.to) out.push(`${addr}: ${prev.owner} (${prev.node}) and ${l[i]!.owner} (${l[i]!.node})`);
    }
  }
  return out;
}

/** duplicateSeqs returns the (block, seq) pairs handed out more than once (only allocations whose seq is known). */
export function duplicateSeqs(runs: readonly WorkerRun[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of runs) {
    for (const a of r.allocated) {
      if (a.seq === 0) continue;
      const k = `${a.block}#${a.seq}`;
      if (seen.has(k)) out.push(k);
      seen.add(k);
    }
  }
  return out;
}

/** RawAllocation is one allocation as decoded here from etcd's raw bytes, independently of the library's decoder. */
export interface RawAllocation {
  readonly owner: string;
  readonly seq: number;
  readonly node: string;
  readonly block: string;
  readonly affinity: string | null;
}

/** RawKV is one etcd key under a prefix, as etcd holds it. */
export interface RawKV {
  readonly key: string;
  readonly value: Buffer;
  readonly modRevision: string;
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

/** rawRange reads every key under `prefix` straight from etcd's v3 gateway (no library code involved). */
export async function rawRange(endpoints: readonly string[], prefix: string): Promise<RawKV[]> {
  const end = Buffer.from(prefix);
  end[end.length - 1]! += 1;
  let last: unknown;
  for (let attempt = 0; attempt < 50; attempt++) {
    for (const ep of endpoints) {
      try {
        const res = await fetch(`${ep}/v3/kv/range`, {
          method: 'POST',
          body: JSON.stringify({ key: b64(prefix), range_end: b64(end) }),
          signal: AbortSignal.timeout(3000),
        });
        const body = (await res.json()) as { kvs?: { key: string; value?: string; mod_revision: string }[]; error?: string };
        if (res.status !== 200) throw new Error(`rawRange ${ep}: ${res.status} ${JSON.stringify(body)}`);
        return (body.kvs ?? []).map((kv) => ({
          key: Buffer.from(kv.key, 'base64').toString('utf8'),
          value: Buffer.from(kv.value ?? '', 'base64'),
          modRevision: kv.mod_revision,
        }));
      } catch (e) {
        last = e;
      }
    }
    await sleep(200);
  }
  throw new Error(`rawRange: no endpoint answered: ${String(last)}`);
}

/** rawPut writes bytes to an etcd key straight through the gateway (another writer, for the garbage tests). */
export async function rawPut(endpoint: string, key: string, value: Buffer | string): Promise<void> {
  const res = await fetch(`${endpoint}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64(key), value: b64(value) }) });
  if (res.status !== 200) throw new Error(`rawPut ${key}: ${res.status} ${await res.text()}`);
}

/** rawAllocations decodes the block records under `prefix + pools/<pool>/blocks/` into addr → allocation. */
export async function rawAllocations(endpoints: readonly string[], prefix: string, pool: string): Promise<Map<string, RawAllocation>> {
  const blocksAt = `${prefix}pools/${pool}/blocks/`;
  const out = new Map<string, RawAllocation>();
  for (const kv of await rawRange(endpoints, blocksAt)) {
    const cidr = kv.key.slice(blocksAt.length);
    const block = Prefix.parse(cidr);
    const rec = JSON.parse(kv.value.toString('utf8')) as { node: string | null; a: Record<string, { o: string; s: number; n: string }> };
    for (const [off, a] of Object.entries(rec.a)) {
      const addr = Addr.fromBigInt(block.addr.toBigInt() + BigInt(off), block.family).toString();
      if (out.has(addr)) throw new Error(`rawAllocations: ${addr} appears twice in etcd`);
      out.set(addr, { owner: a.o, seq: a.s, node: a.n, block: cidr, affinity: rec.node });
    }
  }
  return out;
}

/** PoolSpec names the pool the workers of one test share. */
export interface PoolSpec {
  readonly endpoints: readonly string[];
  readonly prefix: string;
  readonly pool: string;
  readonly cidrs: readonly string[];
  readonly blockSize: number;
}

/**
 * indexAgrees checks, raw from etcd, that the owner index records under `pools/<pool>/owners/` say exactly what the
 * blocks say: every allocation listed under its owner with its block, offset and sequence number, and nothing else.
 */
export async function indexAgrees(spec: PoolSpec, raw: Map<string, RawAllocation>): Promise<void> {
  const want = new Map<string, string[]>();
  for (const [addr, a] of raw) {
    const off = (Addr.parse(addr).toBigInt() - Prefix.parse(a.block).addr.toBigInt()).toString();
    want.set(a.owner, [...(want.get(a.owner) ?? []), `${a.block} ${off} ${a.seq}`].sort());
  }
  const at = `${spec.prefix}pools/${spec.pool}/owners/`;
  const have = new Map<string, string[]>();
  for (const kv of await rawRange(spec.endpoints, at)) {
    const rec = JSON.parse(kv.value.toString('utf8')) as { o: string; a: [string, number, number][] };
    if (kv.key !== at + encodeURIComponent(rec.o)) throw new Error(`indexAgrees: ${kv.key} holds the record of ${rec.o}`);
    have.set(rec.o, rec.a.map((x) => x.join(' ')).sort());
  }
  const show = (m: Map<string, string[]>): string => JSON.stringify([...m].sort());
  if (show(want) !== show(have)) throw new Error(`indexAgrees: the owner index ${show(have).slice(0, 2000)} is not what the blocks say ${show(want).slice(0, 2000)}`);
}

/**
 * storedState reads the pool's allocations twice, with a fresh ClusterPool's list() and raw from etcd, checks that
 * both agree, and returns addr → owner.
 */
export async function storedState(spec: PoolSpec): Promise<{ owners: Map<string, string>; raw: Map<string, RawAllocation>; pool: ClusterPool; close: () => Promise<void> }> {
  const store = new EtcdStore({ endpoints: spec.endpoints, prefix: spec.prefix });
  const pool = await ClusterPool.open({ store, name: spec.pool, cidrs: spec.cidrs, blockSize: spec.blockSize, node: 'survival-checker' });
  const listed = await pool.list();
  const owners = new Map(listed.map((a) => [a.addr.toString(), a.owner]));
  if (owners.size !== listed.length) throw new Error('storedState: ClusterPool.list() reports an address twice');
  const raw = await rawAllocations(spec.endpoints, spec.prefix, spec.pool);
  const rawOwners = new Map([...raw].map(([addr, a]) => [addr, a.owner]));
  const sorted = (m: Map<string, string>) => JSON.stringify([...m].sort());
  if (sorted(owners) !== sorted(rawOwners)) throw new Error('storedState: ClusterPool.list() and the raw etcd records disagree');
  for (const a of listed) {
    const r = raw.get(a.addr.toString())!;
    if (r.seq !== a.seq || r.node !== a.node || r.block !== a.block.toString()) throw new Error(`storedState: ${a.addr} differs between list() and raw etcd`);
  }
  await indexAgrees(spec, raw);
  return { owners, raw, pool, close: () => store.close() };
}

/** believed is the union of what the runs hold: addr → owner; throws when two clients hold one address. */
export function believed(runs: readonly WorkerRun[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of runs) {
    for (const h of r.held.values()) {
      if (out.has(h.addr)) throw new Error(`${h.addr} is held by ${out.get(h.addr)} and by ${h.owner}`);
      out.set(h.addr, h.owner);
    }
  }
  return out;
}

/** sortedEntries turns a map into a sorted entry list, for readable toEqual diffs. */
export function sortedEntries<V>(m: ReadonlyMap<string, V>): [string, V][] {
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** errorCount sums the worker error counters whose name contains `part`. */
export function errorCount(runs: readonly WorkerRun[], part: string): number {
  let n = 0;
  for (const r of runs) for (const [k, v] of Object.entries(r.done?.errors ?? {})) if (k.includes(part)) n += v;
  return n;
}

/** waitFor polls `cond` until it holds, or throws after `ms`. */
export async function waitFor(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`survival: timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * startSurvivalEtcd starts real etcd members (test/etcd.ts) with their data dirs on /dev/shm when the machine has it:
 * the same etcd, but fsync costs nothing, so the runs are bound by CPU and fit the CI time budget (set
 * SURVIVAL_ETCD_DISK=1 to keep the data on disk).
 */
export async function startSurvivalEtcd(members: 1 | 3 = 1): Promise<EtcdCluster> {
  const before = process.env['TMPDIR'];
  if (process.env['SURVIVAL_ETCD_DISK'] !== '1' && existsSync('/dev/shm')) process.env['TMPDIR'] = '/dev/shm';
  try {
    return await startEtcd({ members });
  } finally {
    if (before === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = before;
  }
}

/**
 * survivalSuite starts etcd (and, with `build`, makes sure the package is built) before the suite's tests and stops it
 * after them. A failure to start is thrown by the returned getter inside every test, so each test FAILS (a failing
 * beforeAll alone would leave vitest reporting the tests as skipped).
 */
export function survivalSuite(options: { readonly members?: 1 | 3; readonly build?: boolean } = {}): () => EtcdCluster {
  let etcd: EtcdCluster | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      if (options.build === true) await ensureBuilt();
      etcd = await startSurvivalEtcd(options.members ?? 1);
    } catch (e) {
      failure = e;
    }
  });
  afterAll(async () => {
    await etcd?.stop();
  });
  return () => {
    if (etcd === undefined) throw failure ?? new Error('survival: etcd was not started');
    return etcd;
  };
}

/** DroppingProxy is a TCP proxy in front of one etcd member that loses some replies. */
export interface DroppingProxy {
  /** DroppingProxy.url is the proxy's client URL, to give allocators instead of the member's. */
  readonly url: string;
  /** DroppingProxy.dropped counts the replies lost so far. */
  dropped(): number;
  /** DroppingProxy.close stops the proxy and drops every connection. */
  close(): Promise<void>;
}

/**
 * startDroppingProxy forwards connections to `target` (an etcd client URL) and, for a `rate` share of the replies
 * (chosen by a seeded generator), closes both sides instead of forwarding the reply: the request was served (a write
 * applied) but its client never hears of it, and sees its connection reset.
 */
export async function startDroppingProxy(target: string, rate: number, seed = 7): Promise<DroppingProxy> {
  const upstream = new URL(target);
  let s = seed >>> 0 || 1;
  const random = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  let dropped = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const up = connect(Number(upstream.port), upstream.hostname);
    sockets.add(client);
    sockets.add(up);
    const end = () => {
      client.destroy();
      up.destroy();
      sockets.delete(client);
      sockets.delete(up);
    };
    client.on('data', (d) => up.write(d));
    up.on('data', (d) => {
      if (random() < rate) {
        dropped++;
        end();
      } else client.write(d);
    });
    client.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    dropped: () => dropped,
    close: () =>
      new Promise<void>((r) => {
        for (const x of sockets) x.destroy();
        server.close(() => r());
      }),
  };
}

/** SURVIVAL_SCALE scales every survival run (ops per worker); 1 is the size. */
export const SCALE = Number(process.env['SURVIVAL_SCALE'] ?? 1);
