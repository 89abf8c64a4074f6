import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeApiServer, readListFixture, type FakeApiServer, type ListFixture } from '../test/fake-apiserver.js';
import { writeKubeconfig } from '../test/kubeconfig.js';
import { makeTestPki, type TestPki } from '../test/test-pki.js';
import type { KubernetesApi, KubernetesResource } from './kube-api.js';
import { kubernetesApiFromKubeconfig } from './kube-client.js';
import { DEFAULT_INTERNALS, openKubernetesApi } from './internal/kubeconfig-api.js';
import { KubernetesError } from './kubernetes-error.js';
import { rejection } from '../test/errors.js';

// These tests run the official client against a real HTTPS server on 127.0.0.1 (test/fake-apiserver.ts) that
// serves recorded kube-apiserver list responses: a real kube-apiserver cannot be installed on these machines (no
// Debian package, not on npm, no container engine). The CA and server certificate are made fresh with openssl.

const NODES = readListFixture('nodes.json');
const PODS = readListFixture('pods.json');
const SERVICES = readListFixture('services.json');
const CONFIGMAPS = readListFixture('configmaps-kube-system.json');
const SERVICE_CIDRS = readListFixture('servicecidrs.json');

const PATHS: Record<KubernetesResource, string> = {
  nodes: '/api/v1/nodes',
  pods: '/api/v1/pods',
  services: '/api/v1/services',
  configmaps: '/api/v1/namespaces/kube-system/configmaps',
  servicecidrs: '/apis/networking.k8s.io/v1/servicecidrs',
  ipaddresses: '/apis/networking.k8s.io/v1/ipaddresses',
  daemonsets: '/apis/apps/v1/namespaces/kube-system/daemonsets',
  'kube-flannel-configmaps': '/api/v1/namespaces/kube-flannel/configmaps',
  'kube-flannel-daemonsets': '/apis/apps/v1/namespaces/kube-flannel/daemonsets',
  ippools: '/apis/crd.projectcalico.org/v1/ippools',
  ipamblocks: '/apis/crd.projectcalico.org/v1/ipamblocks',
  blockaffinities: '/apis/crd.projectcalico.org/v1/blockaffinities',
  ipamhandles: '/apis/crd.projectcalico.org/v1/ipamhandles',
  ciliumnodes: '/apis/cilium.io/v2/ciliumnodes',
  ciliumpodippools: '/apis/cilium.io/v2alpha1/ciliumpodippools',
};

/** The items of a recorded list as `kubectl get -o json` prints them: kind/apiVersion set, managedFields hidden. */
function asKubectlPrints(list: ListFixture): Record<string, unknown>[] {
  const kind = list.kind.replace(/List$/, '');
  return list.items.map((item) => {
    const { managedFields: _hidden, ...metadata } = item['metadata'] as Record<string, unknown>;
    return { apiVersion: list.apiVersion, kind, ...item, metadata };
  });
}

