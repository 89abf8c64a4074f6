import { describe, expect, it } from 'vitest';
import { CNI_SPEC_VERSIONS, compareCniVersions } from './cni-version.js';

describe('CNI_SPEC_VERSIONS', () => {
  it('is sorted oldest first and has no duplicates', () => {
    const sorted = [...CNI_SPEC_VERSIONS].sort(compareCniVersions);
    expect(sorted).toEqual(CNI_SPEC_VERSIONS);
    expect(new Set(CNI_SPEC_VERSIONS).size).toBe(CNI_SPEC_VERSIONS.length);
  });
});

describe('compareCniVersions', () => {
  it.each([
    ['0.1.0', '0.1.0', 0],
    ['0.1.0', '0.2.0', -1],
    ['0.3.1', '0.3.0', 1],
    ['0.4.0', '1.0.0', -1],
    ['1.1.0', '1.0.0', 1],
    ['1.10.0', '1.9.0', 1], // numeric, not lexicographic
    ['2.0.0', '1.99.99', 1],
  ])('compareCniVersions(%s, %s) is %i', (a, b, want) => {
    expect(compareCniVersions(a, b)).toBe(want);
    expect(compareCniVersions(b, a)).toBe(-want || 0);
  });

  it.each([
    [''], // empty
    ['1.0'], // missing patch
    ['1.0.0.0'], // too many parts
    ['v1.0.0'], // leading "v"
    ['01.0.0'], // leading zero
    ['1.0.0-rc1'], // pre-release part
    ['1..0'], // empty part
    [' 1.0.0'], // surrounding space
  ])('rejects %j, naming the input', (bad) => {
    expect(() => compareCniVersions(bad, '1.0.0')).toThrow(TypeError);
    expect(() => compareCniVersions('1.0.0', bad)).toThrow(JSON.stringify(bad));
  });
});
