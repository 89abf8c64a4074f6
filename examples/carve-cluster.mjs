// Carves a dual-stack Kubernetes cluster's address space out of a supernet with @ipam/core, avoiding the
// networks already in use outside the cluster, and prints the plan as tables.
//
//   pnpm start [supernet] [ipv6-supernet]
import { Addr, IPSet, Pool, Prefix } from '@ipam/core';

const supernet = Prefix.parse(process.argv[2] ?? '10.0.0.0/8');
const supernet6 = Prefix.parse(process.argv[3] ?? 'fd00:10::/32');
// Space that is already routed elsewhere: a cloud VPC and an on-premises range reached over a VPN.
const inUse = IPSet.from(['10.0.0.0/16', '10.128.0.0/12']).intersect(IPSet.from([supernet]));

const space = new Pool([supernet, supernet6], { reserve: inUse.prefixes() });
const take = (bits, family, owner) => space.allocatePrefix(bits, { family, owner });
const plan = [
  ['nodes', take(22, 4, 'cluster/nodes')],
  ['services', take(20, 4, 'cluster/services')],
  ['pods', take(16, 4, 'cluster/pods')],
  ['services (IPv6)', take(112, 6, 'cluster/services')],
  ['pods (IPv6)', take(56, 6, 'cluster/pods')],
];
const cidr = Object.fromEntries(plan);

// Each node gets a pod CIDR per family, handed out in turn as kube-controller-manager does, and a node address.
const podCIDRs = new Pool([cidr.pods, cidr['pods (IPv6)']], { strategy: 'sequential' });
const nodeIPs = new Pool([cidr.nodes], { reserve: [cidr.nodes.first(), cidr.nodes.last()] });
const nodes = ['control-plane', 'worker-1', 'worker-2', 'worker-3'].map((name) => ({
  name,
  ip: nodeIPs.allocate({ owner: `node/${name}` }),
  pods: podCIDRs.allocatePrefix(24, { owner: `node/${name}` }),
  pods6: podCIDRs.allocatePrefix(64, { family: 6, owner: `node/${name}` }),
}));
const kubernetesIP = cidr.services.first().next();
const dnsIP = cidr.services.first().add(10);

function table(title, header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  console.log(`\n${title}\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows) console.log(line(r));
}
const count = (n) => {
  if (n < 1n << 53n) return n.toLocaleString('en-US');
  const bits = n.toString(2).length - 1;
  return n === 1n << BigInt(bits) ? `2^${bits}` : `about 2^${bits}`;
};

table(`Cluster address plan carved from ${supernet} and ${supernet6}`, ['role', 'prefix', 'addresses', 'first', 'last'], [
  ...inUse.prefixes().map((p) => ['in use outside (avoided)', p, count(p.size), p.first(), p.last()]),
  ...plan.map(([role, p]) => [role, p, count(p.size), p.first(), p.last()]),
]);
table('Nodes', ['node', 'address', 'pod CIDR', 'pod CIDR (IPv6)', 'max pods'], nodes.map((n) => [n.name, n.ip, n.pods, n.pods6, count(n.pods.size - 2n)]));
table('Well-known service addresses', ['service', 'address'], [
  ['kubernetes.default (network + 1)', kubernetesIP],
  ['kube-dns (network + 10, kubeadm)', dnsIP],
]);
const s = space.stats();
const left = podCIDRs.stats().families[4];
table('Room left', ['what', 'free', 'largest free block'], [
  [`IPv4 in ${supernet}`, count(s.families[4].free), s.families[4].largestFree],
  [`IPv6 in ${supernet6}`, count(s.families[6].free), s.families[6].largestFree],
  ['more IPv4 nodes (/24 each)', count(left.free / 256n), left.largestFree],
]);
console.log(`\nowner of ${nodes[1].pods.first().add(7)}: ${podCIDRs.ownerOf(nodes[1].pods.first().add(7))}`);
console.log(`is ${Addr.parse('10.0.3.7')} free to use? ${!inUse.contains(Addr.parse('10.0.3.7')) && space.freeSet().contains(Addr.parse('10.0.3.7'))}`);
