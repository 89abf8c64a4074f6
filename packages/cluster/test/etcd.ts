// Test harness: real etcd members (Debian's /usr/bin/etcd) on 127.0.0.1 with free ports and temporary data dirs.
// When etcd is missing or does not become healthy, startEtcd throws: the tests that need it fail, never skip.
//
// Every member runs under a small sh wrapper that holds the read end of a pipe from this process: when this process
// dies, even by SIGKILL, the pipe closes and the wrapper SIGKILLs its etcd and removes its data dir, so no etcd
// outlives a test run. (The harness writes "keep" into the pipe when it ends a member itself, to keep the data.)
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** ETCD_BINARY is the etcd server the harness runs (Debian's etcd-server package). */
export const ETCD_BINARY = process.env['IPAM_ETCD_BINARY'] ?? '/usr/bin/etcd';

/** EtcdMember is one member of a cluster started by {@link startEtcd}. */
export interface EtcdMember {
  /** EtcdMember.name is the member's `--name` (m0, m1, m2). */
  readonly name: string;
  /** EtcdMember.clientUrl is the member's client URL, `http://127.0.0.1:<port>`. */
  readonly clientUrl: string;
  /** EtcdMember.peerUrl is the member's peer URL. */
  readonly peerUrl: string;
  /** EtcdMember.dataDir is the member's temporary data directory. */
  readonly dataDir: string;
  /** EtcdMember.running is true while the member's process runs (paused members count as running). */
  readonly running: boolean;
  /** EtcdMember.pid is the etcd process id while it runs. */
  readonly pid: number | undefined;
}

/** EtcdCluster is a running etcd cluster from {@link startEtcd}. */
export interface EtcdCluster {
  /** EtcdCluster.endpoints are the client URLs of all members, in member order. */
  readonly endpoints: readonly string[];
  /** EtcdCluster.members are the members, in order. */
  readonly members: readonly EtcdMember[];
  /** EtcdCluster.leader asks the running members (/v3/maintenance/status) and returns the index of the leader. */
  leader(timeoutMs?: number): Promise<number>;
  /** EtcdCluster.kill SIGKILLs a member and waits for its process to end; its data dir is kept for restart. */
  kill(member: number): Promise<void>;
  /** EtcdCluster.restart starts a killed member again on the same ports and data dir and waits until it is healthy. */
  restart(member: number, timeoutMs?: number): Promise<void>;
  /** EtcdCluster.pause SIGSTOPs a member: it keeps its sockets open and answers nothing. */
  pause(member: number): void;
  /** EtcdCluster.resume SIGCONTs a paused member. */
  resume(member: number): void;
  /** EtcdCluster.stop kills every member and removes the data dirs; calling it twice is harmless. */
  stop(): Promise<void>;
}

/** StartEtcdOptions configures {@link startEtcd}. */
export interface StartEtcdOptions {
  /** StartEtcdOptions.members is the cluster size: 1 (default) or 3. */
  readonly members?: 1 | 3;
  /** StartEtcdOptions.timeoutMs bounds the wait until every member is healthy (default 30 s). */
  readonly timeoutMs?: number;
  /** StartEtcdOptions.binary is the etcd executable (default {@link ETCD_BINARY}). */
  readonly binary?: string;
}

interface MemberState {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  binary: string;
  args: string[];
  child: ChildProcess | undefined;
  pid: number | undefined;
  exited: Promise<void> | undefined;
  log: string[];
}

const live = new Set<ChildProcess>();
const dirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
}

