import { Addr, Prefix } from '@ipam/core';
import { describe, expect, it } from 'vitest';
import {
  ClusterError,
  ClusterPool,
  type ClusterPoolOptions,
  MemoryStore,
  type MemoryStoreFault,
  type MemoryStoreFaultContext,
  type Store,
} from './index.js';

const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const FAST = { attempts: 16, baseMs: 0, maxMs: 2 };

function open(store: Store, node: string, extra: Partial<ClusterPoolOptions> = {}): Promise<ClusterPool> {
  return ClusterPool.open({ store, name: 'pods', cidrs: ['10.244.0.0/16'], blockSize: 26, node, retry: FAST, ...extra });
}

/** A small pool: 10.0.0.0/28 in /30 blocks (4 blocks of 4; 10.0.0.0 and 10.0.0.15 reserved: 14 usable). */
function openSmall(store: Store, node: string, extra: Partial<ClusterPoolOptions> = {}): Promise<ClusterPool> {
  return ClusterPool.open({ store, name: 'small', cidrs: ['10.0.0.0/28'], blockSize: 30, node, retry: FAST, ...extra });
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (ClusterError.isInstance(e)) return e.code;
    throw e;
  }
  return 'resolved';
}

async function dump(store: Store, prefix = 'pools/'): Promise<Map<string, string>> {
  const l = await store.list(prefix);
  return new Map(l.entries.map((e) => [e.key, `${e.modRevision}:${text(e.value)}`]));
}

describe('ClusterPool store layout', () => {
  it('writes the pool definition on first open, and one compact block record per claimed block', async () => {
    const store = new MemoryStore();
    const pool = await open(store, 'node-a');
    expect(text((await store.get('pools/pods'))?.value)).toBe(
      '{"t":"ipam/pool","v":1,"cidrs":["10.244.0.0/16"],"blockSize":26,"reserveEnds":true}',
    );
    const ip = await pool.allocate({ owner: 'default/web-0/eth0' });
    const [entry, index, ...rest] = (await store.list('pools/pods/')).entries;
    expect(rest).toEqual([]);
    const block = ip.prefix(26).toString();
    expect(entry!.key).toBe(`pools/pods/blocks/${block}`);
    expect(text(entry!.value)).toBe(
      `{"t":"ipam/block","v":1,"cidr":"${block}","node":"node-a","seq":1,"a":{"0":{"o":"default/web-0/eth0","s":1,"n":"node-a"}}}`,
    );
    // The owner index, written in the same transaction (same revision): where the owner's addresses are.
    expect([index!.key, text(index!.value), index!.modRevision]).toEqual([
      'pools/pods/owners/default%2Fweb-0%2Feth0',
      `{"t":"ipam/owner","v":1,"o":"default/web-0/eth0","a":[["${block}",0,1]]}`,
      entry!.modRevision,
    ]);
    await pool.release(ip);
    expect((await store.list('pools/pods/owners/')).entries).toEqual([]);
  });

  it('puts IPv6 blocks under their canonical CIDR', async () => {
    const store = new MemoryStore();
    const pool = await ClusterPool.open({ store, name: 'v6', cidrs: ['fd00:10::/120'], blockSize: 122, node: 'n' });
    const ip = await pool.allocate({ owner: 'o' });
    expect((await store.list('pools/v6/')).entries.map((e) => e.key)).toEqual([`pools/v6/blocks/${ip.prefix(122)}`, 'pools/v6/owners/o']);
  });

  it.each([
    ['the same definition', { cidrs: ['10.244.0.0/16'], blockSize: 26 }, 'resolved'],
    ['another node', { cidrs: ['10.244.0.0/16'], blockSize: 26, node: 'node-b' }, 'resolved'],
    ['other CIDRs', { cidrs: ['10.245.0.0/16'], blockSize: 26 }, 'ERR_CLUSTER_POOL_CONFLICT'],
    ['an extra CIDR', { cidrs: ['10.244.0.0/16', '10.245.0.0/16'], blockSize: 26 }, 'ERR_CLUSTER_POOL_CONFLICT'],
    ['another block size', { cidrs: ['10.244.0.0/16'], blockSize: 24 }, 'ERR_CLUSTER_POOL_CONFLICT'],
    ['other reserved ends', { cidrs: ['10.244.0.0/16'], blockSize: 26, reserveEnds: false }, 'ERR_CLUSTER_POOL_CONFLICT'],
  ] as const)('a later open with %s: %s', async (_what, options, want) => {
    const store = new MemoryStore();
    await open(store, 'node-a');
    expect(await code(open(store, 'node-a', options))).toBe(want);
  });

  it('accepts the CIDRs of an existing pool in any order', async () => {
    const store = new MemoryStore();
    await open(store, 'a', { cidrs: ['10.245.0.0/16', '10.244.0.0/16'] });
    expect(text((await store.get('pools/pods'))?.value)).toContain('"cidrs":["10.244.0.0/16","10.245.0.0/16"]');
    await expect(open(store, 'b', { cidrs: ['10.244.0.0/16', '10.245.0.0/16'] })).resolves.toBeInstanceOf(ClusterPool);
  });

  it('names both definitions in a conflict', async () => {
    const store = new MemoryStore();
    await open(store, 'a');
    await expect(open(store, 'a', { blockSize: 24 })).rejects.toThrow(
      'ClusterPool.open("pods"): the pool exists in the store with cidrs [10.244.0.0/16], blockSize 26, reserveEnds true, not cidrs [10.244.0.0/16], blockSize 24, reserveEnds true',
    );
  });

  it.each([
    // a pool name is a DNS label: it must not contain "/" (it would nest under another pool's keys)
    [{ name: 'pods/blocks' }, 'name "pods/blocks" is not a DNS label'],
    // upper case is not a DNS label
    [{ name: 'Pods' }, 'name "Pods" is not a DNS label'],
    // a node name is required for block affinity
    [{ node: '' }, 'node "" is not a node name'],
    // CIDRs must be canonical: host bits set
    [{ cidrs: ['10.244.1.0/16'] }, 'cidr "10.244.1.0/16" is not a canonical prefix'],
    // a Prefix value with host bits set (Prefix.from does not mask) is not canonical either
    [{ cidrs: [Prefix.from(Addr.parse('10.244.1.0'), 16)] }, 'cidr "10.244.1.0/16" is not a canonical prefix'],
    // an empty pool has nothing to allocate
    [{ cidrs: [] }, 'cidrs is not a non-empty array'],
    // a pool is one family; dual stack is two pools
    [{ cidrs: ['10.244.0.0/16', 'fd00::/112'] }, 'is IPv6 but 10.244.0.0/16 is IPv4; use one pool per family'],
    // overlapping CIDRs would hand out an address twice
    [{ cidrs: ['10.244.0.0/16', '10.244.128.0/17'] }, 'cidrs 10.244.0.0/16 and 10.244.128.0/17 overlap'],
    // a block cannot be larger than a CIDR
    [{ cidrs: ['10.244.0.0/27'], blockSize: 26 }, 'blockSize 26 is not an integer in 27…32'],
    // more than 4096 addresses per block would make records too large for etcd
    [{ blockSize: 19 }, 'blockSize 19 is not an integer in 20…32'],
    // not an integer
    [{ blockSize: 26.5 }, 'blockSize 26.5 is not an integer'],
    // retries are bounded and at least one attempt is made
    [{ retry: { attempts: 0 } }, 'retry.attempts 0 is not an integer in 1…1000'],
    // a batch holds at least one allocation
    [{ maxBatch: 0 }, 'maxBatch 0 is not a positive integer'],
  ] as const)('open rejects %o', async (options, message) => {
    const e = await open(new MemoryStore(), 'node-a', options as Partial<ClusterPoolOptions>).catch((x: unknown) => x);
    expect(ClusterError.isInstance(e) && e.code).toBe('ERR_CLUSTER_INVALID_ARGUMENT');
    expect((e as Error).message).toContain(message);
  });
});

