// A real etcd (Debian's /usr/bin/etcd) for the cluster benchmark: one member on 127.0.0.1 with free ports and a
// temporary data dir on disk (so fsync costs what it costs on this machine), killed when this process exits.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ETCD = process.env['IPAM_ETCD_BINARY'] ?? '/usr/bin/etcd';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** BenchEtcd is a running etcd member. */
export interface BenchEtcd {
  readonly endpoint: string;
  readonly dataDir: string;
  stop(): void;
}

/** startEtcd starts one etcd member and resolves when it is healthy; it throws when etcd is missing or not healthy in 30 s. */
export async function startEtcd(): Promise<BenchEtcd> {
  if (!existsSync(ETCD)) throw new Error(`cluster bench: ${ETCD} not found; install Debian's etcd-server`);
  const dataDir = mkdtempSync(join(tmpdir(), 'ipam-bench-etcd-'));
  const client = `http://127.0.0.1:${await freePort()}`;
  const peer = `http://127.0.0.1:${await freePort()}`;
  const args = ['--name', 'bench', '--data-dir', dataDir, '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `bench=${peer}`, '--log-level', 'error'];
  const child: ChildProcess = spawn(ETCD, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  const stop = (): void => {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.on('exit', stop);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`cluster bench: etcd exited (${child.exitCode}):\n${log}`);
    try {
      const res = await fetch(`${client}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200 && ((await res.json()) as { health?: string }).health === 'true') break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      stop();
      throw new Error(`cluster bench: etcd not healthy within 30 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { endpoint: client, dataDir, stop };
}
