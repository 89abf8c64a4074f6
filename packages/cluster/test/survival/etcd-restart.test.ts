// Survival 3: one etcd member that is paused (SIGSTOP: it keeps its sockets and answers nothing, so requests time out
// and writes end in ERR_STORE_OUTCOME_UNKNOWN, and are applied late when it resumes), then killed and restarted on its
// data, while 8 allocator processes run. Allocations resume after each; no address held twice, none lost, etcd equals belief.
// Then the same behind a TCP proxy that loses some of etcd's replies: writes applied whose answer never came.
import { describe, expect, it } from 'vitest';
import {
  believed,
  duplicateSeqs,
  errorCount,
  finished,
  overlaps,
  type PoolSpec,
  SCALE,
  startDroppingProxy,
  sortedEntries,
  startWorker,
  storedState,
  survivalSuite,
  waitFor,
} from './harness.js';

const PROCESSES = 8;
const OPS = Math.max(60, Math.round(300 * SCALE));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('survival: etcd paused, stopped and restarted during a run', () => {
  const cluster = survivalSuite({ build: true });

  it(`${PROCESSES} processes × ${OPS}: timeouts (unknown outcomes) and a restart leave no address held twice and none lost`, async () => {
    const etcd = cluster();
    const spec: PoolSpec = { endpoints: etcd.endpoints, prefix: '/survival/', pool: 'pods', cidrs: ['10.97.0.0/20'], blockSize: 28 };
    const workers = Array.from({ length: PROCESSES }, (_, i) =>
      startWorker({ ...spec, node: `node-${i}`, ops: OPS, seed: 301 + i, timeoutMs: 800 }),
    );
    const total = () => workers.reduce((n, w) => n + w.allocations(), 0);
    const ends = Promise.all(workers.map((w) => w.result));
    const early = ends.then(() => {
      throw new Error('the workers finished before the faults were injected: raise the ops');
    });
    early.catch(() => {});
    const progress = async (what: string, more: number) => {
      const target = total() + more;
      await Promise.race([waitFor(what, () => total() >= target, 90_000), early]);
    };

    await Promise.all(workers.map((w) => w.ready));
    await progress('allocations before the pause', 60);
    // Paused for 2.5 s: every request in flight and every new one times out after 800 ms.
    etcd.pause(0);
    await sleep(2500);
    etcd.resume(0);
    await progress('allocations after the pause', 60);
    // Stopped (SIGKILL), down for 1.5 s, restarted on the same data dir and ports.
    await etcd.kill(0);
    await sleep(1500);
    await etcd.restart(0);
    const restarted = process.hrtime.bigint();
    const runs = await ends;
    runs.forEach(finished);

    expect(overlaps(runs)).toEqual([]);
    expect(duplicateSeqs(runs)).toEqual([]);
    // The faults were real: writes timed out (outcome unknown) and the store was unavailable.
    expect(errorCount(runs, 'ERR_STORE_OUTCOME_UNKNOWN')).toBeGreaterThan(0);
    expect(errorCount(runs, 'ERR_STORE_UNAVAILABLE')).toBeGreaterThan(0);
    // Allocations resumed after the restart.
    expect(runs.some((r) => r.intervals.some((iv) => iv.from > restarted))).toBe(true);
    const belief = believed(runs);
    const { owners, pool, close } = await storedState(spec);
    try {
      expect(sortedEntries(owners)).toEqual(sortedEntries(belief));
      expect((await pool.stats()).used).toBe(BigInt(belief.size));
    } finally {
      await close();
    }
    console.log(
      `survival/etcd-restart: ${runs.reduce((n, r) => n + r.allocated.length, 0)} allocations, ${belief.size} held; ` +
        `unknown outcomes ${errorCount(runs, 'ERR_STORE_OUTCOME_UNKNOWN')}, unavailable ${errorCount(runs, 'ERR_STORE_UNAVAILABLE')}`,
    );
  });

  it(`${PROCESSES} processes × ${OPS / 2} behind a proxy that loses 4% of etcd's replies: applied writes whose answer never came are found, never repeated`, async () => {
    const etcd = cluster();
    const proxy = await startDroppingProxy(etcd.endpoints[0]!, 0.04);
    try {
      const spec: PoolSpec = { endpoints: etcd.endpoints, prefix: '/survival/', pool: 'lossy', cidrs: ['10.97.64.0/20'], blockSize: 28 };
      const workers = Array.from({ length: PROCESSES }, (_, i) =>
        startWorker({ ...spec, endpoints: [proxy.url], node: `node-${i}`, ops: OPS / 2, seed: 351 + i }),
      );
      const runs = await Promise.all(workers.map((w) => w.result));
      runs.forEach(finished);
      expect(proxy.dropped()).toBeGreaterThan(0);
      expect(errorCount(runs, 'ERR_STORE_OUTCOME_UNKNOWN')).toBeGreaterThan(0);
      expect(overlaps(runs)).toEqual([]);
      expect(duplicateSeqs(runs)).toEqual([]);
      const belief = believed(runs);
      const { owners, pool, close } = await storedState(spec);
      try {
        expect(sortedEntries(owners)).toEqual(sortedEntries(belief));
        expect((await pool.stats()).used).toBe(BigInt(belief.size));
      } finally {
        await close();
      }
      console.log(
        `survival/lossy: ${proxy.dropped()} replies dropped; unknown outcomes ${errorCount(runs, 'ERR_STORE_OUTCOME_UNKNOWN')}; ` +
          `${runs.reduce((n, r) => n + r.allocated.length, 0)} allocations, ${belief.size} held`,
      );
    } finally {
      await proxy.close();
    }
  });
});
