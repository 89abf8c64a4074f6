import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addr, prefix, rawPrefix } from '../test/arbitraries.js';
import { Addr, InvalidArgumentError, IPRange, IPSet, IPSetBuilder, ParseError, Prefix, summarize } from './index.js';

const TWO32 = 1n << 32n;
const TWO128 = 1n << 128n;

// ---------------------------------------------------------------------------------------------------------------
// A brute-force model over a small space: one IPv4 /24 and one IPv6 /120 window, placed at either end of their
// address space or inside it. Sets are built only from items inside the windows, so outside them a family is
// either wholly in the set (after a complement) or wholly out: the model keeps the members inside the windows as
// plain numbers (IPv4 offset k as k, IPv6 offset k as 256 + k) and one flag per family for the rest.
// ---------------------------------------------------------------------------------------------------------------

interface Windows {
  readonly b4: bigint;
  readonly b6: bigint;
}

interface Model {
  readonly inside: ReadonlySet<number>;
  readonly out4: boolean;
  readonly out6: boolean;
}

const windows = fc.record({
  b4: fc.constantFrom(0n, 0x0a000000n, 0xffffff00n),
  b6: fc.constantFrom(0n, 0x20010db8n << 96n, TWO128 - 256n),
});

/** An item inside a window: an address, a prefix of /24…/32 (/120…/128), possibly with host bits, or a range. */
interface Item {
  readonly kind: 'addr' | 'prefix' | 'raw-prefix' | 'range';
  readonly v6: boolean;
  readonly a: number;
  readonly b: number;
  readonly host: number;
}

const item: fc.Arbitrary<Item> = fc.record({
  kind: fc.constantFrom('addr', 'prefix', 'raw-prefix', 'range'),
  v6: fc.boolean(),
  a: fc.nat(255),
  b: fc.nat(255),
  host: fc.nat(8),
});
const items = fc.array(item, { maxLength: 5 });

type Op =
  | { readonly op: 'add' | 'remove'; readonly item: Item }
  | { readonly op: 'addSet' | 'removeSet' | 'intersect'; readonly items: readonly Item[] }
  | { readonly op: 'complement' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constantFrom('add' as const, 'remove' as const), item }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('addSet' as const, 'removeSet' as const, 'intersect' as const), items }) },
  { weight: 1, arbitrary: fc.constant({ op: 'complement' as const }) },
);
const ops = fc.array(op, { maxLength: 12 });

const ALL_KEYS = Array.from({ length: 512 }, (_, k) => k);
const addrCache = new Map<string, Addr[]>();

/** addrAt returns the address with the given model key. */
function addrAt(w: Windows, key: number): Addr {
  const id = `${w.b4} ${w.b6}`;
  let addrs = addrCache.get(id);
  if (addrs === undefined) {
    addrs = ALL_KEYS.map((k) => (k < 256 ? Addr.fromBigInt(w.b4 + BigInt(k), 4) : Addr.fromBigInt(w.b6 + BigInt(k - 256), 6)));
    addrCache.set(id, addrs);
  }
  return addrs[key]!;
}

/** value makes the item as an Addr, Prefix or IPRange. */
function value(w: Windows, it: Item): Addr | Prefix | IPRange {
  const at = (k: number) => addrAt(w, k + (it.v6 ? 256 : 0));
  const bits = (it.v6 ? 128 : 32) - it.host;
  switch (it.kind) {
    case 'addr':
      return at(it.a);
    case 'prefix':
      return at(it.a).prefix(bits);
    case 'raw-prefix':
      return Prefix.from(at(it.a), bits);
    case 'range':
      return IPRange.from(at(Math.min(it.a, it.b)), at(Math.max(it.a, it.b)));
  }
}

/** keys returns the model keys of the addresses of an item, by enumeration. */
function keys(it: Item): number[] {
  let lo = it.a;
  let hi = it.a;
  if (it.kind === 'prefix' || it.kind === 'raw-prefix') {
    lo = it.a - (it.a % 2 ** it.host);
    hi = lo + 2 ** it.host - 1;
  } else if (it.kind === 'range') {
    lo = Math.min(it.a, it.b);
    hi = Math.max(it.a, it.b);
  }
  const off = it.v6 ? 256 : 0;
  return Array.from({ length: hi - lo + 1 }, (_, i) => off + lo + i);
}

function modelOf(its: readonly Item[]): Model {
  return { inside: new Set(its.flatMap(keys)), out4: false, out6: false };
}

