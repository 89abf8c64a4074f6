import { Prefix } from '@ipam/core';
import type { PluginAllocation, PluginBlock, PluginPool, SourceRef } from '../../cluster-network.js';
import { describe, type FieldReader, index, isObj, key, type Obj } from '../fields.js';
import { containerEnv, containersOf, type EnvVar, hostBits, integer, type Options, parseInteger, pool, poolContaining } from './common.js';
import { mergeMaps, type PluginOutput, type ResolveContext } from './plugin-state.js';

// Calico's IPAM state as the Kubernetes datastore keeps it (libcalico-go `crd.projectcalico.org/v1` resources):
// IPPool (also read in its `projectcalico.org/v3` form, as calicoctl and the Calico API server print it), IPAMBlock,
// BlockAffinity and IPAMHandle; and the calico-node DaemonSet's environment, from which calico-node creates the
// default pools when none exists (node/pkg/lifecycle/startup `configureIPPools`).

/** calico-node's defaults (startup.go): the IPv4 pool when neither CALICO_IPV4POOL_CIDR nor kubeadm's podSubnet says, and block sizes. */
const DEFAULT_IPV4_POOL_CIDR = Prefix.parse('192.168.0.0/16');
const DEFAULT_BLOCK_SIZE = { 4: 26, 6: 122 } as const;
/** Calico's IPPool validation: block sizes 20..32 (IPv4) and 116..128 (IPv6). */
const BLOCK_SIZE_RANGE = { 4: [20, 32], 6: [116, 128] } as const;

/** The `secondary.type` values libcalico-go gives the tunnel addresses it assigns to nodes (ipam `AttributeType*`). */
const TUNNEL_TYPES: ReadonlySet<string> = new Set([
  'ipipTunnelAddress',
  'vxlanTunnelAddress',
  'vxlanV6TunnelAddress',
  'wireguardTunnelAddress',
  'wireguardV6TunnelAddress',
]);

/** IPPool `spec` fields kept as {@link PluginPool.options}, as written. */
const POOL_OPTIONS = ['ipipMode', 'vxlanMode', 'natOutgoing', 'nodeSelector', 'allowedUses', 'disableBGPExport', 'assignmentMode'] as const;

/** The calico-node environment variables that shape the default pools. */
const ENV_OPTIONS: readonly (readonly [string, string, 'string' | 'boolean'])[] = [
  ['IPIP', 'ipipMode', 'string'],
  ['VXLAN', 'vxlanMode', 'string'],
  ['NAT_OUTGOING', 'natOutgoing', 'boolean'],
  ['NODE_SELECTOR', 'nodeSelector', 'string'],
  ['DISABLE_BGP_EXPORT', 'disableBGPExport', 'boolean'],
];

interface CalicoBlock {
  readonly block: PluginBlock;
  /** The handle of each allocation, counted, for the IPAMHandle cross-check. */
  readonly handles: ReadonlyMap<string, number>;
  readonly object: string;
}

interface CalicoAffinity {
  readonly cidr: Prefix;
  readonly node: string;
  readonly state: string;
  readonly from: SourceRef;
}

interface CalicoHandle {
  readonly handleID: string;
  readonly blocks: readonly { readonly cidr: Prefix; readonly count: number; readonly from: SourceRef }[];
}

interface CalicoNodeEnv {
  readonly env: ReadonlyMap<string, EnvVar>;
  readonly from: SourceRef;
}

/** CalicoState is what the Calico readers found in one discovery. */
export class CalicoState {
  /** IPPool objects by name (the v1 and v3 forms of one pool share it). */
  readonly pools = new Map<string, PluginPool>();
  /** IPAMBlocks by CIDR. */
  readonly blocks = new Map<string, CalicoBlock>();
  /** BlockAffinities by name. */
  readonly affinities = new Map<string, CalicoAffinity>();
  /** IPAMHandles by name. */
  readonly handles = new Map<string, CalicoHandle>();
  /** The calico-node DaemonSets by namespace/name. */
  readonly nodeEnvs = new Map<string, CalicoNodeEnv>();

  absorb(other: CalicoState): void {
    mergeMaps(this.pools, other.pools);
    mergeMaps(this.blocks, other.blocks);
    mergeMaps(this.affinities, other.affinities);
    mergeMaps(this.handles, other.handles);
    mergeMaps(this.nodeEnvs, other.nodeEnvs);
  }

