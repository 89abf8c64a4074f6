import type { Addr, Prefix } from '@ipam/core';
import type { PluginAllocation, PluginBlock, PluginPool, SourceRef } from '../../cluster-network.js';
import { type FieldReader, index, isObj, key, type Obj } from '../fields.js';
import { integer, type Options, parseInteger, pool, poolContaining } from './common.js';
import { mergeMaps, type PluginOutput, type ResolveContext } from './plugin-state.js';

// Cilium's IPAM as the agent and operator keep it (cilium/cilium pkg/ipam, pkg/option): the `cilium-config`
// ConfigMap (`ipam` mode and the cluster-pool settings), CiliumNode objects (cilium.io/v2: the node's pod CIDRs,
// multi-pool allocations and, in the CRD-backed modes, `status.ipam.used`) and CiliumPodIPPool objects
// (cilium.io/v2alpha1) for multi-pool IPAM.

/** The name of the cluster-pool mode's single pool. */
export const CLUSTER_POOL = 'cilium-cluster-pool';

/** Cilium's default per-node mask sizes in cluster-pool mode (`cluster-pool-ipv4-mask-size`, `-ipv6-`). */
const DEFAULT_MASK = { 4: 24, 6: 112 } as const;

interface CiliumConfig {
  readonly mode: string;
  readonly pools: readonly PluginPool[];
}

interface CiliumNodeBlock {
  readonly cidr: Prefix;
  readonly pool: string | undefined;
  readonly from: SourceRef;
}

interface CiliumUsed {
  readonly address: Addr;
  readonly allocation: PluginAllocation;
  readonly from: SourceRef;
}

interface CiliumNodeState {
  readonly name: string;
  readonly blocks: readonly CiliumNodeBlock[];
  /** `status.ipam.used`, undefined when the object has none (cluster-pool keeps its allocations on the node). */
  readonly used: readonly CiliumUsed[] | undefined;
  readonly from: SourceRef;
}

/** CiliumState is what the Cilium readers found in one discovery. */
export class CiliumState {
  /** cilium-config ConfigMaps by object. */
  readonly configs = new Map<string, CiliumConfig>();
  /** CiliumNodes by name. */
  readonly nodes = new Map<string, CiliumNodeState>();
  /** CiliumPodIPPools by name (one pool per family). */
  readonly podPools = new Map<string, readonly PluginPool[]>();

  absorb(other: CiliumState): void {
    mergeMaps(this.configs, other.configs);
    mergeMaps(this.nodes, other.nodes);
    mergeMaps(this.podPools, other.podPools);
  }

  /**
   * resolve gives the cluster pool (or the pools cilium-config auto-creates in multi-pool mode, unless a
   * CiliumPodIPPool of that name is given), the CiliumPodIPPools, then each CiliumNode's blocks with the
   * allocations of `status.ipam.used`; in `ipam: kubernetes` mode, each node's spec.podCIDRs.
   */
  resolve(ctx: ResolveContext): PluginOutput {
    const pools: PluginPool[] = [];
    const configs = [...this.configs.values()];
    for (const c of configs) for (const p of c.pools) if (!this.podPools.has(p.name)) pools.push(p);
    for (const ps of this.podPools.values()) pools.push(...ps);
    const blocks: PluginBlock[] = [];
    for (const n of this.nodes.values()) {
      const own: { block: CiliumNodeBlock; allocations: PluginAllocation[] }[] = n.blocks.map((block) => ({ block, allocations: [] }));
      for (const u of n.used ?? []) {
        const target = own.find((o) => o.block.cidr.contains(u.address));
        if (target !== undefined) target.allocations.push(u.allocation);
        else if (own.length > 0) ctx.warn('ERR_K8S_INPUT_INVALID', `${u.address} is in none of the node's pod CIDRs (${n.blocks.map((b) => b.cidr).join(', ')}); ignored`, u.from);
      }
      for (const { block, allocations } of own) {
        const named = block.pool !== undefined && pools.some((p) => p.plugin === 'cilium' && p.name === block.pool && p.cidrs.some((c) => c.containsPrefix(block.cidr)));
        blocks.push(
          Object.freeze({
            plugin: 'cilium',
            pool: named ? block.pool : poolContaining(pools, 'cilium', block.cidr),
            cidr: block.cidr,
            node: n.name,
            allocations: n.used === undefined ? undefined : Object.freeze(allocations),
            from: block.from,
          }),
        );
      }
    }
    if (configs.some((c) => c.mode === 'kubernetes')) {
      const known = new Set(blocks.map((b) => b.cidr.toString()));
      for (const node of ctx.nodes.values()) {
        node.podCIDRs.forEach((cidr, i) => {
          if (known.has(cidr.toString())) return;
          const from = { ...node.from, path: node.podCIDRs.length > 1 ? `spec.podCIDRs[${i}]` : 'spec.podCIDR' };
          blocks.push(Object.freeze({ plugin: 'cilium', pool: undefined, cidr, node: node.name, allocations: undefined, from }));
        });
      }
    }
    return { pools, blocks };
  }
}

