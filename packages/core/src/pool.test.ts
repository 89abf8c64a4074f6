import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Outcome, PoolModel } from '../test/pool-model.js';
import {
  Addr,
  IPSet,
  IpamError,
  Pool,
  PoolConflictError,
  PoolExhaustedError,
  PoolNotAllocatedError,
  PoolOutsideError,
  PoolRequestError,
  Prefix,
  InvalidArgumentError,
  ParseError,
} from './index.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (!IpamError.isInstance(e)) throw e;
    return e.code;
  }
}

describe('Pool (contract)', () => {
  it('runs the contract example', () => {
    const pool = new Pool(['10.244.0.0/16', 'fd00:10:244::/56'], {
      reserve: ['10.244.0.0/32', '10.244.255.255/32'],
      strategy: 'lowest',
    });
    const ip = pool.allocate();
    expect(ip.toString()).toBe('10.244.0.1');
    const ip6 = pool.allocate({ family: 6 });
    expect(ip6.toString()).toBe('fd00:10:244::');
    const node = pool.allocatePrefix(24);
    expect(node.toString()).toBe('10.244.1.0/24');
    expect(pool.claim('10.244.7.9').toString()).toBe('10.244.7.9');
    const web = pool.allocate({ owner: 'pod/default/web-0' });
    expect(web.toString()).toBe('10.244.0.2');
    expect(pool.ownerOf(web)).toBe('pod/default/web-0');
    expect(pool.find('pod/default/web-0').map(String)).toEqual(['10.244.0.2']);
    pool.release(ip);
    expect(pool.isAllocated(ip)).toBe(false);
    expect(pool.isAllocated(web)).toBe(true);
    const s = pool.stats();
    expect(s.families[4]).toMatchObject({ size: 65536n, used: 258n, reserved: 2n, free: 65536n - 258n - 2n });
    expect(s.families[6]?.used).toBe(1n);
    expect(s.size).toBe(65536n + (1n << 72n));
    expect(pool.freeSet().contains(ip)).toBe(true);
    expect(pool.allocatedSet().contains(web)).toBe(true);
    const again = Pool.fromJSON(JSON.parse(JSON.stringify(pool)));
    expect(again.toJSON()).toEqual(pool.toJSON());
    expect(again.allocate().toString()).toBe(pool.allocate().toString());
  });
});

