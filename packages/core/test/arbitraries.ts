/** fast-check arbitraries for addresses and prefixes, shared by the tests of @ipam/core. */
import fc from 'fast-check';
import { Addr, Prefix } from '../src/index.js';

const U32 = 0xffffffff;

/** Any IPv4 address, biased towards the edges of the space. */
export const addr4 = fc
  .oneof(fc.integer({ min: 0, max: U32 }), fc.constantFrom(0, 1, U32, U32 - 1, 0x7f000001, 0x0a000000))
  .map((v) => Addr.fromUint32(v));

/** Eight IPv6 groups with many zeros, so that "::" compression is exercised. */
export const groups6 = fc.array(
  fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(0xffff) }, { weight: 4, arbitrary: fc.integer({ min: 0, max: 0xffff }) }),
  { minLength: 8, maxLength: 8 },
);

export function groupsToBigInt(g: readonly number[]): bigint {
  return g.reduce((acc, x) => (acc << 16n) | BigInt(x), 0n);
}

/** Any IPv6 address (without a zone), biased towards zero runs. */
export const addr6 = groups6.map((g) => Addr.fromBigInt(groupsToBigInt(g), 6));

/** Any address of either family. */
export const addr = fc.oneof(addr4, addr6);

/** A zone as found in the wild: interface names and numeric scope ids. */
export const zone = fc.stringMatching(/^[a-zA-Z0-9._-]{1,12}$/);

/**
 * One of the many RFC 4291 text forms of the IPv6 address with these groups: random upper case, leading zeros,
 * "::" over any run of zero groups (not only the longest), and dotted IPv4 for the last 32 bits.
 */
export const text6 = groups6.chain((g) =>
  fc
    .record({
      upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      pad: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
      run: fc.nat(),
      dotted: fc.boolean(),
    })
    .map(({ upper, pad, run, dotted }) => {
      const fields = g.map((x, i) => {
        const h = x.toString(16).padStart(Math.min(4, x.toString(16).length + pad[i]!), '0');
        return upper[i] ? h.toUpperCase() : h;
      });
      let tailV4 = '';
      let n = 8;
      if (dotted) {
        const v = g[6]! * 65536 + g[7]!;
        tailV4 = `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
        n = 6;
      }
      const runs: [number, number][] = [];
      for (let i = 0; i < n; i++) {
        let j = i;
        while (j < n && g[j] === 0) j++;
        for (let k = i + 1; k <= j; k++) runs.push([i, k]);
      }
      const parts = fields.slice(0, n);
      if (dotted) parts.push(tailV4);
      if (runs.length === 0 || run % 3 === 0) return { text: parts.join(':'), value: groupsToBigInt(g) };
      const [a, b] = runs[run % runs.length]!;
      const head = parts.slice(0, a).join(':');
      const tail = parts.slice(b).join(':');
      return { text: `${head}::${tail}`, value: groupsToBigInt(g) };
    }),
);

/** Any canonical prefix of either family. */
export const prefix = fc
  .tuple(addr, fc.nat())
  .map(([a, n]) => a.prefix(n % (a.bitLength + 1)));

/** Any prefix, host bits possibly set (as Prefix.from makes them). */
export const rawPrefix = fc.tuple(addr, fc.nat()).map(([a, n]) => Prefix.from(a, n % (a.bitLength + 1)));