describe('ClusterPool.allocate', () => {
  it('hands out the lowest free address of the node block, skipping the first address of the CIDR', async () => {
    const store = new MemoryStore();
    const pool = await openSmall(store, 'node-a', { reserveEnds: true });
    const all = await Promise.all(Array.from({ length: 14 }, (_, i) => pool.allocate({ owner: `o${i}` })));
    const got = all.map(String).sort((a, b) => Addr.compare(Addr.parse(a), Addr.parse(b)));
    // every address but the network (10.0.0.0) and broadcast (10.0.0.15) addresses of the /28
    expect(got).toEqual(Array.from({ length: 14 }, (_, i) => `10.0.0.${i + 1}`));
    expect(await code(pool.allocate({ owner: 'one-too-many' }))).toBe('ERR_CLUSTER_POOL_EXHAUSTED');
  });

  it.each([
    // reserveEnds: false hands out every address
    ['10.0.0.0/28', 30, false, 16],
    // IPv4 ends reserved: network and broadcast of the CIDR, not of each block
    ['10.0.0.0/28', 30, true, 14],
    // IPv6: only the Subnet-Router anycast address (RFC 4291 2.6.1) is reserved
    ['fd00::/124', 126, true, 15],
    // RFC 3021 point-to-point /31: nothing reserved
    ['10.0.0.0/31', 32, true, 2],
  ] as const)('%s in /%i blocks, reserveEnds %s: %i addresses', async (cidr, blockSize, reserveEnds, n) => {
    const store = new MemoryStore();
    const pool = await ClusterPool.open({ store, name: 'p', cidrs: [cidr], blockSize, node: 'a', reserveEnds });
    const got = new Set<string>();
    for (;;) {
      const c = await pool.allocate({ owner: 'x' }).then(String, (e: ClusterError) => e.code);
      if (c === 'ERR_CLUSTER_POOL_EXHAUSTED') break;
      got.add(c);
    }
    expect(got.size).toBe(n);
    expect((await pool.stats()).size).toBe(BigInt(n));
  });

  it('claims another block when its blocks are full, then borrows only when no block is free', async () => {
    const store = new MemoryStore();
    const a = await openSmall(store, 'node-a', { reserveEnds: false });
    const b = await openSmall(store, 'node-b', { reserveEnds: false });
    const fromA = await a.allocateMany(Array.from({ length: 8 }, (_, i) => `a${i}`));
    // 8 addresses fill two /30 blocks
    expect(new Set(fromA.map((x) => x.block.toString())).size).toBe(2);
    expect(fromA.every((x) => x.affinity === 'node-a' && x.node === 'node-a')).toBe(true);
    const fromB = await b.allocateMany(Array.from({ length: 8 }, (_, i) => `b${i}`));
    expect(fromB.every((x) => x.affinity === 'node-b')).toBe(true);
    expect((await a.stats()).freeBlocks).toBe(0n);
    // everything is claimed and full: nothing to borrow either
    expect(await code(b.allocate({ owner: 'b7' }))).toBe('ERR_CLUSTER_POOL_EXHAUSTED');
    // a frees one address in its block: b borrows it, since no block is free
    await a.release(fromA[0]!.addr);
    const borrowed = (await b.allocateMany(['b8']))[0]!;
    expect([borrowed.addr.toString(), borrowed.node, borrowed.affinity]).toEqual([fromA[0]!.addr.toString(), 'node-b', 'node-a']);
    const listed = (await a.list()).find((x) => x.addr.equals(borrowed.addr));
    expect(listed).toMatchObject({ owner: 'b8', node: 'node-b', affinity: 'node-a' });
  });

  it('does not borrow while a free block exists', async () => {
    const store = new MemoryStore();
    const a = await openSmall(store, 'node-a');
    const b = await openSmall(store, 'node-b');
    const [x] = await a.allocateMany(['a0']);
    const [y] = await b.allocateMany(['b0']);
    expect(x!.block.equals(y!.block)).toBe(false);
    expect(y!.affinity).toBe('node-b');
  });

  it('shares one conditional write among concurrent callers on one pool object', async () => {
    let writes = 0;
    const store = new MemoryStore({ faults: (c) => void (c.write && writes++) });
    const pool = await open(store, 'node-a');
    writes = 0;
    const ips = await Promise.all(Array.from({ length: 40 }, (_, i) => pool.allocate({ owner: `p${i}` })));
    expect(new Set(ips.map(String)).size).toBe(40);
    expect(writes).toBe(1);
    // 100 more: the 40 + 100 need three /26 blocks (63 + 64 + 13): at most one write per block
    writes = 0;
    await Promise.all(Array.from({ length: 100 }, (_, i) => pool.allocate({ owner: `q${i}` })));
    expect(writes).toBe(3);
    expect((await pool.stats()).nodes.get('node-a')).toMatchObject({ blocks: 3, used: 140 });
  });

  it('gives different nodes different blocks and never one address twice under concurrency', async () => {
    const store = new MemoryStore();
    const pools = await Promise.all(['n1', 'n2', 'n3', 'n4'].map((n) => open(store, n)));
    const ips = await Promise.all(pools.flatMap((p, i) => Array.from({ length: 30 }, (_, k) => p.allocate({ owner: `${i}/${k}` }))));
    expect(new Set(ips.map(String)).size).toBe(120);
    const s = await pools[0]!.stats();
    expect([s.used, s.claimedBlocks, [...s.nodes.values()].map((n) => n.blocks)]).toEqual([120n, 4, [1, 1, 1, 1]]);
  });

  it('rejects a bad owner', async () => {
    const pool = await open(new MemoryStore(), 'a');
    for (const owner of ['', 'a\nb', 'x'.repeat(1025), 42]) {
      expect(await code(pool.allocate({ owner } as { owner: string }))).toBe('ERR_CLUSTER_INVALID_ARGUMENT');
    }
  });

  it('records attributes with an allocation and lists them; bad attributes write nothing', async () => {
    const store = new MemoryStore();
    const pool = await openSmall(store, 'a');
    const ip = await pool.allocate({ owner: 'sandbox-a/eth0', attributes: { namespace: 'default', pod: 'web-0' } });
    await pool.allocate({ owner: 'sandbox-b/eth0' });
    const listed = await pool.list();
    expect(listed.map((a) => [a.addr.toString(), a.owner, a.attributes])).toEqual([
      [ip.toString(), 'sandbox-a/eth0', { namespace: 'default', pod: 'web-0' }],
      ['10.0.0.2', 'sandbox-b/eth0', undefined],
    ]);
    expect(text((await store.get('pools/small/blocks/10.0.0.0/30'))?.value)).toContain('"x":{"namespace":"default","pod":"web-0"}');
    const before = await dump(store);
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    for (const attributes of [many, { pod: '' }, { pod: 'a\u0000' }, { '': 'x' }, 'pod', null]) {
      expect(await code(pool.allocate({ owner: 'c/eth0', attributes } as never))).toBe('ERR_CLUSTER_INVALID_ARGUMENT');
    }
    expect(await dump(store)).toEqual(before);
  });

  it('allocateMany is all or nothing', async () => {
    const store = new MemoryStore();
    const pool = await openSmall(store, 'a');
    expect(await code(pool.allocateMany(Array.from({ length: 15 }, (_, i) => `o${i}`)))).toBe('ERR_CLUSTER_POOL_EXHAUSTED');
    expect(await pool.list()).toEqual([]);
  });

  it('fails with ERR_CLUSTER_CONTENTION when every compare-and-swap is lost', async () => {
    const inner = new MemoryStore();
    // Another writer touches the block right before each of our updates, so each update loses.
    const hostile: Store = {
      get: (k) => inner.get(k),
      list: (p, o) => inner.list(p, o),
      create: (k, v) => inner.create(k, v),
      delete: (k, r) => inner.delete(k, r),
      txn: async (c, o) => {
        // Another writer touches the block right before each of our conditional writes of an existing block.
        const first = c[0];
        if (first !== undefined && 'modRevision' in first) {
          const e = (await inner.get(first.key))!;
          await inner.update(first.key, e.value, e.modRevision);
        }
        return inner.txn(c, o);
      },
      close: () => inner.close(),
      update: (k, v, r) => inner.update(k, v, r),
    };
    const pool = await open(hostile, 'a', { retry: { attempts: 4, baseMs: 0, maxMs: 1 } });
    await pool.allocate({ owner: 'first' }); // a create: claims the block
    await expect(pool.allocate({ owner: 'second' })).rejects.toThrow(/gave up after 4 lost compare-and-swaps/);
    expect((await pool.list()).map((a) => a.owner)).toEqual(['first']);
  });
});