describe('Pool errors', () => {
  const make = () => new Pool(['10.0.0.0/24'], { reserve: ['10.0.0.0', '10.0.0.255'] });

  it.each([
    ['a family the pool lacks', (p: Pool) => p.allocate({ family: 6 }), 'ERR_POOL_INVALID_REQUEST'],
    ['a prefix shorter than the pool', (p: Pool) => p.allocatePrefix(23), 'ERR_POOL_INVALID_REQUEST'],
    ['a prefix length out of range', (p: Pool) => p.allocatePrefix(33), 'ERR_INVALID_ARGUMENT'],
    ['a fractional prefix length', (p: Pool) => p.allocatePrefix(24.5), 'ERR_INVALID_ARGUMENT'],
    ['an owner that is not a string', (p: Pool) => p.allocate({ owner: 7 as unknown as string }), 'ERR_INVALID_ARGUMENT'],
    ['a claim outside', (p: Pool) => p.claim('10.0.1.1'), 'ERR_POOL_OUTSIDE'],
    ['a claim of the other family', (p: Pool) => p.claim('::1'), 'ERR_POOL_OUTSIDE'],
    ['a claim larger than the pool', (p: Pool) => p.claim('10.0.0.0/23'), 'ERR_POOL_OUTSIDE'],
    ['a claim of a reserved address', (p: Pool) => p.claim('10.0.0.0'), 'ERR_POOL_CONFLICT'],
    ['a claim over a reserved address', (p: Pool) => p.claim('10.0.0.0/30'), 'ERR_POOL_CONFLICT'],
    ['a claim with host bits', (p: Pool) => p.claim(Prefix.from(Addr.parse('10.0.0.1'), 24)), 'ERR_POOL_INVALID_REQUEST'],
    ['a claim with a zone', (p: Pool) => p.claim(Addr.parse('fe80::1%eth0')), 'ERR_POOL_INVALID_REQUEST'],
    ['an unparsable claim', (p: Pool) => p.claim('10.0.0.256'), 'ERR_PARSE'],
    ['a release of a free address', (p: Pool) => p.release('10.0.0.7'), 'ERR_POOL_NOT_ALLOCATED'],
    ['a release of a reserved address', (p: Pool) => p.release('10.0.0.0'), 'ERR_POOL_NOT_ALLOCATED'],
    ['a release outside', (p: Pool) => p.release('192.168.0.1'), 'ERR_POOL_OUTSIDE'],
  ])('rejects %s and changes nothing', (_, f, code) => {
    const pool = make();
    pool.allocate();
    pool.allocatePrefix(28);
    const before = JSON.stringify(pool);
    expect(codeOf(() => f(pool))).toBe(code);
    expect(JSON.stringify(pool)).toBe(before);
  });

  it('throws typed errors with the input in the message', () => {
    expect(() => make().claim('10.0.0.255')).toThrow('Pool.claim("10.0.0.255"): reserved');
    const pool = new Pool(['10.0.0.0/24']);
    pool.claim('10.0.0.0/28');
    expect(() => pool.claim('10.0.0.4')).toThrow(PoolConflictError);
    expect(() => pool.claim('10.0.0.0/27')).toThrow(PoolConflictError);
    expect(() => pool.claim('10.0.0.5')).toThrow('Pool.claim("10.0.0.5"): overlaps allocation 10.0.0.0/28');
    expect(() => pool.release('10.0.0.5')).toThrow(PoolNotAllocatedError);
    expect(() => pool.release('10.0.0.5')).toThrow('part of allocation 10.0.0.0/28; release that');
    expect(() => pool.release('10.0.1.0')).toThrow(PoolOutsideError);
    expect(() => pool.allocate({ family: 6 })).toThrow(PoolRequestError);
    expect(() => pool.claim('1.2.3')).toThrow(ParseError);
  });

  it('reports exhaustion with the family and length', () => {
    const pool = new Pool(['10.0.0.0/30']);
    for (let i = 0; i < 4; i++) pool.allocate();
    try {
      pool.allocate();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PoolExhaustedError);
      expect(e).toMatchObject({ code: 'ERR_POOL_EXHAUSTED', family: 4, bits: 32 });
    }
    expect(() => pool.allocatePrefix(31)).toThrow(PoolExhaustedError);
  });

  it.each([
    [() => new Pool([]), 'a pool needs at least one prefix'],
    [() => new Pool(['10.0.0.0/8', '10.1.0.0/16']), 'prefixes 10.0.0.0/8 and 10.1.0.0/16 overlap'],
    [() => new Pool(['10.0.0.0/24'], { reserve: ['10.0.1.1'] }), 'reserved 10.0.1.1-10.0.1.1 is outside the pool'],
    [() => new Pool(['10.0.0.0/24'], { strategy: 'random' as 'lowest' }), "strategy must be 'lowest' or 'sequential'"],
    [() => new Pool(['10.0.0.1/24']), 'host bits set'],
    [() => new Pool('10.0.0.0/24' as unknown as string[]), 'prefixes must be an iterable of prefixes'],
    [() => new Pool([Prefix.from(Addr.parse('10.0.0.1'), 24)]), 'has host bits set'],
  ])('rejects a bad configuration (%#)', (f, text) => {
    expect(f).toThrow(text);
  });

  it('rejects malformed JSON with typed errors', () => {
    expect(() => Pool.fromJSON(null as never)).toThrow(InvalidArgumentError);
    expect(() => Pool.fromJSON({ prefixes: ['10.0.0.0/24'] } as never)).toThrow('reserve must be an array');
    const good = new Pool(['10.0.0.0/24']).toJSON();
    expect(() => Pool.fromJSON({ ...good, allocations: [42] } as never)).toThrow('allocations[0] must be a string or { value, owner }');
    expect(() => Pool.fromJSON({ ...good, allocations: ['10.0.0.1', '10.0.0.1'] })).toThrow(PoolConflictError);
    expect(() => Pool.fromJSON({ ...good, allocations: ['10.0.0.1-10.0.0.9', '10.0.0.5'] })).toThrow(PoolConflictError);
    expect(() => Pool.fromJSON({ ...good, last: ['10.9.0.0/24'] })).toThrow('last 10.9.0.0/24 is outside the pool');
  });
});