const model = {
  union: (a: Model, b: Model): Model => ({ inside: new Set([...a.inside, ...b.inside]), out4: a.out4 || b.out4, out6: a.out6 || b.out6 }),
  intersect: (a: Model, b: Model): Model => ({ inside: new Set([...a.inside].filter((k) => b.inside.has(k))), out4: a.out4 && b.out4, out6: a.out6 && b.out6 }),
  difference: (a: Model, b: Model): Model => ({ inside: new Set([...a.inside].filter((k) => !b.inside.has(k))), out4: a.out4 && !b.out4, out6: a.out6 && !b.out6 }),
  complement: (a: Model): Model => ({ inside: new Set(ALL_KEYS.filter((k) => !a.inside.has(k))), out4: !a.out4, out6: !a.out6 }),
  size: (m: Model, family?: 4 | 6): bigint => {
    const n4 = BigInt([...m.inside].filter((k) => k < 256).length) + (m.out4 ? TWO32 - 256n : 0n);
    const n6 = BigInt([...m.inside].filter((k) => k >= 256).length) + (m.out6 ? TWO128 - 256n : 0n);
    return family === 4 ? n4 : family === 6 ? n6 : n4 + n6;
  },
};

function addItem(b: IPSetBuilder, x: Addr | Prefix | IPRange): IPSetBuilder {
  return x instanceof Addr ? b.add(x) : x instanceof Prefix ? b.addPrefix(x) : b.addRange(x);
}

function removeItem(b: IPSetBuilder, x: Addr | Prefix | IPRange): IPSetBuilder {
  return x instanceof Addr ? b.remove(x) : x instanceof Prefix ? b.removePrefix(x) : b.removeRange(x);
}

/** apply runs the operations on a builder and on the model. */
function apply(w: Windows, list: readonly Op[], b = new IPSetBuilder()): { b: IPSetBuilder; m: Model } {
  let m: Model = { inside: new Set(), out4: false, out6: false };
  for (const o of list) {
    if ('item' in o) {
      if (o.op === 'add') addItem(b, value(w, o.item));
      else removeItem(b, value(w, o.item));
      m = (o.op === 'add' ? model.union : model.difference)(m, modelOf([o.item]));
    } else if ('items' in o) {
      const s = IPSet.from(o.items.map((it) => value(w, it)));
      const sm = modelOf(o.items);
      if (o.op === 'addSet') b.addSet(s);
      else if (o.op === 'removeSet') b.removeSet(s);
      else b.intersect(s);
      m = o.op === 'addSet' ? model.union(m, sm) : o.op === 'removeSet' ? model.difference(m, sm) : model.intersect(m, sm);
    } else {
      b.complement();
      m = model.complement(m);
    }
  }
  return { b, m };
}

/** A set over the windows, with its model. */
const windowSets = windows.chain((w) => fc.tuple(ops, ops).map(([x, y]) => ({ w, a: apply(w, x), c: apply(w, y) })));

/** expectModel checks a set against the model: every window address, addresses outside, and the sizes. */
function expectModel(w: Windows, s: IPSet, m: Model): void {
  for (const k of ALL_KEYS) {
    if (s.contains(addrAt(w, k)) !== m.inside.has(k)) expect.fail(`contains(${addrAt(w, k)}) should be ${m.inside.has(k)}`);
  }
  const outside4 = [w.b4 - 1n, w.b4 + 256n, w.b4 === 0n ? 0xffffffffn : 0n].filter((v) => v >= 0n && v < TWO32);
  const outside6 = [w.b6 - 1n, w.b6 + 256n, w.b6 === 0n ? TWO128 - 1n : 0n].filter((v) => v >= 0n && v < TWO128);
  for (const v of outside4) expect(s.contains(Addr.fromBigInt(v, 4))).toBe(m.out4);
  for (const v of outside6) expect(s.contains(Addr.fromBigInt(v, 6))).toBe(m.out6);
  expect(s.size).toBe(model.size(m));
  expect(s.sizeOf(4)).toBe(model.size(m, 4));
  expect(s.sizeOf(6)).toBe(model.size(m, 6));
  expect(s.isEmpty()).toBe(model.size(m) === 0n);
  expectNormalized(s);
}

