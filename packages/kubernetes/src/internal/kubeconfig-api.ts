import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type * as ClientNode from '@kubernetes/client-node';
import type { KubernetesApi, KubernetesResource } from '../kube-api.js';
import { KubernetesError } from '../kubernetes-error.js';

// The implementation behind kubernetesApiFromKubeconfig, with the knobs tests need (how the optional client is
// loaded, the page size, the per-request timeout). Nothing here is exported from the package.

/** The `@kubernetes/client-node` module, as `import()` yields it. */
export type ClientModule = typeof ClientNode;

/** Knobs of {@link openKubernetesApi}; the public function uses {@link DEFAULT_INTERNALS}. */
export interface KubeClientInternals {
  /** Loads the optional peer dependency; tests replace it to simulate a missing install. */
  readonly loadClient: () => Promise<ClientModule>;
  /** Objects asked for per request (`limit`), as `kubectl get --chunk-size` (default 500). */
  readonly pageSize: number;
  /** How long one page request may take before it is abandoned, in milliseconds. */
  readonly timeoutMs: number;
}

export const DEFAULT_INTERNALS: KubeClientInternals = {
  loadClient: () => import('@kubernetes/client-node'),
  pageSize: 500,
  timeoutMs: 60_000,
};

const API = 'kubernetesApiFromKubeconfig';

/** One list call: the Kind of its items, their apiVersion, the URL path (for messages) and the typed client call. */
interface ListSpec {
  readonly kind: string;
  readonly apiVersion: string;
  readonly path: string;
  /** A 404 means "this server does not serve the resource" and yields an empty list. */
  readonly optional: boolean;
  readonly call: (clients: Clients, page: Page, options: ClientNode.ConfigurationOptions) => Promise<unknown>;
}

interface Page {
  readonly limit: number;
  readonly _continue?: string;
}

interface Clients {
  readonly core: ClientNode.CoreV1Api;
  readonly networking: ClientNode.NetworkingV1Api;
  readonly apps: ClientNode.AppsV1Api;
  readonly custom: ClientNode.CustomObjectsApi;
}

/** The list of a cluster-scoped custom resource; a cluster without its CRD answers 404, which is an empty list. */
function customList(kind: string, group: string, version: string, plural: string): ListSpec {
  return {
    kind,
    apiVersion: `${group}/${version}`,
    path: `/apis/${group}/${version}/${plural}`,
    optional: true,
    call: (c, page, o) => c.custom.listClusterCustomObject({ group, version, plural, ...page }, o),
  };
}

const LISTS: Readonly<Record<KubernetesResource, ListSpec>> = {
  nodes: {
    kind: 'Node',
    apiVersion: 'v1',
    path: '/api/v1/nodes',
    optional: false,
    call: (c, page, o) => c.core.listNode(page, o),
  },
  pods: {
    kind: 'Pod',
    apiVersion: 'v1',
    path: '/api/v1/pods',
    optional: false,
    call: (c, page, o) => c.core.listPodForAllNamespaces(page, o),
  },
  services: {
    kind: 'Service',
    apiVersion: 'v1',
    path: '/api/v1/services',
    optional: false,
    call: (c, page, o) => c.core.listServiceForAllNamespaces(page, o),
  },
  configmaps: {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    path: '/api/v1/namespaces/kube-system/configmaps',
    optional: false,
    call: (c, page, o) => c.core.listNamespacedConfigMap({ namespace: 'kube-system', ...page }, o),
  },
  servicecidrs: {
    kind: 'ServiceCIDR',
    apiVersion: 'networking.k8s.io/v1',
    path: '/apis/networking.k8s.io/v1/servicecidrs',
    optional: true,
    call: (c, page, o) => c.networking.listServiceCIDR(page, o),
  },
  ipaddresses: {
    kind: 'IPAddress',
    apiVersion: 'networking.k8s.io/v1',
    path: '/apis/networking.k8s.io/v1/ipaddresses',
    optional: true,
    call: (c, page, o) => c.networking.listIPAddress(page, o),
  },
  daemonsets: {
    kind: 'DaemonSet',
    apiVersion: 'apps/v1',
    path: '/apis/apps/v1/namespaces/kube-system/daemonsets',
    // Only for the CNI plugins' sake: a server that does not serve it (404) has none to read.
    optional: true,
    call: (c, page, o) => c.apps.listNamespacedDaemonSet({ namespace: 'kube-system', ...page }, o),
  },
  'kube-flannel-configmaps': {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    path: '/api/v1/namespaces/kube-flannel/configmaps',
    // Only for the CNI plugins' sake: a server that does not serve it (404) has none to read.
    optional: true,
    call: (c, page, o) => c.core.listNamespacedConfigMap({ namespace: 'kube-flannel', ...page }, o),
  },
  'kube-flannel-daemonsets': {
    kind: 'DaemonSet',
    apiVersion: 'apps/v1',
    path: '/apis/apps/v1/namespaces/kube-flannel/daemonsets',
    // Only for the CNI plugins' sake: a server that does not serve it (404) has none to read.
    optional: true,
    call: (c, page, o) => c.apps.listNamespacedDaemonSet({ namespace: 'kube-flannel', ...page }, o),
  },
  ippools: customList('IPPool', 'crd.projectcalico.org', 'v1', 'ippools'),
  ipamblocks: customList('IPAMBlock', 'crd.projectcalico.org', 'v1', 'ipamblocks'),
  blockaffinities: customList('BlockAffinity', 'crd.projectcalico.org', 'v1', 'blockaffinities'),
  ipamhandles: customList('IPAMHandle', 'crd.projectcalico.org', 'v1', 'ipamhandles'),
  ciliumnodes: customList('CiliumNode', 'cilium.io', 'v2', 'ciliumnodes'),
  ciliumpodippools: customList('CiliumPodIPPool', 'cilium.io', 'v2alpha1', 'ciliumpodippools'),
};

