// One conformance suite for every Store implementation: MemoryStore and EtcdStore on a real single-member etcd.
// Revisions are checked relative to each store's revision at the start of a test (etcd's revision is shared by every
// prefix on the server), which is exact here because the tests of this file write one at a time.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type EtcdCluster, startEtcd } from '../test/etcd.js';
import { ClusterError, EtcdStore, MemoryStore, type Store, type StoreOperation } from './index.js';

let etcdStarted: Promise<EtcdCluster> | undefined;
const etcd = (): Promise<EtcdCluster> => (etcdStarted ??= startEtcd());
afterAll(async () => {
  if (etcdStarted !== undefined) await (await etcdStarted).stop();
});

let prefixes = 0;
/** A fresh etcd prefix per store, so every test starts from an empty keyspace. */
const freshPrefix = (tag: string) => `/conformance/${process.pid}/${tag}/${++prefixes}/`;

interface Opened {
  readonly store: Store;
  /** The store's revision before the test wrote anything. */
  readonly base: bigint;
}

interface Impl {
  readonly name: string;
  open(): Promise<Opened>;
}

const IMPLS: readonly Impl[] = [
  {
    name: 'MemoryStore',
    async open() {
      return { store: new MemoryStore(), base: 1n };
    },
  },
  {
    name: 'EtcdStore',
    async open() {
      const { endpoints } = await etcd();
      const store = new EtcdStore({ endpoints, prefix: freshPrefix('t') });
      return { store, base: (await store.list('')).revision };
    },
  },
];

const enc = (s: string) => new TextEncoder().encode(s);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (ClusterError.isInstance(e)) return e.code;
    throw e;
  }
  return 'resolved';
}

