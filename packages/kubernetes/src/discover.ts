import { Buffer, isAscii } from 'node:buffer';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { CniConfigError, type CniRuntime, loadConfigDir } from '@ipam/cni';
import type { ClusterNetwork } from './cluster-network.js';
import { cniNetworkOf, isCniShaped, readCniText } from './internal/cni.js';
import { Collector } from './internal/collector.js';
import { type DocumentSink, DocumentSplitter, type InputName } from './internal/dump-stream.js';
import { describe, isObj, reasonOf } from './internal/fields.js';
import { listItemKind, readDocument, readListItem, readObject } from './internal/objects.js';
import { readFlannelSubnetEnv } from './internal/plugins/flannel.js';
import type { KubernetesApi, KubernetesResource } from './kube-api.js';
import { KubernetesError } from './kubernetes-error.js';

/**
 * DiscoverOptions says what {@link discover} reads. Every option is an input; give one or several, and their
 * results merge into one {@link ClusterNetwork} (an object read twice, say a node in a dump and in the live
 * cluster, is kept once, from the later input; every setting observation is kept). Inputs are read in the order
 * of the fields below.
 *
 * @example
 * ```ts
 * await discover({ dump: await readFile('dump.txt', 'utf8') });
 * await discover({ dump: createReadStream('dump.txt', { highWaterMark: 1 << 20 }) }); // read as it goes
 * await discover({ dumpDirectory: './cluster-state' });
 * await discover({ files: ['/etc/kubernetes/manifests', 'kubeadm.yaml', 'nodes.json'], cniConfigDir: '/etc/cni/net.d' });
 * await discover({ kubeconfig: '~/.kube/config'.replace('~', homedir()), context: 'prod-eu' });
 * ```
 */
