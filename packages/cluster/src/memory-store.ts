import { ClusterError } from './cluster-error.js';
import {
  DEFAULT_MAX_TXN_OPS,
  checkKey,
  checkList,
  checkModRevision,
  checkTxn,
  checkTxnSize,
  checkValue,
  compareKeys,
  quote,
} from './internal/store-args.js';
import type {
  Store,
  StoreCondition,
  StoreEntry,
  StoreList,
  StoreOperation,
  StoreTxnResult,
  StoreWrite,
} from './store.js';

/**
 * MemoryStoreMethod names the {@link Store} method a {@link MemoryStoreFaultContext} is about.
 *
 * @example
 * ```ts
 * const store = new MemoryStore({ faults: (c) => (c.method === 'txn' ? 'unavailable' : undefined) });
 * ```
 */
export type MemoryStoreMethod = 'get' | 'list' | 'create' | 'update' | 'delete' | 'txn';

/**
 * MemoryStoreFaultContext describes one call to a {@link MemoryStore}, given to its `faults` hook before the call is
 * applied.
 *
 * @example
 * ```ts
 * // Every write to a key under blocks/ fails once, as if etcd had no leader.
 * const failed = new Set<string>();
 * const store = new MemoryStore({
 *   faults: ({ write, keys }) => {
 *     const k = keys.find((x) => x.startsWith('blocks/'));
 *     if (!write || k === undefined || failed.has(k)) return undefined;
 *     failed.add(k);
 *     return 'unavailable';
 *   },
 * });
 * ```
 */
export interface MemoryStoreFaultContext {
  /** MemoryStoreFaultContext.method is the Store method called. */
  readonly method: MemoryStoreMethod;
  /** MemoryStoreFaultContext.write is true for create, update, delete and txn. */
  readonly write: boolean;
  /** MemoryStoreFaultContext.keys are the keys the call names (the list prefix for list; conditions then operations for txn). */
  readonly keys: readonly string[];
  /** MemoryStoreFaultContext.call numbers the calls to this store, from 1, in the order they were made. */
  readonly call: number;
}

/**
 * MemoryStoreFault is what a `faults` hook of a {@link MemoryStore} can make of a call:
 * - `'unavailable'`: nothing is applied and the call throws `ERR_STORE_UNAVAILABLE` (every endpoint down);
 * - `'reply-lost'`: a write is applied, then the call throws `ERR_STORE_OUTCOME_UNKNOWN` (the reply never came);
 * - `'request-lost'`: a write is not applied, and the call throws `ERR_STORE_OUTCOME_UNKNOWN` all the same (the
 *   request timed out before reaching the leader).
 *
 * For reads, `'reply-lost'` and `'request-lost'` throw `ERR_STORE_UNAVAILABLE`, as a read has no outcome to lose.
 * `undefined` lets the call proceed normally.
 *
 * @example
 * ```ts
 * const store = new MemoryStore({ faults: (c) => (c.call === 1 ? 'reply-lost' : undefined) });
 * await store.create('k', new Uint8Array([1])).catch((e) => e.code);   // 'ERR_STORE_OUTCOME_UNKNOWN'
 * await store.get('k');                                                // applied all the same: version 1n
 * ```
 */
export type MemoryStoreFault = 'unavailable' | 'reply-lost' | 'request-lost' | undefined;

/**
 * MemoryStoreOptions configures a {@link MemoryStore}.
 *
 * @example
 * ```ts
 * const store = new MemoryStore({ maxTxnOps: 128, faults: () => undefined });
 * ```
 */
export interface MemoryStoreOptions {
  /**
   * MemoryStoreOptions.faults is called before every call is applied and decides whether it fails (see
   * {@link MemoryStoreFault}). It may be async: the call waits for it, so a test can also hold a call back while
   * others proceed. A hook that throws makes the call throw that error, with nothing applied.
   *
   * @example
   * ```ts
   * // Lose the reply of the third write: it is applied, but the caller sees ERR_STORE_OUTCOME_UNKNOWN.
   * let writes = 0;
   * const store = new MemoryStore({ faults: (c) => (c.write && ++writes === 3 ? 'reply-lost' : undefined) });
   * ```
   */
  readonly faults?: (context: MemoryStoreFaultContext) => MemoryStoreFault | Promise<MemoryStoreFault>;
  /**
   * MemoryStoreOptions.maxTxnOps is the most conditions, and the most operations, one txn may carry; more is
   * `ERR_STORE_REJECTED`. Default 128, etcd's default `--max-txn-ops`, so code tested here also fits etcd.
   */
  readonly maxTxnOps?: number;
}

interface Stored {
  readonly value: Uint8Array;
  readonly createRevision: bigint;
  readonly modRevision: bigint;
  readonly version: bigint;
}

