import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { rejection } from '../../../test/errors.js';
import { type FakeApiServer, type ListFixture, startFakeApiServer } from '../../../test/fake-apiserver.js';
import { writeKubeconfig } from '../../../test/kubeconfig.js';
import { makeTestPki } from '../../../test/test-pki.js';
import type { ClusterNetwork } from '../../cluster-network.js';
import { discover } from '../../discover.js';

// The CNI plugins' objects read from a live cluster: the official client against the fake API server of
// test/fake-apiserver.ts (real HTTPS on 127.0.0.1; no kube-apiserver can run here), serving the plugin fixtures as
// the API server lists them. Cilium's CRDs are not installed (404), which is not an error.

const fixture = (path: string): string => fileURLToPath(new URL(`../../../test/fixtures/plugins/${path}`, import.meta.url));
const yamlDocs = (path: string): Record<string, unknown>[] => parseAllDocuments(readFileSync(fixture(path), 'utf8')).map((d) => d.toJSON() as Record<string, unknown>);
const listItems = (path: string): Record<string, unknown>[] => (parseYaml(readFileSync(fixture(path), 'utf8')) as { items: Record<string, unknown>[] }).items;

function list(kind: string, apiVersion: string, items: readonly Record<string, unknown>[]): ListFixture {
  return { kind: `${kind}List`, apiVersion, metadata: { resourceVersion: '4242' }, items };
}

const NODES = [
  { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-3' }, spec: { podCIDR: '10.244.3.0/24', podCIDRs: ['10.244.3.0/24'] } },
  { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-4' }, spec: { podCIDR: '10.244.4.0/24', podCIDRs: ['10.244.4.0/24'] } },
];
const FLANNEL = yamlDocs('flannel/kube-flannel.yml');
const IPAM = listItems('calico/ipam.yaml');
const ofKind = (kind: string): Record<string, unknown>[] => IPAM.filter((o) => o['kind'] === kind);

const LISTS: Record<string, ListFixture> = {
  '/api/v1/nodes': list('Node', 'v1', NODES),
  '/api/v1/pods': list('Pod', 'v1', []),
  '/api/v1/services': list('Service', 'v1', []),
  '/api/v1/namespaces/kube-system/configmaps': list('ConfigMap', 'v1', []),
  '/apis/apps/v1/namespaces/kube-system/daemonsets': list('DaemonSet', 'apps/v1', yamlDocs('calico/calico-node-daemonset.yaml')),
  '/api/v1/namespaces/kube-flannel/configmaps': list('ConfigMap', 'v1', FLANNEL.filter((o) => o['kind'] === 'ConfigMap')),
  '/apis/apps/v1/namespaces/kube-flannel/daemonsets': list('DaemonSet', 'apps/v1', FLANNEL.filter((o) => o['kind'] === 'DaemonSet')),
  '/apis/crd.projectcalico.org/v1/ippools': list('IPPool', 'crd.projectcalico.org/v1', listItems('calico/ippools-crd.json')),
  '/apis/crd.projectcalico.org/v1/ipamblocks': list('IPAMBlock', 'crd.projectcalico.org/v1', ofKind('IPAMBlock')),
  '/apis/crd.projectcalico.org/v1/blockaffinities': list('BlockAffinity', 'crd.projectcalico.org/v1', ofKind('BlockAffinity')),
  '/apis/crd.projectcalico.org/v1/ipamhandles': list('IPAMHandle', 'crd.projectcalico.org/v1', ofKind('IPAMHandle')),
};

/** Pools and blocks without `from` (which names a file in one case and an API object in the other), as JSON. */
function plugins(n: ClusterNetwork): unknown {
  const strip = <T extends { from: unknown }>({ from: _, ...rest }: T): unknown => rest;
  return JSON.parse(JSON.stringify({ pools: n.pools.map(strip), blocks: n.blocks.map(strip) }));
}

let dir: string;
let server: FakeApiServer;
let kubeconfig: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ipam-plugins-live-'));
  const pki = makeTestPki(dir);
  server = await startFakeApiServer({
    pki,
    lists: LISTS,
    tokens: { 'alpha-token': 'alice', 'beta-token': 'viewer' },
    forbidden: { viewer: ['/apis/crd.projectcalico.org/v1/ipamblocks'] },
  });
  kubeconfig = writeKubeconfig(
    dir,
    'config',
    [
      { context: 'alpha', server: server.url, caCert: pki.caCert, token: 'alpha-token' },
      { context: 'beta', server: server.url, caCert: pki.caCert, token: 'beta-token' },
    ],
    'alpha',
  );
});

afterAll(async () => {
  await server?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('discover({ kubeconfig }): the CNI plugins of a live cluster', () => {
  it('lists the plugin CRDs and kube-system/kube-flannel objects and reads them as the same objects in files', { timeout: 60_000 }, async () => {
    server.requests.length = 0;
    const live = await discover({ kubeconfig });
    const nodes = join(dir, 'nodes.json');
    writeFileSync(nodes, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: NODES }));
    const files = await discover({
      files: [nodes, fixture('calico/calico-node-daemonset.yaml'), fixture('flannel/kube-flannel.yml'), fixture('calico/ippools-crd.json'), fixture('calico/ipam.yaml')],
    });
    expect(live.warnings).toEqual([]);
    expect(plugins(live)).toEqual(plugins(files));
    expect(live.pools.map((p) => `${p.plugin} ${p.name}`)).toEqual(['flannel flannel', 'calico default-ipv4-ippool', 'calico default-ipv6-ippool']);
    expect(live.blocks.find((b) => b.plugin === 'calico')?.from).toEqual({ object: 'IPAMBlock 10-244-3-0-26' });
    // Cilium is not installed: its CRDs answer 404, and that is an empty list.
    const seen = new Map(server.requests.map((r) => [r.path, r.status]));
    expect(seen.get('/apis/cilium.io/v2/ciliumnodes')).toBe(404);
    expect(seen.get('/apis/cilium.io/v2alpha1/ciliumpodippools')).toBe(404);
    expect(seen.get('/apis/crd.projectcalico.org/v1/ipamblocks')).toBe(200);
    expect(live.blocks.filter((b) => b.plugin === 'cilium')).toEqual([]);
  });

  it('rejects with ERR_K8S_API when a plugin CRD that is installed cannot be listed (HTTP 403)', { timeout: 60_000 }, async () => {
    const e = await rejection(discover({ kubeconfig, context: 'beta' }));
    expect(e.code).toBe('ERR_K8S_API');
    expect(e.message).toContain('KubernetesApi.list("ipamblocks")');
    expect(e.message).toContain('/apis/crd.projectcalico.org/v1/ipamblocks): HTTP 403');
  });
});
