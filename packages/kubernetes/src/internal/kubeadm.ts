import { parseDocument } from 'yaml';
import { yamlReason } from './dump-stream.js';
import type { FlagValue } from './flags.js';
import { parseGoBool } from './flags.js';
import { type FieldReader, isObj, key, maskSettings, type Obj, reasonOf } from './fields.js';

/** kubeadm's default Service subnet (`DefaultServicesSubnet`), used when `networking.serviceSubnet` is empty. */
export const KUBEADM_DEFAULT_SERVICE_SUBNET = '10.96.0.0/12';

/** kubeadm's default DNS domain (`DefaultServiceDNSDomain`), used when `networking.dnsDomain` is empty. */
export const KUBEADM_DEFAULT_DNS_DOMAIN = 'cluster.local';

/**
 * readEmbeddedYaml parses a YAML (or JSON) document held as text in a ConfigMap field; a syntax error or a
 * non-object is a warning located at that field, since the ConfigMap around it is fine.
 */
export function readEmbeddedYaml(r: FieldReader, text: string, path: string): Obj | undefined {
  let value: unknown;
  try {
    const doc = parseDocument(text, { prettyErrors: false });
    const err = doc.errors[0];
    if (err !== undefined) {
      const [line, col] = [err.linePos?.[0].line, err.linePos?.[0].col];
      r.col.warn('ERR_K8S_INPUT_SYNTAX', `invalid YAML at line ${line ?? '?'}, column ${col ?? '?'}: ${yamlReason(err.message)}; ignored`, r.at(path));
      return undefined;
    }
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    r.col.warn('ERR_K8S_INPUT_SYNTAX', `invalid YAML: ${reasonOf(e)}; ignored`, r.at(path));
    return undefined;
  }
  if (!isObj(value)) {
    r.col.warn('ERR_K8S_INPUT_INVALID', 'expected a YAML object; ignored', r.at(path));
    return undefined;
  }
  return value;
}

/**
 * extraArgs reads a kubeadm component's `extraArgs`: a map of flag name to value (v1beta3 and before) or a list of
 * `{ name, value }` (v1beta4, where a later entry for the same flag wins, as the component's flag parser does).
 */
function extraArgs(r: FieldReader, component: Obj | undefined, path: string): Map<string, FlagValue> {
  const out = new Map<string, FlagValue>();
  if (component === undefined || component['extraArgs'] === undefined || component['extraArgs'] === null) return out;
  const raw = component['extraArgs'];
  const base = `${path}.extraArgs`;
  if (Array.isArray(raw)) {
    raw.forEach((e, i) => {
      const p = `${base}[${i}]`;
      if (!isObj(e) || typeof e['name'] !== 'string' || (e['value'] !== undefined && typeof e['value'] !== 'string')) {
        r.col.warn('ERR_K8S_INPUT_INVALID', 'expected { name, value } strings; ignored', r.at(p));
        return;
      }
      out.set(e['name'], { value: (e['value'] as string | undefined) ?? '', path: p });
    });
  } else if (isObj(raw)) {
    for (const [k, v] of Object.entries(raw)) {
      const p = key(base, k);
      if (typeof v !== 'string') r.col.warn('ERR_K8S_INPUT_INVALID', `expected a string, found ${typeof v}; ignored`, r.at(p));
      else out.set(k, { value: v, path: p });
    }
  } else {
    r.col.warn('ERR_K8S_INPUT_INVALID', 'expected a map or a list of { name, value }; ignored', r.at(base));
  }
  return out;
}

/**
 * readClusterConfiguration reads a kubeadm `ClusterConfiguration` (any `kubeadm.k8s.io` version) as kubeadm turns it
 * into the control plane's flags, with kubeadm's defaults:
 *
 * - clusterCIDR: `controllerManager.extraArgs` `cluster-cidr`, else `networking.podSubnet` (comma-separated);
 * - serviceCIDR: `apiServer.extraArgs` `service-cluster-ip-range`, else `networking.serviceSubnet`, else `10.96.0.0/12`;
 * - allocateNodeCIDRs: `controllerManager.extraArgs` `allocate-node-cidrs`, else true when there is a pod subnet
 *   (kubeadm then passes `--allocate-node-cidrs=true`);
 * - nodeCIDRMaskSize: `controllerManager.extraArgs` `node-cidr-mask-size(-ipv4/-ipv6)`, with kube-controller-manager's rules;
 * - dnsDomain: `networking.dnsDomain`, else `cluster.local`.
 *
 * All settings have source `kubeadm`.
 */
export function readClusterConfiguration(r: FieldReader, o: Obj): void {
  const networking = r.obj(o, 'networking', '') ?? {};
  const kcm = extraArgs(r, r.obj(o, 'controllerManager', ''), 'controllerManager');
  const api = extraArgs(r, r.obj(o, 'apiServer', ''), 'apiServer');
  const source = 'kubeadm';

  const podSubnet = r.str(networking, 'podSubnet', 'networking') ?? '';
  const allocate = kcm.get('allocate-node-cidrs');
  if (allocate !== undefined) {
    const v = parseGoBool(allocate.value);
    if (v === undefined) r.col.warn('ERR_K8S_INPUT_INVALID', `${JSON.stringify(allocate.value)} is not a boolean; ignored`, r.at(allocate.path));
    else r.col.setting({ name: 'allocateNodeCIDRs', value: v, source, from: r.at(allocate.path) });
  } else if (podSubnet !== '') {
    r.col.setting({ name: 'allocateNodeCIDRs', value: true, source, from: r.at('networking.podSubnet') });
  }

  const clusterFlag = kcm.get('cluster-cidr');
  const cluster = clusterFlag ?? (podSubnet === '' ? undefined : { value: podSubnet, path: 'networking.podSubnet' });
  let clusterCIDRs;
  if (cluster !== undefined) {
    clusterCIDRs = r.cidrList(cluster.value, cluster.path);
    if (clusterCIDRs !== undefined) r.col.setting({ name: 'clusterCIDR', value: Object.freeze(clusterCIDRs), source, from: r.at(cluster.path) });
  }

  const serviceSubnet = r.str(networking, 'serviceSubnet', 'networking') || KUBEADM_DEFAULT_SERVICE_SUBNET;
  const service = api.get('service-cluster-ip-range') ?? { value: serviceSubnet, path: 'networking.serviceSubnet' };
  const services = r.cidrList(service.value, service.path);
  if (services !== undefined) r.col.setting({ name: 'serviceCIDR', value: Object.freeze(services), source, from: r.at(service.path) });

  maskSettings(r, source, clusterCIDRs, (n) => kcm.get(n));

  const dnsDomain = r.str(networking, 'dnsDomain', 'networking') || KUBEADM_DEFAULT_DNS_DOMAIN;
  r.col.setting({ name: 'dnsDomain', value: dnsDomain, source, from: r.at('networking.dnsDomain') });
}

/** readKubeProxyConfiguration reads `clusterCIDR` (comma-separated) of a KubeProxyConfiguration as a kube-proxy setting. */
export function readKubeProxyConfiguration(r: FieldReader, o: Obj): void {
  const text = r.str(o, 'clusterCIDR', '');
  if (text === undefined || text === '') return;
  const cidrs = r.cidrList(text, 'clusterCIDR');
  if (cidrs !== undefined) r.col.setting({ name: 'clusterCIDR', value: Object.freeze(cidrs), source: 'kube-proxy', from: r.at('clusterCIDR') });
}