/** `n` pods made from the recorded web pod, named web-00000, web-00001, ... */
function manyPods(n: number): ListFixture {
  const template = PODS.items.find((p) => (p['metadata'] as { name: string }).name.startsWith('web-'))!;
  const items = Array.from({ length: n }, (_, i) => {
    const name = `web-${String(i).padStart(5, '0')}`;
    return {
      ...template,
      metadata: { ...(template['metadata'] as object), name, uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` },
      status: { phase: 'Running', podIP: `10.244.${(i >> 8) & 255}.${i & 255}`, podIPs: [{ ip: `10.244.${(i >> 8) & 255}.${i & 255}` }] },
    };
  });
  return { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '90001' }, items };
}

function namesOf(items: readonly Record<string, unknown>[]): string[] {
  return items.map((i) => (i['metadata'] as { name: string }).name);
}

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let dir: string;
let pki: TestPki;
let server: FakeApiServer;
let kubeconfig: string;

const LISTS = {
  [PATHS.nodes]: NODES,
  [PATHS.pods]: PODS,
  [PATHS.services]: SERVICES,
  [PATHS.configmaps]: CONFIGMAPS,
  [PATHS.servicecidrs]: SERVICE_CIDRS,
  // no ipaddresses: this server answers 404 for them, as a cluster without the IPAddress API does
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ipam-kube-client-'));
  pki = makeTestPki(dir);
  server = await startFakeApiServer({
    pki,
    lists: LISTS,
    tokens: { 'alpha-token': 'alice', 'beta-token': 'viewer' },
    forbidden: { viewer: [PATHS.configmaps] },
  });
  kubeconfig = writeKubeconfig(
    dir,
    'config',
    [
      { context: 'alpha', server: server.url, caCert: pki.caCert, token: 'alpha-token' },
      { context: 'beta', server: server.url, caCert: pki.caCert, token: 'beta-token' },
      { context: 'revoked', server: server.url, caCert: pki.caCert, token: 'revoked-token' },
    ],
    'alpha',
  );
});

afterAll(async () => {
  await server?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.unstubAllEnvs();
  server.requests.length = 0;
});

describe('kubernetesApiFromKubeconfig', () => {
  it('lists nodes of the current context as the API server wrote them, with kind and apiVersion set', async () => {
    const api = await kubernetesApiFromKubeconfig({ kubeconfig });
    expect(api.name).toBe('alpha');
    const nodes = await api.list('nodes');
    expect(nodes).toEqual(asKubectlPrints(NODES));
    // The server's own text, not client-node's typed objects: timestamps stay RFC 3339 strings (client-node makes
    // Dates of them) and fields newer than client-node's models (status.declaredFeatures) are kept.
    expect(nodes[0]!['metadata']).toMatchObject({ creationTimestamp: '2026-11-20T09:14:02Z' });
    expect((nodes[0]!['status'] as Record<string, unknown>)['declaredFeatures']).toEqual(['InPlacePodVerticalScaling']);
    expect(nodes[0]!['metadata']).not.toHaveProperty('managedFields');
    expect(JSON.parse(JSON.stringify(nodes))).toEqual(nodes); // plain data only
    expect(server.requests.map((r) => [r.path, r.authorization, r.user])).toEqual([
      [PATHS.nodes, 'Bearer alpha-token', 'alice'],
    ]);
  });

  it.each([
    ['pods', PODS, 'Pod'],
    ['services', SERVICES, 'Service'],
    ['configmaps', CONFIGMAPS, 'ConfigMap'],
    ['servicecidrs', SERVICE_CIDRS, 'ServiceCIDR'],
  ] as const)('lists %s from their endpoint as %s items', async (resource, list, kind) => {
    const api = await kubernetesApiFromKubeconfig({ kubeconfig });
    const items = await api.list(resource);
    expect(items).toEqual(asKubectlPrints(list));
    expect(items.every((i) => i['kind'] === kind && i['apiVersion'] === list.apiVersion)).toBe(true);
    expect(server.requests.map((r) => r.path)).toEqual([PATHS[resource]]);
  });

  it('lists ipaddresses as empty when the server does not serve them (HTTP 404)', async () => {
    const api = await kubernetesApiFromKubeconfig({ kubeconfig });
    await expect(api.list('ipaddresses')).resolves.toEqual([]);
    expect(server.requests.map((r) => [r.path, r.status])).toEqual([[PATHS.ipaddresses, 404]]);
  });

  it('sends nothing until list is called', async () => {
    await kubernetesApiFromKubeconfig({ kubeconfig });
    expect(server.requests).toEqual([]);
  });

  it('uses the context named by the `context` option, with its own token', async () => {
    const api = await kubernetesApiFromKubeconfig({ kubeconfig, context: 'beta' });
    expect(api.name).toBe('beta');
    expect(namesOf(await api.list('services'))).toEqual(namesOf(SERVICES.items));
    expect(server.requests.map((r) => [r.authorization, r.user])).toEqual([['Bearer beta-token', 'viewer']]);
  });

  it('rejects with ERR_K8S_API naming context, server, resource and HTTP 401 when the token is refused', async () => {
    const api = await kubernetesApiFromKubeconfig({ kubeconfig, context: 'revoked' });
    const error = await rejection(api.list('nodes'));
    expect(error.code).toBe('ERR_K8S_API');
    expect(error.message).toBe(
      `KubernetesApi.list("nodes"): context "revoked" (${server.url}/api/v1/nodes): HTTP 401: Unauthorized`,
    );
    expect(server.requests.map((r) => [r.authorization, r.status])).toEqual([['Bearer revoked-token', 401]]);
  });

  it('rejects with ERR_K8S_API carrying the server’s reason on HTTP 403', async () => {
    const api = await kubernetesApiFromKubeconfig({ kubeconfig, context: 'beta' });
    const error = await rejection(api.list('configmaps'));
    expect(error.code).toBe('ERR_K8S_API');
    expect(error.message).toBe(
      `KubernetesApi.list("configmaps"): context "beta" (${server.url}/api/v1/namespaces/kube-system/configmaps): ` +
        'HTTP 403: configmaps is forbidden: User "viewer" cannot list resource "configmaps" in API group "" in the namespace "kube-system"',
    );
  });

  it('rejects an unknown resource name with ERR_K8S_INVALID_ARGUMENT and sends nothing', async () => {
    const api = await kubernetesApiFromKubeconfig({ kubeconfig });
    const error = await rejection(api.list('secrets' as KubernetesResource));
    expect(error.code).toBe('ERR_K8S_INVALID_ARGUMENT');
    expect(error.message).toMatch(/^KubernetesApi.list\("secrets"\): unknown resource; expected one of nodes, pods/);
    expect(server.requests).toEqual([]);
  });
});

describe('kubernetesApiFromKubeconfig paging', () => {
  let big: FakeApiServer;
  let bigConfig: string;

  beforeAll(async () => {
    big = await startFakeApiServer({ pki, lists: { [PATHS.pods]: manyPods(1201) }, tokens: { t: 'alice' } });
    bigConfig = writeKubeconfig(dir, 'big', [{ context: 'big', server: big.url, caCert: pki.caCert, token: 't' }], 'big');
  });
  afterAll(async () => {
    await big?.close();
  });

  it('pages through a large list 500 objects at a time, following continue tokens, keeping order', async () => {
    const api = await kubernetesApiFromKubeconfig({ kubeconfig: bigConfig });
    const pods = await api.list('pods');
    expect(namesOf(pods)).toEqual(namesOf(manyPods(1201).items));
    const requests = big.requests.map((r) => r.query);
    expect(requests.map((q) => q['limit'])).toEqual(['500', '500', '500']);
    expect(requests[0]).not.toHaveProperty('continue');
    // each later request carries the continue token of the page before it
    const tokens = requests.slice(1).map((q) => JSON.parse(Buffer.from(q['continue']!, 'base64url').toString()).start);
    expect(tokens).toEqual([500, 1000]);
  });

  it('agrees with a one-shot list for any list length and page size (property)', async () => {
    // A second stand-in server whose list is replaced per run; the reference model is the list itself.
    const lists: Record<string, ListFixture> = {};
    const small = await startFakeApiServer({ pki, lists, tokens: { t: 'alice' } });
    try {
      const config = writeKubeconfig(dir, 'small', [{ context: 'small', server: small.url, caCert: pki.caCert, token: 't' }], 'small');
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 12 }), async (n, pageSize) => {
          lists[PATHS.pods] = manyPods(n);
          small.requests.length = 0;
          const api = await openKubernetesApi({ kubeconfig: config }, { ...DEFAULT_INTERNALS, pageSize });
          const pods = await api.list('pods');
          expect(namesOf(pods)).toEqual(namesOf(manyPods(n).items));
          expect(small.requests.length).toBe(Math.max(1, Math.ceil(n / pageSize)));
          expect(small.requests.every((r) => r.query['limit'] === String(pageSize))).toBe(true);
        }),
        { numRuns: 25 },
      );
    } finally {
      await small.close();
    }
  });

  it('starts the list over once when a continue token expires mid-list (HTTP 410)', async () => {
    const expiring = await startFakeApiServer({ pki, lists: { [PATHS.pods]: manyPods(5) }, tokens: { t: 'alice' }, expireContinue: 1 });
    try {
      const config = writeKubeconfig(dir, 'expiring-once', [{ context: 'x', server: expiring.url, caCert: pki.caCert, token: 't' }], 'x');
      const api = await openKubernetesApi({ kubeconfig: config }, { ...DEFAULT_INTERNALS, pageSize: 2 });
      // the first page read before the expiry is not kept twice
      expect(namesOf(await api.list('pods'))).toEqual(namesOf(manyPods(5).items));
      expect(expiring.requests.map((r) => [r.status, r.query['continue'] === undefined])).toEqual([
        [200, true],
        [410, false],
        [200, true],
        [200, false],
        [200, false],
      ]);
    } finally {
      await expiring.close();
    }
  });

  it('rejects with ERR_K8S_API and HTTP 410 when continue tokens expire again after starting over', async () => {
    const expiring = await startFakeApiServer({
      pki,
      lists: { [PATHS.pods]: manyPods(3) },
      tokens: { t: 'alice' },
      expireContinue: Number.POSITIVE_INFINITY,
    });
    try {
      const config = writeKubeconfig(dir, 'expiring', [{ context: 'x', server: expiring.url, caCert: pki.caCert, token: 't' }], 'x');
      const api = await openKubernetesApi({ kubeconfig: config }, { ...DEFAULT_INTERNALS, pageSize: 2 });
      const error = await rejection(api.list('pods'));
      expect(error.code).toBe('ERR_K8S_API');
      expect(error.message).toBe(
        `KubernetesApi.list("pods"): context "x" (${expiring.url}/api/v1/pods): HTTP 410: the continue token expired twice ` +
          'while the list was read page by page (it changes faster than it can be read); try again',
      );
      expect(expiring.requests.map((r) => r.status)).toEqual([200, 410, 200, 410]);
    } finally {
      await expiring.close();
    }
  });
});

describe('kubernetesApiFromKubeconfig connection failures', () => {
  it('rejects with ERR_K8S_API naming the server when the connection is refused', async () => {
    const url = `https://127.0.0.1:${await closedPort()}`;
    const config = writeKubeconfig(dir, 'refused', [{ context: 'down', server: url, caCert: pki.caCert, token: 't' }], 'down');
    const api = await kubernetesApiFromKubeconfig({ kubeconfig: config });
    const error = await rejection(api.list('nodes'));
    expect(error.code).toBe('ERR_K8S_API');
    expect(error.message).toMatch(
      new RegExp(`^KubernetesApi.list\\("nodes"\\): context "down" \\(${url}/api/v1/nodes\\): cannot reach the API server: .*ECONNREFUSED`),
    );
  });

  it('rejects with ERR_K8S_API when the server certificate is not signed by the kubeconfig’s CA', async () => {
    const other = makeTestPki(mkdtempSync(join(dir, 'other-ca-')));
    const config = writeKubeconfig(dir, 'wrong-ca', [{ context: 'mitm', server: server.url, caCert: other.caCert, token: 'alpha-token' }], 'mitm');
    const api = await kubernetesApiFromKubeconfig({ kubeconfig: config });
    const error = await rejection(api.list('nodes'));
    expect(error.code).toBe('ERR_K8S_API');
    expect(error.message).toMatch(/^KubernetesApi.list\("nodes"\): context "mitm" \(.*\): cannot reach the API server: .*certificate/);
    expect(server.requests).toEqual([]); // the token never left the client
  });

  it('rejects with ERR_K8S_API when the request cannot be made at all (client-node refuses plain http://)', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const config = writeKubeconfig(dir, 'plain-http', [{ context: 'plain', server: url, token: 't' }], 'plain');
    const api = await kubernetesApiFromKubeconfig({ kubeconfig: config });
    const error = await rejection(api.list('nodes'));
    expect(error.code).toBe('ERR_K8S_API');
    expect(error.message).toMatch(
      new RegExp(`^KubernetesApi.list\\("nodes"\\): context "plain" \\(${url}/api/v1/nodes\\): the request could not be made: .*HTTP protocol`),
    );
  });

  it('rejects with ERR_K8S_API when a page does not arrive in time', async () => {
    const stalled = await startFakeApiServer({ pki, lists: { [PATHS.nodes]: NODES }, tokens: { t: 'alice' }, stall: [PATHS.nodes] });
    try {
      const config = writeKubeconfig(dir, 'stalled', [{ context: 'slow', server: stalled.url, caCert: pki.caCert, token: 't' }], 'slow');
      const api = await openKubernetesApi({ kubeconfig: config }, { ...DEFAULT_INTERNALS, timeoutMs: 300 });
      const error = await rejection(api.list('nodes'));
      expect(error.code).toBe('ERR_K8S_API');
      expect(error.message).toBe(`KubernetesApi.list("nodes"): context "slow" (${stalled.url}/api/v1/nodes): no answer within 300 ms`);
    } finally {
      await stalled.close();
    }
  });
});

