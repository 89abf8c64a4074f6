import { ClusterError } from '../cluster-error.js';
import type { PoolGeometry } from './pool-geometry.js';

/**
 * Codecs of the two ClusterPool records. Both are compact JSON objects carrying a format marker `t` and a version
 * `v`; decoding is strict (unknown fields, a newer version, bad UTF-8 or JSON, values out of range are all
 * ERR_CLUSTER_POOL_CORRUPT naming the key), because a record we half understand must never be rewritten.
 *
 * ```text
 * pools/pods:  {"t":"ipam/pool","v":1,"cidrs":["10.244.0.0/16"],"blockSize":26,"reserveEnds":true}
 * pools/pods/blocks/10.244.0.64/26:
 *              {"t":"ipam/block","v":1,"cidr":"10.244.0.64/26","node":"node-a","seq":3,
 *               "a":{"0":{"o":"default/web-0/eth0","s":1,"n":"node-a"},"2":{"o":"default/db-0/eth0","s":3,"n":"node-b"}}}
 * ```
 *
 * In a block record, `node` is the affinity (null once the block was released back), `seq` the last sequence
 * number handed out in this block (it only grows, also across a release of the block), and `a` maps the offset of
 * each allocated address in the block to its owner `o`, sequence number `s`, allocating node `n` and, optionally,
 * attributes for humans `x` (string to string, such as the pod's namespace and name).
 */

/** FORMAT_VERSION is the version this library writes and reads. */
export const FORMAT_VERSION = 1;
const POOL_MARKER = 'ipam/pool';
const BLOCK_MARKER = 'ipam/block';
const OWNER_MARKER = 'ipam/owner';

/** OwnerEntry is one allocation in an owner index record: its block (canonical CIDR), offset and sequence number. */
export interface OwnerEntry {
  readonly block: string;
  readonly offset: number;
  readonly seq: number;
}

/** compareOwnerEntries orders owner entries by block text, then offset. */
export function compareOwnerEntries(a: OwnerEntry, b: OwnerEntry): number {
  return a.block < b.block ? -1 : a.block > b.block ? 1 : a.offset - b.offset;
}

/** encodeOwner encodes the owner index record of `owner`: its entries in block, offset order. */
export function encodeOwner(owner: string, entries: readonly OwnerEntry[]): Uint8Array {
  const a = [...entries].sort(compareOwnerEntries).map((e) => [e.block, e.offset, e.seq]);
  return encoder.encode(JSON.stringify({ t: OWNER_MARKER, v: FORMAT_VERSION, o: owner, a }));
}

/**
 * decodeOwner decodes the owner index record at `key` of `owner`: `{"t":"ipam/owner","v":1,"o":"<owner>","a":[[block,
 * offset, seq], ...]}` with a non-empty, duplicate-free list; `isBlock` tells whether a block text is a block of the pool,
 * and offsets are below `blockAddrs`.
 */
export function decodeOwner(api: string, key: string, bytes: Uint8Array, owner: string, isBlock: (block: string) => boolean, blockAddrs: number): OwnerEntry[] {
  const o = parseObject(api, key, bytes, OWNER_MARKER);
  onlyFields(api, key, o, ['t', 'v', 'o', 'a'], 'the owner record');
  if (o['o'] !== owner) throw corrupt(api, key, `"o" is ${JSON.stringify(o['o'])}, not the key's owner ${JSON.stringify(owner)}`);
  const a = o['a'];
  if (!Array.isArray(a) || a.length === 0) throw corrupt(api, key, '"a" is not a non-empty array');
  const out: OwnerEntry[] = [];
  const seen = new Set<string>();
  for (const [i, x] of a.entries()) {
    if (!Array.isArray(x) || x.length !== 3) throw corrupt(api, key, `entry ${i} is not [block, offset, seq]`);
    const [block, offset, seq] = x as unknown[];
    if (typeof block !== 'string' || !isBlock(block)) throw corrupt(api, key, `entry ${i} names ${JSON.stringify(block)}, not a block of the pool`);
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0 || offset >= blockAddrs) throw corrupt(api, key, `entry ${i} has an offset outside 0…${blockAddrs - 1}`);
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) throw corrupt(api, key, `entry ${i} has no valid sequence number`);
    const id = `${block}#${offset}`;
    if (seen.has(id)) throw corrupt(api, key, `entry ${i} repeats ${block} offset ${offset}`);
    seen.add(id);
    out.push({ block, offset, seq });
  }
  return out;
}