describe('ClusterPool.release', () => {
  it('frees what this pool object handed out, once', async () => {
    const pool = await open(new MemoryStore(), 'a');
    const ip = await pool.allocate({ owner: 'o' });
    await pool.release(ip);
    expect(await pool.list()).toEqual([]);
    expect(await code(pool.release(ip))).toBe('ERR_CLUSTER_NOT_ALLOCATED');
  });

  it('is conditional on the sequence number: a stale release does not free a reused address', async () => {
    const store = new MemoryStore();
    const a = await open(store, 'a');
    const [first] = await a.allocateMany(['old-pod']);
    await a.release(first!);
    const again = await a.allocate({ owner: 'new-pod' });
    expect(again.equals(first!.addr)).toBe(true);
    const e = await a.release(first!).catch((x: unknown) => x);
    expect((e as ClusterError).code).toBe('ERR_CLUSTER_NOT_ALLOCATED');
    expect((e as Error).message).toContain(`${first!.addr} is held by allocation 2 (owner "new-pod"), not by allocation 1: the release is stale`);
    expect((await a.list()).map((x) => x.owner)).toEqual(['new-pod']);
  });

  it('frees an allocation made elsewhere only with its seq', async () => {
    const store = new MemoryStore();
    const a = await open(store, 'a');
    const b = await open(store, 'b');
    const ip = await a.allocate({ owner: 'o' });
    expect(await code(b.release(ip))).toBe('ERR_CLUSTER_INVALID_ARGUMENT');
    expect(await code(b.release(ip, { seq: 7 }))).toBe('ERR_CLUSTER_NOT_ALLOCATED');
    const [listed] = await b.list();
    await b.release(listed!);
    expect(await b.list()).toEqual([]);
    // a's memory of the address is stale now: its release reports it
    expect(await code(a.release(ip))).toBe('ERR_CLUSTER_NOT_ALLOCATED');
  });

  it.each([
    // never allocated
    ['10.244.200.1', 'ERR_CLUSTER_NOT_ALLOCATED'],
    // outside the pool
    ['10.245.0.1', 'ERR_CLUSTER_INVALID_ARGUMENT'],
    // another family
    ['fd00::1', 'ERR_CLUSTER_INVALID_ARGUMENT'],
  ])('release(%s): %s', async (addr, want) => {
    const pool = await open(new MemoryStore(), 'a');
    await pool.allocate({ owner: 'o' });
    expect(await code(pool.release(Addr.parse(addr), { seq: 1 }))).toBe(want);
  });

  it('releaseOwner frees every address of the owner, also borrowed ones', async () => {
    const store = new MemoryStore();
    const a = await openSmall(store, 'node-a');
    const b = await openSmall(store, 'node-b');
    await a.allocateMany(['pod-1', 'pod-1', 'x', 'y', 'z', 'w', 'v']);
    await b.allocateMany(['q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'pod-1']);
    const freed = await a.releaseOwner('pod-1');
    expect(freed.map((f) => [f.owner, f.node]).sort()).toEqual([
      ['pod-1', 'node-a'],
      ['pod-1', 'node-a'],
      ['pod-1', 'node-b'],
    ]);
    expect((await a.list()).some((x) => x.owner === 'pod-1')).toBe(false);
    expect(await code(a.releaseOwner('pod-1'))).toBe('ERR_CLUSTER_NOT_ALLOCATED');
    expect((await a.list()).length).toBe(11);
  });

  it('releaseEmptyBlocks gives empty blocks back and the sequence counter survives a new claim', async () => {
    const store = new MemoryStore();
    const a = await openSmall(store, 'node-a');
    const [x] = await a.allocateMany(['o']);
    expect(await a.releaseEmptyBlocks()).toEqual([]);
    await a.release(x!);
    expect((await a.releaseEmptyBlocks()).map(String)).toEqual([x!.block.toString()]);
    expect((await a.stats()).claimedBlocks).toBe(0);
    // node-b's search starts elsewhere; fill the pool so that it must claim x's old block too
    const b = await openSmall(store, 'node-b');
    const all = await b.allocateMany(Array.from({ length: 14 }, (_, i) => `b${i}`));
    const reused = all.find((y) => y.addr.equals(x!.addr))!;
    expect([reused.affinity, reused.seq > x!.seq]).toEqual(['node-b', true]);
    expect(await code(a.release(x!))).toBe('ERR_CLUSTER_NOT_ALLOCATED');
  });
});

describe('ClusterPool owner index', () => {
  /** The owner index as the blocks say it should be, and as stored: owner → sorted "block offset seq" lines. */
  async function index(store: Store, pool = 'small'): Promise<{ want: Record<string, string[]>; have: Record<string, string[]> }> {
    const want: Record<string, string[]> = {};
    const have: Record<string, string[]> = {};
    for (const e of (await store.list(`pools/${pool}/`)).entries) {
      const v = JSON.parse(text(e.value)) as { o: string; a: unknown };
      if (e.key.startsWith(`pools/${pool}/blocks/`)) {
        const b = v as unknown as { cidr: string; a: Record<string, { o: string; s: number }> };
        for (const [off, x] of Object.entries(b.a)) (want[x.o] ??= []).push(`${b.cidr} ${off} ${x.s}`);
      } else (have[v.o] = (v.a as [string, number, number][]).map((x) => x.join(' ')));
    }
    for (const k of Object.keys(want)) want[k]!.sort();
    for (const k of Object.keys(have)) have[k]!.sort();
    return { want, have };
  }

  it('keeps one key per owner that says what the blocks say, through allocations, borrowing and releases', async () => {
    const store = new MemoryStore();
    const a = await openSmall(store, 'node-a');
    const b = await openSmall(store, 'node-b');
    await a.allocateMany(['p', 'q', 'p', 'r', 'p']);
    await b.allocateMany(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? 'p' : `b${i}`)));
    let { want, have } = await index(store);
    expect(have).toEqual(want);
    expect(want['p']!.length).toBe(7);
    await a.release((await a.list({ owner: 'p' }))[0]!);
    await b.releaseOwner('q');
    ({ want, have } = await index(store));
    expect(have).toEqual(want);
    expect(Object.keys(have).sort()).toEqual(['b1', 'b3', 'b5', 'b7', 'p', 'r']);
  });

  it('list({ owner }) and releaseOwner read the index and the blocks it names, never the whole pool', async () => {
    const calls: string[] = [];
    const store = new MemoryStore({ faults: (c) => void calls.push(`${c.method} ${c.keys[0]}`) });
    const a = await openSmall(store, 'node-a');
    const [x, , z] = await a.allocateMany(['p', 'q', 'p']);
    calls.length = 0;
    expect((await a.list({ owner: 'p' })).map((y) => [y.addr.toString(), y.seq])).toEqual([
      [x!.addr.toString(), x!.seq],
      [z!.addr.toString(), z!.seq],
    ]);
    expect(await a.list({ owner: 'nobody' })).toEqual([]);
    expect((await a.releaseOwner('p')).map((y) => y.addr.toString())).toEqual([x!.addr.toString(), z!.addr.toString()]);
    expect(await code(a.releaseOwner('p'))).toBe('ERR_CLUSTER_NOT_ALLOCATED');
    expect(calls.filter((c) => c.startsWith('list'))).toEqual([]);
    expect(await code(a.list({ owner: '' }))).toBe('ERR_CLUSTER_INVALID_ARGUMENT');
  });

  it('collectGarbage repairs index records a hand edit put out of step with the blocks, and frees nothing for it', async () => {
    const store = new MemoryStore();
    const a = await openSmall(store, 'node-a');
    const [p1, , r1] = await a.allocateMany(['p', 'q', 'r']);
    // A record lost (q), a record naming an address its block does not give the owner (p: a made-up entry), and a
    // record of an owner that holds nothing (ghost).
    const q = (await store.get('pools/small/owners/q'))!;
    await store.delete('pools/small/owners/q', q.modRevision);
    const p = (await store.get('pools/small/owners/p'))!;
    const block = p1!.block.toString();
    const real = JSON.parse(text(p.value)) as { a: unknown[] };
    await store.update('pools/small/owners/p', bytes(JSON.stringify({ ...real, a: [...real.a, [block, 3, 9]] })), p.modRevision);
    await store.create('pools/small/owners/ghost', bytes(`{"t":"ipam/owner","v":1,"o":"ghost","a":[["${block}",2,2]]}`));
    expect((await index(store)).have).not.toEqual((await index(store)).want);
    const res = await a.collectGarbage({ isAlive: () => true, graceMs: 0 });
    expect([res.repaired, res.freed]).toEqual([3, []]);
    const { want, have } = await index(store);
    expect(have).toEqual(want);
    expect((await a.list({ owner: 'q' })).length).toBe(1);
    expect(await a.list({ owner: 'ghost' })).toEqual([]);
    expect((await a.collectGarbage({ isAlive: () => true, graceMs: 0 })).repaired).toBe(0);
    expect((await a.releaseOwner('r')).map((y) => y.addr.toString())).toEqual([r1!.addr.toString()]);
  });
});

