import { readFileSync } from 'node:fs';
import type { Addr } from '@ipam/core';
import { CniError } from './cni-error.js';
import type { CniResult, CniResultDns, CniIPConfig } from './cni-result.js';
import type { HostLocalRange } from './ipam-host-local.js';
import { goOsError } from './internal/go-compat.js';
import { GoError, type HostLocalConfig, loadHostLocalConfig, rangeContains, rangeSetString } from './internal/host-local-config.js';
import { HOST_LOCAL_DEFAULT_DATA_DIR, HostLocalFileStore, type HostLocalStore, type HostLocalStoreFactory } from './host-local-store.js';
import type { CmdArgs, Plugin } from './plugin-runtime.js';

/** HOST_LOCAL_SPEC_VERSIONS are the spec versions of the reference host-local v1.1.1, which this plugin matches. */
export const HOST_LOCAL_SPEC_VERSIONS: readonly string[] = Object.freeze(['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0']);

/** HostLocalPluginOptions tunes {@link hostLocalPlugin}. */
export interface HostLocalPluginOptions {
  /** HostLocalPluginOptions.store opens a network's store (default: the crash-safe {@link HostLocalFileStore}). */
  readonly store?: HostLocalStoreFactory;
  /** HostLocalPluginOptions.about is the text printed when `CNI_COMMAND` is unset. */
  readonly about?: string;
}

/**
 * hostLocalIterator yields the addresses of a range set in the order the reference allocator tries them
 * (`allocator.GetIter`/`RangeIter.Next`): from the address after `last` when a range of the set contains it,
 * else from the first range's `rangeStart`; through each range in configuration order; wrapping around once and
 * ending with `last` itself; skipping each range's gateway.
 */
export function* hostLocalIterator(set: readonly HostLocalRange[], last: Addr | undefined): Generator<{
  /** addr is the next address to try. */
  addr: Addr;
  /** range is the range of the set that holds `addr`. */
  range: HostLocalRange;
}> {
  let idx = 0;
  let cur: Addr | undefined;
  if (last !== undefined) {
    const i = set.findIndex((r) => rangeContains(r, last));
    if (i >= 0) {
      idx = i;
      cur = last;
    }
  }
  let startIP: Addr | undefined;
  for (;;) {
    let r = set[idx]!;
    if (cur === undefined) {
      cur = r.rangeStart;
      startIP = cur;
      if (!cur.equals(r.gateway)) yield { addr: cur, range: r };
      continue;
    }
    if (cur.equals(r.rangeEnd)) {
      idx = (idx + 1) % set.length;
      r = set[idx]!;
      cur = r.rangeStart;
    } else {
      cur = cur.next()!;
    }
    if (startIP === undefined) startIP = cur;
    // Ranges of a set never overlap, so an address alone tells where the walk began.
    else if (cur.equals(startIP)) return;
    if (cur.equals(r.gateway)) continue;
    yield { addr: cur, range: r };
  }
}

function parseResolvConf(path: string): CniResultDns {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new GoError(goOsError(code === 'EISDIR' ? 'read' : 'open', path, e));
  }
  const nameservers: string[] = [];
  const search: string[] = [];
  const options: string[] = [];
  let domain: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line[0] === '#' || line[0] === ';') continue;
    const f = line.split(/\s+/);
    if (f.length < 2) continue;
    if (f[0] === 'nameserver') nameservers.push(f[1]!);
    else if (f[0] === 'domain') domain = f[1];
    else if (f[0] === 'search') search.push(...f.slice(1));
    else if (f[0] === 'options') options.push(...f.slice(1));
  }
  return { nameservers, domain, search, options };
}

/** One range set's `allocator.Get`. */
function allocate(store: HostLocalStore, set: readonly HostLocalRange[], rangeId: string, id: string, ifName: string, requested: Addr | undefined): CniIPConfig {
  if (requested !== undefined) {
    const r = set.find((x) => rangeContains(x, requested));
    if (r === undefined) throw new GoError(`${requested} not in range set ${rangeSetString(set)}`);
    if (requested.equals(r.gateway)) throw new GoError(`requested ip ${requested} is subnet's gateway`);
    if (!store.reserve(id, ifName, requested, rangeId)) throw new GoError(`requested IP address ${requested} is not available in range set ${rangeSetString(set)}`);
    return { address: `${requested}/${r.subnet.bits}`, gateway: r.gateway.toString() };
  }
  for (const ip of store.getByID(id, ifName)) {
    if (set.some((r) => rangeContains(r, ip))) throw new GoError(`${ip} has been allocated to ${id}, duplicate allocation is not allowed`);
  }
  for (const { addr, range } of hostLocalIterator(set, store.lastReservedIP(rangeId))) {
    if (store.reserve(id, ifName, addr, rangeId)) return { address: `${addr}/${range.subnet.bits}`, gateway: range.gateway.toString() };
  }
  throw new GoError(`no IP addresses available in range set: ${rangeSetString(set)}`);
}