export interface DiscoverOptions {
  /**
   * DiscoverOptions.dump is the text `kubectl cluster-info dump` prints: concatenated JSON documents (a NodeList,
   * then per namespace EventList, ServiceList, ..., PodList) with `==== START logs ... ====` / `==== END logs ... ====`
   * blocks between them, or the same with `-o yaml`. Any stream of JSON documents or YAML documents works
   * (`kubectl get nodes,pods,svc -A -o json`, several such outputs pasted together).
   *
   * The dump may be given as text, as UTF-8 bytes (a `Uint8Array` or `Buffer`), or as an async iterable of text or
   * UTF-8 chunks (`fs.createReadStream(path)`, `process.stdin`, a `fetch` body), which is read as it arrives and never
   * held whole: a large cluster's dump may not even fit in one JavaScript string (V8 caps strings at about 512 MiB).
   * Chunks may be cut anywhere, inside a string, an escape or a multi-byte character. Lists are read item by item
   * either way, so memory follows the discovered network rather than the size of the dump.
   *
   * @example
   * ```ts
   * await discover({ dump: createReadStream('cluster-info-dump.txt') });
   * await discover({ dump: process.stdin }); // kubectl cluster-info dump | my-audit-tool
   * ```
   */
  readonly dump?: DumpInput;
  /**
   * DiscoverOptions.dumpDirectory is a directory written by `kubectl cluster-info dump --output-directory=DIR`:
   * `nodes.json` (or `.yaml`) and `<namespace>/{events,services,daemonsets,deployments,replicasets,pods,...}.json`;
   * pods' `logs.txt` are not read.
   */
  readonly dumpDirectory?: string;
  /**
   * DiscoverOptions.files are paths of JSON or YAML files, each holding one object, a List, several YAML documents
   * or a JSON stream: `kubectl get nodes|pods|services|configmaps -o json|yaml`, a kubeadm `ClusterConfiguration`
   * (`kubeadm.k8s.io/v1beta3`, `v1beta4`, with kubeadm's defaults), the `kubeadm-config` and `kube-proxy`
   * ConfigMaps, a `KubeProxyConfiguration`, static pod manifests (`/etc/kubernetes/manifests/*.yaml`),
   * `ServiceCIDR` and `IPAddress` objects, and CNI configurations (`.conf`, `.conflist`, or `.json` with a
   * `cniVersion`/`plugins`/`type` shape, read by @ipam/cni). A directory stands for every `.json`, `.yaml`,
   * `.yml`, `.conf` and `.conflist` file directly in it, and a `subnet.env`, in name order.
   *
   * The CNI plugins' own pools and state are read from the same files (and from a dump or a live cluster), into
   * {@link ClusterNetwork.pools} and {@link ClusterNetwork.blocks}:
   * - Flannel: the `kube-flannel-cfg` (or Canal's `canal-config`) ConfigMap's `net-conf.json` (`Network`,
   *   `Networks`, `SubnetLen`, `SubnetMin`, `SubnetMax`, `EnableIPv4`, `EnableIPv6`, `IPv6Network`,
   *   `IPv6SubnetLen`, `Backend.Type`, with flanneld's defaults), the flanneld DaemonSet (`kube-flannel-ds`) and
   *   the `flannel.alpha.coreos.com/*` node annotations: with the kube subnet manager each node's pod CIDRs are its
   *   Flannel blocks. A flanneld `subnet.env` (`/run/flannel/subnet.env`, any file named `subnet.env` or ending
   *   in `.env`, parsed by @ipam/cni) gives that node's subnets, and the networks when no ConfigMap is given.
   * - Calico: `IPPool` (`projectcalico.org/v3` and `crd.projectcalico.org/v1`), `IPAMBlock` (every allocation,
   *   at the block's base plus its ordinal, with its pod or tunnel holder), `BlockAffinity`, `IPAMHandle`, and the
   *   `calico-node` DaemonSet's `CALICO_IPV4POOL_*`/`CALICO_IPV6POOL_*` environment, which gives the default pool
   *   calico-node creates (`default-ipv4-ippool`: `CALICO_IPV4POOL_CIDR`, else kubeadm's podSubnet, else
   *   192.168.0.0/16) for a family that has no IPPool object.
   * - Cilium: the `cilium-config` ConfigMap (`ipam` mode; cluster-pool CIDRs and mask sizes; multi-pool
   *   `auto-create-cilium-pod-ip-pools`), `CiliumNode` (pod CIDRs, multi-pool allocations, `status.ipam.used`)
   *   and `CiliumPodIPPool`; with `ipam: kubernetes` each node's pod CIDRs are its Cilium blocks.
   * - Weave: the `weave` container of the weave-net DaemonSet, `IPALLOC_RANGE` or Weave's 10.32.0.0/12.
   *
   * Malformed or inconsistent plugin objects (a block size Calico refuses, an IPAMBlock ordinal in neither
   * `allocations` nor `unallocated`, a handle whose counts disagree with its blocks) are warnings naming the
   * object (`IPAMBlock 10-244-3-0-26`) and the field (`spec.allocations[3]`); the rest is read.
   *
   * @example
   * ```ts
   * // kubectl get ippools,ipamblocks,blockaffinities,ipamhandles -o yaml > calico-ipam.yaml
   * const network = await discover({ files: ['calico-ipam.yaml', '/run/flannel/subnet.env'] });
   * network.pools.map((p) => `${p.plugin} ${p.name} ${p.cidrs.join(',')} /${p.blockSize}`);
   * network.blocks.filter((b) => b.node === 'node-3').map((b) => [String(b.cidr), b.allocations?.length]);
   * ```
   */
  readonly files?: readonly string[];
  /**
   * DiscoverOptions.cniConfigDir is a CNI configuration directory (`/etc/cni/net.d`), read as the container
   * runtime reads it (@ipam/cni `loadConfigDir`): the networks it loads are recorded, skipped files and a missing
   * selection become warnings.
   */
  readonly cniConfigDir?: string;
  /** DiscoverOptions.cniRuntime is the runtime whose choice {@link DiscoverOptions.cniConfigDir} reproduces (default `containerd`). */
  readonly cniRuntime?: CniRuntime;
  /**
   * DiscoverOptions.api is a live cluster behind the {@link KubernetesApi} seam: nodes, pods, services, the
   * kube-system ConfigMaps, ServiceCIDRs and IPAddresses are listed and read exactly as the same objects in files;
   * so are the CNI plugins' objects (the kube-system and kube-flannel DaemonSets and ConfigMaps, Calico's IPPools,
   * IPAMBlocks, BlockAffinities and IPAMHandles, Cilium's CiliumNodes and CiliumPodIPPools; see
   * {@link KubernetesResource}). A plugin that is not installed has no such objects: nothing is read for it.
   */
  readonly api?: KubernetesApi;
  /**
   * DiscoverOptions.kubeconfig reads a live cluster with the official client (`@kubernetes/client-node`, an
   * optional peer dependency, loaded only then): the path of a kubeconfig file, or `true` for the client's default
   * (`$KUBECONFIG`, else `~/.kube/config`). Setting {@link DiscoverOptions.context} alone also reads the default.
   */
  readonly kubeconfig?: string | true;
  /** DiscoverOptions.context is the kubeconfig context to use (default: its current-context). */
  readonly context?: string;
}

