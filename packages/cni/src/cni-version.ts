/**
 * CNI_SPEC_VERSIONS lists, oldest first, every released version of the
 * Container Network Interface specification that a network configuration's
 * `cniVersion` field may name (see the CNI SPEC.md, "Configuration format").
 */
export const CNI_SPEC_VERSIONS = [
  '0.1.0',
  '0.2.0',
  '0.3.0',
  '0.3.1',
  '0.4.0',
  '1.0.0',
  '1.1.0',
] as const;

/** CniSpecVersion is one of the released CNI specification versions in {@link CNI_SPEC_VERSIONS}. */
export type CniSpecVersion = (typeof CNI_SPEC_VERSIONS)[number];

/**
 * compareCniVersions compares two CNI version strings of the form
 * `MAJOR.MINOR.PATCH` (decimal numbers without leading zeros, as in SemVer 2.0.0
 * without pre-release or build parts) and returns a negative number if `a` is
 * older than `b`, zero if they are equal, and a positive number if `a` is newer,
 * so it can be passed to `Array.prototype.sort`.
 *
 * Versions need not be in {@link CNI_SPEC_VERSIONS}: `'1.2.0'` compares as newer
 * than `'1.1.0'`.
 *
 * @throws TypeError if either argument is not a well-formed version; the
 * message names the function and quotes the input.
 */
export function compareCniVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  for (let i = 0; i < 3; i++) {
    const d = x[i]! - y[i]!;
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

function parseVersion(s: string): [number, number, number] {
  const parts = typeof s === 'string' ? s.split('.') : [];
  if (parts.length !== 3 || !parts.every((p) => /^(0|[1-9][0-9]{0,8})$/.test(p))) {
    throw new TypeError(
      `compareCniVersions(${JSON.stringify(String(s))}): not a MAJOR.MINOR.PATCH version`,
    );
  }
  return [Number(parts[0]), Number(parts[1]), Number(parts[2])];
}
