import { type Addr, IPSet, IPSetBuilder } from '@ipam/core';
import { CniConfigError } from './cni-config-error.js';
import { type CniDns, parseDns } from './cni-dns.js';
import type { CniRoute } from './cni-route.js';
import type { FlannelSubnetEnv } from './flannel-subnet-env.js';
import { type IpamConfig, ipamFromJson } from './ipam.js';
import { calicoPoolPrefixes } from './ipam-calico.js';
import { hostLocalAddresses } from './ipam-host-local.js';
import { whereaboutsAddresses } from './ipam-whereabouts.js';
import { type Context, asObject, fail, isObject, optObject, optString, own, typeName } from './internal/context.js';
import { compareGoVersions, LIBCNI_SPEC_VERSION, parseGoVersion } from './internal/go-version.js';
import { DEFAULT_MAX_DEPTH, isJsonFailure, type JsonObject, type JsonValue, lineColumn, parseJson } from './internal/json-parser.js';
import { formatPath, type PathSegment, quote } from './internal/json-path.js';

/** DEFAULT_MAX_LENGTH is the default limit on the length of a configuration text: 1 MiB. */
export const DEFAULT_MAX_LENGTH = 1 << 20;

/** ParseNetworkConfigOptions tunes {@link parseNetworkConfig}. */
export interface ParseNetworkConfigOptions {
  /**
   * ParseNetworkConfigOptions.filename names the file in errors, and its extension picks the format as libcni
   * does: `.conflist` is a plugin list, `.conf` and `.json` a single plugin.
   */
  readonly filename?: string;
  /** ParseNetworkConfigOptions.format overrides the format; without it and without a known extension, a document with `plugins` is a list. */
  readonly format?: 'conf' | 'conflist';
  /** ParseNetworkConfigOptions.maxLength bounds the text length (default 1 MiB); longer text is `ERR_CNI_TOO_LARGE`. */
  readonly maxLength?: number;
  /** ParseNetworkConfigOptions.maxDepth bounds the nesting of objects and arrays (default 64); deeper is `ERR_CNI_TOO_DEEP`. */
  readonly maxDepth?: number;
}

/**
 * PluginConfig is one plugin of a network: the fields the CNI spec defines, typed and validated, and `raw`,
 * the plugin object as written with every plugin-specific field (plugins define their own).
 */
export interface PluginConfig {
  /** PluginConfig.type is the plugin binary's name, such as `bridge`. */
  readonly type: string;
  /** PluginConfig.name is the plugin's own `name`, if any (a `.conf`'s name is the network's). */
  readonly name: string | undefined;
  /** PluginConfig.cniVersion is the plugin's own `cniVersion`, if any (libcni replaces it by the list's at run time). */
  readonly cniVersion: string | undefined;
  /** PluginConfig.capabilities maps capability names (`portMappings`, `ipRanges`, ...) to whether the plugin wants them. */
  readonly capabilities: Readonly<Record<string, boolean>> | undefined;
  /** PluginConfig.runtimeConfig is the `runtimeConfig` object, if any (normally added by the runtime). */
  readonly runtimeConfig: JsonObject | undefined;
  /** PluginConfig.args is the `args` object, if any (`args.cni.ips`, ...). */
  readonly args: JsonObject | undefined;
  /** PluginConfig.ipam is the validated IPAM section, or undefined when there is none or it has no type (`{}`). */
  readonly ipam: IpamConfig | undefined;
  /** PluginConfig.dns is the plugin's `dns` object, if any. */
  readonly dns: CniDns | undefined;
  /** PluginConfig.prevResult is the `prevResult` object, if any. */
  readonly prevResult: JsonObject | undefined;
  /** PluginConfig.raw is the plugin object as written, unknown fields included. */
  readonly raw: JsonObject;
}

/**
 * NetworkRanges is what a network's IPAM hands out and holds back, as @ipam/core values, so that a caller can
 * ask core questions such as `ranges.ipv4.overlapsPrefix(serviceCidr)`.
 */
