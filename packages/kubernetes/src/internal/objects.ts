import { Addr, Prefix } from '@ipam/core';
import type { ClusterPod, NodeAddress, SettingSource } from '../cluster-network.js';
import type { Collector } from './collector.js';
import { FieldReader, describe, isObj, key, maskSettings, type Obj, type ReadContext, reasonOf } from './fields.js';
import { type FlagValue, parseFlags, parseGoBool, programOf } from './flags.js';
import { readClusterConfiguration, readEmbeddedYaml, readKubeProxyConfiguration } from './kubeadm.js';
import { CALICO_KINDS, readCalicoObject, readCalicoWorkload } from './plugins/calico.js';
import { CILIUM_KINDS, readCiliumConfigMap, readCiliumObject } from './plugins/cilium.js';
import { FLANNEL_CONFIGMAPS, readFlannelConfigMap, readFlannelNode, readFlannelWorkload } from './plugins/flannel.js';
import { readWeaveWorkload } from './plugins/weave.js';

/** objectName names an object as `Kind name` or `Kind namespace/name`. */
export function objectName(kind: string, name: string, namespace?: string): string {
  return namespace === undefined || namespace === '' ? `${kind} ${name}` : `${kind} ${namespace}/${name}`;
}

/**
 * readDocument reads one parsed document: a single object or a List (`kind: List` or `NodeList`, `PodList`, ...,
 * whose items may omit `kind`). Unknown kinds are passed over; a document that is not an object or has no `kind`
 * is a warning.
 */
export function readDocument(col: Collector, doc: unknown, ctx: ReadContext, path = ''): void {
  if (!isObj(doc)) {
    col.warn('ERR_K8S_INPUT_INVALID', `expected a Kubernetes object, found ${describe(doc)}; skipped`, { file: ctx.file, path });
    return;
  }
  const kind = doc['kind'];
  if (typeof kind !== 'string' || kind === '') {
    col.warn('ERR_K8S_INPUT_INVALID', 'the document has no "kind"; skipped', { file: ctx.file, path });
    return;
  }
  const items = doc['items'];
  if (kind.endsWith('List') && Array.isArray(items)) {
    const itemKind = listItemKind(kind);
    items.forEach((item, i) => readListItem(col, item, i, itemKind, ctx, path));
    return;
  }
  readObject(col, doc, kind, ctx, path);
}

/** listItemKind is the kind of the items of a List of kind `kind` (`PodList`: `Pod`), undefined for `List`. */
export function listItemKind(kind: string): string | undefined {
  return kind === 'List' ? undefined : kind.slice(0, -4);
}

/**
 * readListItem reads element `i` of a List's items, of kind `itemKind` unless it names its own; `path` locates the
 * List (`document 2`, or empty).
 */
export function readListItem(col: Collector, item: unknown, i: number, itemKind: string | undefined, ctx: ReadContext, path: string): void {
  const p = path === '' ? `items[${i}]` : `${path}: items[${i}]`;
  if (!isObj(item)) {
    col.warn('ERR_K8S_INPUT_INVALID', `expected an object, found ${describe(item)}; skipped`, { file: ctx.file, path: p });
    return;
  }
  const k = typeof item['kind'] === 'string' && item['kind'] !== '' ? item['kind'] : itemKind;
  if (k === undefined) col.warn('ERR_K8S_INPUT_INVALID', 'a List item has no "kind"; skipped', { file: ctx.file, path: p });
  else if (k.endsWith('List') && Array.isArray(item['items'])) readDocument(col, item, ctx, p);
  else readObject(col, item, k, ctx, p);
}

/** The kinds read only with a name. */
const NAMED_KINDS: ReadonlySet<string> = new Set(['Node', 'Pod', 'Service', 'ServiceCIDR', 'IPAddress', 'ConfigMap', 'DaemonSet', 'Deployment']);