/** expectNormalized checks the normal form: ranges sorted, disjoint, not adjacent; prefixes minimal. */
function expectNormalized(s: IPSet): void {
  const rs = s.ranges();
  for (let i = 1; i < rs.length; i++) {
    const [p, q] = [rs[i - 1]!, rs[i]!];
    if (p.family === q.family) expect(p.last().next()!.compare(q.first())).toBeLessThan(0);
    else expect([p.family, q.family]).toEqual([4, 6]);
  }
  const ps = s.prefixes();
  expect(summarize(ps)).toEqual(ps);
  expect(ps.reduce((n, p) => n + p.size, 0n)).toBe(s.size);
}

/** Random sets over the whole space, from prefixes and ranges of both families. */
const anyRange = fc.tuple(addr, addr).filter(([a, b]) => a.family === b.family).map(([a, b]) => (a.compare(b) <= 0 ? IPRange.from(a, b) : IPRange.from(b, a)));
const anySet = fc.array(fc.oneof(prefix, rawPrefix, anyRange, addr), { maxLength: 8 }).map((xs) => IPSet.from(xs));

function complement(s: IPSet): IPSet {
  return new IPSetBuilder().addSet(s).complement().build();
}

describe('IPSet (contract)', () => {
  it('runs the contract example', () => {
    const set = new IPSetBuilder()
      .addPrefix(Prefix.parse('10.0.0.0/8'))
      .removePrefix(Prefix.parse('10.96.0.0/12'))
      .build();
    expect(set.prefixes().map(String)).toEqual(['10.0.0.0/10', '10.64.0.0/11', '10.112.0.0/12', '10.128.0.0/9']);
    expect(set.ranges().map(String)).toEqual(['10.0.0.0-10.95.255.255', '10.112.0.0-10.255.255.255']);
    expect(set.contains(Addr.parse('10.100.0.1'))).toBe(false);
    expect(set.contains(Addr.parse('10.95.255.255'))).toBe(true);
    expect(set.size).toBe(2n ** 24n - 2n ** 20n);
    const other = IPSet.from(['10.96.0.0/12', '2001:db8::/32']);
    expect(set.union(other).ranges().map(String)).toEqual(['10.0.0.0-10.255.255.255', '2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff']);
    expect(set.intersect(other).isEmpty()).toBe(true);
    expect(set.union(other).difference(set).equals(other)).toBe(true);
  });

  it('runs the doc comment examples', () => {
    const set = new IPSetBuilder().addPrefix(Prefix.parse('10.0.0.0/24')).remove(Addr.parse('10.0.0.0')).build();
    expect(set.ranges().map(String)).toEqual(['10.0.0.1-10.0.0.255']);
  });
});

describe('IPSetBuilder', () => {
  it('agrees with the brute-force model after any sequence of changes (property)', () => {
    fc.assert(
      fc.property(windowSets, ({ w, a: { b, m } }) => {
        expectModel(w, b.build(), m);
      }),
      { numRuns: 150 },
    );
  });

  it('applies changes in order: a removal does not reach later additions', () => {
    const ten = Prefix.parse('10.0.0.0/24');
    expect(new IPSetBuilder().removePrefix(ten).addPrefix(ten).build().prefixes().map(String)).toEqual(['10.0.0.0/24']);
    expect(new IPSetBuilder().addPrefix(ten).removePrefix(ten).build().isEmpty()).toBe(true);
    expect(
      new IPSetBuilder().addPrefix(ten).remove(Addr.parse('10.0.0.7')).add(Addr.parse('10.0.0.7')).remove(Addr.parse('10.0.0.8')).build().toJSON(),
    ).toEqual(['10.0.0.0/29', '10.0.0.9-10.0.0.255']);
  });

  it('stays usable after build, and later changes do not reach built sets', () => {
    const b = new IPSetBuilder().addPrefix(Prefix.parse('10.0.0.0/24'));
    const first = b.build();
    b.remove(Addr.parse('10.0.0.1')).addPrefix(Prefix.parse('192.168.0.0/16'));
    const second = b.build();
    b.complement();
    const third = b.build();
    expect(first.toJSON()).toEqual(['10.0.0.0/24']);
    expect(second.toJSON()).toEqual(['10.0.0.0/32', '10.0.0.2-10.0.0.255', '192.168.0.0/16']);
    expect(third.contains(Addr.parse('10.0.0.1'))).toBe(true);
    expect(third.equals(complement(second))).toBe(true);
  });

  it('complements within the whole space of both families, as netipx does', () => {
    const all = new IPSetBuilder().complement().build();
    expect(all.toJSON()).toEqual(['0.0.0.0/0', '::/0']);
    expect(all.size).toBe(TWO32 + TWO128);
    const v4 = new IPSetBuilder().addPrefix(Prefix.parse('0.0.0.0/1')).complement().build();
    expect(v4.toJSON()).toEqual(['128.0.0.0/1', '::/0']);
  });

  it('rejects addresses with zones: sets hold no zones', () => {
    const zoned = Addr.parse('fe80::1%eth0');
    expect(() => new IPSetBuilder().add(zoned)).toThrow(InvalidArgumentError);
    expect(() => new IPSetBuilder().add(zoned)).toThrow('IPSetBuilder.add: IPv6 zones cannot be present in a set ("fe80::1%eth0")');
    expect(() => new IPSetBuilder().remove(zoned)).toThrow('IPSetBuilder.remove: IPv6 zones cannot be present in a set');
  });

  it('normalizes thousands of additions in one batch (property)', () => {
    // Past a thousand IPv4 values the builder sorts with a radix sort: check it at the edges of the space.
    const edge = fc.oneof(prefix, fc.constantFrom(...['0.0.0.0/32', '255.255.255.255/32', '0.0.0.0/0', '128.0.0.0/1', '127.255.255.255/32'].map((s) => Prefix.parse(s))));
    fc.assert(
      fc.property(fc.array(edge, { minLength: 1000, maxLength: 1500 }), (ps) => {
        const s = IPSet.from(ps);
        expectNormalized(s);
        for (const p of ps) expect(s.containsPrefix(p)).toBe(true);
        // The same set by another path: small batches (built-in sort) joined by union.
        const batches = Array.from({ length: Math.ceil(ps.length / 100) }, (_, i) => IPSet.from(ps.slice(100 * i, 100 * i + 100)));
        expect(s.equals(batches.reduce((acc, b) => acc.union(b)))).toBe(true);
      }),
      { numRuns: 3, endOnFailure: true },
    );
  });
});

