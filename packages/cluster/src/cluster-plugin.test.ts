/**
 * The `ipam-cluster` executable as a runtime runs it: the built dist/bin/ipam-cluster.cjs (test/global-setup.ts builds
 * it) spawned with the CNI environment and the configuration on stdin, against a real etcd from test/etcd.ts (the
 * suite fails when etcd cannot be started). What it writes is read back with ClusterPool.list().
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CniConfigError, runPlugin } from '@ipam/cni';
import { Addr, Prefix } from '@ipam/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EtcdCluster, freePort, startEtcd } from '../test/etcd.js';
import { CLUSTER_PLUGIN_ERROR_CODES, CLUSTER_PLUGIN_SPEC_VERSIONS, ClusterPool, clusterAttributes, clusterOwner, clusterPlugin, EtcdStore, MemoryStore, parseClusterIpamConfig, type Store } from './index.js';

const BIN = fileURLToPath(new URL('../dist/bin/ipam-cluster.cjs', import.meta.url));

let etcd: EtcdCluster;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

interface Call {
  readonly cmd: string;
  readonly config: unknown;
  readonly id?: string;
  readonly ifname?: string;
  readonly args?: string;
  readonly node?: string;
  readonly env?: Record<string, string>;
}

interface Outcome {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

/** run spawns the executable once, as a runtime does, and parses what it prints. */
function run(c: Call): Promise<Outcome> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    CNI_COMMAND: c.cmd,
    CNI_CONTAINERID: c.id ?? 'ctr-1',
    CNI_NETNS: '/var/run/netns/test',
    CNI_IFNAME: c.ifname ?? 'eth0',
    CNI_ARGS: c.args ?? '',
    CNI_PATH: '/opt/cni/bin',
    NODE_NAME: c.node ?? 'node-a',
    ...c.env,
  };
  const stdin = typeof c.config === 'string' ? c.config : JSON.stringify(c.config);
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN], { env, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      const status = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      let json: unknown;
      try {
        json = stdout === '' ? undefined : JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ status, stdout, stderr, json });
    });
    child.stdin!.end(stdin);
  });
}

/** A network configuration (bridge with ipam-cluster) for pool `pool`. */
function net(ipam: Record<string, unknown>, cniVersion = '1.0.0'): Record<string, unknown> {
  return { cniVersion, name: 'podnet', type: 'bridge', ipam: { type: 'ipam-cluster', etcd: { endpoints: etcd.endpoints, prefix: '/plugin-test/' }, ...ipam } };
}

async function allocations(pool: string, cidrs: string[], blockSize: number) {
  const store = new EtcdStore({ endpoints: etcd.endpoints, prefix: '/plugin-test/' });
  try {
    const p = await ClusterPool.open({ store, name: pool, cidrs, blockSize, node: 'test-reader' });
    return (await p.list()).map((a) => ({ addr: a.addr.toString(), owner: a.owner, node: a.node, ...(a.attributes === undefined ? {} : { attributes: a.attributes }) }));
  } finally {
    await store.close();
  }
}

