/*
 * The `ipam-cluster` CNI IPAM plugin: @ipam/cni's runPlugin drives it, a ClusterPool per address family on etcd
 * allocates. One process per CNI command: it opens the pools, does one thing and closes the store.
 */
import { hostname } from 'node:os';
import type { Addr, Prefix } from '@ipam/core';
import { type CmdArgs, CNI_ERROR_CODES, CniConfigError, CniError, type CniIPConfig, type CniResult, type CniResultDns, type CniResultRoute, type Plugin } from '@ipam/cni';
import { ClusterError } from './cluster-error.js';
import { ClusterPool } from './cluster-pool.js';
import { EtcdStore } from './etcd-store.js';
import { readClusterIpamConfig } from './internal/cluster-ipam-config.js';
import { isValidName } from './internal/pool-records.js';
import type { Store } from './store.js';

/**
 * CLUSTER_PLUGIN_SPEC_VERSIONS are the CNI spec versions `ipam-cluster` accepts, oldest first; 1.1.0 brings GC and
 * STATUS.
 *
 * @example
 * ```ts
 * CLUSTER_PLUGIN_SPEC_VERSIONS.at(-1); // '1.1.0'
 * ```
 */
export const CLUSTER_PLUGIN_SPEC_VERSIONS: readonly string[] = Object.freeze(['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']);

/**
 * CLUSTER_PLUGIN_ERROR_CODES are the numeric CNI error codes `ipam-cluster` prints besides the spec's own (7 for an
 * invalid configuration or one that disagrees with the pool stored in etcd, 11 "try again later" when etcd is
 * unavailable, contended or a write's outcome is unknown, 4 for an unusable environment). Plugin codes start at
 * 100, as the CNI spec reserves 1–99.
 *
 * @example
 * ```ts
 * if (JSON.parse(stdout).code === CLUSTER_PLUGIN_ERROR_CODES.POOL_EXHAUSTED) console.log('grow the pool');
 * ```
 */
export const CLUSTER_PLUGIN_ERROR_CODES = Object.freeze({
  /** CLUSTER_PLUGIN_ERROR_CODES.POOL_EXHAUSTED (100): no free address in any block of a family's pool. */
  POOL_EXHAUSTED: 100,
  /** CLUSTER_PLUGIN_ERROR_CODES.POOL_CORRUPT (101): a record under the pool's etcd prefix that this library did not write. */
  POOL_CORRUPT: 101,
  /** CLUSTER_PLUGIN_ERROR_CODES.NOT_ALLOCATED (102): CHECK found no allocation of the owner. */
  NOT_ALLOCATED: 102,
} as const);

/** ClusterIpamRange is one subnet of an `ipam-cluster` configuration, with the gateway its results report. */
export interface ClusterIpamRange {
  /** ClusterIpamRange.subnet is the CIDR; its length is the prefix length of the addresses in results. */
  readonly subnet: Prefix;
  /** ClusterIpamRange.gateway is reported as the gateway of addresses in `subnet`, and never handed out; undefined for none. */
  readonly gateway: Addr | undefined;
}

/** ClusterIpamFamily is the part of an `ipam-cluster` configuration served by one {@link ClusterPool}: one address family. */
export interface ClusterIpamFamily {
  /** ClusterIpamFamily.family is 4 or 6. */
  readonly family: 4 | 6;
  /** ClusterIpamFamily.pool is the name of the family's ClusterPool in the store: `<ipam.pool>-v4` or `<ipam.pool>-v6`. */
  readonly pool: string;
  /** ClusterIpamFamily.ranges are the family's subnets, in configuration order; their CIDRs are the pool's. */
  readonly ranges: readonly ClusterIpamRange[];
  /** ClusterIpamFamily.blockSize is the prefix length of the pool's blocks (default 26 for IPv4, 122 for IPv6). */
  readonly blockSize: number;
}

/**
 * ClusterIpamConfig is a validated `ipam` section of type `ipam-cluster`, as {@link parseClusterIpamConfig} returns it.
 *
 * @example
 * ```ts
 * const c = parseClusterIpamConfig({ ipam: { type: 'ipam-cluster', etcd: { endpoints: ['http://127.0.0.1:2379'] },
 *   pool: 'pods', subnet: '10.244.0.0/16' } }, { NODE_NAME: 'node-a' });
 * c.families[0].pool; // 'pods-v4'
 * ```
 */