describe('Pool strategies', () => {
  const order = (pool: Pool, n: number, bits?: number): string[] =>
    Array.from({ length: n }, () => (bits === undefined ? pool.allocate() : pool.allocatePrefix(bits)).toString());

  it('fills a /20 in address order with either strategy, then is exhausted', () => {
    for (const strategy of ['lowest', 'sequential'] as const) {
      const pool = new Pool(['10.1.0.0/20'], { reserve: ['10.1.0.0', '10.1.15.255'], strategy });
      const got = order(pool, 4094);
      const expected = Array.from({ length: 4094 }, (_, i) => Addr.fromUint32(0x0a010000 + 1 + i).toString());
      expect(got).toEqual(expected);
      expect(() => pool.allocate()).toThrow(PoolExhaustedError);
      expect(pool.stats().families[4]?.free).toBe(0n);
    }
  });

  it("'lowest' reuses the lowest freed address; 'sequential' continues after the last and wraps once", () => {
    const lowest = new Pool(['10.0.0.0/28'], { reserve: ['10.0.0.0'] });
    const seq = new Pool(['10.0.0.0/28'], { reserve: ['10.0.0.0'], strategy: 'sequential' });
    for (const pool of [lowest, seq]) {
      order(pool, 10); // 10.0.0.1 … 10.0.0.10
      pool.release('10.0.0.3');
      pool.release('10.0.0.7');
    }
    expect(order(lowest, 3)).toEqual(['10.0.0.3', '10.0.0.7', '10.0.0.11']);
    // host-local: the next candidate after last_reserved_ip (10.0.0.10), wrapping round to the start once.
    expect(order(seq, 7)).toEqual(['10.0.0.11', '10.0.0.12', '10.0.0.13', '10.0.0.14', '10.0.0.15', '10.0.0.3', '10.0.0.7']);
    expect(() => seq.allocate()).toThrow(PoolExhaustedError);
  });

  it("'sequential' node CIDRs rotate as kube-controller-manager's cidrset does", () => {
    // cidrset: allocateNext scans from nextCandidate (wrapping); release and occupy do not move nextCandidate.
    const pool = new Pool(['10.244.0.0/22'], { strategy: 'sequential' });
    expect(order(pool, 3, 24)).toEqual(['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
    pool.release('10.244.0.0/24');
    pool.claim('10.244.3.0/24'); // occupy: the cursor stays after 10.244.2.0/24
    expect(order(pool, 1, 24)).toEqual(['10.244.0.0/24']);
    pool.release('10.244.1.0/24');
    pool.release('10.244.2.0/24');
    expect(order(pool, 2, 24)).toEqual(['10.244.1.0/24', '10.244.2.0/24']);
  });

  it('takes the smallest free block that holds a prefix (best fit)', () => {
    const pool = new Pool(['10.0.0.0/24']);
    pool.claim('10.0.0.0/26'); //   [0-63 taken][64-127 free][128-191 taken][192-255 free]
    pool.claim('10.0.0.128/26');
    pool.claim('10.0.0.192/27'); // now 192/26 holds only a free /27 at .224: the best fit for a /28
    expect(pool.allocatePrefix(28).toString()).toBe('10.0.0.224/28');
    expect(pool.allocatePrefix(26).toString()).toBe('10.0.0.64/26');
  });

  it('coalesces freed space: after releasing everything the whole pool is one free prefix again', () => {
    const pool = new Pool(['10.0.0.0/16', '2001:db8::/48']);
    const got: (Addr | Prefix)[] = [];
    for (let i = 0; i < 300; i++) got.push(pool.allocate());
    for (let i = 0; i < 20; i++) got.push(pool.allocatePrefix(26 + (i % 6)));
    for (let i = 0; i < 50; i++) got.push(pool.allocatePrefix(64, { family: 6 }));
    for (let i = 0; i < 50; i++) got.push(pool.allocate({ family: 6 }));
    for (const x of got.reverse()) pool.release(x);
    expect(pool.stats().families[4]?.largestFree?.toString()).toBe('10.0.0.0/16');
    expect(pool.allocatePrefix(16).toString()).toBe('10.0.0.0/16');
    expect(pool.allocatePrefix(48, { family: 6 }).toString()).toBe('2001:db8::/48');
  });

  it('handles huge IPv6 pools with memory for the allocations only', () => {
    const pool = new Pool(['2001:db8::/32']);
    const a = pool.allocatePrefix(64);
    const b = pool.allocatePrefix(64);
    expect([a, b].map(String)).toEqual(['2001:db8::/64', '2001:db8:0:1::/64']);
    expect(pool.stats().free).toBe((1n << 96n) - (2n << 64n));
    expect(pool.claim('2001:db8:ffff:ffff::1').toString()).toBe('2001:db8:ffff:ffff::1');
    // The lower /33 holds the /64s and the upper one the single address: the largest free blocks are /34s.
    expect(pool.stats().families[6]?.largestFree?.toString()).toBe('2001:db8:4000::/34');
  });

  it('spans prefixes of both families and merges adjacent ones', () => {
    const pool = new Pool(['10.0.0.128/25', '10.0.0.0/25', 'fd00::/120']);
    expect(pool.prefixes().map(String)).toEqual(['10.0.0.0/24', 'fd00::/120']);
    expect(pool.allocatePrefix(24).toString()).toBe('10.0.0.0/24');
    expect(() => pool.allocate()).toThrow(PoolExhaustedError);
    expect(pool.allocate({ family: 6 }).toString()).toBe('fd00::');
  });
});

// ---- model-based ------------------------------------------------------------------------------------------

const V4 = ['10.0.0.0/27', '10.0.0.64/28', '10.0.1.0/26'];
const V6 = ['fd00::/122', 'fd00::100/124'];

type Cmd =
  | { op: 'allocate'; family: 4 | 6; bits?: number; owner?: string }
  | { op: 'claim'; family: 4 | 6; value: bigint; bits: number; owner?: string }
  | { op: 'release'; family: 4 | 6; value: bigint; bits: number }
  | { op: 'releaseExisting'; pick: number }
  | { op: 'snapshot' };

const owner = fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined });
const family = fc.constantFrom(4 as const, 6 as const);
const near = (f: 4 | 6) => (f === 4 ? fc.bigInt({ min: 0x0a000000n - 4n, max: 0x0a000180n }) : fc.bigInt({ min: (0xfd00n << 112n) - 4n, max: (0xfd00n << 112n) + 0x120n }));
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('allocate' as const), family, owner }) },
  { weight: 3, arbitrary: fc.tuple(family, fc.integer({ min: 0, max: 7 }), owner).map(([f, d, o]) => ({ op: 'allocate' as const, family: f, bits: (f === 4 ? 32 : 128) - d, owner: o })) },
  { weight: 2, arbitrary: family.chain((f) => fc.tuple(near(f), fc.integer({ min: 0, max: 6 }), owner).map(([v, d, o]) => ({ op: 'claim' as const, family: f, value: v, bits: (f === 4 ? 32 : 128) - d, owner: o }))) },
  { weight: 1, arbitrary: family.chain((f) => fc.tuple(near(f), fc.integer({ min: 0, max: 3 })).map(([v, d]) => ({ op: 'release' as const, family: f, value: v, bits: (f === 4 ? 32 : 128) - d }))) },
  { weight: 3, arbitrary: fc.nat().map((pick) => ({ op: 'releaseExisting' as const, pick })) },
  { weight: 1, arbitrary: fc.constant({ op: 'snapshot' as const }) },
);

