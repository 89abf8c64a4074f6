import type { Addr, Prefix } from '@ipam/core';
import { type Context, asObject, fail, optArray, optString, parseCIDR, parseIP } from './internal/context.js';
import type { JsonObject } from './internal/json-parser.js';
import type { PathSegment } from './internal/json-path.js';

/**
 * CniRoute is a route of an IPAM section or result (CNI spec, "Routes"): a destination and an optional gateway.
 * `dst` keeps the address as written (libcni does not clear host bits), so `10.1.2.3/24` stays as it is.
 */
export interface CniRoute {
  /** CniRoute.dst is the destination prefix, as written. */
  readonly dst: Prefix;
  /** CniRoute.gw is the next hop, or undefined for the interface's default gateway. */
  readonly gw: Addr | undefined;
}

/** parseRoutes reads an optional `routes` array: each entry needs a `dst` CIDR and may have a `gw` address. */
export function parseRoutes(ctx: Context, o: JsonObject, path: readonly PathSegment[]): CniRoute[] {
  const list = optArray(ctx, o, 'routes', path);
  if (list === undefined) return [];
  return list.map((v, i) => {
    const p = [...path, 'routes', i];
    const r = asObject(ctx, v, p);
    const dst = optString(ctx, r, 'dst', p);
    if (dst === undefined) fail(ctx, 'ERR_CNI_MISSING_FIELD', [...p, 'dst'], 'a route needs "dst"');
    const gw = optString(ctx, r, 'gw', p);
    return Object.freeze({ dst: parseCIDR(ctx, dst, [...p, 'dst']), gw: gw === undefined ? undefined : parseIP(ctx, gw, [...p, 'gw']) });
  });
}
