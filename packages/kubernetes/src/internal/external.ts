import { Prefix } from '@ipam/core';
import { KubernetesError } from '../kubernetes-error.js';

/** An external network, parsed: its label for messages (`vpn 10.0.0.0/16`, or the prefix alone), name and prefix. */
export interface External {
  readonly label: string;
  readonly name: string | undefined;
  readonly prefix: Prefix;
}

/** An item of `options.external`: a prefix, its text, or a named network (audit.ts's `ExternalNetwork`). */
export type ExternalItem = string | Prefix | { readonly name: string; readonly cidr: string | Prefix };

/**
 * Parses `options.external` for `api` (`audit`, `explain`): strings must be prefixes without host bits.
 * Throws ERR_K8S_INVALID_ARGUMENT for a non-array, ERR_K8S_INVALID_CIDR naming the item for a bad one.
 */
export function parseExternals(api: string, items: readonly ExternalItem[] | undefined): External[] {
  if (items === undefined) return [];
  if (!Array.isArray(items)) throw new KubernetesError('ERR_K8S_INVALID_ARGUMENT', `${api}: options.external must be an array`);
  return items.map((x: unknown, i) => {
    const named = typeof x === 'object' && x !== null && !(x instanceof Prefix) ? (x as { name: string; cidr: unknown }) : undefined;
    const raw = named === undefined ? x : named.cidr;
    let prefix: Prefix | undefined;
    let cause: unknown;
    if (raw instanceof Prefix) prefix = raw;
    else if (typeof raw === 'string') {
      try {
        prefix = Prefix.parse(raw);
      } catch (e) {
        cause = e; // core's ParseError says why: host bits set, a bad octet, ...
      }
    }
    if (prefix === undefined) {
      const why = cause instanceof Error ? ` (${cause.message})` : '';
      throw new KubernetesError('ERR_K8S_INVALID_CIDR', `${api}: options.external[${i}]: ${JSON.stringify(raw) ?? String(raw)} is not a CIDR${why}`, {}, { cause });
    }
    const name = named === undefined ? undefined : String(named.name);
    return { label: name === undefined ? `${prefix}` : `${name} ${prefix}`, name, prefix };
  });
}
