// Runs the public contract snippets of @ipam/core and @ipam/kubernetes against the BUILT package, through both its ESM and its
// CJS entry points, the way users load it. Exits non-zero on the first difference.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const esm = await import('@ipam/core');
const cjs = createRequire(import.meta.url)('@ipam/core');

for (const [name, core] of [['ESM', esm], ['CJS', cjs]]) {
  const { Addr, Prefix, IPRange, IPSetBuilder, ParseError, Pool, PoolExhaustedError, summarize } = core;
  assert.equal(Addr.parse('2001:DB8:0:0::1').toString(), '2001:db8::1');
  assert.equal(Addr.tryParse('010.1.1.1'), undefined);
  assert.equal(Addr.parse('::ffff:10.1.2.3').is4In6(), true);
  assert.equal(Addr.parse('::ffff:10.1.2.3').unmap().toString(), '10.1.2.3');
  assert.equal(Addr.parse('fe80::1%eth0').zone, 'eth0');
  assert.equal(Addr.fromBigInt(167772161n, 4).toString(), '10.0.0.1');
  assert.equal(Addr.parse('10.0.0.255').next()?.toString(), '10.0.1.0');
  assert.throws(() => Prefix.parse('10.244.1.0/16'), (e) => e instanceof ParseError && e.code === 'ERR_PARSE');
  const p = Prefix.parse('10.244.0.0/16');
  assert.equal(p.contains(Addr.parse('10.244.3.4')), true);
  assert.equal(p.size, 65536n);
  assert.deepEqual([...p.subnets(18)].map(String), ['10.244.0.0/18', '10.244.64.0/18', '10.244.128.0/18', '10.244.192.0/18']);
  assert.equal(p.supernet(12)?.toString(), '10.240.0.0/12');
  assert.deepEqual(IPRange.parse('10.0.0.1-10.0.0.6').prefixes().map(String), ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/31', '10.0.0.6/32']);
  const set = new IPSetBuilder().addPrefix(Prefix.parse('10.0.0.0/8')).removePrefix(Prefix.parse('10.96.0.0/12')).build();
  assert.equal(set.size, (1n << 24n) - (1n << 20n));
  assert.deepEqual(summarize([Prefix.parse('10.0.0.0/25'), Prefix.parse('10.0.0.128/25')]).map(String), ['10.0.0.0/24']);

  const pool = new Pool(['10.244.0.0/16', 'fd00:10:244::/56'], { reserve: ['10.244.0.0/32', '10.244.255.255/32'], strategy: 'lowest' });
  assert.equal(pool.allocate().toString(), '10.244.0.1');
  assert.equal(pool.allocate({ family: 6 }).toString(), 'fd00:10:244::');
  assert.equal(pool.allocatePrefix(24).toString(), '10.244.1.0/24');
  pool.claim('10.244.7.9');
  const web = pool.allocate({ owner: 'pod/default/web-0' });
  assert.equal(pool.ownerOf(web), 'pod/default/web-0');
  assert.deepEqual(pool.find('pod/default/web-0').map(String), [web.toString()]);
  pool.release(web);
  assert.equal(pool.isAllocated(web), false);
  const again = Pool.fromJSON(JSON.parse(JSON.stringify(pool)));
  assert.deepEqual(again.toJSON(), pool.toJSON());
  const tiny = new Pool(['10.0.0.0/31']);
  tiny.allocate();
  tiny.allocate();
  assert.throws(() => tiny.allocate(), (e) => e instanceof PoolExhaustedError && e.code === 'ERR_POOL_EXHAUSTED');
  console.log(`contracts: @ipam/core ${name} entry point ok`);
}

// Issue 6: @ipam/kubernetes' contract snippet, through both entry points.
const k8sEsm = await import('@ipam/kubernetes');
const k8sCjs = createRequire(import.meta.url)('@ipam/kubernetes');
const { readFileSync } = await import('node:fs');
const dumpText = readFileSync(new URL('../examples/example-cluster/cluster-info-dump.txt', import.meta.url), 'utf8');

for (const [name, k8s] of [['ESM', k8sEsm], ['CJS', k8sCjs]]) {
  const { discover, CidrSet, NodeCidrAllocator, ServiceIPAllocator, serviceIPRangeOffset, kubernetesServiceIP, dnsServiceIP, audit, plan, seededRandom, KubernetesError } = k8s;
  const network = await discover({ dump: dumpText });
  assert.deepEqual(network.clusterCIDRs.map(String), ['10.244.0.0/16', 'fd00:10:244::/56']);
  assert.equal(network.nodes.length, 5);

  const set = new CidrSet('10.244.0.0/16', 24);
  assert.equal(set.allocateNext().toString(), '10.244.0.0/24');
  set.occupy('10.244.1.0/24');
  assert.equal(set.allocateNext().toString(), '10.244.2.0/24');
  set.release('10.244.0.0/24');
  const full = new CidrSet('10.0.0.0/30', 30);
  full.allocateNext();
  assert.throws(() => full.allocateNext(), (e) => KubernetesError.isInstance(e) && e.code === 'ERR_K8S_CIDR_SET_FULL');

  const nodes = new NodeCidrAllocator({ clusterCIDRs: ['10.244.0.0/16', 'fd00:10:244::/56'], nodeMaskSizes: [24, 64], serviceCIDR: '10.96.0.0/12' });
  assert.deepEqual(nodes.allocate('node-a').map(String), ['10.244.0.0/24', 'fd00:10:244::/64']);
  assert.throws(
    () => new NodeCidrAllocator({ clusterCIDRs: ['fd00::/32'], nodeMaskSizes: [64] }),
    (e) => KubernetesError.isInstance(e) && e.code === 'ERR_K8S_NODE_MASK_TOO_BIG',
  );

  assert.equal(serviceIPRangeOffset('10.96.0.0/12'), 256);
  assert.equal(kubernetesServiceIP('10.96.0.0/12').toString(), '10.96.0.1');
  assert.equal(dnsServiceIP('10.96.0.0/12').toString(), '10.96.0.10');
  const svc = new ServiceIPAllocator('10.96.0.0/12', { random: seededRandom(7) });
  const ip = svc.allocate();
  assert.equal(svc.has(ip), true);
  svc.allocateSpecific('10.96.0.10');
  assert.throws(() => svc.allocateSpecific('10.96.0.10'), (e) => KubernetesError.isInstance(e) && e.code === 'ERR_K8S_SERVICE_IP_ALLOCATED');
  svc.release(ip);
  assert.equal(svc.has(ip), false);

  const report = audit(network, { external: ['10.0.0.0/16'] });
  for (const f of report.findings) {
    assert.deepEqual(Object.keys(f).sort(), ['code', 'fix', 'message', 'objects', 'severity']);
  }
  assert.ok(report.findings.some((f) => f.code === 'NODE_POD_CIDRS_OVERLAP'));

  const p = plan({ nodes: 500, podsPerNode: 110, services: 5000, avoid: ['10.0.0.0/8'] });
  assert.deepEqual(p.clusterCIDRs.map(String), ['172.16.0.0/15']);
  console.log(`contracts: @ipam/kubernetes ${name} entry point ok`);
}