  /**
   * resolve gives the IPPools (or, for a family with none, the default pool calico-node would create from its
   * environment), then the IPAMBlocks and the BlockAffinities that have no IPAMBlock, each placed in its pool.
   */
  resolve(ctx: ResolveContext): PluginOutput {
    const pools = [...this.pools.values()];
    for (const env of this.nodeEnvs.values()) {
      for (const family of [4, 6] as const) {
        if (pools.some((p) => p.plugin === 'calico' && p.cidrs[0]?.family === family)) continue;
        const p = defaultPool(ctx, env, family);
        if (p !== undefined) pools.push(p);
      }
    }
    const blocks: PluginBlock[] = [];
    const inPool = (b: PluginBlock): PluginBlock => {
      const name = poolContaining(pools, 'calico', b.cidr);
      return name === b.pool ? b : Object.freeze({ ...b, pool: name });
    };
    for (const b of this.blocks.values()) blocks.push(inPool(b.block));
    for (const a of this.affinities.values()) {
      const known = this.blocks.get(a.cidr.toString());
      if (known !== undefined) {
        if (known.block.node !== undefined && known.block.node !== a.node) {
          ctx.warn(
            'ERR_K8S_INPUT_INVALID',
            `the affinity names node ${JSON.stringify(a.node)}, but ${known.object} is affine to ${JSON.stringify(known.block.node)}`,
            { ...a.from, path: 'spec.node' },
          );
        }
        continue;
      }
      blocks.push(inPool(Object.freeze({ plugin: 'calico', pool: undefined, cidr: a.cidr, node: a.node, allocations: undefined, from: a.from })));
    }
    for (const h of this.handles.values()) {
      for (const { cidr, count, from } of h.blocks) {
        const b = this.blocks.get(cidr.toString());
        if (b === undefined) continue;
        const recorded = b.handles.get(h.handleID) ?? 0;
        if (recorded !== count) {
          ctx.warn(
            'ERR_K8S_INPUT_INVALID',
            `the handle holds ${count} address(es) in ${cidr}, but ${b.object} records ${recorded} for handle ${JSON.stringify(h.handleID)}`,
            from,
          );
        }
      }
    }
    return { pools, blocks };
  }
}

/** The default pool calico-node creates for `family` when no pool of that family exists, or undefined. */
function defaultPool(ctx: ResolveContext, { env, from }: CalicoNodeEnv, family: 4 | 6): PluginPool | undefined {
  if (env.get('NO_DEFAULT_POOLS')?.value === 'true') return undefined;
  const v = `CALICO_IPV${family}POOL_`;
  const at = (e: EnvVar): SourceRef => ({ ...from, path: e.path });
  const cidrVar = env.get(`${v}CIDR`);
  let cidr: Prefix | undefined;
  let source = from;
  if (cidrVar !== undefined && cidrVar.value.trim() !== '') {
    cidr = Prefix.tryParse(cidrVar.value.trim())?.masked();
    if (cidr === undefined || cidr.family !== family) {
      ctx.warn('ERR_K8S_INVALID_CIDR', `${JSON.stringify(cidrVar.value)} is not an IPv${family} CIDR; no default pool`, at(cidrVar));
      return undefined;
    }
    source = at(cidrVar);
  } else if (family === 6) {
    // Without CALICO_IPV6POOL_CIDR calico-node makes up a random ULA /48, if IPv6 is on at all: nothing to know here.
    return undefined;
  } else {
    // calico-node takes kubeadm's podSubnet (from the kubeadm-config ConfigMap), else 192.168.0.0/16.
    const kubeadm = ctx.settings.find((s) => s.name === 'clusterCIDR' && s.source === 'kubeadm');
    const fromKubeadm = kubeadm?.name === 'clusterCIDR' ? kubeadm.value.find((p) => p.family === 4) : undefined;
    cidr = fromKubeadm ?? DEFAULT_IPV4_POOL_CIDR;
  }
  let blockSize: number = DEFAULT_BLOCK_SIZE[family];
  const sizeVar = env.get(`${v}BLOCK_SIZE`);
  if (sizeVar !== undefined) {
    const n = parseInteger(sizeVar.value);
    const [lo, hi] = BLOCK_SIZE_RANGE[family];
    if (n === undefined || n < lo || n > hi || n < cidr.bits) {
      ctx.warn('ERR_K8S_INPUT_INVALID', `${JSON.stringify(sizeVar.value)} is not a block size for ${cidr} (${lo}..${hi}); the default ${blockSize} is used`, at(sizeVar));
    } else {
      blockSize = n;
    }
  }
  const options: Options = {};
  for (const [suffix, option, type] of ENV_OPTIONS) {
    const e = env.get(`${v}${suffix}`);
    if (e === undefined) continue;
    options[option] = type === 'boolean' ? e.value.trim().toLowerCase() === 'true' : e.value;
  }
  return pool('calico', `default-ipv${family}-ippool`, [cidr], blockSize, false, options, source);
}