describe('ClusterPool abort signals and timeouts', () => {
  /** A store whose txn calls wait for `open()` once `hold` is set (a write stuck in flight). */
  function gated(): { store: Store; hold: () => void; open: () => void; inFlight: () => number } {
    const inner = new MemoryStore();
    let gate: Promise<void> | undefined;
    let release = (): void => {};
    let waiting = 0;
    const store: Store = {
      get: (k) => inner.get(k),
      list: (p, o) => inner.list(p, o),
      create: (k, v) => inner.create(k, v),
      update: (k, v, r) => inner.update(k, v, r),
      delete: (k, r) => inner.delete(k, r),
      txn: async (c, o) => {
        if (gate !== undefined) {
          waiting++;
          await gate;
          waiting--;
        }
        return inner.txn(c, o);
      },
      close: () => inner.close(),
    };
    return {
      store,
      hold: () => (gate = new Promise<void>((r) => (release = r))),
      open: () => {
        gate = undefined;
        release();
      },
      inFlight: () => waiting,
    };
  }
  const until = async (f: () => boolean): Promise<void> => {
    while (!f()) await new Promise((r) => setTimeout(r, 1));
  };

  it('an already aborted signal fails every call with ERR_CLUSTER_ABORTED and writes nothing', async () => {
    const store = new MemoryStore();
    const pool = await openSmall(store, 'a');
    const ip = await pool.allocate({ owner: 'o' });
    const before = await dump(store);
    const signal = AbortSignal.abort(new Error('caller gave up'));
    const calls: (() => Promise<unknown>)[] = [
      () => openSmall(store, 'b', { signal }),
      () => pool.allocate({ owner: 'p', signal }),
      () => pool.allocateMany(['p', 'q'], { signal }),
      () => pool.release(ip, { signal }),
      () => pool.releaseOwner('o', { signal }),
      () => pool.releaseEmptyBlocks({ signal }),
      () => pool.list({ signal }),
      () => pool.list({ owner: 'o', signal }),
      () => pool.stats({ signal }),
      () => pool.collectGarbage({ isAlive: () => false, graceMs: 0, signal }),
    ];
    for (const c of calls) {
      const e = (await c().catch((x: unknown) => x)) as ClusterError;
      expect([e.code, e.message]).toEqual(['ERR_CLUSTER_ABORTED', expect.stringContaining('aborted (caller gave up); nothing was written')]);
    }
    expect(await dump(store)).toEqual(before);
  });

  it('stops retrying and backing off when aborted, having written nothing', async () => {
    const inner = new MemoryStore();
    let lost = 0;
    // Another writer touches the block right before each of our writes to it: every compare-and-swap is lost.
    const hostile: Store = {
      get: (k) => inner.get(k),
      list: (p, o) => inner.list(p, o),
      create: (k, v) => inner.create(k, v),
      update: (k, v, r) => inner.update(k, v, r),
      delete: (k, r) => inner.delete(k, r),
      txn: async (c, o) => {
        const first = c[0];
        if (first !== undefined && 'modRevision' in first) {
          const e = (await inner.get(first.key))!;
          await inner.update(first.key, e.value, e.modRevision);
          lost++;
        }
        return inner.txn(c, o);
      },
      close: () => inner.close(),
    };
    // Backoff of up to a minute per retry, 1000 attempts: only the abort can end this call within the test's timeout.
    const pool = await open(hostile, 'a', { retry: { attempts: 1000, baseMs: 60_000, maxMs: 60_000 } });
    await pool.allocate({ owner: 'first' });
    const ac = new AbortController();
    const call = pool.allocate({ owner: 'second', signal: ac.signal });
    await until(() => lost > 0);
    ac.abort(new Error('deadline'));
    expect(await code(call)).toBe('ERR_CLUSTER_ABORTED');
    expect((await pool.list()).map((a) => a.owner)).toEqual(['first']);
  });

  it('reports an abort while its write is in flight as ERR_STORE_OUTCOME_UNKNOWN; the write may land, and releaseOwner frees it', async () => {
    const g = gated();
    const pool = await openSmall(g.store, 'a');
    g.hold();
    const ac = new AbortController();
    const call = pool.allocate({ owner: 'o', signal: ac.signal });
    await until(() => g.inFlight() === 1);
    ac.abort();
    expect(await code(call)).toBe('ERR_STORE_OUTCOME_UNKNOWN');
    g.open();
    await until(() => g.inFlight() === 0);
    // It did land: the caller was told the outcome is unknown, and cleans up by owner.
    const held = await pool.list({ owner: 'o' });
    expect(held.length).toBe(1);
    expect((await pool.releaseOwner('o')).length).toBe(1);
  });

  it('takes an aborted caller out of the queue while another write is in flight: it gets nothing', async () => {
    const g = gated();
    const pool = await openSmall(g.store, 'a');
    await pool.allocate({ owner: 'warm' }); // the block is claimed and cached
    g.hold();
    const first = pool.allocate({ owner: 'first' });
    await until(() => g.inFlight() === 1);
    const ac = new AbortController();
    const queued = pool.allocate({ owner: 'queued', signal: ac.signal });
    ac.abort();
    expect(await code(queued)).toBe('ERR_CLUSTER_ABORTED');
    g.open();
    await first;
    expect((await pool.list()).map((a) => a.owner).sort()).toEqual(['first', 'warm']);
  });

  it('timeoutMs bounds every call of a pool object, open included', async () => {
    const inner = new MemoryStore();
    let hang = false;
    const store: Store = {
      get: (k) => (hang ? new Promise(() => {}) : inner.get(k)),
      list: (p, o) => (hang ? new Promise(() => {}) : inner.list(p, o)),
      create: (k, v) => inner.create(k, v),
      update: (k, v, r) => inner.update(k, v, r),
      delete: (k, r) => inner.delete(k, r),
      txn: (c, o) => inner.txn(c, o),
      close: () => inner.close(),
    };
    const pool = await openSmall(store, 'a', { timeoutMs: 200 });
    hang = true;
    for (const c of [() => openSmall(store, 'b', { timeoutMs: 200 }), () => pool.list(), () => pool.allocate({ owner: 'o' }), () => pool.releaseOwner('o')]) {
      const e = (await c().catch((x: unknown) => x)) as ClusterError;
      expect([e.code, e.message]).toEqual(['ERR_CLUSTER_ABORTED', expect.stringContaining('nothing was written')]);
    }
    hang = false;
    expect(await pool.list()).toEqual([]);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5'])('rejects timeoutMs %s', async (timeoutMs) => {
    expect(await code(openSmall(new MemoryStore(), 'a', { timeoutMs } as never))).toBe('ERR_CLUSTER_INVALID_ARGUMENT');
  });

  it('rejects a signal that is not an AbortSignal', async () => {
    const pool = await openSmall(new MemoryStore(), 'a');
    expect(await code(pool.allocate({ owner: 'o', signal: { aborted: true } } as never))).toBe('ERR_CLUSTER_INVALID_ARGUMENT');
    expect(await code(pool.list({ signal: 'soon' } as never))).toBe('ERR_CLUSTER_INVALID_ARGUMENT');
  });
});