/** PoolDefinition is the decoded pool definition record. */
export interface PoolDefinition {
  readonly cidrs: readonly string[];
  readonly blockSize: number;
  readonly reserveEnds: boolean;
}

/** BlockAllocation is one allocation in a block record. */
export interface BlockAllocation {
  readonly owner: string;
  readonly seq: number;
  readonly node: string;
  /** Free-form attributes for humans (such as the pod's namespace and name); undefined when none. */
  readonly attributes?: Readonly<Record<string, string>> | undefined;
}

/** MAX_ATTRIBUTES is the largest number of attributes one allocation carries. */
export const MAX_ATTRIBUTES = 16;

/** isValidAttributes reports whether `v` is a usable attribute map: at most 16 entries, names and values valid names. */
export function isValidAttributes(v: unknown): v is Readonly<Record<string, string>> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const entries = Object.entries(v as Record<string, unknown>);
  return entries.length <= MAX_ATTRIBUTES && entries.every(([k, x]) => isName(k) && k.length <= 256 && isName(x));
}

/** BlockRecord is a decoded block record. */
export interface BlockRecord {
  readonly cidr: string;
  readonly node: string | undefined;
  readonly seq: number;
  readonly allocations: ReadonlyMap<number, BlockAllocation>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** encodePool encodes a pool definition. */
export function encodePool(def: PoolDefinition): Uint8Array {
  return encoder.encode(
    JSON.stringify({ t: POOL_MARKER, v: FORMAT_VERSION, cidrs: def.cidrs, blockSize: def.blockSize, reserveEnds: def.reserveEnds }),
  );
}

/** encodeBlock encodes a block record, allocations in offset order. */
export function encodeBlock(r: BlockRecord): Uint8Array {
  const a: Record<string, { o: string; s: number; n: string; x?: Record<string, string> }> = {};
  for (const off of [...r.allocations.keys()].sort((x, y) => x - y)) {
    const x = r.allocations.get(off)!;
    a[String(off)] = x.attributes === undefined || Object.keys(x.attributes).length === 0 ? { o: x.owner, s: x.seq, n: x.node } : { o: x.owner, s: x.seq, n: x.node, x: { ...x.attributes } };
  }
  return encoder.encode(JSON.stringify({ t: BLOCK_MARKER, v: FORMAT_VERSION, cidr: r.cidr, node: r.node ?? null, seq: r.seq, a }));
}

function corrupt(api: string, key: string, reason: string, cause?: unknown): ClusterError {
  return new ClusterError('ERR_CLUSTER_POOL_CORRUPT', `${api}: store key ${JSON.stringify(key)} does not hold a valid record: ${reason}`, {
    key,
    cause,
  });
}

/** corruptKey is the error for a key under the pool's prefix that is not one of its keys at all. */
export function corruptKey(api: string, key: string): ClusterError {
  return new ClusterError(
    'ERR_CLUSTER_POOL_CORRUPT',
    `${api}: store key ${JSON.stringify(key)} is under the pool's prefix but is not a block key of this pool`,
    { key },
  );
}

function parseObject(api: string, key: string, bytes: Uint8Array, marker: string): Record<string, unknown> {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch (e) {
    throw corrupt(api, key, 'value is not UTF-8', e);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw corrupt(api, key, 'value is not JSON', e);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw corrupt(api, key, 'value is not a JSON object');
  const o = v as Record<string, unknown>;
  if (o['t'] !== marker) throw corrupt(api, key, `format marker "t" is not ${JSON.stringify(marker)}`);
  if (o['v'] !== FORMAT_VERSION) {
    throw corrupt(api, key, `format version ${JSON.stringify(o['v'])} is not supported (this library reads and writes ${FORMAT_VERSION})`);
  }
  return o;
}

function onlyFields(api: string, key: string, o: Record<string, unknown>, fields: readonly string[], what: string): void {
  for (const f of Object.keys(o)) if (!fields.includes(f)) throw corrupt(api, key, `unknown field ${JSON.stringify(f)} in ${what}`);
}

function isName(v: unknown): v is string {
  // Owners and nodes: non-empty, at most 1024 UTF-16 units, no control characters.
  // eslint-disable-next-line no-control-regex
  return typeof v === 'string' && v.length > 0 && v.length <= 1024 && !/[\u0000-\u001f\u007f]/.test(v);
}

/** isValidName reports whether `v` is a usable owner or node name (non-empty, ≤ 1024 characters, no control characters). */
export const isValidName = isName;

/** decodePool decodes a pool definition record. */
export function decodePool(api: string, key: string, bytes: Uint8Array): PoolDefinition {
  const o = parseObject(api, key, bytes, POOL_MARKER);
  onlyFields(api, key, o, ['t', 'v', 'cidrs', 'blockSize', 'reserveEnds'], 'the pool record');
  const { cidrs, blockSize, reserveEnds } = o;
  if (!Array.isArray(cidrs) || cidrs.length === 0 || !cidrs.every((c) => typeof c === 'string')) {
    throw corrupt(api, key, '"cidrs" is not a non-empty array of strings');
  }
  if (typeof blockSize !== 'number' || !Number.isInteger(blockSize)) throw corrupt(api, key, '"blockSize" is not an integer');
  if (typeof reserveEnds !== 'boolean') throw corrupt(api, key, '"reserveEnds" is not a boolean');
  return { cidrs: cidrs as string[], blockSize, reserveEnds };
}

/**
 * decodeBlock decodes the record of `block` (its canonical CIDR text) and checks it against the pool's geometry:
 * offsets inside the block and not reserved, sequence numbers unique and not above the block's counter.
 */
export function decodeBlock(api: string, key: string, bytes: Uint8Array, block: string, reserved: readonly number[], geometry: PoolGeometry): BlockRecord {
  const o = parseObject(api, key, bytes, BLOCK_MARKER);
  onlyFields(api, key, o, ['t', 'v', 'cidr', 'node', 'seq', 'a'], 'the block record');
  if (o['cidr'] !== block) throw corrupt(api, key, `"cidr" is ${JSON.stringify(o['cidr'])}, not the key's block ${block}`);
  const node = o['node'];
  if (node !== null && !isName(node)) throw corrupt(api, key, '"node" is neither null nor a node name');
  const seq = o['seq'];
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) throw corrupt(api, key, '"seq" is not a non-negative integer');
  const a = o['a'];
  if (typeof a !== 'object' || a === null || Array.isArray(a)) throw corrupt(api, key, '"a" is not an object');
  const allocations = new Map<number, BlockAllocation>();
  const seqs = new Set<number>();
  for (const [k, v] of Object.entries(a as Record<string, unknown>)) {
    const off = Number(k);
    if (!/^(?:0|[1-9][0-9]*)$/.test(k) || off >= geometry.blockAddrs) throw corrupt(api, key, `offset ${JSON.stringify(k)} is not in 0…${geometry.blockAddrs - 1}`);
    if (reserved.includes(off)) throw corrupt(api, key, `offset ${k} is a reserved address of the pool`);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw corrupt(api, key, `allocation ${k} is not an object`);
    const x = v as Record<string, unknown>;
    onlyFields(api, key, x, ['o', 's', 'n', 'x'], `allocation ${k}`);
    if (x['x'] !== undefined && !isValidAttributes(x['x'])) throw corrupt(api, key, `allocation ${k} has invalid attributes "x"`);
    if (!isName(x['o'])) throw corrupt(api, key, `allocation ${k} has no valid owner "o"`);
    if (!isName(x['n'])) throw corrupt(api, key, `allocation ${k} has no valid node "n"`);
    const s = x['s'];
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 1 || s > seq) throw corrupt(api, key, `allocation ${k} has a sequence number outside 1…${seq}`);
    if (seqs.has(s)) throw corrupt(api, key, `sequence number ${s} is used twice`);
    seqs.add(s);
    allocations.set(off, x['x'] === undefined ? { owner: x['o'], seq: s, node: x['n'] } : { owner: x['o'], seq: s, node: x['n'], attributes: { ...(x['x'] as Record<string, string>) } });
  }
  return { cidr: block, node: node === null ? undefined : node, seq, allocations };
}
