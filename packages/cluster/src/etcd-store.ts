import { Buffer } from 'node:buffer';
import { ClusterError } from './cluster-error.js';
import {
  checkKey,
  checkList,
  checkModRevision,
  checkPrefix,
  checkTxn,
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
 * EtcdStoreOptions configures an {@link EtcdStore}.
 *
 * @example
 * ```ts
 * const store = new EtcdStore({
 *   endpoints: ['http://10.0.0.1:2379', 'http://10.0.0.2:2379', 'http://10.0.0.3:2379'],
 *   prefix: '/ipam/',
 *   timeoutMs: 3000,
 * });
 * ```
 */
export interface EtcdStoreOptions {
  /**
   * EtcdStoreOptions.endpoints are the client URLs of the etcd members (`http://host:2379` or `https://...`), tried in
   * order, starting from the last one that answered.
   */
  readonly endpoints: readonly string[];
  /**
   * EtcdStoreOptions.prefix is put before every key (`'/ipam/'`: key `pools/pods` is etcd key `/ipam/pools/pods`); the
   * store reads and writes nothing outside it. The empty string uses the whole keyspace. End it with a separator:
   * prefixes are compared bytewise, so a store on `'/ipam'` also sees the keys of one on `'/ipam2/'`.
   */
  readonly prefix: string;
  /**
   * EtcdStoreOptions.timeoutMs bounds each HTTP request to one endpoint, from sending it to reading the whole reply.
   * Default 5000. etcd itself gives up on a proposal after about 7 s, so a write that times out here may still be applied.
   */
  readonly timeoutMs?: number;
}

/** Default of {@link EtcdStoreOptions.timeoutMs}. */
const DEFAULT_TIMEOUT_MS = 5000;

/** gRPC status codes etcd's gateway answers with (google.golang.org/grpc/codes). */
const GRPC_CANCELED = 1;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_UNAVAILABLE = 14;

/**
 * Unavailable answers etcd gives before proposing anything: a write that got one was not applied and may go to the
 * next endpoint. ("no leader" comes from the `hasleader` metadata every request carries; "too many requests" is
 * checked before the proposal; "not capable" before serving.) Any other Unavailable answer to a write, such as
 * "request timed out" or "leader changed", may follow a proposal and leaves the outcome unknown.
 */
const NOT_PROPOSED = ['etcdserver: no leader', 'etcdserver: not capable', 'etcdserver: too many requests'];

/** Connection errors that mean the request never reached a server. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

type Json = Record<string, unknown>;

/** Decodes keys strictly: a key that is not UTF-8 cannot be named by a string. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** One failed attempt at one endpoint. */
interface Attempt {
  readonly ok: false;
  readonly endpoint: string;
  readonly reason: string;
  /** The request may have reached the server and been applied. */
  readonly maybeApplied: boolean;
  readonly cause: unknown;
}

/**
 * EtcdStore is a {@link Store} on etcd (3.4 or later) through its v3 JSON gateway (`/v3/kv/range`, `/v3/kv/txn`),
 * with the built-in `fetch` and no dependencies. Keys are `prefix + key`; keys and values travel base64-encoded and
 * revisions as decimal strings, read into bigints.
 *
 * - `create` is a txn comparing `create_revision == 0`, `update` and `delete` compare `mod_revision`; a lost compare
 *   reads the key's current entry in the txn's failure branch, in the same round trip.
 * - `list` is a range over `prefix + listPrefix` to its bytewise successor, paged with `limit`; one page is one read
 *   at one revision. Reads are linearizable.
 * - Endpoints are tried in order. A read, and a write that never reached a server (connection refused, "no leader"),
 *   moves on to the next endpoint; when none answers the call throws `ERR_STORE_UNAVAILABLE`. A write whose request
 *   may have reached a server but whose reply never came (timeout, reset, "request timed out") throws
 *   `ERR_STORE_OUTCOME_UNKNOWN` and is never retried here: read the key, then decide.
 * - Errors etcd answers with (too large, too many operations, bad request) are `ERR_STORE_REJECTED` with etcd's message.
 *   Every error names the API, the etcd key and the endpoint; `ClusterError.key` is the key as given to the store.
 * - Values under the prefix are returned as stored, whoever wrote them; a key under the prefix that is not valid
 *   UTF-8 cannot be named by a string and is reported as `ERR_CLUSTER_POOL_CORRUPT`.
 *
 * @example
 * ```ts
 * const store = new EtcdStore({ endpoints: ['http://127.0.0.1:2379'], prefix: '/ipam/' });
 * const w = await store.create('pools/pods', new TextEncoder().encode('{"cidrs":["10.244.0.0/16"]}'));
 * if (!w.ok) console.log('exists since revision', w.current?.createRevision);
 * const page = await store.list('pools/', { limit: 100 });   // etcd keys /ipam/pools/...
 * await store.close();
 * ```
 */
export class EtcdStore implements Store {
  readonly #endpoints: readonly string[];
  readonly #prefix: string;
  readonly #prefixBytes: Buffer;
  readonly #timeoutMs: number;
  readonly #closer = new AbortController();
  #preferred = 0;

  /** Creates a store; it connects lazily, on the first call. Bad options throw `ERR_STORE_INVALID_ARGUMENT`. */
  constructor(options: EtcdStoreOptions) {
    const api = 'new EtcdStore()';
    if (typeof options !== 'object' || options === null) {
      throw new ClusterError('ERR_STORE_INVALID_ARGUMENT', `${api}: options is not an object`);
    }
    if (!Array.isArray(options.endpoints) || options.endpoints.length === 0) {
      throw new ClusterError('ERR_STORE_INVALID_ARGUMENT', `${api}: endpoints is not a non-empty array of URLs`);
    }
    this.#endpoints = options.endpoints.map((e) => checkEndpoint(api, e));
    this.#prefix = checkPrefix(api, options.prefix);
    this.#prefixBytes = Buffer.from(this.#prefix, 'utf8');
    const t = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) {
      throw new ClusterError('ERR_STORE_INVALID_ARGUMENT', `${api}: timeoutMs ${quote(t)} is not a positive number`);
    }
    this.#timeoutMs = t;
  }

  /** EtcdStore.endpoints are the normalized endpoint URLs, in the order given. */
  get endpoints(): readonly string[] {
    return this.#endpoints;
  }

  /** EtcdStore.prefix is the etcd key prefix every key of this store lives under. */
  get prefix(): string {
    return this.#prefix;
  }

  /** EtcdStore.get returns the entry of `key` (a linearizable range of etcd key `prefix + key`), or undefined. */
  async get(key: string): Promise<StoreEntry | undefined> {
    checkKey('EtcdStore.get', key);
    const api = `EtcdStore.get(${quote(this.#prefix + key)})`;
    const { json: res, at } = await this.#call(api, key, '/v3/kv/range', { key: this.#encodeKey(key) }, false);
    headerRevision(at, res);
    const kvs = this.#entries(at, key, res['kvs']);
    if (kvs.length > 1 || (kvs[0] !== undefined && kvs[0].key !== key)) throw this.#malformed(at, key, 'range of one key returned another');
    return kvs[0];
  }

  /**
   * EtcdStore.list returns the entries whose keys start with `prefix`, in bytewise key order, after the key `after`
   * when given, at most `limit` of them, from one range request (one revision); `more` says whether the page was cut.
   */
  async list(prefix: string, options?: { readonly after?: string; readonly limit?: number }): Promise<StoreList> {
    const args = checkList('EtcdStore.list', prefix, options);
    const api = `EtcdStore.list(${quote(this.#prefix + args.prefix)})`;
    const full = Buffer.concat([this.#prefixBytes, Buffer.from(args.prefix, 'utf8')]);
    let start = full;
    if (args.after !== undefined && compareKeys(args.after, args.prefix) >= 0) {
      start = Buffer.concat([this.#prefixBytes, Buffer.from(args.after, 'utf8'), Buffer.from([0])]);
    }
    const body: Json = { key: b64(start), range_end: b64(rangeEnd(full)) };
    if (args.limit !== undefined) body['limit'] = String(args.limit);
    const { json: res, at } = await this.#call(api, args.prefix === '' ? undefined : args.prefix, '/v3/kv/range', body, false);
    const entries = this.#entries(at, args.prefix, res['kvs']);
    return { entries, revision: headerRevision(at, res), more: res['more'] === true };
  }

  /** EtcdStore.create writes `key` only if it does not exist (a txn on `create_revision == 0`). */
  async create(key: string, value: Uint8Array): Promise<StoreWrite> {
    checkKey('EtcdStore.create', key);
    const bytes = checkValue('EtcdStore.create', key, value);
    return this.#write('create', key, { key, absent: true }, { op: 'put', key, value: bytes });
  }

  /** EtcdStore.update writes `key` only if its mod revision is still `modRevision` (a txn on `mod_revision`). */
  async update(key: string, value: Uint8Array, modRevision: bigint): Promise<StoreWrite> {
    checkKey('EtcdStore.update', key);
    const bytes = checkValue('EtcdStore.update', key, value);
    checkModRevision('EtcdStore.update', key, modRevision);
    return this.#write('update', key, { key, modRevision }, { op: 'put', key, value: bytes });
  }

  /** EtcdStore.delete removes `key` only if its mod revision is still `modRevision` (a txn on `mod_revision`). */
  async delete(key: string, modRevision: bigint): Promise<StoreWrite> {
    checkKey('EtcdStore.delete', key);
    checkModRevision('EtcdStore.delete', key, modRevision);
    return this.#write('delete', key, { key, modRevision }, { op: 'delete', key });
  }

  /**
   * EtcdStore.txn sends one etcd txn: a compare per condition (`create_revision == 0` for absent, `mod_revision ==`
   * otherwise), the operations as its success branch, and a range of every compared key as its failure branch, so a
   * lost race returns the current entries in the same round trip. A key may appear in one operation only
   * (`ERR_STORE_INVALID_ARGUMENT`); etcd rejects more than `--max-txn-ops` (default 128) compares or operations.
   */
  async txn(conditions: readonly StoreCondition[], operations: readonly StoreOperation[]): Promise<StoreTxnResult> {
    const args = checkTxn('EtcdStore.txn', conditions, operations);
    const first = args.operations[0]?.key ?? args.conditions[0]?.key;
    const api = `EtcdStore.txn(${quote(first === undefined ? '' : this.#prefix + first)}${keysNote(args)})`;
    return this.#txn(api, first, args.conditions, args.operations);
  }

  /**
   * EtcdStore.close aborts the requests in flight (reads then throw `ERR_STORE_UNAVAILABLE`, writes
   * `ERR_STORE_OUTCOME_UNKNOWN`) and makes later calls throw `ERR_STORE_UNAVAILABLE`.
   */
  async close(): Promise<void> {
    this.#closer.abort(new ClusterError('ERR_STORE_UNAVAILABLE', 'EtcdStore.close(): the store is closed'));
  }

  async #write(method: string, key: string, cond: StoreCondition, op: StoreOperation): Promise<StoreWrite> {
    const api = `EtcdStore.${method}(${quote(this.#prefix + key)})`;
    const r = await this.#txn(api, key, [cond], [op]);
    return r.ok ? { ok: true, revision: r.revision } : { ok: false, current: r.current.get(key) };
  }

  async #txn(
    api: string,
    key: string | undefined,
    conditions: readonly StoreCondition[],
    operations: readonly StoreOperation[],
  ): Promise<StoreTxnResult> {
    const compared = [...new Set(conditions.map((c) => c.key))];
    const body: Json = {
      compare: conditions.map((c) =>
        'absent' in c
          ? { key: this.#encodeKey(c.key), target: 'CREATE', result: 'EQUAL', create_revision: '0' }
          : { key: this.#encodeKey(c.key), target: 'MOD', result: 'EQUAL', mod_revision: String(c.modRevision) },
      ),
      success: operations.map((o) =>
        o.op === 'put'
          ? { request_put: { key: this.#encodeKey(o.key), value: b64(o.value) } }
          : { request_delete_range: { key: this.#encodeKey(o.key) } },
      ),
      failure: compared.map((k) => ({ request_range: { key: this.#encodeKey(k) } })),
    };
    const { json: res, at } = await this.#call(api, key, '/v3/kv/txn', body, true);
    const revision = headerRevision(at, res);
    if (res['succeeded'] === true) return { ok: true, revision };
    const responses = res['responses'];
    if (!Array.isArray(responses) || responses.length !== compared.length) {
      throw this.#malformed(at, key, 'txn failure branch does not hold one range response per compared key');
    }
    const current = new Map<string, StoreEntry | undefined>();
    compared.forEach((k, i) => {
      const range = (responses[i] as Json | null)?.['response_range'];
      if (typeof range !== 'object' || range === null) throw this.#malformed(at, k, `responses[${i}] is not a range response`);
      current.set(k, this.#entries(at, k, (range as Json)['kvs'])[0]);
    });
    return { ok: false, revision, current };
  }

  /**
   * Sends one request, trying the endpoints in turn as long as that is safe, and returns etcd's JSON answer with
   * `at`, the API and the endpoint that answered, for messages about the answer.
   * `write`: the request changes the store, so a request that may have reached a server is never sent again.
   */
  async #call(
    api: string,
    key: string | undefined,
    path: string,
    body: Json,
    write: boolean,
  ): Promise<{ readonly json: Json; readonly at: string }> {
    const opts = key === undefined ? {} : { key };
    const text = JSON.stringify(body);
    const attempts: Attempt[] = [];
    const n = this.#endpoints.length;
    const start = this.#preferred;
    for (let i = 0; i < n; i++) {
      const index = (start + i) % n;
      const endpoint = this.#endpoints[index]!;
      if (this.#closer.signal.aborted) break;
      const result = await this.#attempt(api, key, endpoint, path, text);
      if (result.ok) {
        this.#preferred = index;
        return { json: result.json, at: `${api} at ${endpoint}` };
      }
      attempts.push(result);
      if (result.maybeApplied && write) {
        throw new ClusterError(
          'ERR_STORE_OUTCOME_UNKNOWN',
          `${api} at ${endpoint}: ${result.reason}; the write may or may not have been applied (read before retrying)`,
          { ...opts, cause: result.cause },
        );
      }
      // Next time, start with the endpoint after the one that failed.
      if (index === this.#preferred) this.#preferred = (index + 1) % n;
    }
    if (this.#closer.signal.aborted && attempts.length === 0) {
      throw new ClusterError('ERR_STORE_UNAVAILABLE', `${api}: the store is closed`, opts);
    }
    const detail = attempts.map((a) => `${a.endpoint}: ${a.reason}`).join('; ');
    throw new ClusterError('ERR_STORE_UNAVAILABLE', `${api}: no endpoint answered (${detail}); nothing was written`, {
      ...opts,
      cause: attempts[attempts.length - 1]?.cause,
    });
  }

  /** One request to one endpoint: etcd's JSON answer, an Attempt to record, or a thrown ClusterError (rejected). */
  async #attempt(
    api: string,
    key: string | undefined,
    endpoint: string,
    path: string,
    body: string,
  ): Promise<{ readonly ok: true; readonly json: Json } | Attempt> {
    const opts = key === undefined ? {} : { key };
    const signal = AbortSignal.any([this.#closer.signal, AbortSignal.timeout(this.#timeoutMs)]);
    let status: number;
    let text: string;
    try {
      const res = await fetch(endpoint + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'grpc-metadata-hasleader': 'true' },
        body,
        signal,
      });
      status = res.status;
      text = await res.text();
    } catch (e) {
      if (this.#closer.signal.aborted) return { ok: false, endpoint, reason: 'the store was closed during the request', maybeApplied: true, cause: e };
      if ((e as { name?: unknown } | null)?.name === 'TimeoutError') {
        return { ok: false, endpoint, reason: `no reply within ${this.#timeoutMs} ms`, maybeApplied: true, cause: e };
      }
      const code = errorCode(e);
      if (code !== undefined && NOT_SENT_CODES.has(code)) {
        return { ok: false, endpoint, reason: `connection failed (${code})`, maybeApplied: false, cause: e };
      }
      return { ok: false, endpoint, reason: `request failed (${code ?? (e instanceof Error ? e.message : String(e))})`, maybeApplied: true, cause: e };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      const snippet = text.length > 200 ? `${text.slice(0, 200)}…` : text;
      if (status >= 500) return { ok: false, endpoint, reason: `HTTP ${status}: ${snippet}`, maybeApplied: true, cause: undefined };
      const hint = status === 404 ? ` (no ${path} here: is this etcd 3.4 or later, with its gRPC gateway?)` : '';
      throw new ClusterError('ERR_STORE_REJECTED', `${api} at ${endpoint}: HTTP ${status}, not an etcd answer: ${quote(snippet)}${hint}`, opts);
    }
    const obj = json as Json;
    if (status === 200 && obj['code'] === undefined && obj['error'] === undefined) return { ok: true, json: obj };
    const grpc = typeof obj['code'] === 'number' ? obj['code'] : undefined;
    const message = typeof obj['message'] === 'string' ? obj['message'] : typeof obj['error'] === 'string' ? obj['error'] : `HTTP ${status}`;
    const notProposed = NOT_PROPOSED.some((m) => message.startsWith(m));
    if (grpc === GRPC_UNAVAILABLE || (grpc === GRPC_RESOURCE_EXHAUSTED && notProposed)) {
      return { ok: false, endpoint, reason: message, maybeApplied: !notProposed, cause: undefined };
    }
    if (grpc === GRPC_DEADLINE_EXCEEDED || grpc === GRPC_CANCELED || (grpc === undefined && status >= 500)) {
      return { ok: false, endpoint, reason: message, maybeApplied: true, cause: undefined };
    }
    throw new ClusterError('ERR_STORE_REJECTED', `${api} at ${endpoint}: ${message}${grpc === undefined ? '' : ` (gRPC code ${grpc})`}`, opts);
  }

  #encodeKey(key: string): string {
    return b64(Buffer.concat([this.#prefixBytes, Buffer.from(key, 'utf8')]));
  }

  /** Parses the `kvs` of a range answer into entries with keys relative to the prefix. */
  #entries(api: string, key: string | undefined, kvs: unknown): StoreEntry[] {
    if (kvs === undefined) return [];
    if (!Array.isArray(kvs)) throw this.#malformed(api, key, 'kvs is not an array');
    return kvs.map((kv: unknown, i) => {
      if (typeof kv !== 'object' || kv === null) throw this.#malformed(api, key, `kvs[${i}] is not an object`);
      const o = kv as Json;
      const raw = fromB64(o['key']);
      if (raw === undefined || raw.length === 0) throw this.#malformed(api, key, `kvs[${i}].key is not base64`);
      if (raw.length < this.#prefixBytes.length || !raw.subarray(0, this.#prefixBytes.length).equals(this.#prefixBytes)) {
        throw this.#malformed(api, key, `kvs[${i}].key 0x${raw.toString('hex')} is outside the prefix`);
      }
      let rel: string;
      try {
        rel = UTF8.decode(raw.subarray(this.#prefixBytes.length));
      } catch {
        throw new ClusterError(
          'ERR_CLUSTER_POOL_CORRUPT',
          `${api}: etcd key 0x${raw.toString('hex')} under prefix ${quote(this.#prefix)} is not valid UTF-8 (another writer's key?)`,
          key === undefined ? {} : { key },
        );
      }
      const value = o['value'] === undefined ? new Uint8Array(0) : fromB64(o['value']);
      if (value === undefined) throw this.#malformed(api, key, `kvs[${i}].value is not base64`);
      return {
        key: rel,
        value: new Uint8Array(value),
        createRevision: revisionOf(o['create_revision'], () => this.#malformed(api, key, `kvs[${i}].create_revision`)),
        modRevision: revisionOf(o['mod_revision'], () => this.#malformed(api, key, `kvs[${i}].mod_revision`)),
        version: revisionOf(o['version'], () => this.#malformed(api, key, `kvs[${i}].version`)),
      };
    });
  }

  #malformed(api: string, key: string | undefined, what: string): ClusterError {
    return new ClusterError('ERR_STORE_REJECTED', `${api}: unexpected etcd answer: ${what}`, key === undefined ? {} : { key });
  }
}

function checkEndpoint(api: string, endpoint: unknown): string {
  if (typeof endpoint !== 'string') throw new ClusterError('ERR_STORE_INVALID_ARGUMENT', `${api}: endpoint ${quote(endpoint)} is not a string`);
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ClusterError('ERR_STORE_INVALID_ARGUMENT', `${api}: endpoint ${quote(endpoint)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ClusterError('ERR_STORE_INVALID_ARGUMENT', `${api}: endpoint ${quote(endpoint)} is not http: or https:`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ClusterError('ERR_STORE_INVALID_ARGUMENT', `${api}: endpoint ${quote(endpoint)} has a query, fragment or credentials`);
  }
  return url.href.replace(/\/+$/, '');
}

/** rangeEnd is etcd's prefix end: the smallest key greater than every key starting with `prefix` ("\0" = no end). */
function rangeEnd(prefix: Uint8Array): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function fromB64(s: unknown): Buffer | undefined {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  return Buffer.from(s, 'base64');
}

/** Reads an int64 that the gateway renders as a decimal string and omits when zero. */
function revisionOf(v: unknown, bad: () => ClusterError): bigint {
  if (v === undefined) return 0n;
  if (typeof v === 'string' && /^(0|[1-9][0-9]{0,18})$/.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw bad();
}

function headerRevision(api: string, res: Json): bigint {
  const header = res['header'];
  const rev = typeof header === 'object' && header !== null ? (header as Json)['revision'] : undefined;
  const r = revisionOf(rev, () => new ClusterError('ERR_STORE_REJECTED', `${api}: unexpected etcd answer: header.revision`));
  if (r < 1n) throw new ClusterError('ERR_STORE_REJECTED', `${api}: unexpected etcd answer: no header.revision`);
  return r;
}

function errorCode(e: unknown): string | undefined {
  const cause = (e as { cause?: unknown } | null)?.cause;
  const code = (cause as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'string') return code;
  const errors = (cause as { errors?: unknown } | null | undefined)?.errors;
  if (Array.isArray(errors) && errors.length > 0) {
    const codes = errors.map((x) => (x as { code?: unknown } | null)?.code);
    if (codes.every((c) => typeof c === 'string' && NOT_SENT_CODES.has(c))) return codes[0] as string;
  }
  return undefined;
}

function keysNote(args: { conditions: readonly StoreCondition[]; operations: readonly StoreOperation[] }): string {
  const keys = new Set([...args.operations.map((o) => o.key), ...args.conditions.map((c) => c.key)]);
  return keys.size > 1 ? ` and ${keys.size - 1} more key${keys.size > 2 ? 's' : ''}` : '';
}