describe('IPSet.from', () => {
  it('reads addresses, prefixes and ranges, as values or strings, of both families', () => {
    const s = IPSet.from(['10.0.0.1-10.0.0.6', '10.0.0.0/32', Addr.parse('10.0.0.7'), '2001:db8::1', Prefix.parse('2001:db8::/127'), IPRange.parse('::1-::2')]);
    expect(s.toJSON()).toEqual(['10.0.0.0/29', '::1-::2', '2001:db8::/127']);
    expect(IPSet.from([]).equals(IPSet.empty())).toBe(true);
    expect(IPSet.from(new Set(['10.0.0.0/8'])).size).toBe(1n << 24n);
  });

  it('clears host bits of prefixes made with Prefix.from', () => {
    expect(IPSet.from([Prefix.from(Addr.parse('10.1.2.3'), 8)]).toJSON()).toEqual(['10.0.0.0/8']);
  });

  it.each([
    ['10.0.0.0/33', ParseError, 'Prefix.parse("10.0.0.0/33"): prefix length out of range for IPv4 (0…32)'],
    ['10.0.0.1/24', ParseError, 'Prefix.parse("10.0.0.1/24"): host bits set'],
    ['10.0.0.2-10.0.0.1', ParseError, 'IPRange.parse("10.0.0.2-10.0.0.1"): first address is after last address'],
    ['10.0.0.256', ParseError, 'Addr.parse("10.0.0.256"): IPv4 field has value >255'],
    ['fe80::1%eth0', InvalidArgumentError, 'IPSetBuilder.add: IPv6 zones cannot be present in a set'],
    [42, InvalidArgumentError, 'IPSet.from: 42 is not an address, prefix, range or string'],
  ])('rejects %j', (x, type, message) => {
    const f = () => IPSet.from([x as string]);
    expect(f).toThrow(type);
    expect(f).toThrow(message);
  });
});

