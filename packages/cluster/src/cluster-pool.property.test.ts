import { Addr } from '@ipam/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClusterAllocation, ClusterError, ClusterPool, MemoryStore, type MemoryStoreFault } from './index.js';

/*
 * Random interleavings of allocate / allocateMany / release / releaseOwner / stale and foreign releases from several
 * ClusterPool objects (one per node) on one MemoryStore, checked against a reference model: a Map addr → owner.
 * fast-check's scheduler decides when every store call runs, so the calls of different nodes interleave in every
 * order it can think of; optional fault plans make the first store calls fail before (unavailable, request-lost)
 * or after (reply-lost) they are applied.
 *
 * Clients also give their empty blocks back (drain), abandon owners without releasing them (a pod that vanished), and
 * collect garbage with `isAlive` true for every owner not abandoned.
 *
 * Invariants: an address is never handed out while the model holds it; releaseOwner frees exactly the model's
 * addresses of the owner; stale and foreign releases free nothing; garbage collection frees only abandoned owners'
 * addresses; ERR_CLUSTER_POOL_EXHAUSTED only when the pool was really full at some point of the call; at the end
 * the store holds exactly the model; after every command (and the faults it met) and at the end, the owner index
 * says exactly what the blocks say.
 */

// Clients 0 and 3 are two processes of one node (two CNI invocations on node-0): they share its blocks.
const NODES = ['node-0', 'node-1', 'node-2', 'node-0'];
// 10.0.0.0/28 in /30 blocks: 4 blocks, 14 usable addresses — small enough to claim, borrow and exhaust.
const CAPACITY = 14;
const RUNS = Number(process.env['CLUSTER_PROPERTY_RUNS'] ?? 100);

type Command =
  | { readonly t: 'alloc'; readonly owner: number }
  | { readonly t: 'many'; readonly owners: readonly number[] }
  | { readonly t: 'release'; readonly pick: number }
  | { readonly t: 'releaseOwner'; readonly owner: number }
  | { readonly t: 'stale'; readonly pick: number }
  | { readonly t: 'foreign'; readonly offset: number }
  | { readonly t: 'drain' }
  | { readonly t: 'abandon'; readonly owner: number }
  | { readonly t: 'gc' };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('alloc' as const), owner: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('many' as const), owners: fc.array(fc.nat(2), { minLength: 1, maxLength: 4 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('release' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('releaseOwner' as const), owner: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('stale' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('foreign' as const), offset: fc.nat(15) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('drain' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('abandon' as const), owner: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('gc' as const) }) },
);

const fault: fc.Arbitrary<MemoryStoreFault> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom<MemoryStoreFault>('unavailable', 'reply-lost', 'request-lost') },
);

const isStoreError = (e: unknown): boolean => ClusterError.isInstance(e) && e.code.startsWith('ERR_STORE_');
const codeOf = (e: unknown): string => (ClusterError.isInstance(e) ? e.code : String(e));

