import type { Addr, IPRange, Prefix } from '@ipam/core';
import type { KubernetesErrorCode, KubernetesErrorLocation } from './kubernetes-error.js';

/** SourceRef says where a value was read: the file, the Kubernetes object and the field path, as far as known. */
export type SourceRef = KubernetesErrorLocation;

/**
 * SettingSource names the component whose configuration a {@link Setting} was read from.
 *
 * - `kube-controller-manager`, `kube-apiserver`: command-line flags of the control-plane pods (static pod manifests, or
 *   the pods in a dump).
 * - `kubeadm`: a kubeadm `ClusterConfiguration` (file or the `kubeadm-config` ConfigMap), with kubeadm's defaults.
 * - `kube-proxy`: a `KubeProxyConfiguration` (`clusterCIDR`) or kube-proxy's `--cluster-cidr` flag.
 * - `service-cidr`: a `networking.k8s.io/v1` `ServiceCIDR` object.
 * - `user`: given directly by the caller.
 */
export type SettingSource = 'kube-controller-manager' | 'kube-apiserver' | 'kubeadm' | 'kube-proxy' | 'service-cidr' | 'user';

/** NodeCIDRMaskSizes holds kube-controller-manager's node pod CIDR mask size per family (`--node-cidr-mask-size-ipv4/-ipv6`). */
export interface NodeCIDRMaskSizes {
  /** NodeCIDRMaskSizes.ipv4 is the IPv4 node mask size (Kubernetes' default is 24). */
  readonly ipv4?: number;
  /** NodeCIDRMaskSizes.ipv6 is the IPv6 node mask size (Kubernetes' default is 64). */
  readonly ipv6?: number;
}

/** SettingValues maps each setting name to the type of its value. */
export interface SettingValues {
  /** The pod network: `--cluster-cidr`, kubeadm `networking.podSubnet`, kube-proxy `clusterCIDR`. One prefix per family. */
  clusterCIDR: readonly Prefix[];
  /** The Service ClusterIP range: `--service-cluster-ip-range`, kubeadm `networking.serviceSubnet`, a ServiceCIDR. */
  serviceCIDR: readonly Prefix[];
  /** kube-controller-manager's node mask sizes. */
  nodeCIDRMaskSize: NodeCIDRMaskSizes;
  /** kube-controller-manager's `--allocate-node-cidrs`. */
  allocateNodeCIDRs: boolean;
  /** The cluster DNS domain (kubeadm `networking.dnsDomain`, default `cluster.local`). */
  dnsDomain: string;
}

/** SettingName is the name of one kind of cluster-wide network setting. */
export type SettingName = keyof SettingValues;

/**
 * Setting is one observation of a cluster-wide network setting: its value, the component it configures and where it
 * was read. A {@link ClusterNetwork} keeps every observation, so disagreements between components can be reported.
 */
export type Setting = {
  [K in SettingName]: {
    /** Setting.name is the kind of setting. */
    readonly name: K;
    /** Setting.value is the value read. */
    readonly value: SettingValues[K];
    /** Setting.source is the component it configures. */
    readonly source: SettingSource;
    /** Setting.from says where it was read. */
    readonly from: SourceRef;
  };
}[SettingName];

/** NodeAddress is one entry of a Node's `status.addresses` whose address parses as an IP. */
export interface NodeAddress {
  /** NodeAddress.type is the Kubernetes address type: `InternalIP`, `ExternalIP`, ... */
  readonly type: string;
  /** NodeAddress.address is the address. */
  readonly address: Addr;
}

/** ClusterNode is a Node as far as addresses go. */
export interface ClusterNode {
  /** ClusterNode.name is `metadata.name`. */
  readonly name: string;
  /** ClusterNode.podCIDRs is `spec.podCIDRs` (or `spec.podCIDR`), read as Kubernetes reads it, host bits cleared. */
  readonly podCIDRs: readonly Prefix[];
  /** ClusterNode.addresses are the IP addresses of `status.addresses`. */
  readonly addresses: readonly NodeAddress[];
  /** ClusterNode.from says where the object was read. */
  readonly from: SourceRef;
}

/** ClusterPod is a Pod as far as addresses go. */
export interface ClusterPod {
  /** ClusterPod.namespace is `metadata.namespace`. */
  readonly namespace: string;
  /** ClusterPod.name is `metadata.name`. */
  readonly name: string;
  /** ClusterPod.nodeName is `spec.nodeName`, when scheduled. */
  readonly nodeName: string | undefined;
  /** ClusterPod.hostNetwork is `spec.hostNetwork`: such pods carry their node's address, not a pod address. */
  readonly hostNetwork: boolean;
  /** ClusterPod.phase is `status.phase`, when known. */
  readonly phase: string | undefined;
  /** ClusterPod.podIPs is `status.podIPs` (or `status.podIP`). */
  readonly podIPs: readonly Addr[];
  /** ClusterPod.from says where the object was read. */
  readonly from: SourceRef;
}

