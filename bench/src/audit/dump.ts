/**
 * A synthetic `kubectl cluster-info dump --all-namespaces`, deterministic for a given size and seed, for the audit
 * benchmark. It is laid out as kubectl writes it (staging/src/k8s.io/kubectl/pkg/cmd/clusterinfo/clusterinfo_dump.go):
 * a NodeList, then per namespace an EventList, ReplicationControllerList, ServiceList, DaemonSetList,
 * DeploymentList, ReplicaSetList and PodList, each a JSON document indented with 4 spaces, then a
 * `==== START logs ... ====` / `==== END logs ... ====` block per container of every pod of the namespace.
 *
 * Nodes carry what real ones do (labels, annotations, capacity, conditions, addresses, node info) but their image
 * lists. Pods are trimmed to metadata (name, namespace, uid, labels, owner reference), one container (name, image,
 * the control plane's command lines), nodeName, hostNetwork and status (phase, hostIP, podIP(s), startTime): a real
 * pod object is 3–6 KB in this layout, which for 150,000 pods would pass V8's string limit (2^29 − 24 characters)
 * and any memory target on its own; this one is about 1 KB, and the dump about 200 MB.
 *
 * The cluster is a kubeadm one: cluster CIDR 10.128.0.0/11 in /24 node blocks, service CIDR 10.96.0.0/12, a
 * control-plane node running kube-apiserver and kube-controller-manager as static pods (their flags carry the
 * CIDRs), a hostNetwork kube-proxy pod on every node, and the rest of the pods spread over the nodes and over
 * `team-NN` namespaces, with the Services in the same namespaces. A few mistakes are planted so that the audit has
 * something to find: see {@link Planted}.
 */
import { mulberry32 } from '../pool/prng.js';

/** SyntheticClusterSize says how big the cluster is. */
export interface SyntheticClusterSize {
  readonly nodes: number;
  /** Pods per node, the kube-proxy pod included. */
  readonly podsPerNode: number;
  readonly services: number;
  /** Application namespaces (besides kube-system and default). */
  readonly namespaces: number;
  readonly seed?: number;
}

/** Planted lists the mistakes put into the dump, which the audit must report. */
export interface Planted {
  /** Two nodes given the same pod CIDR. */
  readonly sharedPodCIDR: readonly [string, string];
  /** A pod with an address on the docker0 bridge, outside the cluster CIDR. */
  readonly strayPod: string;
  /** Two pods with the same IP. */
  readonly duplicatePods: readonly [string, string];
  /** A Service whose ClusterIP is outside the service CIDR. */
  readonly strayService: string;
}

/** SyntheticDump is the dump text with what went into it. */
export interface SyntheticDump {
  readonly text: string;
  readonly pods: number;
  readonly services: number;
  readonly nodes: number;
  readonly planted: Planted;
}

const CLUSTER_BASE = (10 << 24) | (128 << 16); // 10.128.0.0/11
const SERVICE_BASE = (10 << 24) | (96 << 16); // 10.96.0.0/12
const SERVICE_SIZE = 1 << 20;
const STATIC_BAND = 256; // KEP-3070: min(max(16, 2^20 / 16), 256)

