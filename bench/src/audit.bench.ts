/**
 * @ipam/kubernetes: discover a synthetic 5,000-node, 150,000-pod, 10,000-service `kubectl cluster-info dump` and
 * audit it. The issue's target: dump parse + audit under 2 s and under 500 MB on these machines.
 *
 *   pnpm bench -- audit              (from the repo root, after building @ipam/core, @ipam/cni, @ipam/kubernetes)
 *   BENCH_QUICK=1 pnpm bench -- audit   (a 500-node cluster, to check that the benchmark works)
 *
 * The dump is generated once, deterministically (see audit/dump.ts), and written to a temporary file. The tasks time,
 * in this process (warm), `discover({ dump })` reading the file as a stream (`fs.createReadStream`, 1 MiB reads: the
 * read is part of the time, as for a CLI user) and from the text already in memory, `audit(network)` on the
 * discovered network, and stream + audit together. The report adds cold runs of both in child processes
 * (audit/measure.ts), which give the peak memory: `process.resourceUsage().maxRSS`, Node (and for the text form the
 * text) included, and the live heap after each step.
 *
 * The first run is also a correctness check: the network must hold every node, pod and Service of the dump, and
 * the audit must report the planted mistakes (a pod CIDR on two nodes, a pod on docker0, a duplicated pod IP, a
 * ClusterIP outside the service CIDR).
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
const stream = (): AsyncIterable<Uint8Array> => createReadStream(file, { highWaterMark: 1 << 20 });
bench
  .add('discover({ dump: stream })', async () => {
    sink += (await discover({ dump: stream() })).pods.length;
  })
  .add('discover({ dump: text })', async () => {
    sink += (await discover({ dump: dump.text })).pods.length;
  })
  .add('audit(network)', () => {
    sink += audit(network).findings.length;
  })
  .add('discover(stream) + audit', async () => {
    sink += audit(await discover({ dump: stream() })).findings.length;
  });

function measure(mode: 'stream' | 'string'): MeasureResult {
  const script = fileURLToPath(new URL('./audit/measure.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', import.meta.resolve('tsx'), script, file, mode], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`audit/measure.ts failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as MeasureResult;
}

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
const ms = (x: number): string => `${x.toFixed(0)} ms`;

/** The markdown report: run.ts prints it after the table. It also runs the cold, separate-process measurements. */
export function report(): string {
  const mean = (name: string): number => (bench.getTask(name)?.result as { latency?: { mean?: number } } | undefined)?.latency?.mean ?? Number.NaN;
  const cold = measure('stream');
  const coldText = measure('string');
  const warm = mean('discover(stream) + audit');
  const coldTotal = cold.discoverMs + cold.auditMs;
  const verdict = (ok: boolean): string => (ok ? 'within target' : '**over target**');
  return [
    `Synthetic dump: ${SIZE.nodes.toLocaleString('en')} nodes, ${dump.pods.toLocaleString('en')} pods, ${dump.services.toLocaleString('en')} Services in ${SIZE.namespaces + 2} namespaces, ` +
      `${mib(dump.text.length)} (${(dump.text.length / dump.pods).toFixed(0)} bytes per pod with its log block), generated in ${ms(generateMs)}${quick ? ' (BENCH_QUICK: not the target size)' : ''}.`,
    '',
    'The target run reads the dump file as a stream, `discover({ dump: fs.createReadStream(file, { highWaterMark: 1 << 20 }) })`: ' +
      'the file read is part of discover\'s time. The text rows give discover the dump as one string, read beforehand.',
    '',
    '| run | read file to text | discover | audit | discover + audit | target 2 s |',
    '|---|---|---|---|---|---|',
    `| warm, stream (mean of the tasks above) | (in discover) | ${ms(mean('discover({ dump: stream })'))} | ${ms(mean('audit(network)'))} | ${ms(warm)} | ${verdict(warm < TARGET_MS)} |`,
    `| warm, text | (before) | ${ms(mean('discover({ dump: text })'))} | ${ms(mean('audit(network)'))} | ${ms(mean('discover({ dump: text })') + mean('audit(network)'))} | |`,
    `| **cold, stream** (child process, first run) | (in discover) | ${ms(cold.discoverMs)} | ${ms(cold.auditMs)} | ${ms(coldTotal)} | ${verdict(coldTotal < TARGET_MS)} |`,
    `| cold, text (child process, first run) | ${ms(coldText.readMs)} | ${ms(coldText.discoverMs)} | ${ms(coldText.auditMs)} | ${ms(coldText.discoverMs + coldText.auditMs)} | |`,
    '',
    '| memory (cold child process) | stream | text |',
    '|---|---|---|',
    `| peak RSS (Node, the parsed network, the report; and the dump text for text) | ${mib(cold.peakRss)} (${verdict(cold.peakRss < TARGET_BYTES)}: 500 MiB) | ${mib(coldText.peakRss)} |`,
    `| RSS before reading the dump (Node and modules) | ${mib(cold.baseRss)} | ${mib(coldText.baseRss)} |`,
    `| peak RSS above that | ${mib(cold.peakRss - cold.baseRss)} | ${mib(coldText.peakRss - coldText.baseRss)} |`,
    `| live heap before discover (for text: the dump text) | ${mib(cold.heap.dump)} | ${mib(coldText.heap.dump)} |`,
    `| live heap: + the discovered network | ${mib(cold.heap.network)} (+${mib(cold.heap.network - cold.heap.dump)}) | ${mib(coldText.heap.network)} (+${mib(coldText.heap.network - coldText.heap.dump)}) |`,
    `| live heap: + the audit report | ${mib(cold.heap.report)} (+${mib(cold.heap.report - cold.heap.network)}) | ${mib(coldText.heap.report)} (+${mib(coldText.heap.report - coldText.heap.network)}) |`,
    '',
    `Findings: ${Object.entries(cold.findings).map(([k, v]) => `${k} ${v}`).join(', ')} (sink ${sink > 0 ? 'ok' : 'empty'}).`,
  ].join('\n');
}
