/** A JSON path as a list of object keys and array indexes. */
export type PathSegment = string | number;

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** formatPath writes `plugins[1].ipam.ranges[0][0].rangeStart`; keys that are not identifiers are quoted. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENT.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${quote(seg)}]`;
  }
  return out;
}

/** quote renders input for a message: JSON-quoted and cut at 80 characters. */
export function quote(s: unknown): string {
  const text = typeof s === 'string' ? s : String(s);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
