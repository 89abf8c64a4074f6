import type { Prefix } from '@ipam/core';
import {
  type ClusterNetwork,
  type ClusterNode,
  type ClusterPod,
  type ClusterService,
  type CniNetwork,
  clusterNetwork,
  type DiscoveryWarning,
  type IPAddressObject,
  type ServiceCIDRObject,
  type Setting,
  type SourceRef,
} from '../cluster-network.js';
import type { KubernetesErrorCode } from '../kubernetes-error.js';
import { PluginState } from './plugins/plugin-state.js';

/**
 * Collector gathers what the readers find, from every input of one discovery. Objects are keyed by identity
 * (a node's name, a pod's or service's namespace/name, ...): an object read again from a later input replaces the
 * earlier one in place, so combining a dump with a live cluster does not count things twice. Settings are
 * observations and are all kept, in the order read.
 */
export class Collector {
  readonly settings: Setting[] = [];
  readonly nodes = new Map<string, ClusterNode>();
  readonly pods = new Map<string, ClusterPod>();
  readonly services = new Map<string, ClusterService>();
  readonly serviceCIDRObjects = new Map<string, ServiceCIDRObject>();
  readonly ipAddresses = new Map<string, IPAddressObject>();
  readonly cniNetworks: CniNetwork[] = [];
  readonly warnings: DiscoveryWarning[] = [];
  readonly sources: string[] = [];
  /** What the CNI plugin readers found (Flannel, Calico, Cilium, Weave), turned into pools and blocks by build(). */
  readonly plugins = new PluginState();

  /** Records a problem that does not stop discovery; the message is `file: object: path: reason`. */
  warn(code: KubernetesErrorCode, reason: string, from: SourceRef): void {
    const parts = [from.file, from.object, from.path].filter((p): p is string => p !== undefined && p !== '');
    this.warnings.push(Object.freeze({ code, message: [...parts, reason].join(': '), from: clean(from) }));
  }

  /** Records one observation of a setting. */
  setting(s: Setting): void {
    this.settings.push(Object.freeze({ ...s, from: clean(s.from) }) as Setting);
  }

  /** Names an input once in `sources`. */
  source(name: string): void {
    if (!this.sources.includes(name)) this.sources.push(name);
  }

  /**
   * absorb adds what `other` collected after what this one holds, as if it had been read here: objects replace
   * their namesakes in place, settings, networks and warnings follow.
   */
  absorb(other: Collector): void {
    for (const s of other.settings) this.settings.push(s);
    const merge = <V>(to: Map<string, V>, from: Map<string, V>): void => from.forEach((v, k) => to.set(k, v));
    merge(this.nodes, other.nodes);
    merge(this.pods, other.pods);
    merge(this.services, other.services);
    merge(this.serviceCIDRObjects, other.serviceCIDRObjects);
    merge(this.ipAddresses, other.ipAddresses);
    for (const n of other.cniNetworks) this.cniNetworks.push(n);
    for (const w of other.warnings) this.warnings.push(w);
    for (const s of other.sources) this.source(s);
    this.plugins.absorb(other.plugins);
  }

  /**
   * relocate moves the warnings `warnings[start, end)` that locate a place in a document rather than in a named object
   * (`items[3]: ...`) under `docPath` (`document 1: items[3]: ...`), in place.
   */
  relocate(start: number, end: number, docPath: string): void {
    for (let k = start; k < end; k++) {
      const w = this.warnings[k]!;
      if (w.from.object !== undefined) continue;
      const { file, path } = w.from;
      const reason = w.message.slice((file === undefined ? 0 : file.length + 2) + (path === undefined ? 0 : path.length + 2));
      this.warn(w.code, reason, { file, path: path === undefined ? docPath : `${docPath}: ${path}` });
      this.warnings[k] = this.warnings.pop()!;
    }
  }

  /** The ClusterNetwork of everything collected; extra ServiceCIDR objects' prefixes join the effective service CIDRs. */
  build(): ClusterNetwork {
    const serviceCIDRObjects = [...this.serviceCIDRObjects.values()];
    const base = clusterNetwork({ settings: this.settings });
    const serviceCIDRs: Prefix[] = [...base.serviceCIDRs];
    for (const o of serviceCIDRObjects) {
      for (const p of o.cidrs) if (!serviceCIDRs.some((q) => q.equals(p))) serviceCIDRs.push(p);
    }
    // The plugins' pools and blocks depend on every input (a Flannel block is a node's pod CIDR, ...); their
    // problems join the warnings after those of reading.
    const warnings = [...this.warnings];
    const plugins = this.plugins.resolve({
      nodes: this.nodes,
      settings: this.settings,
      warn: (code, reason, from) => {
        const parts = [from.file, from.object, from.path].filter((p): p is string => p !== undefined && p !== '');
        warnings.push(Object.freeze({ code, message: [...parts, reason].join(': '), from: clean(from) }));
      },
    });
    return Object.freeze(
      clusterNetwork({
        settings: Object.freeze([...this.settings]),
        serviceCIDRs: Object.freeze(serviceCIDRs),
        nodes: Object.freeze([...this.nodes.values()]),
        pods: Object.freeze([...this.pods.values()]),
        services: Object.freeze([...this.services.values()]),
        serviceCIDRObjects: Object.freeze(serviceCIDRObjects),
        ipAddresses: Object.freeze([...this.ipAddresses.values()]),
        cniNetworks: Object.freeze([...this.cniNetworks]),
        pools: Object.freeze(plugins.pools),
        blocks: Object.freeze(plugins.blocks),
        warnings: Object.freeze(warnings),
        sources: Object.freeze([...this.sources]),
      }),
    );
  }
}

/** A SourceRef without undefined members, so that results compare and print cleanly. */
export function clean(from: SourceRef): SourceRef {
  const out: { file?: string; object?: string; path?: string } = {};
  if (from.file !== undefined) out.file = from.file;
  if (from.object !== undefined) out.object = from.object;
  if (from.path !== undefined && from.path !== '') out.path = from.path;
  return Object.freeze(out);
}
