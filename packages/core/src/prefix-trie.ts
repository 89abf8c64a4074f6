import { Addr } from './addr.js';
import { InvalidArgumentError, quote } from './ipam-error.js';
import { trieStats } from './internal/trie-stats.js';
import { Prefix } from './prefix.js';

/**
 * A trie node: a masked prefix and, when `has` is set, the value stored under it. The child on side `b` holds
 * longer prefixes whose bit number `key.bits` is `b`. A node without a value always has two children, so the
 * shape of a trie depends only on its keys.
 */
class Node<V> {
  readonly key: Prefix;
  has: boolean;
  value: V | undefined;
  readonly kids: [Node<V> | undefined, Node<V> | undefined] = [undefined, undefined];

  constructor(key: Prefix, has: boolean, value: V | undefined) {
    this.key = key;
    this.has = has;
    this.value = value;
  }
}

/** The number of leading bits, at most `limit`, that two addresses of the same family share. */
function common(a: Addr, b: Addr, limit: number): number {
  if (a._f === 4) return Math.min(limit, Math.clz32(a._w3 ^ b._w3));
  const x0 = a._w0 ^ b._w0;
  if (x0 !== 0 || limit <= 32) return Math.min(limit, Math.clz32(x0));
  const x1 = a._w1 ^ b._w1;
  if (x1 !== 0 || limit <= 64) return Math.min(limit, 32 + Math.clz32(x1));
  const x2 = a._w2 ^ b._w2;
  if (x2 !== 0 || limit <= 96) return Math.min(limit, 64 + Math.clz32(x2));
  return Math.min(limit, 96 + Math.clz32(a._w3 ^ b._w3));
}

/** Bit number `i` of the address, counting from 0 at the most significant bit. */
function bitAt(a: Addr, i: number): 0 | 1 {
  const w = a._f === 4 || i >= 96 ? a._w3 : i < 32 ? a._w0 : i < 64 ? a._w1 : a._w2;
  return ((w >>> (31 - (i & 31))) & 1) as 0 | 1;
}

/** The index of the family's root: IPv4 first, as in Prefix.compare order. */
function rootIndex(family: number): 0 | 1 {
  return family === 4 ? 0 : 1;
}

function checkPrefix(api: string, p: unknown): asserts p is Prefix {
  if (!(p instanceof Prefix)) throw new InvalidArgumentError(api, `${quote(p)} is not a Prefix`);
}

function entry<V>(n: Node<V>): [Prefix, V] {
  return [n.key, n.value as V];
}

/** The nodes under `top`, `top` first, in Prefix.compare order (a pre-order walk, side 0 before side 1). */
function* walk<V>(top: Node<V>): Generator<Node<V>, void, undefined> {
  const stack = [top];
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    yield n;
    if (n.kids[1] !== undefined) stack.push(n.kids[1]);
    if (n.kids[0] !== undefined) stack.push(n.kids[0]);
  }
}

/**
 * PrefixTrie is a map from prefixes to values that answers longest-prefix-match and containment queries: a
 * path-compressed binary radix trie with one root per address family.
 *
 * Keys are normalized with {@link Prefix.masked}: `10.1.2.3/8` and `10.0.0.0/8` are the same key, and the trie
 * hands keys back masked. IPv4 and IPv6 keys never match each other, and an IPv4-mapped IPv6 prefix is an IPv6 key.
 * Like `Map`, a trie is mutable; a call that throws leaves it unchanged. A lookup visits at most
 * {@link Addr.bitLength} + 1 nodes whatever the size of the trie. Iteration yields entries in
 * {@link Prefix.compare} order: IPv4 before IPv6, by address, shorter prefixes first.
 *
 * @example
 * ```ts
 * const routes = new PrefixTrie<string>()
 *   .set(Prefix.parse('10.0.0.0/8'), 'corp')
 *   .set(Prefix.parse('10.96.0.0/12'), 'services');
 * routes.longestMatch(Addr.parse('10.96.0.10')); // [10.96.0.0/12, 'services']
 * routes.covering(Prefix.parse('10.96.1.0/24')).map(([p]) => String(p)); // ['10.0.0.0/8', '10.96.0.0/12']
 * ```
 */
export class PrefixTrie<V> {
  readonly #roots: [Node<V> | undefined, Node<V> | undefined] = [undefined, undefined];
  #size = 0;

  /**
   * PrefixTrie's constructor makes an empty trie, or one holding the given entries; a later entry for the
   * same (masked) prefix replaces an earlier one, as in `new Map(entries)`.
   */
  constructor(entries?: Iterable<readonly [Prefix, V]>) {
    if (entries !== undefined) for (const [p, v] of entries) this.set(p, v);
  }