describe('ClusterPool corrupt store contents', () => {
  const block = 'pools/small/blocks/10.0.0.0/30';
  const good = (a: string, extra = ''): string => `{"t":"ipam/block","v":1,"cidr":"10.0.0.0/30","node":"n","seq":2,"a":${a}${extra}}`;
  it.each([
    // not UTF-8
    [block, new Uint8Array([0xff, 0xfe]), 'value is not UTF-8'],
    // not JSON
    [block, bytes('{"t":'), 'value is not JSON'],
    // JSON but not an object
    [block, bytes('[1,2]'), 'value is not a JSON object'],
    // another writer's record
    [block, bytes('{"kind":"IPAMBlock"}'), 'format marker "t" is not "ipam/block"'],
    // a newer format version than this library understands
    [block, bytes('{"t":"ipam/block","v":2}'), 'format version 2 is not supported'],
    // a field this version does not know
    [block, bytes(good('{}', ',"x":1')), 'unknown field "x"'],
    // the record names another block than its key
    [block, bytes(good('{}').replace('"cidr":"10.0.0.0/30"', '"cidr":"10.0.0.4/30"')), 'not the key\'s block 10.0.0.0/30'],
    // an offset outside the /30
    [block, bytes(good('{"4":{"o":"x","s":1,"n":"n"}}')), 'offset "4" is not in 0…3'],
    // an offset written with a leading zero is not canonical
    [block, bytes(good('{"01":{"o":"x","s":1,"n":"n"}}')), 'offset "01" is not in 0…3'],
    // the network address of the pool is reserved
    [block, bytes(good('{"0":{"o":"x","s":1,"n":"n"}}')), 'offset 0 is a reserved address'],
    // a sequence number above the block counter
    [block, bytes(good('{"1":{"o":"x","s":3,"n":"n"}}')), 'sequence number outside 1…2'],
    // one sequence number twice
    [block, bytes(good('{"1":{"o":"x","s":2,"n":"n"},"2":{"o":"y","s":2,"n":"n"}}')), 'sequence number 2 is used twice'],
    // an empty owner
    [block, bytes(good('{"1":{"o":"","s":1,"n":"n"}}')), 'allocation 1 has no valid owner'],
    // a key under the pool that is not a block key
    ['pools/small/zzz', bytes('{}'), 'is not a block key of this pool'],
    // a block key in non-canonical form
    ['pools/small/blocks/10.0.0.01/30', bytes('{}'), 'is not a block key of this pool'],
    // a block of another size
    ['pools/small/blocks/10.0.0.0/29', bytes('{}'), 'is not a block key of this pool'],
    // a block outside the pool
    ['pools/small/blocks/10.9.0.0/30', bytes('{}'), 'is not a block key of this pool'],
    // an owner index record that is not JSON
    ['pools/small/owners/x', bytes('hello'), 'value is not JSON'],
    // an owner index record of another owner than its key
    ['pools/small/owners/x', bytes('{"t":"ipam/owner","v":1,"o":"y","a":[["10.0.0.0/30",1,1]]}'), 'not the key\'s owner "x"'],
    // an owner index record naming a block outside the pool
    ['pools/small/owners/x', bytes('{"t":"ipam/owner","v":1,"o":"x","a":[["10.9.0.0/30",1,1]]}'), 'not a block of the pool'],
    // an owner index record with an offset outside its /30 block
    ['pools/small/owners/x', bytes('{"t":"ipam/owner","v":1,"o":"x","a":[["10.0.0.0/30",4,1]]}'), 'entry 0 has an offset outside 0…3'],
    // an owner index record with nothing in it
    ['pools/small/owners/x', bytes('{"t":"ipam/owner","v":1,"o":"x","a":[]}'), '"a" is not a non-empty array'],
    // an owner key that is not escaped the canonical way
    ['pools/small/owners/a%2fb', bytes('{}'), 'is not a block key of this pool'],
  ])('%s = %s: ERR_CLUSTER_POOL_CORRUPT, never overwritten', async (key, value, reason) => {
    const store = new MemoryStore();
    const a = await openSmall(store, 'node-a');
    await store.create(key, value);
    const before = await dump(store);
    // releaseOwner and list({ owner }) read only the owner's index record (and the blocks it names).
    const byOwner = key.startsWith('pools/small/owners/x') ? [() => a.releaseOwner('x'), () => a.list({ owner: 'x' })] : [];
    for (const op of [() => a.list(), () => a.stats(), ...byOwner, () => a.collectGarbage({ isAlive: () => false, graceMs: 0 })]) {
      const e = await op().catch((x: unknown) => x);
      expect((e as ClusterError).code).toBe('ERR_CLUSTER_POOL_CORRUPT');
      expect((e as ClusterError).key).toBe(key);
      expect((e as Error).message).toContain(JSON.stringify(key));
      expect((e as Error).message).toContain(reason);
    }
    // allocate reads the whole pool when it has no block of its own: it fails the same way
    expect(await code(a.allocate({ owner: 'x' }))).toBe('ERR_CLUSTER_POOL_CORRUPT');
    expect(await dump(store)).toEqual(before);
  });

  it('releaseOwner and list({ owner }) fail on a corrupt block the owner index names, and write nothing', async () => {
    const store = new MemoryStore();
    const a = await openSmall(store, 'node-a');
    const ip = await a.allocate({ owner: 'x' });
    const key = `pools/small/blocks/${ip.prefix(30)}`;
    const e0 = (await store.get(key))!;
    await store.update(key, bytes('{"t":"ipam/block","v":9}'), e0.modRevision);
    const before = await dump(store);
    for (const op of [() => a.releaseOwner('x'), () => a.list({ owner: 'x' })]) {
      const e = await op().catch((x: unknown) => x);
      expect([(e as ClusterError).code, (e as ClusterError).key]).toEqual(['ERR_CLUSTER_POOL_CORRUPT', key]);
    }
    expect(await dump(store)).toEqual(before);
  });

  it('a corrupt pool definition fails open and is left alone', async () => {
    const store = new MemoryStore();
    await store.create('pools/pods', bytes('{"t":"ipam/pool","v":1,"cidrs":"10.244.0.0/16","blockSize":26,"reserveEnds":true}'));
    const before = await dump(store);
    const e = await open(store, 'a').catch((x: unknown) => x);
    expect([(e as ClusterError).code, (e as ClusterError).key]).toEqual(['ERR_CLUSTER_POOL_CORRUPT', 'pools/pods']);
    expect(await dump(store)).toEqual(before);
  });

  it('a block overwritten with garbage after it was cached is not overwritten by release', async () => {
    const store = new MemoryStore();
    const a = await openSmall(store, 'node-a');
    const ip = await a.allocate({ owner: 'o' });
    const key = `pools/small/blocks/${ip.prefix(30)}`;
    const e = (await store.get(key))!;
    await store.update(key, bytes('garbage'), e.modRevision);
    const before = await dump(store);
    expect(await code(a.release(ip))).toBe('ERR_CLUSTER_POOL_CORRUPT');
    expect(await code(a.allocate({ owner: 'p' }))).toBe('ERR_CLUSTER_POOL_CORRUPT');
    expect(await dump(store)).toEqual(before);
  });
});

