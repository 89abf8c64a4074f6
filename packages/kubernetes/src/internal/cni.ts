import { CniConfigError, type NetworkConfig, parseNetworkConfig } from '@ipam/cni';
import type { Prefix } from '@ipam/core';
import type { CniNetwork, SourceRef } from '../cluster-network.js';
import { KubernetesError } from '../kubernetes-error.js';
import type { Collector } from './collector.js';
import { isObj, type Obj } from './fields.js';

/**
 * isCniShaped tells a CNI network configuration from a Kubernetes object: no `kind` or `apiVersion`, and a
 * `cniVersion`, a `plugins` list or a plugin `type`.
 */
export function isCniShaped(v: unknown): v is Obj {
  if (!isObj(v) || v['kind'] !== undefined || v['apiVersion'] !== undefined) return false;
  return typeof v['cniVersion'] === 'string' || Array.isArray(v['plugins']) || typeof v['type'] === 'string';
}

/** cniNetworkOf turns a validated configuration into the {@link CniNetwork} summary. */
export function cniNetworkOf(net: NetworkConfig, from: SourceRef): CniNetwork {
  const subnets: Prefix[] = [];
  const add = (p: Prefix): void => {
    if (!subnets.some((q) => q.equals(p))) subnets.push(p);
  };
  let ipamType: string | undefined;
  for (const p of net.plugins) {
    const ipam = p.ipam;
    if (ipam === undefined) continue;
    ipamType ??= ipam.type;
    switch (ipam.dialect) {
      case 'host-local':
        for (const set of ipam.ranges) for (const r of set) add(r.subnet);
        break;
      case 'whereabouts':
        for (const r of ipam.ranges) add(r.range);
        break;
      case 'static':
        for (const a of ipam.addresses) add(a.address.masked());
        break;
      case 'calico-ipam':
        for (const pool of [...ipam.ipv4Pools, ...ipam.ipv6Pools]) if (typeof pool !== 'string') add(pool);
        break;
      default:
        break;
    }
  }
  const r = net.ranges();
  return Object.freeze({
    name: net.name,
    plugins: Object.freeze(net.plugins.map((p) => p.type)),
    ipamType,
    subnets: Object.freeze(subnets),
    ranges: Object.freeze([...r.ipv4.ranges(), ...r.ipv6.ranges()]),
    usesPodCIDR: false,
    from,
  });
}

const POD_CIDR_PLACEHOLDER = /usePodCidr|\{\{-?\s*\.PodCIDR\s*-?\}\}/;

/**
 * readCniText parses one CNI configuration file's text with @ipam/cni and records the network. A configuration
 * whose IPAM takes the node's pod CIDR at run time (Calico's `"subnet": "usePodCidr"`, a `{{ .PodCIDR }}`
 * template) is recorded with `usesPodCIDR` when it is otherwise JSON; other invalid configurations are warnings.
 *
 * @throws {@link KubernetesError} `ERR_K8S_INPUT_SYNTAX` when the text is not JSON at all (with line and column).
 */
export function readCniText(col: Collector, text: string, from: SourceRef, options: { format?: 'conf' | 'conflist' } = {}): void {
  let net: NetworkConfig;
  try {
    net = parseNetworkConfig(text, { filename: from.file, ...(options.format === undefined ? {} : { format: options.format }) });
  } catch (e) {
    if (!(e instanceof CniConfigError)) throw e;
    const partial = POD_CIDR_PLACEHOLDER.test(text) ? podCidrNetwork(text, from) : undefined;
    if (partial !== undefined) {
      col.cniNetworks.push(partial);
      return;
    }
    if (e.code === 'ERR_CNI_JSON_SYNTAX') {
      const at = e.line === undefined ? '' : `line ${e.line}, column ${e.column ?? 1}: `;
      throw new KubernetesError('ERR_K8S_INPUT_SYNTAX', `${at}invalid CNI configuration JSON: ${cniReason(e)}`, { file: from.file, object: from.object, path: from.path });
    }
    col.warn('ERR_K8S_INPUT_INVALID', `invalid CNI configuration (${e.code}): ${cniReason(e)}; skipped`, { ...from, path: joinCniPath(from.path, e.path) });
    return;
  }
  col.cniNetworks.push(cniNetworkOf(net, from));
}

function cniReason(e: CniConfigError): string {
  return e.reason;
}

function joinCniPath(base: string | undefined, path: string): string | undefined {
  if (path === '') return base;
  return base === undefined || base === '' ? path : `${base}: ${path}`;
}

/** A CniNetwork for a configuration whose IPAM subnet is filled in per node from its pod CIDR. */
function podCidrNetwork(text: string, from: SourceRef): CniNetwork | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObj(raw)) return undefined;
  const plugins = Array.isArray(raw['plugins']) ? raw['plugins'].filter(isObj) : [raw];
  const ipam = plugins.map((p) => p['ipam']).find(isObj);
  return Object.freeze({
    name: typeof raw['name'] === 'string' ? raw['name'] : '',
    plugins: Object.freeze(plugins.map((p) => (typeof p['type'] === 'string' ? p['type'] : ''))),
    ipamType: ipam !== undefined && typeof ipam['type'] === 'string' ? ipam['type'] : undefined,
    subnets: Object.freeze([]),
    ranges: Object.freeze([]),
    usesPodCIDR: true,
    from,
  });
}
