// Shared helpers of the host-local conformance, interop, load and crash tests: run the reference binary and
// ours on the same inputs and snapshot a data directory byte for byte.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostLocalPlugin } from '../src/host-local-plugin.js';
import { runPlugin } from '../src/plugin-runtime.js';

/** The reference binary; the conformance tests fail (never skip) without it. */
export const REAL = '/usr/lib/cni/host-local';
/** Our built executable. */
export const OURS_BIN = fileURLToPath(new URL('../dist/bin/ipam-host-local.cjs', import.meta.url));

/** One plugin invocation. */
export interface Call {
  cmd: string;
  id?: string;
  ifname?: string;
  netns?: string;
  args?: string;
  path?: string;
  stdin: string;
  /** Extra or overriding environment; `undefined` values remove a variable. */
  env?: Record<string, string | undefined>;
}

/** What a plugin printed and returned. */
export interface Outcome {
  stdout: string;
  status: number;
  /** Only for spawned runs, for diagnostics. */
  stderr?: string;
}

/** envOf builds the CNI environment of a call. */
export function envOf(c: Call): Record<string, string> {
  const env: Record<string, string | undefined> = {
    CNI_COMMAND: c.cmd,
    CNI_CONTAINERID: c.id ?? 'ctr1',
    CNI_NETNS: c.netns ?? (c.cmd === 'DEL' ? '' : '/var/run/netns/x'),
    CNI_IFNAME: c.ifname ?? 'eth0',
    CNI_ARGS: c.args ?? '',
    CNI_PATH: c.path ?? '/opt/cni/bin',
    ...c.env,
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/** runReal runs the reference binary. */
export function runReal(c: Call): Outcome {
  const r = spawnSync(REAL, [], { env: envOf(c), input: c.stdin, encoding: 'utf8' });
  return { stdout: r.stdout, status: r.status ?? -1 };
}

/** runOursInProcess runs our plugin through the runtime in this process, on the file store. */
export async function runOursInProcess(c: Call): Promise<Outcome> {
  let stdout = '';
  const status = await runPlugin(hostLocalPlugin(), { env: envOf(c), stdin: c.stdin, stdout: (s) => (stdout += s), stderr: () => {}, exit: () => {} });
  return { stdout, status };
}

/** runOursBin runs our built executable. */
export function runOursBin(c: Call): Outcome {
  const r = spawnSync(process.execPath, [OURS_BIN], { env: { ...envOf(c), PATH: process.env.PATH ?? '/usr/bin:/bin' }, input: c.stdin, encoding: 'utf8' });
  return { stdout: r.stdout, status: r.status ?? -1 };
}

/** spawnAsync runs a plugin executable without blocking, for concurrency tests. */
export function spawnAsync(which: 'real' | 'ours', c: Call): Promise<Outcome> & { kill(): void } {
  const child = which === 'real'
    ? spawn(REAL, [], { env: envOf(c) })
    : spawn(process.execPath, [OURS_BIN], { env: { ...envOf(c), PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.on('error', () => {});
  child.stdin.end(c.stdin);
  const p = new Promise<Outcome>((res) => child.on('close', (code, sig) => res({ stdout, status: code ?? (sig ? -1 : -2), stderr }))) as Promise<Outcome> & { kill(): void };
  p.kill = () => child.kill('SIGKILL');
  return p;
}

/** tempDir makes a fresh directory. */
export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `ipam-hl-${tag}-`));
}

/** removeDir removes a directory tree. */
export function removeDir(d: string): void {
  rmSync(d, { recursive: true, force: true });
}

/** snapshot lists every file and directory under `root` with its mode and (for files) its bytes, in JSON-able form. */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(root)) return out;
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const st = lstatSync(p);
      const rel = relative(root, p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[rel + '/'] = `dir ${mode}`;
        walk(p);
      } else {
        out[rel] = `${mode} ${JSON.stringify(readFileSync(p, 'latin1'))}`;
      }
    }
  };
  walk(root);
  return out;
}

/** hostLocalConf makes a network configuration with the given IPAM section. */
export function conf(ipam: Record<string, unknown>, extra: Record<string, unknown> = {}, version = '1.0.0', name = 'net'): string {
  return JSON.stringify({ cniVersion: version, name, type: 'bridge', ...extra, ipam: { type: 'host-local', ...ipam } });
}

/** assertRealBinary throws when the reference binary is missing: conformance must fail loudly, never skip. */
export function assertRealBinary(): void {
  if (!existsSync(REAL)) {
    throw new Error(`${REAL} is missing: install containernetworking-plugins (apt-get install -y containernetworking-plugins); the conformance suite does not skip`);
  }
  execFileSync('flock', ['--version']);
}