  /** PrefixTrie.size is the number of entries. */
  get size(): number {
    return this.#size;
  }

  /**
   * PrefixTrie.set stores `value` under `prefix` with its host bits cleared, replacing any value stored there,
   * and returns the trie.
   * @throws {@link InvalidArgumentError} when `prefix` is not a {@link Prefix}; the trie is then unchanged.
   */
  set(prefix: Prefix, value: V): this {
    checkPrefix('PrefixTrie.set', prefix);
    const key = prefix.masked();
    const q = key._a;
    const qb = key._b;
    const path = this.#path(key);
    const last = path.at(-1);
    if (last !== undefined && last.key._b === qb) {
      if (!last.has) this.#size++;
      last.has = true;
      last.value = value;
      return this;
    }
    const s = last === undefined ? 0 : bitAt(q, last.key._b);
    const n = last === undefined ? this.#roots[rootIndex(q._f)] : last.kids[s];
    let top = new Node(key, true, value);
    if (n !== undefined) {
      // n hangs where the key belongs but does not contain it. Either the key contains n (c = qb), or the two
      // part at bit c and a value-less node for their common c bits joins them:
      //
      //    last           last                last
      //      \              \                   \
      //       n     →       key      or      (c bits)
      //                       \              /      \
      //                        n           key      n
      const c = common(n.key._a, q, Math.min(n.key._b, qb));
      if (c < qb) {
        const leaf = top;
        top = new Node<V>(Prefix._make(q._masked(c), c), false, undefined);
        top.kids[bitAt(q, c)] = leaf;
      }
      top.kids[bitAt(n.key._a, c)] = n;
    }
    this.#link(q._f, last, s, top);
    this.#size++;
    return this;
  }

  /**
   * PrefixTrie.get returns the value stored under `prefix` (host bits ignored), or undefined when there is none.
   * Use {@link PrefixTrie.has} to tell a stored undefined from a missing entry.
   */
  get(prefix: Prefix): V | undefined {
    checkPrefix('PrefixTrie.get', prefix);
    return this.#exact(prefix)?.value;
  }

  /** PrefixTrie.has reports whether a value is stored under `prefix` (host bits ignored). */
  has(prefix: Prefix): boolean {
    checkPrefix('PrefixTrie.has', prefix);
    return this.#exact(prefix) !== undefined;
  }

  /**
   * PrefixTrie.delete removes the entry for `prefix` (host bits ignored) and reports whether there was one.
   * The trie is left as compact as one built from the remaining entries.
   */
  delete(prefix: Prefix): boolean {
    checkPrefix('PrefixTrie.delete', prefix);
    const path = this.#path(prefix);
    const n = path.at(-1);
    if (n === undefined || n.key._b !== prefix._b || !n.has) return false;
    this.#size--;
    n.has = false;
    n.value = undefined;
    const [k0, k1] = n.kids;
    if (k0 !== undefined && k1 !== undefined) return true;
    const f = prefix._a._f;
    const parent = path.at(-2);
    const s = parent === undefined ? 0 : bitAt(prefix._a, parent.key._b);
    if (k0 !== undefined || k1 !== undefined || parent === undefined || parent.has) {
      this.#link(f, parent, s, k0 ?? k1);
      return true;
    }
    // n was a leaf under a value-less parent: the parent's other child takes the parent's place.
    const grand = path.at(-3);
    this.#link(f, grand, grand === undefined ? 0 : bitAt(prefix._a, grand.key._b), parent.kids[s ^ 1]);
    return true;
  }

  /**
   * PrefixTrie.longestMatch returns the most specific entry that contains `x`: for an address, the entry with
   * the longest prefix that contains it (longest-prefix match, as in a routing table); for a prefix, the
   * longest entry that contains the whole prefix, the prefix itself included. It returns undefined when no
   * entry matches. As with {@link Prefix.contains}, an address with a zone is in no prefix.
   * @throws {@link InvalidArgumentError} when `x` is neither an {@link Addr} nor a {@link Prefix}.
   */
  longestMatch(x: Addr | Prefix): [Prefix, V] | undefined {
    const p = query('PrefixTrie.longestMatch', x);
    const path = p === undefined ? [] : this.#path(p);
    for (let i = path.length - 1; i >= 0; i--) if (path[i]!.has) return entry(path[i]!);
    return undefined;
  }