export interface NetworkRanges {
  /** NetworkRanges.ipv4 is every IPv4 address the network's IPAM may hand out. */
  readonly ipv4: IPSet;
  /** NetworkRanges.ipv6 is every IPv6 address the network's IPAM may hand out. */
  readonly ipv6: IPSet;
  /** NetworkRanges.gateways lists the gateways, in configuration order, without duplicates. */
  readonly gateways: readonly Addr[];
  /** NetworkRanges.excluded is the part of the configured subnets that is never handed out: network and broadcast addresses, gateways, excluded prefixes, addresses outside the ranges. */
  readonly excluded: IPSet;
  /** NetworkRanges.routes lists the routes the IPAM sections return. */
  readonly routes: readonly CniRoute[];
  /**
   * NetworkRanges.delegated is true when some of the addresses are decided outside this configuration: by a
   * DHCP server, a datastore (Calico), a CNI that does its own IPAM (Cilium, Weave, AWS VPC CNI, Azure, Multus,
   * Flannel without its subnet.env), or the runtime (static without addresses). The sets then hold only what
   * the configuration itself says.
   */
  readonly delegated: boolean;
  /** NetworkRanges.delegatedTo names who decides: IPAM or plugin types such as `dhcp`, `calico-ipam`, `cilium-cni`. */
  readonly delegatedTo: readonly string[];
}

/** RangesOptions supplies what {@link NetworkConfig.ranges} cannot find in the configuration itself. */
export interface RangesOptions {
  /** RangesOptions.flannel is the node's `/run/flannel/subnet.env`, from which the `flannel` plugin derives its host-local IPAM. */
  readonly flannel?: FlannelSubnetEnv;
}

/** The plain fields of a NetworkConfig, from which one is made. */
type NetworkFields = Pick<
  NetworkConfig,
  'kind' | 'name' | 'cniVersion' | 'cniVersions' | 'disableCheck' | 'disableGC' | 'loadOnlyInlinedPlugins' | 'plugins'
>;

/** Plugin types that do their own IPAM, without an ipam section in the configuration. */
const SELF_IPAM = new Set(['cilium-cni', 'cilium', 'weave-net', 'weave-plugin', 'aws-cni', 'azure-vnet', 'multus', 'multus-shim', 'calico', 'flannel', 'antrea', 'kube-ovn', 'ovn-k8s-cni-overlay']);

const V4_ALL = IPSet.from(['0.0.0.0/0']);
const V6_ALL = IPSet.from(['::/0']);

/**
 * NetworkConfig is a validated CNI network configuration: a plugin list (`.conflist`) or a single plugin
 * (`.conf`, `.json`), which is presented as a list of one plugin, as libcni's `ConfListFromConf` does.
 * It is immutable; {@link NetworkConfig.toJSON} writes the document as it was read.
 */
export class NetworkConfig {
  /** NetworkConfig.kind is `conflist` for a plugin list and `conf` for a single-plugin file. */
  readonly kind: 'conf' | 'conflist';
  /** NetworkConfig.name is the network name (`''` for a `.conf` without one). */
  readonly name: string;
  /**
   * NetworkConfig.cniVersion is the spec version the runtime uses: the highest entry of `cniVersions` (with
   * `cniVersion`) that libcni supports, or `cniVersion` as written, or `''`.
   */
  readonly cniVersion: string;
  /** NetworkConfig.cniVersions is the `cniVersions` array as written (spec 1.1), if any. */
  readonly cniVersions: readonly string[] | undefined;
  /** NetworkConfig.disableCheck is whether the runtime skips CHECK. */
  readonly disableCheck: boolean;
  /** NetworkConfig.disableGC is whether the runtime skips GC (spec 1.1). */
  readonly disableGC: boolean;
  /** NetworkConfig.loadOnlyInlinedPlugins is whether plugins from `<dir>/<name>/*.conf` are ignored (spec 1.1). */
  readonly loadOnlyInlinedPlugins: boolean;
  /** NetworkConfig.plugins lists the plugins in execution order. */
  readonly plugins: readonly PluginConfig[];
  /** NetworkConfig.file is the file the configuration was read from, if known. */
  readonly file: string | undefined;
  readonly #raw: JsonObject;
  readonly #ctx: Context;
  readonly #paths: readonly (readonly PathSegment[])[];