export interface ClusterIpamConfig {
  /** ClusterIpamConfig.etcd is where the pools live: endpoints, key prefix (default `/ipam/`) and per-request timeout. */
  readonly etcd: {
    /** endpoints are the etcd client URLs. */
    readonly endpoints: readonly string[];
    /** prefix is the etcd key prefix of every record (default `/ipam/`). */
    readonly prefix: string;
    /** timeoutMs bounds each request to one endpoint (undefined: EtcdStore's default of 5 s). */
    readonly timeoutMs: number | undefined;
  };
  /** ClusterIpamConfig.pool is `ipam.pool`, the base name of the per-family pools. */
  readonly pool: string;
  /** ClusterIpamConfig.node is the node the plugin allocates for: `ipam.node`, else `NODE_NAME`, else the host name. */
  readonly node: string;
  /**
   * ClusterIpamConfig.timeoutMs bounds a whole command, retries included (`ipam.timeoutMs`, default 30000): past it the
   * command fails with code 11 (try again later), and a repeated ADD or a DEL finds whatever it may have written.
   */
  readonly timeoutMs: number;
  /** ClusterIpamConfig.families are the address families, in the order their first subnet appears; one address each. */
  readonly families: readonly ClusterIpamFamily[];
  /** ClusterIpamConfig.routes are copied into every result. */
  readonly routes: readonly CniResultRoute[];
  /** ClusterIpamConfig.dns is copied into every result. */
  readonly dns: CniResultDns;
}

/**
 * parseClusterIpamConfig validates the `ipam` section of a network configuration for `ipam-cluster` and resolves its
 * defaults. The section:
 *
 * ```json
 * { "type": "ipam-cluster",
 *   "etcd": { "endpoints": ["http://10.0.0.1:2379"], "prefix": "/ipam/", "timeoutMs": 5000 },
 *   "pool": "pods",
 *   "ranges": [{ "subnet": "10.244.0.0/16" }, { "subnet": "fd00:10:244::/64", "gateway": "fd00:10:244::1" }],
 *   "blockSize": { "ipv4": 26, "ipv6": 122 },
 *   "routes": [{ "dst": "0.0.0.0/0" }], "dns": { "nameservers": ["10.96.0.10"] }, "node": "node-a" }
 * ```
 *
 * `subnet` (with an optional `gateway`) is shorthand for one range. Subnets of one family form that family's pool,
 * named `<pool>-v4` or `<pool>-v6` whatever else is configured, so adding a family later keeps the existing pool.
 * `blockSize` is a number for a single-family configuration, else one per family; it defaults to 26 (IPv4) and 122
 * (IPv6). `timeoutMs` bounds a whole command (default 30000). `node` defaults to `env.NODE_NAME`, then to the host
 * name. Unknown fields are errors, so that a typo never silently falls back to a default.
 *
 * @throws CniConfigError naming the JSON path at fault (`ipam.ranges[1].subnet`), with codes such as
 * `ERR_CNI_MISSING_FIELD`, `ERR_CNI_INVALID_TYPE`, `ERR_CNI_INVALID_CIDR`, `ERR_CNI_HOST_BITS`, `ERR_CNI_RANGE_OVERLAP`,
 * `ERR_CNI_OUTSIDE_SUBNET`, `ERR_CNI_NO_RANGES` and `ERR_CNI_INVALID_VALUE`.
 *
 * @example
 * ```ts
 * const c = parseClusterIpamConfig(JSON.parse(readFileSync('/etc/cni/net.d/10-pods.conf', 'utf8')));
 * for (const f of c.families) console.log(f.pool, f.ranges.map((r) => `${r.subnet}`), f.blockSize);
 * ```
 */
export function parseClusterIpamConfig(config: unknown, env: Readonly<Record<string, string | undefined>> = process.env): ClusterIpamConfig {
  return readClusterIpamConfig(config, env);
}

/** ClusterPluginOptions tunes {@link clusterPlugin}. */
export interface ClusterPluginOptions {
  /**
   * ClusterPluginOptions.store returns the store of a command (default: a new {@link EtcdStore} on `config.etcd`,
   * closed when the command ends). A store from this factory is the caller's: the plugin never closes it, so one
   * store can serve many commands in a long-lived process or a test.
   */
  readonly store?: (config: ClusterIpamConfig) => Store;
  /** ClusterPluginOptions.env is where `NODE_NAME` is read (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** ClusterPluginOptions.hostname names the node when neither `ipam.node` nor `NODE_NAME` does (default `os.hostname`). */
  readonly hostname?: () => string;
  /** ClusterPluginOptions.about is the text printed when `CNI_COMMAND` is unset. */
  readonly about?: string;
}

