/**
 * Small pieces of Go behaviour the reference CNI plugins expose in their output: `encoding/json`'s
 * case-insensitive field matching and type-error wording, `strconv.Atoi` and libcni's `ParseVersion` messages,
 * and `os` error texts.
 */

/** goField finds a struct field as `encoding/json` does: an exact key, else the last key equal under case folding. */
export function goField(o: Record<string, unknown>, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(o, name)) return o[name];
  const lower = name.toLowerCase();
  let v: unknown;
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) v = o[k];
  return v;
}

/** goJsonType names a JSON value's type as Go's UnmarshalTypeError does. */
export function goJsonType(v: unknown): string {
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  if (v !== null && typeof v === 'object') return 'object';
  return typeof v;
}

/** goStringField reads a Go `string` field: `null` and absent are `''`; another type is an UnmarshalTypeError text. */
export function goStringField(o: Record<string, unknown>, name: string, goPath = `.${name}`): string | { error: string } {
  const v = goField(o, name);
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  return { error: `json: cannot unmarshal ${goJsonType(v)} into Go struct field ${goPath} of type string` };
}

function atoi(s: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return `strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`;
  const n = Number(s);
  if (!Number.isSafeInteger(n) && (BigInt(s) > 9223372036854775807n || BigInt(s) < -9223372036854775808n)) return `strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`;
  return n;
}

/** goParseVersion is libcni's `version.ParseVersion`, with its error messages. */
export function goParseVersion(v: string): [number, number, number] | { error: string } {
  if (v === '') return [0, 1, 0];
  const parts = v.split('.');
  if (parts.length >= 4) return { error: `invalid version ${JSON.stringify(v)}: too many parts` };
  const out: [number, number, number] = [0, 0, 0];
  const names = ['major', 'minor', 'micro'];
  for (let i = 0; i < parts.length; i++) {
    const n = atoi(parts[i]!);
    if (typeof n === 'string') return { error: `failed to convert ${names[i]} version part ${JSON.stringify(parts[i])}: ${n}` };
    out[i] = n;
  }
  return out;
}

/** goVersionAtLeast is libcni's `version.GreaterThanOrEqualTo(v, min)`. */
export function goVersionAtLeast(v: string, min: string): boolean | { error: string } {
  const a = goParseVersion(v);
  if (!Array.isArray(a)) return a;
  const b = goParseVersion(min);
  if (!Array.isArray(b)) return b;
  return a[0] - b[0] > 0 || (a[0] === b[0] && (a[1] - b[1] > 0 || (a[1] === b[1] && a[2] >= b[2])));
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'file exists',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EINVAL: 'invalid argument',
  EIO: 'input/output error',
};

/** goOsError words a Node file-system error as Go's `*os.PathError` does: `open /x: no such file or directory`. */
export function goOsError(op: string, path: string, e: unknown): string {
  const code = (e as { code?: string } | null)?.code;
  const text = code !== undefined ? ERRNO_TEXT[code] : undefined;
  return `${op} ${path}: ${text ?? (e instanceof Error ? e.message : String(e))}`;
}