/**
 * readObject reads one object of a known kind: Node, Pod, Service, ConfigMap (`kubeadm-config`, `kube-proxy`),
 * ServiceCIDR, IPAddress, kubeadm ClusterConfiguration, KubeProxyConfiguration, and the pod templates of
 * DaemonSets and Deployments (for control-plane flags). Other kinds are passed over.
 *
 * `docPath` locates the object inside its document (`items[3]`) for problems found before the object has a name.
 */
export function readObject(col: Collector, o: Obj, kind: string, ctx: ReadContext, docPath = ''): void {
  const meta = isObj(o['metadata']) ? o['metadata'] : {};
  const name = typeof meta['name'] === 'string' ? meta['name'] : '';
  const namespace = typeof meta['namespace'] === 'string' ? meta['namespace'] : undefined;
  const apiVersion = typeof o['apiVersion'] === 'string' ? o['apiVersion'] : '';
  const needsName = NAMED_KINDS.has(kind);
  if (needsName && name === '') {
    col.warn('ERR_K8S_INPUT_INVALID', `a ${kind} without metadata.name; skipped`, { file: ctx.file, path: docPath });
    return;
  }
  // Namespaced kinds without metadata.namespace (a static pod manifest may omit it) are in "default", as the API server puts them.
  const clusterScoped = kind === 'Node' || kind === 'ServiceCIDR' || kind === 'IPAddress' || !NAMED_KINDS.has(kind);
  const object = objectName(kind, name, clusterScoped ? undefined : (namespace ?? 'default'));
  const r = new FieldReader(col, { file: ctx.file, object });
  switch (kind) {
    case 'Node':
      return readNode(r, o, name);
    case 'Pod':
      return readPod(r, o, name, namespace ?? 'default');
    case 'Service':
      return readService(r, o, name, namespace ?? 'default');
    case 'ServiceCIDR':
      if (apiVersion.startsWith('networking.k8s.io/')) readServiceCIDR(r, o, name);
      return;
    case 'IPAddress':
      if (apiVersion.startsWith('networking.k8s.io/')) readIPAddress(r, o, name);
      return;
    case 'ConfigMap':
      return readConfigMap(r, o, name);
    case 'DaemonSet':
    case 'Deployment': {
      const spec = r.obj(o, 'spec', '');
      const template = spec === undefined ? undefined : r.obj(spec, 'template', 'spec');
      const podSpec = template === undefined ? undefined : r.obj(template, 'spec', 'spec.template');
      if (podSpec !== undefined) readContainers(r, podSpec, 'spec.template.spec');
      if (podSpec !== undefined && kind === 'DaemonSet') {
        // The CNI plugins' node agents: their environment and flags say what pools they use.
        readCalicoWorkload(r, name, podSpec, 'spec.template.spec');
        readFlannelWorkload(r, podSpec, 'spec.template.spec');
        readWeaveWorkload(r, podSpec, 'spec.template.spec');
      }
      return;
    }
    case 'ClusterConfiguration':
      if (apiVersion.startsWith('kubeadm.k8s.io/')) {
        readClusterConfiguration(new FieldReader(col, { file: ctx.file, object: kindLabel(kind, name) }), o);
      }
      return;
    case 'KubeProxyConfiguration':
      if (apiVersion.startsWith('kubeproxy.config.k8s.io/')) {
        readKubeProxyConfiguration(new FieldReader(col, { file: ctx.file, object: kindLabel(kind, name) }), o);
      }
      return;
    default:
      if (CALICO_KINDS.has(kind)) readCalicoObject(r, o, kind, apiVersion, name);
      else if (CILIUM_KINDS.has(kind)) readCiliumObject(r, o, kind, apiVersion, name);
      return;
  }
}

function kindLabel(kind: string, name: string): string {
  return name === '' ? kind : `${kind} ${name}`;
}

