/**
 * KubernetesResource names the lists {@link discover} reads from a live cluster.
 *
 * - `nodes`, `pods`, `services`: core/v1, all namespaces.
 * - `configmaps`: core/v1 ConfigMaps of `kube-system` (kubeadm-config, kube-proxy, CNI plugins' settings).
 * - `servicecidrs`, `ipaddresses`: networking.k8s.io/v1; an API server without them answers with an empty list.
 * - `daemonsets`: apps/v1 DaemonSets of `kube-system` (calico-node, kube-flannel-ds, weave-net: the CNI plugins'
 *   node agents, whose environment and flags name their pools).
 * - `kube-flannel-configmaps`, `kube-flannel-daemonsets`: the same in the `kube-flannel` namespace, where the
 *   current Flannel manifest installs (an empty list when the namespace does not exist).
 * - `ippools`, `ipamblocks`, `blockaffinities`, `ipamhandles`: Calico's `crd.projectcalico.org/v1` resources.
 * - `ciliumnodes` (`cilium.io/v2`), `ciliumpodippools` (`cilium.io/v2alpha1`): Cilium's.
 *
 * The CNI plugins' resources are custom resources: a cluster where the plugin is not installed does not serve
 * them, and the list is empty (HTTP 404 is not an error for them).
 *
 * @example
 * ```ts
 * const api = await kubernetesApiFromKubeconfig();
 * const resources: KubernetesResource[] = ['nodes', 'pods', 'services'];
 * const [nodes, pods, services] = await Promise.all(resources.map((r) => api.list(r)));
 * ```
 */
export type KubernetesResource =
  | 'nodes'
  | 'pods'
  | 'services'
  | 'configmaps'
  | 'servicecidrs'
  | 'ipaddresses'
  | 'daemonsets'
  | 'kube-flannel-configmaps'
  | 'kube-flannel-daemonsets'
  | 'ippools'
  | 'ipamblocks'
  | 'blockaffinities'
  | 'ipamhandles'
  | 'ciliumnodes'
  | 'ciliumpodippools';

/**
 * KubernetesApi is the small read-only view of a live cluster that {@link discover} needs. The rest of the package
 * depends only on this interface; {@link kubernetesApiFromKubeconfig} implements it with the official
 * `@kubernetes/client-node`, and tests or other clients can implement it themselves.
 *
 * @example
 * ```ts
 * // An in-memory cluster, e.g. for tests, or objects fetched by some other client:
 * const fake: KubernetesApi = {
 *   name: 'fixture',
 *   list: async (resource) =>
 *     resource === 'nodes' ? [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { podCIDR: '10.244.0.0/24' } }] : [],
 * };
 * ```
 */
export interface KubernetesApi {
  /** KubernetesApi.name names the cluster for reports, e.g. the kubeconfig context. */
  readonly name: string;
  /**
   * KubernetesApi.list returns every object of a resource as plain JSON objects (as `kubectl get -o json` prints
   * its `items`, with `kind` and `apiVersion` set). It rejects with a KubernetesError `ERR_K8S_API` when the API
   * answers with an error, except that a resource the server does not serve yields an empty list.
   */
  list(resource: KubernetesResource): Promise<readonly Record<string, unknown>[]>;
}