/** What kubeconfig files to read, in kubectl's order of precedence, and whether a missing one is an error. */
function kubeconfigFiles(explicit: string | undefined): { files: string[]; source: string; required: boolean } {
  if (explicit !== undefined) {
    if (explicit === '') throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${API}: kubeconfig is an empty path`);
    return { files: [explicit], source: `kubeconfig ${JSON.stringify(explicit)}`, required: true };
  }
  const env = process.env['KUBECONFIG'];
  if (env !== undefined && env !== '') {
    // kubectl: a ':'-separated list (';' on Windows); files that do not exist are skipped.
    const files = env.split(delimiter).filter((f) => f !== '');
    return { files, source: `KUBECONFIG=${JSON.stringify(env)}`, required: false };
  }
  const file = join(homedir(), '.kube', 'config');
  return { files: [file], source: `the default kubeconfig ${JSON.stringify(file)}`, required: true };
}

async function loadFile(k8s: ClientModule, file: string, required: boolean): Promise<ClientNode.KubeConfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if (!required && (cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KubernetesError('ERR_K8S_IO', `${API}: cannot read the kubeconfig: ${messageOf(cause)}`, { file }, { cause });
  }
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (cause) {
    const syntax = cause instanceof Error && cause.name === 'YAMLException';
    throw new KubernetesError(
      syntax ? 'ERR_K8S_INPUT_SYNTAX' : 'ERR_K8S_INPUT_INVALID',
      `${API}: not a kubeconfig: ${messageOf(cause)}`,
      { file },
      { cause },
    );
  }
  // certificate-authority, client-certificate and the like are relative to the file that names them.
  kc.makePathsAbsolute(dirname(file));
  return kc;
}

/**
 * Merges kubeconfig files as kubectl does: the first file to define a cluster, user or context by a name wins, and
 * the first non-empty current-context wins. (client-node's own mergeConfig lets later files win and throws on
 * duplicates, so it is not used.)
 */
function merge(k8s: ClientModule, configs: readonly ClientNode.KubeConfig[]): ClientNode.KubeConfig {
  const byName = <T extends { readonly name: string }>(lists: readonly (readonly T[])[]): T[] => {
    const out = new Map<string, T>();
    for (const list of lists) for (const item of list) if (!out.has(item.name)) out.set(item.name, item);
    return [...out.values()];
  };
  const merged = new k8s.KubeConfig();
  merged.loadFromOptions({
    clusters: byName(configs.map((c) => c.getClusters())),
    users: byName(configs.map((c) => c.getUsers())),
    contexts: byName(configs.map((c) => c.getContexts())),
    currentContext: configs.map((c) => c.getCurrentContext()).find((name) => typeof name === 'string' && name !== ''),
  });
  return merged;
}

/** Opens the API described by a kubeconfig; see kubernetesApiFromKubeconfig for the contract. */
export async function openKubernetesApi(
  options: { kubeconfig?: string; context?: string },
  internals: KubeClientInternals,
): Promise<KubernetesApi> {
  let k8s: ClientModule;
  try {
    k8s = await internals.loadClient();
  } catch (cause) {
    throw new KubernetesError(
      'ERR_K8S_API',
      `${API}: reading a live cluster needs the optional peer dependency @kubernetes/client-node (^1.4.0); ` +
        `install it with \`npm install @kubernetes/client-node\` (${messageOf(cause)})`,
      {},
      { cause },
    );
  }

  const { files, source, required } = kubeconfigFiles(options.kubeconfig);
  const loaded: ClientNode.KubeConfig[] = [];
  for (const file of files) {
    const kc = await loadFile(k8s, file, required);
    if (kc !== undefined) loaded.push(kc);
  }
  if (loaded.length === 0) {
    throw new KubernetesError('ERR_K8S_IO', `${API}: no kubeconfig found: none of the files of ${source} exists`);
  }
  const kc = loaded.length === 1 ? loaded[0]! : merge(k8s, loaded);
  // With a single file, the error's location names it; with a KUBECONFIG list the message says which list.
  const where = files.length === 1 ? { file: files[0]! } : {};
  const inSource = files.length === 1 ? 'the kubeconfig' : source;

  const contextName = options.context ?? kc.getCurrentContext();
  if (contextName === undefined || contextName === null || contextName === '') {
    throw new KubernetesError(
      'ERR_K8S_INVALID_ARGUMENT',
      `${API}: ${inSource} has no current-context; name one with the \`context\` option`,
      where,
    );
  }
  const context = kc.getContextObject(contextName);
  if (context === null) {
    const known = kc.getContexts().map((c) => JSON.stringify(c.name));
    throw new KubernetesError(
      'ERR_K8S_INVALID_ARGUMENT',
      `${API}: context ${JSON.stringify(contextName)} is not in ${inSource} (contexts: ${known.join(', ') || 'none'})`,
      where,
    );
  }
  kc.setCurrentContext(contextName);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) {
    throw new KubernetesError(
      'ERR_K8S_INPUT_INVALID',
      `${API}: context ${JSON.stringify(contextName)} names cluster ${JSON.stringify(context.cluster)}, which ${inSource} does not define`,
      { ...where, object: `context ${contextName}` },
    );
  }
  const server = cluster.server.replace(/\/+$/, '');

  let clients: Clients;
  try {
    clients = {
      core: kc.makeApiClient(k8s.CoreV1Api),
      networking: kc.makeApiClient(k8s.NetworkingV1Api),
      apps: kc.makeApiClient(k8s.AppsV1Api),
      custom: kc.makeApiClient(k8s.CustomObjectsApi),
    };
  } catch (cause) {
    throw new KubernetesError('ERR_K8S_API', `${API}: context ${JSON.stringify(contextName)} (${server}): ${messageOf(cause)}`, where, {
      cause,
    });
  }

  return new KubeconfigApi(k8s, clients, contextName, server, internals);
}