describe('kubernetesApiFromKubeconfig without @kubernetes/client-node', () => {
  it('rejects with ERR_K8S_API telling the user to install it', async () => {
    const missing = Object.assign(new Error("Cannot find package '@kubernetes/client-node' imported from /app/dist/index.js"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const error = await rejection(openKubernetesApi({ kubeconfig }, { ...DEFAULT_INTERNALS, loadClient: () => Promise.reject(missing) }));
    expect(error.code).toBe('ERR_K8S_API');
    expect(error.message).toContain('needs the optional peer dependency @kubernetes/client-node');
    expect(error.message).toContain('npm install @kubernetes/client-node');
    expect(error.cause).toBe(missing);
  });
});

describe('kubernetesApiFromKubeconfig kubeconfig loading', () => {
  it('reads the files of KUBECONFIG as kubectl does: missing files skipped, the first definition wins', async () => {
    const first = writeKubeconfig(dir, 'kc-first', [{ context: 'beta', server: server.url, caCert: pki.caCert, token: 'beta-token' }], 'beta');
    // A later file may not override the first file's current-context, nor its context or cluster named "beta".
    const second = writeKubeconfig(
      dir,
      'kc-second',
      [
        { context: 'beta', server: 'https://192.0.2.1:6443', caCert: pki.caCert, token: 'wrong' },
        { context: 'alpha', server: server.url, caCert: pki.caCert, token: 'alpha-token' },
      ],
      'alpha',
    );
    vi.stubEnv('KUBECONFIG', [join(dir, 'does-not-exist'), first, second].join(':'));
    const api = await kubernetesApiFromKubeconfig();
    expect(api.name).toBe('beta');
    await api.list('nodes');
    expect(server.requests.map((r) => r.user)).toEqual(['viewer']);
    // contexts only the later file defines are there too
    const alpha = await kubernetesApiFromKubeconfig({ context: 'alpha' });
    await alpha.list('nodes');
    expect(server.requests.map((r) => r.user)).toEqual(['viewer', 'alice']);
  });

  it('reads ~/.kube/config when KUBECONFIG is not set, resolving a relative certificate-authority against it', async () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const kubeDir = join(home, '.kube');
    mkdirSync(kubeDir);
    writeFileSync(join(kubeDir, 'ca.crt'), pki.caCert);
    writeKubeconfig(kubeDir, 'config', [{ context: 'home', server: server.url, caFile: 'ca.crt', token: 'alpha-token' }], 'home');
    vi.stubEnv('KUBECONFIG', '');
    vi.stubEnv('HOME', home);
    const api = await kubernetesApiFromKubeconfig();
    expect(api.name).toBe('home');
    expect(namesOf(await api.list('nodes'))).toEqual(['cp-1', 'worker-1', 'worker-2']);
  });

  it('rejects with ERR_K8S_IO when no kubeconfig exists', async () => {
    vi.stubEnv('KUBECONFIG', '');
    vi.stubEnv('HOME', mkdtempSync(join(dir, 'empty-home-')));
    const error = await rejection(kubernetesApiFromKubeconfig());
    expect(error.code).toBe('ERR_K8S_IO');
    expect(error.message).toMatch(/\.kube\/config: kubernetesApiFromKubeconfig: cannot read the kubeconfig: ENOENT/);
  });

  it('rejects with ERR_K8S_IO naming an explicit kubeconfig that cannot be read', async () => {
    const file = join(dir, 'nope.yaml');
    const error = await rejection(kubernetesApiFromKubeconfig({ kubeconfig: file }));
    expect(error.code).toBe('ERR_K8S_IO');
    expect(error.file).toBe(file);
  });

  it('rejects with ERR_K8S_IO when none of the KUBECONFIG files exists', async () => {
    vi.stubEnv('KUBECONFIG', `${join(dir, 'a')}:${join(dir, 'b')}`);
    const error = await rejection(kubernetesApiFromKubeconfig());
    expect(error.code).toBe('ERR_K8S_IO');
    expect(error.message).toContain('no kubeconfig found: none of the files of KUBECONFIG=');
  });

  it('rejects a file that is not YAML with ERR_K8S_INPUT_SYNTAX', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'clusters: [\n  - name: x\n');
    const error = await rejection(kubernetesApiFromKubeconfig({ kubeconfig: file }));
    expect(error.code).toBe('ERR_K8S_INPUT_SYNTAX');
    expect(error.file).toBe(file);
  });

  it('rejects a kubeconfig entry without a server with ERR_K8S_INPUT_INVALID', async () => {
    const file = join(dir, 'no-server.yaml');
    writeFileSync(file, 'clusters:\n- name: c\n  cluster: {}\ncontexts: []\nusers: []\n');
    const error = await rejection(kubernetesApiFromKubeconfig({ kubeconfig: file }));
    expect(error.code).toBe('ERR_K8S_INPUT_INVALID');
    expect(error.message).toMatch(/not a kubeconfig: /);
  });

  it('rejects an unknown context with ERR_K8S_INVALID_ARGUMENT listing the known ones', async () => {
    const error = await rejection(kubernetesApiFromKubeconfig({ kubeconfig, context: 'gamma' }));
    expect(error.code).toBe('ERR_K8S_INVALID_ARGUMENT');
    expect(error.message).toBe(
      `${kubeconfig}: kubernetesApiFromKubeconfig: context "gamma" is not in the kubeconfig (contexts: "alpha", "beta", "revoked")`,
    );
  });

  it('names the KUBECONFIG list when a context is in none of its files', async () => {
    const other = writeKubeconfig(dir, 'kc-other', [{ context: 'delta', server: server.url, caCert: pki.caCert, token: 't' }], 'delta');
    const list = `${kubeconfig}:${other}`;
    vi.stubEnv('KUBECONFIG', list);
    const error = await rejection(kubernetesApiFromKubeconfig({ context: 'gamma' }));
    expect(error.code).toBe('ERR_K8S_INVALID_ARGUMENT');
    expect(error.file).toBeUndefined();
    expect(error.message).toBe(
      `kubernetesApiFromKubeconfig: context "gamma" is not in KUBECONFIG=${JSON.stringify(list)} ` +
        '(contexts: "alpha", "beta", "revoked", "delta")',
    );
  });

  it('rejects an empty kubeconfig path with ERR_K8S_INVALID_ARGUMENT', async () => {
    const error = await rejection(kubernetesApiFromKubeconfig({ kubeconfig: '' }));
    expect(error.code).toBe('ERR_K8S_INVALID_ARGUMENT');
    expect(error.message).toBe('kubernetesApiFromKubeconfig: kubeconfig is an empty path');
  });

  it('rejects a kubeconfig without current-context when no context is given', async () => {
    const file = writeKubeconfig(dir, 'no-current', [{ context: 'a', server: server.url, caCert: pki.caCert, token: 't' }], undefined);
    const error = await rejection(kubernetesApiFromKubeconfig({ kubeconfig: file }));
    expect(error.code).toBe('ERR_K8S_INVALID_ARGUMENT');
    expect(error.message).toContain('has no current-context; name one with the `context` option');
    await expect(kubernetesApiFromKubeconfig({ kubeconfig: file, context: 'a' })).resolves.toMatchObject({ name: 'a' });
  });

  it('rejects a context whose cluster is not defined with ERR_K8S_INPUT_INVALID', async () => {
    const file = join(dir, 'dangling.yaml');
    writeFileSync(file, 'clusters: []\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: c\n  context: {cluster: gone, user: u}\ncurrent-context: c\n');
    const error = await rejection(kubernetesApiFromKubeconfig({ kubeconfig: file }));
    expect(error.code).toBe('ERR_K8S_INPUT_INVALID');
    expect(error.object).toBe('context c');
    expect(error.message).toContain('names cluster "gone", which');
  });
});