/** ClusterService is a Service as far as addresses go. */
export interface ClusterService {
  /** ClusterService.namespace is `metadata.namespace`. */
  readonly namespace: string;
  /** ClusterService.name is `metadata.name`. */
  readonly name: string;
  /** ClusterService.type is `spec.type` (`ClusterIP` when absent). */
  readonly type: string;
  /** ClusterService.clusterIPs is `spec.clusterIPs` (or `spec.clusterIP`), empty for headless (`None`) and ExternalName services. */
  readonly clusterIPs: readonly Addr[];
  /** ClusterService.from says where the object was read. */
  readonly from: SourceRef;
}

/** ServiceCIDRObject is a `networking.k8s.io/v1` ServiceCIDR. */
export interface ServiceCIDRObject {
  /** ServiceCIDRObject.name is `metadata.name` (`kubernetes` for the one kube-apiserver creates from its flags). */
  readonly name: string;
  /** ServiceCIDRObject.cidrs is `spec.cidrs`. */
  readonly cidrs: readonly Prefix[];
  /** ServiceCIDRObject.from says where the object was read. */
  readonly from: SourceRef;
}

/** IPAddressObject is a `networking.k8s.io/v1` IPAddress: the record of one allocated ClusterIP. */
export interface IPAddressObject {
  /** IPAddressObject.address is the address, which is the object's name. */
  readonly address: Addr;
  /** IPAddressObject.parentRef names the object holding it, e.g. `services default/web`, when set. */
  readonly parentRef: string | undefined;
  /** IPAddressObject.from says where the object was read. */
  readonly from: SourceRef;
}

/** CniNetwork is one network of a CNI configuration, with the address ranges its IPAM plugin hands out. */
export interface CniNetwork {
  /** CniNetwork.name is the network's `name`. */
  readonly name: string;
  /** CniNetwork.plugins are the `type`s of its plugins, in order. */
  readonly plugins: readonly string[];
  /** CniNetwork.ipamType is the IPAM plugin's `type`, when there is an IPAM section. */
  readonly ipamType: string | undefined;
  /** CniNetwork.subnets are the subnets the IPAM section names (host-local ranges, static addresses' subnets, ...). */
  readonly subnets: readonly Prefix[];
  /** CniNetwork.ranges are the address ranges it allocates from, when the IPAM dialect says so. */
  readonly ranges: readonly IPRange[];
  /** CniNetwork.usesPodCIDR is true when the IPAM section takes the node's pod CIDR at run time (`usePodCidr`, `{{.PodCIDR}}`). */
  readonly usesPodCIDR: boolean;
  /** CniNetwork.from says where the configuration was read. */
  readonly from: SourceRef;
}

/** PoolPlugin names the CNI plugins whose own address pools {@link discover} reads. */
export type PoolPlugin = 'flannel' | 'calico' | 'cilium' | 'weave';

/**
 * PluginPool is one address pool a CNI plugin keeps itself, for one address family: a Calico `IPPool`, Flannel's
 * `Network` (or `IPv6Network`), Cilium's cluster pool or a `CiliumPodIPPool`, Weave's `IPALLOC_RANGE`.
 */
export interface PluginPool {
  /** PluginPool.plugin is the plugin that owns the pool. */
  readonly plugin: PoolPlugin;
  /**
   * PluginPool.name is the pool object's name (Calico `IPPool`, `CiliumPodIPPool`), or the plugin's fixed name for
   * its single pool: `flannel`, `cilium-cluster-pool`, `weave`.
   */
  readonly name: string;
  /** PluginPool.cidrs are the pool's prefixes, all of one family (Cilium may list several). */
  readonly cidrs: readonly Prefix[];
  /**
   * PluginPool.blockSize is the prefix length of the blocks handed to nodes: Calico `blockSize` (default 26 / 122),
   * Flannel `SubnetLen` / `IPv6SubnetLen`, Cilium `cluster-pool-ipv4-mask-size` or a pool's `maskSize`; undefined
   * when the plugin hands out single addresses (Weave).
   */
  readonly blockSize: number | undefined;
  /** PluginPool.disabled is true when the plugin allocates nothing new from the pool (Calico `disabled: true`). */
  readonly disabled: boolean;
  /**
   * PluginPool.options are the plugin's other settings for the pool, as written: Calico `ipipMode`, `vxlanMode`,
   * `natOutgoing`, `nodeSelector`, `allowedUses`, `disableBGPExport`, `assignmentMode` (for a default pool, from
   * the `CALICO_IPV4POOL_*` variables that are set); Flannel `Backend.Type`, `SubnetMin`, `SubnetMax` (or
   * `IPv6SubnetMin`, `IPv6SubnetMax`); Cilium `ipam` (the mode: `cluster-pool`, `multi-pool`). Weave has none.
   */
  readonly options: Readonly<Record<string, string | number | boolean | readonly string[]>>;
  /** PluginPool.from says where the pool was read. */
  readonly from: SourceRef;
}

