// EtcdStore against real etcd when things go wrong: dead endpoints, lost replies, paused and killed members.
// (Its everyday semantics are in store-conformance.test.ts, shared with MemoryStore.)
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EtcdCluster, freePort, startEtcd } from '../test/etcd.js';
import { ClusterError, EtcdStore } from './index.js';

const enc = (s: string) => new TextEncoder().encode(s);
const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64');

async function failure(p: Promise<unknown>): Promise<ClusterError> {
  try {
    await p;
  } catch (e) {
    if (ClusterError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected a ClusterError, but the call succeeded');
}

/** A closed port: nothing listens there, so connections are refused. */
async function deadEndpoint(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

/**
 * A TCP proxy in front of an etcd member that forwards every request but throws the replies away: the write is
 * applied, its reply never comes.
 */
async function replyDroppingProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', () => {}); // the reply is lost
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

async function rawRange(endpoint: string, key: string): Promise<{ kvs?: { key: string; value?: string; create_revision: string; version: string }[] }> {
  const res = await fetch(`${endpoint}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64(key) }) });
  return (await res.json()) as never;
}

describe('EtcdStore on one member', () => {
  let etcd: EtcdCluster;
  let endpoint: string;
  let n = 0;
  const prefix = () => `/etcd-store-test/${process.pid}/${++n}/`;
  beforeAll(async () => {
    etcd = await startEtcd();
    endpoint = etcd.endpoints[0]!;
  });
  afterAll(async () => {
    await etcd?.stop();
  });

  it('writes bytes that etcd’s own API reads back, and reads what etcd’s API wrote', async () => {
    const p = prefix();
    const store = new EtcdStore({ endpoints: [endpoint], prefix: p });
    const value = Uint8Array.from([0, 0xff, 0xfe, 0x80, 0x0a, 0xc3]);
    const w = await store.create('blocks/10.0.0.0-26', value);
    expect(w.ok).toBe(true);
    const raw = await rawRange(endpoint, `${p}blocks/10.0.0.0-26`);
    expect(raw.kvs).toHaveLength(1);
    expect(Buffer.from(raw.kvs![0]!.value!, 'base64')).toEqual(Buffer.from(value));
    expect(BigInt(raw.kvs![0]!.create_revision)).toBe(w.ok ? w.revision : -1n);
    await fetch(`${endpoint}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64(`${p}from-etcd`), value: b64('hé') }) });
    expect(await store.get('from-etcd')).toMatchObject({ key: 'from-etcd', value: enc('hé'), version: 1n });
    await store.close();
  });

  it('fails over to the next endpoint when the first refuses connections, for reads and writes', async () => {
    const dead = await deadEndpoint();
    const store = new EtcdStore({ endpoints: [dead, endpoint], prefix: prefix() });
    expect(store.endpoints).toEqual([dead, endpoint]);
    expect(await store.create('k', enc('v'))).toMatchObject({ ok: true });
    expect((await store.get('k'))!.value).toEqual(enc('v'));
    expect((await store.list('')).entries).toHaveLength(1);
    await store.close();
  });

  it('throws ERR_STORE_UNAVAILABLE naming every endpoint and the key when none answers', async () => {
    const [a, b] = [await deadEndpoint(), await deadEndpoint()];
    const store = new EtcdStore({ endpoints: [a, b], prefix: '/ipam/' });
    const e = await failure(store.create('pools/pods', enc('{}')));
    expect(e.code).toBe('ERR_STORE_UNAVAILABLE');
    expect(e.key).toBe('pools/pods');
    expect(e.message).toContain('EtcdStore.create("/ipam/pools/pods")');
    expect(e.message).toContain(`${a}: connection failed (ECONNREFUSED)`);
    expect(e.message).toContain(`${b}: connection failed (ECONNREFUSED)`);
    expect((await failure(store.get('x'))).code).toBe('ERR_STORE_UNAVAILABLE');
    await store.close();
  });

  it('throws ERR_STORE_OUTCOME_UNKNOWN when a write’s reply never comes, and does not send it again', async () => {
    const proxy = await replyDroppingProxy(endpoint);
    const p = prefix();
    try {
      const store = new EtcdStore({ endpoints: [proxy.url, endpoint], prefix: p, timeoutMs: 400 });
      const e = await failure(store.create('k', enc('once')));
      expect(e.code).toBe('ERR_STORE_OUTCOME_UNKNOWN');
      expect(e.key).toBe('k');
      expect(e.message).toContain(`at ${proxy.url}: no reply within 400 ms`);
      // The write reached etcd once, and was not retried on the second endpoint.
      const direct = new EtcdStore({ endpoints: [endpoint], prefix: p });
      expect(await direct.get('k')).toMatchObject({ value: enc('once'), version: 1n });
      // The store now starts with the endpoint after the one that failed; reads through the proxy fail over.
      const reader = new EtcdStore({ endpoints: [proxy.url, endpoint], prefix: p, timeoutMs: 400 });
      expect((await reader.get('k'))!.value).toEqual(enc('once'));
      await Promise.all([store.close(), direct.close(), reader.close()]);
    } finally {
      await proxy.close();
    }
  });

  it('a paused member: writes end in ERR_STORE_OUTCOME_UNKNOWN, reads in ERR_STORE_UNAVAILABLE, after the timeout', async () => {
    const store = new EtcdStore({ endpoints: [endpoint], prefix: prefix(), timeoutMs: 300 });
    etcd.pause(0);
    try {
      const w = await failure(store.update('k', enc('v'), 7n));
      const r = await failure(store.get('k'));
      expect([w.code, r.code]).toEqual(['ERR_STORE_OUTCOME_UNKNOWN', 'ERR_STORE_UNAVAILABLE']);
      expect(r.message).toContain(`${endpoint}: no reply within 300 ms`);
    } finally {
      etcd.resume(0);
    }
    expect(await store.get('k')).toBeUndefined();
    await store.close();
  });

  it('close aborts requests in flight: reads end unavailable, writes with an unknown outcome', async () => {
    const store = new EtcdStore({ endpoints: [endpoint], prefix: prefix() });
    etcd.pause(0);
    try {
      const read = failure(store.get('k'));
      const write = failure(store.create('k', enc('v')));
      await new Promise((r) => setTimeout(r, 100));
      await store.close();
      const [r, w] = [await read, await write];
      // Codes with messages, so that a failure says what happened.
      expect([`${r.code}: ${r.message}`, `${w.code}: ${w.message}`]).toEqual([
        expect.stringMatching(/^ERR_STORE_UNAVAILABLE: .*the store was closed during the request/),
        expect.stringMatching(/^ERR_STORE_OUTCOME_UNKNOWN: .*the store was closed during the request/),
      ]);
    } finally {
      etcd.resume(0);
    }
  });

  it('reports etcd’s own rejections as ERR_STORE_REJECTED with its message, the endpoint and the key', async () => {
    const store = new EtcdStore({ endpoints: [endpoint], prefix: prefix() });
    // Over etcd's --max-request-bytes (1.5 MiB): etcd refuses the request.
    const e = await failure(store.create('huge', new Uint8Array(1600 * 1024)));
    expect(e.code).toBe('ERR_STORE_REJECTED');
    expect(e.key).toBe('huge');
    expect(e.message).toContain(`EtcdStore.create("${store.prefix}huge") at ${endpoint}: etcdserver: request is too large (gRPC code 3)`);
    // Over gRPC's message limit (2 MiB): the gateway refuses it before etcd sees it.
    const g = await failure(store.create('huger', new Uint8Array(2 * 1024 * 1024)));
    expect([g.code, g.key]).toEqual(['ERR_STORE_REJECTED', 'huger']);
    expect(g.message).toContain('grpc: received message larger than max');
    expect(await store.get('huge')).toBeUndefined();
    await store.close();
  });

  it('reports a key under the prefix that is not UTF-8 (another writer’s) as ERR_CLUSTER_POOL_CORRUPT', async () => {
    const p = prefix();
    const store = new EtcdStore({ endpoints: [endpoint], prefix: p });
    await store.create('good', enc('v'));
    const bad = Buffer.concat([Buffer.from(p), Buffer.from([0x66, 0xff, 0x66])]);
    await fetch(`${endpoint}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: bad.toString('base64'), value: '' }) });
    const e = await failure(store.list(''));
    expect(e.code).toBe('ERR_CLUSTER_POOL_CORRUPT');
    expect(e.message).toContain(`EtcdStore.list("${p}") at ${endpoint}: etcd key 0x${bad.toString('hex')}`);
    expect((await store.get('good'))!.value).toEqual(enc('v'));
    await store.close();
  });

  it('tells an HTTP server that is not etcd from an etcd that is down', async () => {
    // 404: not an etcd 3.4+ gateway; 200 without a header: not an etcd answer; 503 without a body: the server is down.
    const answers: Record<string, [number, string]> = {
      '/notfound/v3/kv/range': [404, 'Not Found'],
      '/garbage/v3/kv/range': [200, '{"kvs":[]}'],
      '/down/v3/kv/txn': [503, 'Service Unavailable'],
      '/down/v3/kv/range': [503, 'Service Unavailable'],
    };
    const server = createHttpServer((req, res) => {
      const [status, body] = answers[req.url ?? ''] ?? [500, 'unexpected'];
      req.resume().on('end', () => res.writeHead(status).end(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const notEtcd = new EtcdStore({ endpoints: [`${base}/notfound`], prefix: '/' });
      const e1 = await failure(notEtcd.get('k'));
      expect([e1.code, e1.message]).toEqual(['ERR_STORE_REJECTED', expect.stringContaining('is this etcd 3.4 or later')]);
      const garbage = new EtcdStore({ endpoints: [`${base}/garbage`], prefix: '/' });
      const e2 = await failure(garbage.get('k'));
      expect([e2.code, e2.message]).toEqual(['ERR_STORE_REJECTED', expect.stringContaining(`at ${base}/garbage: unexpected etcd answer: no header.revision`)]);
      const down = new EtcdStore({ endpoints: [`${base}/down`, endpoint], prefix: prefix() });
      expect((await failure(down.create('k', enc('v')))).code).toBe('ERR_STORE_OUTCOME_UNKNOWN');
      expect(await down.get('k')).toBeUndefined(); // the read went on to the real etcd
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('rejects bad options with ERR_STORE_INVALID_ARGUMENT', () => {
    const bad = (o: unknown) => expect(() => new EtcdStore(o as never)).toThrow(ClusterError);
    bad({ endpoints: [], prefix: '/' });
    bad({ endpoints: ['127.0.0.1:2379'], prefix: '/' });
    bad({ endpoints: ['ftp://127.0.0.1:2379'], prefix: '/' });
    bad({ endpoints: ['http://127.0.0.1:2379?x=1'], prefix: '/' });
    bad({ endpoints: ['http://127.0.0.1:2379'] });
    bad({ endpoints: ['http://127.0.0.1:2379'], prefix: '\uD800' });
    bad({ endpoints: ['http://127.0.0.1:2379'], prefix: '/', timeoutMs: 0 });
    expect(() => new EtcdStore({ endpoints: ['http://127.0.0.1:2379'], prefix: '/', timeoutMs: -1 })).toThrow(/timeoutMs -1 is not a positive number/);
    expect(new EtcdStore({ endpoints: ['http://127.0.0.1:2379/'], prefix: '/ipam/' }).endpoints).toEqual(['http://127.0.0.1:2379']);
  });
});

describe('EtcdStore on three members', () => {
  let etcd: EtcdCluster;
  beforeAll(async () => {
    etcd = await startEtcd({ members: 3 });
  });
  afterAll(async () => {
    await etcd?.stop();
  });

  it('resumes writes on the other members when the leader is killed mid-sequence', async () => {
    const leader = await etcd.leader();
    // The leader first, so the store is talking to it when it dies.
    const order = [leader, ...[0, 1, 2].filter((i) => i !== leader)].map((i) => etcd.endpoints[i]!);
    const store = new EtcdStore({ endpoints: order, prefix: '/three/', timeoutMs: 2000 });
    const outcomes: string[] = [];
    const deadline = Date.now() + 60_000;
    for (let i = 0; i < 40; i++) {
      if (i === 15) await etcd.kill(leader);
      const key = `k${i}`;
      const value = enc(`v${i}`);
      // A caller's loop: retry unavailable writes; after an unknown outcome, read before deciding.
      for (;;) {
        try {
          const w = await store.create(key, value);
          outcomes.push(w.ok ? 'ok' : 'exists');
          break;
        } catch (e) {
          if (!ClusterError.isInstance(e) || Date.now() > deadline) throw e;
          outcomes.push(e.code);
          if (e.code === 'ERR_STORE_OUTCOME_UNKNOWN') {
            const seen = await store.get(key).catch(() => undefined);
            if (seen !== undefined) {
              expect(seen.value).toEqual(value);
              break;
            }
          } else if (e.code !== 'ERR_STORE_UNAVAILABLE') throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
    const page = await store.list('');
    expect(page.entries.map((e) => e.key).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `k${i}`).sort());
    expect(page.entries.every((e) => e.version === 1n && new TextDecoder().decode(e.value) === `v${e.key.slice(1)}`)).toBe(true);
    expect(outcomes.filter((o) => o === 'exists')).toEqual([]);
    const newLeader = await etcd.leader();
    expect(newLeader).not.toBe(leader);
    // The killed member comes back and catches up.
    await etcd.restart(leader);
    const back = new EtcdStore({ endpoints: [etcd.endpoints[leader]!], prefix: '/three/' });
    expect((await back.list('')).entries).toHaveLength(40);
    await Promise.all([store.close(), back.close()]);
  });

  it('without a quorum, writes fail fast with ERR_STORE_UNAVAILABLE ("no leader"), not with an unknown outcome', async () => {
    const leader = await etcd.leader();
    const others = [0, 1, 2].filter((i) => i !== leader);
    // Kill the leader and one follower: the survivor cannot elect a leader.
    await etcd.kill(leader);
    await etcd.kill(others[0]!);
    const survivor = etcd.endpoints[others[1]!]!;
    const store = new EtcdStore({ endpoints: [survivor], prefix: '/three/', timeoutMs: 3000 });
    try {
      // Once the survivor's election timeout has passed, it knows it has no leader.
      await new Promise((r) => setTimeout(r, 2500));
      const e = await failure(store.create('noquorum', enc('v')));
      expect(e.code).toBe('ERR_STORE_UNAVAILABLE');
      expect(e.message).toContain(`${survivor}: etcdserver: no leader`);
    } finally {
      await store.close();
      await Promise.all([etcd.restart(leader), etcd.restart(others[0]!)]);
    }
    const check = new EtcdStore({ endpoints: etcd.endpoints, prefix: '/three/' });
    expect(await check.get('noquorum')).toBeUndefined();
    await check.close();
  });
});