describe('ClusterPool under store faults', () => {
  /** A store whose writes number `which` (1-based, counting from now) fail with `fault`. */
  function faulty(which: (n: number, c: MemoryStoreFaultContext) => MemoryStoreFault): { store: MemoryStore; arm: () => void } {
    let armed = false;
    let n = 0;
    const store = new MemoryStore({ faults: (c) => (armed && c.write ? which(++n, c) : undefined) });
    return { store, arm: () => (armed = true) };
  }

  it.each(['reply-lost', 'request-lost', 'unavailable'] as const)('allocate survives %s on the claim and on later writes', async (fault) => {
    const { store, arm } = faulty((n) => (n % 2 === 1 ? fault : undefined));
    const pool = await open(store, 'a');
    arm();
    const ips: Addr[] = [];
    for (let i = 0; i < 6; i++) ips.push(await pool.allocate({ owner: `o${i}` }));
    expect(new Set(ips.map(String)).size).toBe(6);
    const listed = await pool.list();
    expect(listed.map((x) => [x.addr.toString(), x.owner])).toEqual(ips.map((ip, i) => [ip.toString(), `o${i}`]));
    for (const ip of ips) await pool.release(ip);
    expect(await pool.list()).toEqual([]);
  });

  it('checks an unknown outcome by reading, and never writes the same allocation twice', async () => {
    const writes: string[] = [];
    let lose = true;
    const store = new MemoryStore({
      faults: (c) => {
        if (!c.write) return undefined;
        writes.push(c.method);
        if (c.method === 'txn' && lose) {
          lose = false;
          return 'reply-lost';
        }
        return undefined;
      },
    });
    const pool = await open(store, 'a');
    await pool.allocate({ owner: 'first' });
    writes.length = 0;
    await pool.allocate({ owner: 'second' });
    expect(writes).toEqual(['txn']); // applied, reply lost, read back: done
    expect((await pool.list()).map((x) => x.owner)).toEqual(['first', 'second']);
  });

  it('counts a timed-out write that the store applies late, after the read that checked it, as done', async () => {
    const inner = new MemoryStore();
    let late: (() => Promise<unknown>) | undefined;
    let timeouts = 1;
    // etcd can apply a request after its client timed out and after the client read the key back: the first update
    // "times out" unapplied, and is applied right after the checking read returns.
    const store: Store = {
      get: async (k) => {
        const e = await inner.get(k);
        if (late !== undefined) await late();
        late = undefined;
        return e;
      },
      list: (p, o) => inner.list(p, o),
      create: (k, v) => inner.create(k, v),
      delete: (k, r) => inner.delete(k, r),
      txn: async (c, o) => {
        // The first write to an existing block times out unapplied.
        if (c[0] !== undefined && 'modRevision' in c[0] && timeouts-- > 0) {
          late = () => inner.txn(c, o);
          throw new ClusterError('ERR_STORE_OUTCOME_UNKNOWN', `txn(${c[0].key}): timed out`, { key: c[0].key });
        }
        return inner.txn(c, o);
      },
      close: () => inner.close(),
      update: (k, v, r) => inner.update(k, v, r),
    };
    const pool = await open(store, 'a');
    await pool.allocate({ owner: 'first' }); // the claim: a create
    const ip = await pool.allocate({ owner: 'second' });
    const all = await pool.list();
    expect(all.map((x) => [x.owner, x.seq])).toEqual([
      ['first', 1],
      ['second', 2],
    ]);
    expect(all[1]!.addr.equals(ip)).toBe(true);
  });

  it('retries a write of unknown outcome on the same block and condition, so a late apply cannot add a second address', async () => {
    const inner = new MemoryStore();
    let intercept: ((k: string) => Promise<void>) | undefined;
    let late: (() => Promise<unknown>) | undefined;
    const store: Store = {
      get: async (k) => {
        const e = await inner.get(k);
        const l = late;
        late = undefined;
        if (l !== undefined) await l(); // applied right after the read that checked it
        return e;
      },
      list: (p, o) => inner.list(p, o),
      create: (k, v) => inner.create(k, v),
      delete: (k, r) => inner.delete(k, r),
      txn: async (c, o) => {
        const i = intercept;
        const k = c[0]!.key;
        if (i !== undefined) {
          intercept = undefined;
          await i(k);
          late = () => inner.txn(c, o);
          throw new ClusterError('ERR_STORE_OUTCOME_UNKNOWN', `txn(${k}): timed out`, { key: k });
        }
        return inner.txn(c, o);
      },
      close: () => inner.close(),
      update: (k, v, r) => inner.update(k, v, r),
    };
    const pool = await openSmall(store, 'a', { reserveEnds: false });
    const eight = await pool.allocateMany(Array.from({ length: 8 }, (_, i) => `o${i}`));
    const blocks = [...new Set(eight.map((x) => x.block.toString()))].sort((x, y) => Prefix.compare(Prefix.parse(x), Prefix.parse(y)));
    const inLow = eight.find((x) => x.block.toString() === blocks[0])!;
    const inHigh = eight.find((x) => x.block.toString() === blocks[1])!;
    await pool.release(inHigh);
    // While the write to the high block is out, a release makes room in the lower block, which a fresh decision
    // would prefer; the timed-out write to the high block is then applied late.
    intercept = async () => void (await pool.release(inLow));
    await pool.allocate({ owner: 'x' });
    const mine = (await pool.list()).filter((a) => a.owner === 'x');
    expect(mine.map((a) => a.block.toString())).toEqual([blocks[1]]);
  });

  it('gives up with the store error when the store stays unavailable, having written nothing', async () => {
    let down = false;
    const store = new MemoryStore({ faults: () => (down ? 'unavailable' : undefined) });
    down = true;
    expect(await code(open(store, 'a', { retry: { attempts: 3, baseMs: 0, maxMs: 1 } }))).toBe('ERR_STORE_UNAVAILABLE');
    down = false;
    const pool = await open(store, 'a', { retry: { attempts: 3, baseMs: 0, maxMs: 1 } });
    await pool.allocate({ owner: 'x' });
    down = true;
    expect(await code(pool.allocate({ owner: 'y' }))).toBe('ERR_STORE_UNAVAILABLE');
    expect(await code(pool.releaseOwner('x'))).toBe('ERR_STORE_UNAVAILABLE');
    down = false;
    expect((await pool.list()).map((a) => a.owner)).toEqual(['x']);
  });

  it('reports ERR_STORE_OUTCOME_UNKNOWN when the outcome cannot be checked, and the owner can be released later', async () => {
    let down = false;
    const store = new MemoryStore({
      faults: (c) => {
        if (!down) return undefined;
        if (c.write) return 'reply-lost';
        return 'unavailable';
      },
    });
    const pool = await open(store, 'a', { retry: { attempts: 3, baseMs: 0, maxMs: 1 } });
    await pool.allocate({ owner: 'x' });
    down = true;
    expect(await code(pool.allocate({ owner: 'y' }))).toBe('ERR_STORE_OUTCOME_UNKNOWN');
    down = false;
    // the write did land: the CNI runtime's DEL releases by owner
    expect((await pool.releaseOwner('y')).length).toBe(1);
    expect((await pool.list()).map((a) => a.owner)).toEqual(['x']);
  });
});