/** An owner written by ADD: `<container id>/<ifname>` with a container id as the CNI runtime checks it. */
const ATTACHMENT_OWNER = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*\/[^/]+$/;

/** The attachments `cni.dev/valid-attachments` names, as owners; a CniError (7) naming the path when malformed. */
function validAttachments(config: Record<string, unknown>): Set<string> {
  const list = config['cni.dev/valid-attachments'];
  const bad = (path: string, what: string): CniError => new CniError('ERR_CNI_INVALID_NETWORK_CONFIG', 'invalid GC configuration', `${path}: ${what}`);
  if (list === undefined) return new Set();
  if (!Array.isArray(list)) throw bad('cni.dev/valid-attachments', 'is not an array');
  const out = new Set<string>();
  list.forEach((a: unknown, i) => {
    const x = a as { containerID?: unknown; ifname?: unknown } | null;
    if (typeof x !== 'object' || x === null || typeof x.containerID !== 'string' || typeof x.ifname !== 'string') {
      throw bad(`cni.dev/valid-attachments[${i}]`, 'is not an object with string "containerID" and "ifname"');
    }
    out.add(clusterOwner(x.containerID, x.ifname));
  });
  return out;
}

/** The owner of a gateway address the pool handed out: it can never be a CNI owner (no `<` in ids or pod names). */
function gatewayOwner(gw: Addr): string {
  return `<gateway ${gw}>`;
}

/**
 * clusterOwner is the owner an `ipam-cluster` command records: `<CNI_CONTAINERID>/<CNI_IFNAME>`, the attachment's
 * identity in the CNI spec (host-local keys its files the same way). A pod's new sandbox has a new container id, so
 * a late DEL of its old sandbox can never free the new sandbox's address. The pod's namespace and name, when
 * `CNI_ARGS` carries them, are recorded as attributes (see {@link clusterAttributes}) for humans. It is what
 * {@link ClusterPool.list} shows and what {@link ClusterPool.releaseOwner} takes.
 *
 * @example
 * ```ts
 * clusterOwner('c0ffee01', 'eth0'); // 'c0ffee01/eth0'
 * ```
 */
export function clusterOwner(containerId: string, ifName: string): string {
  return `${containerId}/${ifName}`;
}

/**
 * clusterAttributes are the attributes an `ipam-cluster` ADD records with its allocations: `namespace` and `pod`
 * from `K8S_POD_NAMESPACE` and `K8S_POD_NAME` in `CNI_ARGS` (as kubelet's runtimes set them), or undefined when
 * `CNI_ARGS` does not name the pod. They are for humans and tools; the owner is {@link clusterOwner}.
 *
 * @example
 * ```ts
 * clusterAttributes('K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0'); // { namespace: 'default', pod: 'web-0' }
 * clusterAttributes('');                                            // undefined
 * ```
 */
export function clusterAttributes(cniArgs: string): Readonly<Record<string, string>> | undefined {
  let ns = '';
  let pod = '';
  for (const pair of cniArgs.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const k = pair.slice(0, eq);
    if (k === 'K8S_POD_NAMESPACE') ns = pair.slice(eq + 1);
    else if (k === 'K8S_POD_NAME') pod = pair.slice(eq + 1);
  }
  const attrs: Record<string, string> = {};
  if (isValidName(ns) && ns.length <= 1024) attrs['namespace'] = ns;
  if (isValidName(pod)) attrs['pod'] = pod;
  return Object.keys(attrs).length === 0 ? undefined : attrs;
}

