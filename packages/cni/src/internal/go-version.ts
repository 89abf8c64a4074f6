/**
 * CNI version strings as libcni's `pkg/version.ParseVersion` reads them: `""` is 0.1.0; one to three dot-separated
 * decimal parts (missing ones are 0). Looser than {@link compareCniVersions}, on purpose: it decides what the
 * runtimes accept.
 */

/** LIBCNI_SPEC_VERSION is the newest spec version the emulated libcni (v1.2/v1.3) implements. */
export const LIBCNI_SPEC_VERSION = '1.1.0';

/** parseGoVersion returns [major, minor, patch], or a reason. */
export function parseGoVersion(v: string): [number, number, number] | string {
  if (v === '') return [0, 1, 0];
  const parts = v.split('.');
  if (parts.length > 3) return `too many parts`;
  const out: [number, number, number] = [0, 0, 0];
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k]!;
    if (!/^[+-]?[0-9]{1,9}$/.test(p)) return `${['major', 'minor', 'patch'][k]} version is not a number`;
    out[k] = Number(p);
  }
  return out;
}

/** compareGoVersions compares two parsed versions. */
export function compareGoVersions(a: [number, number, number], b: [number, number, number]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** versionAtLeast is libcni's `GreaterThanOrEqualTo(v, min)`; an unparsable `v` is never at least anything. */
export function versionAtLeast(v: string, min: string): boolean {
  const a = parseGoVersion(v);
  const b = parseGoVersion(min);
  if (typeof a === 'string' || typeof b === 'string') return false;
  return compareGoVersions(a, b) >= 0;
}
