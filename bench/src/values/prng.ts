/**
 * Seeded random numbers for reproducible bench inputs: mulberry32, a 32-bit generator small enough to read
 * at a glance, statistically fine for picking test data (not for anything else).
 */

/** Rng draws random values; every draw advances one mulberry32 state. */
export interface Rng {
  /** u32 returns a uniform unsigned 32-bit integer. */
  u32(): number;
  /** int returns a uniform integer in 0 … n − 1 (n ≤ 2^32). */
  int(n: number): number;
  /** chance returns true with probability p. */
  chance(p: number): boolean;
  /** u128 returns a uniform unsigned 128-bit bigint. */
  u128(): bigint;
  /** pick returns a uniform element of a non-empty array. */
  pick<T>(xs: readonly T[]): T;
}

/** mulberry32 returns an {@link Rng} seeded with `seed`; equal seeds give equal sequences. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  const u32 = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
  return {
    u32,
    int: (n) => Math.floor((u32() / 0x1_0000_0000) * n),
    chance: (p) => u32() / 0x1_0000_0000 < p,
    u128: () => (BigInt(u32()) << 96n) | (BigInt(u32()) << 64n) | (BigInt(u32()) << 32n) | BigInt(u32()),
    pick: (xs) => xs[Math.floor((u32() / 0x1_0000_0000) * xs.length)]!,
  };
}