/** A raw answer: what the server said, before client-node turns it into typed objects. */
interface Captured {
  status?: number;
  body?: string;
}

class KubeconfigApi implements KubernetesApi {
  readonly name: string;

  constructor(
    private readonly k8s: ClientModule,
    private readonly clients: Clients,
    contextName: string,
    private readonly server: string,
    private readonly internals: KubeClientInternals,
  ) {
    this.name = contextName;
  }

  async list(resource: KubernetesResource): Promise<readonly Record<string, unknown>[]> {
    if (!Object.hasOwn(LISTS, resource)) {
      throw new KubernetesError(
        'ERR_K8S_INVALID_ARGUMENT',
        `KubernetesApi.list(${JSON.stringify(resource)}): unknown resource; expected one of ${Object.keys(LISTS).join(', ')}`,
      );
    }
    const spec = LISTS[resource];
    // A continue token expires (HTTP 410) when the list is read more slowly than etcd compacts (5 minutes by
    // default). The pages read so far then belong to a snapshot that can no longer be finished, so the whole list
    // is read again from the start, once; a second expiry is reported.
    for (let attempt = 1; ; attempt++) {
      const items: Record<string, unknown>[] = [];
      let token: string | undefined;
      try {
        do {
          const page = await this.page(resource, spec, token, attempt);
          if (page === undefined) return [];
          for (const item of page.items) items.push(plainItem(item, spec));
          token = page.continue;
        } while (token !== undefined);
        return items;
      } catch (error) {
        if (error instanceof ContinueExpired) continue;
        throw error;
      }
    }
  }