const ip4 = (v: number): string => `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** syntheticClusterDump generates the dump; the same size and seed always give the same text. */
export function syntheticClusterDump(size: SyntheticClusterSize): SyntheticDump {
  const rand = mulberry32(size.seed ?? 6);
  const hex = (n: number): string => {
    let s = '';
    while (s.length < n) s += rand().toString(16).padStart(8, '0');
    return s.slice(0, n);
  };
  const uid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  const chunks: string[] = [];
  const doc = (kind: string, items: unknown[]): void => {
    chunks.push(JSON.stringify({ kind, apiVersion: kind === 'NodeList' || kind === 'PodList' || kind === 'ServiceList' || kind === 'EventList' || kind === 'ReplicationControllerList' ? 'v1' : 'apps/v1', metadata: { resourceVersion: '48213377' }, items }, null, 4), '\n');
  };
  const w = String(size.nodes).length;
  const nodeName = (i: number): string => (i === 0 ? 'cp-1' : `worker-${pad(i, w)}`);
  const nodeIP = (i: number): string => ip4(((192 << 24) | (168 << 16)) + 16 + i);
  // Node i gets block i of the cluster CIDR; the last node is given node 1's block (planted).
  const blockOf = (i: number): number => CLUSTER_BASE + ((i === size.nodes - 1 && size.nodes > 2 ? 1 : i) << 8);

  // ---- nodes ----
  const nodes = Array.from({ length: size.nodes }, (_, i) => ({
    metadata: {
      name: nodeName(i),
      uid: uid(),
      resourceVersion: String(48000000 + i),
      creationTimestamp: '2026-03-02T09:14:27Z',
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': nodeName(i),
        'kubernetes.io/os': 'linux',
        'topology.kubernetes.io/zone': `zone-${'abc'[i % 3]}`,
        ...(i === 0 ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
      },
      annotations: {
        'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///run/containerd/containerd.sock',
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {
      podCIDR: `${ip4(blockOf(i))}/24`,
      podCIDRs: [`${ip4(blockOf(i))}/24`],
      ...(i === 0 ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {}),
    },
    status: {
      capacity: { cpu: '16', 'ephemeral-storage': '203056560Ki', memory: '65842100Ki', pods: '110' },
      allocatable: { cpu: '16', 'ephemeral-storage': '187136925387', memory: '65739700Ki', pods: '110' },
      conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => ({
        type,
        status: type === 'Ready' ? 'True' : 'False',
        lastHeartbeatTime: '2026-11-28T03:01:12Z',
        lastTransitionTime: '2026-03-02T09:14:27Z',
        reason: type === 'Ready' ? 'KubeletReady' : `KubeletHasNo${type}`,
      })),
      addresses: [
        { type: 'InternalIP', address: nodeIP(i) },
        { type: 'Hostname', address: nodeName(i) },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: hex(32),
        systemUUID: uid(),
        bootID: uid(),
        kernelVersion: '6.1.0-28-amd64',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'containerd://1.7.24',
        kubeletVersion: 'v1.33.4',
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  }));
  doc('NodeList', nodes);

  // ---- pods: placement ----
  interface PodPlan {
    ns: string;
    name: string;
    node: number;
    ip: string;
    hostNetwork: boolean;
    app: string;
    command?: string[];
  }
  const nsName = (k: number): string => `team-${pad(k, 2)}`;
  const byNs = new Map<string, PodPlan[]>();
  const push = (p: PodPlan): void => {
    const list = byNs.get(p.ns) ?? [];
    list.push(p);
    byNs.set(p.ns, list);
  };
  const cp = [
    ['kube-apiserver', ['kube-apiserver', `--advertise-address=${nodeIP(0)}`, '--allow-privileged=true', '--authorization-mode=Node,RBAC', '--enable-admission-plugins=NodeRestriction', '--secure-port=6443', '--service-account-issuer=https://kubernetes.default.svc.cluster.local', '--service-cluster-ip-range=10.96.0.0/12', '--tls-cert-file=/etc/kubernetes/pki/apiserver.crt', '--tls-private-key-file=/etc/kubernetes/pki/apiserver.key']],
    ['kube-controller-manager', ['kube-controller-manager', '--allocate-node-cidrs=true', '--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf', '--bind-address=127.0.0.1', '--cluster-cidr=10.128.0.0/11', '--cluster-name=kubernetes', '--controllers=*,bootstrapsigner,tokencleaner', '--leader-elect=true', '--node-cidr-mask-size-ipv4=24', '--service-cluster-ip-range=10.96.0.0/12', '--use-service-account-credentials=true']],
    ['kube-scheduler', ['kube-scheduler', '--bind-address=127.0.0.1', '--kubeconfig=/etc/kubernetes/scheduler.conf', '--leader-elect=true']],
    ['etcd', ['etcd', `--advertise-client-urls=https://${nodeIP(0)}:2379`, '--data-dir=/var/lib/etcd', `--listen-client-urls=https://127.0.0.1:2379,https://${nodeIP(0)}:2379`]],
  ] as const;
  for (const [app, command] of cp) push({ ns: 'kube-system', name: `${app}-cp-1`, node: 0, ip: nodeIP(0), hostNetwork: true, app, command: [...command] });
  let total = cp.length;
  const nextHost = new Array<number>(size.nodes).fill(2); // .0 network, .1 bridge gateway
  // The node that shares node 1's block hands out its upper half: the planted overlap adds no duplicate pod IPs.
  if (size.nodes > 2) nextHost[size.nodes - 1] = 128;
  // Pod name suffixes are random, as the ReplicaSet and DaemonSet controllers make them, but never repeat.
  const names = new Set<string>();
  const unique = (prefix: string, n: number): string => {
    let name: string;
    do name = `${prefix}-${hex(n)}`;
    while (names.has(name));
    names.add(name);
    return name;
  };
  for (let i = 0; i < size.nodes && total < size.nodes * size.podsPerNode; i++, total++) {
    push({ ns: 'kube-system', name: unique('kube-proxy', 5), node: i, ip: nodeIP(i), hostNetwork: true, app: 'kube-proxy' });
  }
  for (let k = 0; total < size.nodes * size.podsPerNode; k++, total++) {
    const node = k % size.nodes;
    const ns = k < 2 ? 'kube-system' : nsName((k >> 4) % size.namespaces);
    const app = k < 2 ? 'coredns' : `app-${pad((k >> 4) % 997, 3)}`;
    const ip = ip4(blockOf(node) + nextHost[node]!++);
    push({ ns, name: unique(`${app}-${hex(10)}`, 5), node, ip, hostNetwork: false, app });
  }
  // Planted: a pod on the docker0 bridge, and a pod that took another pod's address.
  const apps = [...byNs.entries()].filter(([ns]) => ns.startsWith('team-'))[0]![1];
  const stray = apps[0]!;
  stray.ip = '172.17.0.5';
  const [dupA, dupB] = [apps[1]!, apps[2]!];
  dupB.ip = dupA.ip;

  // ---- services ----
  const usedIPs = new Set<number>([1, 10]);
  const svcByNs = new Map<string, unknown[]>();
  const service = (ns: string, name: string, ip: string, app: string | undefined, port: number): void => {
    const list = svcByNs.get(ns) ?? [];
    list.push({
      metadata: { name, namespace: ns, uid: uid(), resourceVersion: String(47000000 + usedIPs.size), creationTimestamp: '2026-03-02T09:20:00Z', labels: app === undefined ? { component: 'apiserver', provider: 'kubernetes' } : { app } },
      spec: {
        ports: [{ name: 'http', protocol: 'TCP', port, targetPort: app === undefined ? 6443 : 8080 }],
        ...(app === undefined ? {} : { selector: { app } }),
        clusterIP: ip,
        clusterIPs: [ip],
        type: 'ClusterIP',
        sessionAffinity: 'None',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        internalTrafficPolicy: 'Cluster',
      },
      status: { loadBalancer: {} },
    });
    svcByNs.set(ns, list);
  };
  service('default', 'kubernetes', ip4(SERVICE_BASE + 1), undefined, 443);
  service('kube-system', 'kube-dns', ip4(SERVICE_BASE + 10), 'coredns', 53);
  let strayService = '';
  for (let s = 2; s < size.services; s++) {
    // The dynamic allocator takes the upper band first: offsets above the static band, at random.
    let off: number;
    do off = STATIC_BAND + 1 + (rand() % (SERVICE_SIZE - STATIC_BAND - 2));
    while (usedIPs.has(off));
    usedIPs.add(off);
    const ns = nsName(s % size.namespaces);
    const name = `svc-${pad(s, 5)}`;
    // Planted: a Service created while the range was 10.0.0.0/16.
    const ip = s === 2 ? '10.0.0.20' : ip4(SERVICE_BASE + off);
    if (s === 2) strayService = `${ns}/${name}`;
    service(ns, name, ip, `app-${pad(s % 997, 3)}`, 80);
  }

  // ---- per namespace ----
  const namespaces = ['default', 'kube-system', ...Array.from({ length: size.namespaces }, (_, k) => nsName(k))];
  let pods = 0;
  for (const ns of namespaces) {
    const plans = byNs.get(ns) ?? [];
    pods += plans.length;
    doc('EventList', []);
    doc('ReplicationControllerList', []);
    doc('ServiceList', svcByNs.get(ns) ?? []);
    doc('DaemonSetList', []);
    doc('DeploymentList', []);
    doc('ReplicaSetList', []);
    doc('PodList', plans.map((p) => podObject(p, nodeName(p.node), nodeIP(p.node), uid)));
    for (const p of plans) {
      chunks.push(
        `==== START logs for container ${p.app} of pod ${ns}/${p.name} ====\n`,
        p.hostNetwork
          ? 'Request log error: the server rejected our request for an unknown reason (get pods)\n'
          : `I1128 02:59:0${pods % 10}.104116       1 main.go:88] listening on :8080\n`,
        `==== END logs for container ${p.app} of pod ${ns}/${p.name} ====\n`,
      );
    }
  }
  return {
    text: chunks.join(''),
    pods,
    services: size.services,
    nodes: size.nodes,
    planted: {
      sharedPodCIDR: [nodeName(1), nodeName(size.nodes - 1)],
      strayPod: `${stray.ns}/${stray.name}`,
      duplicatePods: [`${dupA.ns}/${dupA.name}`, `${dupB.ns}/${dupB.name}`],
      strayService,
    },
  };
}

function podObject(
  p: { ns: string; name: string; ip: string; hostNetwork: boolean; app: string; command?: string[] },
  node: string,
  hostIP: string,
  uid: () => string,
): unknown {
  const image = p.command ? `registry.k8s.io/${p.app}:v1.33.4` : `registry.example.com/${p.ns}/${p.app}:1.4.2`;
  return {
    metadata: {
      name: p.name,
      namespace: p.ns,
      uid: uid(),
      labels: { app: p.app },
      ...(p.command ? {} : { ownerReferences: [{ kind: 'ReplicaSet', name: p.name.slice(0, p.name.lastIndexOf('-')), controller: true }] }),
    },
    spec: {
      containers: [{ name: p.app, image, ...(p.command ? { command: p.command } : {}) }],
      nodeName: node,
      ...(p.hostNetwork ? { hostNetwork: true } : {}),
    },
    status: {
      phase: 'Running',
      hostIP,
      podIP: p.ip,
      podIPs: [{ ip: p.ip }],
      startTime: '2026-11-20T11:04:53Z',
      qosClass: 'Burstable',
    },
  };
}