const config = fc.record({
  v4: fc.subarray(V4, { minLength: 0 }),
  v6: fc.subarray(V6, { minLength: 0 }),
  strategy: fc.constantFrom('lowest' as const, 'sequential' as const),
  reserve: fc.array(fc.nat(), { maxLength: 4 }),
}).filter((c) => c.v4.length + c.v6.length > 0);

function outcome(f: () => Addr | Prefix): Outcome {
  try {
    const v = f();
    return { ok: v instanceof Prefix && v.isSingleIP() ? v.addr.toString() : v.toString() };
  } catch (e) {
    if (!IpamError.isInstance(e)) throw e;
    return { code: e.code };
  }
}

function checkInvariants(pool: Pool, model: PoolModel): void {
  const allocated = pool.allocatedSet();
  const free = pool.freeSet();
  const reserved = pool.reserved();
  const whole = IPSet.from(pool.prefixes());
  expect(allocated.overlapsSet(free)).toBe(false);
  expect(allocated.overlapsSet(reserved)).toBe(false);
  expect(free.overlapsSet(reserved)).toBe(false);
  expect(allocated.union(free).union(reserved).equals(whole)).toBe(true);
  const got: string[] = [];
  for (const r of allocated.ranges()) {
    for (let a: Addr | undefined = r.first(); a !== undefined && a.compare(r.last()) <= 0; a = a.next()) got.push(`${a.family}:${a.toBigInt()}`);
  }
  expect(got.sort()).toEqual(model.allocatedAddresses());
  const s = pool.stats();
  expect(s.used).toBe(allocated.size);
  expect(s.free).toBe(free.size);
  for (const o of ['a', 'b', 'c']) expect(pool.find(o).map(String)).toEqual(model.find(o));
}