/** isCalicoApiVersion tells Calico's two API groups from other groups' kinds of the same name (kube-ovn's IPPool, ...). */
function isCalicoApiVersion(apiVersion: string): boolean {
  return apiVersion.startsWith('crd.projectcalico.org/') || apiVersion.startsWith('projectcalico.org/');
}

/** The Calico kinds {@link readCalicoObject} reads. */
export const CALICO_KINDS: ReadonlySet<string> = new Set(['IPPool', 'IPAMBlock', 'BlockAffinity', 'IPAMHandle']);

/**
 * readCalicoObject reads an IPPool, IPAMBlock, BlockAffinity or IPAMHandle of the Calico API groups into the
 * collector; objects of other groups are passed over. Problems are warnings naming the object and field.
 */
export function readCalicoObject(r: FieldReader, o: Obj, kind: string, apiVersion: string, name: string): void {
  if (!isCalicoApiVersion(apiVersion)) return;
  if (name === '') {
    r.col.warn('ERR_K8S_INPUT_INVALID', `a ${kind} without metadata.name; skipped`, { ...r.from, object: kind });
    return;
  }
  const spec = r.obj(o, 'spec', '');
  if (spec === undefined) {
    r.col.warn('ERR_K8S_INPUT_INVALID', 'no spec; skipped', r.at('spec'));
    return;
  }
  switch (kind) {
    case 'IPPool':
      return readIPPool(r, spec, name);
    case 'IPAMBlock':
      return readIPAMBlock(r, spec);
    case 'BlockAffinity':
      return readBlockAffinity(r, spec, name);
    case 'IPAMHandle':
      return readIPAMHandle(r, spec, name);
  }
}

/** requiredCidr reads `spec[k]` as a CIDR; missing or bad is a warning and undefined. */
function requiredCidr(r: FieldReader, spec: Obj, k: string): Prefix | undefined {
  const text = r.str(spec, k, 'spec');
  if (text === undefined || text === '') {
    r.col.warn('ERR_K8S_INPUT_INVALID', 'missing; skipped', r.at(key('spec', k)));
    return undefined;
  }
  return r.cidr(text, key('spec', k));
}

function readIPPool(r: FieldReader, spec: Obj, name: string): void {
  const cidr = requiredCidr(r, spec, 'cidr');
  if (cidr === undefined) return;
  const family = cidr.family;
  let blockSize: number = DEFAULT_BLOCK_SIZE[family];
  const written = integer(r, spec, 'blockSize', 'spec');
  if (written !== undefined) {
    const [lo, hi] = BLOCK_SIZE_RANGE[family];
    if (written < lo || written > hi || written < cidr.bits) {
      const why = written < cidr.bits ? `larger than the pool ${cidr}` : `outside ${lo}..${hi}`;
      r.col.warn('ERR_K8S_INPUT_INVALID', `block size ${written} is ${why}, which Calico refuses; skipped`, r.at('spec.blockSize'));
      return;
    }
    blockSize = written;
  }
  const disabled = r.bool(spec, 'disabled', 'spec') ?? false;
  const options: Options = {};
  for (const k of POOL_OPTIONS) {
    const v = spec[k];
    if (v === undefined || v === null) continue;
    if (typeof v === 'string' || typeof v === 'boolean') options[k] = v;
    else if (Array.isArray(v) && v.every((e) => typeof e === 'string')) options[k] = Object.freeze([...(v as string[])]);
    else r.col.warn('ERR_K8S_INPUT_INVALID', `expected a string, a boolean or a list of strings, found ${describe(v)}; ignored`, r.at(key('spec', k)));
  }
  r.col.plugins.calico.pools.set(name, pool('calico', name, [cidr], blockSize, disabled, options, r.from));
}