describe('doc examples', () => {
  it('KubernetesResource: lists several resources at once', async () => {
    vi.stubEnv('KUBECONFIG', kubeconfig);
    const api = await kubernetesApiFromKubeconfig();
    const resources: KubernetesResource[] = ['nodes', 'pods', 'services'];
    const [nodes, pods, services] = await Promise.all(resources.map((r) => api.list(r)));
    expect([nodes!.length, pods!.length, services!.length]).toEqual([NODES.items.length, PODS.items.length, SERVICES.items.length]);
  });

  it('KubernetesApi: an in-memory implementation', async () => {
    const fake: KubernetesApi = {
      name: 'fixture',
      list: async (resource) =>
        resource === 'nodes' ? [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { podCIDR: '10.244.0.0/24' } }] : [],
    };
    expect(await fake.list('nodes')).toHaveLength(1);
    expect(await fake.list('pods')).toEqual([]);
  });

  it('kubernetesApiFromKubeconfig: the error of a refused list names where it came from', async () => {
    const api = await kubernetesApiFromKubeconfig({ kubeconfig, context: 'beta' });
    let message = '';
    try {
      await api.list('configmaps');
    } catch (e) {
      if (KubernetesError.isInstance(e) && e.code === 'ERR_K8S_API') message = e.message;
    }
    expect(message).toMatch(/^KubernetesApi.list\("configmaps"\): context "beta" \(https:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/kube-system\/configmaps\): HTTP 403: /);
  });
});