/** Turns a configuration or store failure into the CNI error the runtime sees; other errors pass through (code 999). */
function cniErrorOf(e: unknown): unknown {
  // CniError.isInstance is IpamError's (true for every IpamError): a CniError is told apart by its numeric code.
  if (CniError.isInstance(e) && typeof (e as Partial<CniError>).cniCode === 'number') return e;
  if (e instanceof CniConfigError) {
    return new CniError('ERR_CNI_INVALID_NETWORK_CONFIG', 'invalid ipam-cluster configuration', e.path === '' ? e.reason : `${e.path}: ${e.reason}`);
  }
  if (!ClusterError.isInstance(e)) return e;
  switch (e.code) {
    case 'ERR_STORE_UNAVAILABLE':
      return new CniError('ERR_CNI_TRY_AGAIN_LATER', 'etcd is unavailable', e.message);
    case 'ERR_STORE_OUTCOME_UNKNOWN':
      return new CniError('ERR_CNI_TRY_AGAIN_LATER', 'the outcome of an etcd write is unknown', e.message);
    case 'ERR_CLUSTER_ABORTED':
      return new CniError('ERR_CNI_TRY_AGAIN_LATER', 'ipam-cluster timed out', `${e.message} (ipam.timeoutMs): etcd is slow or unavailable`);
    case 'ERR_CLUSTER_CONTENTION':
      return new CniError('ERR_CNI_TRY_AGAIN_LATER', 'too much contention on the pool', e.message);
    case 'ERR_CLUSTER_POOL_EXHAUSTED':
      return new CniError(CLUSTER_PLUGIN_ERROR_CODES.POOL_EXHAUSTED, 'no free address in the pool', e.message);
    case 'ERR_CLUSTER_POOL_CORRUPT':
      return new CniError(CLUSTER_PLUGIN_ERROR_CODES.POOL_CORRUPT, 'the pool in etcd holds a record this plugin did not write', e.message);
    case 'ERR_CLUSTER_POOL_CONFLICT':
      return new CniError('ERR_CNI_INVALID_NETWORK_CONFIG', 'the configuration disagrees with the pool stored in etcd', e.message);
    case 'ERR_STORE_INVALID_ARGUMENT':
      return new CniError('ERR_CNI_INVALID_NETWORK_CONFIG', 'invalid ipam-cluster configuration', `ipam.etcd: ${e.message}`);
    default:
      return new CniError('ERR_CNI_INTERNAL', e.message);
  }
}

/** One command's resolved state: configuration, owner, store and the opened pools (one per family). */
interface Session {
  readonly conf: ClusterIpamConfig;
  readonly owner: string;
  readonly attributes: Readonly<Record<string, string>> | undefined;
  /** signal aborts when the command's `ipam.timeoutMs` runs out. */
  readonly signal: AbortSignal;
  readonly pools: readonly { readonly family: ClusterIpamFamily; readonly pool: ClusterPool }[];
}

function rangeOf(family: ClusterIpamFamily, addr: Addr): ClusterIpamRange {
  return family.ranges.find((r) => r.subnet.contains(addr))!;
}

function ipConfig(family: ClusterIpamFamily, addr: Addr): CniIPConfig {
  const r = rangeOf(family, addr);
  return r.gateway === undefined ? { address: `${addr}/${r.subnet.bits}` } : { address: `${addr}/${r.subnet.bits}`, gateway: r.gateway.toString() };
}

/** Allocates for `owner`, keeping a gateway that the pool hands out under a reserved owner, and trying again. */
async function allocateSkippingGateways(
  family: ClusterIpamFamily,
  pool: ClusterPool,
  owner: string,
  attributes: Readonly<Record<string, string>> | undefined,
  signal: AbortSignal,
): Promise<Addr> {
  for (let round = 1; ; round++) {
    const addr = await pool.allocate(attributes === undefined ? { owner, signal } : { owner, attributes, signal });
    const gw = rangeOf(family, addr).gateway;
    if (gw === undefined || !gw.equals(addr)) return addr;
    if (round > 4) {
      await pool.release(addr);
      throw new ClusterError('ERR_CLUSTER_CONTENTION', `ipam-cluster: the pool keeps handing out the gateway ${gw} (pool ${family.pool}); it could not be reserved`);
    }
    // The pool handed out the gateway (the lowest free address of the block holding it): give it back and take it
    // again under the gateway's reserved owner, where it stays; then allocate for `owner` once more.
    await pool.release(addr, { signal });
    await reserveGateway(pool, gw, signal);
  }
}

/** Makes sure `gw` is held by the gateway's reserved owner; other addresses taken meanwhile are given back. */
async function reserveGateway(pool: ClusterPool, gw: Addr, signal: AbortSignal): Promise<void> {
  const owner = gatewayOwner(gw);
  const extra: Addr[] = [];
  try {
    for (let i = 0; i < 64; i++) {
      const a = await pool.allocate({ owner, signal });
      if (a.equals(gw)) return;
      extra.push(a);
      if ((await pool.list({ owner, signal }))[0]?.addr.equals(gw) === true) return;
    }
  } finally {
    for (const a of extra) await pool.release(a);
  }
}