/** How many loaded configurations a plugin keeps per CNI_ARGS value, and how many CNI_ARGS values. */
const CONFIG_CACHE_SIZE = 64;

/** Loaded configurations by CNI_ARGS, then by configuration text (nested, so that no key string is built). */
type ConfigCache = Map<string, Map<string, HostLocalConfig>>;

/**
 * Loads (or takes from the cache) the configuration of a command. A loaded configuration depends only on the
 * configuration text and CNI_ARGS, and is never changed, so an in-process caller that repeats a configuration
 * (a daemon, a benchmark) pays for parsing and canonicalization once. Failures are not cached.
 */
function load(args: CmdArgs, factory: HostLocalStoreFactory, cache: ConfigCache) {
  let byText = cache.get(args.args);
  if (byText === undefined) {
    if (cache.size >= CONFIG_CACHE_SIZE) cache.clear();
    cache.set(args.args, (byText = new Map()));
  }
  let conf = byText.get(args.stdinData);
  if (conf === undefined) {
    conf = loadHostLocalConfig(args.config as Record<string, unknown>, args.args);
    if (byText.size >= CONFIG_CACHE_SIZE) byText.delete(byText.keys().next().value!);
    byText.set(args.stdinData, conf);
  }
  const c = conf;
  return { conf: c, open: () => factory(c.dataDir === '' ? HOST_LOCAL_DEFAULT_DATA_DIR : c.dataDir, c.name) };
}

function withLock<T>(store: HostLocalStore, fn: () => T): T {
  store.lock();
  try {
    return fn();
  } finally {
    store.unlock();
  }
}

/**
 * hostLocalPlugin is a drop-in replacement for the reference `host-local` IPAM plugin (containernetworking/plugins
 * v1.1.1): the same allocations for the same sequence of ADD, DEL and CHECK, the same results and error messages,
 * and the same store on disk, so that the two can take turns on one node. Run it with {@link runPlugin}.
 *
 * It differs on purpose in three ways: `dataDir` must be an absolute normalized path; the store lock is held for
 * a whole command rather than per range set; and writes are crash-safe (see {@link HostLocalFileStore}).
 */
export function hostLocalPlugin(options: HostLocalPluginOptions = {}): Plugin {
  const factory = options.store ?? ((dataDir: string, network: string) => HostLocalFileStore.open(dataDir, network));
  const cache: ConfigCache = new Map();
  return {
    supportedVersions: HOST_LOCAL_SPEC_VERSIONS,
    about: options.about ?? `CNI host-local plugin (@ipam/cni)\nCNI protocol versions supported: ${HOST_LOCAL_SPEC_VERSIONS.join(', ')}`,
    add(args): CniResult {
      return goErrors(() => {
        const { conf, open } = load(args, factory, cache);
        const dns = conf.resolvConf === '' ? {} : parseResolvConf(conf.resolvConf);
        const store = open();
        return withLock(store, () => {
          const requested = new Map<string, Addr>();
          for (const ip of conf.ipArgs) requested.set(ip.toString(), ip);
          const ips: CniIPConfig[] = [];
          conf.ranges.forEach((set, idx) => {
            let want: Addr | undefined;
            for (const [k, ip] of requested) {
              if (set.some((r) => rangeContains(r, ip))) {
                want = ip;
                requested.delete(k);
                break;
              }
            }
            try {
              ips.push(allocate(store, set, String(idx), args.containerId, args.ifName, want));
            } catch (e) {
              for (let i = 0; i < ips.length; i++) store.releaseByID(args.containerId, args.ifName);
              throw new GoError(`failed to allocate for range ${idx}: ${(e as Error).message}`);
            }
          });
          if (requested.size > 0) {
            for (let i = 0; i < ips.length; i++) store.releaseByID(args.containerId, args.ifName);
            throw new GoError(`failed to allocate all requested IPs: ${[...requested.keys()].join(' ')}`);
          }
          return { cniVersion: '1.0.0', ips, routes: conf.routes, dns };
        });
      });
    },
    del(args): void {
      goErrors(() => {
        const { conf, open } = load(args, factory, cache);
        const store = open();
        withLock(store, () => {
          const errors: string[] = [];
          for (let i = 0; i < conf.ranges.length; i++) {
            try {
              store.releaseByID(args.containerId, args.ifName);
            } catch (e) {
              errors.push((e as Error).message);
            }
          }
          if (errors.length > 0) throw new GoError(errors.join(';'));
        });
      });
    },
    check(args): void {
      goErrors(() => {
        const { open } = load(args, factory, cache);
        const store = open();
        const found = withLock(store, () => store.findByID(args.containerId, args.ifName));
        if (!found) throw new GoError(`host-local: Failed to find address added by container ${args.containerId}`);
      });
    },
  };
}

function goErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof GoError) throw new CniError('ERR_CNI_INTERNAL', e.message);
    throw e;
  }
}
