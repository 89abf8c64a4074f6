/**
 * One cold run of `discover({ dump })` + `audit()` on a dump file, in its own process so that the peak memory is
 * that of this work alone (audit.bench.ts starts it):
 *
 *   node --expose-gc --import tsx bench/src/audit/measure.ts <dump-file> stream|string
 *
 * `stream` (what a CLI does) gives discover `fs.createReadStream(file, { highWaterMark: 1 MiB })`: the file is read
 * as discover goes, and the read is part of discover's time. `string` reads the file into one string first
 * (`readFileSync(file, 'utf8')`, timed apart) and gives discover the string.
 *
 * It prints one JSON line: the times of each step, the peak resident set size of the process
 * (`process.resourceUsage().maxRSS`, which includes Node itself and, for `string`, the dump text), the resident size
 * before the dump was read (Node and the loaded modules), the live heap after each step (collected first, outside the
 * timed parts: what the dump text, the network and the report keep), and the finding counts.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { audit, discover } from '@ipam/kubernetes';

export interface MeasureResult {
  mode: 'stream' | 'string';
  bytes: number;
  /** Time to read the file into a string (`string` mode; 0 for `stream`, where discover reads it). */
  readMs: number;
  discoverMs: number;
  auditMs: number;
  /** Peak RSS of the process, in bytes. */
  peakRss: number;
  /** RSS before the dump was read, in bytes. */
  baseRss: number;
  /** Live heap after reading the dump (the text), after discover (+ the network) and after audit (+ the report), in bytes. */
  heap: { dump: number; network: number; report: number };
  nodes: number;
  pods: number;
  services: number;
  findings: Record<string, number>;
}

const file = process.argv[2];
const mode = process.argv[3] ?? 'stream';
if (file === undefined || (mode !== 'stream' && mode !== 'string')) throw new Error('usage: measure.ts <dump-file> stream|string');
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('audit/measure.ts needs node --expose-gc');
const live = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const baseRss = process.memoryUsage().rss;
const t0 = performance.now();
const dump = mode === 'string' ? readFileSync(file, 'utf8') : undefined;
const t1 = performance.now();
const heapDump = live();
const t1b = performance.now();
const network = await discover({ dump: dump ?? createReadStream(file, { highWaterMark: 1 << 20 }) });
const t2 = performance.now();
const heapNetwork = live();
const t2b = performance.now();
const report = audit(network);
const t3 = performance.now();
const heapReport = live();
const findings: Record<string, number> = {};
for (const f of report.findings) findings[f.code] = (findings[f.code] ?? 0) + 1;
const result: MeasureResult = {
  mode,
  bytes: statSync(file).size,
  readMs: t1 - t0,
  discoverMs: t2 - t1b,
  auditMs: t3 - t2b,
  peakRss: process.resourceUsage().maxRSS * 1024,
  baseRss,
  heap: { dump: heapDump, network: heapNetwork, report: heapReport },
  nodes: network.nodes.length,
  pods: network.pods.length,
  services: network.services.length,
  findings,
};
console.log(JSON.stringify(result));