/**
 * MemoryStore is an in-memory {@link Store} with exactly etcd's semantics, for fast tests and single-process use:
 *
 * - one store-wide revision, 1 for an empty store, incremented once by every write or txn that changes something
 *   (a txn whose operations change nothing, such as deleting absent keys, leaves it as it is, as etcd does);
 * - `createRevision`, `modRevision` and `version` as etcd sets them: a put of an absent key sets
 *   `createRevision = modRevision = revision` and `version = 1`; a put of an existing key keeps `createRevision`,
 *   sets `modRevision` and increments `version`; deleting a key and creating it again starts over with a new
 *   `createRevision` and `version` 1;
 * - `list` in bytewise (UTF-8) key order, at one revision, paged with `after` and `limit`;
 * - a lost compare returns the current entries; txns are limited to 128 conditions and operations, as in etcd;
 * - values are copied in and out, so callers cannot change stored bytes.
 *
 * An optional `faults` hook makes calls fail the ways a networked store fails (see {@link MemoryStoreOptions.faults}).
 *
 * @example
 * ```ts
 * const store = new MemoryStore();
 * const w = await store.create('pools/pods', new TextEncoder().encode('{}'));   // { ok: true, revision: 2n }
 * const e = await store.get('pools/pods');               // createRevision 2n, modRevision 2n, version 1n
 * await store.update('pools/pods', new Uint8Array([1]), e!.modRevision);        // { ok: true, revision: 3n }
 * await store.update('pools/pods', new Uint8Array([2]), e!.modRevision);        // { ok: false, current: { modRevision: 3n, ... } }
 * ```
 */
export class MemoryStore implements Store {
  readonly #entries = new Map<string, Stored>();
  /** Keys in compareKeys order. */
  readonly #keys: string[] = [];
  #revision = 1n;
  #calls = 0;
  #closed = false;
  readonly #faults: MemoryStoreOptions['faults'];
  readonly #maxTxnOps: number;

