import { Addr } from '@ipam/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCIDRSloppy, parseIPSloppy, tryParseCIDRSloppy, tryParseIPSloppy } from '../netutils.js';
import { strictCIDR, strictIP } from './fields.js';

describe('the strict fast path of sloppy reading', () => {
  const text = fc.oneof(
    fc.ipV4(),
    fc.ipV6(),
    fc.ipV4Extended(),
    fc.tuple(fc.ipV6(), fc.constantFrom('%eth0', '')).map(([a, z]) => a + z),
    fc.stringMatching(/^[0-9a-f:.%]{0,20}$/),
  );

  it('strictIP agrees with parseIPSloppy wherever it answers', () => {
    fc.assert(
      fc.property(text, (s) => {
        const fast = strictIP(s);
        if (fast !== undefined) expect(fast.toString()).toBe(parseIPSloppy(s).toString());
      }),
    );
  });

  it('strictCIDR agrees with parseCIDRSloppy wherever it answers', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 130 }), (s, bits) => {
        const fast = strictCIDR(`${s}/${bits}`);
        if (fast !== undefined) expect(fast.toString()).toBe(parseCIDRSloppy(`${s}/${bits}`).toString());
      }),
    );
  });

  it.each([
    // Zones: core reads them, Kubernetes does not.
    ['fe80::1%eth0', undefined, undefined],
    // IPv4-mapped: Kubernetes reads it as IPv4.
    ['::ffff:10.1.2.3', undefined, '10.1.2.3'],
    // Leading zeros: core refuses them, Kubernetes reads them as decimal.
    ['010.001.002.003', undefined, '10.1.2.3'],
    ['10.1.2.3', '10.1.2.3', '10.1.2.3'],
  ])('%s: fast path %j, sloppy %j', (s, fast, sloppy) => {
    expect(strictIP(s)?.toString()).toBe(fast);
    expect(tryParseIPSloppy(s)?.toString()).toBe(sloppy);
  });

  it('leaves CIDRs with host bits to the sloppy parser, which masks them', () => {
    expect(strictCIDR('10.244.1.7/16')).toBeUndefined();
    expect(tryParseCIDRSloppy('10.244.1.7/16')?.toString()).toBe('10.244.0.0/16');
    expect(strictIP('10.244.1.7')).toEqual(Addr.parse('10.244.1.7'));
  });
});
