// Survival 4: allocator processes killed with SIGKILL. Two die deterministically right after a block claim (a create
// of a block record) landed in etcd and before ClusterPool saw the answer, so the allocations it carried were never
// handed out; more are killed at random points. Afterwards: no address is ever handed out twice (also not by a new
// process of a dead node's name, which takes over its blocks), every allocation a dead client was told of is still
// in etcd, stats() reports the orphaned blocks, and collectGarbage plus releaseEmptyBlocks recover them.
import { describe, expect, it } from 'vitest';
import {
  believed,
  duplicateSeqs,
  finished,
  overlaps,
  type PoolSpec,
  SCALE,
  sortedEntries,
  startWorker,
  storedState,
  survivalSuite,
  type WorkerRun,
} from './harness.js';

const OPS = Math.max(60, Math.round(300 * SCALE));
const RANDOM_KILLS = 5;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('survival: clients killed between a block claim and handing out its addresses', () => {
  const cluster = survivalSuite({ build: true });

  it('no address is handed out twice, the orphaned blocks are reported by stats() and recovered', async () => {
    const etcd = cluster();
    const spec: PoolSpec = { endpoints: etcd.endpoints, prefix: '/survival/', pool: 'pods', cidrs: ['10.99.0.0/21'], blockSize: 28 };
    // Phase A: 3 healthy nodes; node-k1 dies right after its 2nd block claim (its 1st block holds addresses it was
    // told of), node-k2 right after its 1st; node-r0 … node-r4 are killed by us at random moments.
    const healthy = [0, 1, 2].map((i) => startWorker({ ...spec, node: `node-${i}`, ops: OPS, seed: 401 + i }));
    const k1 = startWorker({ ...spec, node: 'node-k1', ops: OPS, seed: 411, killAfterCreate: 2, maxHeld: 30 });
    const k2 = startWorker({ ...spec, node: 'node-k2', ops: OPS, seed: 412, killAfterCreate: 1 });
    let rnd = 0x9e3779b9;
    const random = () => ((rnd = (Math.imul(rnd, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const randoms = Array.from({ length: RANDOM_KILLS }, (_, i) => startWorker({ ...spec, node: `node-r${i}`, ops: 100_000, seed: 421 + i }));
    await Promise.all(randoms.map(async (w) => {
      await w.ready;
      await sleep(150 + random() * 1500);
      w.child.kill('SIGKILL');
    }));
    const phaseA: WorkerRun[] = await Promise.all([...healthy, k1, k2, ...randoms].map((w) => w.result));
    const [runK1, runK2] = [phaseA[3]!, phaseA[4]!];
    for (const r of [runK1, runK2, ...phaseA.slice(5)]) expect([r.node, r.signal]).toEqual([r.node, 'SIGKILL']);
    phaseA.slice(0, 3).forEach(finished);
    expect(overlaps(phaseA)).toEqual([]);
    expect(duplicateSeqs(phaseA)).toEqual([]);

    // Everything a client (dead or alive) was told it holds is in etcd; the rest of etcd are orphans: allocations of
    // dead nodes' owners that no client was ever told of.
    const belief = believed(phaseA);
    const a = await storedState(spec);
    const orphans = new Map([...a.raw].filter(([addr]) => !belief.has(addr)));
    try {
      for (const [addr, owner] of belief) expect([addr, a.owners.get(addr)]).toEqual([addr, owner]);
      const told = new Set(phaseA.flatMap((r) => r.allocated.map((h) => h.owner)));
      // An orphan was never told to its client, or (random kills) its client died while releasing it.
      const releasing = new Set(phaseA.flatMap((r) => r.intervals.filter((iv) => iv.to !== undefined && r.signal === 'SIGKILL').map((iv) => iv.owner)));
      for (const [addr, o] of orphans) {
        expect(['node-k1', 'node-k2', ...randoms.map((_, i) => `node-r${i}`)]).toContain(o.node);
        if (o.node === 'node-k1' || o.node === 'node-k2') expect([addr, told.has(o.owner)]).toEqual([addr, false]);
        else expect([addr, !told.has(o.owner) || releasing.has(o.owner)]).toEqual([addr, true]);
      }
      // The deterministic victims left allocations in the block they had just claimed, with their affinity.
      for (const node of ['node-k1', 'node-k2']) {
        const mine = [...orphans.values()].filter((o) => o.node === node);
        expect(mine.length, node).toBeGreaterThan(0);
        expect(new Set(mine.map((o) => o.affinity))).toEqual(new Set([node]));
        // stats() reports the orphaned block under the dead node.
        const s = (await a.pool.stats()).nodes.get(node);
        expect(s?.used, node).toBeGreaterThanOrEqual(mine.length);
      }
      expect((await a.pool.stats()).used).toBe(BigInt(belief.size + orphans.size));
    } finally {
      await a.close();
    }

    // Phase B: node-k2 comes back as a new process (empty cache) next to a healthy node. Neither may hand out an
    // address that etcd still holds for the dead clients or their orphans.
    const again = [
      startWorker({ ...spec, node: 'node-k2', ops: OPS, seed: 431 }),
      startWorker({ ...spec, node: 'node-0', ops: OPS, seed: 432 }),
    ];
    const phaseB = await Promise.all(again.map((w) => w.result));
    phaseB.forEach(finished);
    // Dead clients still hold what they held at death; phase A's finished clients released nothing since.
    const all = [...phaseA, ...phaseB];
    expect(overlaps(all)).toEqual([]);
    expect(duplicateSeqs(all)).toEqual([]);
    const afterB = believed(all);
    const b = await storedState(spec);
    try {
      for (const [addr, o] of orphans) expect([addr, b.owners.get(addr)]).toEqual([addr, o.owner]);
      expect(sortedEntries(new Map([...b.owners].filter(([addr]) => !orphans.has(addr))))).toEqual(sortedEntries(afterB));

      // Recovery: collectGarbage frees what dead owners hold (orphans and the dead clients' addresses) after two
      // looks, then the dead nodes' empty blocks go back to the pool.
      const liveOwners = new Set([...phaseA.slice(0, 3), ...phaseB].flatMap((r) => [...r.held.values()].map((h) => h.owner)));
      const gc = { isAlive: (o: string) => liveOwners.has(o), graceMs: 0 };
      expect((await b.pool.collectGarbage(gc)).freed).toEqual([]);
      const { freed } = await b.pool.collectGarbage(gc);
      const dead = new Map([...b.owners].filter(([, o]) => !liveOwners.has(o)));
      expect(sortedEntries(new Map(freed.map((x) => [x.addr.toString(), x.owner])))).toEqual(sortedEntries(dead));
      for (const [addr] of orphans) expect(freed.map((x) => x.addr.toString())).toContain(addr);
      const deadNodes = ['node-k1', ...randoms.map((_, i) => `node-r${i}`)];
      const released = [];
      for (const node of deadNodes) released.push(...(await b.pool.releaseEmptyBlocks({ node })));
      expect(released.length).toBeGreaterThan(0);
      const stats = await b.pool.stats();
      for (const node of deadNodes) expect(stats.nodes.has(node), node).toBe(false);
      expect(stats.used).toBe(BigInt(liveOwners.size));
      const final = await storedState(spec);
      try {
        const live = believed([...phaseA.slice(0, 3), ...phaseB]);
        expect(sortedEntries(final.owners)).toEqual(sortedEntries(live));
      } finally {
        await final.close();
      }
      console.log(
        `survival/client-killed: ${orphans.size} orphaned allocations (${[...new Set([...orphans.values()].map((o) => o.block))].length} blocks), ` +
          `${freed.length} freed by GC, ${released.length} blocks released back`,
      );
    } finally {
      await b.close();
    }
  });
});
