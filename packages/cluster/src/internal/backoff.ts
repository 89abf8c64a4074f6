/**
 * Bounded, jittered exponential backoff for the retry loops of ClusterPool.
 *
 * "Full jitter" (a uniformly random delay between 0 and the exponential ceiling): concurrent losers of one
 * compare-and-swap spread out instead of colliding again in lock step, and the ceiling stops growing at `maxMs`.
 * The number of attempts is bounded by the caller; nothing here loops.
 */

/** RetryPolicy is the resolved retry configuration of a pool. */
export interface RetryPolicy {
  /** Attempts per operation before giving up (at least 1). */
  readonly attempts: number;
  /** Ceiling of the first delay, in milliseconds. */
  readonly baseMs: number;
  /** Largest ceiling, in milliseconds. */
  readonly maxMs: number;
}

/** DEFAULT_RETRY: 16 attempts, 5 ms doubling up to 1 s (at most about 8 s of sleeping in total). */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 16, baseMs: 5, maxMs: 1000 };

/**
 * backoffDelay returns the delay before retry number `attempt` (1 for the first retry): a uniformly random value in
 * [0, min(maxMs, baseMs · 2^(attempt-1))]. `random` returns values in [0, 1).
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.floor(random() * (ceiling + 1));
}

/** sleep resolves after `ms` milliseconds (immediately, on the next macrotask, for 0). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
