import type { ClusterNode, PluginBlock, PluginPool, Setting, SourceRef } from '../../cluster-network.js';
import type { KubernetesErrorCode } from '../../kubernetes-error.js';
import { CalicoState } from './calico.js';
import { CiliumState } from './cilium.js';
import { FlannelState } from './flannel.js';
import { WeaveState } from './weave.js';

/** ResolveContext is what the plugin readers see of the rest of a discovery when they build pools and blocks. */
export interface ResolveContext {
  readonly nodes: ReadonlyMap<string, ClusterNode>;
  readonly settings: readonly Setting[];
  warn(code: KubernetesErrorCode, reason: string, from: SourceRef): void;
}

/** PluginOutput is what one plugin contributes to a ClusterNetwork. */
export interface PluginOutput {
  readonly pools: readonly PluginPool[];
  readonly blocks: readonly PluginBlock[];
}

/**
 * PluginState holds what the CNI plugin readers found, per plugin, keyed by object identity (so an object read again
 * from a later input replaces the earlier one), until {@link PluginState.resolve} turns it into pools and blocks once
 * every input has been read: a Flannel node block needs the node, a Calico default pool needs to know that no IPPool
 * was given, and so on.
 */
export class PluginState {
  readonly flannel = new FlannelState();
  readonly calico = new CalicoState();
  readonly cilium = new CiliumState();
  readonly weave = new WeaveState();

  /** absorb adds what `other` found after what this one holds. */
  absorb(other: PluginState): void {
    this.flannel.absorb(other.flannel);
    this.calico.absorb(other.calico);
    this.cilium.absorb(other.cilium);
    this.weave.absorb(other.weave);
  }

  /** resolve builds the pools and blocks of every plugin, in the order Flannel, Calico, Cilium, Weave. */
  resolve(ctx: ResolveContext): PluginOutput {
    const pools: PluginPool[] = [];
    const blocks: PluginBlock[] = [];
    for (const out of [this.flannel.resolve(ctx), this.calico.resolve(ctx), this.cilium.resolve(ctx), this.weave.resolve(ctx)]) {
      pools.push(...out.pools);
      blocks.push(...out.blocks);
    }
    return { pools, blocks };
  }
}

/** mergeMaps copies every entry of `from` into `to`, replacing namesakes in place. */
export function mergeMaps<V>(to: Map<string, V>, from: ReadonlyMap<string, V>): void {
  from.forEach((v, k) => to.set(k, v));
}
