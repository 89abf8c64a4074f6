import { Bench, type BenchOptions } from 'tinybench';

/** quick is true when `BENCH_QUICK=1`: bench files shrink their inputs and runs to a smoke test. */
export const quick = process.env.BENCH_QUICK === '1';

/**
 * createBench returns a tinybench `Bench` with the suite's shared settings; every
 * `*.bench.ts` file exports one as `bench`. `BENCH_QUICK=1` shortens each task to
 * a smoke run. `options` overrides single settings (a file with slow tasks may
 * lower the minimum iteration counts, for example).
 */
export function createBench(name: string, options: BenchOptions = {}): Bench {
  return new Bench({ name, time: quick ? 20 : 1000, warmupTime: quick ? 5 : 200, ...options });
}