/** The node of an IPAMBlock `affinity` (`host:NODE`); other forms (`virtual:...`) have none. */
function affinityNode(affinity: string | undefined): string | undefined {
  return affinity !== undefined && affinity.startsWith('host:') && affinity.length > 5 ? affinity.slice(5) : undefined;
}

/** The largest block read: a /20 (IPv4) or /116 (IPv6), Calico's smallest allowed block size, has 4,096 addresses. */
const MAX_BLOCK_HOST_BITS = 12;

function readIPAMBlock(r: FieldReader, spec: Obj): void {
  const cidr = requiredCidr(r, spec, 'cidr');
  if (cidr === undefined) return;
  if (r.bool(spec, 'deleted', 'spec') === true) return; // being deleted by Calico: no longer part of the pool
  const bits = hostBits(cidr, cidr.bits);
  if (bits > MAX_BLOCK_HOST_BITS) {
    r.col.warn('ERR_K8S_INPUT_INVALID', `a block of ${cidr.size} addresses is larger than Calico makes (at most /${cidr.family === 4 ? 20 : 116}); skipped`, r.at('spec.cidr'));
    return;
  }
  const size = 1 << bits;
  const affinity = r.str(spec, 'affinity', 'spec');
  const node = affinityNode(affinity);
  const attributes = r.arr(spec, 'attributes', 'spec') ?? [];
  const allocations = r.arr(spec, 'allocations', 'spec');
  if (allocations === undefined) {
    r.col.warn('ERR_K8S_INPUT_INVALID', 'missing; the block is read without allocations', r.at('spec.allocations'));
  }
  const out: PluginAllocation[] = [];
  const handles = new Map<string, number>();
  const allocated = new Uint8Array(size);
  const base = cidr.addr;
  (allocations ?? []).forEach((a, i) => {
    if (a === null || a === undefined) return;
    const path = index('spec.allocations', i);
    if (typeof a !== 'number' || !Number.isSafeInteger(a) || a < 0) {
      r.col.warn('ERR_K8S_INPUT_INVALID', `expected an attribute index or null, found ${describe(a)}; ignored`, r.at(path));
      return;
    }
    if (i >= size) {
      r.col.warn('ERR_K8S_INPUT_INVALID', `ordinal ${i} is outside the block ${cidr} (${size} addresses); ignored`, r.at(path));
      return;
    }
    allocated[i] = 1;
    const address = base.add(i)!;
    const attr = attributes[a];
    if (!isObj(attr)) {
      const why = attr === undefined ? `there are ${attributes.length} attributes` : `attributes[${a}] is ${describe(attr)}`;
      r.col.warn('ERR_K8S_INPUT_INVALID', `attribute index ${a} names no attribute (${why}); the address is kept without a holder`, r.at(path));
      out.push(Object.freeze({ address, handle: undefined, kind: 'other', pod: undefined, node }));
      return;
    }
    out.push(allocation(r, attr, index('spec.attributes', a), address, node, handles));
  });
  const unallocated = r.arr(spec, 'unallocated', 'spec');
  if (unallocated !== undefined && allocations !== undefined) checkUnallocated(r, unallocated, allocated, cidr);
  const block: PluginBlock = Object.freeze({ plugin: 'calico', pool: undefined, cidr, node, allocations: Object.freeze(out), from: r.from });
  r.col.plugins.calico.blocks.set(cidr.toString(), { block, handles, object: r.from.object ?? 'IPAMBlock' });
}

/** One allocation from its attribute: a tunnel address by `secondary.type`, a pod by `secondary.namespace`/`pod`. */
function allocation(r: FieldReader, attr: Obj, path: string, address: PluginAllocation['address'], blockNode: string | undefined, handles: Map<string, number>): PluginAllocation {
  const handle = r.str(attr, 'handle_id', path);
  if (handle !== undefined) handles.set(handle, (handles.get(handle) ?? 0) + 1);
  const secondary = r.obj(attr, 'secondary', path) ?? {};
  const sp = key(path, 'secondary');
  const type = r.str(secondary, 'type', sp);
  const namespace = r.str(secondary, 'namespace', sp);
  const podName = r.str(secondary, 'pod', sp);
  const node = r.str(secondary, 'node', sp) ?? blockNode;
  const isTunnel = type !== undefined && TUNNEL_TYPES.has(type);
  const pod = !isTunnel && namespace !== undefined && podName !== undefined && podName !== '' ? `${namespace}/${podName}` : undefined;
  return Object.freeze({ address, handle, kind: isTunnel ? 'tunnel' : pod !== undefined ? 'pod' : 'other', pod, node });
}