/** A CIDR list as cilium-config writes it: separated by spaces or commas (the Helm chart joins with spaces). */
function cidrList(r: FieldReader, text: string, path: string): Prefix[] {
  const out: Prefix[] = [];
  for (const part of text.split(/[\s,]+/)) {
    if (part === '') continue;
    const p = r.cidr(part, path);
    if (p !== undefined) out.push(p);
  }
  return out;
}

/**
 * readCiliumConfigMap reads the `cilium-config` ConfigMap: the `ipam` mode (Cilium's default is `cluster-pool`)
 * and, in cluster-pool mode, one pool per enabled family; in multi-pool mode, the pools of
 * `auto-create-cilium-pod-ip-pools`.
 */
export function readCiliumConfigMap(r: FieldReader, data: Obj): void {
  const text = (k: string): string | undefined => r.str(data, k, 'data');
  const mode = text('ipam') || 'cluster-pool';
  const pools: PluginPool[] = [];
  const options: Options = { ipam: mode };
  if (mode === 'cluster-pool') {
    const enabled = { 4: (text('enable-ipv4') ?? 'true') === 'true', 6: text('enable-ipv6') === 'true' };
    for (const family of [4, 6] as const) {
      const cidrKey = `cluster-pool-ipv${family}-cidr`;
      const maskKey = `cluster-pool-ipv${family}-mask-size`;
      const list = text(cidrKey);
      if (!enabled[family] || list === undefined || list.trim() === '') continue;
      const cidrs = cidrList(r, list, key('data', cidrKey));
      const wrong = cidrs.find((c) => c.family !== family);
      if (wrong !== undefined) {
        r.col.warn('ERR_K8S_INPUT_INVALID', `${wrong} is not an IPv${family} CIDR; skipped`, r.at(key('data', cidrKey)));
        continue;
      }
      if (cidrs.length === 0) continue;
      let mask: number = DEFAULT_MASK[family];
      const maskText = text(maskKey);
      if (maskText !== undefined) {
        const m = parseInteger(maskText);
        const tooShort = cidrs.find((c) => m !== undefined && m < c.bits);
        if (m === undefined || m > (family === 4 ? 32 : 128) || tooShort !== undefined) {
          r.col.warn('ERR_K8S_INPUT_INVALID', `${JSON.stringify(maskText)} is not a mask size for ${cidrs.join(', ')}; the default /${mask} is used`, r.at(key('data', maskKey)));
        } else {
          mask = m;
        }
      }
      pools.push(pool('cilium', CLUSTER_POOL, cidrs, mask, false, options, r.at(key('data', cidrKey))));
    }
  } else if (mode === 'multi-pool') {
    const auto = text('auto-create-cilium-pod-ip-pools');
    if (auto !== undefined) pools.push(...autoCreatePools(r, auto, options));
  }
  r.col.plugins.cilium.configs.set(r.from.object ?? '', Object.freeze({ mode, pools: Object.freeze(pools) }));
}

/** The pools of `auto-create-cilium-pod-ip-pools`: `NAME=ipv4-cidrs:A,B;ipv4-mask-size:N;ipv6-cidrs:...` entries separated by spaces. */
function autoCreatePools(r: FieldReader, text: string, options: Options): PluginPool[] {
  const path = key('data', 'auto-create-cilium-pod-ip-pools');
  const out: PluginPool[] = [];
  for (const entry of text.trim().split(/\s+/)) {
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    if (eq <= 0) {
      r.col.warn('ERR_K8S_INPUT_INVALID', `${JSON.stringify(entry)} is not NAME=key:value;...; ignored`, r.at(path));
      continue;
    }
    const name = entry.slice(0, eq);
    const fields = new Map<string, string>();
    for (const kv of entry.slice(eq + 1).split(';')) {
      const colon = kv.indexOf(':');
      if (colon > 0) fields.set(kv.slice(0, colon), kv.slice(colon + 1));
    }
    for (const family of [4, 6] as const) {
      const cidrs = cidrList(r, fields.get(`ipv${family}-cidrs`) ?? '', path);
      if (cidrs.length === 0) continue;
      const mask = parseInteger(fields.get(`ipv${family}-mask-size`) ?? '') ?? DEFAULT_MASK[family];
      out.push(pool('cilium', name, cidrs, mask, false, options, r.at(path)));
    }
  }
  return out;
}

/** The Cilium kinds {@link readCiliumObject} reads. */
export const CILIUM_KINDS: ReadonlySet<string> = new Set(['CiliumNode', 'CiliumPodIPPool']);