/**
 * clusterPlugin returns the handlers of the `ipam-cluster` CNI IPAM plugin, for `runPlugin` of `@ipam/cni` (the package's
 * `ipam-cluster` executable is `runPlugin(clusterPlugin())`). Each family of the configuration (see
 * {@link parseClusterIpamConfig}) is a {@link ClusterPool} in etcd; a command opens them for the node and:
 *
 * - ADD returns one address per family, owned by {@link clusterOwner}. It is idempotent: when the owner already holds
 *   an address in a family, that address is returned again. When a later family fails, the addresses this ADD took
 *   are released before the error is reported. A gateway is never handed out to a container.
 * - DEL releases every address of the owner, and succeeds when the owner holds nothing (CNI spec).
 * - CHECK fails unless the owner holds an address in every family (and, when the configuration carries a
 *   `prevResult` with `ips`, unless each of them is listed there).
 * - GC (spec 1.1) releases every allocation this node made in the network's pools whose attachment
 *   (`<containerID>/<ifname>`) is not in the configuration's `cni.dev/valid-attachments`; each release is conditional
 *   on the allocation's sequence number, so an address handed out again meanwhile is left alone. Allocations of other
 *   nodes, gateways and owners that are not CNI attachments are never touched.
 * - STATUS (spec 1.1) succeeds when etcd answers and holds the pools as configured, and fails with code 50 (plugin not
 *   available) when etcd cannot be reached.
 * - VERSION lists {@link CLUSTER_PLUGIN_SPEC_VERSIONS}.
 *
 * Errors are CNI errors on stdout: 7 for an invalid configuration (`details` names the JSON path, such as
 * `ipam.ranges[0].subnet: invalid CIDR address: "10.0.0.0/33"`) or one that disagrees with the stored pool, 11 (try
 * again later) when etcd is unavailable, a write's outcome is unknown or the pool is too contended, and the plugin's
 * {@link CLUSTER_PLUGIN_ERROR_CODES} (100 exhausted, 101 corrupt, 102 not allocated on CHECK).
 *
 * Owners are keyed by container id and interface, so a late DEL of a pod's old sandbox releases only the old
 * sandbox's address, never the one of the pod's new sandbox; DEL of an unknown container succeeds and frees nothing.
 *
 * @example
 * ```ts
 * import { runPlugin } from '@ipam/cni';
 * import { clusterPlugin, MemoryStore } from '@ipam/cluster';
 * const store = new MemoryStore();
 * await runPlugin(clusterPlugin({ store: () => store }), { env, stdin: configText, stdout: (s) => console.log(s) });
 * ```
 */