describe('ClusterPool.collectGarbage', () => {
  it('frees an ownerless allocation only on a second observation at least graceMs later', async () => {
    const store = new MemoryStore();
    const pool = await open(store, 'a');
    const gone = await pool.allocate({ owner: 'gone' });
    await pool.allocate({ owner: 'alive' });
    let t = 1000;
    const gc = { isAlive: (o: string) => o === 'alive', graceMs: 60_000, now: () => t };
    expect(await pool.collectGarbage(gc)).toEqual({ checked: 2, suspected: 1, freed: [], repaired: 0 });
    t += 59_999;
    expect((await pool.collectGarbage(gc)).freed).toEqual([]);
    t += 1;
    const { freed, suspected } = await pool.collectGarbage(gc);
    expect([freed.map((f) => f.addr.toString()), suspected]).toEqual([[gone.toString()], 0]);
    expect((await pool.list()).map((x) => x.owner)).toEqual(['alive']);
  });

  it('never frees on a single observation, even with graceMs 0', async () => {
    const pool = await open(new MemoryStore(), 'a');
    await pool.allocate({ owner: 'gone' });
    const gc = { isAlive: () => false, graceMs: 0 };
    expect((await pool.collectGarbage(gc)).freed).toEqual([]);
    expect((await pool.collectGarbage(gc)).freed.length).toBe(1);
  });

  it('forgets a suspicion when the owner comes back, and does not free an address handed out again', async () => {
    const store = new MemoryStore();
    const pool = await open(store, 'a');
    const other = await open(store, 'b');
    let t = 0;
    const alive = new Set<string>();
    const gc = { isAlive: (o: string) => alive.has(o), graceMs: 10, now: () => t };
    const [x] = await pool.allocateMany(['flaky']);
    await pool.collectGarbage(gc);
    alive.add('flaky');
    t = 20;
    await pool.collectGarbage(gc);
    alive.delete('flaky');
    t = 40;
    expect((await pool.collectGarbage(gc)).freed).toEqual([]); // suspicion started over at t=40
    // meanwhile the address is released and handed out again, to an owner the collector also cannot find
    await pool.release(x!);
    const again = await pool.allocate({ owner: 'flaky' });
    expect(again.equals(x!.addr)).toBe(true);
    t = 100;
    expect((await pool.collectGarbage(gc)).freed).toEqual([]); // a new allocation (new seq): a new first observation
    t = 200;
    expect((await other.collectGarbage(gc)).freed).toEqual([]); // another collector has its own observations
    expect((await pool.collectGarbage(gc)).freed.map((f) => f.seq)).toEqual([2]);
  });

  it('re-decides on a lost race by sequence number: an address freed and handed out again meanwhile stays', async () => {
    let race: (() => Promise<void>) | undefined;
    const store = new MemoryStore({
      faults: async (c) => {
        if (race !== undefined && c.method === 'txn') {
          const r = race;
          race = undefined;
          await r(); // runs just before the collector's write: its compare will be lost
        }
        return undefined;
      },
    });
    const gcPool = await open(store, 'a');
    const other = await open(store, 'a'); // another process on the same node
    const [x] = await gcPool.allocateMany(['gone']);
    const gc = { isAlive: (o: string) => o !== 'gone', graceMs: 0 };
    await gcPool.collectGarbage(gc); // first observation
    race = async () => {
      await other.release(x!);
      await other.allocate({ owner: 'live' }); // the same address, a new sequence number
    };
    expect((await gcPool.collectGarbage(gc)).freed).toEqual([]);
    expect((await gcPool.list()).map((a) => [a.addr.toString(), a.owner, a.seq])).toEqual([[x!.addr.toString(), 'live', 2]]);
  });

  it('frees nothing when isAlive throws', async () => {
    const pool = await open(new MemoryStore(), 'a');
    await pool.allocate({ owner: 'o' });
    await pool.collectGarbage({ isAlive: () => false, graceMs: 0 });
    await expect(pool.collectGarbage({ isAlive: () => Promise.reject(new Error('apiserver down')), graceMs: 0 })).rejects.toThrow('apiserver down');
    expect((await pool.list()).length).toBe(1);
  });
});