  /** Creates an empty store at revision 1. */
  constructor(options: MemoryStoreOptions = {}) {
    if (options.faults !== undefined && typeof options.faults !== 'function') {
      throw new ClusterError('ERR_STORE_INVALID_ARGUMENT', 'new MemoryStore(): faults is not a function');
    }
    const max = options.maxTxnOps ?? DEFAULT_MAX_TXN_OPS;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new ClusterError('ERR_STORE_INVALID_ARGUMENT', `new MemoryStore(): maxTxnOps ${quote(max)} is not a positive integer`);
    }
    this.#faults = options.faults;
    this.#maxTxnOps = max;
  }

  /** MemoryStore.revision is the store's current revision: 1 when empty, then the revision of the last change. */
  get revision(): bigint {
    return this.#revision;
  }

  /** MemoryStore.get returns a copy of the entry of `key`, or undefined when it does not exist. */
  async get(key: string): Promise<StoreEntry | undefined> {
    checkKey('MemoryStore.get', key);
    await this.#enter('get', false, [key]);
    return this.#entry(key);
  }

  /**
   * MemoryStore.list returns copies of the entries whose keys start with `prefix`, in bytewise key order, after the
   * key `after` when given, at most `limit` of them, with `more` set when the page was cut.
   */
  async list(prefix: string, options?: { readonly after?: string; readonly limit?: number }): Promise<StoreList> {
    const args = checkList('MemoryStore.list', prefix, options);
    await this.#enter('list', false, [args.prefix]);
    let i = lowerBound(this.#keys, args.prefix);
    if (args.after !== undefined && compareKeys(args.after, args.prefix) >= 0) {
      i = lowerBound(this.#keys, args.after);
      if (this.#keys[i] === args.after) i++;
    }
    const entries: StoreEntry[] = [];
    let more = false;
    for (; i < this.#keys.length; i++) {
      const k = this.#keys[i]!;
      if (!k.startsWith(args.prefix)) break;
      if (args.limit !== undefined && entries.length === args.limit) {
        more = true;
        break;
      }
      entries.push(this.#entry(k)!);
    }
    return { entries, revision: this.#revision, more };
  }

  /** MemoryStore.create writes `key` only if it does not exist; otherwise returns its current entry. */
  async create(key: string, value: Uint8Array): Promise<StoreWrite> {
    checkKey('MemoryStore.create', key);
    const bytes = checkValue('MemoryStore.create', key, value);
    return this.#write('create', key, { key, absent: true }, { op: 'put', key, value: bytes });
  }

  /** MemoryStore.update writes `key` only if its mod revision is still `modRevision`; otherwise returns its current entry. */
  async update(key: string, value: Uint8Array, modRevision: bigint): Promise<StoreWrite> {
    checkKey('MemoryStore.update', key);
    const bytes = checkValue('MemoryStore.update', key, value);
    checkModRevision('MemoryStore.update', key, modRevision);
    return this.#write('update', key, { key, modRevision }, { op: 'put', key, value: bytes });
  }

  /** MemoryStore.delete removes `key` only if its mod revision is still `modRevision`; otherwise returns its current entry. */
  async delete(key: string, modRevision: bigint): Promise<StoreWrite> {
    checkKey('MemoryStore.delete', key);
    checkModRevision('MemoryStore.delete', key, modRevision);
    return this.#write('delete', key, { key, modRevision }, { op: 'delete', key });
  }

  /**
   * MemoryStore.txn applies `operations` atomically, at one new revision, if every condition holds; otherwise it writes
   * nothing and returns the current entry of every key named in a condition. A key may appear in one operation only
   * (`ERR_STORE_INVALID_ARGUMENT`), and more than `maxTxnOps` conditions or operations are `ERR_STORE_REJECTED`.
   */
  async txn(conditions: readonly StoreCondition[], operations: readonly StoreOperation[]): Promise<StoreTxnResult> {
    const args = checkTxn('MemoryStore.txn', conditions, operations);
    checkTxnSize('MemoryStore.txn', args, this.#maxTxnOps);
    const keys = [...args.conditions.map((c) => c.key), ...args.operations.map((o) => o.key)];
    const fault = await this.#enter('txn', true, keys);
    const result = this.#apply(args.conditions, args.operations, fault);
    return result;
  }

  /** MemoryStore.close makes the store unusable: later calls throw `ERR_STORE_UNAVAILABLE`. Its contents are dropped. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#entries.clear();
    this.#keys.length = 0;
  }

  async #write(method: 'create' | 'update' | 'delete', key: string, cond: StoreCondition, op: StoreOperation): Promise<StoreWrite> {
    const fault = await this.#enter(method, true, [key]);
    const r = this.#apply([cond], [op], fault, method);
    return r.ok ? { ok: true, revision: r.revision } : { ok: false, current: r.current.get(key) };
  }

  /** Runs the fault hook and checks the store is open; returns the fault to apply after the write, if any. */
  async #enter(method: MemoryStoreMethod, write: boolean, keys: readonly string[]): Promise<MemoryStoreFault> {
    const api = `MemoryStore.${method}(${quote(keys[0] ?? '')})`;
    this.#checkOpen(api, keys[0]);
    const call = ++this.#calls;
    if (this.#faults === undefined) return undefined;
    const fault = await this.#faults({ method, write, keys: [...keys], call });
    this.#checkOpen(api, keys[0]);
    const opts = keys[0] === undefined ? {} : { key: keys[0] };
    if (fault === undefined) return undefined;
    if (fault === 'unavailable' || !write) {
      throw new ClusterError('ERR_STORE_UNAVAILABLE', `${api}: injected fault ${quote(fault)}: store unavailable, nothing was applied`, opts);
    }
    if (fault === 'request-lost') {
      throw new ClusterError('ERR_STORE_OUTCOME_UNKNOWN', `${api}: injected fault "request-lost": no reply (the write was not applied)`, opts);
    }
    if (fault === 'reply-lost') return fault;
    throw new ClusterError('ERR_STORE_INVALID_ARGUMENT', `${api}: faults hook returned ${quote(fault)}, not a MemoryStoreFault`, opts);
  }

  #checkOpen(api: string, key: string | undefined): void {
    if (this.#closed) {
      throw new ClusterError('ERR_STORE_UNAVAILABLE', `${api}: the store is closed`, key === undefined ? {} : { key });
    }
  }

  #apply(
    conditions: readonly StoreCondition[],
    operations: readonly StoreOperation[],
    fault: MemoryStoreFault,
    method: MemoryStoreMethod = 'txn',
  ): StoreTxnResult {
    const held = conditions.every((c) => {
      const e = this.#entries.get(c.key);
      return 'absent' in c ? e === undefined : e !== undefined && e.modRevision === c.modRevision;
    });
    if (!held) {
      const current = new Map<string, StoreEntry | undefined>();
      for (const c of conditions) current.set(c.key, this.#entry(c.key));
      return { ok: false, revision: this.#revision, current };
    }
    const next = this.#revision + 1n;
    let changed = false;
    for (const op of operations) {
      const old = this.#entries.get(op.key);
      if (op.op === 'put') {
        if (old === undefined) insertSorted(this.#keys, op.key);
        this.#entries.set(op.key, {
          value: new Uint8Array(op.value),
          createRevision: old?.createRevision ?? next,
          modRevision: next,
          version: (old?.version ?? 0n) + 1n,
        });
        changed = true;
      } else if (old !== undefined) {
        this.#entries.delete(op.key);
        this.#keys.splice(lowerBound(this.#keys, op.key), 1);
        changed = true;
      }
    }
    if (changed) this.#revision = next;
    if (fault === 'reply-lost') {
      const key = operations[0]?.key ?? conditions[0]?.key;
      throw new ClusterError(
        'ERR_STORE_OUTCOME_UNKNOWN',
        `MemoryStore.${method}(${quote(key ?? '')}): injected fault "reply-lost": no reply (the write was applied)`,
        key === undefined ? {} : { key },
      );
    }
    return { ok: true, revision: this.#revision };
  }

  #entry(key: string): StoreEntry | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    return { key, value: new Uint8Array(e.value), createRevision: e.createRevision, modRevision: e.modRevision, version: e.version };
  }
}

/** lowerBound returns the first index of `keys` whose key is not below `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(keys: string[], key: string): void {
  keys.splice(lowerBound(keys, key), 0, key);
}
