// Argument checks and key ordering shared by every Store implementation, so MemoryStore and EtcdStore reject the
// same inputs with the same codes before anything reaches the store.
import { ClusterError } from '../cluster-error.js';
import type { StoreCondition, StoreOperation } from '../store.js';

/** DEFAULT_MAX_TXN_OPS is etcd's default `--max-txn-ops`: the most compares, or operations, one txn may carry. */
export const DEFAULT_MAX_TXN_OPS = 128;

/** quote renders a key for an error message: JSON-quoted, cut after 200 characters. */
export function quote(value: unknown): string {
  if (typeof value !== 'string') return typeof value === 'bigint' ? `${value}n` : String(value);
  const s = value.length > 200 ? `${value.slice(0, 200)}…` : value;
  return JSON.stringify(s);
}

function invalid(api: string, message: string, key?: string): ClusterError {
  return new ClusterError('ERR_STORE_INVALID_ARGUMENT', `${api}: ${message}`, key === undefined ? {} : { key });
}

function wellFormed(s: string): boolean {
  return (s as string & { isWellFormed(): boolean }).isWellFormed();
}

/** checkKey throws unless `key` is a non-empty string without lone surrogates (it must survive UTF-8 exactly). */
export function checkKey(api: string, key: unknown): string {
  if (typeof key !== 'string') throw invalid(`${api}(${quote(key)})`, 'key is not a string');
  if (key === '') throw invalid(`${api}("")`, 'key is empty', key);
  if (!wellFormed(key)) throw invalid(`${api}(${quote(key)})`, 'key has a lone surrogate (not valid UTF-8)', key);
  return key;
}

/** checkPrefix throws unless `prefix` is a string (possibly empty) without lone surrogates. */
export function checkPrefix(api: string, prefix: unknown, what = 'prefix'): string {
  if (typeof prefix !== 'string') throw invalid(`${api}(${quote(prefix)})`, `${what} is not a string`);
  if (!wellFormed(prefix)) throw invalid(`${api}(${quote(prefix)})`, `${what} has a lone surrogate (not valid UTF-8)`);
  return prefix;
}

/** checkValue throws unless `value` is a Uint8Array, and returns a private copy of its bytes. */
export function checkValue(api: string, key: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw invalid(`${api}(${quote(key)})`, 'value is not a Uint8Array', key);
  return new Uint8Array(value);
}

/** checkModRevision throws unless `rev` is a bigint ≥ 1 (a key that exists has a mod revision of at least 2). */
export function checkModRevision(api: string, key: string, rev: unknown): bigint {
  if (typeof rev !== 'bigint') throw invalid(`${api}(${quote(key)})`, `modRevision ${quote(rev)} is not a bigint`, key);
  if (rev < 1n) throw invalid(`${api}(${quote(key)})`, `modRevision ${rev} is not positive (use create or an absent condition)`, key);
  if (rev > 0x7fffffffffffffffn) throw invalid(`${api}(${quote(key)})`, `modRevision ${rev} exceeds int64`, key);
  return rev;
}

/** ListArgs are the checked arguments of Store.list. */
export interface ListArgs {
  readonly prefix: string;
  readonly after: string | undefined;
  readonly limit: number | undefined;
}

/** checkList checks the arguments of Store.list. */
export function checkList(api: string, prefix: unknown, options: unknown): ListArgs {
  const p = checkPrefix(api, prefix);
  if (options === undefined) return { prefix: p, after: undefined, limit: undefined };
  if (typeof options !== 'object' || options === null) throw invalid(`${api}(${quote(p)})`, 'options is not an object');
  const { after, limit } = options as { after?: unknown; limit?: unknown };
  if (after !== undefined) checkPrefix(api, after, 'after');
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1)) {
    throw invalid(`${api}(${quote(p)})`, `limit ${quote(limit)} is not a positive integer`);
  }
  return { prefix: p, after: after as string | undefined, limit: limit as number | undefined };
}

/** TxnArgs are the checked, copied arguments of Store.txn. */
export interface TxnArgs {
  readonly conditions: readonly StoreCondition[];
  readonly operations: readonly StoreOperation[];
}

/**
 * checkTxn checks and copies the arguments of Store.txn: well-formed conditions and operations, no key written by two
 * operations (etcd rejects that as a duplicate key), at most `maxOps` conditions and at most `maxOps` operations
 * (etcd's `--max-txn-ops`, checked by the caller so every store rejects the same way).
 */
export function checkTxn(api: string, conditions: unknown, operations: unknown): TxnArgs {
  if (!Array.isArray(conditions)) throw invalid(`${api}`, 'conditions is not an array');
  if (!Array.isArray(operations)) throw invalid(`${api}`, 'operations is not an array');
  const conds: StoreCondition[] = [];
  for (const [i, c] of conditions.entries()) {
    if (typeof c !== 'object' || c === null) throw invalid(api, `conditions[${i}] is not an object`);
    const key = checkKey(`${api} conditions[${i}]`, (c as { key?: unknown }).key);
    const cond = c as { absent?: unknown; modRevision?: unknown };
    if (cond.absent === true && cond.modRevision === undefined) conds.push({ key, absent: true });
    else if (cond.absent === undefined && cond.modRevision !== undefined) {
      conds.push({ key, modRevision: checkModRevision(`${api} conditions[${i}]`, key, cond.modRevision) });
    } else throw invalid(`${api} conditions[${i}](${quote(key)})`, 'condition needs exactly one of absent: true or modRevision', key);
  }
  const ops: StoreOperation[] = [];
  const seen = new Set<string>();
  for (const [i, o] of operations.entries()) {
    if (typeof o !== 'object' || o === null) throw invalid(api, `operations[${i}] is not an object`);
    const op = o as { op?: unknown; key?: unknown; value?: unknown };
    const key = checkKey(`${api} operations[${i}]`, op.key);
    if (seen.has(key)) throw invalid(`${api} operations[${i}](${quote(key)})`, 'key is written by more than one operation', key);
    seen.add(key);
    if (op.op === 'put') ops.push({ op: 'put', key, value: checkValue(`${api} operations[${i}]`, key, op.value) });
    else if (op.op === 'delete') ops.push({ op: 'delete', key });
    else throw invalid(`${api} operations[${i}](${quote(key)})`, `op ${quote(op.op)} is neither "put" nor "delete"`, key);
  }
  return { conditions: conds, operations: ops };
}

/** checkTxnSize throws ERR_STORE_REJECTED, as etcd does, when a txn has more than `maxOps` conditions or operations. */
export function checkTxnSize(api: string, args: TxnArgs, maxOps: number): void {
  const n = Math.max(args.conditions.length, args.operations.length);
  if (n > maxOps) {
    const key = args.operations[0]?.key ?? args.conditions[0]?.key;
    throw new ClusterError(
      'ERR_STORE_REJECTED',
      `${api}: too many operations in txn request (${args.conditions.length} conditions, ${args.operations.length} operations, at most ${maxOps} each)`,
      key === undefined ? {} : { key },
    );
  }
}

/**
 * compareKeys orders keys as etcd does: bytewise on their UTF-8 encoding, which is Unicode code point order. UTF-16
 * code unit order differs only where a surrogate meets a unit in U+E000..U+FFFF, which is adjusted here.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates (D800..DFFF) encode code points above FFFF: move them above E000..FFFF.
      x = x < 0xe000 ? x + 0x2000 : x - 0x800;
      y = y < 0xe000 ? y + 0x2000 : y - 0x800;
    }
    return x - y;
  }
  return a.length - b.length;
}