function readNode(r: FieldReader, o: Obj, name: string): void {
  const spec = r.obj(o, 'spec', '') ?? {};
  const status = r.obj(o, 'status', '') ?? {};
  const podCIDRs: Prefix[] = [];
  const list = r.strings(spec, 'podCIDRs', 'spec');
  if (list.length > 0) {
    for (const a of list) {
      const p = r.cidr(a.text, a.path);
      if (p !== undefined) podCIDRs.push(p);
    }
  } else {
    const one = r.str(spec, 'podCIDR', 'spec');
    if (one !== undefined && one !== '') {
      const p = r.cidr(one, 'spec.podCIDR');
      if (p !== undefined) podCIDRs.push(p);
    }
  }
  const addresses: NodeAddress[] = [];
  (r.arr(status, 'addresses', 'status') ?? []).forEach((a, i) => {
    const path = `status.addresses[${i}]`;
    if (!isObj(a)) {
      r.col.warn('ERR_K8S_INPUT_INVALID', `expected an object, found ${describe(a)}; ignored`, r.at(path));
      return;
    }
    const type = r.str(a, 'type', path) ?? '';
    const text = r.str(a, 'address', path);
    if (text === undefined) return;
    // Hostname and DNS entries are names, not addresses.
    if (type === 'Hostname' || type === 'InternalDNS' || type === 'ExternalDNS') return;
    const addr = r.ip(text, () => `${path}.address`);
    if (addr !== undefined) addresses.push(Object.freeze({ type, address: addr }));
  });
  r.col.nodes.set(name, Object.freeze({ name, podCIDRs: Object.freeze(podCIDRs), addresses: Object.freeze(addresses), from: r.from }));
  readFlannelNode(r, o, name);
}

function readPod(r: FieldReader, o: Obj, name: string, namespace: string): void {
  const spec = r.obj(o, 'spec', '') ?? {};
  const status = r.obj(o, 'status', '') ?? {};
  const nodeName = r.str(spec, 'nodeName', 'spec');
  const hostNetwork = r.bool(spec, 'hostNetwork', 'spec') ?? false;
  const phase = r.str(status, 'phase', 'status');
  const podIPs: Addr[] = [];
  const list = r.arr(status, 'podIPs', 'status') ?? [];
  if (list.length > 0) {
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      const ip = isObj(e) ? e['ip'] : undefined;
      // The common case, without building field paths; anything odd takes the checked way.
      const text = typeof ip === 'string' ? ip : isObj(e) ? r.str(e, 'ip', `status.podIPs[${i}]`) : undefined;
      if (!isObj(e)) r.col.warn('ERR_K8S_INPUT_INVALID', `expected an object, found ${describe(e)}; ignored`, r.at(`status.podIPs[${i}]`));
      if (text === undefined || text === '') continue;
      const a = r.ip(text, () => `status.podIPs[${i}].ip`);
      if (a !== undefined) podIPs.push(a);
    }
  } else {
    const one = r.str(status, 'podIP', 'status');
    if (one !== undefined && one !== '') {
      const a = r.ip(one, 'status.podIP');
      if (a !== undefined) podIPs.push(a);
    }
  }
  const pod: ClusterPod = {
    namespace,
    name,
    nodeName: nodeName === '' ? undefined : nodeName,
    hostNetwork,
    phase: phase === '' ? undefined : phase,
    podIPs: Object.freeze(podIPs),
    from: r.from,
  };
  r.col.pods.set(`${namespace}/${name}`, Object.freeze(pod));
  readContainers(r, spec, 'spec');
}

function readService(r: FieldReader, o: Obj, name: string, namespace: string): void {
  const spec = r.obj(o, 'spec', '') ?? {};
  const type = r.str(spec, 'type', 'spec') || 'ClusterIP';
  let texts = r.strings(spec, 'clusterIPs', 'spec');
  if (texts.length === 0) {
    const one = r.str(spec, 'clusterIP', 'spec');
    if (one !== undefined && one !== '') texts = [{ text: one, path: 'spec.clusterIP' }];
  }
  const clusterIPs: Addr[] = [];
  // Headless services (clusterIP "None") and ExternalName services have no cluster IP.
  if (type !== 'ExternalName' && !texts.some((t) => t.text === 'None')) {
    for (const t of texts) {
      if (t.text === '') continue;
      const a = r.ip(t.text, t.path);
      if (a !== undefined) clusterIPs.push(a);
    }
  }
  r.col.services.set(`${namespace}/${name}`, Object.freeze({ namespace, name, type, clusterIPs: Object.freeze(clusterIPs), from: r.from }));
}

