// Audits a Kubernetes cluster's address space from `kubectl cluster-info dump` output with @ipam/kubernetes, then
// plans a replacement cluster clear of everything the audit found in use.
//
//   node examples/audit-cluster.mjs                          (the embedded example cluster)
//   node examples/audit-cluster.mjs path/to/dump.txt [external CIDR...]
//   kubectl cluster-info dump -A > dump.txt && node examples/audit-cluster.mjs dump.txt 10.0.0.0/16
//
// `pnpm start` runs the same audit with the `ipam` command instead, and also draws the address map.
//
// The embedded example (examples/example-cluster/cluster-info-dump.txt) is a dual-stack kubeadm cluster of five
// nodes with the mistakes an audit exists to find, and an office VPN (10.96.64.0/18) routed to it.
import { readFileSync } from 'node:fs';
import { audit, discover, formatAuditReport, formatPlan, plan } from '@ipam/kubernetes';

const args = process.argv.slice(2).filter((a) => a !== '--');
const file = args[0] ?? new URL('./example-cluster/cluster-info-dump.txt', import.meta.url);
const external = args.length > 1 ? args.slice(1) : ['10.96.64.0/18'];

const network = await discover({ dump: readFileSync(file, 'utf8') });
const count = (n, what) => `${n} ${what}${n === 1 ? '' : 's'}`;
console.log(`Cluster: ${count(network.nodes.length, 'node')}, ${count(network.pods.length, 'pod')}, ${count(network.services.length, 'Service')}`);
console.log(`  cluster CIDR ${network.clusterCIDRs.join(', ') || '(unknown)'}; service CIDR ${network.serviceCIDRs.join(', ') || '(unknown)'}`);
console.log(`  external networks: ${external.join(', ')}\n`);

const report = audit(network, { external });
console.log(formatAuditReport(report, { maxObjects: 3 }));

// Size a cluster twice as big as this one, and place it clear of every range in use here and outside.
const inUse = [
  ...network.clusterCIDRs,
  ...network.serviceCIDRs,
  ...network.nodes.flatMap((n) => n.addresses.map((a) => a.address)),
  ...external,
];
const families = [...new Set(network.clusterCIDRs.map((p) => p.family))];
const next = plan({
  nodes: Math.max(2 * network.nodes.length, 100),
  podsPerNode: 110,
  services: Math.max(2 * network.services.length, 1000),
  families: families.length > 0 ? families : [4],
  avoid: inUse,
});
console.log(`\n${formatPlan(next)}`);
