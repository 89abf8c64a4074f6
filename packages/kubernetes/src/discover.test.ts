import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Addr, Prefix } from '@ipam/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import type { ClusterNetwork } from './cluster-network.js';
import { discover } from './discover.js';
import type { KubernetesApi, KubernetesResource } from './kube-api.js';
import { KubernetesError } from './kubernetes-error.js';
import { rejection } from '../test/errors.js';

const corpus = (name: string): string => fileURLToPath(new URL(`../../../../shared/corpus/${name}`, import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`../test/fixtures/${name}`, import.meta.url));

/** The network as plain JSON: Addr and Prefix print as strings, undefined fields disappear. */
function plain(n: unknown): any {
  return JSON.parse(JSON.stringify(n));
}

/** The network as plain JSON without the file names and sources, to compare the same data read from different places. */
function content(n: ClusterNetwork): any {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(
        Object.entries(v)
          .filter(([k]) => k !== 'file' && k !== 'sources')
          .map(([k, x]) => [k, strip(x)]),
      );
    }
    return v;
  };
  return strip(plain(n));
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ipam-discover-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Renders documents as `kubectl cluster-info dump` prints them: JSON (indented or not) or YAML, with log blocks between. */
function renderDump(docs: readonly object[], format: 'json' | 'json4' | 'yaml'): string {
  const log = (i: number): string =>
    `==== START logs for container c of pod kube-system/p${i} ====\n{ "not": "a document" }\nno newline at the end==== END logs for container c of pod kube-system/p${i} ====\n`;
  return docs
    .map((d, i) => {
      const body = format === 'yaml' ? `${i > 0 ? '---\n' : ''}${toYaml(d)}` : `${JSON.stringify(d, null, format === 'json4' ? 4 : 0)}\n`;
      return i % 2 === 1 ? `${body}${log(i)}` : body;
    })
    .join('');
}

// ---------------------------------------------------------------------------------------------------------------
// The real sample (../shared/corpus/cluster-info-dump-minikube-excerpt.txt)

const MINIKUBE = {
  clusterCIDRs: ['10.244.0.0/16'],
  serviceCIDRs: ['10.96.0.0/12'],
  nodeCIDRMaskSizes: { ipv4: 24, ipv6: 64 },
  allocateNodeCIDRs: true,
  settings: [
    {
      name: 'serviceCIDR',
      value: ['10.96.0.0/12'],
      source: 'kube-apiserver',
      from: { object: 'Pod kube-system/kube-apiserver-minikube', path: 'spec.containers[0].command[6]' },
    },
    {
      name: 'allocateNodeCIDRs',
      value: true,
      source: 'kube-controller-manager',
      from: { object: 'Pod kube-system/kube-controller-manager-minikube', path: 'spec.containers[0].command[1]' },
    },
    {
      name: 'clusterCIDR',
      value: ['10.244.0.0/16'],
      source: 'kube-controller-manager',
      from: { object: 'Pod kube-system/kube-controller-manager-minikube', path: 'spec.containers[0].command[4]' },
    },
    {
      name: 'serviceCIDR',
      value: ['10.96.0.0/12'],
      source: 'kube-controller-manager',
      from: { object: 'Pod kube-system/kube-controller-manager-minikube', path: 'spec.containers[0].command[8]' },
    },
  ],
  nodes: [{ name: 'minikube', podCIDRs: ['10.244.0.0/24'], addresses: [{ type: 'InternalIP', address: '192.168.59.100' }], from: { object: 'Node minikube' } }],
  pods: [
    {
      namespace: 'kube-system',
      name: 'kube-apiserver-minikube',
      nodeName: 'minikube',
      hostNetwork: true,
      phase: 'Running',
      podIPs: ['192.168.59.100'],
      from: { object: 'Pod kube-system/kube-apiserver-minikube' },
    },
    {
      namespace: 'kube-system',
      name: 'kube-controller-manager-minikube',
      nodeName: 'minikube',
      hostNetwork: true,
      phase: 'Running',
      podIPs: ['192.168.59.100'],
      from: { object: 'Pod kube-system/kube-controller-manager-minikube' },
    },
  ],
  services: [],
  serviceCIDRObjects: [],
  ipAddresses: [],
  cniNetworks: [],
  pools: [],
  blocks: [],
  warnings: [],
  sources: ['<dump>'],
};