function readServiceCIDR(r: FieldReader, o: Obj, name: string): void {
  const spec = r.obj(o, 'spec', '') ?? {};
  const cidrs: Prefix[] = [];
  for (const a of r.strings(spec, 'cidrs', 'spec')) {
    // ServiceCIDR is a new-style API: Kubernetes validates its CIDRs strictly (canonical, no host bits).
    const p = Prefix.tryParse(a.text);
    if (p === undefined) {
      let reason = 'not a valid CIDR';
      try {
        Prefix.parse(a.text);
      } catch (e) {
        reason = reasonOf(e);
      }
      r.col.warn('ERR_K8S_INVALID_CIDR', `${reason}; ignored`, r.at(a.path));
      continue;
    }
    if (p.toString() !== a.text) {
      r.col.warn('ERR_K8S_INVALID_CIDR', `${JSON.stringify(a.text)} is not in canonical form (${p}); ignored`, r.at(a.path));
      continue;
    }
    cidrs.push(p);
  }
  if (!r.dualStack(cidrs, 'spec.cidrs')) return;
  r.col.serviceCIDRObjects.set(name, Object.freeze({ name, cidrs: Object.freeze(cidrs), from: r.from }));
  if (name === 'kubernetes' && cidrs.length > 0) {
    r.col.setting({ name: 'serviceCIDR', value: Object.freeze(cidrs), source: 'service-cidr', from: r.at('spec.cidrs') });
  }
}

function readIPAddress(r: FieldReader, o: Obj, name: string): void {
  // IPAddress names are validated strictly and must be the canonical form of the address.
  const addr = Addr.tryParse(name);
  if (addr === undefined || addr.toString() !== name) {
    const why = addr === undefined ? 'is not an IP address' : `is not in canonical form (${addr})`;
    r.col.warn('ERR_K8S_INVALID_IP', `the name ${JSON.stringify(name)} ${why}; skipped`, r.at('metadata.name'));
    return;
  }
  const spec = r.obj(o, 'spec', '') ?? {};
  const ref = r.obj(spec, 'parentRef', 'spec');
  let parentRef: string | undefined;
  if (ref !== undefined) {
    const resource = r.str(ref, 'resource', 'spec.parentRef') ?? '';
    const group = r.str(ref, 'group', 'spec.parentRef') ?? '';
    const ns = r.str(ref, 'namespace', 'spec.parentRef') ?? '';
    const n = r.str(ref, 'name', 'spec.parentRef') ?? '';
    const res = group === '' ? resource : `${resource}.${group}`;
    parentRef = `${res} ${ns === '' ? n : `${ns}/${n}`}`;
  }
  r.col.ipAddresses.set(addr.toString(), Object.freeze({ address: addr, parentRef, from: r.from }));
}

function readConfigMap(r: FieldReader, o: Obj, name: string): void {
  const data = r.obj(o, 'data', '');
  if (data === undefined) return;
  if (name === 'kubeadm-config') {
    const text = r.str(data, 'ClusterConfiguration', 'data');
    if (text !== undefined) {
      const path = key('data', 'ClusterConfiguration');
      const doc = readEmbeddedYaml(r, text, path);
      if (doc !== undefined) readClusterConfiguration(new FieldReader(r.col, r.at(path)), doc);
    }
  } else if (FLANNEL_CONFIGMAPS.has(name)) {
    readFlannelConfigMap(r, data);
  } else if (name === 'cilium-config') {
    readCiliumConfigMap(r, data);
  } else if (name === 'kube-proxy') {
    const text = r.str(data, 'config.conf', 'data');
    if (text !== undefined) {
      const path = key('data', 'config.conf');
      const doc = readEmbeddedYaml(r, text, path);
      if (doc !== undefined) readKubeProxyConfiguration(new FieldReader(r.col, r.at(path)), doc);
    }
  }
}

