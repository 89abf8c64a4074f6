import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addr, prefix } from '../test/arbitraries.js';
import { trieStats } from './internal/trie-stats.js';
import { Addr, InvalidArgumentError, Prefix, PrefixTrie } from './index.js';

const P = (s: string) => Prefix.parse(s);
const A = (s: string) => Addr.parse(s);
const show = (entries: Iterable<[Prefix, unknown]>) => [...entries].map(([p, v]) => `${p} ${String(v)}`);

/**
 * Prefixes over a small space, so that random keys nest, collide and share long paths. Each key sets some bits of
 * one small group of positions on both sides of a 32-bit word boundary, and its length falls just before, on or
 * after one of them (or is 0 or the maximum); keys of one group agree on every bit before it, so they branch deep.
 * A third of them keep their host bits, to exercise key normalization.
 */
function smallPrefix(family: 4 | 6): fc.Arbitrary<Prefix> {
  const max = family === 4 ? 32 : 128;
  const groups = family === 4 ? [[0, 1, 7, 8], [15, 16, 30, 31]] : [[0, 1, 31, 32], [63, 64, 65], [95, 96, 97, 127]];
  return fc
    .constantFrom(...groups)
    .chain((g) =>
      fc.tuple(
        fc.constant(g),
        fc.array(fc.boolean(), { minLength: g.length, maxLength: g.length }),
        fc.constantFrom(0, max, ...g, ...g.map((b) => b + 1)),
        fc.integer({ min: 0, max: 2 }),
      ),
    )
    .map(([g, set, bits, raw]) => {
      const a = Addr.fromBigInt(g.reduce((v, b, i) => (set[i] ? v | (1n << BigInt(max - 1 - b)) : v), 0n), family);
      return raw === 0 ? Prefix.from(a, bits) : a.prefix(bits);
    });
}

const smallKey = fc.oneof(smallPrefix(4), smallPrefix(6));
const smallAddr = smallKey.map((p) => p.addr);
/** Distinct keys; `size: 'max'` because fast-check otherwise keeps arrays to about ten elements. */
const keyList = fc.uniqueArray(smallKey, { selector: (p) => String(p.masked()), maxLength: 40, size: 'max' });

/** The brute-force model: an array of [masked prefix, value] scanned linearly. */
type Model = [Prefix, number][];

const byLength = (a: [Prefix, number], b: [Prefix, number]) => a[0].bits - b[0].bits;
const byPrefix = (a: [Prefix, number], b: [Prefix, number]) => Prefix.compare(a[0], b[0]);

function containing(model: Model, x: Addr | Prefix): Model {
  return model.filter(([p]) => (x instanceof Addr ? p.contains(x) : p.containsPrefix(x))).sort(byLength);
}

const command = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('set' as const), p: smallKey, v: fc.nat(9) }) },
  fc.record({ op: fc.constant('delete' as const), p: smallKey }),
  fc.record({ op: fc.constant('get' as const), p: smallKey }),
  fc.record({ op: fc.constant('longestMatch' as const), x: fc.oneof(smallKey, smallAddr) }),
  fc.record({ op: fc.constant('covering' as const), p: smallKey }),
  fc.record({ op: fc.constant('covered' as const), p: smallKey }),
);

