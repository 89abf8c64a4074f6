import type { Prefix } from '@ipam/core';
import type { PluginPool, PoolPlugin, SourceRef } from '../../cluster-network.js';
import { describe, type FieldReader, index, isObj, key, type Obj } from '../fields.js';

// Helpers shared by the CNI plugin readers (flannel.ts, calico.ts, cilium.ts, weave.ts).

/** EnvVar is one `env` entry of a container with a literal `value` (`valueFrom` entries are not known from a manifest). */
export interface EnvVar {
  readonly value: string;
  readonly path: string;
}

/** integer reads a non-negative integer field; anything else is a warning and undefined. */
export function integer(r: FieldReader, o: Obj, k: string, path: string): number | undefined {
  if (!Object.hasOwn(o, k) || o[k] === undefined || o[k] === null) return undefined;
  const v = o[k];
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  r.col.warn('ERR_K8S_INPUT_INVALID', `expected a non-negative integer, found ${describe(v)}; ignored`, r.at(key(path, k)));
  return undefined;
}

/** parseInteger reads a decimal integer written as text (an environment variable, a ConfigMap value). */
export function parseInteger(text: string): number | undefined {
  const t = text.trim();
  return /^[0-9]{1,4}$/.test(t) ? Number(t) : undefined;
}

/** containerEnv reads the literal `env` of a container (`spec.template.spec.containers[i]`); the last entry of a name wins, as in Kubernetes. */
export function containerEnv(r: FieldReader, c: Obj, path: string): Map<string, EnvVar> {
  const out = new Map<string, EnvVar>();
  (r.arr(c, 'env', path) ?? []).forEach((e, i) => {
    const p = index(key(path, 'env'), i);
    if (!isObj(e)) return;
    const name = r.str(e, 'name', p);
    const value = r.str(e, 'value', p);
    if (name === undefined || value === undefined) return;
    out.set(name, { value, path: key(p, 'value') });
  });
  return out;
}

/** The containers of a pod spec, with their field paths, that are objects. */
export function containersOf(r: FieldReader, podSpec: Obj, specPath: string): { c: Obj; name: string; image: string; path: string }[] {
  const out: { c: Obj; name: string; image: string; path: string }[] = [];
  (r.arr(podSpec, 'containers', specPath) ?? []).forEach((c, i) => {
    if (!isObj(c)) return;
    const name = typeof c['name'] === 'string' ? c['name'] : '';
    const image = typeof c['image'] === 'string' ? c['image'] : '';
    out.push({ c, name, image, path: index(key(specPath, 'containers'), i) });
  });
  return out;
}

/** poolContaining is the name of the first pool of `plugin` with a prefix that contains `cidr`. */
export function poolContaining(pools: readonly PluginPool[], plugin: PoolPlugin, cidr: Prefix): string | undefined {
  for (const p of pools) {
    if (p.plugin !== plugin) continue;
    if (p.cidrs.some((c) => c.containsPrefix(cidr))) return p.name;
  }
  return undefined;
}

/** Options is the mutable form of {@link PluginPool.options} while a reader fills it. */
export type Options = Record<string, string | number | boolean | readonly string[]>;

/** pool builds a frozen {@link PluginPool}. */
export function pool(
  plugin: PoolPlugin,
  name: string,
  cidrs: readonly Prefix[],
  blockSize: number | undefined,
  disabled: boolean,
  options: Options,
  from: SourceRef,
): PluginPool {
  return Object.freeze({ plugin, name, cidrs: Object.freeze([...cidrs]), blockSize, disabled, options: Object.freeze({ ...options }), from });
}

/** hostBits is the number of host bits of blocks of `blockSize` in the family of `cidr`. */
export function hostBits(cidr: Prefix, blockSize: number): number {
  return (cidr.family === 4 ? 32 : 128) - blockSize;
}
