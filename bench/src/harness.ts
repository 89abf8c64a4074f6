import { Bench } from 'tinybench';

/**
 * createBench returns a tinybench `Bench` with the suite's shared settings; every
 * `*.bench.ts` file exports one as `bench`. `BENCH_QUICK=1` shortens each task to
 * a smoke run.
 */
export function createBench(name: string): Bench {
  const quick = process.env.BENCH_QUICK === '1';
  return new Bench({ name, time: quick ? 20 : 1000, warmupTime: quick ? 5 : 200 });
}
