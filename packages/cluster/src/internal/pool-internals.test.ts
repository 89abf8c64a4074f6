import { Prefix } from '@ipam/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_RETRY } from './backoff.js';
import { PoolGeometry } from './pool-geometry.js';
import { blockKey, parseBlockKey, POOL_NAME, poolContentsPrefix, poolKey } from './pool-keys.js';
import { type BlockRecord, decodeBlock, decodePool, encodeBlock, encodePool } from './pool-records.js';

const geo = (cidrs: string[], blockSize: number, reserveEnds = true): PoolGeometry =>
  new PoolGeometry(cidrs.map((c) => Prefix.parse(c)), blockSize, reserveEnds);

describe('PoolGeometry', () => {
  it('numbers blocks across CIDRs in address order', () => {
    const g = geo(['10.1.0.0/24', '10.0.0.0/25'], 26);
    expect(g.totalBlocks).toBe(6n);
    expect(Array.from({ length: 6 }, (_, i) => g.blockAt(BigInt(i)).toString())).toEqual([
      '10.0.0.0/26',
      '10.0.0.64/26',
      '10.1.0.0/26',
      '10.1.0.64/26',
      '10.1.0.128/26',
      '10.1.0.192/26',
    ]);
    for (let i = 0n; i < 6n; i++) expect(g.indexOf(g.blockAt(i))).toBe(i);
    expect(g.indexOf(Prefix.parse('10.2.0.0/26'))).toBeUndefined();
    expect(g.indexOf(Prefix.parse('10.0.0.0/27'))).toBeUndefined();
  });

  it.each([
    // IPv4: network address in the first block, broadcast in the last, of each CIDR
    [['10.0.0.0/24'], 26, true, '10.0.0.0/26', [0]],
    [['10.0.0.0/24'], 26, true, '10.0.0.64/26', []],
    [['10.0.0.0/24'], 26, true, '10.0.0.192/26', [63]],
    // one block is the whole CIDR: both ends in it
    [['10.0.0.0/26'], 26, true, '10.0.0.0/26', [0, 63]],
    // IPv6: only the Subnet-Router anycast address
    [['fd00::/120'], 122, true, 'fd00::/122', [0]],
    [['fd00::/120'], 122, true, 'fd00::c0/122', []],
    // RFC 3021 /31 and a single address: nothing reserved
    [['10.0.0.0/31'], 32, true, '10.0.0.0/32', []],
    // reserveEnds off
    [['10.0.0.0/24'], 26, false, '10.0.0.0/26', []],
  ] as const)('%j in /%i blocks (reserveEnds %s): %s reserves %j', (cidrs, size, ends, block, want) => {
    expect(geo([...cidrs], size, ends).reserved(Prefix.parse(block))).toEqual(want);
  });

  it('counts usable addresses', () => {
    expect(geo(['10.0.0.0/16'], 26).usableTotal()).toBe(65534n);
    expect(geo(['10.0.0.0/16', '10.9.0.0/31'], 31).usableTotal()).toBe(65536n);
    expect(geo(['fd00::/64'], 116).usableTotal()).toBe(2n ** 64n - 1n);
  });

  it('blockOf and offsets', () => {
    const g = geo(['10.244.0.0/16'], 26);
    const b = g.blockOf(Prefix.parse('10.244.3.70/32').addr)!;
    expect([b.toString(), g.offsetOf(b, Prefix.parse('10.244.3.70/32').addr), g.addrAt(b, 6).toString()]).toEqual([
      '10.244.3.64/26',
      6,
      '10.244.3.70',
    ]);
    expect(g.blockOf(Prefix.parse('10.245.0.1/32').addr)).toBeUndefined();
  });
});

describe('pool keys', () => {
  it.each([
    ['pods', true],
    ['pods-v6', true],
    ['a', true],
    // upper case
    ['Pods', false],
    // a slash would nest one pool under another
    ['pods/x', false],
    // a DNS label neither starts nor ends with "-"
    ['-pods', false],
    ['pods-', false],
    // longer than 63
    ['p'.repeat(64), false],
    // empty
    ['', false],
  ])('pool name %j: %s', (name, ok) => {
    expect(POOL_NAME.test(name)).toBe(ok);
  });

  it('lays keys out under pools/<name>', () => {
    const b = Prefix.parse('fd00::40/122');
    expect([poolKey('pods'), poolContentsPrefix('pods'), blockKey('pods', b)]).toEqual(['pools/pods', 'pools/pods/', 'pools/pods/blocks/fd00::40/122']);
    expect(parseBlockKey('pods', 'pools/pods/blocks/fd00::40/122')?.toString()).toBe('fd00::40/122');
    expect(parseBlockKey('pods', 'pools/pods/blocks/FD00::40/122')).toBeUndefined(); // not canonical
    expect(parseBlockKey('pods', 'pools/other/blocks/10.0.0.0/26')).toBeUndefined();
  });
});

describe('pool records', () => {
  it('round-trips the pool definition', () => {
    const def = { cidrs: ['10.244.0.0/16'], blockSize: 26, reserveEnds: true };
    expect(decodePool('t', 'pools/pods', encodePool(def))).toEqual(def);
  });

  it('round-trips any valid block record', () => {
    const g = geo(['10.0.0.0/24'], 26);
    const block = Prefix.parse('10.0.0.0/26');
    const name = fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 63 }), { maxLength: 20 }),
        fc.array(fc.tuple(name, name), { minLength: 20, maxLength: 20 }),
        fc.option(name, { nil: undefined }),
        fc.nat(1000),
        (offsets, labels, node, extra) => {
          const allocations = new Map(offsets.map((off, i) => [off, { owner: labels[i]![0], node: labels[i]![1], seq: i + 1 }]));
          const r: BlockRecord = { cidr: block.toString(), node, seq: offsets.length + extra, allocations };
          const back = decodeBlock('t', 'k', encodeBlock(r), block.toString(), g.reserved(block), g);
          expect(back).toEqual(r);
        },
      ),
    );
  });
});

describe('backoffDelay', () => {
  it('stays within the doubling ceiling, capped at maxMs', () => {
    const p = { attempts: 10, baseMs: 5, maxMs: 100 };
    expect([1, 2, 3, 4, 5, 6, 30].map((a) => backoffDelay(a, p, () => 0.999999))).toEqual([5, 10, 20, 40, 80, 100, 100]);
    expect(backoffDelay(3, p, () => 0)).toBe(0);
    expect(backoffDelay(1, DEFAULT_RETRY, () => 0.5)).toBe(3);
  });
});