describe('IPSet algebra', () => {
  it('union, intersect and difference agree with the brute-force model (property)', () => {
    fc.assert(
      fc.property(windowSets, ({ w, a, c }) => {
        const [x, y] = [a.b.build(), c.b.build()];
        expectModel(w, x.union(y), model.union(a.m, c.m));
        expectModel(w, x.intersect(y), model.intersect(a.m, c.m));
        expectModel(w, x.difference(y), model.difference(a.m, c.m));
        expect(x.overlapsSet(y)).toBe(model.size(model.intersect(a.m, c.m)) > 0n);
        expect(x.containsSet(y)).toBe(model.size(model.difference(c.m, a.m)) === 0n);
      }),
      { numRuns: 100 },
    );
  });

  it('obeys the laws of a Boolean algebra (property)', () => {
    fc.assert(
      fc.property(anySet, anySet, anySet, (a, b, c) => {
        expect(a.union(b).equals(b.union(a))).toBe(true);
        expect(a.intersect(b).equals(b.intersect(a))).toBe(true);
        expect(a.union(a).equals(a) && a.intersect(a).equals(a)).toBe(true);
        expect(a.union(b).union(c).equals(a.union(b.union(c)))).toBe(true);
        expect(a.intersect(b.union(c)).equals(a.intersect(b).union(a.intersect(c)))).toBe(true);
        expect(a.difference(b).intersect(b).isEmpty()).toBe(true);
        expect(a.difference(b).union(a.intersect(b)).equals(a)).toBe(true);
        expect(a.difference(b).equals(a.intersect(complement(b)))).toBe(true);
        // De Morgan, with the complement over both families.
        expect(complement(a.union(b)).equals(complement(a).intersect(complement(b)))).toBe(true);
        expect(complement(a.intersect(b)).equals(complement(a).union(complement(b)))).toBe(true);
        expect(complement(complement(a)).equals(a)).toBe(true);
        expect(a.union(complement(a)).size).toBe(TWO32 + TWO128);
        expect(a.union(b).size + a.intersect(b).size).toBe(a.size + b.size);
        expect(a.union(b).containsSet(a) && a.containsSet(a.intersect(b))).toBe(true);
        expect(a.overlapsSet(b)).toBe(!a.intersect(b).isEmpty());
        expectNormalized(a.union(b));
      }),
      { numRuns: 150 },
    );
  });

  it('the builder computes what the set operations compute (property)', () => {
    fc.assert(
      fc.property(anySet, anySet, (a, b) => {
        expect(new IPSetBuilder().addSet(a).addSet(b).build().equals(a.union(b))).toBe(true);
        expect(new IPSetBuilder().addSet(a).intersect(b).build().equals(a.intersect(b))).toBe(true);
        expect(new IPSetBuilder().addSet(a).removeSet(b).build().equals(a.difference(b))).toBe(true);
      }),
    );
  });
});

