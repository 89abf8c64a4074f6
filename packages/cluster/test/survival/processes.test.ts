// Survival 1: 8 allocator PROCESSES × 2,000 allocations and releases against one real etcd. Afterwards no address
// was ever held twice, none is lost, and etcd (a fresh ClusterPool.list() and the raw records) holds exactly what the
// clients say they hold. SURVIVAL_SCALE=0.1 shortens the run while developing.
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
} from './harness.js';

const PROCESSES = 8;
const OPS = Math.max(50, Math.round(2000 * SCALE));

describe('survival: allocator processes on one etcd', () => {
  const cluster = survivalSuite({ build: true });

  it(`${PROCESSES} processes × ${OPS} allocations and releases: no address held twice, none lost, etcd equals belief`, async () => {
    const etcd = cluster();
    const spec: PoolSpec = { endpoints: etcd.endpoints, prefix: '/survival/', pool: 'pods', cidrs: ['10.96.0.0/20'], blockSize: 28 };
    const workers = Array.from({ length: PROCESSES }, (_, i) => startWorker({ ...spec, node: `node-${i}`, ops: OPS, seed: 101 + i }));
    const runs = await Promise.all(workers.map((w) => w.result));
    const reports = runs.map(finished);

    expect(overlaps(runs)).toEqual([]);
    expect(duplicateSeqs(runs)).toEqual([]);
    const belief = believed(runs);
    expect(belief.size).toBeGreaterThan(0); // the mix ends with addresses held
    const { owners, pool, close } = await storedState(spec);
    try {
      expect(sortedEntries(owners)).toEqual(sortedEntries(belief));
      const stats = await pool.stats();
      expect(stats.used).toBe(BigInt(belief.size));
      expect(stats.free).toBe(stats.size - BigInt(belief.size));
      // Every node's block is its own: an allocation in another node's block happens only when the pool has no free block.
      for (const a of await pool.list()) expect(a.affinity).toBe(a.node);
    } finally {
      await close();
    }
    const ops = reports.reduce((n, r) => n + r.ops, 0);
    expect(ops).toBeGreaterThanOrEqual(PROCESSES * OPS);
    const allocations = runs.reduce((n, r) => n + r.allocated.length, 0);
    const ms = Math.max(...reports.map((r) => r.ms));
    console.log(
      `survival/processes: ${PROCESSES} processes, ${ops} operations (${allocations} allocations) in ${(ms / 1000).toFixed(1)} s, ` +
        `${belief.size} held at the end; errors: ${JSON.stringify(reports.map((r) => r.errors))}`,
    );
  });
});