/** PluginAllocation is one address a plugin records as handed out (Calico `IPAMBlock` allocations, `CiliumNode` `status.ipam.used`). */
export interface PluginAllocation {
  /** PluginAllocation.address is the address. */
  readonly address: Addr;
  /** PluginAllocation.handle is the plugin's handle for the holder (Calico `handle_id`, Cilium `owner`/`resource`), when recorded. */
  readonly handle: string | undefined;
  /**
   * PluginAllocation.kind says what holds it: a pod, a node's tunnel address (Calico `ipipTunnelAddress`,
   * `vxlanTunnelAddress`, `wireguardTunnelAddress`; Cilium `router`/`health`), or something else the plugin recorded.
   */
  readonly kind: 'pod' | 'tunnel' | 'other';
  /** PluginAllocation.pod is the pod's `namespace/name`, when the plugin records it. */
  readonly pod: string | undefined;
  /** PluginAllocation.node is the node the holder runs on, when recorded. */
  readonly node: string | undefined;
}

/**
 * PluginBlock is a part of a {@link PluginPool} given to one node: a Calico `IPAMBlock` (with its `BlockAffinity`),
 * a `CiliumNode`'s pod CIDR, a Flannel node subnet (a node's pod CIDR, or `/run/flannel/subnet.env`).
 */
export interface PluginBlock {
  /** PluginBlock.plugin is the plugin that owns the block. */
  readonly plugin: PoolPlugin;
  /** PluginBlock.pool is the name of the {@link PluginPool} whose prefixes contain the block, when one does. */
  readonly pool: string | undefined;
  /** PluginBlock.cidr is the block. */
  readonly cidr: Prefix;
  /**
   * PluginBlock.node is the node the block is affine to, when it has one (Calico `affinity: host:NODE` or a
   * `BlockAffinity`, a `CiliumNode`, a node's pod CIDR); undefined for a Flannel `subnet.env`, which does not name
   * its node.
   */
  readonly node: string | undefined;
  /**
   * PluginBlock.allocations are the addresses the plugin records as handed out in the block; undefined when the
   * plugin does not record them in the cluster (Flannel: the node's host-local keeps them).
   */
  readonly allocations: readonly PluginAllocation[] | undefined;
  /** PluginBlock.from says where the block was read. */
  readonly from: SourceRef;
}

/** DiscoveryWarning is a problem found in the input that did not stop discovery: a field that does not parse, an object that is skipped. */
export interface DiscoveryWarning {
  /** DiscoveryWarning.code is a stable code, one of {@link KubernetesErrorCode}. */
  readonly code: KubernetesErrorCode;
  /** DiscoveryWarning.message says what was wrong and what was done about it. */
  readonly message: string;
  /** DiscoveryWarning.from says where. */
  readonly from: SourceRef;
}

/**
 * ClusterNetwork is everything known about a cluster's address space: the effective settings and every observation of
 * them, and the addresses of nodes, pods and services. {@link discover} builds one from a dump, files or a live cluster;
 * {@link clusterNetwork} builds one from parts; {@link audit} reads one.
 */