/** freePort asks the kernel for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// The wrapper: start etcd with stdin from /dev/null, report its pid, and exit with it; a background reader SIGKILLs
// etcd when a line or EOF arrives on our pipe, and removes the data dir unless that line is "keep".
const WRAPPER =
  'exec 3<&0; "$0" "$@" </dev/null & p=$!; echo "pid $p"; ' +
  '(read c <&3; kill -9 $p 2>/dev/null; [ "$c" = keep ] || rm -rf "$IPAM_ETCD_DATA_DIR") & wait $p';

function launch(m: MemberState): void {
  const child = spawn('/bin/sh', ['-c', WRAPPER, m.binary, ...m.args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, IPAM_ETCD_DATA_DIR: m.dataDir },
  });
  live.add(child);
  m.child = child;
  m.pid = undefined;
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '') continue;
      const pid = /^pid (\d+)$/.exec(line);
      if (pid !== null && m.pid === undefined) m.pid = Number(pid[1]);
      else m.log.push(line);
    }
    if (m.log.length > 60) m.log.splice(0, m.log.length - 60);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  m.exited = new Promise((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      child.stdin?.end('keep\n');
      if (m.child === child) {
        m.child = undefined;
        m.pid = undefined;
      }
      resolve();
    });
  });
}

async function healthy(m: MemberState): Promise<boolean> {
  try {
    const res = await fetch(`${m.clientUrl}/health`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { health?: unknown };
    return res.status === 200 && body.health === 'true';
  } catch {
    return false;
  }
}

async function waitHealthy(members: readonly MemberState[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = members.find((m) => m.child === undefined);
    if (dead !== undefined) {
      throw new Error(`startEtcd: etcd member ${dead.name} exited during startup:\n${dead.log.slice(-20).join('\n')}`);
    }
    const ok = await Promise.all(members.map(healthy));
    if (ok.every(Boolean)) return;
    if (Date.now() > deadline) {
      const bad = members.filter((_, i) => !ok[i]);
      throw new Error(
        `startEtcd: etcd member(s) ${bad.map((m) => m.name).join(', ')} not healthy within ${timeoutMs} ms:\n` +
          bad.map((m) => `--- ${m.name} (${m.clientUrl})\n${m.log.slice(-20).join('\n')}`).join('\n'),
      );
    }
    await sleep(100);
  }
}

/**
 * startEtcd runs a real etcd cluster of 1 or 3 members on 127.0.0.1 with free client and peer ports and temporary
 * data dirs, and resolves once every member reports healthy. It throws a clear error when the etcd binary is missing
 * or the cluster is not healthy in time (the caller's tests fail; they never skip).
 *
 * @example
 * ```ts
 * const etcd = await startEtcd({ members: 3 });
 * const store = new EtcdStore({ endpoints: etcd.endpoints, prefix: '/t/' });
 * await etcd.kill(await etcd.leader());
 * await etcd.stop();
 * ```
 */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdCluster> {
  const count = options.members ?? 1;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const binary = options.binary ?? ETCD_BINARY;
  if (!existsSync(binary)) {
    throw new Error(`startEtcd: ${binary} not found; install Debian's etcd-server (apt-get install -y etcd-server)`);
  }
  installExitHook();
  const token = `ipam-test-${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e9)}`;
  const states: MemberState[] = [];
  for (let i = 0; i < count; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), `ipam-etcd-m${i}-`));
    dirs.add(dataDir);
    states.push({
      name: `m${i}`,
      clientUrl: `http://127.0.0.1:${await freePort()}`,
      peerUrl: `http://127.0.0.1:${await freePort()}`,
      dataDir,
      binary,
      args: [],
      child: undefined,
      pid: undefined,
      exited: undefined,
      log: [],
    });
  }
  const initialCluster = states.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  for (const m of states) {
    m.args = [
      '--name', m.name,
      '--data-dir', m.dataDir,
      '--listen-client-urls', m.clientUrl,
      '--advertise-client-urls', m.clientUrl,
      '--listen-peer-urls', m.peerUrl,
      '--initial-advertise-peer-urls', m.peerUrl,
      '--initial-cluster', initialCluster,
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', token,
      '--logger', 'zap',
      '--log-outputs', 'stderr',
      '--log-level', 'warn',
    ];
  }

  const stop = async (): Promise<void> => {
    await Promise.all(states.map((_, i) => kill(i)));
    for (const m of states) {
      rmSync(m.dataDir, { recursive: true, force: true });
      dirs.delete(m.dataDir);
    }
  };
  const kill = async (i: number): Promise<void> => {
    const m = member(i);
    const child = m.child;
    if (child === undefined) return;
    if (m.pid !== undefined) {
      try {
        process.kill(m.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    child.stdin?.end('keep\n'); // makes the wrapper kill etcd if its pid was not known yet
    await m.exited;
  };
  const member = (i: number): MemberState => {
    const m = states[i];
    if (m === undefined) throw new Error(`etcd harness: no member ${i} (cluster of ${states.length})`);
    return m;
  };
  const signal = (i: number, sig: NodeJS.Signals) => {
    const m = member(i);
    if (m.pid === undefined) throw new Error(`etcd harness: member ${m.name} is not running`);
    process.kill(m.pid, sig);
    // kill() returns once the signal is queued; a member still running on the other core could answer one more
    // request. Wait until every thread of the process is stopped (or running again), as /proc shows it.
    const want = sig === 'SIGSTOP';
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    for (let tries = 0; tries < 5000 && allStopped(m.pid) !== want; tries++) Atomics.wait(sleep, 0, 0, 1);
  };

  try {
    for (const m of states) launch(m);
    await waitHealthy(states, timeoutMs);
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    endpoints: states.map((m) => m.clientUrl),
    members: states.map((m) => ({
      name: m.name,
      clientUrl: m.clientUrl,
      peerUrl: m.peerUrl,
      dataDir: m.dataDir,
      get running() {
        return m.child !== undefined;
      },
      get pid() {
        return m.pid;
      },
    })),
    async leader(leaderTimeoutMs = 15_000) {
      const deadline = Date.now() + leaderTimeoutMs;
      for (;;) {
        for (const [i, m] of states.entries()) {
          if (m.child === undefined) continue;
          try {
            const res = await fetch(`${m.clientUrl}/v3/maintenance/status`, {
              method: 'POST',
              body: '{}',
              signal: AbortSignal.timeout(1000),
            });
            const s = (await res.json()) as { leader?: string; header?: { member_id?: string } };
            if (s.leader === undefined || s.leader === '0') continue;
            if (s.leader === s.header?.member_id) return i;
          } catch {
            // not answering: ask the next one
          }
        }
        if (Date.now() > deadline) throw new Error(`etcd harness: no leader within ${leaderTimeoutMs} ms`);
        await sleep(100);
      }
    },
    kill,
    async restart(i, restartTimeoutMs = timeoutMs) {
      const m = member(i);
      if (m.child !== undefined) throw new Error(`etcd harness: member ${m.name} is still running`);
      launch(m);
      await waitHealthy([m], restartTimeoutMs);
    },
    pause: (i) => signal(i, 'SIGSTOP'),
    resume: (i) => signal(i, 'SIGCONT'),
    stop,
  };
}

/** Whether every thread of `pid` is stopped (state T or t in /proc/<pid>/task/<tid>/stat). */
function allStopped(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/task`).every((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      return state === 'T' || state === 't';
    });
  } catch {
    return false; // a thread ended while we looked: look again
  }
}