  /** Fetches one page; `undefined` when an optional resource is not served (HTTP 404). */
  private async page(
    resource: KubernetesResource,
    spec: ListSpec,
    token: string | undefined,
    attempt: number,
  ): Promise<{ items: Record<string, unknown>[]; continue: string | undefined } | undefined> {
    const fail = (reason: string, cause?: unknown): KubernetesError =>
      new KubernetesError(
        'ERR_K8S_API',
        `KubernetesApi.list(${JSON.stringify(resource)}): context ${JSON.stringify(this.name)} (${this.server}${spec.path}): ${reason}`,
        {},
        cause === undefined ? {} : { cause },
      );

    // client-node parses answers into typed objects (Date instances for timestamps, and no fields its generated
    // models do not know). We keep the server's own JSON instead, as `kubectl get -o json` shows it: a middleware
    // captures the raw answer, and the typed result is only used to learn that the call succeeded.
    const captured: Captured = {};
    const signal = AbortSignal.timeout(this.internals.timeoutMs);
    const { Observable, ResponseContext } = this.k8s;
    const middleware: ClientNode.ObservableMiddleware = {
      pre: (request) => {
        request.setSignal(signal);
        return new Observable(Promise.resolve(request));
      },
      post: (response) =>
        new Observable(
          response.body.text().then((body) => {
            captured.status = response.httpStatusCode;
            captured.body = body;
            return new ResponseContext(response.httpStatusCode, response.headers, {
              text: async () => body,
              binary: async () => Buffer.from(body, 'utf8'),
            });
          }),
        ),
    };
    const page: Page = token === undefined ? { limit: this.internals.pageSize } : { limit: this.internals.pageSize, _continue: token };
    try {
      await spec.call(this.clients, page, { middleware: [middleware], middlewareMergeStrategy: 'append' });
    } catch (cause) {
      if (captured.status === undefined) {
        if (signal.aborted) throw fail(`no answer within ${this.internals.timeoutMs} ms`, cause);
        // node-fetch's FetchError: DNS, connection, TLS. Anything else failed before a request was sent (the
        // kubeconfig's credentials, an exec plugin, client-node refusing a plain http:// server, ...).
        if (cause instanceof Error && cause.name === 'FetchError') throw fail(`cannot reach the API server: ${cause.message}`, cause);
        throw fail(`the request could not be made: ${messageOf(cause)}`, cause);
      }
      if (captured.status === 404 && spec.optional) return undefined;
      if (captured.status === 410 && token !== undefined) {
        if (attempt === 1) throw new ContinueExpired();
        throw fail(
          `HTTP 410: the continue token expired twice while the list was read page by page (it changes faster than it can be read); try again`,
          cause,
        );
      }
      if (captured.status >= 200 && captured.status < 300) {
        throw fail(`the answer is not a ${spec.kind}List: ${messageOf(cause)}`, cause);
      }
      throw fail(`HTTP ${captured.status}${statusMessage(captured.body)}`, cause);
    }

    let list: unknown;
    try {
      list = JSON.parse(captured.body ?? '');
    } catch (cause) {
      throw fail(`the answer is not JSON: ${messageOf(cause)}`, cause);
    }
    if (!isObject(list) || !Array.isArray(list['items'])) throw fail(`the answer is not a ${spec.kind}List (no items array)`);
    const bad = list['items'].findIndex((item) => !isObject(item));
    if (bad !== -1) throw fail(`the answer is not a ${spec.kind}List (items[${bad}] is not an object)`);
    const metadata = list['metadata'];
    const next = isObject(metadata) ? metadata['continue'] : undefined;
    return { items: list['items'] as Record<string, unknown>[], continue: typeof next === 'string' && next !== '' ? next : undefined };
  }
}

/** Thrown by a page request whose continue token has expired; KubeconfigApi.list starts over once. */
class ContinueExpired extends Error {}

/**
 * One list item as `kubectl get -o json` prints it: `apiVersion` and `kind` set (the API server leaves them out of
 * list items) and `metadata.managedFields` dropped (kubectl hides them by default; they are most of a pod's bytes).
 */
function plainItem(item: Record<string, unknown>, spec: ListSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { apiVersion: spec.apiVersion, kind: spec.kind, ...item };
  const metadata = item['metadata'];
  if (isObject(metadata) && 'managedFields' in metadata) {
    const { managedFields: _dropped, ...rest } = metadata;
    out['metadata'] = rest;
  }
  return out;
}

/** `: <message>` from a Kubernetes Status body (or a short plain-text body), or nothing. */
function statusMessage(body: string | undefined): string {
  if (body === undefined || body.trim() === '') return '';
  try {
    const status: unknown = JSON.parse(body);
    if (isObject(status) && typeof status['message'] === 'string' && status['message'] !== '') return `: ${status['message']}`;
  } catch {
    // not JSON: fall through to the text
  }
  const text = body.trim().replace(/\s+/g, ' ');
  return `: ${text.length > 200 ? `${text.slice(0, 200)}...` : text}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
