// Survival 5: another writer's garbage under the pool's prefix in real etcd (non-JSON bytes, JSON of the wrong shape,
// a record of a newer version, keys that are not canonical block CIDRs, a hostile overwrite of a block a node has
// cached): every operation that meets it fails with ERR_CLUSTER_POOL_CORRUPT naming the key, and the garbage is
// byte-for-byte unchanged afterwards (same bytes, same mod revision, read raw from etcd).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClusterError, ClusterPool, EtcdStore } from '../../src/index.js';
import type { EtcdCluster } from '../etcd.js';
import { rawPut, rawRange, survivalSuite } from './harness.js';

const PREFIX = '/garbage/';

interface Garbage {
  readonly name: string;
  /** The key, relative to the pool's prefix `pools/<pool>`, and the bytes another writer puts there. */
  readonly key: (pool: string) => string;
  readonly value: Buffer;
}

const block = (pool: string, cidr: string) => `pools/${pool}/blocks/${cidr}`;
const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const goodBlock = { t: 'ipam/block', v: 1, cidr: '10.20.0.16/28', node: 'node-x', seq: 1, a: { '1': { o: 'ns/p/eth0', s: 1, n: 'node-x' } } };

const GARBAGE: readonly Garbage[] = [
  { name: 'non-JSON bytes in a block record', key: (p) => block(p, '10.20.0.16/28'), value: Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x80]) },
  { name: 'JSON that is not an object', key: (p) => block(p, '10.20.0.16/28'), value: json([1, 2, 3]) },
  { name: 'a block record of the wrong shape', key: (p) => block(p, '10.20.0.16/28'), value: json({ ...goodBlock, a: [] }) },
  { name: 'a block record of a newer format version', key: (p) => block(p, '10.20.0.16/28'), value: json({ ...goodBlock, v: 2 }) },
  { name: 'a block record whose cidr is not its key', key: (p) => block(p, '10.20.0.16/28'), value: json({ ...goodBlock, cidr: '10.20.0.32/28' }) },
  { name: 'an allocation outside the block', key: (p) => block(p, '10.20.0.16/28'), value: json({ ...goodBlock, a: { '16': { o: 'x', s: 1, n: 'y' } } }) },
  { name: 'a block key that is not a CIDR', key: (p) => block(p, 'not-a-cidr'), value: json(goodBlock) },
  { name: 'a block key that is not canonical', key: (p) => block(p, '10.20.0.17/28'), value: json(goodBlock) },
  { name: 'a block key outside the pool', key: (p) => block(p, '10.99.0.16/28'), value: json(goodBlock) },
  { name: 'a block key of another block size', key: (p) => block(p, '10.20.0.0/27'), value: json(goodBlock) },
  { name: 'an owner index record that is not JSON', key: (p) => `pools/${p}/owners/ns-p`, value: Buffer.from('hello') },
];

function expectCorrupt(e: unknown, etcdKey: string, storeKey: string): void {
  expect(ClusterError.isInstance(e), String(e)).toBe(true);
  const err = e as ClusterError;
  expect(err.code).toBe('ERR_CLUSTER_POOL_CORRUPT');
  expect(err.key).toBe(storeKey);
  expect(err.message).toContain(JSON.stringify(storeKey));
  expect(etcdKey.endsWith(storeKey)).toBe(true);
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the operation to fail');
}

