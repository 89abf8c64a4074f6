import { CniConfigError, type FlannelSubnetEnv, parseFlannelSubnetEnv } from '@ipam/cni';
import type { Prefix } from '@ipam/core';
import type { PluginBlock, PluginPool, SourceRef } from '../../cluster-network.js';
import type { Collector } from '../collector.js';
import { describe, FieldReader, isObj, key, type Obj } from '../fields.js';
import { containersOf, integer, type Options, pool, poolContaining } from './common.js';
import { mergeMaps, type PluginOutput, type ResolveContext } from './plugin-state.js';

// Flannel as flanneld sees it (flannel-io/flannel pkg/subnet/config.go, pkg/subnet/kube): the `net-conf.json` of the
// kube-flannel-cfg ConfigMap, the kube-flannel DaemonSet, the flannel.alpha.coreos.com/* node annotations and the
// /run/flannel/subnet.env file flanneld writes on each node. With the kube subnet manager (`--kube-subnet-mgr`, the
// manifest's default) a node's subnet is its spec.podCIDR(s); its addresses are kept by host-local on the node.

/** The node annotations flanneld writes (pkg/subnet/kube). */
const ANNOTATION_PREFIX = 'flannel.alpha.coreos.com/';

/** The ConfigMaps holding a `net-conf.json`: the flannel manifest's, and Canal's (Calico policy over Flannel). */
export const FLANNEL_CONFIGMAPS: ReadonlySet<string> = new Set(['kube-flannel-cfg', 'canal-config']);

interface FlannelConfig {
  readonly pools: readonly PluginPool[];
}

interface FlannelWorkload {
  readonly kubeSubnetMgr: boolean;
  readonly from: SourceRef;
}

interface FlannelNode {
  readonly kubeSubnetMgr: boolean;
}

interface SubnetEnvFile {
  readonly env: FlannelSubnetEnv;
  readonly from: SourceRef;
}

/** FlannelState is what the Flannel readers found in one discovery. */
export class FlannelState {
  /** net-conf.json pools by ConfigMap. */
  readonly configs = new Map<string, FlannelConfig>();
  /** flanneld DaemonSets by object. */
  readonly workloads = new Map<string, FlannelWorkload>();
  /** Nodes annotated by flanneld. */
  readonly nodes = new Map<string, FlannelNode>();
  /** subnet.env files by path. */
  readonly subnetEnvs = new Map<string, SubnetEnvFile>();

  absorb(other: FlannelState): void {
    mergeMaps(this.configs, other.configs);
    mergeMaps(this.workloads, other.workloads);
    mergeMaps(this.nodes, other.nodes);
    mergeMaps(this.subnetEnvs, other.subnetEnvs);
  }

  /**
   * resolve gives the net-conf.json pools (or, without one, the networks of a subnet.env), then one block per node
   * pod CIDR when flanneld uses the kube subnet manager, then the subnet.env subnets no node block covers.
   */
  resolve(ctx: ResolveContext): PluginOutput {
    const pools: PluginPool[] = [];
    const add = (p: PluginPool): void => {
      if (!pools.some((q) => q.cidrs.length === p.cidrs.length && q.cidrs.every((c, i) => c.equals(p.cidrs[i]!)))) pools.push(p);
    };
    for (const c of this.configs.values()) c.pools.forEach(add);
    if (pools.length === 0) {
      for (const { env, from } of this.subnetEnvs.values()) {
        if (env.networks.length > 0) add(pool('flannel', 'flannel', env.networks, env.subnet?.bits, false, {}, { ...from, path: 'FLANNEL_NETWORK' }));
        if (env.ipv6Networks.length > 0) add(pool('flannel', 'flannel', env.ipv6Networks, env.ipv6Subnet?.bits, false, {}, { ...from, path: 'FLANNEL_IPV6_NETWORK' }));
      }
    }
    const blocks: PluginBlock[] = [];
    const workloads = [...this.workloads.values()];
    const kubeSubnetMgr =
      [...this.nodes.values()].some((n) => n.kubeSubnetMgr) ||
      workloads.some((w) => w.kubeSubnetMgr) ||
      (workloads.length === 0 && this.configs.size > 0);
    if (kubeSubnetMgr) {
      for (const node of ctx.nodes.values()) {
        const annotated = this.nodes.get(node.name);
        if (annotated !== undefined && !annotated.kubeSubnetMgr) continue;
        node.podCIDRs.forEach((cidr, i) => {
          const from = { ...node.from, path: node.podCIDRs.length > 1 ? `spec.podCIDRs[${i}]` : 'spec.podCIDR' };
          blocks.push(Object.freeze({ plugin: 'flannel', pool: poolContaining(pools, 'flannel', cidr), cidr, node: node.name, allocations: undefined, from }));
        });
      }
    }
    for (const { env, from } of this.subnetEnvs.values()) {
      for (const [cidr, path] of [
        [env.subnet, 'FLANNEL_SUBNET'],
        [env.ipv6Subnet, 'FLANNEL_IPV6_SUBNET'],
      ] as const) {
        if (cidr === undefined || blocks.some((b) => b.cidr.equals(cidr))) continue;
        blocks.push(Object.freeze({ plugin: 'flannel', pool: poolContaining(pools, 'flannel', cidr), cidr, node: undefined, allocations: undefined, from: { ...from, path } }));
      }
    }
    return { pools, blocks };
  }
}