/** Checks that `unallocated` lists exactly the ordinals not allocated, once each, as libcalico-go keeps it. */
function checkUnallocated(r: FieldReader, unallocated: readonly unknown[], allocated: Uint8Array, cidr: Prefix): void {
  const seen = new Uint8Array(allocated.length);
  unallocated.forEach((u, i) => {
    const path = index('spec.unallocated', i);
    if (typeof u !== 'number' || !Number.isSafeInteger(u) || u < 0 || u >= allocated.length) {
      r.col.warn('ERR_K8S_INPUT_INVALID', `expected an ordinal of the block ${cidr} (0..${allocated.length - 1}), found ${describe(u)}; ignored`, r.at(path));
      return;
    }
    if (allocated[u] === 1) r.col.warn('ERR_K8S_INPUT_INVALID', `ordinal ${u} is listed as unallocated but is allocated`, r.at(path));
    else if (seen[u] === 1) r.col.warn('ERR_K8S_INPUT_INVALID', `ordinal ${u} is listed twice`, r.at(path));
    seen[u] = 1;
  });
  const lost: number[] = [];
  for (let k = 0; k < allocated.length; k++) if (allocated[k] === 0 && seen[k] === 0) lost.push(k);
  if (lost.length > 0) {
    const shown = lost.length > 8 ? `${lost.slice(0, 8).join(', ')}, ... (${lost.length} in all)` : lost.join(', ');
    r.col.warn('ERR_K8S_INPUT_INVALID', `ordinals ${shown} are neither allocated nor unallocated: Calico can never hand them out`, r.at('spec.unallocated'));
  }
}

function readBlockAffinity(r: FieldReader, spec: Obj, name: string): void {
  const cidr = requiredCidr(r, spec, 'cidr');
  if (cidr === undefined) return;
  const node = r.str(spec, 'node', 'spec');
  if (node === undefined || node === '') {
    r.col.warn('ERR_K8S_INPUT_INVALID', 'missing; skipped', r.at('spec.node'));
    return;
  }
  // `deleted` is the text "true"/"false" in crd.projectcalico.org/v1, a boolean in projectcalico.org/v3.
  const deleted = spec['deleted'];
  if (deleted === true || deleted === 'true') return;
  const state = typeof spec['state'] === 'string' ? spec['state'] : '';
  r.col.plugins.calico.affinities.set(name, Object.freeze({ cidr, node, state, from: r.from }));
}

function readIPAMHandle(r: FieldReader, spec: Obj, name: string): void {
  const handleID = r.str(spec, 'handleID', 'spec');
  if (handleID === undefined || handleID === '') {
    r.col.warn('ERR_K8S_INPUT_INVALID', 'missing; skipped', r.at('spec.handleID'));
    return;
  }
  const deleted = spec['deleted'];
  if (deleted === true || deleted === 'true') return;
  const blockMap = r.obj(spec, 'block', 'spec') ?? {};
  const blocks: { cidr: Prefix; count: number; from: SourceRef }[] = [];
  for (const k of Object.keys(blockMap)) {
    const path = key('spec.block', k);
    const cidr = r.cidr(k, path);
    const count = integer(r, blockMap, k, 'spec.block');
    if (cidr !== undefined && count !== undefined) blocks.push({ cidr, count, from: r.at(path) });
  }
  r.col.plugins.calico.handles.set(name, Object.freeze({ handleID, blocks: Object.freeze(blocks) }));
}

/**
 * readCalicoWorkload reads the environment of the `calico-node` container of a DaemonSet's pod template (the
 * `calico-node` DaemonSet of the manifest install), which says what default pools calico-node creates.
 */
export function readCalicoWorkload(r: FieldReader, name: string, podSpec: Obj, specPath: string): void {
  for (const { c, name: cname, image, path } of containersOf(r, podSpec, specPath)) {
    if (cname !== 'calico-node' && !image.includes('calico/node')) continue;
    r.col.plugins.calico.nodeEnvs.set(`${r.from.object ?? name}`, Object.freeze({ env: containerEnv(r, c, path), from: r.from }));
    return;
  }
}
