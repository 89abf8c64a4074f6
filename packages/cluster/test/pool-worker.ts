// One allocator process of the multi-process ClusterPool test (cluster-pool.etcd.test.ts): a node that allocates and
// releases against real etcd and reports, on stdout as one JSON line, what it holds at the end and when it held what.
//
//   node pool-worker.js <endpoints,comma-separated> <node> <operations> <seed>
//
// Store errors that leave an outcome open are handled as the CNI runtime does: release the owner, then go on.
import { Addr } from '@ipam/core';
import { ClusterError, ClusterPool, EtcdStore, type Store, type StoreWrite } from '../src/index.js';

const [endpoints = '', node = 'node', opsText = '100', seedText = '1'] = process.argv.slice(2);
const ops = Number(opsText);
let seed = Number(seedText) >>> 0 || 1;
const random = (): number => {
  // xorshift32: reproducible per worker
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed / 2 ** 32;
};
const now = (): number => performance.timeOrigin + performance.now();

interface Held {
  readonly addr: string;
  readonly owner: string;
  readonly from: number;
}
interface Interval {
  readonly addr: string;
  readonly owner: string;
  readonly from: number;
  readonly to: number;
}

const etcd = new EtcdStore({ endpoints: endpoints.split(','), prefix: '/ipam-test/', timeoutMs: 5000 });
// Counts writes and lost compare-and-swaps, to report how much the processes contended.
let writes = 0;
let lost = 0;
const count = async (w: Promise<StoreWrite>): Promise<StoreWrite> => {
  writes++;
  const r = await w;
  if (!r.ok) lost++;
  return r;
};
const store: Store = {
  get: (k) => etcd.get(k),
  list: (p, o) => etcd.list(p, o),
  create: (k, v) => count(etcd.create(k, v)),
  update: (k, v, r) => count(etcd.update(k, v, r)),
  delete: (k, r) => count(etcd.delete(k, r)),
  txn: (c, o) => etcd.txn(c, o),
  close: () => etcd.close(),
};
const pool = await ClusterPool.open({ store, name: 'pods', cidrs: ['10.96.0.0/22'], blockSize: 28, node });
const held: Held[] = [];
const intervals: Interval[] = [];
let allocations = 0;
let releases = 0;
let storeErrors = 0;
let serial = 0;
const started = now();

const isStoreError = (e: unknown): boolean => ClusterError.isInstance(e) && e.code.startsWith('ERR_STORE_');

async function cleanup(owner: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    try {
      await pool.releaseOwner(owner);
    } catch (e) {
      if (isStoreError(e)) continue;
      if (!(ClusterError.isInstance(e) && e.code === 'ERR_CLUSTER_NOT_ALLOCATED')) throw e;
    }
    return;
  }
  throw new Error(`${node}: could not release ${owner}`);
}

async function allocateOne(): Promise<void> {
  const owner = `${node}/pod-${serial++}/eth0`;
  try {
    const ip = await pool.allocate({ owner });
    held.push({ addr: ip.toString(), owner, from: now() });
    allocations++;
  } catch (e) {
    if (!isStoreError(e)) throw e;
    storeErrors++;
    await cleanup(owner);
  }
}

async function releaseOne(): Promise<void> {
  const i = Math.floor(random() * held.length);
  const h = held[i]!;
  held.splice(i, 1);
  const to = now();
  intervals.push({ ...h, to });
  try {
    if (random() < 0.2) await pool.releaseOwner(h.owner);
    else await pool.release(Addr.parse(h.addr));
    releases++;
  } catch (e) {
    if (!isStoreError(e)) throw e;
    storeErrors++;
    await cleanup(h.owner);
    releases++;
  }
}

let done = 0;
let last = now();
let maxGapMs = 0; // the longest wait for one step: how long allocation paused during an outage
while (done < ops) {
  if (held.length === 0 || (held.length < 100 && random() < 0.55)) {
    // Bursts of concurrent allocations on one pool object share writes.
    const burst = Math.min(1 + Math.floor(random() * 4), ops - done);
    await Promise.all(Array.from({ length: burst }, () => allocateOne()));
    done += burst;
  } else {
    await releaseOne();
    done++;
  }
  const t = now();
  maxGapMs = Math.max(maxGapMs, t - last);
  last = t;
}
await store.close();
process.stdout.write(
  `${JSON.stringify({ node, held, intervals, allocations, releases, storeErrors, maxGapMs, writes, lost, ms: now() - started })}\n`,
);