/**
 * DumpInput is what {@link DiscoverOptions.dump} takes: the text of a dump, its UTF-8 bytes, or an async iterable of
 * text or UTF-8 chunks such as a Node.js readable stream.
 */
export type DumpInput = string | Uint8Array | AsyncIterable<string | Uint8Array>;

/** The extensions a directory in {@link DiscoverOptions.files} is read for. */
const FILE_EXTENSIONS = new Set(['.json', '.yaml', '.yml', '.conf', '.conflist']);

/** The lists read from a live cluster, in this order, with the kind of their items. */
const RESOURCES: readonly (readonly [KubernetesResource, string])[] = [
  ['nodes', 'Node'],
  ['pods', 'Pod'],
  ['services', 'Service'],
  ['configmaps', 'ConfigMap'],
  ['servicecidrs', 'ServiceCIDR'],
  ['ipaddresses', 'IPAddress'],
  ['daemonsets', 'DaemonSet'],
  ['kube-flannel-configmaps', 'ConfigMap'],
  ['kube-flannel-daemonsets', 'DaemonSet'],
  ['ippools', 'IPPool'],
  ['ipamblocks', 'IPAMBlock'],
  ['blockaffinities', 'BlockAffinity'],
  ['ipamhandles', 'IPAMHandle'],
  ['ciliumnodes', 'CiliumNode'],
  ['ciliumpodippools', 'CiliumPodIPPool'],
];

/** The order in which kubectl writes a namespace's files, which a dump directory is read in. */
const DUMP_NAMESPACE_FILES = ['events', 'replication-controllers', 'services', 'daemonsets', 'deployments', 'replicasets', 'pods'];

/**
 * discover builds one {@link ClusterNetwork} from whatever the user has: a `kubectl cluster-info dump` (stream,
 * YAML or output directory), object and configuration files, a CNI configuration directory, or a live cluster.
 *
 * Each observation of a setting (`--cluster-cidr`, kubeadm `podSubnet`, a `kubernetes` ServiceCIDR, ...) becomes
 * a {@link Setting} saying which component it configures and where it was read (file, object such as
 * `Pod kube-system/kube-controller-manager-minikube`, field path such as `spec.containers[0].command[4]`); the
 * effective settings follow {@link clusterNetwork}'s precedence. Addresses in legacy fields (node `podCIDRs`, pod
 * `podIPs`, service `clusterIPs`, flags, kubeadm and kube-proxy configuration) are read with Kubernetes' sloppy
 * parser (leading zeros are decimal, host bits are cleared); ServiceCIDR `spec.cidrs` and IPAddress names strictly.
 * Headless and ExternalName services have no cluster IPs; hostNetwork pods are kept and marked.
 *
 * A value that does not parse, or an object of the wrong shape, is a {@link DiscoveryWarning} and the rest is read.
 *
 * @throws {@link KubernetesError} `ERR_K8S_INVALID_ARGUMENT` for options with no input or of the wrong type;
 * `ERR_K8S_INPUT_SYNTAX` for input that is not JSON or YAML (naming the file, with line and column);
 * `ERR_K8S_IO` for a file or directory that cannot be read; `ERR_K8S_API` (and the kubeconfig errors of
 * {@link kubernetesApiFromKubeconfig}) for a live cluster.
 *
 * @example
 * ```ts
 * const network = await discover({ dump: await readFile('cluster-info-dump.txt', 'utf8') });
 * network.clusterCIDRs.map(String);      // ['10.244.0.0/16']
 * network.serviceCIDRs.map(String);      // ['10.96.0.0/12']
 * network.nodes[0]?.podCIDRs.map(String); // ['10.244.0.0/24']
 * network.settings.find((s) => s.name === 'clusterCIDR')?.from;
 * // { object: 'Pod kube-system/kube-controller-manager-minikube', path: 'spec.containers[0].command[4]' }
 * ```
 */
