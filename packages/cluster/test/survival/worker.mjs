// One allocator PROCESS of the survival tests: a node that allocates and releases against real etcd through the
// BUILT @ipam/cluster (its dist, resolved by the package's own name), and tells the parent what it believes it holds.
//
//   node worker.mjs '<json config>'
//
// Config: { endpoints, prefix, pool, cidrs, blockSize, node, ops, seed, timeoutMs?, maxHeld?, killAfterCreate?,
//           unknownDeadlineMs? }
//
// stdout is one JSON object per line, written synchronously so that a process killed with SIGKILL has told everything
// it believed up to its death:
//   {"e":"ready"}                                                   the pool is open
//   {"e":"a","addr","owner","seq","block","t"}                      an allocation returned to this client (t: when)
//   {"e":"r","addr","owner","seq","t"}                              this client stops holding addr (t: before the call)
//   {"e":"done","held":[...],"errors":{code:n},"ops":n,"ms":n,"progress":[t,...]}
// Times are process.hrtime.bigint() nanoseconds as strings: CLOCK_MONOTONIC, one clock for every process of the machine.
//
// Store errors that leave an outcome open are handled as the CNI runtime does: the owner is released (retried until
// the store answers), and a release is retried until it is done or the allocation is gone.
//
// killAfterCreate: n makes the process SIGKILL itself right after its n-th successful block claim (a Store.txn that
// creates the block key) came back, before ClusterPool sees the answer: a client killed between claiming a block and handing out an address.
import { writeSync } from 'node:fs';
import { Addr } from '@ipam/core';
import { ClusterError, ClusterPool, EtcdStore } from '@ipam/cluster';