describe('survival: garbage under the pool prefix in real etcd', () => {
  const cluster = survivalSuite();
  let etcd: EtcdCluster;
  let store: EtcdStore;
  beforeEach(() => {
    etcd = cluster();
    store = new EtcdStore({ endpoints: etcd.endpoints, prefix: PREFIX });
  });
  afterEach(async () => {
    await store?.close();
  });

  it.each(GARBAGE.map((g, i) => [g.name, i] as const))('%s: ERR_CLUSTER_POOL_CORRUPT naming the key, garbage left as it was', async (_name, i) => {
    const g = GARBAGE[i]!;
    const name = `g${i}`;
    const pool = await ClusterPool.open({ store: store, name, cidrs: ['10.20.0.0/24'], blockSize: 28, node: 'node-a' });
    // A healthy allocation first: the node has a block cached, and other blocks hold data.
    const mine = await pool.allocate({ owner: 'default/ok/eth0' });
    const key = g.key(name);
    await rawPut(etcd.endpoints[0]!, PREFIX + key, g.value);
    const before = await rawRange(etcd.endpoints, PREFIX);

    const other = await ClusterPool.open({ store: store, name, cidrs: ['10.20.0.0/24'], blockSize: 28, node: 'node-b' });
    const attempts: [string, () => Promise<unknown>][] = [
      ['list', () => other.list()],
      ['stats', () => other.stats()],
      ['allocate', () => other.allocate({ owner: 'default/new/eth0' })],
      ['allocateMany', () => other.allocateMany(['default/n1/eth0', 'default/n2/eth0'])],
      // releaseOwner reads only the owner's index record and its blocks: it meets the garbage only when it is there.
      ...(g.key(name).includes('/owners/') ? [['releaseOwner', () => pool.releaseOwner('ns-p')] as [string, () => Promise<unknown>]] : []),
      ['releaseEmptyBlocks', () => other.releaseEmptyBlocks({ node: 'node-x' })],
      ['collectGarbage', () => pool.collectGarbage({ isAlive: () => false, graceMs: 0 })],
    ];
    for (const [what, run] of attempts) {
      const e = await failure(run());
      try {
        expectCorrupt(e, PREFIX + key, key);
      } catch (assertion) {
        throw new Error(`${what}: ${String(assertion)}\n(error: ${String(e)})`);
      }
    }
    // Byte-for-byte unchanged, and nothing else under the prefix changed either.
    const after = await rawRange(etcd.endpoints, PREFIX);
    expect(after).toEqual(before);
    expect(after.find((kv) => kv.key === PREFIX + key)?.value.equals(g.value)).toBe(true);
    expect(mine.toString()).toMatch(/^10\.20\.0\./);
  });

  it('a hostile overwrite of a block a node has cached: allocate and release fail naming it and never write over it', async () => {
    const name = 'hostile';
    const pool = await ClusterPool.open({ store: store, name, cidrs: ['10.30.0.0/24'], blockSize: 28, node: 'node-a' });
    const ip = await pool.allocate({ owner: 'default/a/eth0' });
    const [kv] = (await rawRange(etcd.endpoints, `${PREFIX}pools/${name}/blocks/`)).filter((x) => x.key.endsWith('/28'));
    const key = kv!.key.slice(PREFIX.length);
    const garbage = Buffer.from('{"t":"ipam/block","v":1,"cidr":"oops"');
    await rawPut(etcd.endpoints[0]!, kv!.key, garbage);
    const before = await rawRange(etcd.endpoints, PREFIX);
    // The node still believes its cached record: its conditional write loses, and the current value is garbage.
    expectCorrupt(await failure(pool.allocate({ owner: 'default/b/eth0' })), kv!.key, key);
    expectCorrupt(await failure(pool.release(ip)), kv!.key, key);
    expect(await rawRange(etcd.endpoints, PREFIX)).toEqual(before);
  });

  it('garbage in the pool definition record: open fails naming it and leaves it', async () => {
    const key = 'pools/defn';
    await rawPut(etcd.endpoints[0]!, PREFIX + key, Buffer.from('cidrs=10.0.0.0/8'));
    const before = await rawRange(etcd.endpoints, PREFIX + key);
    const e = await failure(ClusterPool.open({ store: store, name: 'defn', cidrs: ['10.0.0.0/16'], blockSize: 26, node: 'n' }));
    expectCorrupt(e, PREFIX + key, key);
    expect(await rawRange(etcd.endpoints, PREFIX + key)).toEqual(before);
  });
});
