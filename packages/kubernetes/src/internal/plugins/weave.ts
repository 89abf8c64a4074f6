import { Prefix } from '@ipam/core';
import type { PluginPool, SourceRef } from '../../cluster-network.js';
import type { FieldReader, Obj } from '../fields.js';
import { containerEnv, containersOf, pool } from './common.js';
import { mergeMaps, type PluginOutput, type ResolveContext } from './plugin-state.js';

// Weave Net (weaveworks/weave prog/weave-kube/launch.sh, net/ipam): the `weave` container of the weave-net
// DaemonSet takes its allocation range from IPALLOC_RANGE, 10.32.0.0/12 by default. Weave hands out single
// addresses from ranges its peers agree on among themselves; nothing of that is kept in Kubernetes objects.

/** Weave's default allocation range. */
const DEFAULT_RANGE = Prefix.parse('10.32.0.0/12');

/** WeaveState is what the Weave reader found in one discovery: the pool of each weave-net DaemonSet. */
export class WeaveState {
  readonly pools = new Map<string, PluginPool>();

  absorb(other: WeaveState): void {
    mergeMaps(this.pools, other.pools);
  }

  resolve(_ctx: ResolveContext): PluginOutput {
    return { pools: [...this.pools.values()], blocks: [] };
  }
}

/**
 * readWeaveWorkload reads the `weave` container of a DaemonSet's pod template: its IPALLOC_RANGE, or Weave's
 * default range when the variable is not set.
 */
export function readWeaveWorkload(r: FieldReader, podSpec: Obj, specPath: string): void {
  for (const { c, name, image, path } of containersOf(r, podSpec, specPath)) {
    if (name !== 'weave' && !/(^|\/)weave-kube:/.test(image)) continue;
    const env = containerEnv(r, c, path);
    const range = env.get('IPALLOC_RANGE');
    let cidr = DEFAULT_RANGE;
    let from: SourceRef = { ...r.from, path };
    if (range !== undefined && range.value.trim() !== '') {
      const p = r.cidr(range.value.trim(), range.path);
      if (p === undefined) return;
      cidr = p;
      from = r.at(range.path);
    }
    r.col.plugins.weave.pools.set(r.from.object ?? '', pool('weave', 'weave', [cidr], undefined, false, {}, from));
    return;
  }
}