export async function discover(options: DiscoverOptions): Promise<ClusterNetwork> {
  checkOptions(options);
  const col = new Collector();
  if (options.dump !== undefined) {
    col.source('<dump>');
    await readDump(col, options.dump);
  }
  if (options.dumpDirectory !== undefined) await readDumpDirectory(col, options.dumpDirectory);
  for (const path of options.files ?? []) await readPath(col, path);
  if (options.cniConfigDir !== undefined) await readCniConfigDir(col, options.cniConfigDir, options.cniRuntime);
  if (options.api !== undefined) await readApi(col, options.api);
  if (options.kubeconfig !== undefined || options.context !== undefined) {
    const { kubernetesApiFromKubeconfig } = await import('./kube-client.js');
    const api = await kubernetesApiFromKubeconfig({
      ...(typeof options.kubeconfig === 'string' ? { kubeconfig: options.kubeconfig } : {}),
      ...(options.context === undefined ? {} : { context: options.context }),
    });
    await readApi(col, api);
  }
  return col.build();
}

function checkOptions(options: DiscoverOptions): void {
  const bad = (reason: string): never => {
    throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `discover: ${reason}`);
  };
  if (!isObj(options)) bad(`expected an options object, found ${describe(options)}`);
  const str = (k: keyof DiscoverOptions): void => {
    const v = options[k];
    if (v !== undefined && typeof v !== 'string') bad(`options.${k} must be a string, found ${describe(v)}`);
  };
  for (const k of ['dumpDirectory', 'cniConfigDir', 'cniRuntime', 'context'] as const) str(k);
  const dump: unknown = options.dump;
  if (dump !== undefined && typeof dump !== 'string' && !(dump instanceof Uint8Array) && !isAsyncIterable(dump)) {
    bad(`options.dump must be a string, a Uint8Array or an async iterable of them, found ${describe(dump)}`);
  }
  if (options.kubeconfig !== undefined && options.kubeconfig !== true && typeof options.kubeconfig !== 'string') {
    bad(`options.kubeconfig must be a path or true, found ${describe(options.kubeconfig)}`);
  }
  if (options.files !== undefined && (!Array.isArray(options.files) || options.files.some((f) => typeof f !== 'string'))) {
    bad('options.files must be a list of paths');
  }
  if (options.api !== undefined && (!isObj(options.api) || typeof options.api.list !== 'function')) {
    bad('options.api must be a KubernetesApi (an object with a list method)');
  }
  const inputs = [options.dump, options.dumpDirectory, options.files, options.cniConfigDir, options.api, options.kubeconfig, options.context];
  if (inputs.every((v) => v === undefined)) {
    bad('nothing to discover from: give dump, dumpDirectory, files, cniConfigDir, api, or kubeconfig/context');
  }
}

/** Top-level keys that only CNI configurations have. */
const CNI_KEYS = /"(?:cniVersion|plugins)"\s*:/;

