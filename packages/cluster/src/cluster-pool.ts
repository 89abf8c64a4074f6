/*
 * ClusterPool: one address space shared by every node of a cluster, kept in a Store (etcd), with block affinity.
 *
 * Store layout, relative to the store's prefix (records are compact JSON, each with a format marker `t` and a
 * version `v`; see internal/pool-records.ts for the exact fields):
 *
 *   pools/<name>                       {"t":"ipam/pool","v":1,"cidrs":[...],"blockSize":26,"reserveEnds":true}
 *   pools/<name>/blocks/<block-cidr>   {"t":"ipam/block","v":1,"cidr":"10.244.0.64/26","node":"node-a","seq":3,
 *                                       "a":{"<offset>":{"o":"<owner>","s":<seq>,"n":"<allocating node>"}}}
 *
 * - The pool record is created by the first open and compared by every later one (ERR_CLUSTER_POOL_CONFLICT).
 * - A block record exists once a node claimed the block; `node` is its affinity, `seq` its sequence counter, `a` its
 *   allocations by offset. A record is never deleted: releasing a block sets `node` to null and keeps the counter, so
 *   a sequence number is never reused for an address, and a stale release can never match a newer allocation.
 *   pools/<name>/owners/<owner>        {"t":"ipam/owner","v":1,"o":"<owner>","a":[["10.244.0.64/26",0,1],...]}
 *
 * - The owner index: one key per owner (escaped with encodeURIComponent) listing the block, offset and sequence
 *   number of each of its allocations. It is written in the same transaction as the block change that adds or
 *   removes an allocation of the owner, conditional on both keys' revisions, so at every revision the index says
 *   exactly what the blocks say. releaseOwner and list({ owner }) read it instead of every block; collectGarbage
 *   compares it with the blocks and repairs a key that disagrees (only a hand edit can make one).
 * - Anything under `pools/<name>/` that is not a block or owner key of this pool, or does not decode, is
 *   ERR_CLUSTER_POOL_CORRUPT naming the key; such a key is never written.
 */
import { Addr, Prefix } from '@ipam/core';
import { ClusterError } from './cluster-error.js';
import { backoffDelay, DEFAULT_RETRY, type RetryPolicy, sleep } from './internal/backoff.js';
import { MAX_BLOCK_HOST_BITS, PoolGeometry } from './internal/pool-geometry.js';
import { blockKey, ownerKey, parseBlockKey, parseOwnerKey, POOL_NAME, poolContentsPrefix, poolKey } from './internal/pool-keys.js';
import {
  type BlockAllocation,
  type BlockRecord,
  corruptKey,
  compareOwnerEntries,
  decodeBlock,
  decodeOwner,
  decodePool,
  encodeBlock,
  encodeOwner,
  encodePool,
  type OwnerEntry,
  isValidAttributes,
  isValidName,
  MAX_ATTRIBUTES,
  type PoolDefinition,
} from './internal/pool-records.js';
import type { Store, StoreCondition, StoreEntry, StoreOperation } from './store.js';

/** ClusterReleaseBlocksOptions qualifies one {@link ClusterPool.releaseEmptyBlocks}. */
export interface ClusterReleaseBlocksOptions extends ClusterCallOptions {
  /** ClusterReleaseBlocksOptions.node is the node whose empty blocks are given back; default the pool's node. */
  readonly node?: string;
}

/** ClusterRetryOptions bounds the retries of a {@link ClusterPool} (lost compare-and-swaps, an unavailable store). */
export interface ClusterRetryOptions {
  /** ClusterRetryOptions.attempts is how many times one step is tried before giving up; default 16. */
  readonly attempts?: number;
  /** ClusterRetryOptions.baseMs is the ceiling of the first jittered delay, in milliseconds; default 5. */
  readonly baseMs?: number;
  /** ClusterRetryOptions.maxMs is the largest ceiling of a delay, in milliseconds; default 1000. */
  readonly maxMs?: number;
}

/**
 * ClusterCallOptions bound one call of a {@link ClusterPool}: an `AbortSignal` ends its retries and backoff. An
 * aborted call that wrote nothing fails with `ERR_CLUSTER_ABORTED`; one whose write was sent and may have been applied
 * fails with `ERR_STORE_OUTCOME_UNKNOWN` (then look, or release the owner), so an abort never leaves an unknown state
 * unreported.
 */
export interface ClusterCallOptions {
  /** ClusterCallOptions.signal aborts the call (for example `AbortSignal.timeout(5000)`). */
  readonly signal?: AbortSignal | undefined;
}

/** ClusterPoolOptions configures {@link ClusterPool.open}. */
export interface ClusterPoolOptions extends ClusterCallOptions {
  /** ClusterPoolOptions.store is where the pool lives (an `EtcdStore`, or a `MemoryStore` in tests). */
  readonly store: Store;
  /** ClusterPoolOptions.name names the pool: a DNS label (lower case letters, digits, `-`; at most 63 characters). */
  readonly name: string;
  /** ClusterPoolOptions.cidrs are the pool's prefixes, in canonical form, all of one family, not overlapping. */
  readonly cidrs: readonly (string | Prefix)[];
  /**
   * ClusterPoolOptions.blockSize is the prefix length of a block (26 for /26 blocks of 64 IPv4 addresses): at least
   * the length of every CIDR, and a block holds at most 4096 addresses (IPv4 /20 … /32, IPv6 /116 … /128).
   */
  readonly blockSize: number;
  /** ClusterPoolOptions.node is the name of the node this pool object allocates for (its block affinity). */
  readonly node: string;
  /**
   * ClusterPoolOptions.reserveEnds keeps the first address of every CIDR (and, for IPv4, the last: the broadcast
   * address) out of allocation; default true. CIDRs with fewer than 4 addresses reserve nothing. Only the ends of the
   * whole CIDR are reserved, not those of each block: inside 10.244.0.0/16, 10.244.1.0 and 10.244.0.255 are ordinary
   * host addresses and are handed out. Part of the pool's definition: every open must agree.
   */
  readonly reserveEnds?: boolean;
  /**
   * ClusterPoolOptions.timeoutMs bounds every call of the pool object (open included), retries and backoff included,
   * as an abort after that many milliseconds would (see {@link ClusterCallOptions}); default: no bound besides the
   * retry policy and the store's own request timeouts.
   */
  readonly timeoutMs?: number;
  /** ClusterPoolOptions.retry bounds the retries (see {@link ClusterRetryOptions}). */
  readonly retry?: ClusterRetryOptions;
  /**
   * ClusterPoolOptions.maxBatch caps how many concurrent allocations are decided together; default 256. One
   * conditional write carries at most 100 of them (a transaction of the block and each owner's index key).
   */
  readonly maxBatch?: number;
}

