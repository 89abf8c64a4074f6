import { type Context, optObject, optString, optStrings } from './internal/context.js';
import type { JsonObject } from './internal/json-parser.js';
import type { PathSegment } from './internal/json-path.js';

/** CniDns is the `dns` object of a plugin or IPAM section (CNI spec, "DNS"): every field is optional. */
export interface CniDns {
  /** CniDns.nameservers lists the name servers, as written. */
  readonly nameservers: readonly string[];
  /** CniDns.domain is the local domain, if any. */
  readonly domain: string | undefined;
  /** CniDns.search lists the search domains. */
  readonly search: readonly string[];
  /** CniDns.options lists resolver options. */
  readonly options: readonly string[];
}

/** parseDns reads an optional `dns` object, checking the types of its fields as Go's `types.DNS` does. */
export function parseDns(ctx: Context, o: JsonObject, path: readonly PathSegment[]): CniDns | undefined {
  const d = optObject(ctx, o, 'dns', path);
  if (d === undefined) return undefined;
  const p = [...path, 'dns'];
  return Object.freeze({
    nameservers: Object.freeze(optStrings(ctx, d, 'nameservers', p) ?? []),
    domain: optString(ctx, d, 'domain', p),
    search: Object.freeze(optStrings(ctx, d, 'search', p) ?? []),
    options: Object.freeze(optStrings(ctx, d, 'options', p) ?? []),
  });
}