describe('ipam-cluster executable', () => {
  it('answers VERSION with its spec versions', async () => {
    const r = await run({ cmd: 'VERSION', config: '' });
    expect(r.status).toBe(0);
    expect(r.json).toEqual({ cniVersion: '1.1.0', supportedVersions: [...CLUSTER_PLUGIN_SPEC_VERSIONS] });
  });

  it('prints its about text without CNI_COMMAND', async () => {
    const r = await run({ cmd: '', config: '' });
    expect([r.status, r.stdout]).toEqual([0, '']);
    expect(r.stderr).toContain('ipam-cluster');
  });

  it('ADDs idempotently, CHECKs, and DELs by owner (also when nothing is held)', async () => {
    const config = net({ pool: 'basic', subnet: '10.250.0.0/20', blockSize: 20, gateway: '10.250.0.1', routes: [{ dst: '0.0.0.0/0' }], dns: { nameservers: ['10.96.0.10'] } });
    const add = await run({ cmd: 'ADD', config, id: 'c1' });
    expect(add.status).toBe(0);
    // 10.250.0.0 is reserved (reserveEnds) and 10.250.0.1 is the gateway: never a container's.
    expect(add.json).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.250.0.2/20', gateway: '10.250.0.1' }], routes: [{ dst: '0.0.0.0/0' }], dns: { nameservers: ['10.96.0.10'] } });
    expect(await run({ cmd: 'ADD', config, id: 'c1' })).toMatchObject({ status: 0, json: add.json });
    const second = await run({ cmd: 'ADD', config, id: 'c2' });
    expect(second.json.ips).toEqual([{ address: '10.250.0.3/20', gateway: '10.250.0.1' }]);
    expect(await allocations('basic-v4', ['10.250.0.0/20'], 20)).toEqual([
      { addr: '10.250.0.1', owner: '<gateway 10.250.0.1>', node: 'node-a' },
      { addr: '10.250.0.2', owner: 'c1/eth0', node: 'node-a' },
      { addr: '10.250.0.3', owner: 'c2/eth0', node: 'node-a' },
    ]);

    expect(await run({ cmd: 'CHECK', config, id: 'c1' })).toMatchObject({ status: 0, stdout: '' });
    const withPrev = { ...config, prevResult: { cniVersion: '1.0.0', ips: [{ address: '10.250.0.9/20' }] } };
    expect((await run({ cmd: 'CHECK', config: withPrev, id: 'c1' })).json).toMatchObject({ code: CLUSTER_PLUGIN_ERROR_CODES.NOT_ALLOCATED, msg: '10.250.0.2 of c1/eth0 is not in prevResult' });

    expect(await run({ cmd: 'DEL', config, id: 'c1' })).toMatchObject({ status: 0, stdout: '' });
    const check = await run({ cmd: 'CHECK', config, id: 'c1' });
    expect([check.status, check.json]).toEqual([1, { code: 102, msg: 'no IPv4 address for c1/eth0', details: 'pool basic-v4 holds nothing for owner "c1/eth0"' }]);
    expect(await run({ cmd: 'DEL', config, id: 'c1' })).toMatchObject({ status: 0, stdout: '' });
    expect(await run({ cmd: 'DEL', config, id: 'never-added', ifname: 'net1' })).toMatchObject({ status: 0, stdout: '' });
    // The freed address is the lowest free one again.
    expect((await run({ cmd: 'ADD', config, id: 'c3' })).json.ips[0].address).toBe('10.250.0.2/20');
  });

  it('keys the owner by container id, so a late DEL of an old sandbox leaves the new sandbox its address', async () => {
    const config = net({ pool: 'pods', subnet: '10.252.0.0/24', blockSize: 24 });
    const args = 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=abc';
    const a = await run({ cmd: 'ADD', config, id: 'sandbox-a', args });
    expect(a.json.ips).toEqual([{ address: '10.252.0.1/24' }]);
    // The pod's next sandbox is ADDed before the old one's DEL arrives (a runtime that retries a stuck teardown).
    const b = await run({ cmd: 'ADD', config, id: 'sandbox-b', args });
    expect(b.json.ips).toEqual([{ address: '10.252.0.2/24' }]);
    expect(await allocations('pods-v4', ['10.252.0.0/24'], 24)).toEqual([
      { addr: '10.252.0.1', owner: 'sandbox-a/eth0', node: 'node-a', attributes: { namespace: 'default', pod: 'web-0' } },
      { addr: '10.252.0.2', owner: 'sandbox-b/eth0', node: 'node-a', attributes: { namespace: 'default', pod: 'web-0' } },
    ]);
    expect(await run({ cmd: 'DEL', config, id: 'sandbox-a', args })).toMatchObject({ status: 0, stdout: '' });
    expect(await allocations('pods-v4', ['10.252.0.0/24'], 24)).toEqual([
      { addr: '10.252.0.2', owner: 'sandbox-b/eth0', node: 'node-a', attributes: { namespace: 'default', pod: 'web-0' } },
    ]);
    expect(await run({ cmd: 'CHECK', config: { ...config, prevResult: { cniVersion: '1.0.0', ips: b.json.ips } }, id: 'sandbox-b', args })).toMatchObject({ status: 0 });
    // The old sandbox is gone: CHECK by its key fails, a repeated DEL of it succeeds and frees nothing.
    expect((await run({ cmd: 'CHECK', config, id: 'sandbox-a', args })).json).toMatchObject({ code: CLUSTER_PLUGIN_ERROR_CODES.NOT_ALLOCATED });
    expect(await run({ cmd: 'DEL', config, id: 'sandbox-a', args })).toMatchObject({ status: 0, stdout: '' });
    expect((await allocations('pods-v4', ['10.252.0.0/24'], 24)).map((x) => x.addr)).toEqual(['10.252.0.2']);
    expect(await run({ cmd: 'DEL', config, id: 'sandbox-b', args })).toMatchObject({ status: 0 });
    expect(await allocations('pods-v4', ['10.252.0.0/24'], 24)).toEqual([]);
  });

  it('names owners by container id and interface, and the pod in attributes', () => {
    expect(clusterOwner('sandbox-1', 'eth0')).toBe('sandbox-1/eth0');
    expect(clusterOwner('sandbox-1', 'net1')).toBe('sandbox-1/net1');
    expect(clusterAttributes('IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0')).toEqual({ namespace: 'default', pod: 'web-0' });
    expect(clusterAttributes('K8S_POD_NAME=web-0')).toEqual({ pod: 'web-0' });
    expect(clusterAttributes('')).toBeUndefined();
    expect(clusterAttributes('K8S_POD_NAME=\u0001')).toBeUndefined();
  });

  it('prints the result in the format of the configuration version', async () => {
    const ipam = { pool: 'versions', subnet: '10.253.0.0/24', blockSize: 24, gateway: '10.253.0.254' };
    expect((await run({ cmd: 'ADD', config: net(ipam, '0.3.1'), id: 'v031' })).json).toEqual({
      cniVersion: '0.3.1',
      ips: [{ version: '4', address: '10.253.0.1/24', gateway: '10.253.0.254' }],
      dns: {},
    });
    expect((await run({ cmd: 'ADD', config: net(ipam, '0.2.0'), id: 'v020' })).json).toEqual({ cniVersion: '0.2.0', ip4: { ip: '10.253.0.2/24', gateway: '10.253.0.254' }, dns: {} });
    expect((await run({ cmd: 'ADD', config: net(ipam, '1.1.0'), id: 'v110' })).json).toEqual({ cniVersion: '1.1.0', ips: [{ address: '10.253.0.3/24', gateway: '10.253.0.254' }], dns: {} });
    expect((await run({ cmd: 'ADD', config: net(ipam, '1.2.0'), id: 'v120' })).json).toMatchObject({ code: 1, msg: 'incompatible CNI versions' });
  });

  it('gives one address per family in a dual-stack configuration', async () => {
    const config = net({
      pool: 'dual',
      ranges: [{ subnet: '10.254.0.0/24' }, { subnet: 'fd00:254::/120', gateway: 'fd00:254::1' }],
      blockSize: { ipv4: 24, ipv6: 120 },
    });
    const a = await run({ cmd: 'ADD', config, id: 'd1' });
    expect(a.json.ips).toEqual([{ address: '10.254.0.1/24' }, { address: 'fd00:254::2/120', gateway: 'fd00:254::1' }]);
    expect((await run({ cmd: 'ADD', config, id: 'd1' })).json).toEqual(a.json);
    expect(await allocations('dual-v6', ['fd00:254::/120'], 120)).toEqual([
      { addr: 'fd00:254::1', owner: '<gateway fd00:254::1>', node: 'node-a' },
      { addr: 'fd00:254::2', owner: 'd1/eth0', node: 'node-a' },
    ]);
    expect(await run({ cmd: 'DEL', config, id: 'd1' })).toMatchObject({ status: 0 });
    expect(await allocations('dual-v4', ['10.254.0.0/24'], 24)).toEqual([]);
    expect(await allocations('dual-v6', ['fd00:254::/120'], 120)).toEqual([{ addr: 'fd00:254::1', owner: '<gateway fd00:254::1>', node: 'node-a' }]);
  });

  it('reports exhaustion as code 100, and a failed family gives back the others', async () => {
    // A /29 keeps .0 and .7 out of allocation: six addresses.
    const config = net({ pool: 'tiny', subnet: '10.249.0.0/29', blockSize: 29 });
    for (let i = 1; i <= 6; i++) expect((await run({ cmd: 'ADD', config, id: `t${i}` })).json.ips[0].address).toBe(`10.249.0.${i}/29`);
    const full = await run({ cmd: 'ADD', config, id: 't7' });
    expect(full.status).toBe(1);
    expect(full.json).toMatchObject({ code: CLUSTER_PLUGIN_ERROR_CODES.POOL_EXHAUSTED, msg: 'no free address in the pool' });
    expect(full.json.details).toContain('tiny-v4');

    // IPv4 has room, IPv6 is full (a /126 of IPv6 reserves only its first address: three).
    const dual = net({ pool: 'halffull', ranges: [{ subnet: '10.248.0.0/24' }, { subnet: 'fd00:248::/126' }], blockSize: { ipv4: 24, ipv6: 126 } });
    for (let i = 1; i <= 3; i++) expect((await run({ cmd: 'ADD', config: dual, id: `h${i}` })).status).toBe(0);
    expect((await run({ cmd: 'ADD', config: dual, id: 'h4' })).json).toMatchObject({ code: 100 });
    expect((await allocations('halffull-v4', ['10.248.0.0/24'], 24)).map((a) => a.owner)).toEqual(['h1/eth0', 'h2/eth0', 'h3/eth0']);
  });

  it.each([
    [{ etcd: undefined }, 'ipam.etcd: needs "etcd": { "endpoints": ["http://127.0.0.1:2379"] }'],
    [{ etcd: { endpoints: ['127.0.0.1:2379'] } }, 'ipam.etcd.endpoints[0]: "127.0.0.1:2379" is not an http:// or https:// URL'],
    [{ etcd: { endpoints: ['http://127.0.0.1:2379'], timeoutMs: 0 } }, 'ipam.etcd.timeoutMs: 0 is not a positive number of milliseconds'],
    [{ pool: 'Pods' }, 'ipam.pool: "Pods" is not a pool name (lower case letters, digits and "-", 1 to 60 characters)'],
    [{ pool: undefined }, 'ipam.pool: needs the pool name, such as "pods"'],
    [{ subnet: '10.0.0.0/33' }, 'ipam.subnet: invalid CIDR address: "10.0.0.0/33"'],
    [{ subnet: '10.0.0.1/16' }, 'ipam.subnet: 10.0.0.1/16 has host bits set (the network is 10.0.0.0/16)'],
    [{ subnet: 42 }, 'ipam.subnet: must be a string, not a number'],
    [{ subnet: undefined }, 'ipam: needs "subnet" or "ranges"'],
    [{ subnet: undefined, ranges: [] }, 'ipam.ranges: is empty'],
    [{ subnet: undefined, ranges: [{ subnet: '10.0.0.0/16' }, { subnet: '10.0.128.0/17' }] }, 'ipam.ranges[1].subnet: 10.0.128.0/17 overlaps 10.0.0.0/16 of ipam.ranges[0]'],
    [{ subnet: undefined, ranges: [{ subnet: '10.0.0.0/16', rangeStart: '10.0.0.5' }] }, 'ipam.ranges[0].rangeStart: unknown field (known: subnet, gateway)'],
    [{ subnet: undefined, ranges: [{ subnet: '10.0.0.0/16', gateway: '10.1.0.1' }] }, 'ipam.ranges[0].gateway: gateway 10.1.0.1 is not in subnet 10.0.0.0/16'],
    [{ subnet: undefined, ranges: [{ subnet: '10.0.0.0/16' }, { subnet: 'fd00::/64' }], blockSize: 26 }, 'ipam.blockSize: a dual-stack pool needs one block size per family: { "ipv4": 26, "ipv6": 122 }'],
    [{ blockSize: 8 }, 'ipam.blockSize: block size 8 must be an integer in 20…32 for IPv4 (at least every subnet\'s length, at most 4096 addresses per block)'],
    [{ blocksize: 24 }, 'ipam.blocksize: unknown field (known: type, etcd, pool, subnet, gateway, ranges, blockSize, routes, dns, node, timeoutMs)'],
    [{ timeoutMs: -1 }, 'ipam.timeoutMs: -1 is not a positive number of milliseconds (at most 2147483647)'],
    [{ routes: [{ dst: 'default' }] }, 'ipam.routes[0].dst: invalid CIDR address: "default"'],
    [{ node: '' }, 'ipam.node: node name "" from ipam.node is empty, longer than 1024 characters or has control characters'],
  ])('rejects a bad configuration with code 7 and the JSON path: %j', async (override, details) => {
    const ipam: Record<string, unknown> = { pool: 'bad', subnet: '10.0.0.0/16' };
    const config = net(ipam);
    Object.assign(config['ipam'] as object, override);
    for (const [k, v] of Object.entries(override)) if (v === undefined) delete (config['ipam'] as Record<string, unknown>)[k];
    const r = await run({ cmd: 'ADD', config });
    expect([r.status, r.json]).toEqual([1, { code: 7, msg: 'invalid ipam-cluster configuration', details }]);
  });

  it('rejects a configuration that disagrees with the pool stored in etcd', async () => {
    expect((await run({ cmd: 'ADD', config: net({ pool: 'fixed', subnet: '10.247.0.0/24', blockSize: 28 }) })).status).toBe(0);
    const r = await run({ cmd: 'ADD', config: net({ pool: 'fixed', subnet: '10.247.0.0/23', blockSize: 28 }), id: 'other' });
    expect(r.json).toMatchObject({ code: 7, msg: 'the configuration disagrees with the pool stored in etcd' });
    expect(r.json.details).toContain('fixed-v4');
  });

  it('answers code 11 (try again later) when etcd is down', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const config = { cniVersion: '1.0.0', name: 'podnet', type: 'bridge', ipam: { type: 'ipam-cluster', etcd: { endpoints: [down], timeoutMs: 500 }, pool: 'down', subnet: '10.246.0.0/24' } };
    for (const cmd of ['ADD', 'DEL']) {
      const r = await run({ cmd, config });
      expect([cmd, r.status, r.json?.code, r.json?.msg]).toEqual([cmd, 1, 11, 'etcd is unavailable']);
      expect(r.json.details).toContain(down);
    }
  });

  it('answers code 11 while etcd hangs, and ADD afterwards holds one address for the owner', async () => {
    const config = net({ pool: 'hang', subnet: '10.243.0.0/24', blockSize: 24 });
    (config['ipam'] as { etcd: Record<string, unknown> }).etcd['timeoutMs'] = 300;
    (config['ipam'] as Record<string, unknown>)['timeoutMs'] = 3000;
    expect((await run({ cmd: 'ADD', config, id: 'before' })).status).toBe(0);
    etcd.pause(0);
    let hung: Outcome;
    const t0 = Date.now();
    try {
      hung = await run({ cmd: 'ADD', config, id: 'during' });
    } finally {
      etcd.resume(0);
    }
    // Bounded by ipam.timeoutMs (plus Node's start-up on a loaded machine), whatever the retries inside would take.
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect([hung.status, hung.json?.code]).toEqual([1, 11]);
    const after = await run({ cmd: 'ADD', config, id: 'during' });
    expect(after.status).toBe(0);
    const stored = await allocations('hang-v4', ['10.243.0.0/24'], 24);
    expect(stored.filter((a) => a.owner === 'during/eth0').map((a) => `${a.addr}/24`)).toEqual([after.json.ips[0].address]);
  });

  it('holds nothing after DEL when a runtime repeats an ADD concurrently', async () => {
    const config = net({ pool: 'repeat', subnet: '10.242.0.0/24', blockSize: 28 });
    const adds = await Promise.all(Array.from({ length: 4 }, () => run({ cmd: 'ADD', config, id: 'same' })));
    for (const r of adds) expect(r.status).toBe(0);
    expect(await run({ cmd: 'DEL', config, id: 'same' })).toMatchObject({ status: 0, stdout: '' });
    expect(await allocations('repeat-v4', ['10.242.0.0/24'], 28)).toEqual([]);
  });

  it('never gives one address twice to plugin processes ADDing at once on two nodes', async () => {
    const PER_NODE = 8;
    const config = net({ pool: 'race', subnet: '10.245.0.0/24', blockSize: 28 });
    const calls = ['node-a', 'node-b'].flatMap((node) => Array.from({ length: PER_NODE }, (_, i) => ({ cmd: 'ADD', config, node, id: `${node}-c${i}` })));
    const results = await Promise.all(calls.map(run));
    for (const r of results) expect([r.status, r.stderr]).toEqual([0, '']);
    const addrs = results.map((r) => r.json.ips[0].address as string);
    expect(new Set(addrs).size).toBe(calls.length);
    const stored = await allocations('race-v4', ['10.245.0.0/24'], 28);
    expect(stored.map((a) => `${a.addr}/24 ${a.owner} ${a.node}`).sort()).toEqual(calls.map((c, i) => `${addrs[i]} ${c.id}/eth0 ${c.node}`).sort());
  });
});

