/**
 * @ipam/kubernetes: `explain(network, addr)` ("what is this address?") over a synthetic 5,000-node, 150,000-pod,
 * 10,000-Service network with a Calico pool and one /26 IPAMBlock per node (30 recorded allocations each). The
 * issue's target: 100,000 lookups per second or more, once the index is built.
 *
 *   pnpm bench -- explain              (from the repo root, after building @ipam/core, @ipam/cni, @ipam/kubernetes)
 *   BENCH_QUICK=1 pnpm bench -- explain   (a 500-node network, to check that the benchmark works)
 *
 * The network is built from parts with `clusterNetwork` (no dump to parse: discover has its own bench, audit). The
 * tasks time building the index (`new AddressExplainer(network)`) and explaining a batch of 10,000 addresses, drawn
 * deterministically: pod IPs, ClusterIPs, node addresses, free addresses in node blocks and pod CIDRs, and
 * addresses outside the cluster; once with `explain` (cached index) and once also formatting each answer as text.
 */
import { Addr, Prefix } from '@ipam/core';
import {
  AddressExplainer,
  clusterNetwork,
  explain,
  formatExplanation,
  type ClusterNode,
  type ClusterPod,
  type ClusterService,
  type PluginBlock,
} from '@ipam/kubernetes';
import { createBench, quick } from './harness.js';

const SIZE = quick ? { nodes: 500, podsPerNode: 30, services: 1_000 } : { nodes: 5_000, podsPerNode: 30, services: 10_000 };
const TARGET = 100_000;
const BATCH = 10_000;

const CLUSTER = Prefix.parse('10.128.0.0/11');
const SERVICES = Prefix.parse('10.96.0.0/12');
const base = CLUSTER.first().toBigInt();
const v4 = (v: bigint): Addr => Addr.fromBigInt(v, 4);

const t0 = performance.now();
const nodes: ClusterNode[] = [];
const pods: ClusterPod[] = [];
const blocks: PluginBlock[] = [];
for (let i = 0; i < SIZE.nodes; i++) {
  const name = `node-${i}`;
  const cidr = v4(base + BigInt(i) * 256n).prefix(24);
  const nodeIP = v4(0xc0a80000n + BigInt(i + 10)); // 192.168.0.0/16
  nodes.push({ name, podCIDRs: [cidr], addresses: [{ type: 'InternalIP', address: nodeIP }], from: { object: `Node/${name}` } });
  const allocations = [];
  for (let k = 0; k < SIZE.podsPerNode; k++) {
    const ip = v4(base + BigInt(i) * 256n + BigInt(k + 1));
    const ns = `ns-${k % 50}`;
    const pod = `app-${i}-${k}`;
    pods.push({ namespace: ns, name: pod, nodeName: name, hostNetwork: false, phase: 'Running', podIPs: [ip], from: {} });
    allocations.push({ address: ip, handle: `k8s-pod-network.${i}-${k}`, kind: 'pod' as const, pod: `${ns}/${pod}`, node: name });
  }
  blocks.push({ plugin: 'calico', pool: 'default-ipv4-ippool', cidr: v4(base + BigInt(i) * 256n).prefix(26), node: name, allocations, from: {} });
}
const services: ClusterService[] = [];
for (let s = 0; s < SIZE.services; s++) {
  services.push({ namespace: `ns-${s % 50}`, name: `svc-${s}`, type: 'ClusterIP', clusterIPs: [v4(SERVICES.first().toBigInt() + BigInt(s + 1))], from: {} });
}
const network = clusterNetwork({
  clusterCIDRs: [CLUSTER],
  serviceCIDRs: [SERVICES],
  nodes,
  pods,
  services,
  pools: [{ plugin: 'calico', name: 'default-ipv4-ippool', cidrs: [CLUSTER], blockSize: 26, disabled: false, options: {}, from: {} }],
  blocks,
});
const networkMs = performance.now() - t0;

