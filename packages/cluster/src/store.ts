/**
 * StoreEntry is one key of a {@link Store} with its value and etcd-style revisions.
 * Revisions are cluster-wide, strictly increasing 64-bit counters (etcd's int64), carried as bigint.
 */
export interface StoreEntry {
  /** StoreEntry.key is the key, relative to the store's prefix. */
  readonly key: string;
  /** StoreEntry.value is the value's bytes as stored (not necessarily valid UTF-8 or JSON: other writers exist). */
  readonly value: Uint8Array;
  /** StoreEntry.createRevision is the revision of the write that created the key. */
  readonly createRevision: bigint;
  /** StoreEntry.modRevision is the revision of the last write to the key: the token of conditional writes. */
  readonly modRevision: bigint;
  /** StoreEntry.version counts the writes to the key since it was created (1 after creation). */
  readonly version: bigint;
}

/**
 * StoreWrite is the outcome of a conditional write: applied (`ok: true`, with the revision it was applied at), or
 * lost to a concurrent writer (`ok: false`, with the key's current entry, undefined when the key does not exist), so
 * the caller can decide again without another read.
 */
export type StoreWrite =
  | {
      /** StoreWrite.ok is true: the write was applied. */
      readonly ok: true;
      /** StoreWrite.revision is the store revision the write was applied at (the key's new mod revision). */
      readonly revision: bigint;
    }
  | {
      /** StoreWrite.ok is false: the condition did not hold and nothing was written. */
      readonly ok: false;
      /** StoreWrite.current is the key's current entry, undefined when it does not exist. */
      readonly current: StoreEntry | undefined;
    };

/**
 * StoreCondition is one guard of a {@link Store.txn}: the key is absent, or its mod revision is exactly the one given
 * (the key exists and nobody wrote it since it was read).
 */
export type StoreCondition =
  | {
      /** StoreCondition.key is the key the condition is about. */
      readonly key: string;
      /** StoreCondition.absent requires that the key does not exist. */
      readonly absent: true;
    }
  | {
      /** StoreCondition.key is the key the condition is about. */
      readonly key: string;
      /** StoreCondition.modRevision requires that the key exists with exactly this mod revision (at least 1). */
      readonly modRevision: bigint;
    };

/** StoreOperation is one write of a {@link Store.txn}: put a value, or delete the key (a no-op when absent). */
export type StoreOperation =
  | {
      /** StoreOperation.op `'put'` writes `value` to `key`, creating it when absent. */
      readonly op: 'put';
      /** StoreOperation.key is the key written. */
      readonly key: string;
      /** StoreOperation.value is the bytes to store (copied). */
      readonly value: Uint8Array;
    }
  | {
      /** StoreOperation.op `'delete'` removes `key`; nothing happens when it is absent. */
      readonly op: 'delete';
      /** StoreOperation.key is the key removed. */
      readonly key: string;
    };

/**
 * StoreTxnResult is the outcome of a {@link Store.txn}: when every condition held, all operations were applied
 * atomically at `revision`; otherwise nothing was written and `current` holds the current entry (or undefined) of
 * every key named in a condition.
 */
export type StoreTxnResult =
  | {
      /** StoreTxnResult.ok is true: every condition held and every operation was applied. */
      readonly ok: true;
      /** StoreTxnResult.revision is the revision the operations were applied at (unchanged when they changed nothing). */
      readonly revision: bigint;
    }
  | {
      /** StoreTxnResult.ok is false: a condition failed and nothing was written. */
      readonly ok: false;
      /** StoreTxnResult.revision is the store revision `current` was read at. */
      readonly revision: bigint;
      /** StoreTxnResult.current maps every key named in a condition to its current entry, undefined when absent. */
      readonly current: ReadonlyMap<string, StoreEntry | undefined>;
    };

/** StoreList is one page of {@link Store.list}: entries in key order, the revision they were read at, and whether more follow. */
export interface StoreList {
  /** StoreList.entries are the entries, in ascending key order (bytewise). */
  readonly entries: readonly StoreEntry[];
  /** StoreList.revision is the store revision the page was read at. */
  readonly revision: bigint;
  /** StoreList.more is true when the page was cut at `limit` and more keys follow. */
  readonly more: boolean;
}

/**
 * Store is the small, etcd-shaped key-value interface `@ipam/cluster` allocates on: reads, writes conditional on a
 * revision, and multi-key transactions, with a lost race returning the current value. Keys are strings relative to
 * the store's own prefix. {@link EtcdStore} implements it on etcd's v3 JSON gateway and {@link MemoryStore} in memory
 * with the same semantics; a Kubernetes custom-resource store can implement it later (resourceVersion as revision).
 *
 * Failures are {@link ClusterError}s: `ERR_STORE_UNAVAILABLE` when nothing was written, `ERR_STORE_OUTCOME_UNKNOWN`
 * when a write may or may not have been applied (read before retrying).
 */
export interface Store {
  /** Store.get returns the entry of `key`, or undefined when it does not exist. */
  get(key: string): Promise<StoreEntry | undefined>;
  /**
   * Store.list returns the entries whose keys start with `prefix`, in key order, at one revision. `after` starts the
   * page after that key (for paging); `limit` caps the page size (default: everything).
   */
  list(prefix: string, options?: { readonly after?: string; readonly limit?: number }): Promise<StoreList>;
  /** Store.create writes `key` only if it does not exist. */
  create(key: string, value: Uint8Array): Promise<StoreWrite>;
  /** Store.update writes `key` only if its mod revision is still `modRevision`. */
  update(key: string, value: Uint8Array, modRevision: bigint): Promise<StoreWrite>;
  /** Store.delete removes `key` only if its mod revision is still `modRevision`. */
  delete(key: string, modRevision: bigint): Promise<StoreWrite>;
  /** Store.txn applies `operations` atomically if every condition holds, else writes nothing (see {@link StoreTxnResult}). */
  txn(conditions: readonly StoreCondition[], operations: readonly StoreOperation[]): Promise<StoreTxnResult>;
  /** Store.close releases connections and timers; the store is unusable afterwards. */
  close(): Promise<void>;
}
