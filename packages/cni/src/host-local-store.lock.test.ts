// The store lock excludes the reference binary both ways: while HostLocalFileStore holds `<dataDir>/<net>/lock`,
// a real host-local ADD on the same network waits for it, and while an outside `flock(1)` holds it, our
// executable waits. Without /usr/lib/cni/host-local or util-linux flock these tests FAIL, they never skip.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostLocalFileStore } from './host-local-store.js';
import { assertRealBinary, conf, type Outcome, removeDir, spawnAsync, tempDir } from '../test/host-local-harness.js';

/** How long a blocked command must stay unfinished: far longer than a free ADD takes, even on a loaded machine. */
const BLOCKED_MS = 800;

const roots: string[] = [];
beforeAll(() => assertRealBinary());
afterAll(() => roots.forEach(removeDir));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Tracks whether a spawned plugin has finished. */
function track(p: Promise<Outcome>): { done: () => boolean; outcome: Promise<Outcome> } {
  let done = false;
  const outcome = p.then((o) => {
    done = true;
    return o;
  });
  return { done: () => done, outcome };
}

/** Whether some process holds an exclusive flock on `path` (a non-blocking `flock -n` fails). */
function isLocked(path: string): boolean {
  return spawnSync('flock', ['-n', '-x', path, 'true']).status !== 0;
}

describe('HostLocalFileStore.lock', () => {
  it('makes a real host-local ADD on the same network wait until it is released', async () => {
    const dir = tempDir('lock-real');
    roots.push(dir);
    const c = conf({ dataDir: dir, ranges: [[{ subnet: '10.30.0.0/29' }]] });
    const store = HostLocalFileStore.open(dir, 'net');
    store.lock();
    let add: ReturnType<typeof track>;
    try {
      expect(isLocked(join(dir, 'net', 'lock'))).toBe(true);
      add = track(spawnAsync('real', { cmd: 'ADD', id: 'waiter', stdin: c }));
      await sleep(BLOCKED_MS);
      expect(add.done(), 'the reference ADD finished while our store held the lock').toBe(false);
    } finally {
      store.unlock();
    }
    const o = await add.outcome;
    expect(o.status, o.stdout + o.stderr).toBe(0);
    expect(JSON.parse(o.stdout).ips[0].address).toBe('10.30.0.2/29');
    expect(isLocked(join(dir, 'net', 'lock'))).toBe(false);
  });

  it('waits in our executable while another process holds the flock', async () => {
    const dir = tempDir('lock-ours');
    roots.push(dir);
    mkdirSync(join(dir, 'net'), { mode: 0o755 });
    const lockPath = join(dir, 'net', 'lock');
    // `-o` closes the locked descriptor in `sleep`, so the lock dies with the flock process; it leads its own
    // process group so that `sleep` goes with it.
    const holder = spawn('flock', ['-x', '-o', lockPath, 'sleep', '60'], { stdio: 'ignore', detached: true });
    const release = (): void => {
      try {
        process.kill(-holder.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const holderGone = new Promise<void>((r) => holder.on('exit', () => r()));
    try {
      for (let i = 0; !isLocked(lockPath); i++) {
        if (i > 200) throw new Error('flock(1) did not take the lock');
        await sleep(10);
      }
      const c = conf({ dataDir: dir, ranges: [[{ subnet: '10.31.0.0/29' }]] });
      const add = track(spawnAsync('ours', { cmd: 'ADD', id: 'waiter', stdin: c }));
      await sleep(BLOCKED_MS);
      expect(add.done(), 'our ADD finished while flock(1) held the lock').toBe(false);
      release();
      await holderGone;
      const o = await add.outcome;
      expect(o.status, o.stdout + o.stderr).toBe(0);
      expect(JSON.parse(o.stdout).ips[0].address).toBe('10.31.0.2/29');
    } finally {
      release();
    }
  });
});