async function run(s: fc.Scheduler, scripts: readonly (readonly Command[])[], faults: readonly MemoryStoreFault[]): Promise<void> {
  let calls = 0;
  const store = new MemoryStore({
    faults: async (c) => {
      // The test's own reads of the whole store (the index check) take no fault and no turn of the scheduler.
      if (c.method === 'list' && c.keys[0] === 'pools/') return undefined;
      const f = faults[calls++];
      await s.schedule(Promise.resolve(), `${c.method} ${c.keys[0] ?? ''}`);
      return f;
    },
  });
  const faulty = faults.some((f) => f !== undefined);
  const model = new Map<string, string>(); // addr → owner
  let freedCount = 0; // addresses freed so far (for the exhaustion check)
  let inflight = 0; // allocations in flight
  const problems: string[] = [];
  const dead = new Set<string>(); // abandoned owners: their addresses are garbage

  const forget = (owner: string): void => {
    for (const [a, o] of [...model]) {
      if (o === owner) {
        model.delete(a);
        freedCount++;
      }
    }
  };

  /** After an ambiguous failure the caller frees the owner, as the CNI runtime's DEL does. */
  async function cleanup(pool: ClusterPool, owner: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      try {
        await releasing(releasingOwners, owner, () => pool.releaseOwner(owner));
      } catch (e) {
        if (isStoreError(e)) continue;
        if (codeOf(e) !== 'ERR_CLUSTER_NOT_ALLOCATED') throw e;
      }
      forget(owner);
      return;
    }
    throw new Error(`cleanup of ${owner} never succeeded`);
  }

  // A release frees an address when its write lands in the store, which can be before the call returns to its
  // client; another client may rightly take the address in between. These track the releases in flight.
  const releasingOwners = new Map<string, number>();
  const releasingAddrs = new Map<string, number>();
  let gcInFlight = 0;
  async function releasing<T>(marks: Map<string, number>, key: string, f: () => Promise<T>): Promise<T> {
    marks.set(key, (marks.get(key) ?? 0) + 1);
    try {
      return await f();
    } finally {
      const n = marks.get(key)! - 1;
      if (n === 0) marks.delete(key);
      else marks.set(key, n);
    }
  }
  const beingReleased = (k: string, holder: string): boolean =>
    releasingAddrs.has(k) || releasingOwners.has(holder) || (gcInFlight > 0 && dead.has(holder));

  /**
   * The owner index must say exactly what the blocks say at every moment: each allocation of a block is listed under
   * its owner's key with its block, offset and sequence number, and nothing else is.
   */
  async function indexAgrees(when: string): Promise<void> {
    const want = new Map<string, string[]>();
    const have = new Map<string, string[]>();
    for (const e of (await store.list('pools/')).entries) {
      const v = JSON.parse(new TextDecoder().decode(e.value)) as Record<string, unknown>;
      if (v['t'] === 'ipam/block') {
        for (const [off, x] of Object.entries(v['a'] as Record<string, { o: string; s: number }>)) {
          want.set(x.o, [...(want.get(x.o) ?? []), `${v['cidr']} ${off} ${x.s}`].sort());
        }
      } else if (v['t'] === 'ipam/owner') {
        const key = `pools/p/owners/${encodeURIComponent(v['o'] as string)}`;
        if (e.key !== key) problems.push(`${when}: owner record ${e.key} names ${String(v['o'])}`);
        have.set(v['o'] as string, (v['a'] as [string, number, number][]).map((x) => x.join(' ')).sort());
      }
    }
    const show = (m: Map<string, string[]>): string => JSON.stringify([...m].sort());
    if (show(want) !== show(have)) problems.push(`${when}: the owner index ${show(have)} is not what the blocks say ${show(want)}`);
  }

  function took(addr: Addr, reported: string, owner: string): void {
    const k = addr.toString();
    const holder = model.get(k);
    if (holder !== undefined && !beingReleased(k, holder)) problems.push(`${k} handed to ${owner} while held by ${holder}`);
    if (reported !== owner) problems.push(`${k} reported owner ${reported}, asked ${owner}`);
    model.set(k, owner);
  }

  function exhausted(startFreed: number): void {
    // The pool was full at some moment of the call: each of those addresses is now held, still being handed out,
    // or was freed since the call started.
    if (!faulty && model.size + (inflight - 1) + (freedCount - startFreed) < CAPACITY) {
      problems.push(`exhausted with ${model.size} held, ${inflight - 1} in flight, ${freedCount - startFreed} freed`);
    }
  }

  async function client(i: number, script: readonly Command[]): Promise<void> {
    const node = NODES[i]!;
    let opened: ClusterPool | undefined;
    for (let k = 0; opened === undefined; k++) {
      try {
        opened = await ClusterPool.open({ store, name: 'p', cidrs: ['10.0.0.0/28'], blockSize: 30, node, retry: { attempts: 8, baseMs: 0, maxMs: 1 } });
      } catch (e) {
        if (!isStoreError(e) || k > 50) throw e;
      }
    }
    const pool: ClusterPool = opened;
    const generation = [0, 0, 0];
    const me = `c${i}/`; // owners are per client, not per node
    const owner = (n: number): string => `${me}o${n}.${generation[n]}`;
    const released: ClusterAllocation[] = [];
    const mine = (): [string, string][] => [...model].filter(([, o]) => o.startsWith(me) && !dead.has(o));
    for (const c of script) {
      await command(c);
      await indexAgrees(`after ${node} ${JSON.stringify(c)}`);
    }

    async function command(c: Command): Promise<void> {
      if (c.t === 'alloc' || c.t === 'many') {
        const owners = c.t === 'alloc' ? [owner(c.owner)] : c.owners.map(owner);
        const start = freedCount;
        inflight += owners.length;
        try {
          if (c.t === 'alloc') {
            const ip = await pool.allocate({ owner: owners[0]! });
            inflight -= 1;
            took(ip, owners[0]!, owners[0]!);
          } else {
            const got = await pool.allocateMany(owners);
            inflight -= owners.length;
            got.forEach((a, k) => took(a.addr, a.owner, owners[k]!));
          }
        } catch (e) {
          if (codeOf(e) === 'ERR_CLUSTER_POOL_EXHAUSTED') exhausted(start);
          inflight -= owners.length;
          if (isStoreError(e)) for (const o of new Set(owners)) await cleanup(pool, o);
          else if (codeOf(e) !== 'ERR_CLUSTER_POOL_EXHAUSTED') throw e;
        }
      } else if (c.t === 'release') {
        const held = mine();
        if (held.length === 0) return;
        const [addr, o] = held[c.pick % held.length]!;
        const seq = (await listed(pool, addr))?.seq;
        try {
          await releasing(releasingAddrs, addr, () => pool.release(Addr.parse(addr)));
          if (model.get(addr) === o) model.delete(addr);
          freedCount++;
          if (seq !== undefined) released.push({ addr: Addr.parse(addr), owner: o, node, block: Addr.parse(addr).prefix(30), affinity: undefined, seq });
        } catch (e) {
          if (!isStoreError(e)) problems.push(`release of held ${addr} failed: ${codeOf(e)}`);
          else await cleanup(pool, o);
        }
      } else if (c.t === 'releaseOwner') {
        const o = owner(c.owner);
        const want = mine()
          .filter(([, x]) => x === o)
          .map(([a]) => a)
          .sort();
        try {
          const freed = await releasing(releasingOwners, o, () => pool.releaseOwner(o));
          const got = freed.map((f) => f.addr.toString()).sort();
          if (got.join() !== want.join()) problems.push(`releaseOwner(${o}) freed [${got}], model had [${want}]`);
          forget(o);
        } catch (e) {
          if (codeOf(e) === 'ERR_CLUSTER_NOT_ALLOCATED') {
            if (want.length > 0) problems.push(`releaseOwner(${o}) found nothing, model had [${want}]`);
          } else if (isStoreError(e)) await cleanup(pool, o);
          else throw e;
        }
      } else if (c.t === 'drain') {
        try {
          await pool.releaseEmptyBlocks();
        } catch (e) {
          if (!isStoreError(e)) throw e;
        }
      } else if (c.t === 'abandon') {
        const o = owner(c.owner);
        if (!mine().some(([, x]) => x === o)) return;
        dead.add(o);
        generation[c.owner]!++;
      } else if (c.t === 'gc') {
        try {
          gcInFlight++;
          const { freed } = await pool.collectGarbage({ isAlive: (o) => !dead.has(o), graceMs: 0 }).finally(() => gcInFlight--);
          for (const f of freed) {
            const k = f.addr.toString();
            if (!dead.has(f.owner)) problems.push(`collectGarbage freed ${k} of live owner ${f.owner}`);
            // (a concurrent cleanup of the dead owner may have taken it out of the model already)
            if (model.get(k) === f.owner) {
              model.delete(k);
              freedCount++;
            }
          }
        } catch (e) {
          if (!isStoreError(e)) throw e;
          // Some of the garbage may be freed, some not: free all of it by owner.
          for (const o of dead) await cleanup(pool, o);
        }
      } else if (c.t === 'stale') {
        if (released.length === 0) return;
        const old = released[c.pick % released.length]!;
        const e = await pool.release(old).then(
          () => 'resolved',
          (x: unknown) => codeOf(x),
        );
        if (e !== 'ERR_CLUSTER_NOT_ALLOCATED' && !(faulty && e.startsWith('ERR_STORE_'))) problems.push(`stale release of ${old.addr}#${old.seq}: ${e}`);
      } else {
        const addr = Addr.parse(`10.0.0.${c.offset}`);
        if (model.get(addr.toString())?.startsWith(me)) return; // our own: not foreign
        const e = await pool.release(addr).then(
          () => 'resolved',
          (x: unknown) => codeOf(x),
        );
        const ok = ['ERR_CLUSTER_NOT_ALLOCATED', 'ERR_CLUSTER_INVALID_ARGUMENT'];
        if (!ok.includes(e) && !(faulty && e.startsWith('ERR_STORE_'))) problems.push(`foreign release of ${addr}: ${e}`);
      }
    }
  }

  /** The allocation of `addr` as the store has it (read without faults interfering with the test's bookkeeping). */
  async function listed(pool: ClusterPool, addr: string): Promise<ClusterAllocation | undefined> {
    for (let k = 0; k < 100; k++) {
      try {
        return (await pool.list()).find((a) => a.addr.toString() === addr);
      } catch (e) {
        if (!isStoreError(e)) throw e;
      }
    }
    return undefined;
  }

  await s.waitFor(Promise.all(scripts.map((script, i) => client(i, script))));
  await indexAgrees('at the end');
  expect(problems).toEqual([]);
  // The end state in the store is what the clients believe.
  calls = Number.MAX_SAFE_INTEGER; // no more faults
  const checker = await s.waitFor(ClusterPool.open({ store, name: 'p', cidrs: ['10.0.0.0/28'], blockSize: 30, node: 'checker' }));
  const final = await s.waitFor(checker.list());
  expect(new Map(final.map((a) => [a.addr.toString(), a.owner]))).toEqual(model);
  expect(new Set(final.map((a) => a.addr.toString())).size).toBe(final.length);
  const stats = await s.waitFor(checker.stats());
  expect(stats.used).toBe(BigInt(model.size));
}

describe('ClusterPool property: several nodes on one store', () => {
  const scripts = fc.array(fc.array(command, { minLength: 1, maxLength: 12 }), { minLength: 2, maxLength: NODES.length });

  it('never hands out an address twice, loses none, and the store ends as the clients believe', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), scripts, async (s, sc) => run(s, sc, [])),
      { numRuns: RUNS },
    );
  });

  it('keeps those invariants when store calls fail before or after they are applied', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), scripts, fc.array(fault, { minLength: 10, maxLength: 80 }), async (s, sc, faults) => run(s, sc, faults)),
      { numRuns: RUNS },
    );
  });

  it('lets another client take an address freed by a release that has not returned yet (seed 297623809)', async () => {
    // Found in CI: releaseOwner freed 10.0.0.3 in its first block write, a request-lost fault on its second write made
    // it retry, and meanwhile another node rightly allocated 10.0.0.3. Replays that case.
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), scripts, fc.array(fault, { minLength: 10, maxLength: 80 }), async (s, sc, faults) => run(s, sc, faults)),
      { numRuns: 1, seed: 297623809, path: '69:111:355' },
    );
  });
});