describe('ClusterPool.stats', () => {
  it('counts addresses, blocks and each node', async () => {
    const store = new MemoryStore();
    const a = await open(store, 'node-a');
    const b = await open(store, 'node-b');
    await a.allocateMany(['1', '2', '3']);
    await b.allocate({ owner: '4' });
    const s = await a.stats();
    expect(s).toEqual({
      size: 65534n,
      used: 4n,
      free: 65530n,
      blocks: 1024n,
      claimedBlocks: 2,
      freeBlocks: 1022n,
      nodes: new Map([
        ['node-a', { blocks: 1, used: 3, free: s.nodes.get('node-a')!.free }],
        ['node-b', { blocks: 1, used: 1, free: 63 }],
      ]),
    });
    expect(Prefix.parse('10.244.0.0/16').size).toBe(65536n);
  });
});

describe('documentation examples', () => {
  it('ClusterPool', async () => {
    const store = new MemoryStore();
    const pool = await ClusterPool.open({ store, name: 'pods', cidrs: ['10.244.0.0/16'], blockSize: 26, node: 'node-a' });
    const ip = await pool.allocate({ owner: 'default/web-0/eth0' });
    expect([ip.toString(), (await pool.list())[0]!.block.toString()]).toEqual(['10.244.100.192', '10.244.100.192/26']);
    await pool.release(ip);
    await pool.allocate({ owner: 'default/db-0/eth0' });
    await pool.releaseOwner('default/db-0/eth0');
    expect((await pool.list()).length).toBe(0);
  });

  it('ClusterPool.allocateMany and release of a listed allocation', async () => {
    const store = new MemoryStore();
    const pool = await ClusterPool.open({ store, name: 'pods', cidrs: ['10.244.0.0/16'], blockSize: 26, node: 'node-a' });
    const [a, b] = await pool.allocateMany(['default/web-0/eth0', 'default/web-1/eth0']);
    expect([a!.seq, b!.seq]).toEqual([1, 2]);
    const other = await ClusterPool.open({ store, name: 'pods', cidrs: ['10.244.0.0/16'], blockSize: 26, node: 'node-b' });
    await other.release((await other.list())[0]!);
    const freed = await pool.releaseOwner('default/web-1/eth0');
    expect(freed).toEqual([{ addr: b!.addr, owner: 'default/web-1/eth0', node: 'node-a', block: b!.block, affinity: 'node-a', seq: 2 }]);
  });

  it('ClusterPool.stats and releaseEmptyBlocks', async () => {
    const store = new MemoryStore();
    const pool = await ClusterPool.open({ store, name: 'pods', cidrs: ['10.244.0.0/16'], blockSize: 26, node: 'node-a' });
    await pool.allocate({ owner: 'default/web-0/eth0' });
    const s = await pool.stats();
    expect([s.free, s.nodes.get('node-a')]).toEqual([65533n, { blocks: 1, used: 1, free: 63 }]);
    const gone = await ClusterPool.open({ store, name: 'pods', cidrs: ['10.244.0.0/16'], blockSize: 26, node: 'node-gone' });
    await gone.releaseOwner(String((await gone.allocateMany(['x']))[0]!.owner));
    const freed = await pool.releaseEmptyBlocks({ node: 'node-gone' });
    expect(freed.length).toBe(1);
    expect((await pool.stats()).nodes.has('node-gone')).toBe(false);
  });

  it('ClusterPool.collectGarbage', async () => {
    const pool = await ClusterPool.open({ store: new MemoryStore(), name: 'pods', cidrs: ['10.244.0.0/16'], blockSize: 26, node: 'node-a' });
    const pods = new Set(['default/web-0/eth0']);
    await pool.allocateMany(['default/web-0/eth0', 'default/gone-0/eth0']);
    let t = 0;
    const gc = { isAlive: async (owner: string) => pods.has(owner), graceMs: 60_000, now: () => t };
    expect((await pool.collectGarbage(gc)).suspected).toBe(1);
    t = 61_000;
    const { freed } = await pool.collectGarbage(gc);
    expect(freed.map((f) => f.owner)).toEqual(['default/gone-0/eth0']);
  });

  it('ClusterError from allocate', async () => {
    const pool = await ClusterPool.open({ store: new MemoryStore(), name: 'tiny', cidrs: ['10.0.0.0/31'], blockSize: 31, node: 'a' });
    await pool.allocateMany(['x', 'y']);
    const e = await pool.allocate({ owner: 'z' }).catch((x: unknown) => x);
    expect(ClusterError.isInstance(e) && e.code).toBe('ERR_CLUSTER_POOL_EXHAUSTED');
    expect((e as Error).message).toBe('ClusterPool.allocate("tiny"): no free address in 10.0.0.0/31 (1 × /31 blocks, all full)');
  });
});
