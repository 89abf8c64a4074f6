/**
 * The playground's address map layout, in Node: each row tiles its prefix exactly with allocated, reserved and
 * free segments, and the allocated segments are the pool's allocations, whatever sequence of requests made them.
 */
import { Addr, IPRange, Pool, Prefix } from '@ipam/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { layoutMap, renderMap } from '../playground/address-map.js';

const first = (value: string): bigint =>
  (value.includes('/') ? Prefix.parse(value).addr : value.includes('-') ? IPRange.parse(value).first() : Addr.parse(value)).toBigInt();

describe('layoutMap', () => {
  it('cuts each of the pool prefixes into its allocations, reserved and free space', () => {
    const pool = new Pool(['10.0.0.0/24', 'fd00::/120'], { reserve: ['10.0.0.0'] });
    pool.allocatePrefix(26, { owner: 'a' });
    pool.allocate({ owner: 'b' });
    pool.allocatePrefix(124, { family: 6, owner: 'c' });
    const layout = layoutMap(pool);
    expect(layout.allocated).toBe(3);
    expect(layout.rows.map((r) => [r.prefix, r.segments.map((s) => [s.kind, s.value, s.owner, s.start, s.width])])).toEqual([
      [
        '10.0.0.0/24',
        [
          ['reserved', '10.0.0.0', undefined, 0, 1 / 256],
          ['allocated', '10.0.0.1', 'b', 1 / 256, 1 / 256],
          ['free', '10.0.0.2-10.0.0.63', undefined, 2 / 256, 62 / 256],
          ['allocated', '10.0.0.64/26', 'a', 0.25, 0.25],
          ['free', '10.0.0.128/25', undefined, 0.5, 0.5],
        ].map(([k, v, o, s, w]) => [k, v, o, Math.floor((s as number) * 1e6) / 1e6, Math.floor((w as number) * 1e6) / 1e6]),
      ],
      ['fd00::/120', [['allocated', 'fd00::/124', 'c', 0, 0.0625], ['free', 'fd00::10-fd00::ff', undefined, 0.0625, 0.9375]]],
    ]);
  });

  it('tiles every row exactly, and draws the allocations the pool reports, for any requests', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ bits: fc.option(fc.integer({ min: 26, max: 31 }), { nil: undefined }), release: fc.boolean() }), { maxLength: 25 }),
        (requests) => {
          const pool = new Pool(['192.168.0.0/25', '192.168.1.0/26'], { reserve: ['192.168.0.0'] });
          const held: string[] = [];
          requests.forEach(({ bits, release }, i) => {
            try {
              held.push((bits === undefined ? pool.allocate({ owner: `#${i}` }) : pool.allocatePrefix(bits, { owner: `#${i}` })).toString());
            } catch {
              // exhausted: the pool is unchanged
            }
            if (release && held.length > 0) pool.release(held.splice(i % held.length, 1)[0]!);
          });
          const layout = layoutMap(pool);
          for (const [row, prefix] of layout.rows.map((r, i) => [r, pool.prefixes()[i]!] as const)) {
            expect(row.prefix).toBe(prefix.toString());
            // Segments follow each other with no gap and no overlap, and add up to the prefix.
            let next = prefix.addr.toBigInt();
            for (const s of row.segments) {
              expect(first(s.value)).toBe(next);
              next += s.size;
            }
            expect(next).toBe(prefix.addr.toBigInt() + prefix.size);
          }
          const drawn = layout.rows.flatMap((r) => r.segments.filter((s) => s.kind === 'allocated').map((s) => s.value)).sort();
          expect(drawn).toEqual([...held].sort());
          expect(layout.allocated).toBe(held.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('renderMap', () => {
  it('writes an SVG with a rect per segment, labelled, and escapes owner labels', () => {
    const pool = new Pool(['10.0.0.0/24']);
    pool.allocatePrefix(25, { owner: '<script>"x"</script>' });
    const svg = renderMap(layoutMap(pool));
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]* role="img" aria-label="Address map: 1 prefixes, 1 allocations">/);
    expect(svg.match(/<rect /g)).toHaveLength(2);
    expect(svg).toContain('data-value="10.0.0.0/25" data-owner="&#60;script&#62;&#34;x&#34;&#60;/script&#62;"');
    expect(svg).toContain('>10.0.0.0/25</text>');
    expect(svg).not.toContain('<script>');
  });
});
