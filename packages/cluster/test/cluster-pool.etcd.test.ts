// ClusterPool across processes against real etcd: allocator processes (not async tasks), each a node, allocating and
// releasing at the same time. No address may be held by two owners at once, none may be lost, and etcd must end up
// holding exactly what the processes believe they hold.
//
// The worker is TypeScript; it is compiled with the TypeScript compiler API (a devDependency) into a scratch folder
// under this package's node_modules/.cache (ignored by git), so its imports resolve to this package's sources and to
// @ipam/core's build.
//
// CLUSTER_SURVIVAL_PROCESSES and CLUSTER_SURVIVAL_OPS scale the run (the figure: 8 processes × 2,000).
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterPool, EtcdStore } from '../src/index.js';
import { type EtcdCluster, startEtcd } from './etcd.js';

const PROCESSES = Number(process.env['CLUSTER_SURVIVAL_PROCESSES'] ?? 8);
const OPS = Number(process.env['CLUSTER_SURVIVAL_OPS'] ?? 300);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface WorkerReport {
  readonly node: string;
  readonly held: readonly { addr: string; owner: string; from: number }[];
  readonly intervals: readonly { addr: string; owner: string; from: number; to: number }[];
  readonly allocations: number;
  readonly releases: number;
  readonly storeErrors: number;
  readonly maxGapMs: number;
  readonly writes: number;
  readonly lost: number;
  readonly ms: number;
}

/** Compiles src/ (without tests) and test/pool-worker.ts into a scratch folder under the package; returns the worker's path. */
function buildWorker(out: string): string {
  const files = [
    ...readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => join(root, 'src', f)),
    join(root, 'test', 'pool-worker.ts'),
  ];
  for (const file of files) {
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, useDefineForClassFields: false },
      fileName: file,
    }).outputText;
    const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
  return join(out, 'test', 'pool-worker.js');
}