export function clusterPlugin(options: ClusterPluginOptions = {}): Plugin {
  const env = options.env ?? process.env;
  const host = options.hostname ?? hostname;
  const given = options.store;
  const openStore = given ?? ((c: ClusterIpamConfig) => new EtcdStore({ endpoints: c.etcd.endpoints, prefix: c.etcd.prefix, ...(c.etcd.timeoutMs === undefined ? {} : { timeoutMs: c.etcd.timeoutMs }) }));

  async function session<T>(args: CmdArgs, fn: (s: Session) => Promise<T>): Promise<T> {
    let store: Store | undefined;
    try {
      const conf = readClusterIpamConfig(args.config, env, host);
      const owner = clusterOwner(args.containerId, args.ifName);
      const attributes = clusterAttributes(args.args);
      if (!isValidName(owner)) throw new CniError('ERR_CNI_INVALID_ENVIRONMENT', 'cannot name the owner', `owner ${JSON.stringify(String(owner).slice(0, 80))} is longer than 1024 characters or has control characters`);
      store = openStore(conf);
      const s = store;
      // ipam.timeoutMs aborts every ClusterPool call of the command (their retries and backoff stop at once); the race
      // below also answers when a store request ignores the abort.
      const deadline = new AbortController();
      const signal = deadline.signal;
      const work = (async () => {
        const pools = [];
        for (const family of conf.families) {
          const pool = await ClusterPool.open({ store: s, name: family.pool, cidrs: family.ranges.map((r) => r.subnet), blockSize: family.blockSize, node: conf.node, signal });
          pools.push({ family, pool });
        }
        return fn({ conf, owner, attributes, signal, pools });
      })();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          deadline.abort(new Error(`the command did not finish within ${conf.timeoutMs} ms`));
          reject(new CniError('ERR_CNI_TRY_AGAIN_LATER', 'ipam-cluster timed out', `the command did not finish within ${conf.timeoutMs} ms (ipam.timeoutMs): etcd is slow or unavailable`));
        }, conf.timeoutMs);
      });
      work.catch(() => {}); // answered by the race
      try {
        return await Promise.race([work, expired]);
      } finally {
        clearTimeout(timer);
      }
    } catch (e) {
      throw cniErrorOf(e);
    } finally {
      // Closing our EtcdStore also aborts the requests of a command that timed out.
      if (store !== undefined && given === undefined) await store.close().catch(() => {});
    }
  }

  return {
    supportedVersions: CLUSTER_PLUGIN_SPEC_VERSIONS,
    about: options.about ?? `CNI ipam-cluster plugin (@ipam/cluster): cluster-wide allocation on etcd\nCNI protocol versions supported: ${CLUSTER_PLUGIN_SPEC_VERSIONS.join(', ')}`,
    add: (args) =>
      session(args, async ({ conf, owner, attributes, signal, pools }): Promise<CniResult> => {
        const ips: CniIPConfig[] = [];
        const taken: { pool: ClusterPool; addr: Addr }[] = [];
        try {
          for (const { family, pool } of pools) {
            const existing = (await pool.list({ owner, signal }))[0];
            let addr: Addr;
            if (existing !== undefined) addr = existing.addr;
            else {
              addr = await allocateSkippingGateways(family, pool, owner, attributes, signal);
              taken.push({ pool, addr });
            }
            ips.push(ipConfig(family, addr));
          }
        } catch (e) {
          for (const t of taken) await t.pool.release(t.addr).catch(() => {});
          throw e;
        }
        return { cniVersion: '1.0.0', ips, routes: conf.routes, dns: conf.dns };
      }),
    del: (args) =>
      session(args, async ({ owner, signal, pools }) => {
        for (const { pool } of pools) {
          try {
            await pool.releaseOwner(owner, { signal });
          } catch (e) {
            if (!(ClusterError.isInstance(e) && e.code === 'ERR_CLUSTER_NOT_ALLOCATED')) throw e;
          }
        }
      }),
    gc: (args) =>
      session(args, async ({ conf, signal, pools }) => {
        const valid = validAttachments(args.config);
        for (const { pool } of pools) {
          for (const a of await pool.list({ signal })) {
            if (a.node !== conf.node || !ATTACHMENT_OWNER.test(a.owner) || valid.has(a.owner)) continue;
            try {
              await pool.release(a, { signal });
            } catch (e) {
              // Released or handed out again meanwhile: not ours to free any more.
              if (!(ClusterError.isInstance(e) && e.code === 'ERR_CLUSTER_NOT_ALLOCATED')) throw e;
            }
          }
        }
      }),
    status: async (args) => {
      try {
        // Opening the pools reads their definitions from etcd (and checks them against the configuration).
        await session(args, async () => {});
      } catch (e) {
        if (CniError.isInstance(e) && (e as Partial<CniError>).cniCode === CNI_ERROR_CODES.ERR_CNI_TRY_AGAIN_LATER) {
          throw new CniError('ERR_CNI_PLUGIN_NOT_AVAILABLE', 'etcd is not available', (e as CniError).details);
        }
        throw e;
      }
    },
    check: (args) =>
      session(args, async ({ owner, signal, pools }) => {
        const prev = (args.config.prevResult as { ips?: unknown } | undefined)?.ips;
        const listed = Array.isArray(prev) ? prev.map((x) => String((x as { address?: unknown } | null)?.address ?? '').split('/')[0]) : undefined;
        for (const { family, pool } of pools) {
          const a = (await pool.list({ owner, signal }))[0];
          if (a === undefined) throw new CniError(CLUSTER_PLUGIN_ERROR_CODES.NOT_ALLOCATED, `no IPv${family.family} address for ${owner}`, `pool ${family.pool} holds nothing for owner ${JSON.stringify(owner)}`);
          if (listed !== undefined && !listed.includes(a.addr.toString())) {
            throw new CniError(CLUSTER_PLUGIN_ERROR_CODES.NOT_ALLOCATED, `${a.addr} of ${owner} is not in prevResult`, `prevResult.ips lists ${listed.join(', ') || 'nothing'}`);
          }
        }
      }),
  };
}