const COMPONENTS: ReadonlyMap<string, SettingSource> = new Map([
  ['kube-apiserver', 'kube-apiserver'],
  ['kube-controller-manager', 'kube-controller-manager'],
  ['kube-proxy', 'kube-proxy'],
]);

const NO_WORDS: readonly string[] = Object.freeze([]);

/** The first two string elements of a command list (the non-strings left out), without copying the rest. */
function firstWords(command: unknown): readonly string[] {
  if (!Array.isArray(command) || command.length === 0) return NO_WORDS;
  const out: string[] = [];
  for (let i = 0; i < command.length && out.length < 2; i++) {
    const w: unknown = command[i];
    if (typeof w === 'string') out.push(w);
  }
  return out;
}

/** readContainers reads the network flags of the control-plane programs among a pod spec's containers. */
function readContainers(r: FieldReader, spec: Obj, specPath: string): void {
  const containers = r.arr(spec, 'containers', specPath) ?? [];
  for (let i = 0; i < containers.length; i++) {
    const c = containers[i];
    if (!isObj(c)) continue;
    // Decide the program from the raw fields first: most containers are not control-plane components, and their
    // command lines are not read (nor checked) at all. programOf looks at the first two words only.
    const raw = firstWords(c['command']);
    const containerName = typeof c['name'] === 'string' ? c['name'] : undefined;
    const image = typeof c['image'] === 'string' ? c['image'] : undefined;
    const { program } = programOf(raw, containerName, image);
    const source = COMPONENTS.get(program);
    if (source === undefined) continue;
    const path = `${specPath}.containers[${i}]`;
    const command = r.strings(c, 'command', path);
    const args = r.strings(c, 'args', path);
    const { skip } = programOf(
      command.map((a) => a.text),
      containerName,
      image,
    );
    componentSettings(r, source, parseFlags([...command.slice(skip), ...args]));
  }
}

/**
 * componentSettings turns a component's flags into settings, in a fixed order: allocateNodeCIDRs, clusterCIDR,
 * serviceCIDR, nodeCIDRMaskSize. kube-apiserver contributes `--service-cluster-ip-range`; kube-controller-manager
 * all four; kube-proxy `--cluster-cidr`.
 */
export function componentSettings(r: FieldReader, source: SettingSource, flags: ReadonlyMap<string, FlagValue>): void {
  const kcm = source === 'kube-controller-manager';
  const allocate = flags.get('allocate-node-cidrs');
  if (kcm && allocate !== undefined) {
    const v = parseGoBool(allocate.value);
    if (v === undefined) r.col.warn('ERR_K8S_INPUT_INVALID', `--allocate-node-cidrs: ${JSON.stringify(allocate.value)} is not a boolean; ignored`, r.at(allocate.path));
    else r.col.setting({ name: 'allocateNodeCIDRs', value: v, source, from: r.at(allocate.path) });
  }
  let clusterCIDRs: Prefix[] | undefined;
  const cluster = flags.get('cluster-cidr');
  if ((kcm || source === 'kube-proxy') && cluster !== undefined) {
    // kube-controller-manager trims the whole list (processCIDRs); kube-proxy splits it as written.
    clusterCIDRs = r.cidrList(kcm ? cluster.value.trim() : cluster.value, cluster.path);
    if (clusterCIDRs !== undefined) r.col.setting({ name: 'clusterCIDR', value: Object.freeze(clusterCIDRs), source, from: r.at(cluster.path) });
  }
  const service = flags.get('service-cluster-ip-range');
  if ((kcm || source === 'kube-apiserver') && service !== undefined) {
    const v = r.cidrList(service.value, service.path);
    if (v !== undefined) r.col.setting({ name: 'serviceCIDR', value: Object.freeze(v), source, from: r.at(service.path) });
  }
  if (kcm) maskSettings(r, source, clusterCIDRs, (n) => flags.get(n));
}