/** Reads one text: a CNI configuration by extension or shape, else a stream of Kubernetes documents. */
function readText(col: Collector, text: string, name: InputName, ext: string): void {
  const from = name.file === undefined ? {} : { file: name.file };
  if (ext === '.conf' || ext === '.conflist') {
    readCniText(col, text, from);
    return;
  }
  // Documents are read as they are split: a file's go to a collector of their own until the whole file has parsed,
  // so that a CNI template (below) leaves nothing behind.
  const target = name.file === undefined ? col : new Collector();
  const reader = new DocumentReader(target, name);
  const splitter = new DocumentSplitter(name, reader);
  try {
    splitter.push(text);
    splitter.end();
  } catch (e) {
    // A CNI configuration template (`"mtu": __CNI_MTU__`, `{{if .Mtu}}`) is not JSON until filled in: @ipam/cni
    // tells a template from broken JSON.
    if (name.file !== undefined && CNI_KEYS.test(text)) {
      readCniText(col, text, from);
      return;
    }
    throw e;
  }
  reader.finish(text);
  if (target !== col) col.absorb(target);
}

/**
 * The size of the pieces bytes are decoded in: text of this size stays in V8's young generation (larger strings are
 * allocated in old space, and a dump read in megabyte pieces spends most of its time in full garbage collections).
 */
const DECODE_CHUNK = 1 << 16;

/** Reads {@link DiscoverOptions.dump}: text at once, bytes and async iterables chunk by chunk. */
async function readDump(col: Collector, dump: DumpInput): Promise<void> {
  const name: InputName = { label: 'discover({ dump })' };
  if (typeof dump === 'string') {
    readText(col, dump, name, '');
    return;
  }
  const reader = new DocumentReader(col, name);
  const splitter = new DocumentSplitter(name, reader);
  const decoder = new Utf8Chunks();
  const bytes = (b: Uint8Array): void => {
    for (let k = 0; k < b.length; k += DECODE_CHUNK) splitter.push(decoder.decode(b.subarray(k, k + DECODE_CHUNK)));
  };
  if (dump instanceof Uint8Array) {
    bytes(dump);
  } else {
    for await (const chunk of dump) {
      if (typeof chunk === 'string') splitter.push(decoder.flush() + chunk);
      else if (chunk instanceof Uint8Array) bytes(chunk);
      else throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `discover: options.dump yielded ${describe(chunk)}, not a string or a Uint8Array`);
    }
  }
  splitter.push(decoder.flush());
  splitter.end();
  reader.finish(splitter.text);
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

/**
 * Utf8Chunks decodes UTF-8 chunk by chunk as `Buffer#toString('utf8')` decodes the whole (a byte order mark kept,
 * bad bytes as U+FFFD); a character cut between chunks is completed by the next one. A chunk of ASCII bytes (most of
 * a dump) that does not continue a character is copied as Latin-1, which is the same text and many times faster.
 */
class Utf8Chunks {
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  /** Whether the decoder holds no part of a character (the last chunk ended in an ASCII byte). */
  private clean = true;