export interface ClusterNetwork {
  /** ClusterNetwork.clusterCIDRs is the effective pod network, one prefix per family (see {@link clusterNetwork} for precedence). */
  readonly clusterCIDRs: readonly Prefix[];
  /** ClusterNetwork.serviceCIDRs is the effective Service ClusterIP range, one prefix per family, plus extra ServiceCIDRs. */
  readonly serviceCIDRs: readonly Prefix[];
  /** ClusterNetwork.nodeCIDRMaskSizes is the effective node mask size per family (defaults 24 and 64). */
  readonly nodeCIDRMaskSizes: Required<NodeCIDRMaskSizes>;
  /** ClusterNetwork.allocateNodeCIDRs is kube-controller-manager's `--allocate-node-cidrs`, when known. */
  readonly allocateNodeCIDRs: boolean | undefined;
  /** ClusterNetwork.dnsDomain is the cluster DNS domain, when known. */
  readonly dnsDomain: string | undefined;
  /** ClusterNetwork.settings are all observations of the settings, in the order read. */
  readonly settings: readonly Setting[];
  /** ClusterNetwork.nodes are the nodes. */
  readonly nodes: readonly ClusterNode[];
  /** ClusterNetwork.pods are the pods. */
  readonly pods: readonly ClusterPod[];
  /** ClusterNetwork.services are the services. */
  readonly services: readonly ClusterService[];
  /** ClusterNetwork.serviceCIDRObjects are the ServiceCIDR objects. */
  readonly serviceCIDRObjects: readonly ServiceCIDRObject[];
  /** ClusterNetwork.ipAddresses are the IPAddress objects. */
  readonly ipAddresses: readonly IPAddressObject[];
  /** ClusterNetwork.cniNetworks are the CNI configurations read. */
  readonly cniNetworks: readonly CniNetwork[];
  /** ClusterNetwork.pools are the CNI plugins' own pools (Flannel, Calico, Cilium, Weave). */
  readonly pools: readonly PluginPool[];
  /** ClusterNetwork.blocks are the parts of those pools given to nodes, with their allocations where recorded. */
  readonly blocks: readonly PluginBlock[];
  /** ClusterNetwork.warnings are the problems met on the way that did not stop discovery. */
  readonly warnings: readonly DiscoveryWarning[];
  /** ClusterNetwork.sources name the inputs read (files, `<dump>`, the kubeconfig context). */
  readonly sources: readonly string[];
}

/** ClusterNetworkInit is what {@link clusterNetwork} builds a {@link ClusterNetwork} from; every part is optional. */
export type ClusterNetworkInit = {
  -readonly [K in keyof ClusterNetwork]?: ClusterNetwork[K];
};

/** Which sources decide each effective setting, first match wins. */
const PRECEDENCE: { readonly [K in SettingName]: readonly SettingSource[] } = {
  clusterCIDR: ['user', 'kube-controller-manager', 'kubeadm', 'kube-proxy'],
  serviceCIDR: ['user', 'kube-apiserver', 'service-cidr', 'kube-controller-manager', 'kubeadm'],
  nodeCIDRMaskSize: ['user', 'kube-controller-manager', 'kubeadm'],
  allocateNodeCIDRs: ['user', 'kube-controller-manager', 'kubeadm'],
  dnsDomain: ['user', 'kubeadm'],
};

function effective<K extends SettingName>(settings: readonly Setting[], name: K): SettingValues[K] | undefined {
  for (const source of PRECEDENCE[name]) {
    const found = settings.find((s) => s.name === name && s.source === source);
    if (found !== undefined) return found.value as SettingValues[K];
  }
  return undefined;
}

/**
 * clusterNetwork builds a {@link ClusterNetwork} from parts, filling what is missing. Effective settings not given
 * directly are taken from `settings`, the first source in this order that has them:
 * - cluster CIDR: `user`, kube-controller-manager `--cluster-cidr`, kubeadm `podSubnet`, kube-proxy `clusterCIDR`;
 * - service CIDR: `user`, kube-apiserver `--service-cluster-ip-range`, the `kubernetes` ServiceCIDR, kube-controller-manager, kubeadm;
 * - node mask sizes: `user`, kube-controller-manager, kubeadm; missing families default to 24 (IPv4) and 64 (IPv6).
 *
 * @example
 * ```ts
 * const network = clusterNetwork({ clusterCIDRs: [Prefix.parse('10.244.0.0/16')], serviceCIDRs: [Prefix.parse('10.96.0.0/12')] });
 * network.nodeCIDRMaskSizes; // { ipv4: 24, ipv6: 64 }
 * ```
 */
export function clusterNetwork(init: ClusterNetworkInit = {}): ClusterNetwork {
  const settings = init.settings ?? [];
  const masks = init.nodeCIDRMaskSizes ?? effective(settings, 'nodeCIDRMaskSize') ?? {};
  return {
    clusterCIDRs: init.clusterCIDRs ?? effective(settings, 'clusterCIDR') ?? [],
    serviceCIDRs: init.serviceCIDRs ?? effective(settings, 'serviceCIDR') ?? [],
    nodeCIDRMaskSizes: { ipv4: masks.ipv4 ?? 24, ipv6: masks.ipv6 ?? 64 },
    allocateNodeCIDRs: init.allocateNodeCIDRs ?? effective(settings, 'allocateNodeCIDRs'),
    dnsDomain: init.dnsDomain ?? effective(settings, 'dnsDomain'),
    settings,
    nodes: init.nodes ?? [],
    pods: init.pods ?? [],
    services: init.services ?? [],
    serviceCIDRObjects: init.serviceCIDRObjects ?? [],
    ipAddresses: init.ipAddresses ?? [],
    cniNetworks: init.cniNetworks ?? [],
    pools: init.pools ?? [],
    blocks: init.blocks ?? [],
    warnings: init.warnings ?? [],
    sources: init.sources ?? [],
  };
}