/** flanneld's default subnet length for a network (pkg/subnet/config.go): /24 when the network is /22 or larger, else four subnets. */
function defaultSubnetLen(network: Prefix): number | undefined {
  if (network.family === 4) return network.bits > 28 ? undefined : network.bits <= 22 ? 24 : network.bits + 2;
  return network.bits > 126 ? undefined : network.bits <= 62 ? 64 : network.bits + 2;
}

/**
 * readFlannelConfigMap reads the `net-conf.json` of a kube-flannel-cfg (or canal-config) ConfigMap: one pool per
 * enabled family (`Network`/`Networks` and `IPv6Network`/`IPv6Networks`), with flanneld's default subnet lengths.
 * `r` reads the ConfigMap; `data` is its data.
 */
export function readFlannelConfigMap(r: FieldReader, data: Obj): void {
  const text = r.str(data, 'net-conf.json', 'data');
  if (text === undefined) return;
  const path = key('data', 'net-conf.json');
  let conf: unknown;
  try {
    conf = JSON.parse(text);
  } catch (e) {
    r.col.warn('ERR_K8S_INPUT_INVALID', `not JSON (${e instanceof Error ? e.message : String(e)}); skipped`, r.at(path));
    return;
  }
  const cr = new FieldReader(r.col, r.at(path));
  if (!isObj(conf)) {
    r.col.warn('ERR_K8S_INPUT_INVALID', `expected a JSON object, found ${describe(conf)}; skipped`, r.at(path));
    return;
  }
  const options: Options = {};
  const backend = cr.obj(conf, 'Backend', '');
  const backendType = backend === undefined ? undefined : cr.str(backend, 'Type', 'Backend');
  if (backendType !== undefined) options['Backend.Type'] = backendType;
  const pools: PluginPool[] = [];
  const family = (v6: boolean): void => {
    const names = v6 ? (['IPv6Network', 'IPv6Networks', 'IPv6SubnetLen', 'IPv6SubnetMin', 'IPv6SubnetMax'] as const) : (['Network', 'Networks', 'SubnetLen', 'SubnetMin', 'SubnetMax'] as const);
    const [netKey, netsKey, lenKey, minKey, maxKey] = names;
    const cidrs: Prefix[] = [];
    const one = cr.str(conf, netKey, '');
    if (one !== undefined && one !== '') {
      const p = cr.cidr(one, netKey);
      if (p !== undefined) cidrs.push(p);
    }
    for (const a of cr.strings(conf, netsKey, '')) {
      const p = cr.cidr(a.text, a.path);
      if (p !== undefined && !cidrs.some((c) => c.equals(p))) cidrs.push(p);
    }
    if (cidrs.length === 0) return;
    const wrongFamily = cidrs.find((c) => c.family !== (v6 ? 6 : 4));
    if (wrongFamily !== undefined) {
      cr.col.warn('ERR_K8S_INPUT_INVALID', `${wrongFamily} is not an IPv${v6 ? 6 : 4} network; skipped`, cr.at(netKey));
      return;
    }
    const first = cidrs[0]!;
    let subnetLen = integer(cr, conf, lenKey, '');
    if (subnetLen === undefined || subnetLen === 0) {
      subnetLen = defaultSubnetLen(first);
      if (subnetLen === undefined) {
        cr.col.warn('ERR_K8S_INPUT_INVALID', `${first} is too small for flanneld (the smallest network is /${v6 ? 126 : 28}); skipped`, cr.at(netKey));
        return;
      }
    } else if (subnetLen < first.bits || subnetLen > (v6 ? 128 : 32)) {
      cr.col.warn('ERR_K8S_INPUT_INVALID', `${lenKey} ${subnetLen} does not fit in the network ${first}, which flanneld refuses; skipped`, cr.at(lenKey));
      return;
    }
    const opts: Options = { ...options };
    for (const k of [minKey, maxKey]) {
      const t = cr.str(conf, k, '');
      if (t === undefined) continue;
      const a = cr.ip(t, k);
      if (a === undefined) continue;
      if (!cidrs.some((c) => c.contains(a))) cr.col.warn('ERR_K8S_INPUT_INVALID', `${a} is not in the network ${cidrs.join(', ')}, which flanneld refuses`, cr.at(k));
      opts[k] = a.toString();
    }
    pools.push(pool('flannel', 'flannel', cidrs, subnetLen, false, opts, cr.at(netKey)));
  };
  if (cr.bool(conf, 'EnableIPv4', '') !== false) family(false);
  if (cr.bool(conf, 'EnableIPv6', '') === true) family(true);
  r.col.plugins.flannel.configs.set(r.from.object ?? '', Object.freeze({ pools: Object.freeze(pools) }));
}