  decode(bytes: Uint8Array): string {
    if (bytes.length === 0) return '';
    if (this.clean && isAscii(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
    this.clean = bytes[bytes.length - 1]! < 0x80;
    return this.decoder.decode(bytes, { stream: true });
  }

  /** flush ends a character left open by the last chunk (as U+FFFD). */
  flush(): string {
    this.clean = true;
    return this.decoder.decode();
  }
}

/**
 * DocumentReader reads the documents a {@link DocumentSplitter} finds into a collector, as they come. What a
 * document says about where a problem is depends on whether the input holds one document or several (`items[3]`
 * or `document 1: items[3]`), and a single CNI-shaped document is read as a CNI configuration: so a first document
 * read whole is held until a second one starts or the input ends, and the warnings of a first List are moved under
 * `document 1` when a second document starts.
 */
class DocumentReader implements DocumentSink {
  /** Documents begun. */
  private count = 0;
  /** The first document, held; or the warnings its items gave, when it was a List read item by item. */
  private first: { readonly value: unknown } | { readonly warnings: readonly [number, number] } | undefined;
  /** The open List: the kind of its items, its path and where its warnings start. */
  private list: { readonly itemKind: string | undefined; readonly path: string; readonly warnings: number } | undefined;
  private readonly ctx: { readonly file: string | undefined };

  constructor(
    private readonly col: Collector,
    private readonly name: InputName,
  ) {
    this.ctx = { file: name.file };
  }

  document(value: unknown): void {
    this.begin();
    if (this.count === 1) this.first = { value };
    else this.readDoc(value, `document ${this.count}`);
  }

  listStart(kind: string): void {
    this.begin();
    this.list = { itemKind: listItemKind(kind), path: this.count === 1 ? '' : `document ${this.count}`, warnings: this.col.warnings.length };
  }

  listItem(value: unknown, index: number): void {
    const list = this.list!;
    readListItem(this.col, value, index, list.itemKind, this.ctx, list.path);
  }

  listEnd(): void {
    const list = this.list!;
    this.list = undefined;
    if (this.count === 1) this.first = { warnings: [list.warnings, this.col.warnings.length] };
  }

  /** finish reads a single document, once the input has ended; `text` is the whole input, if still at hand. */
  finish(text: string | undefined): void {
    const first = this.first;
    this.first = undefined;
    if (first === undefined || !('value' in first)) return;
    const only = first.value;
    if (isCniShaped(only) && text !== undefined && /^\s*\{/.test(text)) {
      const from = this.name.file === undefined ? {} : { file: this.name.file };
      readCniText(this.col, text, from, { format: Array.isArray(only['plugins']) ? 'conflist' : 'conf' });
      return;
    }
    this.readDoc(only, '');
  }

  private begin(): void {
    this.count++;
    if (this.count !== 2 || this.first === undefined) return;
    const first = this.first;
    this.first = undefined;
    if ('value' in first) this.readDoc(first.value, 'document 1');
    else this.col.relocate(first.warnings[0], first.warnings[1], 'document 1');
  }

  private readDoc(doc: unknown, path: string): void {
    const from = this.name.file === undefined ? {} : { file: this.name.file };
    if (isCniShaped(doc)) {
      readCniText(this.col, JSON.stringify(doc), { ...from, ...(path === '' ? {} : { path }) }, { format: Array.isArray(doc['plugins']) ? 'conflist' : 'conf' });
    } else {
      readDocument(this.col, doc, this.ctx, path);
    }
  }
}

function ioError(file: string, what: string, e: unknown): KubernetesError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return new KubernetesError('ERR_K8S_IO', `cannot ${what}: ${code ?? reasonOf(e)}`, { file }, { cause: e });
}

async function readFileText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw ioError(file, 'read the file', e);
  }
}

/** Whether a file is a flanneld `subnet.env` (`KEY=VALUE` lines, not JSON or YAML). */
function isSubnetEnv(file: string): boolean {
  return basename(file) === 'subnet.env' || extname(file).toLowerCase() === '.env';
}

async function readInputFile(col: Collector, file: string): Promise<void> {
  const text = await readFileText(file);
  col.source(file);
  if (isSubnetEnv(file)) {
    readFlannelSubnetEnv(col, text, file);
    return;
  }
  readText(col, text, { file }, extname(file).toLowerCase());
}

async function readPath(col: Collector, path: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    throw ioError(path, 'read the file', e);
  }
  if (!isDir) return readInputFile(col, path);
  let names: string[];
  try {
    names = (await readdir(path, { withFileTypes: true }))
      .filter((d) => !d.isDirectory() && (FILE_EXTENSIONS.has(extname(d.name).toLowerCase()) || d.name === 'subnet.env'))
      .map((d) => d.name)
      .sort();
  } catch (e) {
    throw ioError(path, 'read the directory', e);
  }
  for (const n of names) await readInputFile(col, join(path, n));
}