describe('Pool against a reference model (property)', () => {
  it('agrees with the model on random command sequences and keeps its invariants', () => {
    fc.assert(
      fc.property(config, fc.array(cmd, { maxLength: 60 }), (c, cmds) => {
        const prefixes = [...c.v4, ...c.v6].map((p) => Prefix.parse(p));
        const candidates = prefixes.flatMap((p) => [p.first(), p.last(), p.first().add(5)!]);
        const reserve = [...new Set(c.reserve.map((i) => candidates[i % candidates.length]!.toString()))].map((s) => Addr.parse(s));
        let pool = new Pool(prefixes, { reserve, strategy: c.strategy });
        const model = new PoolModel(prefixes, reserve, c.strategy);
        for (const k of cmds) {
          if (k.op === 'allocate') {
            const w = k.family === 4 ? 32 : 128;
            const bits = k.bits ?? w;
            const got = outcome(() => (k.bits === undefined ? pool.allocate({ family: k.family, owner: k.owner }) : pool.allocatePrefix(bits, { family: k.family, owner: k.owner })));
            expect(got).toEqual(model.allocate(k.family, bits, k.owner));
          } else if (k.op === 'claim' || k.op === 'release') {
            const order = (k.family === 4 ? 32 : 128) - k.bits;
            const lo = (k.value >> BigInt(order)) << BigInt(order);
            const p = Addr.fromBigInt(lo, k.family).prefix(k.bits);
            const target = k.bits === p.addr.bitLength ? p.addr : p;
            if (k.op === 'claim') {
              expect(outcome(() => pool.claim(target, { owner: k.owner }))).toEqual(model.claim(k.family, lo, order, k.owner));
            } else {
              const got = outcome(() => (pool.release(target), target));
              expect(got).toEqual(model.release(k.family, lo, order));
            }
          } else if (k.op === 'releaseExisting') {
            const keys = [...model.allocs.keys()];
            if (keys.length === 0) continue;
            const key = keys[k.pick % keys.length]!;
            const a = model.allocs.get(key)!;
            pool.release(key);
            expect(model.release(a.family, a.lo, a.order)).toEqual({ ok: key });
          } else {
            const json = JSON.parse(JSON.stringify(pool));
            pool = Pool.fromJSON(json);
            expect(pool.toJSON()).toEqual(json);
          }
          for (const a of model.allocs.values()) {
            const at = Addr.fromBigInt(a.lo, a.family);
            expect(pool.ownerOf(at)).toBe(a.owner);
            expect(pool.isAllocated(at)).toBe(true);
          }
        }
        checkInvariants(pool, model);
      }),
      { numRuns: 1000 },
    );
  });
});