describe('discover: the real minikube cluster-info dump sample', () => {
  let sample: string;
  let docs: object[];
  beforeAll(async () => {
    sample = await readFile(corpus('cluster-info-dump-minikube-excerpt.txt'), 'utf8');
    // Test-only split of this sample: its two documents are followed by one log block; each starts with `{\n"kind"`.
    docs = sample
      .slice(0, sample.indexOf('==== START logs'))
      .trim()
      .split(/\n(?=\{\n"kind")/)
      .map((d) => JSON.parse(d));
  });

  it('parses into the expected network, as stored (indentation stripped)', async () => {
    const network = await discover({ dump: sample });
    expect(plain(network)).toEqual(MINIKUBE);
    expect(network.dnsDomain).toBeUndefined();
    expect(network.clusterCIDRs[0]).toBeInstanceOf(Prefix);
    expect(network.pods[0]!.podIPs[0]).toBeInstanceOf(Addr);
    expect(Object.isFrozen(network)).toBe(true);
  });

  it.each(['json', 'json4', 'yaml'] as const)('gives the same network re-rendered as %s', async (format) => {
    expect(docs.map((d) => (d as { kind: string }).kind)).toEqual(['NodeList', 'PodList']);
    expect(plain(await discover({ dump: renderDump(docs, format) }))).toEqual(MINIKUBE);
  });

  it('gives the same network from the --output-directory layout (pods logs.txt are not read)', async () => {
    const dir = join(tmp, 'minikube-dump');
    await mkdir(join(dir, 'kube-system', 'kube-apiserver-minikube'), { recursive: true });
    await mkdir(join(dir, 'default'), { recursive: true });
    await writeFile(join(dir, 'nodes.json'), JSON.stringify(docs[0], null, 4));
    for (const ns of ['kube-system', 'default']) {
      for (const [file, kind] of [
        ['events', 'EventList'],
        ['replication-controllers', 'ReplicationControllerList'],
        ['services', 'ServiceList'],
        ['daemonsets', 'DaemonSetList'],
        ['deployments', 'DeploymentList'],
        ['replicasets', 'ReplicaSetList'],
        ['pods', 'PodList'],
      ]) {
        const doc = ns === 'kube-system' && kind === 'PodList' ? docs[1] : { kind, apiVersion: 'v1', metadata: {}, items: [] };
        await writeFile(join(dir, ns, `${file}.json`), JSON.stringify(doc, null, 4));
      }
    }
    await writeFile(join(dir, 'kube-system', 'kube-apiserver-minikube', 'logs.txt'), '==== START logs for container x of pod a/b ====\n{ broken');
    const network = await discover({ dumpDirectory: dir });
    expect(content(network)).toEqual(content(await discover({ dump: sample })));
    expect(network.nodes[0]!.from).toEqual({ file: join(dir, 'nodes.json'), object: 'Node minikube' });
    expect(network.settings[0]!.from.file).toBe(join(dir, 'kube-system', 'pods.json'));
    expect(network.sources[0]).toBe(dir);
  });

  it('rejects a directory that is not a dump', async () => {
    const e = await rejection(discover({ dumpDirectory: fixture('manifests') }));
    expect(e.code).toBe('ERR_K8S_IO');
    expect(e.file).toBe(fixture('manifests'));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Dumps in general

/** The benchmark cluster of the issue as `kubectl cluster-info dump` prints it (kubectl's 4-space indentation). */
/** A kubectl-indented dump of `nodes` nodes, 30 pods per node and 2 Services per node. */
function largeDump(nodeCount: number): string {
  const v4 = (i: number): string => `${10 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.${(i * 7) & 255}`;
  const nodes = Array.from({ length: nodeCount }, (_, i) => ({
    metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}` } },
    spec: { podCIDR: `10.${64 + (i >> 8)}.${i & 255}.0/24`, podCIDRs: [`10.${64 + (i >> 8)}.${i & 255}.0/24`] },
    status: { addresses: [{ type: 'InternalIP', address: `192.168.${i >> 8}.${i & 255}` }, { type: 'Hostname', address: `node-${i}` }] },
  }));
  const pods = Array.from({ length: nodeCount * 30 }, (_, i) => ({
    metadata: { name: `app-${i}`, namespace: `ns-${i % 50}`, labels: { app: `app-${i % 300}` } },
    spec: { nodeName: `node-${i % nodeCount}`, containers: [{ name: 'app', image: 'registry.example.com/app:1.0' }] },
    status: { phase: 'Running', podIP: v4(i), podIPs: [{ ip: v4(i) }] },
  }));
  const services = Array.from({ length: nodeCount * 2 }, (_, i) => ({
    metadata: { name: `svc-${i}`, namespace: `ns-${i % 50}` },
    spec: { type: 'ClusterIP', clusterIP: `10.96.${i >> 8}.${i & 255}`, clusterIPs: [`10.96.${i >> 8}.${i & 255}`] },
  }));
  return renderDump(
    [
      { kind: 'NodeList', apiVersion: 'v1', items: nodes },
      { kind: 'ServiceList', apiVersion: 'v1', items: services },
      { kind: 'PodList', apiVersion: 'v1', items: pods },
    ],
    'json4',
  );
}

describe('discover({ dump })', () => {
  const node = (name: string, spec: object, addresses: object[] = []): object => ({ kind: 'Node', apiVersion: 'v1', metadata: { name }, spec, status: { addresses } });

  it('reads legacy fields with the sloppy parser: leading zeros are decimal, host bits are cleared, 4-in-6 is IPv4', async () => {
    const n = await discover({
      dump: JSON.stringify({
        kind: 'List',
        items: [
          node('a', { podCIDRs: ['010.244.001.000/24'] }, [{ type: 'InternalIP', address: '192.168.001.010' }]),
          node('b', { podCIDR: '10.244.1.77/24' }, [{ type: 'ExternalIP', address: '::ffff:203.0.113.5' }]),
        ],
      }),
    });
    expect(plain(n.nodes)).toEqual([
      { name: 'a', podCIDRs: ['10.244.1.0/24'], addresses: [{ type: 'InternalIP', address: '192.168.1.10' }], from: { object: 'Node a' } },
      { name: 'b', podCIDRs: ['10.244.1.0/24'], addresses: [{ type: 'ExternalIP', address: '203.0.113.5' }], from: { object: 'Node b' } },
    ]);
  });

  it('prefers spec.podCIDRs to spec.podCIDR, and status.podIPs to status.podIP', async () => {
    const n = await discover({
      dump: [
        node('a', { podCIDR: '10.0.0.0/24', podCIDRs: ['10.0.0.0/24', 'fd00::/64'] }),
        { kind: 'Pod', metadata: { name: 'p', namespace: 'x' }, status: { podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }, { ip: 'fd00::5' }] } },
        { kind: 'Pod', metadata: { name: 'q', namespace: 'x' }, status: { podIP: '10.0.0.6' } },
      ]
        .map((d) => JSON.stringify(d))
        .join('\n'),
    });
    expect(n.nodes[0]!.podCIDRs.map(String)).toEqual(['10.0.0.0/24', 'fd00::/64']);
    expect(n.pods.map((p) => p.podIPs.map(String))).toEqual([['10.0.0.5', 'fd00::5'], ['10.0.0.6']]);
  });

  it('gives headless and ExternalName services no cluster IPs, and defaults the type to ClusterIP', async () => {
    const n = await discover({ files: [fixture('objects/services.yaml')] });
    expect(n.services.map((s) => [`${s.namespace}/${s.name}`, s.type, s.clusterIPs.map(String)])).toEqual([
      ['default/kubernetes', 'ClusterIP', ['10.96.0.1']],
      ['default/web', 'NodePort', ['10.96.12.34', 'fd00:10:96::5c1e']],
      ['default/web-headless', 'ClusterIP', []],
      ['default/db', 'ExternalName', []],
      ['kube-system/kube-dns', 'ClusterIP', ['10.96.0.10']],
    ]);
    const implicit = await discover({ dump: '{"kind":"Service","metadata":{"name":"s"},"spec":{"clusterIP":"10.0.0.1"}}' });
    expect([implicit.services[0]!.type, implicit.services[0]!.namespace, implicit.services[0]!.from]).toEqual(['ClusterIP', 'default', { object: 'Service default/s' }]);
  });

  it('keeps hostNetwork pods and marks them, so that node addresses are not taken for pod addresses', async () => {
    const n = await discover({ files: [fixture('objects/pods.json')] });
    expect(n.pods.map((p) => [p.name, p.hostNetwork, p.podIPs.map(String), p.phase, p.nodeName])).toEqual([
      ['coredns-7db6d8ff4d-4x2kq', false, ['10.244.0.3', 'fd00:10:244::3'], 'Running', 'kind-control-plane'],
      ['kube-proxy-8m2vd', true, ['172.18.0.2', 'fc00:f853:ccd:e793::2'], 'Running', 'kind-worker'],
      ['web-5d9c7b7f8-abcde', false, [], 'Pending', 'kind-worker'],
    ]);
    // kube-proxy runs with --config only: no setting from its flags.
    expect(n.settings).toEqual([]);
  });

  it('turns values that do not parse and objects of the wrong shape into warnings, and reads the rest', async () => {
    const n = await discover({
      dump: [
        JSON.stringify(node('bad-cidr', { podCIDRs: ['10.244.0.0/33', '10.244.9.0/24'] }, [{ type: 'InternalIP', address: 'ten.0.0.1' }, { type: 'Hostname', address: 'bad-cidr' }])),
        JSON.stringify({ kind: 'Pod', metadata: { name: 'p', namespace: 'n' }, spec: { hostNetwork: 'yes' }, status: { podIPs: [{ ip: '10.0.0.1%eth0' }] } }),
        JSON.stringify({ kind: 'Service', metadata: { namespace: 'n' }, spec: {} }),
        JSON.stringify({ apiVersion: 'v1', metadata: { name: 'no-kind' } }),
        JSON.stringify({ kind: 'PodList', items: [42] }),
        JSON.stringify({ kind: 'Pod', metadata: { name: 'kcm', namespace: 'kube-system' }, spec: { containers: [{ command: ['kube-controller-manager', '--cluster-cidr=10.0.0.0/8,10.1.0.0/16', '--allocate-node-cidrs=yes', '--node-cidr-mask-size=abc'] }] } }),
      ].join('\n'),
    });
    expect(n.warnings.map((w) => [w.code, w.message])).toEqual([
      ['ERR_K8S_INVALID_CIDR', expect.stringMatching(/^Node bad-cidr: spec\.podCIDRs\[0\]: parseCIDRSloppy\("10\.244\.0\.0\/33"\): .*; ignored$/)],
      ['ERR_K8S_INVALID_IP', expect.stringMatching(/^Node bad-cidr: status\.addresses\[0\]\.address: parseIPSloppy\("ten\.0\.0\.1"\): .*; ignored$/)],
      ['ERR_K8S_INPUT_INVALID', 'Pod n/p: spec.hostNetwork: expected a boolean, found string "yes"; ignored'],
      ['ERR_K8S_INVALID_IP', expect.stringMatching(/^Pod n\/p: status\.podIPs\[0\]\.ip: parseIPSloppy\("10\.0\.0\.1%eth0"\): .*; ignored$/)],
      ['ERR_K8S_INPUT_INVALID', 'document 3: a Service without metadata.name; skipped'],
      ['ERR_K8S_INPUT_INVALID', 'document 4: the document has no "kind"; skipped'],
      ['ERR_K8S_INPUT_INVALID', 'document 5: items[0]: expected an object, found number 42; skipped'],
      ['ERR_K8S_INPUT_INVALID', 'Pod kube-system/kcm: spec.containers[0].command[2]: --allocate-node-cidrs: "yes" is not a boolean; ignored'],
      ['ERR_K8S_DUAL_STACK', 'Pod kube-system/kcm: spec.containers[0].command[1]: expected one CIDR, or two of different families, found 10.0.0.0/8,10.1.0.0/16; ignored'],
      ['ERR_K8S_NODE_MASK_INVALID', 'Pod kube-system/kcm: spec.containers[0].command[3]: --node-cidr-mask-size: "abc" is not a mask size; ignored'],
    ]);
    expect(n.warnings[0]!.from).toEqual({ object: 'Node bad-cidr', path: 'spec.podCIDRs[0]' });
    expect(plain(n.nodes)).toEqual([{ name: 'bad-cidr', podCIDRs: ['10.244.9.0/24'], addresses: [], from: { object: 'Node bad-cidr' } }]);
    expect(n.pods.map((p) => [p.name, p.hostNetwork, p.podIPs.length])).toEqual([
      ['p', false, 0],
      ['kcm', false, 0],
    ]);
    expect(n.settings).toEqual([]);
  });

  it('reads --flag value and --flag=value, args after command, and a hyperkube command line', async () => {
    const pod = (name: string, container: object): object => ({ kind: 'Pod', metadata: { name, namespace: 'kube-system' }, spec: { containers: [{ name: 'main', ...container }] } });
    const n = await discover({
      dump: JSON.stringify({
        kind: 'List',
        items: [
          pod('kcm', { command: ['kube-controller-manager'], args: ['--cluster-cidr', ' 10.244.0.0/16,fd00:10:244::/56 ', '--node-cidr-mask-size-ipv6', '72', '--allocate-node-cidrs'] }),
          pod('apiserver', { command: ['/hyperkube', 'kube-apiserver', '--service-cluster-ip-range=10.96.0.0/16,fd00:10:96::/112'] }),
          pod('proxy', { name: 'kube-proxy', image: 'registry.k8s.io/kube-proxy:v1.30.0', args: ['--cluster-cidr=10.244.0.0/16'] }),
        ],
      }),
    });
    expect(plain(n.settings)).toEqual([
      { name: 'allocateNodeCIDRs', value: true, source: 'kube-controller-manager', from: { object: 'Pod kube-system/kcm', path: 'spec.containers[0].args[4]' } },
      {
        name: 'clusterCIDR',
        value: ['10.244.0.0/16', 'fd00:10:244::/56'],
        source: 'kube-controller-manager',
        from: { object: 'Pod kube-system/kcm', path: 'spec.containers[0].args[0]' },
      },
      { name: 'nodeCIDRMaskSize', value: { ipv6: 72 }, source: 'kube-controller-manager', from: { object: 'Pod kube-system/kcm', path: 'spec.containers[0].args[2]' } },
      {
        name: 'serviceCIDR',
        value: ['10.96.0.0/16', 'fd00:10:96::/112'],
        source: 'kube-apiserver',
        from: { object: 'Pod kube-system/apiserver', path: 'spec.containers[0].command[2]' },
      },
      { name: 'clusterCIDR', value: ['10.244.0.0/16'], source: 'kube-proxy', from: { object: 'Pod kube-system/proxy', path: 'spec.containers[0].args[0]' } },
    ]);
    expect(n.nodeCIDRMaskSizes).toEqual({ ipv4: 24, ipv6: 72 });
    expect(n.clusterCIDRs.map(String)).toEqual(['10.244.0.0/16', 'fd00:10:244::/56']);
  });

  it('reads the pod template of a DaemonSet or Deployment (kubectl get ds kube-proxy -o yaml)', async () => {
    const file = join(tmp, 'kube-proxy-ds.yaml');
    await writeFile(
      file,
      [
        '# Source: an older kube-proxy DaemonSet that passes the pod network on its command line',
        'apiVersion: apps/v1',
        'kind: DaemonSet',
        'metadata: {name: kube-proxy, namespace: kube-system}',
        'spec:',
        '  template:',
        '    spec:',
        '      hostNetwork: true',
        '      containers:',
        '      - name: kube-proxy',
        '        image: registry.k8s.io/kube-proxy:v1.20.0',
        '        command: [/usr/local/bin/kube-proxy, --kubeconfig=/var/lib/kube-proxy/kubeconfig.conf, --cluster-cidr, 100.96.0.0/11]',
        '',
      ].join('\n'),
    );
    const n = await discover({ files: [file] });
    expect(plain(n.settings)).toEqual([
      { name: 'clusterCIDR', value: ['100.96.0.0/11'], source: 'kube-proxy', from: { file, object: 'DaemonSet kube-system/kube-proxy', path: 'spec.template.spec.containers[0].command[2]' } },
    ]);
    expect(n.pods).toEqual([]);
  });

  it('reads the --output-directory layout written with -o yaml', async () => {
    const dir = join(tmp, 'yaml-dump');
    await mkdir(join(dir, 'default'), { recursive: true });
    await writeFile(join(dir, 'nodes.yaml'), toYaml({ kind: 'NodeList', apiVersion: 'v1', items: [{ metadata: { name: 'n1' }, spec: { podCIDR: '10.244.3.0/24' } }] }));
    await writeFile(join(dir, 'default', 'services.yaml'), toYaml({ kind: 'ServiceList', apiVersion: 'v1', items: [{ metadata: { name: 's', namespace: 'default' }, spec: { clusterIP: '10.96.0.1' } }] }));
    const n = await discover({ dumpDirectory: dir });
    expect([n.nodes.map((x) => x.podCIDRs.map(String)), n.services.map((x) => x.clusterIPs.map(String))]).toEqual([[['10.244.3.0/24']], [['10.96.0.1']]]);
    expect(n.sources).toEqual([dir, join(dir, 'nodes.yaml'), join(dir, 'default', 'services.yaml')]);
  });

  it('warns when kube-controller-manager would refuse its mask flags (--node-cidr-mask-size on dual-stack)', async () => {
    const n = await discover({
      dump: JSON.stringify({ kind: 'Pod', metadata: { name: 'kcm', namespace: 'kube-system' }, spec: { containers: [{ command: ['kube-controller-manager', '--cluster-cidr=10.0.0.0/16,fd00::/56', '--node-cidr-mask-size=24'] }] } }),
    });
    expect(n.warnings.map((w) => w.code)).toEqual(['ERR_K8S_NODE_MASK_INVALID']);
    expect(n.warnings[0]!.message).toContain('usage of --node-cidr-mask-size is not allowed with dual-stack clusters');
    expect(n.settings.map((s) => s.name)).toEqual(['clusterCIDR']);
  });

  it.each([
    ['broken JSON', '{"kind": "NodeList",\n "items": [}', /^discover\(\{ dump \}\): line 2, column 12: invalid JSON/],
    ['plain text', 'this is not a dump\n', /^discover\(\{ dump \}\): line 1, column 1: expected a JSON or YAML object/],
    ['YAML with tabs', 'kind: NodeList\n\titems: []\n', /^discover\(\{ dump \}\): line 2, column 1: invalid YAML/],
  ])('rejects %s with ERR_K8S_INPUT_SYNTAX and the line and column', async (_, dump, message) => {
    const e = await rejection(discover({ dump }));
    expect(e.code).toBe('ERR_K8S_INPUT_SYNTAX');
    expect(e.message).toMatch(message);
  });

  it('reads a large dump (2,000 nodes, 60,000 pods, 4,000 services, kubectl-indented) item by item, losing nothing', async () => {
    // How fast is a benchmark's question (bench/src/audit.bench.ts times the 5,000-node dump); this checks
    // that size changes nothing: every object arrives, in order, with its addresses.
    const n = await discover({ dump: largeDump(2000) });
    expect([n.nodes.length, n.pods.length, n.services.length, n.warnings.length]).toEqual([2000, 60000, 4000, 0]);
    expect([n.nodes[1999]!.name, `${n.nodes[1999]!.podCIDRs[0]}`, n.pods[59999]!.name, `${n.pods[59999]!.podIPs[0]}`]).toEqual([
      'node-1999',
      '10.71.207.0/24',
      'app-59999',
      '10.234.95.153', // v4(59999): 10 + (59999 >>> 16), (59999 >>> 8) & 255, 59999 & 255, (59999 * 7) & 255
    ]);
    expect(`${n.services[3999]!.clusterIPs[0]}`).toBe('10.96.15.159');
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------------------------
// Property: random objects rendered as a dump come back

const addrArb = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((v) => Addr.fromUint32(v)),
  fc
    .bigInt({ min: 0n, max: 2n ** 128n - 1n })
    .map((v) => Addr.fromBigInt(v, 6))
    .filter((a) => !a.is4In6()),
);
const prefixArb = addrArb.chain((a) => fc.integer({ min: 0, max: a.bitLength }).map((bits) => a.prefix(bits)));
const nameArb = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);

describe('discover: property', () => {
  it('any nodes, pods and services rendered as a dump (JSON or YAML) discover back to the same objects', async () => {
    const nodeArb = fc.record({ name: nameArb, podCIDRs: fc.array(prefixArb, { maxLength: 2 }), addresses: fc.array(addrArb, { maxLength: 2 }) });
    const podArb = fc.record({
      namespace: fc.constantFrom('default', 'kube-system', 'apps'),
      name: nameArb,
      hostNetwork: fc.boolean(),
      phase: fc.constantFrom('Running', 'Pending', undefined),
      nodeName: fc.option(nameArb, { nil: undefined }),
      podIPs: fc.array(addrArb, { maxLength: 2 }),
    });
    const serviceArb = fc.record({
      namespace: fc.constantFrom('default', 'kube-system'),
      name: nameArb,
      type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'),
      headless: fc.boolean(),
      clusterIPs: fc.array(addrArb, { minLength: 1, maxLength: 2 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(nodeArb, { selector: (n) => n.name, maxLength: 5 }),
        fc.uniqueArray(podArb, { selector: (p) => `${p.namespace}/${p.name}`, maxLength: 6 }),
        fc.uniqueArray(serviceArb, { selector: (s) => `${s.namespace}/${s.name}`, maxLength: 5 }),
        fc.constantFrom('json', 'json4', 'yaml') as fc.Arbitrary<'json' | 'json4' | 'yaml'>,
        async (nodes, pods, services, format) => {
          const docs = [
            {
              kind: 'NodeList',
              apiVersion: 'v1',
              items: nodes.map((n) => ({
                metadata: { name: n.name },
                spec: n.podCIDRs.length === 0 ? {} : { podCIDR: n.podCIDRs[0]!.toString(), podCIDRs: n.podCIDRs.map(String) },
                status: { addresses: [...n.addresses.map((a) => ({ type: 'InternalIP', address: a.toString() })), { type: 'Hostname', address: n.name }] },
              })),
            },
            {
              kind: 'ServiceList',
              apiVersion: 'v1',
              items: services.map((s) => ({
                metadata: { name: s.name, namespace: s.namespace },
                spec:
                  s.type === 'ExternalName'
                    ? { type: s.type, externalName: 'db.example.com' }
                    : { type: s.type, clusterIP: s.headless ? 'None' : s.clusterIPs[0]!.toString(), clusterIPs: s.headless ? ['None'] : s.clusterIPs.map(String) },
              })),
            },
            {
              kind: 'PodList',
              apiVersion: 'v1',
              items: pods.map((p) => ({
                metadata: { name: p.name, namespace: p.namespace },
                spec: { ...(p.nodeName === undefined ? {} : { nodeName: p.nodeName }), ...(p.hostNetwork ? { hostNetwork: true } : {}), containers: [{ name: 'c', image: 'i' }] },
                status: { ...(p.phase === undefined ? {} : { phase: p.phase }), ...(p.podIPs.length === 0 ? {} : { podIP: p.podIPs[0]!.toString(), podIPs: p.podIPs.map((a) => ({ ip: a.toString() })) }) },
              })),
            },
          ];
          const n = await discover({ dump: renderDump(docs, format) });
          expect(n.warnings).toEqual([]);
          expect(plain(n.nodes)).toEqual(
            nodes.map((x) => ({
              name: x.name,
              podCIDRs: x.podCIDRs.map(String),
              addresses: x.addresses.map((a) => ({ type: 'InternalIP', address: a.toString() })),
              from: { object: `Node ${x.name}` },
            })),
          );
          expect(plain(n.services)).toEqual(
            services.map((s) => ({
              namespace: s.namespace,
              name: s.name,
              type: s.type,
              clusterIPs: s.type === 'ExternalName' || s.headless ? [] : s.clusterIPs.map(String),
              from: { object: `Service ${s.namespace}/${s.name}` },
            })),
          );
          expect(plain(n.pods)).toEqual(
            pods.map((p) => plain({ ...p, podIPs: p.podIPs.map(String), from: { object: `Pod ${p.namespace}/${p.name}` } })),
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Files

describe('discover({ files })', () => {
  it('reads a kubeadm v1beta3 ClusterConfiguration with kubeadm defaults and map-form extraArgs', async () => {
    const file = fixture('kubeadm/kubeadm-v1beta3.yaml');
    const n = await discover({ files: [file] });
    const from = (path: string): object => ({ file, object: 'ClusterConfiguration', path });
    expect(plain(n.settings)).toEqual([
      { name: 'allocateNodeCIDRs', value: true, source: 'kubeadm', from: from('networking.podSubnet') },
      { name: 'clusterCIDR', value: ['10.244.0.0/16'], source: 'kubeadm', from: from('networking.podSubnet') },
      { name: 'serviceCIDR', value: ['10.96.0.0/12'], source: 'kubeadm', from: from('networking.serviceSubnet') },
      { name: 'nodeCIDRMaskSize', value: { ipv4: 25 }, source: 'kubeadm', from: from('controllerManager.extraArgs["node-cidr-mask-size"]') },
      { name: 'dnsDomain', value: 'cluster.local', source: 'kubeadm', from: from('networking.dnsDomain') },
    ]);
    expect([n.clusterCIDRs.map(String), n.serviceCIDRs.map(String), n.nodeCIDRMaskSizes, n.allocateNodeCIDRs, n.dnsDomain]).toEqual([
      ['10.244.0.0/16'],
      ['10.96.0.0/12'],
      { ipv4: 25, ipv6: 64 },
      true,
      'cluster.local',
    ]);
    expect(n.warnings).toEqual([]);
    expect(n.sources).toEqual([file]);
  });

  it('reads a dual-stack kubeadm v1beta4 file: list-form extraArgs (the last entry wins) and its KubeProxyConfiguration', async () => {
    const file = fixture('kubeadm/kubeadm-v1beta4-dual-stack.yaml');
    const n = await discover({ files: [file] });
    expect(plain(n.settings).map((s: any) => [s.name, s.value, s.source, s.from.path])).toEqual([
      ['allocateNodeCIDRs', true, 'kubeadm', 'networking.podSubnet'],
      ['clusterCIDR', ['10.244.0.0/16', '2001:db8:42::/56'], 'kubeadm', 'networking.podSubnet'],
      ['serviceCIDR', ['10.96.0.0/16', '2001:db8:42:1::/112'], 'kubeadm', 'networking.serviceSubnet'],
      ['nodeCIDRMaskSize', { ipv4: 24, ipv6: 72 }, 'kubeadm', 'controllerManager.extraArgs[0]'],
      ['dnsDomain', 'k8s.example.internal', 'kubeadm', 'networking.dnsDomain'],
      ['clusterCIDR', ['10.244.0.0/16', '2001:db8:42::/56'], 'kube-proxy', 'clusterCIDR'],
    ]);
    expect(n.settings.at(-1)!.from).toEqual({ file, object: 'KubeProxyConfiguration', path: 'clusterCIDR' });
    expect(n.nodeCIDRMaskSizes).toEqual({ ipv4: 24, ipv6: 72 });
  });

  it('reads the kubeadm-config ConfigMap (ClusterConfiguration held as YAML text)', async () => {
    const file = fixture('kubeadm/kubeadm-config-configmap.yaml');
    const n = await discover({ files: [file] });
    expect(n.settings.find((s) => s.name === 'clusterCIDR')!.from).toEqual({
      file,
      object: 'ConfigMap kube-system/kubeadm-config',
      path: 'data.ClusterConfiguration: networking.podSubnet',
    });
    expect([n.clusterCIDRs.map(String), n.serviceCIDRs.map(String), n.dnsDomain]).toEqual([['192.168.0.0/16'], ['10.96.0.0/12'], 'cluster.local']);
  });

  it('warns about a kubeadm-config ConfigMap whose ClusterConfiguration is not YAML', async () => {
    const n = await discover({ dump: JSON.stringify({ kind: 'ConfigMap', metadata: { name: 'kubeadm-config', namespace: 'kube-system' }, data: { ClusterConfiguration: 'a:\n\tb: c' } }) });
    expect(n.warnings.map((w) => [w.code, w.from])).toEqual([
      ['ERR_K8S_INPUT_SYNTAX', { object: 'ConfigMap kube-system/kubeadm-config', path: 'data.ClusterConfiguration' }],
    ]);
  });

  it('reads kube-proxy: the kube-proxy ConfigMap and a dual-stack KubeProxyConfiguration file', async () => {
    const cm = fixture('kube-proxy/kube-proxy-configmap.yaml');
    const conf = fixture('kube-proxy/kube-proxy-config.yaml');
    const n = await discover({ files: [cm, conf] });
    expect(plain(n.settings)).toEqual([
      { name: 'clusterCIDR', value: ['10.244.0.0/16'], source: 'kube-proxy', from: { file: cm, object: 'ConfigMap kube-system/kube-proxy', path: 'data["config.conf"]: clusterCIDR' } },
      { name: 'clusterCIDR', value: ['10.244.0.0/16', 'fd00:10:244::/56'], source: 'kube-proxy', from: { file: conf, object: 'KubeProxyConfiguration', path: 'clusterCIDR' } },
    ]);
    // kube-proxy is the last resort for the cluster CIDR; the first observation wins among equals.
    expect(n.clusterCIDRs.map(String)).toEqual(['10.244.0.0/16']);
    expect(n.sources).toEqual([cm, conf]);
  });

  it('reads a directory of static pod manifests in name order', async () => {
    const dir = fixture('manifests');
    const n = await discover({ files: [dir] });
    expect(n.sources).toEqual(['etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml'].map((f) => join(dir, f)));
    expect(plain(n.settings).map((s: any) => [s.name, s.value, s.source, s.from.object, s.from.path])).toEqual([
      ['serviceCIDR', ['10.96.0.0/12'], 'kube-apiserver', 'Pod kube-system/kube-apiserver', 'spec.containers[0].command[9]'],
      ['allocateNodeCIDRs', true, 'kube-controller-manager', 'Pod kube-system/kube-controller-manager', 'spec.containers[0].command[1]'],
      ['clusterCIDR', ['10.244.0.0/16'], 'kube-controller-manager', 'Pod kube-system/kube-controller-manager', 'spec.containers[0].command[6]'],
      ['serviceCIDR', ['10.96.0.0/12'], 'kube-controller-manager', 'Pod kube-system/kube-controller-manager', 'spec.containers[0].command[11]'],
    ]);
    expect(n.pods.map((p) => [p.name, p.hostNetwork, p.podIPs.length])).toEqual([
      ['etcd', true, 0],
      ['kube-apiserver', true, 0],
      ['kube-controller-manager', true, 0],
    ]);
  });

  it('reads ServiceCIDR objects strictly: the kubernetes one is a setting, others extend the service CIDRs', async () => {
    const file = fixture('objects/service-cidrs.yaml');
    const n = await discover({ files: [file] });
    expect(plain(n.serviceCIDRObjects)).toEqual([
      { name: 'kubernetes', cidrs: ['10.96.0.0/28'], from: { file, object: 'ServiceCIDR kubernetes' } },
      { name: 'newcidr1', cidrs: ['10.96.0.0/24'], from: { file, object: 'ServiceCIDR newcidr1' } },
    ]);
    expect(plain(n.settings)).toEqual([{ name: 'serviceCIDR', value: ['10.96.0.0/28'], source: 'service-cidr', from: { file, object: 'ServiceCIDR kubernetes', path: 'spec.cidrs' } }]);
    expect(n.serviceCIDRs.map(String)).toEqual(['10.96.0.0/28', '10.96.0.0/24']);
    const strict = await discover({
      dump: JSON.stringify({ apiVersion: 'networking.k8s.io/v1beta1', kind: 'ServiceCIDR', metadata: { name: 'x' }, spec: { cidrs: ['010.96.0.0/24', '10.97.0.1/24', 'fd00:0:0::/112'] } }),
    });
    expect(strict.warnings.map((w) => [w.code, w.from.path])).toEqual([
      ['ERR_K8S_INVALID_CIDR', 'spec.cidrs[0]'],
      ['ERR_K8S_INVALID_CIDR', 'spec.cidrs[1]'],
      ['ERR_K8S_INVALID_CIDR', 'spec.cidrs[2]'],
    ]);
  });

  it('reads IPAddress objects strictly, with their parent references', async () => {
    const file = fixture('objects/ip-addresses.json');
    const n = await discover({ files: [file] });
    expect(plain(n.ipAddresses)).toEqual([
      { address: '10.96.0.1', parentRef: 'services default/kubernetes', from: { file, object: 'IPAddress 10.96.0.1' } },
      { address: '10.96.0.10', parentRef: 'services kube-system/kube-dns', from: { file, object: 'IPAddress 10.96.0.10' } },
    ]);
    const bad = await discover({ dump: JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress', metadata: { name: '10.96.0.010' } }) });
    expect(bad.warnings.map((w) => [w.code, w.message])).toEqual([['ERR_K8S_INVALID_IP', 'IPAddress 10.96.0.010: metadata.name: the name "10.96.0.010" is not an IP address; skipped']]);
  });

  it('reads kubectl get -o json lists (4-space indented) of nodes', async () => {
    const file = fixture('objects/nodes.json');
    const n = await discover({ files: [file] });
    expect(plain(n.nodes)).toEqual([
      {
        name: 'kind-control-plane',
        podCIDRs: ['10.244.0.0/24', 'fd00:10:244::/64'],
        addresses: [
          { type: 'InternalIP', address: '172.18.0.3' },
          { type: 'InternalIP', address: 'fc00:f853:ccd:e793::3' },
        ],
        from: { file, object: 'Node kind-control-plane' },
      },
      {
        name: 'kind-worker',
        podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'],
        addresses: [
          { type: 'InternalIP', address: '172.18.0.2' },
          { type: 'InternalIP', address: 'fc00:f853:ccd:e793::2' },
        ],
        from: { file, object: 'Node kind-worker' },
      },
    ]);
  });

  it('merges inputs: an object read again replaces the earlier one, settings accumulate, sources list each input', async () => {
    const nodes = fixture('objects/nodes.json');
    const n = await discover({ dump: JSON.stringify({ kind: 'Node', metadata: { name: 'kind-worker' }, spec: { podCIDR: '10.9.9.0/24' } }), files: [nodes, fixture('kubeadm/kubeadm-v1beta3.yaml')] });
    expect(n.nodes.map((x) => [x.name, x.podCIDRs.map(String)[0]])).toEqual([
      ['kind-worker', '10.244.1.0/24'],
      ['kind-control-plane', '10.244.0.0/24'],
    ]);
    expect(n.sources).toEqual(['<dump>', nodes, fixture('kubeadm/kubeadm-v1beta3.yaml')]);
  });

  it.each([
    ['a missing file', join('/nonexistent', 'nodes.json'), 'ERR_K8S_IO', /^\/nonexistent\/nodes\.json: cannot read the file: ENOENT$/],
  ])('rejects %s', async (_, file, code, message) => {
    const e = await rejection(discover({ files: [file] }));
    expect([e.code, e.file]).toEqual([code, file]);
    expect(e.message).toMatch(message);
  });

  it('rejects a file that is not JSON or YAML, naming the file, line and column', async () => {
    const file = join(tmp, 'broken.json');
    await writeFile(file, '{\n    "kind": "NodeList",\n    "items": [\n        {"metadata": {"name": "a"},}\n    ]\n}\n');
    const e = await rejection(discover({ files: [file] }));
    expect([e.code, e.file]).toEqual(['ERR_K8S_INPUT_SYNTAX', file]);
    expect(e.message).toBe(`${file}: line 4, column 36: invalid JSON: expected a double-quoted property name`);
    const yamlFile = join(tmp, 'broken.yaml');
    await writeFile(yamlFile, 'kind: Node\nmetadata:\n  name: "a\n');
    const y = await rejection(discover({ files: [yamlFile] }));
    expect([y.code, y.file]).toEqual(['ERR_K8S_INPUT_SYNTAX', yamlFile]);
    expect(y.message).toMatch(/: line 4, column 1: invalid YAML: Missing closing "quote$/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// CNI configurations

/** What each real configuration of ../shared/corpus/cni-configs yields; every file of the corpus has a row. */
const CNI_CORPUS: Record<string, { subnets: string[]; ipamType?: string; plugins: string[] } | { warning: RegExp }> = {
  'aws-vpc-cni-10-aws.json': { warning: /ERR_CNI_TEMPLATE.*__VETHPREFIX__/ },
  'calico-k8s-pod-network.json': { warning: /ERR_CNI_TEMPLATE.*__CNI_MTU__/ },
  'cilium-05-cilium-cni-legacy-conf.json': { subnets: [], plugins: ['cilium-cni'] },
  'cilium-05-cilium.json': { warning: /ERR_CNI_TEMPLATE.*\{\{\.Debug/ },
  'cni-readme-10-mynet.json': { subnets: ['10.22.0.0/16'], ipamType: 'host-local', plugins: ['bridge'] },
  'cnidev-bridge-empty-ipam.json': { subnets: [], plugins: ['bridge'] },
  'cnidev-bridge-host-local.json': { subnets: ['10.10.0.0/16'], ipamType: 'host-local', plugins: ['bridge'] },
  'cnidev-macvlan-dhcp.json': { subnets: [], ipamType: 'dhcp', plugins: ['macvlan'] },
  'cnidev-ptp-host-local.json': { subnets: ['10.1.1.0/24'], ipamType: 'host-local', plugins: ['ptp'] },
  // A fragment holding only an `ipam` object: neither a CNI network nor a Kubernetes object.
  'cnidev-static-ipam-fragment.json': { warning: /the document has no "kind"; skipped/ },
  'containerd-10-containerd-net.json': { subnets: ['10.88.0.0/16', '2001:4860:4860::/64'], ipamType: 'host-local', plugins: ['bridge', 'portmap'] },
  'crio-10-crio-bridge.json': { subnets: ['10.85.0.0/16', '1100:200::/24'], ipamType: 'host-local', plugins: ['bridge'] },
  'crio-99-loopback.json': { subnets: [], plugins: ['loopback'] },
  'flannel-kube-flannel-cni-conf.json': { subnets: [], plugins: ['flannel', 'portmap'] },
  'kindnet-10-kindnet.json': { warning: /ERR_CNI_TEMPLATE.*\{\{if \.Mtu\}\}/ },
  'multus-70-multus.json': { subnets: [], plugins: ['multus'] },
  'weave-10-weave.json': { warning: /ERR_CNI_TEMPLATE.*\$2/ },
  'whereabouts-ipvlan-sample-config.json': { subnets: ['192.168.1.0/24'], ipamType: 'whereabouts', plugins: ['ipvlan'] },
  'whereabouts-macvlan-etcd-datastore.json': { subnets: ['192.168.2.224/28'], ipamType: 'whereabouts', plugins: ['macvlan'] },
  'whereabouts-macvlan-exclude.json': { subnets: ['192.168.2.224/28'], ipamType: 'whereabouts', plugins: ['macvlan'] },
  'whereabouts-macvlan-ipv6.json': { subnets: ['2001::/116'], ipamType: 'whereabouts', plugins: ['macvlan'] },
};

describe('discover: CNI configurations', () => {
  it('has a row for every configuration of the shared corpus', async () => {
    const files = (await readdir(corpus('cni-configs'))).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(Object.keys(CNI_CORPUS).sort());
  });

  it.each(Object.entries(CNI_CORPUS))('reads the real configuration %s', async (name, expected) => {
    const file = corpus(`cni-configs/${name}`);
    const n = await discover({ files: [file] });
    if ('warning' in expected) {
      expect(n.cniNetworks).toEqual([]);
      expect(n.warnings).toHaveLength(1);
      expect(n.warnings[0]!.code).toBe('ERR_K8S_INPUT_INVALID');
      expect(n.warnings[0]!.message).toMatch(expected.warning);
      expect(n.warnings[0]!.from.file).toBe(file);
      return;
    }
    expect(n.warnings).toEqual([]);
    expect(n.cniNetworks).toHaveLength(1);
    const net = n.cniNetworks[0]!;
    expect([net.subnets.map(String), net.ipamType, net.plugins, net.usesPodCIDR, net.from]).toEqual([expected.subnets, expected.ipamType, expected.plugins, false, { file }]);
  });

  it('gives a network its ranges through NetworkConfig.ranges()', async () => {
    const n = await discover({ files: [corpus('cni-configs/containerd-10-containerd-net.json'), fixture('cni/10-bridge.conf')] });
    expect(n.cniNetworks.map((c) => c.ranges.map(String))).toEqual([
      ['10.88.0.2-10.88.255.254', '2001:4860:4860::2-2001:4860:4860:0:ffff:ffff:ffff:ffff'],
      ['10.244.1.2-10.244.1.254'],
    ]);
  });

  it('marks a configuration whose IPAM takes the node pod CIDR (usePodCidr)', async () => {
    const file = fixture('cni/10-canal.conflist');
    const n = await discover({ files: [file] });
    expect(plain(n.cniNetworks)).toEqual([
      { name: 'k8s-pod-network', plugins: ['calico', 'portmap'], ipamType: 'host-local', subnets: [], ranges: [], usesPodCIDR: true, from: { file } },
    ]);
    expect(n.warnings).toEqual([]);
  });

  it('reads every CNI file of a directory given in files', async () => {
    const n = await discover({ files: [fixture('cni')] });
    expect(n.cniNetworks.map((c) => c.name)).toEqual(['mynet', 'k8s-pod-network']);
  });

  it('rejects a .conf file that is not JSON', async () => {
    const file = join(tmp, '10-broken.conf');
    await writeFile(file, '{\n  "cniVersion": "1.0.0",\n  "name": x\n}\n');
    const e = await rejection(discover({ files: [file] }));
    expect([e.code, e.file]).toEqual(['ERR_K8S_INPUT_SYNTAX', file]);
    expect(e.message).toMatch(/line 3, column 11: invalid CNI configuration JSON/);
  });

  it('reads cniConfigDir as the container runtime does (containerd: the first file only)', async () => {
    const dir = join(tmp, 'net.d');
    await mkdir(dir, { recursive: true });
    await cp(corpus('cni-configs/containerd-10-containerd-net.json'), join(dir, '10-containerd-net.conflist'));
    await cp(fixture('cni/10-bridge.conf'), join(dir, '20-bridge.conf'));
    const n = await discover({ cniConfigDir: dir });
    expect(n.cniNetworks.map((c) => [c.name, c.from.file])).toEqual([['containerd-net', join(dir, '10-containerd-net.conflist')]]);
    const crio = await discover({ cniConfigDir: dir, cniRuntime: 'crio' });
    expect(crio.cniNetworks.map((c) => c.name)).toEqual(['containerd-net', 'mynet']);
    expect(crio.sources).toEqual([dir]);
  });

  it('warns when the runtime would use no network, and rejects a missing directory', async () => {
    const empty = join(tmp, 'empty-net.d');
    await mkdir(empty, { recursive: true });
    const n = await discover({ cniConfigDir: empty });
    expect(n.warnings.map((w) => w.code)).toEqual(['ERR_K8S_INPUT_INVALID']);
    expect(n.warnings[0]!.message).toMatch(/would use no network \(ERR_CNI_NO_CONFIG\)/);
    const e = await rejection(discover({ cniConfigDir: join(tmp, 'missing') }));
    expect(e.code).toBe('ERR_K8S_IO');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// A live cluster through the KubernetesApi seam

async function fixtureItems(file: string): Promise<Record<string, unknown>[]> {
  const n = JSON.parse(await readFile(fixture(file), 'utf8')) as { items: Record<string, unknown>[] };
  return n.items;
}

describe('discover({ api })', () => {
  it('reads every list through the same object reader as files', async () => {
    const { parse } = await import('yaml');
    const yamlItems = async (f: string): Promise<Record<string, unknown>[]> => (parse(await readFile(fixture(f), 'utf8')) as { items: Record<string, unknown>[] }).items;
    const lists: Record<KubernetesResource, Record<string, unknown>[]> = {
      nodes: await fixtureItems('objects/nodes.json'),
      pods: await fixtureItems('objects/pods.json'),
      services: await yamlItems('objects/services.yaml'),
      configmaps: [parse(await readFile(fixture('kubeadm/kubeadm-config-configmap.yaml'), 'utf8')), parse(await readFile(fixture('kube-proxy/kube-proxy-configmap.yaml'), 'utf8'))],
      servicecidrs: await yamlItems('objects/service-cidrs.yaml'),
      ipaddresses: (await fixtureItems('objects/ip-addresses.json')).map(({ kind: _, ...rest }) => rest),
      // No CNI plugin objects in this cluster (src/internal/plugins/live.test.ts reads some).
      daemonsets: [],
      'kube-flannel-configmaps': [],
      'kube-flannel-daemonsets': [],
      ippools: [],
      ipamblocks: [],
      blockaffinities: [],
      ipamhandles: [],
      ciliumnodes: [],
      ciliumpodippools: [],
    };
    const asked: string[] = [];
    const api: KubernetesApi = {
      name: 'kind-dual',
      async list(resource) {
        asked.push(resource);
        return lists[resource];
      },
    };
    const live = await discover({ api });
    expect(asked.sort()).toEqual(Object.keys(lists).sort());
    expect(live.sources).toEqual(['api:kind-dual']);
    const files = await discover({
      files: [
        'objects/nodes.json',
        'objects/pods.json',
        'objects/services.yaml',
        'kubeadm/kubeadm-config-configmap.yaml',
        'kube-proxy/kube-proxy-configmap.yaml',
        'objects/service-cidrs.yaml',
        'objects/ip-addresses.json',
      ].map(fixture),
    });
    expect(content(live)).toEqual(content(files));
    expect(live.ipAddresses).toHaveLength(2);
    expect(live.nodes[0]!.from).toEqual({ object: 'Node kind-control-plane' });
  });

  it('rejects with ERR_K8S_API when a list fails or is not a list', async () => {
    const failing: KubernetesApi = {
      name: 'broken',
      async list(resource) {
        if (resource === 'pods') throw new Error('connection refused');
        return [];
      },
    };
    const e = await rejection(discover({ api: failing }));
    expect([e.code, e.message]).toEqual(['ERR_K8S_API', 'KubernetesApi.list("pods") on broken: connection refused']);
    const odd = { name: 'odd', list: async () => ({ items: [] }) } as unknown as KubernetesApi;
    expect((await rejection(discover({ api: odd }))).code).toBe('ERR_K8S_API');
    const own: KubernetesApi = {
      name: 'own',
      async list() {
        throw new KubernetesError('ERR_K8S_API', 'HTTP 403');
      },
    };
    expect((await rejection(discover({ api: own }))).message).toBe('HTTP 403');
  });

  it('loads the official client only for kubeconfig/context, and passes its errors on', async () => {
    const e = await rejection(discover({ kubeconfig: join(tmp, 'no-such-kubeconfig') }));
    expect(e.code).toBe('ERR_K8S_IO');
  });
});

describe('discover options', () => {
  it.each([
    ['no input', {}],
    ['not an object', 'dump.txt'],
    ['a dump that is not text', { dump: 42 }],
    ['files that are not a list', { files: 'a.yaml' }],
    ['an api without list', { api: { name: 'x' } }],
    ['a kubeconfig that is not a path', { kubeconfig: false }],
  ])('rejects %s with ERR_K8S_INVALID_ARGUMENT', async (_, options) => {
    const e = await rejection(discover(options as never));
    expect(e.code).toBe('ERR_K8S_INVALID_ARGUMENT');
    expect(e.message).toMatch(/^discover: /);
  });
});

describe('discover({ dump }) from bytes and streams', () => {
  /** A small dump with multi-byte text, escapes and log blocks, whose reading also warns (to compare where warnings point). */
  const text = [
    JSON.stringify({
      kind: 'NodeList',
      apiVersion: 'v1',
      items: [
        { metadata: { name: 'n1', annotations: { note: 'é😀 "}{" \\' } }, spec: { podCIDR: '10.244.0.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.1.10' }] } },
        { metadata: { name: 'n2' }, spec: { podCIDR: '10.244.1.0/24' } },
      ],
    }, null, 4),
    '==== START logs for container c of pod kube-system/kube-controller-manager-n1 ====',
    'E0101 señal 😀 { "half": [ ==== END logs for container other of pod x/y ====',
    '==== END logs for container c of pod kube-system/kube-controller-manager-n1 ====',
    JSON.stringify({
      kind: 'PodList',
      items: [
        { metadata: { name: 'kube-controller-manager-n1', namespace: 'kube-system' }, spec: { nodeName: 'n1', containers: [{ name: 'kube-controller-manager', command: ['kube-controller-manager', '--cluster-cidr=10.244.0.0/16', '--service-cluster-ip-range=10.96.0.0/12'] }] }, status: { podIP: '192.168.1.10' } },
        { metadata: { name: 'web-ü', namespace: 'default' }, spec: { nodeName: 'n2' }, status: { podIPs: [{ ip: '10.244.1.5' }, { ip: 'not-an-ip' }] } },
        { metadata: { namespace: 'default' } },
        7,
      ],
    }),
    JSON.stringify({ kind: 'ServiceList', items: [{ metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1' } }] }, null, 4),
    '',
  ].join('\n');
  const bytes = new TextEncoder().encode(text);

  async function* chunks<T>(parts: readonly T[]): AsyncGenerator<T> {
    for (const p of parts) yield p;
  }
  const cut = <T extends string | Uint8Array>(whole: T, at: readonly number[]): T[] => {
    const points = [0, ...[...at].sort((a, b) => a - b), whole.length];
    return points.slice(1).map((end, k) => whole.slice(points[k], end) as T);
  };

  let expected: unknown;
  beforeAll(async () => {
    expected = plain(await discover({ dump: text }));
  });

  it('reads the same network from text, bytes and streams of either', async () => {
    const n = await discover({ dump: text });
    expect(n.pods.map((p) => p.name)).toEqual(['kube-controller-manager-n1', 'web-ü']);
    expect(n.clusterCIDRs.map(String)).toEqual(['10.244.0.0/16']);
    expect(n.warnings.map((w) => w.message)).toEqual([
      'Pod default/web-ü: status.podIPs[1].ip: parseIPSloppy("not-an-ip"): unable to parse IP; ignored',
      'document 2: items[2]: a Pod without metadata.name; skipped',
      'document 2: items[3]: expected an object, found number 7; skipped',
    ]);
    expect(plain(await discover({ dump: bytes }))).toEqual(expected);
    expect(plain(await discover({ dump: Buffer.from(text) }))).toEqual(expected);
    expect(plain(await discover({ dump: chunks([text]) }))).toEqual(expected);
    expect(plain(await discover({ dump: chunks([bytes]) }))).toEqual(expected);
    expect(plain(await discover({ dump: chunks([...text]) }))).toEqual(expected);
  });

  it('reads a file stream', async () => {
    const file = join(tmp, 'stream-dump.txt');
    await writeFile(file, text);
    const { createReadStream } = await import('node:fs');
    expect(plain(await discover({ dump: createReadStream(file, { highWaterMark: 7 }) }))).toEqual(expected);
  });

  it('reads the real minikube dump from a file stream, in small reads, as from its text', async () => {
    const file = corpus('cluster-info-dump-minikube-excerpt.txt');
    const whole = plain(await discover({ dump: await readFile(file, 'utf8') }));
    const { createReadStream } = await import('node:fs');
    for (const highWaterMark of [97, 4096, 1 << 16]) expect(plain(await discover({ dump: createReadStream(file, { highWaterMark }) }))).toEqual(whole);
    expect(plain(await discover({ dump: await readFile(file) }))).toEqual(whole);
  });

  it('reads bytes cut in two anywhere: inside strings, escapes, multi-byte characters and log markers', async () => {
    for (let k = 0; k <= bytes.length; k++) {
      expect(plain(await discover({ dump: chunks([bytes.subarray(0, k), bytes.subarray(k)]) }))).toEqual(expected);
    }
  });

  it('reads any chunking of the bytes or the text, mixed, into the same network (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { maxLength: 30 }),
        fc.uniqueArray(fc.integer({ min: 0, max: text.length }), { maxLength: 30 }),
        async (byteCuts, textCuts) => {
          expect(plain(await discover({ dump: chunks(cut(bytes, byteCuts)) }))).toEqual(expected);
          expect(plain(await discover({ dump: chunks(cut(text, textCuts)) }))).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reads a single document from a stream as from text: paths without "document 1", a CNI configuration as one', async () => {
    const list = JSON.stringify({ kind: 'PodList', items: [{ metadata: { namespace: 'a' } }] });
    expect(plain(await discover({ dump: chunks([...list]) }))).toEqual(plain(await discover({ dump: list })));
    expect((await discover({ dump: chunks([list]) })).warnings.map((w) => w.message)).toEqual(['items[0]: a Pod without metadata.name; skipped']);
    const cni = JSON.stringify({ cniVersion: '1.0.0', name: 'k8s', type: 'bridge', ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.0.0/24' }]] } });
    const fromText = await discover({ dump: cni });
    expect(fromText.cniNetworks.map((c) => c.name)).toEqual(['k8s']);
    expect(plain(await discover({ dump: chunks(cut(cni, [5, 17])) }))).toEqual(plain(fromText));
  });

  it('reads a YAML dump (-o yaml) and a kubectl get -o json List (kind after items) from a stream as from text', async () => {
    const yamlDump = renderDump(
      [
        { kind: 'NodeList', items: [{ metadata: { name: 'n1' }, spec: { podCIDR: '10.244.0.0/24' } }] },
        { kind: 'PodList', items: [{ metadata: { name: 'p-ü', namespace: 'a' }, status: { podIP: '10.244.0.9' } }, { metadata: { namespace: 'a' } }] },
      ],
      'yaml',
    );
    const getJson = JSON.stringify({ apiVersion: 'v1', items: [{ kind: 'Pod', metadata: { name: 'p', namespace: 'a' }, status: { podIP: '10.244.0.7' } }, {}], kind: 'List', metadata: {} }, null, 4);
    for (const whole of [yamlDump, getJson]) {
      const fromText = plain(await discover({ dump: whole }));
      expect(fromText.pods.length).toBeGreaterThan(0);
      const b = new TextEncoder().encode(whole);
      for (let k = 0; k <= b.length; k += 7) expect(plain(await discover({ dump: chunks([b.subarray(0, k), b.subarray(k)]) }))).toEqual(fromText);
    }
  });

  it('reports syntax errors with the line and column in the whole stream', async () => {
    const bad = `${text}{"kind":"PodList","items":[{"a": tru}]}\n`;
    const line = text.split('\n').length;
    for (const dump of [bad, chunks([...bad]), new TextEncoder().encode(bad)]) {
      const e = await rejection(discover({ dump }));
      expect(e.code).toBe('ERR_K8S_INPUT_SYNTAX');
      expect(e.message).toBe(`discover({ dump }): line ${line}, column 34: invalid JSON: unexpected "t"`);
    }
  });

  it('rejects a dump of another type, and a stream that yields something else', async () => {
    const e = await rejection(discover({ dump: 42 as unknown as string }));
    expect(e.code).toBe('ERR_K8S_INVALID_ARGUMENT');
    expect(e.message).toContain('options.dump must be a string, a Uint8Array or an async iterable of them, found number 42');
    const f = await rejection(discover({ dump: chunks([text.slice(0, 10), 42]) as AsyncIterable<string> }));
    expect(f.code).toBe('ERR_K8S_INVALID_ARGUMENT');
    expect(f.message).toContain('yielded number 42');
  });
});