async function listDir(dir: string): Promise<{ name: string; dir: boolean }[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).map((d) => ({ name: d.name, dir: d.isDirectory() }));
  } catch (e) {
    throw ioError(dir, 'read the directory', e);
  }
}

const DUMP_EXTENSIONS = ['.json', '.yaml'];

async function readDumpDirectory(col: Collector, dir: string): Promise<void> {
  const entries = await listDir(dir);
  const nodes = entries.find((e) => !e.dir && (e.name === 'nodes.json' || e.name === 'nodes.yaml'));
  if (nodes === undefined) {
    throw new KubernetesError('ERR_K8S_IO', 'not a `kubectl cluster-info dump --output-directory` directory: no nodes.json or nodes.yaml', { file: dir });
  }
  col.source(dir);
  await readInputFile(col, join(dir, nodes.name));
  const namespaces = entries.filter((e) => e.dir).map((e) => e.name).sort();
  for (const ns of namespaces) {
    const files = (await listDir(join(dir, ns))).filter((e) => !e.dir && DUMP_EXTENSIONS.includes(extname(e.name))).map((e) => e.name);
    const rank = (f: string): number => {
      const k = DUMP_NAMESPACE_FILES.indexOf(f.slice(0, -extname(f).length));
      return k < 0 ? DUMP_NAMESPACE_FILES.length : k;
    };
    files.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
    for (const f of files) await readInputFile(col, join(dir, ns, f));
  }
}

async function readCniConfigDir(col: Collector, dir: string, runtime: CniRuntime | undefined): Promise<void> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('ENOTDIR');
  } catch (e) {
    throw ioError(dir, 'read the directory', e);
  }
  let loaded;
  try {
    loaded = await loadConfigDir(dir, runtime === undefined ? {} : { runtime });
  } catch (e) {
    if (e instanceof CniConfigError) throw new KubernetesError('ERR_K8S_IO', e.reason, { file: e.file ?? dir }, { cause: e });
    throw e;
  }
  col.source(dir);
  for (const net of loaded.networks) col.cniNetworks.push(cniNetworkOf(net, net.file === undefined ? {} : { file: net.file }));
  for (const s of loaded.skipped) col.warn('ERR_K8S_INPUT_INVALID', `the ${loaded.runtime} runtime skips this file (${s.error.code}): ${s.error.reason}`, { file: s.file });
  if (loaded.error !== undefined) {
    col.warn('ERR_K8S_INPUT_INVALID', `the ${loaded.runtime} runtime would use no network (${loaded.error.code}): ${loaded.error.reason}`, { file: loaded.error.file ?? dir });
  }
}

async function readApi(col: Collector, api: KubernetesApi): Promise<void> {
  const lists = await Promise.all(
    RESOURCES.map(async ([resource]) => {
      let items: unknown;
      try {
        items = await api.list(resource);
      } catch (e) {
        if (KubernetesError.isInstance(e)) throw e;
        throw new KubernetesError('ERR_K8S_API', `KubernetesApi.list(${JSON.stringify(resource)}) on ${api.name}: ${reasonOf(e)}`, {}, { cause: e });
      }
      if (!Array.isArray(items)) {
        throw new KubernetesError('ERR_K8S_API', `KubernetesApi.list(${JSON.stringify(resource)}) on ${api.name} returned ${describe(items)}, not a list`);
      }
      return items as unknown[];
    }),
  );
  col.source(`api:${api.name}`);
  RESOURCES.forEach(([resource, kind], k) => {
    lists[k]!.forEach((item, i) => {
      const path = `${resource}[${i}]`;
      if (!isObj(item)) {
        col.warn('ERR_K8S_INPUT_INVALID', `expected an object, found ${describe(item)}; skipped`, { object: api.name, path });
        return;
      }
      const itemKind = typeof item['kind'] === 'string' && item['kind'] !== '' ? item['kind'] : kind;
      readObject(col, item, itemKind, { file: undefined }, path);
    });
  });
}
