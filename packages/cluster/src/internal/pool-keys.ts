import { Prefix } from '@ipam/core';

/**
 * Key layout of a ClusterPool, relative to the store's prefix (see the module comment of cluster-pool.ts):
 *
 * ```text
 * pools/<name>                      the pool definition record
 * pools/<name>/blocks/<block-cidr>  one record per block ever claimed, e.g. pools/pods/blocks/10.244.0.64/26
 * pools/<name>/owners/<owner>       the owner index: where an owner's allocations are, e.g. pools/pods/owners/c0ffee%2Feth0
 * ```
 *
 * Owners are escaped with encodeURIComponent, so an owner's key never contains `/`.
 *
 * Pool names are DNS labels, so `pools/<name>/` never prefixes another pool's keys.
 */

/** POOL_NAME matches a valid pool name: a DNS label (RFC 1123), lower case, 1 to 63 characters. */
export const POOL_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** poolKey is the key of the definition record of pool `name`. */
export function poolKey(name: string): string {
  return `pools/${name}`;
}

/** poolContentsPrefix is the prefix of every key the pool owns besides its definition. */
export function poolContentsPrefix(name: string): string {
  return `pools/${name}/`;
}

/** blocksPrefix is the prefix of the block records of pool `name`. */
export function blocksPrefix(name: string): string {
  return `pools/${name}/blocks/`;
}

/** blockKey is the key of the record of `block` in pool `name`. */
export function blockKey(name: string, block: Prefix): string {
  return `${blocksPrefix(name)}${block.toString()}`;
}

/**
 * parseBlockKey returns the block named by `key` (a key under the pool's contents prefix), or undefined when the key
 * is not a block key in canonical form.
 */
export function parseBlockKey(name: string, key: string): Prefix | undefined {
  const prefix = blocksPrefix(name);
  if (!key.startsWith(prefix)) return undefined;
  const text = key.slice(prefix.length);
  const p = Prefix.tryParse(text);
  return p !== undefined && p.toString() === text ? p : undefined;
}

/** ownersPrefix is the prefix of the owner index records of pool `name`. */
export function ownersPrefix(name: string): string {
  return `pools/${name}/owners/`;
}

/** ownerKey is the key of the owner index record of `owner` in pool `name`. */
export function ownerKey(name: string, owner: string): string {
  return `${ownersPrefix(name)}${encodeURIComponent(owner)}`;
}

/** parseOwnerKey returns the owner named by `key`, or undefined when the key is not an owner key in canonical form. */
export function parseOwnerKey(name: string, key: string): string | undefined {
  const prefix = ownersPrefix(name);
  if (!key.startsWith(prefix)) return undefined;
  let owner: string;
  try {
    owner = decodeURIComponent(key.slice(prefix.length));
  } catch {
    return undefined;
  }
  return encodeURIComponent(owner) === key.slice(prefix.length) ? owner : undefined;
}