/** readCiliumObject reads a `cilium.io` CiliumNode or CiliumPodIPPool; objects of other groups are passed over. */
export function readCiliumObject(r: FieldReader, o: Obj, kind: string, apiVersion: string, name: string): void {
  if (!apiVersion.startsWith('cilium.io/')) return;
  if (name === '') {
    r.col.warn('ERR_K8S_INPUT_INVALID', `a ${kind} without metadata.name; skipped`, { ...r.from, object: kind });
    return;
  }
  const spec = r.obj(o, 'spec', '') ?? {};
  if (kind === 'CiliumNode') readCiliumNode(r, o, spec, name);
  else readCiliumPodIPPool(r, spec, name);
}

/** The kind of a `status.ipam.used` owner: `router` (cilium_host) is the node's tunnel-side address; `health`, `ingress` others. */
function ownerAllocation(address: Addr, owner: string | undefined, resource: string | undefined, node: string): PluginAllocation {
  const word = owner?.trim().split(/\s+/)[0] ?? '';
  if (word === 'router') return Object.freeze({ address, handle: owner, kind: 'tunnel', pod: undefined, node });
  const isPod = /^[^/\s]+\/[^/\s]+$/.test(word);
  return Object.freeze({ address, handle: owner ?? resource, kind: isPod ? 'pod' : 'other', pod: isPod ? word : undefined, node });
}

function readCiliumNode(r: FieldReader, o: Obj, spec: Obj, name: string): void {
  const ipam = r.obj(spec, 'ipam', 'spec') ?? {};
  const blocks: CiliumNodeBlock[] = [];
  for (const a of r.strings(ipam, 'podCIDRs', 'spec.ipam')) {
    const cidr = r.cidr(a.text, a.path);
    if (cidr !== undefined) blocks.push({ cidr, pool: undefined, from: r.at(a.path) });
  }
  const pools = r.obj(ipam, 'pools', 'spec.ipam');
  (pools === undefined ? [] : (r.arr(pools, 'allocated', 'spec.ipam.pools') ?? [])).forEach((entry, i) => {
    const path = index('spec.ipam.pools.allocated', i);
    if (!isObj(entry)) {
      r.col.warn('ERR_K8S_INPUT_INVALID', 'expected an object; ignored', r.at(path));
      return;
    }
    const poolName = r.str(entry, 'pool', path);
    for (const a of r.strings(entry, 'cidrs', path)) {
      const cidr = r.cidr(a.text, a.path);
      if (cidr !== undefined) blocks.push({ cidr, pool: poolName, from: r.at(a.path) });
    }
  });
  const status = r.obj(o, 'status', '');
  const sipam = status === undefined ? undefined : r.obj(status, 'ipam', 'status');
  const usedMap = sipam === undefined ? undefined : r.obj(sipam, 'used', 'status.ipam');
  let used: CiliumUsed[] | undefined;
  if (usedMap !== undefined) {
    used = [];
    for (const text of Object.keys(usedMap)) {
      const path = key('status.ipam.used', text);
      const address = r.ip(text, path);
      if (address === undefined) continue;
      const v = usedMap[text];
      const entry = isObj(v) ? v : {};
      if (!isObj(v)) r.col.warn('ERR_K8S_INPUT_INVALID', 'expected an object with owner and resource; kept without a holder', r.at(path));
      const owner = r.str(entry, 'owner', path);
      const resource = r.str(entry, 'resource', path);
      used.push({ address, allocation: ownerAllocation(address, owner, resource, name), from: r.at(path) });
    }
  }
  r.col.plugins.cilium.nodes.set(name, Object.freeze({ name, blocks: Object.freeze(blocks), used, from: r.from }));
}

function readCiliumPodIPPool(r: FieldReader, spec: Obj, name: string): void {
  const out: PluginPool[] = [];
  for (const family of [4, 6] as const) {
    const fk = `ipv${family}`;
    const f = r.obj(spec, fk, 'spec');
    if (f === undefined) continue;
    const fp = key('spec', fk);
    const cidrs: Prefix[] = [];
    for (const a of r.strings(f, 'cidrs', fp)) {
      const p = r.cidr(a.text, a.path);
      if (p === undefined) continue;
      if (p.family !== family) r.col.warn('ERR_K8S_INPUT_INVALID', `${p} is not an IPv${family} CIDR; ignored`, r.at(a.path));
      else cidrs.push(p);
    }
    if (cidrs.length === 0) continue;
    const mask = integer(r, f, 'maskSize', fp);
    if (mask === undefined) {
      r.col.warn('ERR_K8S_INPUT_INVALID', 'missing; the pool is read without a block size', r.at(key(fp, 'maskSize')));
    } else if (cidrs.some((c) => mask < c.bits) || mask > (family === 4 ? 32 : 128)) {
      r.col.warn('ERR_K8S_INPUT_INVALID', `mask size ${mask} does not fit in ${cidrs.join(', ')}; skipped`, r.at(key(fp, 'maskSize')));
      continue;
    }
    out.push(pool('cilium', name, cidrs, mask, false, { ipam: 'multi-pool' }, r.at(key(fp, 'cidrs'))));
  }
  r.col.plugins.cilium.podPools.set(name, Object.freeze(out));
}
