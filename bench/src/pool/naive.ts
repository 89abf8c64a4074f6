/**
 * The naive allocator of the pool bench: a Set<bigint> of taken addresses, and a scan from the start of the pool
 * for the next free address (for a block: the next aligned block whose every address is free). It is what one
 * writes in five minutes, and the yardstick for the cost of doing nothing clever.
 */
export class NaiveAllocator {
  readonly taken = new Set<bigint>();
  readonly #base: bigint;
  readonly #end: bigint;

  /** A pool of 2^R addresses from `base`; `reserved` addresses are taken from the start and never handed out. */
  constructor(base: bigint, R: number, reserved: Iterable<bigint> = []) {
    this.#base = base;
    this.#end = base + (1n << BigInt(R));
    for (const a of reserved) this.taken.add(a);
  }

  /** allocate takes the lowest free address. */
  allocate(): bigint {
    const taken = this.taken;
    for (let a = this.#base; a < this.#end; a++) {
      if (!taken.has(a)) {
        taken.add(a);
        return a;
      }
    }
    throw new Error('naive: pool exhausted');
  }

  /** allocatePrefix takes the lowest aligned block of 2^k addresses that is wholly free, and returns its start. */
  allocatePrefix(k: number): bigint {
    const taken = this.taken;
    const size = 1n << BigInt(k);
    next: for (let t = this.#base; t < this.#end; t += size) {
      const end = t + size;
      for (let a = t; a < end; a++) if (taken.has(a)) continue next;
      for (let a = t; a < end; a++) taken.add(a);
      return t;
    }
    throw new Error(`naive: no free block of 2^${k} addresses`);
  }

  /** release frees the block of 2^k addresses at `start`. */
  release(start: bigint, k: number): void {
    const end = start + (1n << BigInt(k));
    for (let a = start; a < end; a++) {
      if (!this.taken.delete(a)) throw new Error('naive: released an address that was not taken');
    }
  }
}