describe.each(IMPLS)('Store conformance: $name', (impl) => {
  async function withStore(fn: (s: Store, base: bigint) => Promise<void>): Promise<void> {
    const { store, base } = await impl.open();
    try {
      await fn(store, base);
    } finally {
      await store.close();
    }
  }

  it('get returns undefined for an absent key', () =>
    withStore(async (s) => {
      expect(await s.get('absent')).toBeUndefined();
    }));

  it('create writes an absent key at the next revision, with version 1', () =>
    withStore(async (s, base) => {
      expect(await s.create('a', enc('one'))).toEqual({ ok: true, revision: base + 1n });
      expect(await s.get('a')).toEqual({ key: 'a', value: enc('one'), createRevision: base + 1n, modRevision: base + 1n, version: 1n });
    }));

  it('create of an existing key loses and returns the current entry', () =>
    withStore(async (s, base) => {
      await s.create('a', enc('one'));
      const w = await s.create('a', enc('two'));
      expect(w).toEqual({ ok: false, current: { key: 'a', value: enc('one'), createRevision: base + 1n, modRevision: base + 1n, version: 1n } });
      expect((await s.list('')).revision).toBe(base + 1n);
    }));

  it('update applies at the current mod revision, keeps createRevision and counts versions', () =>
    withStore(async (s, base) => {
      await s.create('a', enc('one'));
      expect(await s.update('a', enc('two'), base + 1n)).toEqual({ ok: true, revision: base + 2n });
      expect(await s.update('a', enc('three'), base + 2n)).toEqual({ ok: true, revision: base + 3n });
      expect(await s.get('a')).toEqual({ key: 'a', value: enc('three'), createRevision: base + 1n, modRevision: base + 3n, version: 3n });
    }));

  it('update with a stale mod revision loses and returns the current entry; of an absent key, undefined', () =>
    withStore(async (s, base) => {
      await s.create('a', enc('one'));
      await s.update('a', enc('two'), base + 1n);
      const lost = await s.update('a', enc('late'), base + 1n);
      expect(lost).toEqual({ ok: false, current: { key: 'a', value: enc('two'), createRevision: base + 1n, modRevision: base + 2n, version: 2n } });
      expect(await s.update('nope', enc('x'), base + 1n)).toEqual({ ok: false, current: undefined });
      expect((await s.get('a'))!.value).toEqual(enc('two'));
    }));

  it('delete removes at the current mod revision; stale or absent deletes lose', () =>
    withStore(async (s, base) => {
      await s.create('a', enc('one'));
      await s.update('a', enc('two'), base + 1n);
      const stale = await s.delete('a', base + 1n);
      expect(stale.ok).toBe(false);
      expect(stale.ok ? undefined : stale.current?.modRevision).toBe(base + 2n);
      expect(await s.delete('a', base + 2n)).toEqual({ ok: true, revision: base + 3n });
      expect(await s.get('a')).toBeUndefined();
      expect(await s.delete('a', base + 2n)).toEqual({ ok: false, current: undefined });
    }));

  it('a deleted key created again starts over: new createRevision, version 1', () =>
    withStore(async (s, base) => {
      await s.create('a', enc('one'));
      await s.update('a', enc('two'), base + 1n);
      await s.delete('a', base + 2n);
      expect(await s.create('a', enc('again'))).toEqual({ ok: true, revision: base + 4n });
      expect(await s.get('a')).toEqual({ key: 'a', value: enc('again'), createRevision: base + 4n, modRevision: base + 4n, version: 1n });
    }));

  it('txn applies every operation at one revision when all conditions hold', () =>
    withStore(async (s, base) => {
      await s.create('x', enc('x1'));
      await s.create('gone', enc('g'));
      const r = await s.txn(
        [
          { key: 'x', modRevision: base + 1n },
          { key: 'y', absent: true },
        ],
        [
          { op: 'put', key: 'x', value: enc('x2') },
          { op: 'put', key: 'y', value: enc('y1') },
          { op: 'delete', key: 'gone' },
          { op: 'delete', key: 'never-existed' },
        ],
      );
      expect(r).toEqual({ ok: true, revision: base + 3n });
      expect(await s.get('x')).toMatchObject({ modRevision: base + 3n, version: 2n, createRevision: base + 1n });
      expect(await s.get('y')).toMatchObject({ modRevision: base + 3n, version: 1n, createRevision: base + 3n });
      expect(await s.get('gone')).toBeUndefined();
    }));

  it('txn writes nothing when a condition fails and returns the current entry of every compared key', () =>
    withStore(async (s, base) => {
      await s.create('x', enc('x1'));
      await s.create('y', enc('y1'));
      const r = await s.txn(
        [
          { key: 'x', modRevision: base + 1n },
          { key: 'y', absent: true },
          { key: 'z', absent: true },
          { key: 'w', modRevision: base + 1n },
        ],
        [{ op: 'put', key: 'x', value: enc('x2') }],
      );
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.revision).toBe(base + 2n);
      expect([...r.current.keys()].sort()).toEqual(['w', 'x', 'y', 'z']);
      expect(r.current.get('x')).toEqual({ key: 'x', value: enc('x1'), createRevision: base + 1n, modRevision: base + 1n, version: 1n });
      expect(r.current.get('y')).toMatchObject({ value: enc('y1'), modRevision: base + 2n });
      expect(r.current.get('z')).toBeUndefined();
      expect(r.current.get('w')).toBeUndefined();
      expect((await s.get('x'))!.value).toEqual(enc('x1'));
    }));

  it('txn without conditions always applies; one that changes nothing keeps the revision', () =>
    withStore(async (s, base) => {
      expect(await s.txn([], [{ op: 'put', key: 'k', value: enc('v') }])).toEqual({ ok: true, revision: base + 1n });
      expect(await s.txn([], [{ op: 'delete', key: 'absent' }])).toEqual({ ok: true, revision: base + 1n });
      expect(await s.txn([{ key: 'k', modRevision: base + 1n }], [])).toEqual({ ok: true, revision: base + 1n });
      expect(await s.txn([], [])).toEqual({ ok: true, revision: base + 1n });
    }));

  it('txn rejects a key written twice, and more than 128 conditions or operations (etcd --max-txn-ops)', () =>
    withStore(async (s) => {
      const put = (key: string): StoreOperation => ({ op: 'put', key, value: enc('v') });
      expect(await codeOf(s.txn([], [put('k'), { op: 'delete', key: 'k' }]))).toBe('ERR_STORE_INVALID_ARGUMENT');
      const many = Array.from({ length: 129 }, (_, i) => put(`k${i}`));
      expect(await codeOf(s.txn([], many))).toBe('ERR_STORE_REJECTED');
      const conds = Array.from({ length: 129 }, (_, i) => ({ key: `c${i}`, absent: true as const }));
      expect(await codeOf(s.txn(conds, []))).toBe('ERR_STORE_REJECTED');
      expect(await s.txn(conds.slice(0, 128), many.slice(0, 128))).toMatchObject({ ok: true });
      expect((await s.list('k')).entries.length).toBe(128);
    }));

  it('list returns entries under a prefix in bytewise UTF-8 order at one revision', () =>
    withStore(async (s, base) => {
      // UTF-16 order would put '\u{1F600}' (a surrogate pair) before '\uFFFD'; UTF-8 bytes put it after.
      const keys = ['b', 'a', 'a/', 'a/b', 'a0', 'A', 'é', '\uFFFD', '\u{1F600}', '\u{10FFFF}', 'a\u{10FFFF}', 'a\uFFFD', ' '];
      for (const k of keys) await s.create(k, enc(k));
      const all = await s.list('');
      const sorted = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      expect(all.entries.map((e) => e.key)).toEqual(sorted);
      expect(all.revision).toBe(base + BigInt(keys.length));
      expect(all.more).toBe(false);
      expect((await s.list('a')).entries.map((e) => e.key)).toEqual(['a', 'a/', 'a/b', 'a0', 'a\uFFFD', 'a\u{10FFFF}']);
      expect((await s.list('a/')).entries.map((e) => e.key)).toEqual(['a/', 'a/b']);
      expect((await s.list('\u{10FFFF}')).entries.map((e) => e.key)).toEqual(['\u{10FFFF}']);
      expect((await s.list('zzz')).entries).toEqual([]);
      expect(all.entries.find((e) => e.key === 'é')!.value).toEqual(enc('é'));
    }));

  it('list pages with after and limit', () =>
    withStore(async (s) => {
      const keys = Array.from({ length: 7 }, (_, i) => `p/${i}`);
      for (const k of keys) await s.create(k, enc(k));
      await s.create('q', enc('outside'));
      await s.create('o', enc('outside'));
      const seen: string[] = [];
      let after: string | undefined;
      const pages: boolean[] = [];
      for (;;) {
        const page = await s.list('p/', after === undefined ? { limit: 3 } : { after, limit: 3 });
        seen.push(...page.entries.map((e) => e.key));
        pages.push(page.more);
        if (!page.more) break;
        after = page.entries[page.entries.length - 1]!.key;
      }
      expect(seen).toEqual(keys);
      expect(pages).toEqual([true, true, false]);
      expect((await s.list('p/', { limit: 7 })).more).toBe(false);
      expect((await s.list('p/', { limit: 6 })).more).toBe(true);
      // after below the prefix starts at the prefix; after past it, or outside it, is empty.
      expect((await s.list('p/', { after: 'a', limit: 2 })).entries.map((e) => e.key)).toEqual(['p/0', 'p/1']);
      expect((await s.list('p/', { after: 'p/6' })).entries).toEqual([]);
      expect((await s.list('p/', { after: 'z' })).entries).toEqual([]);
      expect((await s.list('p/', { after: 'p/2x' })).entries.map((e) => e.key)).toEqual(['p/3', 'p/4', 'p/5', 'p/6']);
      expect((await s.list('p/', { after: 'p/' })).entries.length).toBe(7);
    }));

  it('stores binary, empty and large values byte for byte', () =>
    withStore(async (s) => {
      const binary = Uint8Array.from({ length: 256 }, (_, i) => 255 - i); // every byte; not UTF-8
      const large = Uint8Array.from({ length: 256 * 1024 }, (_, i) => (i * 7919) & 0xff);
      await s.create('binary', binary);
      await s.create('empty', new Uint8Array(0));
      await s.create('large', large);
      expect((await s.get('binary'))!.value).toEqual(binary);
      expect((await s.get('empty'))!.value).toEqual(new Uint8Array(0));
      expect((await s.get('large'))!.value).toEqual(large);
      const listed = await s.list('');
      expect(listed.entries.map((e) => e.value.length)).toEqual([256, 0, large.length]);
      const e = (await s.get('empty'))!;
      expect(await s.update('empty', binary.subarray(10, 20), e.modRevision)).toMatchObject({ ok: true });
      expect((await s.get('empty'))!.value).toEqual(binary.slice(10, 20));
    }));

  it('copies values in and out: callers cannot change stored bytes', () =>
    withStore(async (s) => {
      const v = enc('abc');
      await s.create('k', v);
      v[0] = 0x7a;
      const got = (await s.get('k'))!;
      expect(got.value).toEqual(enc('abc'));
      got.value[0] = 0x7a;
      expect((await s.get('k'))!.value).toEqual(enc('abc'));
      const page = await s.list('');
      page.entries[0]!.value[1] = 0x7a;
      expect((await s.get('k'))!.value).toEqual(enc('abc'));
      expect(Object.getPrototypeOf(got.value)).toBe(Uint8Array.prototype);
    }));

  it('concurrent creates of one key: exactly one wins, every loser sees the winner', () =>
    withStore(async (s) => {
      const results = await Promise.all(Array.from({ length: 16 }, (_, i) => s.create('race', enc(`w${i}`))));
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      const stored = (await s.get('race'))!;
      for (const r of results) if (!r.ok) expect(r.current).toEqual(stored);
    }));

  it('concurrent compare-and-swap increments lose no update', () =>
    withStore(async (s, base) => {
      await s.create('counter', enc('0'));
      const workers = 4;
      const each = 8;
      let lost = 0;
      await Promise.all(
        Array.from({ length: workers }, async () => {
          let cur = (await s.get('counter'))!;
          for (let done = 0; done < each; ) {
            const next = enc(String(Number(new TextDecoder().decode(cur.value)) + 1));
            const w = await s.update('counter', next, cur.modRevision);
            if (w.ok) {
              done++;
              cur = { ...cur, value: next, modRevision: w.revision };
            } else {
              lost++;
              cur = w.current!;
            }
          }
        }),
      );
      const final = (await s.get('counter'))!;
      expect(new TextDecoder().decode(final.value)).toBe(String(workers * each));
      expect(final.version).toBe(BigInt(workers * each + 1));
      expect(final.modRevision).toBe(base + BigInt(workers * each + 1));
      expect(lost).toBeGreaterThan(0); // the workers did race
    }));

  it('rejects bad arguments with ERR_STORE_INVALID_ARGUMENT, naming the key', async () => {
    const { store: s } = await impl.open();
    try {
      const bad = async (p: Promise<unknown>) => expect(await codeOf(p)).toBe('ERR_STORE_INVALID_ARGUMENT');
      await bad(s.get(''));
      await bad(s.get('\uD800x')); // a lone surrogate has no UTF-8 form
      await bad(s.create('k', 'text' as unknown as Uint8Array));
      await bad(s.update('k', enc('v'), 0n));
      await bad(s.update('k', enc('v'), 5 as unknown as bigint));
      await bad(s.delete('k', -1n));
      await bad(s.list('', { limit: 0 }));
      await bad(s.list('', { limit: 1.5 }));
      await bad(s.list('\uDC00'));
      await bad(s.txn([{ key: 'k' } as never], []));
      await bad(s.txn([], [{ op: 'get', key: 'k' } as never]));
      const e = await s.update('some/key', 'x' as unknown as Uint8Array, 2n).catch((x: unknown) => x);
      expect(ClusterError.isInstance(e) && e.key === 'some/key' && e.message.includes('some/key')).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('throws ERR_STORE_UNAVAILABLE after close', async () => {
    const { store: s } = await impl.open();
    await s.close();
    expect(await codeOf(s.get('k'))).toBe('ERR_STORE_UNAVAILABLE');
    expect(await codeOf(s.create('k', enc('v')))).toBe('ERR_STORE_UNAVAILABLE');
  });
});

describe('MemoryStore', () => {
  it('starts at revision 1, as an empty etcd does', async () => {
    const s = new MemoryStore();
    expect(s.revision).toBe(1n);
    expect(await s.list('')).toEqual({ entries: [], revision: 1n, more: false });
    expect(await s.create('a', enc('v'))).toEqual({ ok: true, revision: 2n });
    expect(s.revision).toBe(2n);
  });

  it('faults: unavailable applies nothing; reply-lost applies then throws OUTCOME_UNKNOWN; request-lost does not apply', async () => {
    const plan: (string | undefined)[] = ['unavailable', 'reply-lost', 'request-lost', 'reply-lost'];
    const seen: string[] = [];
    const s = new MemoryStore({
      faults: (c) => {
        seen.push(`${c.call}:${c.method}:${c.write}:${c.keys.join(',')}`);
        return plan.shift() as never;
      },
    });
    expect(await codeOf(s.create('a', enc('1')))).toBe('ERR_STORE_UNAVAILABLE');
    expect(s.revision).toBe(1n);
    expect(await codeOf(s.create('a', enc('1')))).toBe('ERR_STORE_OUTCOME_UNKNOWN');
    expect(s.revision).toBe(2n);
    expect(await codeOf(s.update('a', enc('2'), 2n))).toBe('ERR_STORE_OUTCOME_UNKNOWN');
    expect(s.revision).toBe(2n);
    expect(await codeOf(s.get('a'))).toBe('ERR_STORE_UNAVAILABLE'); // a read has no outcome to lose
    expect((await s.get('a'))!.value).toEqual(enc('1'));
    expect(seen).toEqual(['1:create:true:a', '2:create:true:a', '3:update:true:a', '4:get:false:a', '5:get:false:a']);
  });

  it('faults: an async hook can hold a call back while others proceed', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const s = new MemoryStore({ faults: async (c) => (c.call === 1 ? (await held, undefined) : undefined) });
    const first = s.create('k', enc('first'));
    expect(await s.create('k', enc('second'))).toEqual({ ok: true, revision: 2n });
    release();
    expect(await first).toMatchObject({ ok: false, current: { value: enc('second') } });
  });

  it('maxTxnOps can be lowered, and bad options are rejected', async () => {
    const s = new MemoryStore({ maxTxnOps: 2 });
    const put = (key: string): StoreOperation => ({ op: 'put', key, value: enc('v') });
    expect(await codeOf(s.txn([], [put('a'), put('b'), put('c')]))).toBe('ERR_STORE_REJECTED');
    expect(() => new MemoryStore({ maxTxnOps: 0 })).toThrow(/maxTxnOps 0 is not a positive integer/);
    expect(() => new MemoryStore({ faults: 1 as never })).toThrow(/faults is not a function/);
  });
});

describe('documentation examples', () => {
  it('MemoryStore', async () => {
    const store = new MemoryStore();
    const w = await store.create('pools/pods', new TextEncoder().encode('{}'));
    expect(w).toEqual({ ok: true, revision: 2n });
    const e = await store.get('pools/pods');
    expect(e).toMatchObject({ createRevision: 2n, modRevision: 2n, version: 1n });
    expect(await store.update('pools/pods', new Uint8Array([1]), e!.modRevision)).toEqual({ ok: true, revision: 3n });
    expect(await store.update('pools/pods', new Uint8Array([2]), e!.modRevision)).toMatchObject({ ok: false, current: { modRevision: 3n } });
  });

  it('MemoryStoreFault', async () => {
    const store = new MemoryStore({ faults: (c) => (c.call === 1 ? 'reply-lost' : undefined) });
    expect(await store.create('k', new Uint8Array([1])).catch((e: ClusterError) => e.code)).toBe('ERR_STORE_OUTCOME_UNKNOWN');
    expect(await store.get('k')).toMatchObject({ version: 1n });
  });

  it('MemoryStoreFaultContext', async () => {
    const failed = new Set<string>();
    const store = new MemoryStore({
      faults: ({ write, keys }) => {
        const k = keys.find((x) => x.startsWith('blocks/'));
        if (!write || k === undefined || failed.has(k)) return undefined;
        failed.add(k);
        return 'unavailable';
      },
    });
    expect(await codeOf(store.create('blocks/1', enc('v')))).toBe('ERR_STORE_UNAVAILABLE');
    expect(await store.create('blocks/1', enc('v'))).toMatchObject({ ok: true });
    expect(await store.create('other', enc('v'))).toMatchObject({ ok: true });
  });

  it('EtcdStore', async () => {
    const { endpoints } = await etcd();
    const store = new EtcdStore({ endpoints, prefix: freshPrefix('example') });
    const w = await store.create('pools/pods', new TextEncoder().encode('{"cidrs":["10.244.0.0/16"]}'));
    expect(w.ok).toBe(true);
    const again = await store.create('pools/pods', new TextEncoder().encode('{}'));
    expect(again.ok ? undefined : again.current?.createRevision).toBe(w.ok ? w.revision : 0n);
    const page = await store.list('pools/', { limit: 100 });
    expect(page.entries.map((e) => e.key)).toEqual(['pools/pods']);
    await store.close();
  });
});

describe('EtcdStore prefix isolation', () => {
  it('stores with different prefixes on one etcd never see each other', async () => {
    const { endpoints } = await etcd();
    const root = freshPrefix('iso');
    // Prefixes that are prefixes of each other's bytes, or differ in the last byte only.
    const names = ['a/', 'ab/', 'a', 'a0/', '\u{10FFFF}', '\u{10FFFF}\u{10FFFF}'];
    const stores = names.map((n) => new EtcdStore({ endpoints, prefix: root + n }));
    try {
      for (const [i, s] of stores.entries()) await s.create(`k${i}`, enc(names[i]!));
      const listed = await Promise.all(stores.map((s) => s.list('')));
      // 'a' is a byte prefix of 'a/', 'ab/' and 'a0/': a prefix without a separator sees the longer ones' keys.
      expect(listed.map((l) => l.entries.map((e) => e.key))).toEqual([
        ['k0'],
        ['k1'],
        ['/k0', '0/k3', 'b/k1', 'k2'],
        ['k3'],
        ['k4', '\u{10FFFF}k5'],
        ['k5'],
      ]);
      expect(await stores[0]!.get('k1')).toBeUndefined();
      expect(await stores[1]!.get('k0')).toBeUndefined();
      // Writes are confined too: a lost race on one store's key says nothing about another's.
      expect(await stores[0]!.create('k1', enc('mine'))).toMatchObject({ ok: true });
      expect((await stores[1]!.get('k1'))!.value).toEqual(enc('ab/'));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Property: random command sequences give identical results on MemoryStore, EtcdStore and a Map-based reference,
// modulo the absolute revision (each is shifted by the store's revision before the run).

interface RefEntry {
  value: Uint8Array;
  create: bigint;
  mod: bigint;
  version: bigint;
}

/** The reference: a plain Map and a counter, revisions relative to the start (0), list sorted by Buffer.compare. */
class Reference {
  readonly m = new Map<string, RefEntry>();
  rev = 0n;
  entry(k: string) {
    const e = this.m.get(k);
    return e && { key: k, value: e.value, createRevision: e.create, modRevision: e.mod, version: e.version };
  }
  apply(conds: readonly Cond[], ops: readonly StoreOperation[]) {
    const ok = conds.every((c) => (c.rel === undefined ? !this.m.has(c.key) : this.m.get(c.key)?.mod === c.rel));
    if (!ok) return { ok: false, revision: this.rev, current: new Map(conds.map((c) => [c.key, this.entry(c.key)])) };
    const next = this.rev + 1n;
    let changed = false;
    for (const o of ops) {
      const old = this.m.get(o.key);
      if (o.op === 'put') {
        this.m.set(o.key, { value: o.value, create: old?.create ?? next, mod: next, version: (old?.version ?? 0n) + 1n });
        changed = true;
      } else if (old) {
        this.m.delete(o.key);
        changed = true;
      }
    }
    if (changed) this.rev = next;
    return { ok: true, revision: this.rev };
  }
  list(prefix: string, after: string | undefined, limit: number | undefined) {
    const keys = [...this.m.keys()]
      .filter((k) => k.startsWith(prefix) && (after === undefined || Buffer.compare(Buffer.from(k), Buffer.from(after)) > 0))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const page = limit === undefined ? keys : keys.slice(0, limit);
    return { entries: page.map((k) => this.entry(k)!), revision: this.rev, more: page.length < keys.length };
  }
}

/** A condition with a revision relative to the run's start; `rel: undefined` is "absent". */
interface Cond {
  readonly key: string;
  readonly rel: bigint | undefined;
}

type Cmd =
  | { readonly t: 'get'; readonly key: string }
  | { readonly t: 'list'; readonly prefix: string; readonly after: string | undefined; readonly limit: number | undefined }
  | { readonly t: 'create'; readonly key: string; readonly value: Uint8Array }
  | { readonly t: 'update'; readonly key: string; readonly value: Uint8Array; readonly rev: RevPick }
  | { readonly t: 'delete'; readonly key: string; readonly rev: RevPick }
  | { readonly t: 'txn'; readonly conds: readonly { key: string; rev: RevPick | 'absent' }[]; readonly ops: readonly StoreOperation[] };

/** How a command picks a mod revision: the key's current one (per the reference), or a fixed relative one. */
type RevPick = { readonly current: true } | { readonly rel: number };

const KEYS = ['a', 'a/b', 'a/c', 'b', 'é', '\u{1F600}'];
const keyArb = fc.constantFrom(...KEYS);
const valueArb = fc.uint8Array({ maxLength: 6 });
const revArb: fc.Arbitrary<RevPick> = fc.oneof({ weight: 3, arbitrary: fc.constant({ current: true as const }) }, fc.record({ rel: fc.integer({ min: 1, max: 12 }) }));
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ t: fc.constant('get' as const), key: keyArb }),
  fc.record({
    t: fc.constant('list' as const),
    prefix: fc.constantFrom('', 'a', 'a/', 'b', 'é'),
    after: fc.option(keyArb, { nil: undefined }),
    limit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  }),
  fc.record({ t: fc.constant('create' as const), key: keyArb, value: valueArb }),
  fc.record({ t: fc.constant('update' as const), key: keyArb, value: valueArb, rev: revArb }),
  fc.record({ t: fc.constant('delete' as const), key: keyArb, rev: revArb }),
  fc.record({
    t: fc.constant('txn' as const),
    conds: fc.array(fc.record({ key: keyArb, rev: fc.oneof(revArb, fc.constant('absent' as const)) }), { maxLength: 3 }),
    ops: fc.uniqueArray(
      fc.oneof(
        fc.record({ op: fc.constant('put' as const), key: keyArb, value: valueArb }),
        fc.record({ op: fc.constant('delete' as const), key: keyArb }),
      ),
      { maxLength: 3, selector: (o) => o.key },
    ),
  }),
);

/** Resolves a revision pick to a relative revision with the reference's state (0 for an absent key's current). */
function pick(ref: Reference, key: string, p: RevPick): bigint {
  return 'current' in p ? (ref.m.get(key)?.mod ?? BigInt(1)) : BigInt(p.rel);
}

/** Shifts every revision in a result by -base, and values to plain arrays, so results of different stores compare. */
function norm(x: unknown, base: bigint): unknown {
  if (typeof x === 'bigint') return x;
  if (x instanceof Uint8Array) return [...x];
  if (x instanceof Map) return [...x.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, norm(v, base)]);
  if (Array.isArray(x)) return x.map((v) => norm(v, base));
  if (x !== null && typeof x === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) {
      o[k] = /revision$/i.test(k) && typeof v === 'bigint' ? v - base : norm(v, base);
    }
    return o;
  }
  return x;
}

async function run(s: Store, base: bigint, ref: Reference, c: Cmd): Promise<unknown> {
  // Relative revisions in commands become absolute for the store (the reference is at base 0).
  const abs = (rel: bigint) => rel + base;
  switch (c.t) {
    case 'get':
      return s.get(c.key);
    case 'list':
      return s.list(c.prefix, { ...(c.after === undefined ? {} : { after: c.after }), ...(c.limit === undefined ? {} : { limit: c.limit }) });
    case 'create':
      return s.create(c.key, c.value);
    case 'update':
      return s.update(c.key, c.value, abs(pick(ref, c.key, c.rev)));
    case 'delete':
      return s.delete(c.key, abs(pick(ref, c.key, c.rev)));
    case 'txn':
      return s.txn(
        c.conds.map((x) => (x.rev === 'absent' ? { key: x.key, absent: true as const } : { key: x.key, modRevision: abs(pick(ref, x.key, x.rev)) })),
        c.ops,
      );
  }
}

function runRef(ref: Reference, c: Cmd): unknown {
  const write = (conds: Cond[], op: StoreOperation, key: string) => {
    const r = ref.apply(conds, [op]);
    return r.ok ? { ok: true, revision: r.revision } : { ok: false, current: (r as { current: Map<string, unknown> }).current.get(key) };
  };
  switch (c.t) {
    case 'get':
      return ref.entry(c.key);
    case 'list':
      return ref.list(c.prefix, c.after, c.limit);
    case 'create':
      return write([{ key: c.key, rel: undefined }], { op: 'put', key: c.key, value: c.value }, c.key);
    case 'update':
      return write([{ key: c.key, rel: pick(ref, c.key, c.rev) }], { op: 'put', key: c.key, value: c.value }, c.key);
    case 'delete':
      return write([{ key: c.key, rel: pick(ref, c.key, c.rev) }], { op: 'delete', key: c.key }, c.key);
    case 'txn':
      return ref.apply(
        c.conds.map((x) => ({ key: x.key, rel: x.rev === 'absent' ? undefined : pick(ref, x.key, x.rev) })),
        c.ops,
      );
  }
}

/** Runs of the property; CLUSTER_PROPERTY_RUNS (shared with the pool's properties) raises it for long CI runs. */
const RUNS = Number(process.env['CLUSTER_PROPERTY_RUNS'] ?? 30);

describe('Store property: MemoryStore, EtcdStore and a Map reference agree', () => {
  it('on random command sequences, modulo the absolute revision', async () => {
    const { endpoints } = await etcd();
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { minLength: 1, maxLength: 25 }), async (cmds) => {
        const mem = new MemoryStore();
        const ets = new EtcdStore({ endpoints, prefix: freshPrefix('prop') });
        const etcdBase = (await ets.list('')).revision;
        const ref = new Reference();
        try {
          for (const [i, c] of cmds.entries()) {
            // Picks read the reference before it applies the command, as the stores see it.
            const m = norm(await run(mem, 1n, ref, c), 1n);
            const e = norm(await run(ets, etcdBase, ref, c), etcdBase);
            const r = norm(runRef(ref, c), 0n);
            expect({ i, c: c.t, result: m }).toEqual({ i, c: c.t, result: r });
            expect({ i, c: c.t, result: e }).toEqual({ i, c: c.t, result: r });
          }
          const all = norm(await mem.list(''), 1n);
          expect(norm(await ets.list(''), etcdBase)).toEqual(all);
        } finally {
          await Promise.all([mem.close(), ets.close()]);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
