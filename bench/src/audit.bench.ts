/**
 * @ipam/kubernetes: discover a synthetic 5,000-node, 150,000-pod, 10,000-service `kubectl cluster-info dump` and
 * audit it. The issue's target: dump parse + audit under 2 s and under 500 MB on these machines.
 *
 *   pnpm bench -- audit              (from the repo root, after building @ipam/core, @ipam/cni, @ipam/kubernetes)
 *   BENCH_QUICK=1 pnpm bench -- audit   (a 500-node cluster, to check that the benchmark works)
 *
 * The dump is generated once, deterministically (see audit/dump.ts), and written to a temporary file. The tasks time
 * `discover({ dump })`, `audit(network)` on the discovered network, and both together, in this process (warm).
 * The report adds a cold run of both in a child process (audit/measure.ts), which gives the peak memory:
 * `process.resourceUsage().maxRSS`, Node and the dump text included, and the live heap after each step.
 *
 * The first run is also a correctness check: the network must hold every node, pod and Service of the dump, and
 * the audit must report the planted mistakes (a pod CIDR on two nodes, a pod on docker0, a duplicated pod IP, a
 * ClusterIP outside the service CIDR).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { audit, discover, type AuditReport, type ClusterNetwork } from '@ipam/kubernetes';
import { syntheticClusterDump } from './audit/dump.js';
import type { MeasureResult } from './audit/measure.js';
import { createBench, quick } from './harness.js';

const SIZE = quick
  ? { nodes: 500, podsPerNode: 30, services: 1_000, namespaces: 20 }
  : { nodes: 5_000, podsPerNode: 30, services: 10_000, namespaces: 50 };
const TARGET_MS = 2_000;
const TARGET_BYTES = 500 * 2 ** 20;

const t0 = performance.now();
const dump = syntheticClusterDump(SIZE);
const generateMs = performance.now() - t0;
const dir = mkdtempSync(join(tmpdir(), 'audit-bench-'));
const file = join(dir, 'cluster-info-dump.txt');
writeFileSync(file, dump.text);
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function check(network: ClusterNetwork, report: AuditReport): void {
  const fail = (what: string): never => {
    throw new Error(`audit bench: ${what}`);
  };
  if (network.nodes.length !== dump.nodes) fail(`discovered ${network.nodes.length} nodes, the dump has ${dump.nodes}`);
  if (network.pods.length !== dump.pods) fail(`discovered ${network.pods.length} pods, the dump has ${dump.pods}`);
  if (network.services.length !== dump.services) fail(`discovered ${network.services.length} Services, the dump has ${dump.services}`);
  if (network.clusterCIDRs.join() !== '10.128.0.0/11' || network.serviceCIDRs.join() !== '10.96.0.0/12') {
    fail(`discovered cluster CIDR ${network.clusterCIDRs.join()} and service CIDR ${network.serviceCIDRs.join()}`);
  }
  const has = (code: string, object: string): void => {
    if (!report.findings.some((f) => f.code === code && f.objects.includes(object))) fail(`no ${code} finding for ${object}`);
  };
  const { planted } = dump;
  has('NODE_POD_CIDRS_OVERLAP', `Node/${planted.sharedPodCIDR[1]}`);
  has('POD_IP_OUTSIDE_CLUSTER_CIDR', `Pod ${planted.strayPod}`);
  has('POD_IP_DUPLICATE', `Pod ${planted.duplicatePods[1]}`);
  has('SERVICE_IP_OUTSIDE_SERVICE_CIDR', `Service ${planted.strayService}`);
  if (report.counts.error !== 4) fail(`expected the 4 planted errors, got ${report.findings.filter((f) => f.severity === 'error').map((f) => f.code).join(', ')}`);
}

const network = await discover({ dump: dump.text });
check(network, audit(network));

let sink = 0;
export const bench = createBench(
  `@ipam/kubernetes audit: ${SIZE.nodes.toLocaleString('en')} nodes, ${dump.pods.toLocaleString('en')} pods, ${dump.services.toLocaleString('en')} Services, ${(dump.text.length / 2 ** 20).toFixed(0)} MiB dump`,
  { time: 0, iterations: quick ? 2 : 5, warmupTime: 0, warmupIterations: 1 },
);
bench
  .add('discover({ dump })', async () => {
    sink += (await discover({ dump: dump.text })).pods.length;
  })
  .add('audit(network)', () => {
    sink += audit(network).findings.length;
  })
  .add('discover + audit', async () => {
    sink += audit(await discover({ dump: dump.text })).findings.length;
  });

function measure(): MeasureResult {
  const script = fileURLToPath(new URL('./audit/measure.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', import.meta.resolve('tsx'), script, file], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`audit/measure.ts failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as MeasureResult;
}

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
const ms = (x: number): string => `${x.toFixed(0)} ms`;

/** The markdown report: run.ts prints it after the table. It also runs the cold, separate-process measurement. */
export function report(): string {
  const mean = (name: string): number => (bench.getTask(name)?.result as { latency?: { mean?: number } } | undefined)?.latency?.mean ?? Number.NaN;
  const cold = measure();
  const warm = mean('discover + audit');
  const coldTotal = cold.discoverMs + cold.auditMs;
  const verdict = (ok: boolean): string => (ok ? 'within target' : '**over target**');
  return [
    `Synthetic dump: ${SIZE.nodes.toLocaleString('en')} nodes, ${dump.pods.toLocaleString('en')} pods, ${dump.services.toLocaleString('en')} Services in ${SIZE.namespaces + 2} namespaces, ` +
      `${mib(dump.text.length)} (${(dump.text.length / dump.pods).toFixed(0)} bytes per pod with its log block), generated in ${ms(generateMs)}${quick ? ' (BENCH_QUICK: not the target size)' : ''}.`,
    '',
    '| run | discover | audit | discover + audit | target 2 s |',
    '|---|---|---|---|---|',
    `| warm (mean of the tasks above) | ${ms(mean('discover({ dump })'))} | ${ms(mean('audit(network)'))} | ${ms(warm)} | ${verdict(warm < TARGET_MS)} |`,
    `| cold (child process, first run) | ${ms(cold.discoverMs)} | ${ms(cold.auditMs)} | ${ms(coldTotal)} | ${verdict(coldTotal < TARGET_MS)} |`,
    '',
    '| memory (cold child process) | |',
    '|---|---|',
    `| peak RSS (Node, the dump text, the parsed network, the report) | ${mib(cold.peakRss)} (${verdict(cold.peakRss < TARGET_BYTES)}: 500 MiB) |`,
    `| RSS before reading the dump (Node and modules) | ${mib(cold.baseRss)} |`,
    `| peak RSS above that | ${mib(cold.peakRss - cold.baseRss)} |`,
    `| live heap: the dump text | ${mib(cold.heap.dump)} |`,
    `| live heap: + the discovered network | ${mib(cold.heap.network)} (+${mib(cold.heap.network - cold.heap.dump)}) |`,
    `| live heap: + the audit report | ${mib(cold.heap.report)} (+${mib(cold.heap.report - cold.heap.network)}) |`,
    '',
    `Findings: ${Object.entries(cold.findings).map(([k, v]) => `${k} ${v}`).join(', ')} (sink ${sink > 0 ? 'ok' : 'empty'}).`,
  ].join('\n');
}
