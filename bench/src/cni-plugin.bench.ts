// @ipam/cni plugin runtime and ipam-host-local: per-invocation ADD latency of our executable against the
// reference host-local binary and a bare `node -e 0`, and in-process ADD+DEL rates through runPlugin on the
// in-memory and on the crash-safe file store, next to the reference binary's ADD+DEL rate.
// Imports the built package (packages/cni/dist): run `pnpm --filter @ipam/cni build` first.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostLocalMemoryStore, hostLocalPlugin, runPlugin } from '../../packages/cni/dist/index.js';
import { createBench } from './harness.js';

const REAL = '/usr/lib/cni/host-local';
const OURS = fileURLToPath(new URL('../../packages/cni/dist/bin/ipam-host-local.cjs', import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = QUICK ? 5 : 41;
const dir = mkdtempSync(join(tmpdir(), 'ipam-bench-'));
const conf = (dataDir: string, name = 'net'): string =>
  JSON.stringify({ cniVersion: '1.0.0', name, type: 'bridge', ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.128.0.0/16' }], [{ subnet: 'fd00:128::/112' }]] } });
// PATH is read once: process.env is a slow getter, and its cost is not the plugin's.
const PATH = process.env.PATH ?? '/usr/bin:/bin';
const env = (cmd: string, id: string): Record<string, string> => ({ CNI_COMMAND: cmd, CNI_CONTAINERID: id, CNI_NETNS: '/x', CNI_IFNAME: 'eth0', CNI_PATH: '/x', PATH });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function timeSpawn(file: string, args: string[], input: string, e: Record<string, string>): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(file, args, { input, env: e });
  if (r.status !== 0) throw new Error(`${file} failed: ${r.stdout}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

// The floor of any Node plugin that locks like the reference: start Node, load child_process, run flock(1) once.
const FLOCK_FLOOR = `require('child_process').spawnSync('flock', ['-x', ${JSON.stringify(join(dir, 'floor.lock'))}, 'true'], { stdio: 'ignore' })`;

/**
 * Median wall-clock milliseconds per process, interleaved: node -e 0, Node plus one flock(1) spawn, our ADD (then
 * DEL, untimed), the reference's.
 */
function latencies(): { node: number; floor: number; ours: number; real: number | undefined } {
  const n: number[] = [];
  const f: number[] = [];
  const o: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    n.push(timeSpawn(process.execPath, ['-e', '0'], '', env('', '')));
    f.push(timeSpawn(process.execPath, ['-e', FLOCK_FLOOR], '', env('', '')));
    o.push(timeSpawn(process.execPath, [OURS], conf(dir, 'lat-ours'), env('ADD', `o${i}`)));
    spawnSync(process.execPath, [OURS], { input: conf(dir, 'lat-ours'), env: env('DEL', `o${i}`) });
    if (existsSync(REAL)) {
      r.push(timeSpawn(REAL, [], conf(dir, 'lat-real'), env('ADD', `r${i}`)));
      spawnSync(REAL, [], { input: conf(dir, 'lat-real'), env: env('DEL', `r${i}`) });
    }
  }
  return { node: median(n), floor: median(f), ours: median(o), real: r.length ? median(r) : undefined };
}

const memory = new HostLocalMemoryStore();
const memPlugin = hostLocalPlugin({ store: memory.factory });
const filePlugin = hostLocalPlugin();
const sink = { stdout: (_: string) => {}, stderr: (_: string) => {}, exit: (_: number) => {} };
let seq = 0;

async function addDel(plugin: typeof memPlugin, stdin: string): Promise<void> {
  const id = `c${seq++}`;
  if ((await runPlugin(plugin, { ...sink, env: env('ADD', id), stdin })) !== 0) throw new Error('ADD failed');
  if ((await runPlugin(plugin, { ...sink, env: env('DEL', id), stdin })) !== 0) throw new Error('DEL failed');
}

export const bench = createBench('cni plugin');
const memConf = conf('/bench/memory');
const fileConf = conf(dir, 'file');
bench.add('in-process ADD+DEL, memory store', () => addDel(memPlugin, memConf));
bench.add('in-process ADD+DEL, crash-safe file store (flock, fsync)', () => addDel(filePlugin, fileConf));
// What bounds the file store: each command spawns flock(1) once; an ADD fsyncs a lease per range set and the directory.
const lockFile = join(dir, 'bound.lock');
bench.add('bound: one flock(1) spawn (lock, as HostLocalFileStore.lock)', () => {
  spawnSync('flock', ['-x', lockFile, 'true'], { stdio: 'ignore' });
});
bench.add('bound: write + fsync of one small file', () => {
  const fd = openSync(join(dir, 'bound.fsync'), 'w');
  writeSync(fd, 'c\r\neth0');
  fsyncSync(fd);
  closeSync(fd);
});
if (existsSync(REAL)) {
  bench.add('reference host-local ADD+DEL (2 processes)', () => {
    const id = `r${seq++}`;
    spawnSync(REAL, [], { input: conf(dir, 'real'), env: env('ADD', id) });
    spawnSync(REAL, [], { input: conf(dir, 'real'), env: env('DEL', id) });
  });
}

export async function report(): Promise<string> {
  const l = latencies();
  rmSync(dir, { recursive: true, force: true });
  const rows = [
    `| per-invocation ADD (median of ${RUNS}) | ms |`,
    '|---|---|',
    `| node -e 0 (Node start-up) | ${l.node.toFixed(1)} |`,
    `| ipam-host-local (ours) | ${l.ours.toFixed(1)} |`,
    `| node + child_process + one flock(1) spawn (floor) | ${l.floor.toFixed(1)} |`,
    `| /usr/lib/cni/host-local (reference) | ${l.real === undefined ? 'n/a' : l.real.toFixed(1)} |`,
    `| ours minus Node start-up (target ≤ 15 ms) | ${(l.ours - l.node).toFixed(1)} |`,
    `| ours minus the flock floor | ${(l.ours - l.floor).toFixed(1)} |`,
  ];
  return rows.join('\n');
}