// A deterministic mix of addresses to explain (a small LCG, so every run asks the same).
let seed = 12345;
const rand = (n: number): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed % n;
};
const queries: Addr[] = [];
for (let q = 0; q < BATCH; q++) {
  const kind = rand(10);
  const i = rand(SIZE.nodes);
  if (kind < 5) queries.push(pods[rand(pods.length)]!.podIPs[0]!);
  else if (kind === 5) queries.push(services[rand(services.length)]!.clusterIPs[0]!);
  else if (kind === 6) queries.push(nodes[i]!.addresses[0]!.address);
  else if (kind === 7) queries.push(v4(base + BigInt(i) * 256n + BigInt(40 + rand(200)))); // free in a node block or pod CIDR
  else if (kind === 8) queries.push(v4(SERVICES.first().toBigInt() + BigInt(SIZE.services + 10 + rand(1000)))); // unallocated ClusterIP
  else queries.push(v4(0x08080000n + BigInt(rand(65536)))); // outside: 8.8.0.0/16
}
const texts = queries.map(String);

// The first run is a correctness check.
const probe = explain(network, pods[7]!.podIPs[0]!);
if (probe.status !== 'in-use' || probe.holders[0]?.kind !== 'pod' || !probe.ranges.some((r) => r.kind === 'plugin-block')) {
  throw new Error(`explain bench: a pod IP explained as ${JSON.stringify(probe)}`);
}

let sink = 0;
export const bench = createBench(
  `@ipam/kubernetes explain: ${SIZE.nodes.toLocaleString('en')} nodes, ${pods.length.toLocaleString('en')} pods, ${services.length.toLocaleString('en')} Services, ${blocks.length.toLocaleString('en')} Calico blocks; ${BATCH.toLocaleString('en')} lookups per iteration`,
  { time: quick ? 20 : 2000, iterations: quick ? 2 : 5, warmupIterations: 1 },
);
bench
  .add('new AddressExplainer(network) (index build)', () => {
    sink += new AddressExplainer(network).size;
  })
  .add(`explain(network, addr) × ${BATCH.toLocaleString('en')}`, () => {
    for (const a of queries) sink += explain(network, a).ranges.length;
  })
  .add(`explain(network, string) × ${BATCH.toLocaleString('en')}`, () => {
    for (const a of texts) sink += explain(network, a).ranges.length;
  })
  .add(`formatExplanation(explain(network, addr)) × ${BATCH.toLocaleString('en')}`, () => {
    for (const a of queries) sink += formatExplanation(explain(network, a)).length;
  });

/** The markdown report: lookups per second against the target, and the index build time. */
export function report(): string {
  const mean = (name: string): number => (bench.getTask(name)?.result as { latency?: { mean?: number } } | undefined)?.latency?.mean ?? Number.NaN;
  const rate = (name: string): number => BATCH / (mean(name) / 1000);
  const fmt = (x: number): string => Math.round(x).toLocaleString('en');
  const verdict = (x: number): string => (x >= TARGET ? 'within target' : '**below target**');
  const addr = rate(`explain(network, addr) × ${BATCH.toLocaleString('en')}`);
  const str = rate(`explain(network, string) × ${BATCH.toLocaleString('en')}`);
  const text = rate(`formatExplanation(explain(network, addr)) × ${BATCH.toLocaleString('en')}`);
  return [
    `Synthetic network: ${SIZE.nodes.toLocaleString('en')} nodes, ${pods.length.toLocaleString('en')} pods, ${services.length.toLocaleString('en')} Services, one Calico pool and ${blocks.length.toLocaleString('en')} blocks with ${pods.length.toLocaleString('en')} allocations, built in ${networkMs.toFixed(0)} ms${quick ? ' (BENCH_QUICK: not the target size)' : ''}.`,
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| index build (new AddressExplainer) | ${mean('new AddressExplainer(network) (index build)').toFixed(0)} ms | |`,
    `| **explain, Addr in** | ${fmt(addr)} lookups/s | ${verdict(addr)}: ${fmt(TARGET)}/s |`,
    `| explain, string in | ${fmt(str)} lookups/s | ${verdict(str)} |`,
    `| explain + formatExplanation | ${fmt(text)} lookups/s | |`,
    '',
    `(sink ${sink > 0 ? 'ok' : 'empty'})`,
  ].join('\n');
}
