/**
 * Context carries what every validator needs to report an error: the file name and, when at hand, the text,
 * so that an error found after parsing still gets a line and column.
 */
import { Addr, Prefix } from '@ipam/core';
import { CniConfigError, type CniConfigErrorCode } from '../cni-config-error.js';
import { type JsonObject, type JsonValue, lineColumn, locate } from './json-parser.js';
import { formatPath, type PathSegment, quote } from './json-path.js';

/** Where validation happens: the file and its text. */
export interface Context {
  readonly file: string | undefined;
  readonly text: string | undefined;
  readonly maxDepth: number;
}

/** fail throws a CniConfigError at `path`, with the line and column of that value when the text is known. */
export function fail(ctx: Context, code: CniConfigErrorCode, path: readonly PathSegment[], reason: string): never {
  let line: number | undefined;
  let column: number | undefined;
  if (ctx.text !== undefined) {
    const at = locate(ctx.text, path, ctx.maxDepth);
    if (at >= 0) ({ line, column } = lineColumn(ctx.text, at));
  }
  throw new CniConfigError(code, reason, { file: ctx.file, path: formatPath(path), line, column });
}

/** typeName names a JSON value's type as a reader would: string, number, boolean, null, array, object. */
export function typeName(v: JsonValue | undefined): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** isObject reports whether `v` is a JSON object. */
export function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** own returns an own property of a parsed object (never an inherited one such as `constructor`). */
export function own(o: JsonObject, key: string): JsonValue | undefined {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

function wrongType(ctx: Context, path: readonly PathSegment[], want: string, v: JsonValue): never {
  return fail(ctx, 'ERR_CNI_INVALID_TYPE', path, `must be ${want}, not ${typeName(v) === 'array' ? 'an array' : typeName(v) === 'object' ? 'an object' : `a ${typeName(v)}`}`);
}

/** optString reads an optional string field; `null` counts as absent, as in Go structs. */
export function optString(ctx: Context, o: JsonObject, key: string, path: readonly PathSegment[]): string | undefined {
  const v = own(o, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') wrongType(ctx, [...path, key], 'a string', v);
  return v;
}

/** optBool reads an optional boolean field; `null` counts as absent. */
export function optBool(ctx: Context, o: JsonObject, key: string, path: readonly PathSegment[]): boolean | undefined {
  const v = own(o, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') wrongType(ctx, [...path, key], 'a boolean', v);
  return v;
}

/** optObject reads an optional object field; `null` counts as absent. */
export function optObject(ctx: Context, o: JsonObject, key: string, path: readonly PathSegment[]): JsonObject | undefined {
  const v = own(o, key);
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) wrongType(ctx, [...path, key], 'an object', v);
  return v;
}

/** optArray reads an optional array field; `null` counts as absent. */
export function optArray(ctx: Context, o: JsonObject, key: string, path: readonly PathSegment[]): readonly JsonValue[] | undefined {
  const v = own(o, key);
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) wrongType(ctx, [...path, key], 'an array', v);
  return v as readonly JsonValue[];
}

/** optStrings reads an optional array of strings. */
export function optStrings(ctx: Context, o: JsonObject, key: string, path: readonly PathSegment[]): string[] | undefined {
  const a = optArray(ctx, o, key, path);
  if (a === undefined) return undefined;
  return a.map((v, i) => {
    if (typeof v !== 'string') wrongType(ctx, [...path, key, i], 'a string', v);
    return v;
  });
}

/** asObject requires `v` (at `path`) to be an object. */
export function asObject(ctx: Context, v: JsonValue | undefined, path: readonly PathSegment[], what = 'an object'): JsonObject {
  if (!isObject(v)) wrongType(ctx, path, what, v ?? null);
  return v;
}

/**
 * parseIP reads an IP address as Go's `net.ParseIP` does for our purposes: the strict {@link Addr.parse}
 * grammar, no zone. With `unmapV4`, an IPv4-mapped IPv6 address becomes IPv4, as Go's `To4()` makes it.
 */
export function parseIP(ctx: Context, s: string, path: readonly PathSegment[], unmapV4 = false): Addr {
  const a = Addr.tryParse(s);
  if (a === undefined || a.zone !== undefined) fail(ctx, 'ERR_CNI_INVALID_IP', path, `invalid IP address: ${quote(s)}`);
  return unmapV4 ? a.unmap() : a;
}

/**
 * parseCIDR reads `address/length` as Go's `net.ParseCIDR` does: host bits are allowed, and the prefix keeps
 * the address as written (`Prefix.from`, not masked). Callers decide whether host bits are an error.
 */
export function parseCIDR(ctx: Context, s: string, path: readonly PathSegment[]): Prefix {
  const slash = s.lastIndexOf('/');
  const bad = (): never => fail(ctx, 'ERR_CNI_INVALID_CIDR', path, `invalid CIDR address: ${quote(s)}`);
  if (slash <= 0) bad();
  const a = Addr.tryParse(s.slice(0, slash));
  const bitsText = s.slice(slash + 1);
  if (a === undefined || a.zone !== undefined || !/^(0|[1-9][0-9]{0,2})$/.test(bitsText)) bad();
  const bits = Number(bitsText);
  if (bits > a!.bitLength) bad();
  return Prefix.from(a!, bits);
}

/** The masked form of a prefix (its network). */
export function network(p: Prefix): Prefix {
  return p.masked();
}