/** ClusterAllocateOptions qualifies one {@link ClusterPool.allocate}. */
export interface ClusterAllocateOptions extends ClusterCallOptions {
  /**
   * ClusterAllocateOptions.owner labels the allocation so it can be found and released, such as
   * `'default/web-0/eth0'` or a container id and interface: non-empty, at most 1024 characters, no control characters.
   */
  readonly owner: string;
  /**
   * ClusterAllocateOptions.attributes are recorded with the allocation for humans and tools (such as
   * `{ namespace: 'default', pod: 'web-0' }`) and shown by {@link ClusterPool.list}; they identify nothing. At most 16,
   * names and values non-empty without control characters (names at most 256 characters, values 1024).
   */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** ClusterAllocation is one allocation of a {@link ClusterPool}, as {@link ClusterPool.list} reports it. */
export interface ClusterAllocation {
  /** ClusterAllocation.addr is the allocated address. */
  readonly addr: Addr;
  /** ClusterAllocation.owner is the owner given to allocate. */
  readonly owner: string;
  /** ClusterAllocation.node is the node whose pool object made the allocation. */
  readonly node: string;
  /** ClusterAllocation.block is the block holding the address. */
  readonly block: Prefix;
  /** ClusterAllocation.affinity is the node the block belongs to (differs from `node` for a borrowed address), or undefined for a released block. */
  readonly affinity: string | undefined;
  /** ClusterAllocation.seq is the allocation's sequence number in its block: unique there, forever. */
  readonly seq: number;
  /** ClusterAllocation.attributes are the attributes given to allocate, or undefined when none were. */
  readonly attributes?: Readonly<Record<string, string>> | undefined;
}

/** ClusterListOptions qualifies one {@link ClusterPool.list}. */
export interface ClusterListOptions extends ClusterCallOptions {
  /** ClusterListOptions.owner lists only the allocations of this owner (read through the owner index). */
  readonly owner?: string;
}

/** ClusterReleaseOptions qualifies one {@link ClusterPool.release}. */
export interface ClusterReleaseOptions extends ClusterCallOptions {
  /**
   * ClusterReleaseOptions.seq is the sequence number of the allocation to release; needed only for an address this
   * pool object did not hand out itself (it remembers its own).
   */
  readonly seq?: number;
}

/** ClusterNodeStats counts the blocks of one node in {@link ClusterPoolStats}. */
export interface ClusterNodeStats {
  /** ClusterNodeStats.blocks is the number of blocks with affinity to the node. */
  readonly blocks: number;
  /** ClusterNodeStats.used is the number of addresses allocated in those blocks (by any node). */
  readonly used: number;
  /** ClusterNodeStats.free is the number of addresses still free in those blocks. */
  readonly free: number;
}

/** ClusterPoolStats is what {@link ClusterPool.stats} reports. */
export interface ClusterPoolStats {
  /** ClusterPoolStats.size is the number of addresses that can be handed out at all (reserved ends excluded). */
  readonly size: bigint;
  /** ClusterPoolStats.used is the number of allocated addresses. */
  readonly used: bigint;
  /** ClusterPoolStats.free is `size - used`. */
  readonly free: bigint;
  /** ClusterPoolStats.blocks is the number of blocks in the pool. */
  readonly blocks: bigint;
  /** ClusterPoolStats.claimedBlocks is the number of blocks with an affinity. */
  readonly claimedBlocks: number;
  /** ClusterPoolStats.freeBlocks is the number of blocks nobody has claimed (or that were released back). */
  readonly freeBlocks: bigint;
  /** ClusterPoolStats.nodes maps each node with blocks to its figures. */
  readonly nodes: ReadonlyMap<string, ClusterNodeStats>;
}

/** ClusterGarbageOptions configures {@link ClusterPool.collectGarbage}. */
export interface ClusterGarbageOptions extends ClusterCallOptions {
  /**
   * ClusterGarbageOptions.isAlive reports whether an owner still exists (a pod, a container); it is asked about every
   * owner on every run, at most 16 questions at a time. Only `false` counts as gone (a wrong answer type never frees).
   */
  readonly isAlive: (owner: string) => boolean | Promise<boolean>;
  /** ClusterGarbageOptions.graceMs is how long an allocation must be seen ownerless, at two observations at least, before it is freed. */
  readonly graceMs: number;
  /** ClusterGarbageOptions.now is the clock in milliseconds; default `performance.now` (monotonic). */
  readonly now?: () => number;
}

/** ClusterGarbageResult is what one {@link ClusterPool.collectGarbage} run did. */
export interface ClusterGarbageResult {
  /** ClusterGarbageResult.checked is the number of allocations looked at. */
  readonly checked: number;
  /** ClusterGarbageResult.suspected is the number of ownerless allocations waiting for their grace period to end. */
  readonly suspected: number;
  /** ClusterGarbageResult.freed are the allocations freed by this run. */
  readonly freed: readonly ClusterAllocation[];
  /**
   * ClusterGarbageResult.repaired is the number of owner index records this run rewrote (or deleted) to match the
   * blocks. The library writes both in one transaction, so this is 0 unless the store was edited by hand.
   */
  readonly repaired: number;
}

/** A block record as last seen, with the mod revision a conditional write needs. */
interface Cached {
  readonly key: string;
  readonly block: Prefix;
  readonly modRevision: bigint;
  readonly record: BlockRecord;
}

/** An owner index record as last seen (absent from the cache: assumed absent, every write is conditional). */
interface CachedOwner {
  readonly key: string;
  readonly owner: string;
  readonly modRevision: bigint;
  readonly entries: readonly OwnerEntry[];
}

/** The target of a write whose outcome was unknown: its key, block and the mod revision it was conditional on (undefined: absent). */
interface Fence {
  readonly key: string;
  readonly block: Prefix;
  readonly modRevision: bigint | undefined;
}

/** One allocate call waiting in (or taken from) the queue of a pool object. */
interface Pending {
  readonly owner: string;
  readonly attributes: Readonly<Record<string, string>> | undefined;
  resolve: (a: ClusterAllocation) => void;
  reject: (e: unknown) => void;
  /** The caller has its answer (possibly an abort): later outcomes are not reported. */
  settled: boolean;
  /** A write carrying it is in flight. */
  writing: boolean;
  /** A write carrying it had an unknown outcome and may still apply. */
  uncertain: boolean;
}

/**
 * One public call: its name for messages, its abort signal (the caller's and the pool's timeout), and whether a write
 * it sent may have been applied (which turns an abort into ERR_STORE_OUTCOME_UNKNOWN).
 */
class Call {
  mayHaveWritten = false;
  constructor(
    readonly api: string,
    readonly signal: AbortSignal | undefined,
  ) {}

  /** The error of an abort: ERR_CLUSTER_ABORTED when nothing may have been written, else ERR_STORE_OUTCOME_UNKNOWN. */
  aborted(): ClusterError {
    const r: unknown = this.signal?.reason;
    const why = r instanceof Error ? r.message : String(r ?? 'aborted');
    return this.mayHaveWritten
      ? new ClusterError('ERR_STORE_OUTCOME_UNKNOWN', `${this.api}: aborted (${why}) after a write that may or may not have been applied`, { cause: r })
      : new ClusterError('ERR_CLUSTER_ABORTED', `${this.api}: aborted (${why}); nothing was written`, { cause: r });
  }

  /** Throws the abort error when the signal is aborted. */
  check(): void {
    if (this.signal?.aborted === true) throw this.aborted();
  }

  /**
   * Runs one store request, rejecting as soon as the signal aborts; a write in flight then may apply, so its abort is
   * an unknown outcome.
   */
  io<T>(write: boolean, fn: () => Promise<T>): Promise<T> {
    const signal = this.signal;
    if (signal === undefined) return fn();
    this.check();
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        if (write) this.mayHaveWritten = true;
        reject(this.aborted());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      fn().then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  /** Sleeps `ms` milliseconds of backoff, or fails as soon as the signal aborts. */
  sleep(ms: number): Promise<void> {
    return this.io(false, () => sleep(ms));
  }
}

/**
 * The outcome of one conditional write: done, or to be re-decided (`error` is the store's error when nothing was
 * written because it was unavailable; `unknown` is set when the write's outcome was unknown and it was not found).
 */
type WriteResult =
  | { readonly kind: 'ok'; readonly cached: Cached }
  | { readonly kind: 'retry'; readonly error?: unknown; readonly unknown?: true };

const LIST_PAGE = 256;
/**
 * The most owners one write changes: a write is one transaction of the block and each changed owner's index key, and
 * etcd takes at most 128 compares and 128 operations per transaction by default (--max-txn-ops).
 */
const MAX_TXN_OWNERS = 100;
/** How many isAlive questions collectGarbage has open at once. */
const GC_CONCURRENCY = 16;

function isCode(e: unknown, code: string): boolean {
  return ClusterError.isInstance(e) && e.code === code;
}

function invalid(message: string): ClusterError {
  return new ClusterError('ERR_CLUSTER_INVALID_ARGUMENT', message);
}

function checkSignal(api: string, signal: unknown): void {
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalid(`${api}: signal is not an AbortSignal`);
}

/** FNV-1a over UTF-16 code units: a stable, well-spread start for a node's search of a free block. */
function hash(s: string): bigint {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return BigInt(h);
}

/**
 * ClusterPool allocates addresses from one address space shared by every node of a cluster, kept in a {@link Store}
 * (etcd in production) with block affinity, in the manner of Calico's IPAM blocks:
 *
 * - The pool's CIDRs are cut into blocks of `blockSize`. A node claims a free block with a create (compare-and-swap on
 *   "absent"), then allocates inside its own blocks; it claims another block when they are full, and borrows from
 *   another node's block only when the pool has no free block left. Free blocks are searched from a point that
 *   depends on the node's name, so nodes that start together do not all race for the same block.
 * - Every allocation, release and claim is one conditional write of one block record (on its mod revision), in one
 *   transaction with the owner index record of each owner it changes (on theirs): the index, which
 *   {@link ClusterPool.releaseOwner} and `list({ owner })` read instead of the whole pool, never disagrees with the
 *   blocks. Concurrent {@link ClusterPool.allocate} calls on one pool object are batched: callers that arrive while a write is
 *   in flight share the next write (up to `maxBatch`), so N concurrent allocations on a node cost about one round
 *   trip per block, not N.
 * - A lost compare-and-swap re-decides on the current record the store returns, after a bounded, jittered
 *   exponential backoff (`retry`); when the attempts run out the call fails with `ERR_CLUSTER_CONTENTION` (or the
 *   store's last `ERR_STORE_UNAVAILABLE`). A write that failed with `ERR_STORE_OUTCOME_UNKNOWN` is never blindly
 *   retried: the record is read first and the write counts as done when the allocations it carried (address, owner,
 *   node and their unique sequence numbers) are there; otherwise it is redone on the same block and the same
 *   condition, so that etcd applying the first request late (after the check) and the retry exclude each other.
 * - Every allocation gets a sequence number unique in its block forever; {@link ClusterPool.release} is conditional on
 *   it, so a stale release cannot free an address that was freed and handed out again meanwhile.
 * - Block records are never deleted. An empty block keeps its affinity until {@link ClusterPool.releaseEmptyBlocks}
 *   gives it back (for instance when a node is drained or deleted); allocate never releases blocks itself, which
 *   avoids claim/release churn on nodes whose pod count hovers around a block boundary. Do not delete block keys by
 *   hand either: the block's sequence counter would start over and an old sequence number could match again.
 *
 * Store contents under the pool's keys that this library did not write (or a newer format) are
 * `ERR_CLUSTER_POOL_CORRUPT` naming the key, and are never overwritten. Dual-stack clusters use one pool per family.
 *
 * @example
 * ```ts
 * const store = new MemoryStore(); // or new EtcdStore({ endpoints: ['http://127.0.0.1:2379'], prefix: '/ipam/' })
 * const pool = await ClusterPool.open({ store, name: 'pods', cidrs: ['10.244.0.0/16'], blockSize: 26, node: 'node-a' });
 * const ip = await pool.allocate({ owner: 'default/web-0/eth0' }); // 10.244.100.192: node-a's first block is 10.244.100.192/26
 * await pool.release(ip);
 * await pool.allocate({ owner: 'default/db-0/eth0' });
 * await pool.releaseOwner('default/db-0/eth0');
 * (await pool.list()).length; // 0
 * ```
 */
export class ClusterPool {
  readonly #store: Store;
  readonly #name: string;
  readonly #node: string;
  readonly #geo: PoolGeometry;
  readonly #retry: RetryPolicy;
  readonly #maxBatch: number;
  readonly #timeoutMs: number | undefined;
  /** Block records as last seen, by key: advisory only, every write is conditional. */
  readonly #blocks = new Map<string, Cached>();
  /** The sequence number of each address this object handed out and has not released. */
  readonly #handed = new Map<string, number>();
  /** Owner index records as last seen, by key: advisory only. */
  readonly #owners = new Map<string, CachedOwner>();
  /** Garbage-collection suspects: `addr#seq` → when first seen ownerless. */
  readonly #suspects = new Map<string, number>();
  #queue: Pending[] = [];
  #draining = false;