  /**
   * PrefixTrie.covering returns every entry whose prefix contains `x`, shortest first; `x` itself is included
   * when it is an entry (host bits ignored). An address of the other family, or with a zone, gives `[]`.
   * @throws {@link InvalidArgumentError} when `x` is neither an {@link Addr} nor a {@link Prefix}.
   */
  covering(x: Addr | Prefix): [Prefix, V][] {
    const p = query('PrefixTrie.covering', x);
    return p === undefined ? [] : this.#path(p).filter((n) => n.has).map(entry);
  }

  /**
   * PrefixTrie.covered returns every entry inside `prefix` (host bits ignored), `prefix` itself included when it
   * is an entry, in {@link Prefix.compare} order.
   * @throws {@link InvalidArgumentError} when `prefix` is not a {@link Prefix}.
   */
  covered(prefix: Prefix): [Prefix, V][] {
    checkPrefix('PrefixTrie.covered', prefix);
    const q = prefix._a;
    const qb = prefix._b;
    const last = this.#path(prefix).at(-1);
    let top: Node<V> | undefined;
    if (last !== undefined && last.key._b === qb) top = last;
    else {
      const n = last === undefined ? this.#roots[rootIndex(q._f)] : last.kids[bitAt(q, last.key._b)];
      if (n !== undefined && n.key._b > qb && common(n.key._a, q, qb) === qb) top = n;
    }
    const out: [Prefix, V][] = [];
    if (top !== undefined) for (const n of walk(top)) if (n.has) out.push(entry(n));
    return out;
  }

  /** PrefixTrie.clear removes every entry. */
  clear(): void {
    this.#roots[0] = undefined;
    this.#roots[1] = undefined;
    this.#size = 0;
  }

  /**
   * PrefixTrie.entries lazily yields `[prefix, value]` pairs in {@link Prefix.compare} order. Entries set or
   * deleted while an iteration is under way may or may not be seen by it.
   */
  *entries(): Generator<[Prefix, V], void, undefined> {
    for (const root of this.#roots) {
      if (root !== undefined) for (const n of walk(root)) if (n.has) yield entry(n);
    }
  }

  /** PrefixTrie.keys lazily yields the (masked) prefixes in {@link Prefix.compare} order. */
  *keys(): Generator<Prefix, void, undefined> {
    for (const [p] of this.entries()) yield p;
  }

  /** PrefixTrie.values lazily yields the values in the {@link Prefix.compare} order of their prefixes. */
  *values(): Generator<V, void, undefined> {
    for (const [, v] of this.entries()) yield v;
  }

  /** PrefixTrie[Symbol.iterator] is {@link PrefixTrie.entries}, so that `for (const [prefix, value] of trie)` works. */
  [Symbol.iterator](): Generator<[Prefix, V], void, undefined> {
    return this.entries();
  }

  /** @internal The number of nodes, entries plus the value-less nodes that join them; for tests. */
  _nodeCount(): number {
    let count = 0;
    for (const root of this.#roots) if (root !== undefined) for (const _ of walk(root)) count++;
    return count;
  }

  /**
   * The nodes whose keys contain `p` (host bits of `p` ignored), shortest first: the descent from the root,
   * which visits at most bitLength + 1 nodes because key lengths grow strictly along it.
   */
  #path(p: Prefix): Node<V>[] {
    const q = p._a;
    const qb = p._b;
    const path: Node<V>[] = [];
    let n = this.#roots[rootIndex(q._f)];
    while (n !== undefined) {
      trieStats.visits++;
      const nb = n.key._b;
      if (nb > qb || common(n.key._a, q, nb) < nb) break;
      path.push(n);
      if (nb === qb) break;
      n = n.kids[bitAt(q, nb)];
    }
    return path;
  }

  /** The node holding an entry for exactly `p` (host bits ignored), or undefined. */
  #exact(p: Prefix): Node<V> | undefined {
    const n = this.#path(p).at(-1);
    return n !== undefined && n.has && n.key._b === p._b ? n : undefined;
  }

  /** Puts `n` on side `s` of `parent`, or makes it the root of family `f` when there is no parent. */
  #link(f: number, parent: Node<V> | undefined, s: 0 | 1, n: Node<V> | undefined): void {
    if (parent === undefined) this.#roots[rootIndex(f)] = n;
    else parent.kids[s] = n;
  }
}

/** The prefix to look up for `x`: an address as a single-address prefix, or undefined for a zoned address. */
function query(api: string, x: unknown): Prefix | undefined {
  if (x instanceof Addr) return x._z === undefined ? Prefix._make(x, x.bitLength) : undefined;
  if (x instanceof Prefix) return x;
  throw new InvalidArgumentError(api, `${quote(x)} is not an address or a prefix`);
}
