import type { KubernetesApi } from './kube-api.js';
import { DEFAULT_INTERNALS, openKubernetesApi } from './internal/kubeconfig-api.js';

/**
 * kubernetesApiFromKubeconfig opens a read-only {@link KubernetesApi} on the cluster a kubeconfig points at, through
 * the official `@kubernetes/client-node` (an optional peer dependency, loaded only when this is called: install it
 * with `npm install @kubernetes/client-node` to read live clusters; parsing files never needs it).
 *
 * - `kubeconfig` is a path. Without it, the files of the `KUBECONFIG` environment variable are read (a list
 *   separated by `:`, `;` on Windows; missing files are skipped; the first file to define a name or a
 *   current-context wins) and otherwise `~/.kube/config`, as kubectl does. Relative certificate paths are
 *   resolved against the file that names them.
 * - `context` picks a context by name; the default is the kubeconfig's current-context. Whatever the context's
 *   user has (bearer token, client certificate, exec plugin, ...) authenticates the requests, via client-node.
 *   client-node 1.x refuses plain `http://` servers (such as `kubectl proxy`) unless the cluster entry sets
 *   `insecure-skip-tls-verify`.
 *
 * The returned API's `name` is the context name. Its `list` pages through large lists 500 objects at a time (as
 * `kubectl get --chunk-size=500` does) and returns the server's own JSON for each object, with `apiVersion` and
 * `kind` set and `metadata.managedFields` dropped, as `kubectl get -o json` prints it. A server without the
 * networking.k8s.io/v1 `servicecidrs` or `ipaddresses` resources, or without a CNI plugin's custom resources
 * (Calico's `crd.projectcalico.org/v1`, Cilium's `cilium.io`: the plugin is not installed), answers HTTP 404 and
 * yields an empty list for them; any other error is an error. Each
 * page request gives up after 60 s. When a continue token expires mid-list (HTTP 410, a list read more slowly than
 * the API server keeps its snapshots), the list is read again from the start, once.
 *
 * Nothing is sent to the server until `list` is called. Errors:
 * - `ERR_K8S_API` (rejected by this function) when `@kubernetes/client-node` is not installed; (rejected by
 *   `list`) when the server refuses (HTTP 401, 403, ...), cannot be reached or does not answer in time; the
 *   message names the context, the server URL, the resource and the HTTP status when there is one.
 * - `ERR_K8S_IO` when the kubeconfig cannot be read (or none of the `KUBECONFIG` files exists).
 * - `ERR_K8S_INPUT_SYNTAX` / `ERR_K8S_INPUT_INVALID` when it is not YAML / not a valid kubeconfig, or a context
 *   names a cluster that is not defined.
 * - `ERR_K8S_INVALID_ARGUMENT` when the context does not exist (the message lists those that do) or there is no
 *   current-context and none was given.
 *
 * @example
 * ```ts
 * import { kubernetesApiFromKubeconfig } from '@ipam/kubernetes';
 *
 * const api = await kubernetesApiFromKubeconfig({ context: 'prod-eu' }); // ~/.kube/config or $KUBECONFIG
 * const nodes = await api.list('nodes');
 * for (const node of nodes) console.log(node.metadata, node.spec); // plain JSON, as `kubectl get nodes -o json`
 * ```
 *
 * @example
 * ```ts
 * import { kubernetesApiFromKubeconfig, KubernetesError } from '@ipam/kubernetes';
 *
 * const api = await kubernetesApiFromKubeconfig({ kubeconfig: '/etc/kubernetes/admin.conf' });
 * try {
 *   await api.list('pods');
 * } catch (e) {
 *   if (KubernetesError.isInstance(e) && e.code === 'ERR_K8S_API') console.error(e.message);
 *   // KubernetesApi.list("pods"): context "kubernetes-admin@kubernetes" (https://10.0.0.1:6443/api/v1/pods): HTTP 403: ...
 * }
 * ```
 */
export async function kubernetesApiFromKubeconfig(options: { kubeconfig?: string; context?: string } = {}): Promise<KubernetesApi> {
  return openKubernetesApi(options, DEFAULT_INTERNALS);
}