/** readFlannelWorkload notes a DaemonSet running flanneld (kube-flannel-ds, canal), and whether it uses the kube subnet manager. */
export function readFlannelWorkload(r: FieldReader, podSpec: Obj, specPath: string): void {
  for (const { c, name, image, path } of containersOf(r, podSpec, specPath)) {
    const words = [...(Array.isArray(c['command']) ? c['command'] : []), ...(Array.isArray(c['args']) ? c['args'] : [])].filter((w): w is string => typeof w === 'string');
    const runsFlanneld = words.some((w) => w.endsWith('flanneld')) || name === 'kube-flannel' || /(^|\/)flannel:/.test(image);
    if (!runsFlanneld) continue;
    const kubeSubnetMgr = words.some((w) => w === '--kube-subnet-mgr' || w === '--kube-subnet-mgr=true' || w === '-kube-subnet-mgr');
    r.col.plugins.flannel.workloads.set(r.from.object ?? '', Object.freeze({ kubeSubnetMgr, from: { ...r.from, path } }));
    return;
  }
}

/** readFlannelNode notes a node that flanneld annotated (`flannel.alpha.coreos.com/*`). */
export function readFlannelNode(r: FieldReader, o: Obj, name: string): void {
  const meta = isObj(o['metadata']) ? o['metadata'] : undefined;
  const annotations = meta !== undefined && isObj(meta['annotations']) ? meta['annotations'] : undefined;
  if (annotations === undefined || !Object.keys(annotations).some((k) => k.startsWith(ANNOTATION_PREFIX))) return;
  const ksm = annotations[`${ANNOTATION_PREFIX}kube-subnet-manager`];
  // Every flanneld with the kube subnet manager writes this annotation; the etcd subnet manager writes none.
  r.col.plugins.flannel.nodes.set(name, Object.freeze({ kubeSubnetMgr: ksm === 'true' }));
}

/**
 * readFlannelSubnetEnv reads a `/run/flannel/subnet.env` with @ipam/cni's parser; one that does not parse is a
 * warning naming the file and key.
 */
export function readFlannelSubnetEnv(col: Collector, text: string, file: string): void {
  let env: FlannelSubnetEnv;
  try {
    env = parseFlannelSubnetEnv(text, { filename: file });
  } catch (e) {
    if (!(e instanceof CniConfigError)) throw e;
    const at = e.line === undefined ? '' : `line ${e.line}: `;
    col.warn('ERR_K8S_INPUT_INVALID', `${at}not a flannel subnet.env (${e.code}): ${e.reason}; skipped`, { file, ...(e.path === '' ? {} : { path: e.path }) });
    return;
  }
  col.plugins.flannel.subnetEnvs.set(file, Object.freeze({ env, from: { file } }));
}
