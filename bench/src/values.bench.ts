/**
 * @ipam/core against ipaddr.js, ip-address, cidr-tools, netmask and ip-num on value work, side by side in one
 * run: (a) IPv4 and (b) IPv6 parse+format, (c) prefix contains, (d) summarize, (e) range → prefixes.
 *
 *   pnpm bench -- values               (from the repo root; builds @ipam/core first)
 *   BENCH_QUICK=1 pnpm bench -- values (small inputs and short runs: a smoke test, not a measurement)
 *   cd bench && VALUES_CASES=b/mixed,c/v6 npx tsx run.ts values   (only some cases, for profiling)
 *
 * Every library's output is checked before anything is timed (see ./values/check.ts); a library that gets an
 * input wrong is reported and not timed on that case. Inputs come from fixed mulberry32 seeds. The markdown
 * summary, with the ratio of core to the fastest correct peer per case and whether each target is met, is
 * printed by `report()` after tinybench's table.
 */
import { cpus, loadavg } from 'node:os';
import { createBench, quick } from './harness.js';
import { caseA, caseB, caseC4, caseC6, caseD, caseE } from './values/cases.js';
import { containsPairs4, containsPairs6, randomIPv4, randomIPv6, ranges4, ranges6, summarizeInputs } from './values/inputs.js';
import { type Case, taskName } from './values/model.js';
import { mulberry32 } from './values/prng.js';
import { markdown } from './values/report.js';

const SEED = 0x1a9a_2024;
const size = {
  addrs: quick ? 1_000 : 10_000,
  pairs: quick ? 4_096 : 16_384,
  passes: quick ? 4 : 64,
  summarize: quick ? 1_000 : 10_000,
  ipNumSample: quick ? 300 : 1_000,
  ranges: quick ? 100 : 1_000,
};
/**
 * cpuMs is the process's CPU time (user + system) in ms, the clock of every task here. The bench machines
 * are shared (2 cores; other builds and test runs come and go), and wall-clock times moved by 2× from one
 * run to the next. CPU time leaves out the time the process waits for a core, but not the slowdown of
 * sharing caches and cores with other processes: under load, ratios still move by 10–30% between runs.
 * It counts all of the process's threads, so concurrent GC and compilation work is included.
 */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/**
 * Every task runs once per round, `time` ms of CPU and at least `iterations` calls (a few slow peers take
 * 0.1–1 s a call), and the report takes the median of the round means: a burst of load from elsewhere then
 * moves one round of one task, not the result.
 */
const ROUNDS = quick ? 1 : 3;
const options = {
  now: cpuMs,
  ...(quick ? { time: 20, warmupTime: 5, iterations: 2, warmupIterations: 1 } : { time: 250, warmupTime: 80, iterations: 3, warmupIterations: 1 }),
};

/** `VALUES_CASES=a,c/v6` builds and times only the cases whose id starts with one of the given prefixes. */
const only = process.env.VALUES_CASES?.split(',').filter(Boolean);
const wanted = (id: string): boolean => !only || only.some((p) => id.startsWith(p));

const started = performance.now();
const loadStart = loadavg()[0]!.toFixed(1);
const rng = (k: number) => mulberry32(SEED + k);
const builders: [string, () => Case | Case[]][] = [
  ['a', () => caseA(randomIPv4(rng(1), size.addrs))],
  ['b/', () => caseB(randomIPv6(rng(2), size.addrs))],
  ['c/v4', () => caseC4(containsPairs4(rng(3), size.pairs), size.passes)],
  ['c/v6', () => caseC6(containsPairs6(rng(4), size.pairs), size.passes)],
  ['d', () => caseD(summarizeInputs(rng(5), size.summarize), size.ipNumSample)],
  ['e/v4', () => caseE(4, ranges4(rng(6), size.ranges))],
  ['e/v6', () => caseE(6, ranges6(rng(7), size.ranges))],
];
const cases: Case[] = builders
  .filter(([id]) => !only || only.some((p) => id.startsWith(p) || p.startsWith(id)))
  .flatMap(([, build]) => build())
  .filter((c) => wanted(c.id));
const checkedIn = performance.now() - started;

let sink = 0;

/** bench holds one task per timed (case, library, round); names are `<case> <library> #<round>`. */
export const bench = createBench('values: @ipam/core vs peers', options);
for (let round = 1; round <= ROUNDS; round++) {
  for (const c of cases) {
    for (const e of c.entries) {
      const run = e.run;
      if (run) {
        bench.add(taskName(c, e, round), () => {
          sink = (sink + run()) | 0;
        });
      }
    }
  }
}

/** report returns the markdown summary of the finished run. */
export function report(): string {
  const header = [
    `## @ipam/core vs peers: values${quick ? ' (BENCH_QUICK=1: smoke run, numbers not meaningful)' : ''}`,
    '',
    `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, load average ${loadStart} at the start and ${loadavg()[0]!.toFixed(1)} at the end; tinybench on process CPU time, ${ROUNDS} round${ROUNDS > 1 ? 's' : ''} of ${options.time} ms per task` +
      ` (at least ${options.iterations} calls) after ${options.warmupTime} ms warm-up; seed 0x${SEED.toString(16)};` +
      ` inputs built and every output checked in ${(checkedIn / 1000).toFixed(1)} s; whole file ${((performance.now() - started) / 1000).toFixed(0)} s` +
      ` (checksum ${sink}).`,
  ];
  return markdown(bench, cases, ROUNDS, header);
}