  private constructor(
    fields: NetworkFields,
    raw: JsonObject,
    ctx: Context,
    paths: readonly (readonly PathSegment[])[],
  ) {
    this.kind = fields.kind;
    this.name = fields.name;
    this.cniVersion = fields.cniVersion;
    this.cniVersions = fields.cniVersions;
    this.disableCheck = fields.disableCheck;
    this.disableGC = fields.disableGC;
    this.loadOnlyInlinedPlugins = fields.loadOnlyInlinedPlugins;
    this.plugins = Object.freeze([...fields.plugins]);
    this.file = ctx.file;
    this.#raw = raw;
    this.#ctx = ctx;
    this.#paths = paths;
    Object.freeze(this);
  }

  /** @internal Builds a network from a validated document. */
  static _make(fields: NetworkFields, raw: JsonObject, ctx: Context, paths: readonly (readonly PathSegment[])[]): NetworkConfig {
    return new NetworkConfig(fields, raw, ctx, paths);
  }

  /** @internal The same network with more plugins (libcni's `<dir>/<name>/*.conf` fragments); toJSON still writes the file. */
  _withPlugins(extra: readonly PluginConfig[]): NetworkConfig {
    const paths = [...this.#paths, ...extra.map((_, i) => ['plugins', this.plugins.length + i])];
    return new NetworkConfig({ ...this, plugins: [...this.plugins, ...extra] }, this.#raw, this.#ctx, paths);
  }

  /**
   * NetworkConfig.ranges computes, from every plugin's IPAM section, the addresses the network may hand out per
   * family, the gateways, the excluded parts of its subnets and the routes, and says whether IPAM is delegated.
   *
   * host-local follows the reference allocator: each range from `rangeStart` to `rangeEnd`, less its gateway.
   * whereabouts: network + 1 to broadcast − 1 (both families), narrowed by `range_start`/`range_end`, less
   * `exclude`. static: its addresses. calico-ipam: the pools given as CIDRs (delegated). For the `flannel`
   * plugin, pass `options.flannel` to get the host-local section flannel derives from subnet.env.
   */
  ranges(options: RangesOptions = {}): NetworkRanges {
    const usable = new IPSetBuilder();
    const excluded = new IPSetBuilder();
    const gateways: Addr[] = [];
    const routes: CniRoute[] = [];
    const delegatedTo: string[] = [];
    const addGateway = (g: Addr): void => {
      if (!gateways.some((x) => x.equals(g))) gateways.push(g);
    };
    this.plugins.forEach((p, i) => {
      let ipam = p.ipam;
      if (p.type === 'flannel') {
        if (options.flannel === undefined) {
          delegatedTo.push('flannel');
          return;
        }
        ipam = flannelIpam(this.#ctx, p, [...this.#paths[i]!, 'ipam'], options.flannel, this.cniVersion);
      }
      if (ipam === undefined) {
        if (SELF_IPAM.has(p.type)) delegatedTo.push(p.type);
        return;
      }
      switch (ipam.dialect) {
        case 'host-local': {
          const a = hostLocalAddresses(ipam);
          usable.addSet(a.usable);
          excluded.addSet(a.excluded);
          a.gateways.forEach(addGateway);
          routes.push(...ipam.routes);
          break;
        }
        case 'static':
          for (const a of ipam.addresses) {
            usable.add(a.address.addr);
            if (a.gateway !== undefined) addGateway(a.gateway);
          }
          if (ipam.addresses.length === 0) delegatedTo.push('runtime');
          routes.push(...ipam.routes);
          break;
        case 'whereabouts':
          for (const r of ipam.ranges) {
            const a = whereaboutsAddresses(r);
            usable.addSet(a.usable);
            excluded.addSet(a.excluded);
          }
          if (ipam.gateway !== undefined) addGateway(ipam.gateway);
          routes.push(...ipam.routes);
          break;
        case 'calico-ipam':
          for (const pool of calicoPoolPrefixes(ipam)) usable.addPrefix(pool);
          delegatedTo.push(ipam.type);
          break;
        default:
          delegatedTo.push(ipam.type);
      }
    });
    const u = usable.build();
    const uniqueDelegates = [...new Set(delegatedTo)];
    return Object.freeze({
      ipv4: u.intersect(V4_ALL),
      ipv6: u.intersect(V6_ALL),
      gateways: Object.freeze(gateways),
      excluded: excluded.build().difference(u),
      routes: Object.freeze(routes),
      delegated: uniqueDelegates.length > 0,
      delegatedTo: Object.freeze(uniqueDelegates),
    });
  }

  /**
   * NetworkConfig.toConfList returns the network as a plugin list, as libcni's `ConfListFromConf` converts a
   * single `.conf`: `{ name, cniVersion, plugins: [conf] }`. A list is returned unchanged.
   */
  toConfList(): NetworkConfig {
    if (this.kind === 'conflist') return this;
    const raw: JsonObject = Object.freeze({ name: this.name, cniVersion: this.cniVersion, plugins: Object.freeze([this.#raw]) });
    return new NetworkConfig({ ...this, kind: 'conflist' }, raw, this.#ctx, [['plugins', 0]]);
  }

  /**
   * NetworkConfig.toJSON returns the document as it was read (a frozen JSON object; duplicate keys resolved to
   * the last, as Go does), which the runtimes accept: `JSON.stringify(net)` writes the file back. Plugins loaded
   * from `<dir>/<name>/*.conf` fragments are not part of it.
   */
  toJSON(): JsonObject {
    return this.#raw;
  }
}

function flannelIpam(ctx: Context, p: PluginConfig, path: readonly PathSegment[], env: FlannelSubnetEnv, cniVersion: string): IpamConfig | undefined {
  const base = isObject(own(p.raw, 'ipam')) ? (own(p.raw, 'ipam') as JsonObject) : {};
  const ranges: JsonValue[] = [];
  if (env.subnet !== undefined) ranges.push([{ subnet: env.subnet.toString() }]);
  if (env.ipv6Subnet !== undefined) ranges.push([{ subnet: env.ipv6Subnet.toString() }]);
  const routes: JsonValue[] = Array.isArray(own(base, 'routes')) ? [...(own(base, 'routes') as JsonValue[])] : [];
  for (const n of [...env.networks, ...env.ipv6Networks]) routes.push({ dst: n.toString() });
  const ipam: JsonObject = { ...base, type: typeof own(base, 'type') === 'string' && own(base, 'type') !== '' ? own(base, 'type')! : 'host-local', ranges, routes };
  return ipamFromJson({ ...ctx, text: undefined }, ipam, path, { cniVersion, runtimeConfig: undefined, runtimeConfigPath: [] });
}

/**
 * parseNetworkConfig parses and validates one CNI network configuration file's text: a plugin list
 * (`.conflist`) or a single plugin (`.conf`, `.json`), in every spec version from 0.1.0 to 1.1.0, with the
 * structural rules of libcni (`ConfListFromBytes`, `ConfFromBytes`) and each IPAM dialect's own rules
 * (host-local, static, dhcp, whereabouts, calico-ipam). A single plugin is returned as a one-plugin list.
 *
 * Unfilled template placeholders (`__CNI_MTU__`, `{{ .PodCIDR }}`, `$2`) are reported as `ERR_CNI_TEMPLATE`,
 * wherever they are; `__proto__` and `constructor` keys are plain keys; text over `maxLength` or nesting over
 * `maxDepth` fails cleanly.
 *
 * @throws {@link CniConfigError} with a stable code, the file, the JSON path, and line and column.
 */
export function parseNetworkConfig(text: string, options: ParseNetworkConfigOptions = {}): NetworkConfig {
  const file = options.filename;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  if (typeof text !== 'string') throw new CniConfigError('ERR_CNI_INVALID_TYPE', `the configuration must be text, not ${typeof text}`, { file });
  if (text.length > maxLength) {
    throw new CniConfigError('ERR_CNI_TOO_LARGE', `the configuration is ${text.length} characters long, over the limit of ${maxLength}`, { file });
  }
  const r = parseJson(text, maxDepth);
  if (isJsonFailure(r)) {
    const code = r.kind === 'template' ? 'ERR_CNI_TEMPLATE' : r.kind === 'depth' ? 'ERR_CNI_TOO_DEEP' : 'ERR_CNI_JSON_SYNTAX';
    throw new CniConfigError(code, r.reason, { file, path: formatPath(r.path), ...lineColumn(text, r.offset) });
  }
  if (r.template !== undefined) {
    const more = r.templates > 1 ? ` (and ${r.templates - 1} more)` : '';
    throw new CniConfigError('ERR_CNI_TEMPLATE', `unfilled template placeholder ${JSON.stringify(r.template.token)}${more}`, {
      file,
      path: formatPath(r.template.path),
      ...lineColumn(text, r.template.offset),
    });
  }
  const ctx: Context = { file, text, maxDepth };
  return networkFromJson(ctx, r.value, options.format ?? formatOf(file));
}

function formatOf(file: string | undefined): 'conf' | 'conflist' | undefined {
  if (file === undefined) return undefined;
  if (file.endsWith('.conflist')) return 'conflist';
  if (file.endsWith('.conf') || file.endsWith('.json')) return 'conf';
  return undefined;
}

/** @internal Validates a parsed document as a network. */
export function networkFromJson(ctx: Context, value: JsonValue, format: 'conf' | 'conflist' | undefined): NetworkConfig {
  const root = asObject(ctx, value, [], 'a JSON object');
  const kind = format ?? (own(root, 'plugins') !== undefined ? 'conflist' : 'conf');
  return kind === 'conflist' ? listFromJson(ctx, root) : confFromJson(ctx, root);
}

function confFromJson(ctx: Context, root: JsonObject): NetworkConfig {
  if ((optString(ctx, root, 'type', []) ?? '') === '' && own(root, 'plugins') !== undefined) {
    fail(ctx, 'ERR_CNI_MISSING_FIELD', ['type'], "missing 'type': this is a plugin list; name the file .conflist");
  }
  const cniVersion = optString(ctx, root, 'cniVersion', []) ?? '';
  const plugin = pluginFromJson(ctx, root, [], cniVersion);
  return NetworkConfig._make(
    {
      kind: 'conf',
      name: plugin.name ?? '',
      cniVersion,
      cniVersions: undefined,
      disableCheck: false,
      disableGC: false,
      loadOnlyInlinedPlugins: false,
      plugins: [plugin],
    },
    root,
    ctx,
    [[]],
  );
}

function listBool(ctx: Context, root: JsonObject, key: string): boolean {
  const v = own(root, key);
  if (v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && key !== 'loadOnlyInlinedPlugins') {
    const l = v.toLowerCase();
    if (l === 'true' || l === 'false') return l === 'true';
    fail(ctx, 'ERR_CNI_INVALID_VALUE', [key], `invalid value ${quote(v)} for ${key} (use true or false)`);
  }
  return fail(ctx, 'ERR_CNI_INVALID_TYPE', [key], `${key} must be a boolean, not ${an(v)}`);
}

function an(v: JsonValue): string {
  const t = typeName(v);
  return t === 'array' || t === 'object' ? `an ${t}` : t === 'null' ? 'null' : `a ${t}`;
}

function listFromJson(ctx: Context, root: JsonObject): NetworkConfig {
  const name = own(root, 'name');
  if (name === undefined) fail(ctx, 'ERR_CNI_MISSING_FIELD', ['name'], 'a plugin list needs a "name"');
  if (typeof name !== 'string') fail(ctx, 'ERR_CNI_INVALID_TYPE', ['name'], `name must be a string, not ${an(name)}`);
  const written = own(root, 'cniVersion');
  if (written !== undefined && typeof written !== 'string') fail(ctx, 'ERR_CNI_INVALID_TYPE', ['cniVersion'], `cniVersion must be a string, not ${an(written)}`);
  let cniVersion = written ?? '';
  let cniVersions: string[] | undefined;
  const rawVersions = own(root, 'cniVersions');
  if (rawVersions !== undefined) {
    if (!Array.isArray(rawVersions)) fail(ctx, 'ERR_CNI_INVALID_TYPE', ['cniVersions'], `cniVersions must be an array, not ${an(rawVersions)}`);
    const current = parseGoVersion(LIBCNI_SPEC_VERSION) as [number, number, number];
    const candidates: [number, number, number][] = [];
    const texts: string[] = [];
    cniVersions = (rawVersions as JsonValue[]).map((v, i) => {
      if (typeof v !== 'string') fail(ctx, 'ERR_CNI_INVALID_TYPE', ['cniVersions', i], `a cniVersions entry must be a string, not ${an(v)}`);
      const pv = parseGoVersion(v);
      if (typeof pv === 'string') fail(ctx, 'ERR_CNI_INVALID_VALUE', ['cniVersions', i], `invalid cniVersions entry ${quote(v)}: ${pv}`);
      if (compareGoVersions(pv, current) <= 0) {
        candidates.push(pv);
        texts.push(v);
      }
      return v;
    });
    if (cniVersion !== '') {
      const pv = parseGoVersion(cniVersion);
      if (typeof pv === 'string') fail(ctx, 'ERR_CNI_INVALID_VALUE', ['cniVersion'], `invalid cniVersion ${quote(cniVersion)}: ${pv}`);
      if (compareGoVersions(pv, current) <= 0) {
        candidates.push(pv);
        texts.push(cniVersion);
      }
    }
    let best = -1;
    for (let k = 0; k < candidates.length; k++) if (best < 0 || compareGoVersions(candidates[k]!, candidates[best]!) > 0) best = k;
    if (best >= 0) cniVersion = texts[best]!;
  }
  const disableCheck = listBool(ctx, root, 'disableCheck');
  const disableGC = listBool(ctx, root, 'disableGC');
  const loadOnlyInlinedPlugins = listBool(ctx, root, 'loadOnlyInlinedPlugins');
  const rawPlugins = own(root, 'plugins');
  const plugins: PluginConfig[] = [];
  const paths: PathSegment[][] = [];
  if (rawPlugins === undefined) {
    if (loadOnlyInlinedPlugins) fail(ctx, 'ERR_CNI_MISSING_FIELD', ['plugins'], 'loadOnlyInlinedPlugins is true, and there is no "plugins" key');
  } else {
    if (!Array.isArray(rawPlugins)) fail(ctx, 'ERR_CNI_INVALID_TYPE', ['plugins'], `plugins must be an array, not ${an(rawPlugins)}`);
    if ((rawPlugins as JsonValue[]).length === 0) fail(ctx, 'ERR_CNI_NO_PLUGINS', ['plugins'], 'no plugins in list');
    (rawPlugins as JsonValue[]).forEach((v, i) => {
      plugins.push(pluginFromJson(ctx, v, ['plugins', i], cniVersion));
      paths.push(['plugins', i]);
    });
  }
  return NetworkConfig._make(
    {
      kind: 'conflist',
      name: name as string,
      cniVersion,
      cniVersions: cniVersions && Object.freeze(cniVersions),
      disableCheck,
      disableGC,
      loadOnlyInlinedPlugins,
      plugins,
    },
    root,
    ctx,
    paths,
  );
}

/** @internal Validates one plugin object at `path`; `cniVersion` is the version it runs with. */
export function pluginFromJson(ctx: Context, value: JsonValue, path: readonly PathSegment[], cniVersion: string): PluginConfig {
  const o = asObject(ctx, value, path);
  const type = optString(ctx, o, 'type', path);
  if (type === undefined || type === '') fail(ctx, 'ERR_CNI_MISSING_FIELD', [...path, 'type'], "missing 'type'");
  const name = optString(ctx, o, 'name', path);
  const ownVersion = optString(ctx, o, 'cniVersion', path);
  const caps = optObject(ctx, o, 'capabilities', path);
  if (caps !== undefined) {
    for (const k of Object.keys(caps)) {
      if (typeof caps[k] !== 'boolean') fail(ctx, 'ERR_CNI_INVALID_TYPE', [...path, 'capabilities', k], `a capability must be true or false, not ${an(caps[k]!)}`);
    }
  }
  const runtimeConfig = optObject(ctx, o, 'runtimeConfig', path);
  const args = optObject(ctx, o, 'args', path);
  const prevResult = optObject(ctx, o, 'prevResult', path);
  const dns = parseDns(ctx, o, path);
  const ipam = ipamFromJson(ctx, own(o, 'ipam'), [...path, 'ipam'], { cniVersion, runtimeConfig, runtimeConfigPath: [...path, 'runtimeConfig'] });
  return Object.freeze({
    type,
    name,
    cniVersion: ownVersion,
    capabilities: caps as Readonly<Record<string, boolean>> | undefined,
    runtimeConfig,
    args,
    ipam,
    dns,
    prevResult,
    raw: o,
  });
}