describe('IPSet queries', () => {
  it('answer containsPrefix, containsRange, overlapsPrefix and overlapsRange by the model (property)', () => {
    fc.assert(
      fc.property(windowSets, item, ({ w, a: { b, m } }, it) => {
        const s = b.build();
        const x = value(w, it);
        const ks = keys(it);
        const all = ks.every((k) => m.inside.has(k));
        const any = ks.some((k) => m.inside.has(k));
        if (x instanceof Prefix) {
          expect(s.containsPrefix(x)).toBe(all);
          expect(s.overlapsPrefix(x)).toBe(any);
        } else {
          const r = x instanceof IPRange ? x : IPRange.from(x, x);
          expect(s.containsRange(r)).toBe(all);
          expect(s.overlapsRange(r)).toBe(any);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('contains agrees with a linear scan of the ranges (property)', () => {
    fc.assert(
      fc.property(anySet, addr, (s, a) => {
        expect(s.contains(a)).toBe(s.ranges().some((r) => r.contains(a)));
      }),
    );
  });

  it('never contains an address with a zone, and keeps IPv4-mapped addresses apart from IPv4', () => {
    const s = IPSet.from(['fe80::/64', '10.0.0.0/8']);
    expect(s.contains(Addr.parse('fe80::1'))).toBe(true);
    expect(s.contains(Addr.parse('fe80::1%eth0'))).toBe(false);
    expect(s.contains(Addr.parse('::ffff:10.0.0.1'))).toBe(false);
  });

  it('counts huge IPv6 sets exactly', () => {
    expect(IPSet.from(['::/0']).size).toBe(TWO128);
    expect(IPSet.from(['::/0']).sizeOf(4)).toBe(0n);
    expect(IPSet.from(['::/1', '8000::/1', '0.0.0.0/0']).size).toBe(TWO128 + TWO32);
    expect(IPSet.from(['::/0']).difference(IPSet.from(['::1'])).size).toBe(TWO128 - 1n);
    expect(() => IPSet.empty().sizeOf(5 as 4)).toThrow('IPSet.sizeOf: family must be 4 or 6, got 5');
  });
});

describe('IPSet.removeFreePrefix', () => {
  it('takes the lowest-addressed free prefix (first fit), where netipx takes the smallest block that fits', () => {
    const s = IPSet.from(['10.0.0.0/24', '10.0.1.0/30']);
    const got = s.removeFreePrefix(30, 4);
    expect(got?.prefix.toString()).toBe('10.0.0.0/30');
    expect(got?.rest.toJSON()).toEqual(['10.0.0.4-10.0.1.3']);
    expect(IPSet.from(['10.0.0.1-10.0.0.255']).removeFreePrefix(30, 4)?.prefix.toString()).toBe('10.0.0.4/30');
  });

  it('handles the whole space and huge IPv6 sets', () => {
    const all = new IPSetBuilder().complement().build();
    expect(all.removeFreePrefix(0, 4)?.rest.toJSON()).toEqual(['::/0']);
    expect(all.removeFreePrefix(0, 6)?.rest.toJSON()).toEqual(['0.0.0.0/0']);
    const v6 = IPSet.from(['2001:db8::/32']).removeFreePrefix(64, 6)!;
    expect(v6.prefix.toString()).toBe('2001:db8::/64');
    expect(v6.rest.size).toBe(2n ** 96n - 2n ** 64n);
    expect(IPSet.from(['2001:db8::/32']).removeFreePrefix(31, 6)).toBeUndefined();
    expect(IPSet.from(['10.0.0.0/8']).removeFreePrefix(64, 6)).toBeUndefined();
  });

  it('rejects a bad family or prefix length', () => {
    expect(() => IPSet.empty().removeFreePrefix(33, 4)).toThrow('IPSet.removeFreePrefix: prefix length 33 is not an integer in 0…32');
    expect(() => IPSet.empty().removeFreePrefix(1.5, 6)).toThrow(InvalidArgumentError);
    expect(() => IPSet.empty().removeFreePrefix(8, 0 as 4)).toThrow('IPSet.removeFreePrefix: family must be 4 or 6, got 0');
  });

  it('agrees with a brute-force search of aligned blocks (property)', () => {
    const adds = fc.array(fc.record({ op: fc.constantFrom('add' as const, 'remove' as const), item }), { maxLength: 10 });
    fc.assert(
      fc.property(windows, adds, fc.boolean(), fc.integer({ min: 0, max: 10 }), (w, list, v6, host) => {
        const { b, m } = apply(w, list);
        const s = b.build();
        const family = v6 ? 6 : 4;
        const bits = (v6 ? 128 : 32) - host;
        // Brute force: the first aligned block of the window whose addresses are all in the set (none past /24, /120).
        let want: number | undefined;
        for (let start = 0; host <= 8 && start < 256 && want === undefined; start += 2 ** host) {
          if (Array.from({ length: 2 ** host }, (_, i) => (v6 ? 256 : 0) + start + i).every((k) => m.inside.has(k))) want = start;
        }
        const got = s.removeFreePrefix(bits, family);
        if (want === undefined) {
          expect(got).toBeUndefined();
          return;
        }
        const p = addrAt(w, want + (v6 ? 256 : 0)).prefix(bits);
        expect(got?.prefix).toEqual(p);
        expect(got?.rest.equals(s.difference(IPSet.from([p])))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('IPSet JSON', () => {
  it('writes one string per range: CIDR when the range is one prefix, first-last otherwise', () => {
    const s = IPSet.from(['10.0.0.1-10.0.0.6', '10.0.0.8/29', '192.168.1.1', '2001:db8::/48', '::1-::2']);
    expect(s.toJSON()).toEqual(['10.0.0.1-10.0.0.6', '10.0.0.8/29', '192.168.1.1/32', '::1-::2', '2001:db8::/48']);
    expect(JSON.stringify(s)).toBe('["10.0.0.1-10.0.0.6","10.0.0.8/29","192.168.1.1/32","::1-::2","2001:db8::/48"]');
    expect(s.toString()).toBe('10.0.0.1-10.0.0.6, 10.0.0.8/29, 192.168.1.1/32, ::1-::2, 2001:db8::/48');
    expect(IPSet.empty().toJSON()).toEqual([]);
  });

  it('round-trips through JSON (property)', () => {
    fc.assert(
      fc.property(anySet, (s) => {
        expect(IPSet.fromJSON(JSON.parse(JSON.stringify(s)) as string[]).equals(s)).toBe(true);
      }),
    );
  });

  it.each([[{}], ['10.0.0.0/8'], [[1]], [null]])('fromJSON rejects %j', (json) => {
    expect(() => IPSet.fromJSON(json as string[])).toThrow(InvalidArgumentError);
    expect(() => IPSet.fromJSON(json as string[])).toThrow('IPSet.fromJSON: expected an array of strings');
  });
});