describe('clusterPlugin in-process', () => {
  it('runs through runPlugin on a MemoryStore it leaves open', async () => {
    const store = new MemoryStore();
    const plugin = clusterPlugin({ store: () => store, env: { NODE_NAME: 'n1' } });
    const stdin = JSON.stringify({ cniVersion: '1.0.0', name: 'n', type: 'bridge', ipam: { type: 'ipam-cluster', etcd: { endpoints: ['http://unused:2379'] }, pool: 'mem', subnet: '10.9.0.0/24' } });
    const call = async (cmd: string, id: string): Promise<[number, string]> => {
      const out: string[] = [];
      const env = { CNI_COMMAND: cmd, CNI_CONTAINERID: id, CNI_NETNS: '/n', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin' };
      const status = await runPlugin(plugin, { env, stdin, stdout: (s) => out.push(s), exit: () => {} });
      return [status, out.join('')];
    };
    const [status, text] = await call('ADD', 'x');
    expect([status, JSON.parse(text)]).toEqual([0, { cniVersion: '1.0.0', ips: [{ address: '10.9.0.1/24' }], dns: {} }]);
    expect(await call('ADD', 'x')).toEqual([0, text]);
    expect(JSON.parse((await call('ADD', 'y'))[1]).ips).toEqual([{ address: '10.9.0.2/24' }]);
    expect(await call('DEL', 'x')).toEqual([0, '']);
    expect(JSON.parse((await call('CHECK', 'x'))[1])).toMatchObject({ code: 102 });
    expect(await call('CHECK', 'y')).toEqual([0, '']);
  });
});

describe('clusterPlugin GC and STATUS (CNI 1.1)', () => {
  const conf = (extra: Record<string, unknown> = {}, cniVersion = '1.1.0'): string =>
    JSON.stringify({
      cniVersion,
      name: 'n',
      type: 'bridge',
      ipam: { type: 'ipam-cluster', etcd: { endpoints: ['http://unused:2379'] }, pool: 'gc', subnet: '10.8.0.0/24', gateway: '10.8.0.1', blockSize: 28 },
      ...extra,
    });
  async function call(store: Store, cmd: string, node: string, stdin: string, id = '', ifname = ''): Promise<[number, any]> {
    const out: string[] = [];
    const plugin = clusterPlugin({ store: () => store, env: { NODE_NAME: node } });
    const env = { CNI_COMMAND: cmd, CNI_CONTAINERID: id, CNI_NETNS: '/n', CNI_IFNAME: ifname, CNI_PATH: '/opt/cni/bin' };
    const status = await runPlugin(plugin, { env, stdin, stdout: (x) => out.push(x), exit: () => {} });
    return [status, out.length === 0 ? undefined : JSON.parse(out.join(''))];
  }
  const owners = async (store: Store): Promise<string[]> =>
    (await (await ClusterPool.open({ store, name: 'gc-v4', cidrs: ['10.8.0.0/24'], blockSize: 28, node: 'reader' })).list()).map((a) => `${a.owner}@${a.node}`).sort();

  it('GC releases this node\'s allocations whose attachment is not valid, and nothing of other nodes or gateways', async () => {
    const store = new MemoryStore();
    for (const [id, ifname] of [['a', 'eth0'], ['b', 'eth0'], ['c', 'net1'], ['a', 'net1']]) expect((await call(store, 'ADD', 'n1', conf(), id, ifname))[0]).toBe(0);
    expect((await call(store, 'ADD', 'n2', conf(), 'd', 'eth0'))[0]).toBe(0);
    const valid = { 'cni.dev/valid-attachments': [{ containerID: 'a', ifname: 'eth0' }, { containerID: 'c', ifname: 'net1' }] };
    expect(await call(store, 'GC', 'n1', conf(valid))).toEqual([0, undefined]);
    expect(await owners(store)).toEqual(['<gateway 10.8.0.1>@n1', 'a/eth0@n1', 'c/net1@n1', 'd/eth0@n2']);
    // Idempotent; an empty list frees every attachment of the node.
    expect(await call(store, 'GC', 'n1', conf(valid))).toEqual([0, undefined]);
    expect(await call(store, 'GC', 'n1', conf({ 'cni.dev/valid-attachments': [] }))).toEqual([0, undefined]);
    expect(await owners(store)).toEqual(['<gateway 10.8.0.1>@n1', 'd/eth0@n2']);
  });

  it('GC rejects a malformed cni.dev/valid-attachments, freeing nothing', async () => {
    const store = new MemoryStore();
    await call(store, 'ADD', 'n1', conf(), 'a', 'eth0');
    for (const v of ['all', [{ containerID: 'a' }], [null]]) {
      const [status, json] = await call(store, 'GC', 'n1', conf({ 'cni.dev/valid-attachments': v }));
      expect([status, json.code, json.details]).toEqual([1, 7, expect.stringContaining('cni.dev/valid-attachments')]);
    }
    expect(await owners(store)).toEqual(['<gateway 10.8.0.1>@n1', 'a/eth0@n1']);
  });

  it('STATUS succeeds when the store answers and is code 50 when etcd is unavailable', async () => {
    expect(await call(new MemoryStore(), 'STATUS', 'n1', conf())).toEqual([0, undefined]);
    const down = new MemoryStore({ faults: () => 'unavailable' });
    const [status, json] = await call(down, 'STATUS', 'n1', conf({}, '1.1.0'));
    expect([status, json.code, json.msg]).toEqual([1, 50, 'etcd is not available']);
  });
});

describe('clusterPlugin deadline', () => {
  it('aborts its pool calls when ipam.timeoutMs runs out: code 11, and no store request after the answer', async () => {
    const inner = new MemoryStore();
    let requests = 0;
    // Every write to an existing block loses its compare-and-swap (another writer gets there first), so an ADD retries
    // with backoff for seconds unless its deadline stops it.
    const store: Store = {
      get: (k) => (requests++, inner.get(k)),
      list: (p, o) => (requests++, inner.list(p, o)),
      create: (k, v) => (requests++, inner.create(k, v)),
      update: (k, v, r) => (requests++, inner.update(k, v, r)),
      delete: (k, r) => (requests++, inner.delete(k, r)),
      txn: async (c, o) => {
        requests++;
        const first = c[0];
        if (first !== undefined && 'modRevision' in first) {
          const e = (await inner.get(first.key))!;
          await inner.update(first.key, e.value, e.modRevision);
        }
        return inner.txn(c, o);
      },
      close: () => inner.close(),
    };
    const plugin = clusterPlugin({ store: () => store, env: { NODE_NAME: 'n1' } });
    const stdin = JSON.stringify({ cniVersion: '1.0.0', name: 'n', type: 'bridge', ipam: { type: 'ipam-cluster', etcd: { endpoints: ['http://unused:2379'] }, pool: 'slow', subnet: '10.9.0.0/24', timeoutMs: 300 } });
    const call = async (id: string): Promise<[number, string]> => {
      const out: string[] = [];
      const env = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: id, CNI_NETNS: '/n', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin' };
      const status = await runPlugin(plugin, { env, stdin, stdout: (x) => out.push(x), exit: () => {} });
      return [status, out.join('')];
    };
    expect((await call('warm'))[0]).toBe(0); // claims the block (a create: not contended)
    const [status, text] = await call('late');
    expect([status, JSON.parse(text)]).toEqual([1, expect.objectContaining({ code: 11, msg: 'ipam-cluster timed out' })]);
    const after = requests;
    await new Promise((r) => setTimeout(r, 1500));
    expect(requests - after).toBe(0);
    expect((await ClusterPool.open({ store: inner, name: 'slow-v4', cidrs: ['10.9.0.0/24'], blockSize: 26, node: 'x' }).then((p) => p.list())).map((a) => a.owner)).toEqual(['warm/eth0']);
  });
});

describe('parseClusterIpamConfig', () => {
  it('resolves per-family pools, block sizes and the node', () => {
    const c = parseClusterIpamConfig(
      { ipam: { type: 'ipam-cluster', etcd: { endpoints: ['http://127.0.0.1:2379'] }, pool: 'pods', ranges: [{ subnet: 'fd00::/64' }, { subnet: '10.244.0.0/16' }] } },
      { NODE_NAME: 'node-a' },
    );
    expect(c.families.map((f) => [f.family, f.pool, f.blockSize, f.ranges.map((r) => r.subnet.toString())])).toEqual([
      [6, 'pods-v6', 122, ['fd00::/64']],
      [4, 'pods-v4', 26, ['10.244.0.0/16']],
    ]);
    expect([c.node, c.etcd.prefix, c.etcd.timeoutMs]).toEqual(['node-a', '/ipam/', undefined]);
  });

  const base = () => ({
    type: 'ipam-cluster',
    etcd: { endpoints: ['http://127.0.0.1:2379'], prefix: '/ipam/', timeoutMs: 1000 } as Record<string, unknown>,
    pool: 'pods',
    ranges: [{ subnet: '10.244.0.0/16', gateway: '10.244.0.1' }, { subnet: 'fd00::/64' }] as Record<string, unknown>[],
    blockSize: { ipv4: 26, ipv6: 122 } as unknown,
    routes: [{ dst: '0.0.0.0/0', gw: '10.244.0.1' }] as unknown,
    dns: { nameservers: ['10.96.0.10'] } as unknown,
    node: 'node-a' as unknown,
  });
  const setters: ((ipam: ReturnType<typeof base>, v: unknown) => void)[] = [
    (i, v) => ((i as Record<string, unknown>)['etcd'] = v),
    (i, v) => (i.etcd['endpoints'] = v),
    (i, v) => (i.etcd['prefix'] = v),
    (i, v) => (i.etcd['timeoutMs'] = v),
    (i, v) => ((i as Record<string, unknown>)['pool'] = v),
    (i, v) => ((i as Record<string, unknown>)['ranges'] = v),
    (i, v) => (i.ranges[0]!['subnet'] = v),
    (i, v) => (i.ranges[0]!['gateway'] = v),
    (i, v) => (i.ranges[1] = v as Record<string, unknown>),
    (i, v) => (i.blockSize = v),
    (i, v) => (i.routes = v),
    (i, v) => (i.dns = v),
    (i, v) => (i.node = v),
    (i, v) => ((i as Record<string, unknown>)['subnet'] = v),
  ];

  it('never fails on hostile values with anything but a CniConfigError naming an ipam path', () => {
    fc.assert(
      fc.property(fc.nat(setters.length - 1), fc.anything(), (which, value) => {
        const ipam = base();
        setters[which]!(ipam, value);
        try {
          parseClusterIpamConfig({ ipam }, {});
        } catch (e) {
          expect(e).toBeInstanceOf(CniConfigError);
          expect((e as CniConfigError).path).toMatch(/^ipam(\.|\[|$)/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('rejects ranges exactly when two subnets overlap, as Prefix.overlaps says', () => {
    const v4 = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 8, max: 30 })).map(([n, bits]) => Addr.fromUint32(n).prefix(bits));
    fc.assert(
      fc.property(fc.array(v4, { minLength: 1, maxLength: 4 }), (subnets) => {
        const ipam = { ...base(), ranges: subnets.map((p) => ({ subnet: p.toString() })), blockSize: 30 };
        const overlap = subnets.some((a, i) => subnets.some((b, j) => j < i && a.overlaps(b)));
        let code: string | undefined;
        try {
          const c = parseClusterIpamConfig({ ipam }, {});
          expect(c.families.map((f) => f.ranges.map((r) => r.subnet.toString()))).toEqual([subnets.map(String)]);
        } catch (e) {
          code = (e as CniConfigError).code;
        }
        expect(code).toBe(overlap ? 'ERR_CNI_RANGE_OVERLAP' : undefined);
      }),
      { numRuns: 300 },
    );
    expect(Prefix.parse('10.0.0.0/8').overlaps(Prefix.parse('10.1.0.0/16'))).toBe(true);
  });
});
