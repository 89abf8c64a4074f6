// Runs every src/*.bench.ts, one after another, and prints a table per file.
//
//   pnpm bench                 (from the repo root: builds @ipam/core first)
//   pnpm bench -- addr prefix  (only files whose name contains "addr" or "prefix")
//   BENCH_QUICK=1 pnpm bench   (short runs, to check that the benchmarks work)
//
// A bench file exports `bench`, a tinybench `Bench` made with `createBench` from
// ./src/harness.ts, with its tasks added; @ipam/core is the workspace's built dist.
// A file may also export `report()`, returning text (markdown) printed after its table.
import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';

const dir = new URL('./src/', import.meta.url);
const filters = process.argv.slice(2).filter((a) => a !== '--');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();

if (files.length === 0) {
  console.log(`no bench files in bench/src${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
}

for (const file of files) {
  const mod: { bench?: unknown; report?: unknown } = await import(pathToFileURL(new URL(file, dir).pathname).href);
  if (!(mod.bench instanceof Bench)) {
    throw new TypeError(`bench/src/${file}: must export \`bench\`, a tinybench Bench`);
  }
  await mod.bench.run();
  console.log(`\n${file}${mod.bench.name ? ` (${mod.bench.name})` : ''}`);
  console.table(mod.bench.table());
  if (typeof mod.report === 'function') console.log(`\n${await mod.report()}`);
}