describe('PrefixTrie', () => {
  it('follows the contract example', () => {
    const routes = new PrefixTrie<string>().set(P('10.0.0.0/8'), 'corp').set(P('10.96.0.0/12'), 'services');
    expect(show([routes.longestMatch(A('10.96.0.10'))!])).toEqual(['10.96.0.0/12 services']);
    expect(routes.covering(P('10.96.1.0/24')).map(([p]) => String(p))).toEqual(['10.0.0.0/8', '10.96.0.0/12']);
  });

  it('starts empty', () => {
    const t = new PrefixTrie<number>();
    expect(t.size).toBe(0);
    expect([...t]).toEqual([]);
    expect(t.get(P('0.0.0.0/0'))).toBeUndefined();
    expect(t.longestMatch(A('10.0.0.1'))).toBeUndefined();
    expect(t.covered(P('::/0'))).toEqual([]);
    expect(t.delete(P('::/0'))).toBe(false);
  });

  it('masks keys: host bits are ignored on the way in and on lookups', () => {
    const t = new PrefixTrie<string>().set(Prefix.from(A('10.1.2.3'), 8), 'a');
    expect([...t.keys()].map(String)).toEqual(['10.0.0.0/8']);
    expect(t.get(P('10.0.0.0/8'))).toBe('a');
    expect(t.get(Prefix.from(A('10.9.9.9'), 8))).toBe('a');
    expect(t.set(P('10.0.0.0/8'), 'b').size).toBe(1);
    expect(t.delete(Prefix.from(A('10.255.0.0'), 8))).toBe(true);
    expect(t.size).toBe(0);
  });

  it('tells a stored undefined from a missing entry', () => {
    const t = new PrefixTrie<string | undefined>().set(P('10.0.0.0/8'), undefined);
    expect(t.has(P('10.0.0.0/8'))).toBe(true);
    expect(t.has(P('10.0.0.0/9'))).toBe(false);
    expect(show(t.covering(A('10.1.1.1')))).toEqual(['10.0.0.0/8 undefined']);
  });

  it('does not count value-less branch nodes as entries', () => {
    // 10.0.0.0/8 and 11.0.0.0/8 hang under a branch at 10.0.0.0/7, which is no entry.
    const t = new PrefixTrie([
      [P('10.0.0.0/8'), 1],
      [P('11.0.0.0/8'), 2],
    ]);
    expect(t._nodeCount()).toBe(3);
    expect(t.has(P('10.0.0.0/7'))).toBe(false);
    expect(t.get(P('10.0.0.0/7'))).toBeUndefined();
    expect(t.delete(P('10.0.0.0/7'))).toBe(false);
    expect(t.longestMatch(P('10.0.0.0/7'))).toBeUndefined();
    expect(t.size).toBe(2);
    // Setting the branch's own prefix turns it into an entry without a new node.
    t.set(P('10.0.0.0/7'), 0);
    expect([t.size, t._nodeCount()]).toEqual([3, 3]);
  });

  const table = new PrefixTrie<string>([
    [P('0.0.0.0/0'), 'default'],
    [P('10.0.0.0/8'), 'corp'],
    [P('10.96.0.0/12'), 'services'],
    [P('10.96.0.0/24'), 'dns'],
    [P('10.244.0.0/16'), 'pods'],
    [P('::/0'), 'default6'],
    [P('2001:db8::/32'), 'doc'],
    [P('2001:db8:0:1::/64'), 'node1'],
    [P('::ffff:0:0/96'), 'mapped'],
  ]);

  it.each([
    ['10.96.0.10', '10.96.0.0/24 dns'],
    ['10.96.1.10', '10.96.0.0/12 services'],
    ['10.1.2.3', '10.0.0.0/8 corp'],
    ['8.8.8.8', '0.0.0.0/0 default'],
    ['2001:db8:0:1::5', '2001:db8:0:1::/64 node1'],
    ['2001:db8:0:2::5', '2001:db8::/32 doc'],
    ['2001:db9::', '::/0 default6'],
    ['::ffff:10.96.0.10', '::ffff:0.0.0.0/96 mapped'], // an IPv4-mapped address stays IPv6
  ])('longestMatch(%s) is %s', (a, want) => {
    expect(show([table.longestMatch(A(a))!])).toEqual([want]);
  });

  it.each([
    ['10.96.0.0/24', '10.96.0.0/24 dns'], // the prefix itself is an entry
    ['10.96.0.0/20', '10.96.0.0/12 services'], // inside /12, contains /24
    ['10.0.0.0/7', '0.0.0.0/0 default'], // wider than every entry but the default
    ['2001:db8::/31', '::/0 default6'],
  ])('longestMatch(%s) for a prefix is %s', (p, want) => {
    expect(show([table.longestMatch(P(p))!])).toEqual([want]);
  });

  it('never mixes families and never matches a zoned address', () => {
    const t = new PrefixTrie([[P('0.0.0.0/0'), 4]]);
    expect(t.longestMatch(A('::'))).toBeUndefined();
    expect(t.longestMatch(A('::ffff:10.0.0.1'))).toBeUndefined();
    expect(t.get(P('::/0'))).toBeUndefined();
    expect(table.longestMatch(A('fe80::1%eth0'))).toBeUndefined();
    expect(table.covering(A('fe80::1%eth0'))).toEqual([]);
    expect(show([table.longestMatch(A('fe80::1'))!])).toEqual(['::/0 default6']);
  });

  it('covering lists the containing entries shortest first', () => {
    const outer = ['0.0.0.0/0 default', '10.0.0.0/8 corp', '10.96.0.0/12 services'];
    expect(show(table.covering(A('10.96.0.53')))).toEqual([...outer, '10.96.0.0/24 dns']);
    expect(show(table.covering(P('10.96.0.0/12')))).toEqual(outer);
    expect(show(table.covering(P('2001:db8::/63')))).toEqual(['::/0 default6', '2001:db8::/32 doc']);
  });

  it('covered lists the entries inside a prefix in order', () => {
    expect(show(table.covered(P('10.0.0.0/8')))).toEqual([
      '10.0.0.0/8 corp',
      '10.96.0.0/12 services',
      '10.96.0.0/24 dns',
      '10.244.0.0/16 pods',
    ]);
    expect(show(table.covered(P('10.0.0.0/9')))).toEqual(['10.96.0.0/12 services', '10.96.0.0/24 dns']);
    expect(show(table.covered(P('10.128.0.0/9')))).toEqual(['10.244.0.0/16 pods']);
    expect(show(table.covered(P('2001::/16')))).toEqual(['2001:db8::/32 doc', '2001:db8:0:1::/64 node1']);
    expect(table.covered(P('10.96.0.0/25'))).toEqual([]);
    expect(table.covered(P('11.0.0.0/8'))).toEqual([]);
  });

  it('iterates in Prefix.compare order: IPv4 first, by address, shorter first', () => {
    const want = [
      '0.0.0.0/0 default',
      '10.0.0.0/8 corp',
      '10.96.0.0/12 services',
      '10.96.0.0/24 dns',
      '10.244.0.0/16 pods',
      '::/0 default6',
      '::ffff:0.0.0.0/96 mapped',
      '2001:db8::/32 doc',
      '2001:db8:0:1::/64 node1',
    ];
    expect(show(table)).toEqual(want);
    expect(show(table.entries())).toEqual(want);
    expect([...table.keys()].map(String)).toEqual(want.map((s) => s.split(' ')[0]));
    expect([...table.values()]).toEqual(want.map((s) => s.split(' ')[1]));
    expect(table.size).toBe(want.length);
  });

  it('clear removes everything', () => {
    const t = new PrefixTrie(table);
    t.clear();
    expect([t.size, t._nodeCount(), [...t]]).toEqual([0, 0, []]);
    expect(t.set(P('10.0.0.0/8'), 'again').size).toBe(1);
  });

  it('rejects arguments that are not prefixes, and is unchanged after the failed call', () => {
    const t = new PrefixTrie(table);
    const bad = ['10.0.0.0/8', undefined, A('10.0.0.1')];
    for (const b of bad) {
      expect(() => t.set(b as unknown as Prefix, 'x')).toThrow(InvalidArgumentError);
      expect(() => t.delete(b as unknown as Prefix)).toThrow(InvalidArgumentError);
      expect(() => t.get(b as unknown as Prefix)).toThrow(InvalidArgumentError);
      expect(() => t.covered(b as unknown as Prefix)).toThrow(InvalidArgumentError);
    }
    expect(() => t.set('10.0.0.0/8' as unknown as Prefix, 'x')).toThrow('PrefixTrie.set: "10.0.0.0/8" is not a Prefix');
    expect(() => t.longestMatch('10.0.0.1' as unknown as Addr)).toThrow('PrefixTrie.longestMatch: "10.0.0.1" is not an address or a prefix');
    expect(() => t.covering(7 as unknown as Addr)).toThrow(InvalidArgumentError);
    expect(show(t)).toEqual(show(table));
  });

  it('agrees with a brute-force model over random command sequences (property)', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 80, size: 'max' }), (commands) => {
        const t = new PrefixTrie<number>();
        const model: Model = [];
        for (const c of commands) {
          switch (c.op) {
            case 'set': {
              const key = c.p.masked();
              const i = model.findIndex(([p]) => p.equals(key));
              if (i < 0) model.push([key, c.v]);
              else model[i] = [key, c.v];
              expect(t.set(c.p, c.v)).toBe(t);
              break;
            }
            case 'delete': {
              const i = model.findIndex(([p]) => p.equals(c.p.masked()));
              if (i >= 0) model.splice(i, 1);
              expect(t.delete(c.p)).toBe(i >= 0);
              break;
            }
            case 'get': {
              const hit = model.find(([p]) => p.equals(c.p.masked()));
              expect(t.get(c.p)).toBe(hit?.[1]);
              expect(t.has(c.p)).toBe(hit !== undefined);
              break;
            }
            case 'longestMatch':
              expect(t.longestMatch(c.x)).toEqual(containing(model, c.x).at(-1));
              break;
            case 'covering':
              expect(t.covering(c.p)).toEqual(containing(model, c.p));
              break;
            case 'covered':
              expect(t.covered(c.p)).toEqual(model.filter(([p]) => c.p.containsPrefix(p)).sort(byPrefix));
              break;
          }
          expect(t.size).toBe(model.length);
          expect([...t]).toEqual([...model].sort(byPrefix));
        }
      }),
    );
  });

  it('is after deletions exactly as compact as a trie built fresh (property)', () => {
    fc.assert(
      fc.property(keyList, fc.array(fc.nat(), { maxLength: 40, size: 'max' }), (keys, picks) => {
        const t = new PrefixTrie(keys.map((k, i) => [k, i]));
        const kept = [...t.keys()];
        expect(kept).toEqual(keys.map((k) => k.masked()).sort(Prefix.compare));
        for (const pick of picks) {
          if (kept.length === 0) break;
          const [gone] = kept.splice(pick % kept.length, 1);
          expect(t.delete(gone!)).toBe(true);
          const fresh = new PrefixTrie(kept.map((k) => [k, 0]));
          expect(t._nodeCount()).toBe(fresh._nodeCount());
          // A value-less node has two children, so a family's n entries need at most 2n − 1 nodes.
          expect(t._nodeCount()).toBeLessThanOrEqual(2 * t.size);
        }
      }),
    );
  });

  it('builds the same shape whatever the insertion order (property)', () => {
    const twoOrders = keyList.chain((ks) => fc.tuple(fc.constant(ks), fc.shuffledSubarray(ks, { minLength: ks.length })));
    fc.assert(
      fc.property(twoOrders, ([ks, shuffled]) => {
        const a = new PrefixTrie(ks.map((k) => [k, 0]));
        const b = new PrefixTrie(shuffled.map((k) => [k, 0]));
        expect(a._nodeCount()).toBe(b._nodeCount());
        expect([...a.keys()]).toEqual([...b.keys()]);
      }),
    );
  });

  it('visits at most bitLength + 1 nodes per lookup (property)', () => {
    const key = fc.oneof(smallKey, prefix);
    fc.assert(
      fc.property(fc.array(key, { maxLength: 80, size: 'max' }), key, fc.oneof(smallAddr, addr), (keys, p, a) => {
        const t = new PrefixTrie(keys.map((k) => [k, 0]));
        const bound = (x: Addr | Prefix) => (x instanceof Addr ? x.bitLength : x.addr.bitLength) + 1;
        const calls: [Addr | Prefix, () => unknown][] = [
          [a, () => t.longestMatch(a)],
          [a, () => t.covering(a)],
          [p, () => t.longestMatch(p)],
          [p, () => t.covering(p)],
          [p, () => t.covered(p)],
          [p, () => t.get(p)],
          [p, () => t.has(p)],
          [p, () => t.set(p, 1)],
          [p, () => t.delete(p)],
        ];
        for (const [x, call] of calls) {
          trieStats.visits = 0;
          call();
          expect(trieStats.visits).toBeLessThanOrEqual(bound(x));
        }
      }),
    );
  });

  it.each([
    ['IPv4', '10.96.0.10', 32],
    ['IPv6', '2001:db8::a', 128],
  ])('reaches the bound on a chain of every length (%s)', (_, s, max) => {
    const a = A(s);
    const t = new PrefixTrie(Array.from({ length: max + 1 }, (__, bits) => [a.prefix(bits), bits] as [Prefix, number]));
    trieStats.visits = 0;
    expect(t.covering(a).map(([, v]) => v)).toEqual(Array.from({ length: max + 1 }, (__, i) => i));
    expect(trieStats.visits).toBe(max + 1);
  });
});