function runWorker(
  worker: string,
  endpoints: readonly string[],
  node: string,
  ops: number,
  seed: number,
  spawned?: (child: ChildProcess) => void,
): Promise<WorkerReport> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [worker, endpoints.join(','), node, String(ops), String(seed)], { maxBuffer: 64 << 20, timeout: 600_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`worker ${node} failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as WorkerReport);
    });
    spawned?.(child);
  });
}

/** Checks the invariants over the workers' reports and etcd's final state; returns a one-line summary. */
async function check(
  reports: readonly WorkerReport[],
  endpoints: readonly string[],
  processes: number,
  ops: number,
  killed?: string,
): Promise<string> {
  // Nobody held an address while another owner held it: holding intervals (from allocate's answer to the release
  // call) of one address never overlap. Processes share the machine's clock; 1 ms covers timestamp rounding.
  const byAddr = new Map<string, { owner: string; from: number; to: number }[]>();
  const end = Math.max(...reports.map((r) => Math.max(0, ...r.held.map((h) => h.from)))) + 1;
  for (const r of reports) {
    for (const x of [...r.intervals, ...r.held.map((h) => ({ ...h, to: end }))]) {
      const list = byAddr.get(x.addr) ?? [];
      list.push(x);
      byAddr.set(x.addr, list);
    }
  }
  const overlaps: string[] = [];
  for (const [addr, list] of byAddr) {
    list.sort((a, b) => a.from - b.from);
    for (let i = 1; i < list.length; i++) {
      if (list[i]!.from < list[i - 1]!.to - 1) overlaps.push(`${addr}: ${list[i - 1]!.owner} and ${list[i]!.owner}`);
    }
  }
  expect(overlaps).toEqual([]);
  // What etcd holds is exactly what the processes believe they hold.
  const store = new EtcdStore({ endpoints, prefix: '/ipam-test/' });
  try {
    const checker = await ClusterPool.open({ store, name: 'pods', cidrs: ['10.96.0.0/22'], blockSize: 28, node: 'checker' });
    if (killed !== undefined) {
      // The killed process's pods are gone: garbage collection (two looks) frees their addresses, and nothing else.
      const gc = { isAlive: (o: string) => !o.startsWith(`${killed}/`), graceMs: 0 };
      expect((await checker.collectGarbage(gc)).freed).toEqual([]);
      const { freed } = await checker.collectGarbage(gc);
      expect(freed.filter((f) => f.node !== killed || !f.owner.startsWith(`${killed}/`))).toEqual([]);
    }
    const believed = new Map(reports.flatMap((r) => r.held.map((h) => [h.addr, h.owner] as const)));
    expect(believed.size).toBe(reports.reduce((n, r) => n + r.held.length, 0));
    const stored = new Map((await checker.list()).map((a) => [a.addr.toString(), a.owner]));
    expect(stored).toEqual(believed);
    const done = reports.reduce((n, r) => n + r.allocations + r.releases, 0);
    expect(done).toBeGreaterThanOrEqual(processes * ops * 0.5);
    const stats = await checker.stats();
    expect(stats.used).toBe(BigInt(believed.size));
    const slowest = Math.max(...reports.map((r) => r.ms));
    return (
      `${processes} processes, ${done} operations in ${(slowest / 1000).toFixed(1)} s (${Math.round(done / (slowest / 1000))}/s), ` +
      `${stats.claimedBlocks} blocks claimed, ${reports.reduce((n, r) => n + r.storeErrors, 0)} store errors, ` +
      `longest pause ${Math.round(Math.max(...reports.map((r) => r.maxGapMs)))} ms, ` +
      `${reports.reduce((n, r) => n + r.writes, 0)} writes of which ${reports.reduce((n, r) => n + r.lost, 0)} lost a compare-and-swap`
    );
  } finally {
    await store.close();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('ClusterPool across processes on real etcd', () => {
  const scratchDirs: string[] = [];
  const clusters: EtcdCluster[] = [];
  let worker = '';

  beforeAll(() => {
    mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
    const scratch = mkdtempSync(join(root, 'node_modules', '.cache', 'pool-worker-'));
    scratchDirs.push(scratch);
    writeFileSync(join(scratch, 'package.json'), '{"type":"module"}\n');
    worker = buildWorker(scratch);
  });

  afterAll(async () => {
    for (const c of clusters) await c.stop();
    for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
  });

  async function etcd(members: 1 | 3): Promise<EtcdCluster> {
    const c = await startEtcd({ members });
    clusters.push(c);
    return c;
  }

  it(`${PROCESSES} allocator processes × ${OPS} allocations and releases: no address held twice, none lost`, async () => {
    const { endpoints } = await etcd(1);
    const reports = await Promise.all(
      Array.from({ length: PROCESSES }, (_, i) => runWorker(worker, endpoints, `node-${i}`, OPS, 1000 + i)),
    );
    console.log(`ClusterPool on etcd: ${await check(reports, endpoints, PROCESSES, OPS)}`);
  });

  it('etcd stopped and restarted during a run: allocations pause and resume, same invariants', async () => {
    const cluster = await etcd(1);
    const running = Promise.all(Array.from({ length: 4 }, (_, i) => runWorker(worker, cluster.endpoints, `node-${i}`, 200, 2000 + i)));
    await sleep(1500);
    await cluster.kill(0);
    await sleep(1500);
    await cluster.restart(0);
    const reports = await running;
    console.log(`ClusterPool on etcd, restarted mid-run: ${await check(reports, cluster.endpoints, 4, 200)}`);
    // the outage hit the run: some step waited for etcd to come back
    expect(Math.max(...reports.map((r) => r.maxGapMs))).toBeGreaterThan(1000);
  });

  it('an allocator process killed mid-run: the others go on, its addresses are garbage until collected', async () => {
    const cluster = await etcd(1);
    let victim: ChildProcess | undefined;
    const running = Array.from({ length: 4 }, (_, i) =>
      runWorker(worker, cluster.endpoints, `node-${i}`, 200, 4000 + i, i === 0 ? (c) => (victim = c) : undefined),
    );
    const killed = running[0]!.then(
      () => 'finished',
      () => 'killed',
    );
    await sleep(1200);
    victim!.kill('SIGKILL');
    expect(await killed).toBe('killed');
    const reports = await Promise.all(running.slice(1));
    console.log(`ClusterPool on etcd, one process killed: ${await check(reports, cluster.endpoints, 3, 200, 'node-0')}`);
  });

  it('a 3-member etcd cluster with its leader killed mid-run: same invariants', async () => {
    const cluster = await etcd(3);
    const running = Promise.all(Array.from({ length: 4 }, (_, i) => runWorker(worker, cluster.endpoints, `node-${i}`, 200, 3000 + i)));
    await sleep(1500);
    const leader = await cluster.leader();
    await cluster.kill(leader);
    const reports = await running;
    console.log(`ClusterPool on 3-member etcd, leader ${leader} killed mid-run: ${await check(reports, cluster.endpoints, 4, 200)}`);
    await cluster.restart(leader);
  });
});
