import { IpamError } from '@ipam/core';

/**
 * ClusterErrorCode lists the stable codes of {@link ClusterError}; messages may change, codes do not.
 *
 * Store:
 * - `ERR_STORE_UNAVAILABLE`: no endpoint answered (connection refused, no leader, every endpoint down); nothing was written.
 * - `ERR_STORE_OUTCOME_UNKNOWN`: a write was sent but its reply never came (timeout, connection reset): it may or may
 *   not have been applied. Callers must read before retrying.
 * - `ERR_STORE_REJECTED`: the store answered with an error other than a lost compare (bad request, permission, too large).
 * - `ERR_STORE_INVALID_ARGUMENT`: a key outside the store's prefix, an empty key, a bad option.
 *
 * Pool:
 * - `ERR_CLUSTER_POOL_EXHAUSTED`: no free address in any block of the pool.
 * - `ERR_CLUSTER_POOL_CORRUPT`: store contents under the pool's prefix that are not what this package writes
 *   (another writer's garbage, a record of a different version): reported with the key, never overwritten.
 * - `ERR_CLUSTER_POOL_CONFLICT`: the pool exists in the store with a different definition (CIDRs, block size).
 * - `ERR_CLUSTER_NOT_ALLOCATED`: a release of an address or owner that holds nothing, or of a stale allocation.
 * - `ERR_CLUSTER_INVALID_ARGUMENT`: options that make no sense (a block size shorter than a CIDR, an empty owner, ...).
 * - `ERR_CLUSTER_CONTENTION`: retries ran out under contention (the bounded backoff gave up).
 * - `ERR_CLUSTER_ABORTED`: the call's `signal` was aborted, or its `timeoutMs` ran out, before it wrote anything: nothing
 *   was written. An abort after a write was sent is `ERR_STORE_OUTCOME_UNKNOWN` instead (the write may apply).
 */
export type ClusterErrorCode =
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_STORE_OUTCOME_UNKNOWN'
  | 'ERR_STORE_REJECTED'
  | 'ERR_STORE_INVALID_ARGUMENT'
  | 'ERR_CLUSTER_POOL_EXHAUSTED'
  | 'ERR_CLUSTER_POOL_CORRUPT'
  | 'ERR_CLUSTER_POOL_CONFLICT'
  | 'ERR_CLUSTER_NOT_ALLOCATED'
  | 'ERR_CLUSTER_INVALID_ARGUMENT'
  | 'ERR_CLUSTER_CONTENTION'
  | 'ERR_CLUSTER_ABORTED';

/**
 * ClusterError is what `@ipam/cluster` throws: a stable {@link ClusterErrorCode}, a message naming the API, the key or
 * the input, and the store key involved when there is one.
 *
 * @example
 * ```ts
 * try { await pool.allocate({ owner: 'default/web-0/eth0' }); }
 * catch (e) { if (ClusterError.isInstance(e) && e.code === 'ERR_CLUSTER_POOL_EXHAUSTED') console.log('pool full'); }
 * ```
 */
export class ClusterError extends IpamError {
  /** ClusterError.code is the stable kind of the failure. */
  declare readonly code: ClusterErrorCode;
  /** ClusterError.key is the store key involved, when there is one. */
  readonly key: string | undefined;

  /** Creates the error; `key` is the store key involved, when there is one. */
  constructor(code: ClusterErrorCode, message: string, options: { key?: string; cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.key = options.key;
  }

  /** ClusterError.isInstance reports whether `value` is a ClusterError, also across realms and package copies. */
  static override isInstance(value: unknown): value is ClusterError {
    return IpamError.isInstance(value) && (value.code.startsWith('ERR_STORE_') || value.code.startsWith('ERR_CLUSTER_'));
  }
}