const cfg = JSON.parse(process.argv[2] ?? '{}');
const now = () => process.hrtime.bigint().toString();
const emit = (o) => writeSync(1, `${JSON.stringify(o)}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let seed = cfg.seed >>> 0 || 1;
const random = () => {
  // xorshift32: reproducible per worker
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed / 2 ** 32;
};

const errors = {};
const count = (code) => (errors[code] = (errors[code] ?? 0) + 1);
const codeOf = (e) => (ClusterError.isInstance(e) ? e.code : undefined);

// A Store that counts the errors the real EtcdStore throws (so tests can see that timeouts happened) and carries the
// kill hook.
const etcd = new EtcdStore({ endpoints: cfg.endpoints, prefix: cfg.prefix, timeoutMs: cfg.timeoutMs ?? 5000 });
let creates = 0;
const counted = (name) => async (...args) => {
  try {
    const r = await etcd[name](...args);
    // A block claim is the transaction whose first condition is "the block key is absent" (with the owner index).
    const claim = name === 'txn' && r.ok && args[0][0]?.absent === true && args[0][0].key.includes('/blocks/');
    if (claim && ++creates === cfg.killAfterCreate) process.kill(process.pid, 'SIGKILL');
    return r;
  } catch (e) {
    count(`store.${name}:${codeOf(e) ?? 'other'}`);
    throw e;
  }
};
const store = {
  get: counted('get'),
  list: counted('list'),
  create: counted('create'),
  update: counted('update'),
  delete: counted('delete'),
  txn: counted('txn'),
  close: () => etcd.close(),
};

// Errors after which a step is redone: the store was unavailable, or the outcome is open, or retries ran out.
const retryable = (e) => {
  const c = codeOf(e);
  return c === 'ERR_STORE_UNAVAILABLE' || c === 'ERR_STORE_OUTCOME_UNKNOWN' || c === 'ERR_CLUSTER_CONTENTION';
};
const deadlineMs = cfg.unknownDeadlineMs ?? 90_000;

async function persist(what, fn) {
  const until = Date.now() + deadlineMs;
  for (let i = 0; ; i++) {
    try {
      return await fn(i);
    } catch (e) {
      if (!retryable(e) || Date.now() > until) throw e;
      count(`${what}:${codeOf(e)}`);
      await sleep(Math.min(50 * 2 ** Math.min(i, 5), 1000) * (0.5 + random()));
    }
  }
}

const pool = await persist('open', () =>
  ClusterPool.open({ store, name: cfg.pool, cidrs: cfg.cidrs, blockSize: cfg.blockSize, node: cfg.node }),
);
emit({ e: 'ready' });

/** addr -> { addr, owner, seq } */
const held = new Map();
const progress = [];
let serial = 0;
let ops = 0;
const started = Date.now();

/** Releases whatever `owner` may hold after an allocation whose outcome is open. */
async function cleanup(owner) {
  await persist('cleanup', async () => {
    try {
      await pool.releaseOwner(owner);
    } catch (e) {
      if (codeOf(e) !== 'ERR_CLUSTER_NOT_ALLOCATED') throw e;
    }
  });
}

function confirmed(a) {
  const x = { addr: a.addr.toString(), owner: a.owner, seq: a.seq, block: a.block.toString() };
  if (held.has(x.addr)) throw new Error(`${cfg.node}: ClusterPool handed out ${x.addr} again while this client holds it`);
  held.set(x.addr, x);
  emit({ e: 'a', ...x, t: now() });
}

async function allocate() {
  const n = random() < 0.5 ? 1 : 2 + Math.floor(random() * 6);
  // Owners are unique across processes and incarnations of a node (as pods' container ids are).
  const owners = Array.from({ length: n }, () => `${cfg.node}/s${cfg.seed}/pod-${serial++}/eth0`);
  const mode = n === 1 ? 'one' : random() < 0.5 ? 'many' : 'concurrent';
  try {
    if (mode === 'many') {
      for (const a of await pool.allocateMany(owners)) confirmed(a);
    } else {
      // allocate() returns the Addr; the sequence number comes from list-free bookkeeping: release by Addr uses the
      // one this pool object remembers. Concurrent calls on one pool object share writes (batching).
      const settled = await Promise.allSettled(owners.map((owner) => pool.allocate({ owner })));
      const failed = [];
      settled.forEach((s, i) => {
        if (s.status === 'fulfilled') confirmed({ addr: s.value, owner: owners[i], seq: 0, block: { toString: () => '' } });
        else failed.push([owners[i], s.reason]);
      });
      if (failed.length > 0) throw Object.assign(failed[0][1], { failedOwners: failed.map((f) => f[0]) });
    }
    ops += n;
  } catch (e) {
    if (!retryable(e)) throw e;
    count(`allocate:${codeOf(e)}`);
    const open = e.failedOwners ?? owners.filter((o) => ![...held.values()].some((h) => h.owner === o));
    for (const o of open) await cleanup(o);
    ops += n;
  }
}

async function release() {
  const list = [...held.values()];
  const x = list[Math.floor(random() * list.length)];
  held.delete(x.addr);
  emit({ e: 'r', addr: x.addr, owner: x.owner, seq: x.seq, t: now() });
  const byOwner = random() < 0.05; // releaseOwner reads every block: kept rare
  await persist('release', async (attempt) => {
    try {
      if (byOwner) await pool.releaseOwner(x.owner);
      else await pool.release(Addr.parse(x.addr), x.seq > 0 ? { seq: x.seq } : undefined);
    } catch (e) {
      // Gone after an earlier attempt whose outcome was open: that attempt freed it.
      if (attempt > 0 && codeOf(e) === 'ERR_CLUSTER_NOT_ALLOCATED') return;
      throw e;
    }
  });
  ops++;
}

const maxHeld = cfg.maxHeld ?? 40;
while (ops < cfg.ops) {
  const p = held.size / maxHeld;
  if (held.size === 0 || (p < 1 && random() < 0.62 - 0.3 * p)) await allocate();
  else await release();
  progress.push(Date.now() - started);
}
await store.close();
emit({
  e: 'done',
  held: [...held.values()],
  errors,
  ops,
  ms: Date.now() - started,
  progress: progress.filter((_, i) => i % 10 === 0),
});