  private constructor(store: Store, name: string, node: string, geo: PoolGeometry, retry: RetryPolicy, maxBatch: number, timeoutMs: number | undefined) {
    this.#timeoutMs = timeoutMs;
    this.#store = store;
    this.#name = name;
    this.#node = node;
    this.#geo = geo;
    this.#retry = retry;
    this.#maxBatch = maxBatch;
  }

  /**
   * ClusterPool.open opens pool `name` in the store for node `node`, creating its definition record on first use;
   * later opens must give the same CIDRs (in any order), block size and `reserveEnds`.
   *
   * @throws {@link ClusterError} `ERR_CLUSTER_INVALID_ARGUMENT` for bad options (naming the option),
   * `ERR_CLUSTER_POOL_CONFLICT` when the stored definition differs, `ERR_CLUSTER_POOL_CORRUPT` when the definition
   * record is not one this library wrote, or a store error when the store stays unavailable.
   *
   * @example
   * ```ts
   * const pool = await ClusterPool.open({ store, name: 'pods', cidrs: ['10.244.0.0/16'], blockSize: 26, node: 'node-a' });
   * ```
   */
  static async open(options: ClusterPoolOptions): Promise<ClusterPool> {
    const api = 'ClusterPool.open';
    if (typeof options !== 'object' || options === null) throw invalid(`${api}: options are not an object`);
    const { store, name, node } = options;
    if (typeof store !== 'object' || store === null || typeof store.get !== 'function' || typeof store.update !== 'function') {
      throw invalid(`${api}: store is not a Store`);
    }
    if (typeof name !== 'string' || !POOL_NAME.test(name)) {
      throw invalid(`${api}: name ${JSON.stringify(name)} is not a DNS label (lower case letters, digits and "-", 1 to 63 characters)`);
    }
    if (!isValidName(node)) throw invalid(`${api}("${name}"): node ${JSON.stringify(node)} is not a node name (non-empty, no control characters)`);
    const geo = ClusterPool.#geometry(api, name, options);
    const retry = ClusterPool.#retryPolicy(api, name, options.retry);
    const maxBatch = options.maxBatch ?? 256;
    if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw invalid(`${api}("${name}"): maxBatch ${JSON.stringify(maxBatch)} is not a positive integer`);
    const { timeoutMs } = options;
    if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs))) {
      throw invalid(`${api}("${name}"): timeoutMs ${JSON.stringify(timeoutMs)} is not a positive number of milliseconds`);
    }
    checkSignal(api, options.signal);
    const pool = new ClusterPool(store, name, node, geo, retry, maxBatch, timeoutMs);
    await pool.#ensureDefinition(pool.#call(api, options.signal));
    return pool;
  }

  /** A call context for `api` with the caller's signal and the pool's timeout. */
  #call(api: string, signal: AbortSignal | undefined): Call {
    checkSignal(api, signal);
    const timeout = this.#timeoutMs === undefined ? undefined : AbortSignal.timeout(this.#timeoutMs);
    const both = signal === undefined ? timeout : timeout === undefined ? signal : AbortSignal.any([signal, timeout]);
    return new Call(api, both);
  }

  static #geometry(api: string, name: string, options: ClusterPoolOptions): PoolGeometry {
    const { cidrs, blockSize } = options;
    const reserveEnds = options.reserveEnds ?? true;
    if (typeof reserveEnds !== 'boolean') throw invalid(`${api}("${name}"): reserveEnds is not a boolean`);
    if (!Array.isArray(cidrs) || cidrs.length === 0) throw invalid(`${api}("${name}"): cidrs is not a non-empty array`);
    const prefixes: Prefix[] = [];
    for (const c of cidrs as readonly unknown[]) {
      let p: Prefix | undefined;
      if (c instanceof Prefix) p = c.masked().equals(c) ? c : undefined;
      else if (typeof c === 'string') p = Prefix.tryParse(c);
      if (p === undefined) throw invalid(`${api}("${name}"): cidr ${JSON.stringify(String(c))} is not a canonical prefix such as "10.244.0.0/16"`);
      prefixes.push(p);
    }
    const family = prefixes[0]!.family;
    for (const p of prefixes) {
      if (p.family !== family) throw invalid(`${api}("${name}"): cidr ${p} is IPv${p.family} but ${prefixes[0]} is IPv${family}; use one pool per family`);
    }
    const sorted = [...prefixes].sort(Prefix.compare);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i - 1]!.overlaps(sorted[i]!)) throw invalid(`${api}("${name}"): cidrs ${sorted[i - 1]} and ${sorted[i]} overlap`);
    }
    const bitLength = prefixes[0]!.addr.bitLength;
    const longest = Math.max(...prefixes.map((p) => p.bits));
    if (!Number.isInteger(blockSize) || blockSize < longest || blockSize > bitLength || bitLength - blockSize > MAX_BLOCK_HOST_BITS) {
      throw invalid(
        `${api}("${name}"): blockSize ${JSON.stringify(blockSize)} is not an integer in ${Math.max(longest, bitLength - MAX_BLOCK_HOST_BITS)}…${bitLength} ` +
          `(at least every CIDR's length, at most ${2 ** MAX_BLOCK_HOST_BITS} addresses per block)`,
      );
    }
    return new PoolGeometry(sorted, blockSize, reserveEnds);
  }

  static #retryPolicy(api: string, name: string, r: ClusterRetryOptions | undefined): RetryPolicy {
    if (r === undefined) return DEFAULT_RETRY;
    const attempts = r.attempts ?? DEFAULT_RETRY.attempts;
    const baseMs = r.baseMs ?? DEFAULT_RETRY.baseMs;
    const maxMs = r.maxMs ?? DEFAULT_RETRY.maxMs;
    if (!Number.isSafeInteger(attempts) || attempts < 1 || attempts > 1000) throw invalid(`${api}("${name}"): retry.attempts ${JSON.stringify(attempts)} is not an integer in 1…1000`);
    if (!Number.isFinite(baseMs) || baseMs < 0) throw invalid(`${api}("${name}"): retry.baseMs ${JSON.stringify(baseMs)} is not a non-negative number`);
    if (!Number.isFinite(maxMs) || maxMs < baseMs) throw invalid(`${api}("${name}"): retry.maxMs ${JSON.stringify(maxMs)} is not a number at least retry.baseMs`);
    return { attempts, baseMs, maxMs };
  }

  /** ClusterPool.name is the pool's name. */
  get name(): string {
    return this.#name;
  }

  /** ClusterPool.node is the node this pool object allocates for. */
  get node(): string {
    return this.#node;
  }

  /** ClusterPool.cidrs are the pool's prefixes, in address order. */
  get cidrs(): readonly Prefix[] {
    return this.#geo.cidrs;
  }

  /** ClusterPool.blockSize is the prefix length of the pool's blocks. */
  get blockSize(): number {
    return this.#geo.blockSize;
  }

  /** ClusterPool.reserveEnds reports whether the ends of every CIDR are kept out of allocation. */
  get reserveEnds(): boolean {
    return this.#geo.reserveEnds;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // allocate

  /**
   * ClusterPool.allocate hands out the lowest free address of one of this node's blocks and records it with `owner`;
   * see the class comment for how blocks are claimed and borrowed. Concurrent calls on one pool object share writes.
   *
   * @throws {@link ClusterError} `ERR_CLUSTER_POOL_EXHAUSTED` when no block of the pool has a free address,
   * `ERR_CLUSTER_INVALID_ARGUMENT` for a bad owner, `ERR_CLUSTER_CONTENTION` when retries run out,
   * `ERR_CLUSTER_POOL_CORRUPT` when a record it needs does not decode, or a store error (`ERR_STORE_UNAVAILABLE`;
   * `ERR_STORE_OUTCOME_UNKNOWN` when the outcome could not even be checked — then release the owner).
   *
   * @example
   * ```ts
   * const ip = await pool.allocate({ owner: 'default/web-0/eth0' });
   * ip.toString(); // '10.244.100.192' for node-a in a fresh 10.244.0.0/16 pool (the first address of its block)
   * ```
   */
  async allocate(options: ClusterAllocateOptions): Promise<Addr> {
    const owner = this.#owner('ClusterPool.allocate', (options as ClusterAllocateOptions | undefined)?.owner);
    const attributes = options.attributes;
    if (attributes !== undefined && !isValidAttributes(attributes)) {
      throw invalid(`ClusterPool.allocate("${this.#name}"): attributes ${JSON.stringify(attributes)} are not at most ${MAX_ATTRIBUTES} non-empty strings without control characters`);
    }
    const call = this.#call(`ClusterPool.allocate("${this.#name}")`, options.signal);
    return (await this.#enqueue(owner, attributes === undefined || Object.keys(attributes).length === 0 ? undefined : { ...attributes }, call)).addr;
  }

  /**
   * ClusterPool.allocateMany allocates one address for each owner (an owner may appear more than once), sharing
   * writes, and returns the allocations in the order of `owners`. All or nothing: when one fails, those already made
   * are released again and the first error is thrown — or, when that release fails too, the release's error (then
   * some of the owners may hold an address: release them with {@link ClusterPool.releaseOwner}). After an abort the
   * error is `ERR_STORE_OUTCOME_UNKNOWN` when any of the allocations may have been written, else `ERR_CLUSTER_ABORTED`.
   *
   * @example
   * ```ts
   * const [a, b] = await pool.allocateMany(['default/web-0/eth0', 'default/web-1/eth0']);
   * a.seq; // the sequence numbers that release(a) is conditional on
   * ```
   */
  async allocateMany(owners: readonly string[], options?: ClusterCallOptions): Promise<ClusterAllocation[]> {
    const api = 'ClusterPool.allocateMany';
    if (!Array.isArray(owners)) throw invalid(`${api}("${this.#name}"): owners is not an array`);
    const checked = owners.map((o: unknown) => this.#owner(api, o));
    const call = this.#call(`${api}("${this.#name}")`, options?.signal);
    const settled = await Promise.allSettled(checked.map((o) => this.#enqueue(o, undefined, call)));
    const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    const failed = rejected.find((s) => isCode(s.reason, 'ERR_STORE_OUTCOME_UNKNOWN')) ?? rejected[0];
    const made = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (failed === undefined) return made;
    // Undone without the caller's signal (it may be the abort that failed the call), bounded by the retry policy.
    const undone = await Promise.allSettled(made.map((a) => this.release(a)));
    const stuck = undone.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    throw stuck === undefined ? failed.reason : stuck.reason;
  }

  #owner(api: string, owner: unknown): string {
    if (!isValidName(owner)) {
      throw invalid(`${api}("${this.#name}"): owner ${JSON.stringify(owner)} is not an owner (non-empty, at most 1024 characters, no control characters)`);
    }
    return owner;
  }

  /**
   * Queues one allocation. An abort answers the caller at once: ERR_CLUSTER_ABORTED while no write carrying it was sent
   * (it is taken out of the queue), ERR_STORE_OUTCOME_UNKNOWN when one is in flight or may still apply.
   */
  #enqueue(owner: string, attributes: Readonly<Record<string, string>> | undefined, call: Call): Promise<ClusterAllocation> {
    call.check();
    return new Promise<ClusterAllocation>((resolve, reject) => {
      const signal = call.signal;
      const p: Pending = { owner, attributes, resolve, reject, settled: false, writing: false, uncertain: false };
      const onAbort = (): void => {
        const i = this.#queue.indexOf(p);
        if (i >= 0) this.#queue.splice(i, 1);
        call.mayHaveWritten ||= p.writing || p.uncertain;
        p.reject(call.aborted());
      };
      const settle =
        <T>(fn: (v: T) => void) =>
        (v: T): void => {
          if (p.settled) return;
          p.settled = true;
          signal?.removeEventListener('abort', onAbort);
          fn(v);
        };
      p.resolve = settle(resolve);
      p.reject = settle(reject);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(p);
      if (!this.#draining) {
        this.#draining = true;
        // Start on the next microtask so that callers in the same tick share the first write.
        queueMicrotask(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatch);
        try {
          await this.#allocateBatch(batch);
        } catch (e) {
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  async #allocateBatch(batch: readonly Pending[]): Promise<void> {
    const api = `ClusterPool.allocate("${this.#name}")`;
    // The batch's own store requests are not aborted: each caller's signal answers that caller (see #enqueue).
    const call = new Call(api, undefined);
    let pending = batch;
    let attempt = 0;
    let lastError: unknown;
    let uncertain = false;
    // After a write whose outcome was unknown and which was not found, the next write goes to the same key on the
    // same condition while the key is unchanged: the two exclude each other, so a late apply of the first cannot
    // add a second allocation elsewhere.
    let fence: Fence | undefined;
    try {
      for (;;) {
        // Callers that gave up are dropped, except while a write of unknown outcome is redone: the redo must carry
        // the same allocations so that it and a late apply of the first exclude each other.
        if (fence === undefined) pending = pending.filter((p) => !p.settled);
        if (pending.length === 0) break;
        const plan = await this.#plan(call, Math.min(pending.length, MAX_TXN_OWNERS), fence);
        if (plan === undefined) {
          throw new ClusterError(
            'ERR_CLUSTER_POOL_EXHAUSTED',
            `${api}: no free address in ${this.#geo.cidrs.join(', ')} (${this.#geo.totalBlocks} × /${this.#geo.blockSize} blocks, all full)`,
          );
        }
        const { key, block, base, offsets } = plan;
        if (offsets.length === 0) throw new Error(`${api}: internal error: planned a write of no address to ${key}`);
        const assigned = pending.slice(0, offsets.length);
        const first = (base?.record.seq ?? 0) + 1;
        const allocations = new Map(base?.record.allocations);
        assigned.forEach((p, i) => allocations.set(offsets[i]!, p.attributes === undefined ? { owner: p.owner, seq: first + i, node: this.#node } : { owner: p.owner, seq: first + i, node: this.#node, attributes: p.attributes }));
        const record: BlockRecord = {
          cidr: block.toString(),
          node: base?.record.node ?? this.#node,
          seq: first + assigned.length - 1,
          allocations,
        };
        const landed = (r: BlockRecord): boolean =>
          assigned.every((p, i) => {
            const x = r.allocations.get(offsets[i]!);
            return x !== undefined && x.seq === first + i && x.owner === p.owner && x.node === this.#node;
          });
        for (const p of assigned) p.writing = true;
        const res = await this.#write(call, key, block, base, record, landed, uncertain);
        for (const p of assigned) {
          p.writing = false;
          if (res.kind === 'retry' && res.unknown === true) p.uncertain = true;
        }
        if (res.kind === 'ok') {
          assigned.forEach((p, i) => {
            const a = this.#allocation(res.cached, offsets[i]!, allocations.get(offsets[i]!)!);
            this.#handed.set(a.addr.toString(), a.seq);
            p.resolve(a);
          });
          pending = pending.slice(assigned.length);
          attempt = 0;
          uncertain = false;
          fence = undefined;
          continue;
        }
        uncertain ||= res.unknown === true;
        if (res.unknown === true) fence = { key, block, modRevision: base?.modRevision };
        lastError = res.error;
        attempt++;
        if (attempt >= this.#retry.attempts) {
          if (lastError !== undefined) throw lastError;
          throw new ClusterError('ERR_CLUSTER_CONTENTION', `${api}: gave up after ${attempt} lost compare-and-swaps on the pool's blocks`, { key });
        }
        await call.sleep(backoffDelay(attempt, this.#retry));
      }
    } catch (e) {
      for (const p of pending) p.reject(e);
    }
  }

  /**
   * Decides where the next write of a batch of `n` goes: free offsets in one of this node's blocks, else in a block
   * to claim, else in another node's block to borrow from; undefined when the pool is full. Reads the whole pool
   * (one paged list) only when this node's cached blocks are full.
   */
  async #plan(
    call: Call,
    n: number,
    fence: Fence | undefined,
  ): Promise<{ key: string; block: Prefix; base: Cached | undefined; offsets: number[] } | undefined> {
    const api = call.api;
    if (fence !== undefined) {
      const c = this.#blocks.get(fence.key);
      if (fence.modRevision === undefined ? c === undefined : c?.modRevision === fence.modRevision) {
        return { key: fence.key, block: fence.block, base: c, offsets: this.#freeOffsets(fence.block, c?.record, n) };
      }
    }
    const own = this.#ownWithRoom();
    if (own !== undefined) return { key: own.key, block: own.block, base: own, offsets: this.#freeOffsets(own.block, own.record, n) };
    await this.#listBlocks(call);
    const fresh = this.#ownWithRoom();
    if (fresh !== undefined) return { key: fresh.key, block: fresh.block, base: fresh, offsets: this.#freeOffsets(fresh.block, fresh.record, n) };
    const claim = this.#freeBlock();
    if (claim !== undefined) {
      const base = this.#blocks.get(claim.key);
      return { key: claim.key, block: claim.block, base, offsets: this.#freeOffsets(claim.block, base?.record, n) };
    }
    const lend = this.#lender();
    if (lend !== undefined) return { key: lend.key, block: lend.block, base: lend, offsets: this.#freeOffsets(lend.block, lend.record, n) };
    return undefined;
  }

  #room(c: Cached): number {
    return this.#geo.usable(c.block) - c.record.allocations.size;
  }

  #ownWithRoom(): Cached | undefined {
    let best: Cached | undefined;
    for (const c of this.#blocks.values()) {
      if (c.record.node !== this.#node || this.#room(c) <= 0) continue;
      if (best === undefined || c.block.compare(best.block) < 0) best = c;
    }
    return best;
  }

  /** The first block from this node's starting point that has no affinity and has room. */
  #freeBlock(): { key: string; block: Prefix } | undefined {
    const total = this.#geo.totalBlocks;
    const start = hash(this.#node) % total;
    // Every index skipped is a cached record or a block whose addresses are all reserved (at most 2 per CIDR).
    const bound = BigInt(this.#blocks.size + 2 * this.#geo.cidrs.length + 1);
    const steps = bound < total ? bound : total;
    for (let k = 0n; k < steps; k++) {
      const block = this.#geo.blockAt((start + k) % total);
      const key = blockKey(this.#name, block);
      const c = this.#blocks.get(key);
      if (c !== undefined && (c.record.node !== undefined || this.#room(c) <= 0)) continue;
      if (c === undefined && this.#geo.usable(block) <= 0) continue;
      return { key, block };
    }
    return undefined;
  }

  /** Another node's block with room, chosen from a point that depends on this node's name. */
  #lender(): Cached | undefined {
    const candidates = [...this.#blocks.values()].filter((c) => c.record.node !== undefined && c.record.node !== this.#node && this.#room(c) > 0);
    if (candidates.length === 0) return undefined;
    candidates.sort((a, b) => a.block.compare(b.block));
    return candidates[Number(hash(this.#node) % BigInt(candidates.length))];
  }

  /** The lowest `n` (or fewer) offsets of `block` that are neither allocated nor reserved. */
  #freeOffsets(block: Prefix, record: BlockRecord | undefined, n: number): number[] {
    const reserved = this.#geo.reserved(block);
    const out: number[] = [];
    for (let off = 0; off < this.#geo.blockAddrs && out.length < n; off++) {
      if (!reserved.includes(off) && record?.allocations.has(off) !== true) out.push(off);
    }
    return out;
  }

  #allocation(c: Cached, offset: number, a: BlockAllocation): ClusterAllocation {
    const x: ClusterAllocation = { addr: this.#geo.addrAt(c.block, offset), owner: a.owner, node: a.node, block: c.block, affinity: c.record.node, seq: a.seq };
    return a.attributes === undefined ? x : { ...x, attributes: a.attributes };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // store access

  /**
   * Writes `record` to `key` conditionally on `base` (create when undefined), in one transaction with the index key of
   * every owner whose allocations in the block change, conditional on the index keys as last seen (absent when not
   * cached). On a lost compare the caches take the current records and the caller re-decides. On
   * ERR_STORE_OUTCOME_UNKNOWN the block is read back: the write counts as applied when `landed` holds for what is
   * stored (the transaction is atomic: the index changed with it), and is re-decided otherwise; it is never sent twice
   * blindly.
   */
  async #write(
    call: Call,
    key: string,
    block: Prefix,
    base: Cached | undefined,
    record: BlockRecord,
    landed: (r: BlockRecord) => boolean,
    uncertain: boolean,
  ): Promise<WriteResult> {
    const api = call.api;
    const index = this.#indexChanges(block, base?.record, record);
    const conditions: StoreCondition[] = [base === undefined ? { key, absent: true } : { key, modRevision: base.modRevision }];
    const operations: StoreOperation[] = [{ op: 'put', key, value: encodeBlock(record) }];
    for (const x of index) {
      conditions.push(x.cached === undefined ? { key: x.key, absent: true } : { key: x.key, modRevision: x.cached.modRevision });
      operations.push(x.entries.length === 0 ? { op: 'delete', key: x.key } : { op: 'put', key: x.key, value: encodeOwner(x.owner, x.entries) });
    }
    let w;
    try {
      w = await call.io(true, () => this.#store.txn(conditions, operations));
    } catch (e) {
      if (isCode(e, 'ERR_STORE_UNAVAILABLE')) return { kind: 'retry', error: e };
      if (isCode(e, 'ERR_STORE_OUTCOME_UNKNOWN')) {
        call.mayHaveWritten = true;
        const res = await this.#verify(call, key, landed, e);
        // Applied: the index keys changed with the block (one transaction); learn their revisions. Not found: the
        // cache stays (should the write apply late, the next conditional write learns it).
        if (res.kind === 'ok') for (const x of index) this.#rememberOwner(api, x.key, await this.#read(call, () => this.#store.get(x.key)));
        return res;
      }
      throw e;
    }
    if (w.ok) {
      call.mayHaveWritten = true;
      const cached: Cached = { key, block, modRevision: w.revision, record };
      this.#keep(cached);
      for (const x of index) {
        if (x.entries.length === 0) this.#owners.delete(x.key);
        else this.#keepOwner({ key: x.key, owner: x.owner, modRevision: w.revision, entries: x.entries });
      }
      return { kind: 'ok', cached };
    }
    for (const x of index) this.#rememberOwner(api, x.key, w.current.get(x.key));
    // After an unknown outcome, a lost compare can still carry our change: the earlier identical write, applied late
    // (etcd may apply a timed-out request after the read that checked it). The change is then done, not lost.
    const current = this.#remember(api, key, w.current.get(key));
    if (uncertain && current !== undefined && landed(current.record)) return { kind: 'ok', cached: current };
    return { kind: 'retry' };
  }

  /**
   * The owner index records a block change from `before` to `after` needs: for every owner with an allocation added,
   * removed or replaced in the block, its entries outside the block as last seen plus its allocations in `after`.
   */
  #indexChanges(block: Prefix, before: BlockRecord | undefined, after: BlockRecord): { key: string; owner: string; cached: CachedOwner | undefined; entries: OwnerEntry[] }[] {
    const changed = new Set<string>();
    const same = (x: BlockAllocation | undefined, y: BlockAllocation | undefined): boolean => x !== undefined && y !== undefined && x.owner === y.owner && x.seq === y.seq;
    for (const [off, x] of before?.allocations ?? []) if (!same(x, after.allocations.get(off))) changed.add(x.owner);
    for (const [off, y] of after.allocations) if (!same(before?.allocations.get(off), y)) changed.add(y.owner);
    const text = block.toString();
    return [...changed].sort().map((owner) => {
      const key = ownerKey(this.#name, owner);
      const cached = this.#owners.get(key);
      const entries = (cached?.entries ?? []).filter((e) => e.block !== text);
      for (const [offset, a] of after.allocations) if (a.owner === owner) entries.push({ block: text, offset, seq: a.seq });
      return { key, owner, cached, entries: entries.sort(compareOwnerEntries) };
    });
  }

  async #verify(call: Call, key: string, landed: (r: BlockRecord) => boolean, cause: unknown): Promise<WriteResult> {
    const api = call.api;
    for (let attempt = 1; attempt <= this.#retry.attempts; attempt++) {
      let entry: StoreEntry | undefined;
      try {
        entry = await call.io(false, () => this.#store.get(key));
      } catch (e) {
        if (!isCode(e, 'ERR_STORE_UNAVAILABLE')) throw e;
        await call.sleep(backoffDelay(attempt, this.#retry));
        continue;
      }
      const cached = this.#remember(api, key, entry);
      if (cached !== undefined && landed(cached.record)) return { kind: 'ok', cached };
      return { kind: 'retry', unknown: true };
    }
    throw new ClusterError(
      'ERR_STORE_OUTCOME_UNKNOWN',
      `${api}: the write of store key ${JSON.stringify(key)} may or may not have been applied, and the key could not be read back to check`,
      { key, cause },
    );
  }

  /** Decodes `entry` (the current state of owner index key `key`) into the cache, or drops the key when absent. */
  #rememberOwner(api: string, key: string, entry: StoreEntry | undefined): CachedOwner | undefined {
    if (entry === undefined) {
      this.#owners.delete(key);
      return undefined;
    }
    const c = this.#decodeOwner(api, entry);
    this.#keepOwner(c);
    return c;
  }

  #keepOwner(c: CachedOwner): void {
    const old = this.#owners.get(c.key);
    if (old === undefined || old.modRevision <= c.modRevision) this.#owners.set(c.key, c);
  }

  #decodeOwner(api: string, entry: StoreEntry): CachedOwner {
    const owner = parseOwnerKey(this.#name, entry.key);
    if (owner === undefined) throw corruptKey(api, entry.key);
    const isBlock = (text: string): boolean => {
      const p = Prefix.tryParse(text);
      return p !== undefined && p.toString() === text && p.bits === this.#geo.blockSize && this.#geo.indexOf(p) !== undefined;
    };
    const entries = decodeOwner(api, entry.key, entry.value, owner, isBlock, this.#geo.blockAddrs);
    return { key: entry.key, owner, modRevision: entry.modRevision, entries };
  }

  /** Decodes `entry` (the current state of `key`) into the cache, or drops the key when it does not exist. */
  #remember(api: string, key: string, entry: StoreEntry | undefined): Cached | undefined {
    if (entry === undefined) {
      this.#blocks.delete(key);
      return undefined;
    }
    const cached = this.#decode(api, entry);
    this.#keep(cached);
    return cached;
  }

  /** Caches `c` unless the cache already holds a newer state of its key (concurrent operations of this object). */
  #keep(c: Cached): void {
    const old = this.#blocks.get(c.key);
    if (old === undefined || old.modRevision <= c.modRevision) this.#blocks.set(c.key, c);
  }

  #decode(api: string, entry: StoreEntry): Cached {
    const block = parseBlockKey(this.#name, entry.key);
    if (block === undefined || this.#geo.indexOf(block) === undefined) throw corruptKey(api, entry.key);
    const record = decodeBlock(api, entry.key, entry.value, block.toString(), this.#geo.reserved(block), this.#geo);
    return { key: entry.key, block, modRevision: entry.modRevision, record };
  }

  /** Runs a read, retrying while the store is unavailable (bounded), and rethrows anything else. */
  async #read<T>(call: Call, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call.io(false, fn);
      } catch (e) {
        if (!isCode(e, 'ERR_STORE_UNAVAILABLE') || attempt >= this.#retry.attempts) throw e;
        await call.sleep(backoffDelay(attempt, this.#retry));
      }
    }
  }

  /** Reads every block record of the pool (see `#listAll`). */
  async #listBlocks(call: Call): Promise<Cached[]> {
    const api = call.api;
    return (await this.#listAll(call)).blocks;
  }

  /**
   * Reads every key under the pool's prefix (paged), decodes block and owner index records, refreshes the caches and
   * returns both; any other key is ERR_CLUSTER_POOL_CORRUPT.
   */
  async #listAll(call: Call): Promise<{ blocks: Cached[]; owners: CachedOwner[] }> {
    const api = call.api;
    const blocks: Cached[] = [];
    const owners: CachedOwner[] = [];
    const prefix = poolContentsPrefix(this.#name);
    let after: string | undefined;
    let firstRevision: bigint | undefined;
    for (;;) {
      const page = await this.#read(call, () => this.#store.list(prefix, after === undefined ? { limit: LIST_PAGE } : { after, limit: LIST_PAGE }));
      firstRevision ??= page.revision;
      for (const e of page.entries) {
        if (parseOwnerKey(this.#name, e.key) !== undefined) owners.push(this.#decodeOwner(api, e));
        else blocks.push(this.#decode(api, e));
      }
      const last = page.entries[page.entries.length - 1];
      if (!page.more || last === undefined) break;
      after = last.key;
    }
    const seen = new Set<string>();
    for (const c of blocks) {
      seen.add(c.key);
      this.#keep(c);
    }
    for (const c of owners) {
      seen.add(c.key);
      this.#keepOwner(c);
    }
    for (const [key, c] of this.#blocks) if (!seen.has(key) && c.modRevision <= firstRevision!) this.#blocks.delete(key);
    for (const [key, c] of this.#owners) if (!seen.has(key) && c.modRevision <= firstRevision!) this.#owners.delete(key);
    return { blocks, owners };
  }

  /**
   * Reads the owner index record of `owner` and the blocks it names; returns those blocks (current records), or an
   * empty list when the owner holds nothing.
   */
  async #ownerBlocks(call: Call, owner: string): Promise<Cached[]> {
    const api = call.api;
    const key = ownerKey(this.#name, owner);
    const idx = this.#rememberOwner(api, key, await this.#read(call, () => this.#store.get(key)));
    if (idx === undefined) return [];
    const out: Cached[] = [];
    for (const text of new Set(idx.entries.map((e) => e.block))) {
      const bkey = blockKey(this.#name, Prefix.parse(text));
      const c = this.#remember(api, bkey, await this.#read(call, () => this.#store.get(bkey)));
      if (c !== undefined) out.push(c);
    }
    return out;
  }

  async #ensureDefinition(call: Call): Promise<void> {
    const api = call.api;
    const key = poolKey(this.#name);
    const def: PoolDefinition = { cidrs: this.#geo.cidrs.map(String), blockSize: this.#geo.blockSize, reserveEnds: this.#geo.reserveEnds };
    for (let attempt = 1; ; attempt++) {
      const entry = await this.#read(call, () => this.#store.get(key));
      if (entry !== undefined) return this.#checkDefinition(api, key, def, decodePool(api, key, entry.value));
      try {
        const w = await call.io(true, () => this.#store.create(key, encodePool(def)));
        if (w.ok) return;
        if (w.current !== undefined) return this.#checkDefinition(api, key, def, decodePool(api, key, w.current.value));
      } catch (e) {
        // Unknown outcome: the next get tells (ours or someone else's definition). Unavailable: nothing written.
        if (!isCode(e, 'ERR_STORE_OUTCOME_UNKNOWN') && !isCode(e, 'ERR_STORE_UNAVAILABLE')) throw e;
        if (attempt >= this.#retry.attempts) throw e;
      }
      if (attempt >= this.#retry.attempts) {
        throw new ClusterError('ERR_CLUSTER_CONTENTION', `${api}("${this.#name}"): could not create or read the pool definition`, { key });
      }
      await call.sleep(backoffDelay(attempt, this.#retry));
    }
  }

  #checkDefinition(api: string, key: string, want: PoolDefinition, got: PoolDefinition): void {
    const same =
      got.blockSize === want.blockSize &&
      got.reserveEnds === want.reserveEnds &&
      got.cidrs.length === want.cidrs.length &&
      got.cidrs.every((c, i) => c === want.cidrs[i]);
    if (same) return;
    const show = (d: PoolDefinition): string => `cidrs [${d.cidrs.join(', ')}], blockSize ${d.blockSize}, reserveEnds ${d.reserveEnds}`;
    throw new ClusterError(
      'ERR_CLUSTER_POOL_CONFLICT',
      `${api}("${this.#name}"): the pool exists in the store with ${show(got)}, not ${show(want)}`,
      { key },
    );
  }

  // ---------------------------------------------------------------------------------------------------------------
  // release

  /**
   * ClusterPool.release frees one allocation, conditionally on its sequence number: the one this pool object handed
   * out for the address, `options.seq`, or the `seq` of a {@link ClusterAllocation} passed in. When the address was
   * freed and handed out again meanwhile, nothing is freed.
   *
   * @throws {@link ClusterError} `ERR_CLUSTER_NOT_ALLOCATED` when the address is not allocated or is held by another
   * allocation (a stale release); `ERR_CLUSTER_INVALID_ARGUMENT` for an address outside the pool, or for an address
   * this object did not hand out when no `seq` is given.
   *
   * @example
   * ```ts
   * const ip = await pool.allocate({ owner: 'default/web-0/eth0' });
   * await pool.release(ip);
   * // From another process: await pool.release(allocation) with an allocation from list().
   * ```
   */
  async release(target: Addr | ClusterAllocation, options?: ClusterReleaseOptions): Promise<void> {
    const api = `ClusterPool.release("${this.#name}")`;
    const call = this.#call(api, options?.signal);
    const isAddr = target instanceof Addr;
    const addr: unknown = isAddr ? target : (target as ClusterAllocation | undefined)?.addr;
    if (!(addr instanceof Addr)) throw invalid(`${api}: ${String(target)} is neither an Addr nor a ClusterAllocation`);
    const seq = options?.seq ?? (isAddr ? this.#handed.get(addr.toString()) : (target as ClusterAllocation).seq);
    if (seq !== undefined && (!Number.isSafeInteger(seq) || seq < 1)) throw invalid(`${api}: seq ${JSON.stringify(seq)} is not a positive integer`);
    const block = this.#geo.blockOf(addr);
    if (block === undefined) throw invalid(`${api}: ${addr} is not in the pool's CIDRs ${this.#geo.cidrs.join(', ')}`);
    const key = blockKey(this.#name, block);
    const offset = this.#geo.offsetOf(block, addr);
    let cached = this.#blocks.get(key);
    let fresh = false;
    let uncertain = false;
    for (let attempt = 1; ; ) {
      const held = cached?.record.allocations.get(offset);
      if (held === undefined || (seq !== undefined && held.seq !== seq)) {
        if (!fresh) {
          cached = this.#remember(api, key, await this.#read(call, () => this.#store.get(key)));
          fresh = true;
          continue;
        }
        if (seq !== undefined && this.#handed.get(addr.toString()) === seq) this.#handed.delete(addr.toString());
        throw new ClusterError(
          'ERR_CLUSTER_NOT_ALLOCATED',
          held === undefined
            ? `${api}: ${addr} is not allocated`
            : `${api}: ${addr} is held by allocation ${held.seq} (owner ${JSON.stringify(held.owner)}), not by allocation ${seq}: the release is stale`,
          { key },
        );
      }
      if (seq === undefined) {
        throw invalid(`${api}: ${addr} is allocated (seq ${held.seq}, owner ${JSON.stringify(held.owner)}) but not by this pool object: pass { seq }`);
      }
      const allocations = new Map(cached!.record.allocations);
      allocations.delete(offset);
      const res = await this.#write(call, key, block, cached, { ...cached!.record, allocations }, (r) => r.allocations.get(offset)?.seq !== seq, uncertain);
      if (res.kind === 'ok') {
        this.#handed.delete(addr.toString());
        return;
      }
      uncertain ||= res.unknown === true;
      fresh = res.error === undefined;
      cached = this.#blocks.get(key);
      if (++attempt > this.#retry.attempts) {
        if (res.error !== undefined) throw res.error;
        throw new ClusterError('ERR_CLUSTER_CONTENTION', `${api}: gave up releasing ${addr} after ${attempt - 1} lost compare-and-swaps`, { key });
      }
      await call.sleep(backoffDelay(attempt - 1, this.#retry));
    }
  }

  /**
   * ClusterPool.releaseOwner frees every allocation of `owner` and returns what it freed. It reads the owner's index
   * record and the blocks it names, not the whole pool.
   *
   * @throws {@link ClusterError} `ERR_CLUSTER_NOT_ALLOCATED` when the owner holds nothing.
   *
   * @example
   * ```ts
   * await pool.allocate({ owner: 'default/web-0/eth0' });
   * const freed = await pool.releaseOwner('default/web-0/eth0'); // [{ addr, owner, node, block, affinity, seq }]
   * ```
   */
  async releaseOwner(owner: string, options?: ClusterCallOptions): Promise<ClusterAllocation[]> {
    const api = `ClusterPool.releaseOwner("${this.#name}")`;
    const call = this.#call(api, options?.signal);
    const o = this.#owner(api, owner);
    const freed = await this.#free(call, await this.#ownerBlocks(call, o), (_off, a) => a.owner === o);
    if (freed.length === 0) throw new ClusterError('ERR_CLUSTER_NOT_ALLOCATED', `${api}: owner ${JSON.stringify(o)} holds no address`);
    return freed;
  }

  /**
   * Frees, block by block, the allocations `select` picks in the current records (one conditional write per block,
   * re-deciding on a lost compare), and returns them.
   */
  async #free(call: Call, blocks: readonly Cached[], select: (offset: number, a: BlockAllocation, block: Prefix) => boolean): Promise<ClusterAllocation[]> {
    const api = call.api;
    const freed: ClusterAllocation[] = [];
    for (const start of blocks) {
      let cached: Cached | undefined = start;
      let uncertain = false;
      for (let attempt = 1; cached !== undefined; ) {
        const c: Cached = cached;
        const owners = new Set<string>();
        const picked = [...c.record.allocations].filter(([off, a]) => {
          if (!select(off, a, c.block) || (!owners.has(a.owner) && owners.size >= MAX_TXN_OWNERS)) return false;
          owners.add(a.owner);
          return true;
        });
        if (picked.length === 0) break;
        const allocations = new Map(c.record.allocations);
        for (const [off] of picked) allocations.delete(off);
        const res = await this.#write(
          call,
          c.key,
          c.block,
          c,
          { ...c.record, allocations },
          (r) => picked.every(([off, a]) => r.allocations.get(off)?.seq !== a.seq),
          uncertain,
        );
        if (res.kind === 'ok') {
          for (const [off, a] of picked) {
            const x = this.#allocation(c, off, a);
            if (this.#handed.get(x.addr.toString()) === a.seq) this.#handed.delete(x.addr.toString());
            freed.push(x);
          }
          // More to free in this block (more than one write's worth of owners): go on from the record just written.
          cached = res.cached;
          attempt = 1;
          uncertain = false;
          continue;
        }
        uncertain ||= res.unknown === true;
        cached = this.#blocks.get(c.key);
        if (++attempt > this.#retry.attempts) {
          if (res.error !== undefined) throw res.error;
          throw new ClusterError('ERR_CLUSTER_CONTENTION', `${api}: gave up on block ${c.block} after ${attempt - 1} lost compare-and-swaps`, { key: c.key });
        }
        await call.sleep(backoffDelay(attempt - 1, this.#retry));
      }
    }
    return freed.sort((a, b) => a.addr.compare(b.addr));
  }

  /**
   * ClusterPool.releaseEmptyBlocks gives the empty blocks with affinity to `node` (this pool's node by default) back to
   * the pool, so other nodes can claim them, and returns them. Blocks are never released implicitly: call this when a
   * node is drained or deleted, or to rebalance. A block's record stays in the store with no affinity, keeping its
   * sequence counter.
   *
   * @example
   * ```ts
   * const freed = await pool.releaseEmptyBlocks({ node: 'node-gone' });
   * freed.map(String); // e.g. ['10.244.87.0/26']: other nodes can claim it now
   * ```
   */
  async releaseEmptyBlocks(options?: ClusterReleaseBlocksOptions): Promise<Prefix[]> {
    const api = `ClusterPool.releaseEmptyBlocks("${this.#name}")`;
    const call = this.#call(api, options?.signal);
    const node = options?.node ?? this.#node;
    if (!isValidName(node)) throw invalid(`${api}: node ${JSON.stringify(node)} is not a node name`);
    const released: Prefix[] = [];
    for (const start of await this.#listBlocks(call)) {
      let cached: Cached | undefined = start;
      let uncertain = false;
      for (let attempt = 1; cached !== undefined && cached.record.node === node && cached.record.allocations.size === 0; ) {
        const c: Cached = cached;
        const res = await this.#write(
          call,
          c.key,
          c.block,
          c,
          { ...c.record, node: undefined },
          (r) => r.node === undefined && r.seq === c.record.seq,
          uncertain,
        );
        if (res.kind === 'ok') {
          released.push(c.block);
          break;
        }
        uncertain ||= res.unknown === true;
        cached = this.#blocks.get(c.key);
        if (++attempt > this.#retry.attempts) {
          if (res.error !== undefined) throw res.error;
          throw new ClusterError('ERR_CLUSTER_CONTENTION', `${api}: gave up on block ${c.block}`, { key: c.key });
        }
        await call.sleep(backoffDelay(attempt - 1, this.#retry));
      }
    }
    return released.sort(Prefix.compare);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // reading

  /**
   * ClusterPool.list returns every allocation in the pool, in address order, with its owner, allocating node, block,
   * block affinity and sequence number. Large pools are read in pages; the result is exact when nothing writes
   * meanwhile. With `owner`, only that owner's allocations, found through the owner index (a few reads, not the
   * whole pool).
   *
   * @example
   * ```ts
   * for (const a of await pool.list()) console.log(`${a.addr} ${a.owner} on ${a.node} in ${a.block}`);
   * await pool.list({ owner: 'default/web-0/eth0' }); // [] when the owner holds nothing
   * ```
   */
  async list(options?: ClusterListOptions): Promise<ClusterAllocation[]> {
    const api = `ClusterPool.list("${this.#name}")`;
    const call = this.#call(api, options?.signal);
    const out: ClusterAllocation[] = [];
    const owner = options?.owner === undefined ? undefined : this.#owner(api, options.owner);
    const blocks = owner === undefined ? await this.#listBlocks(call) : await this.#ownerBlocks(call, owner);
    for (const c of blocks) for (const [off, a] of c.record.allocations) if (owner === undefined || a.owner === owner) out.push(this.#allocation(c, off, a));
    return out.sort((a, b) => a.addr.compare(b.addr));
  }

  /**
   * ClusterPool.stats counts the pool's addresses and blocks, and each node's blocks.
   *
   * @example
   * ```ts
   * await pool.allocate({ owner: 'default/web-0/eth0' }); // in a fresh 10.244.0.0/16 pool
   * const s = await pool.stats();
   * s.free; // 65533n (65536 addresses, the first and last reserved, one used)
   * s.nodes.get('node-a'); // { blocks: 1, used: 1, free: 63 }
   * ```
   */
  async stats(options?: ClusterCallOptions): Promise<ClusterPoolStats> {
    const api = `ClusterPool.stats("${this.#name}")`;
    const blocks = await this.#listBlocks(this.#call(api, options?.signal));
    const nodes = new Map<string, ClusterNodeStats>();
    let used = 0n;
    let claimed = 0;
    for (const c of blocks) {
      used += BigInt(c.record.allocations.size);
      const node = c.record.node;
      if (node === undefined) continue;
      claimed++;
      const s = nodes.get(node) ?? { blocks: 0, used: 0, free: 0 };
      nodes.set(node, { blocks: s.blocks + 1, used: s.used + c.record.allocations.size, free: s.free + this.#room(c) });
    }
    const size = this.#geo.usableTotal();
    return { size, used, free: size - used, blocks: this.#geo.totalBlocks, claimedBlocks: claimed, freeBlocks: this.#geo.totalBlocks - BigInt(claimed), nodes };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // garbage collection

  /**
   * ClusterPool.collectGarbage frees allocations whose owner is gone, but never on one observation: an allocation is
   * freed only when `isAlive` said false for it on two runs at least `graceMs` apart (and on every run between), and
   * only if the same allocation (address and sequence number) still exists, so an address handed out again is never
   * touched. Call it periodically (every `graceMs` or so) on one pool object.
   *
   * The suspicions live in this pool object, not in the store: a collector that restarts only starts its grace
   * period again (it delays, never frees early), timestamps come from one monotonic clock instead of the clocks of
   * several machines, and garbage collection adds no keys to the store.
   *
   * Each run also compares the owner index with the blocks and rewrites an index record that disagrees (one only a
   * hand edit of the store can produce) to what the blocks say: `repaired` counts them.
   *
   * @throws whatever `isAlive` throws; nothing is freed by that run.
   *
   * @example
   * ```ts
   * const gc = { isAlive: async (owner: string) => pods.has(owner), graceMs: 60_000 };
   * await pool.collectGarbage(gc); // suspects the ownerless allocations
   * // a minute or more later:
   * const { freed } = await pool.collectGarbage(gc); // frees those still ownerless
   * ```
   */
  async collectGarbage(options: ClusterGarbageOptions): Promise<ClusterGarbageResult> {
    const api = `ClusterPool.collectGarbage("${this.#name}")`;
    const { isAlive, graceMs } = options ?? ({} as ClusterGarbageOptions);
    if (typeof isAlive !== 'function') throw invalid(`${api}: isAlive is not a function`);
    if (typeof graceMs !== 'number' || !Number.isFinite(graceMs) || graceMs < 0) throw invalid(`${api}: graceMs ${JSON.stringify(graceMs)} is not a non-negative number`);
    const now = options.now ?? (() => performance.now());
    const call = this.#call(api, options.signal);
    const listed = await this.#listAll(call);
    const blocks = listed.blocks;
    const all: ClusterAllocation[] = [];
    for (const c of blocks) for (const [off, a] of c.record.allocations) all.push(this.#allocation(c, off, a));
    const owners = [...new Set(all.map((a) => a.owner))];
    // Ask about every owner, at most GC_CONCURRENCY at a time (isAlive usually asks an API server).
    const alive = new Map<string, boolean>();
    let next = 0;
    const ask = async (): Promise<void> => {
      while (next < owners.length) {
        const o = owners[next++]!;
        alive.set(o, (await isAlive(o)) !== false);
      }
    };
    await Promise.all(Array.from({ length: Math.min(GC_CONCURRENCY, owners.length) }, ask));
    call.check();
    const repaired = await this.#repairIndex(call, blocks, listed.owners);
    const t = now();
    const id = (addr: Addr | string, seq: number): string => `${addr}#${seq}`;
    const due = new Set<string>();
    const seen = new Set<string>();
    for (const a of all) {
      const k = id(a.addr, a.seq);
      seen.add(k);
      if (alive.get(a.owner)) {
        this.#suspects.delete(k);
        continue;
      }
      const first = this.#suspects.get(k);
      if (first === undefined) this.#suspects.set(k, t);
      else if (t - first >= graceMs) due.add(k);
    }
    for (const k of [...this.#suspects.keys()]) if (!seen.has(k)) this.#suspects.delete(k);
    const freed =
      due.size === 0
        ? []
        : await this.#free(
            call,
            blocks.map((c) => this.#blocks.get(c.key) ?? c),
            (off, a, block) => due.has(id(this.#geo.addrAt(block, off).toString(), a.seq)),
          );
    for (const a of freed) this.#suspects.delete(id(a.addr, a.seq));
    return { checked: all.length, suspected: this.#suspects.size, freed, repaired };
  }

  /**
   * Rewrites every owner index record that disagrees with the blocks (as listed) to what the blocks say, each in a
   * transaction conditional on the index key and every block involved, so a record that changed meanwhile is left
   * for the next run. Returns the number rewritten.
   */
  async #repairIndex(call: Call, blocks: readonly Cached[], owners: readonly CachedOwner[]): Promise<number> {
    const api = call.api;
    const want = new Map<string, OwnerEntry[]>();
    for (const c of blocks) {
      for (const [offset, a] of c.record.allocations) {
        const list = want.get(a.owner) ?? [];
        list.push({ block: c.block.toString(), offset, seq: a.seq });
        want.set(a.owner, list);
      }
    }
    const have = new Map(owners.map((o) => [o.owner, o]));
    const byText = new Map(blocks.map((c) => [c.block.toString(), c]));
    const same = (x: readonly OwnerEntry[], y: readonly OwnerEntry[]): boolean =>
      x.length === y.length && x.every((e, i) => e.block === y[i]!.block && e.offset === y[i]!.offset && e.seq === y[i]!.seq);
    let repaired = 0;
    for (const owner of new Set([...want.keys(), ...have.keys()])) {
      const w = (want.get(owner) ?? []).sort(compareOwnerEntries);
      const h = have.get(owner);
      if (h !== undefined && same([...h.entries].sort(compareOwnerEntries), w)) continue;
      if (h === undefined && w.length === 0) continue;
      const key = ownerKey(this.#name, owner);
      const involved = new Set([...w, ...(h?.entries ?? [])].map((e) => e.block));
      if (involved.size >= MAX_TXN_OWNERS) continue;
      const conditions: StoreCondition[] = [h === undefined ? { key, absent: true } : { key, modRevision: h.modRevision }];
      for (const text of involved) {
        const c = byText.get(text);
        conditions.push(c === undefined ? { key: blockKey(this.#name, Prefix.parse(text)), absent: true } : { key: c.key, modRevision: c.modRevision });
      }
      const op: StoreOperation = w.length === 0 ? { op: 'delete', key } : { op: 'put', key, value: encodeOwner(owner, w) };
      try {
        const r = await call.io(true, () => this.#store.txn(conditions, [op]));
        if (r.ok) {
          repaired++;
          if (w.length === 0) this.#owners.delete(key);
          else this.#keepOwner({ key, owner, modRevision: r.revision, entries: w });
        } else this.#rememberOwner(api, key, r.current.get(key));
      } catch (e) {
        // Left for the next run; an unknown outcome leaves the key's revision unknown.
        if (!isCode(e, 'ERR_STORE_UNAVAILABLE') && !isCode(e, 'ERR_STORE_OUTCOME_UNKNOWN')) throw e;
        this.#owners.delete(key);
      }
    }
    return repaired;
  }
}
