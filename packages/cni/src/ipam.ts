import { type CalicoIpam, parseCalicoIpam } from './ipam-calico.js';
import { type HostLocalIpam, parseHostLocalIpam } from './ipam-host-local.js';
import { parseStaticIpam, type StaticIpam } from './ipam-static.js';
import { parseWhereaboutsIpam, type WhereaboutsIpam } from './ipam-whereabouts.js';
import { type Context, asObject, fail, isObject, optString } from './internal/context.js';
import { DEFAULT_MAX_DEPTH, type JsonObject, type JsonValue } from './internal/json-parser.js';
import type { PathSegment } from './internal/json-path.js';

/**
 * DhcpIpam is a `dhcp` IPAM section: addresses come from a DHCP server through the `dhcp` daemon, so the
 * configuration says nothing about them.
 */
export interface DhcpIpam {
  /** DhcpIpam.dialect tells the IPAM dialects apart. */
  readonly dialect: 'dhcp';
  /** DhcpIpam.type is the plugin name, `dhcp`. */
  readonly type: string;
  /** DhcpIpam.raw is the IPAM object as written (`daemonSocketPath`, `request`, `provide`, ...). */
  readonly raw: JsonObject;
}

/** OtherIpam is an IPAM section of a plugin this package does not know (`azure-vnet-ipam`, `cilium`, ...): kept as written. */
export interface OtherIpam {
  /** OtherIpam.dialect tells the IPAM dialects apart. */
  readonly dialect: 'other';
  /** OtherIpam.type is the IPAM plugin's name. */
  readonly type: string;
  /** OtherIpam.raw is the IPAM object as written. */
  readonly raw: JsonObject;
}

/** IpamConfig is a validated IPAM section, one type per dialect; switch on `dialect`. */
export type IpamConfig = HostLocalIpam | StaticIpam | DhcpIpam | WhereaboutsIpam | CalicoIpam | OtherIpam;

/** IpamScope is what an IPAM section needs from the plugin around it. */
export interface IpamScope {
  /** IpamScope.cniVersion is the spec version the plugin runs with (default `''`, read as 0.1.0 as libcni does). */
  readonly cniVersion?: string;
  /** IpamScope.runtimeConfig is the plugin's `runtimeConfig` object (host-local reads `ipRanges` from it). */
  readonly runtimeConfig?: JsonObject | undefined;
}

/** @internal Validates the `ipam` value of a plugin at `path`; undefined when there is none (or it is `{}`). */
export function ipamFromJson(
  ctx: Context,
  value: JsonValue | undefined,
  path: readonly PathSegment[],
  scope: { cniVersion: string; runtimeConfig: JsonObject | undefined; runtimeConfigPath: readonly PathSegment[] },
): IpamConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const ipam = asObject(ctx, value, path);
  const type = optString(ctx, ipam, 'type', path);
  if (type === undefined || type === '') {
    // Plugins read an ipam section without a type as "no IPAM" (bridge in L2 mode uses `"ipam": {}`).
    if (Object.keys(ipam).some((k) => k !== 'type')) {
      fail(ctx, 'ERR_CNI_MISSING_FIELD', [...path, 'type'], 'the ipam section has settings but no "type"; plugins ignore an ipam section without one');
    }
    return undefined;
  }
  switch (type) {
    case 'host-local':
      return parseHostLocalIpam(ctx, ipam, path, scope);
    case 'static':
      return parseStaticIpam(ctx, ipam, path, scope.cniVersion);
    case 'dhcp':
      return Object.freeze({ dialect: 'dhcp', type, raw: ipam });
    case 'whereabouts':
      return parseWhereaboutsIpam(ctx, ipam, path);
    case 'calico-ipam':
      return parseCalicoIpam(ctx, ipam, path);
    default:
      return Object.freeze({ dialect: 'other', type, raw: ipam });
  }
}

/**
 * parseIpamConfig validates an IPAM section on its own (a parsed `ipam` object, such as the fragments in plugin
 * documentation), with the rules of its dialect. It returns undefined for a section without a type (`{}`).
 *
 * @throws {@link CniConfigError} with the path below `ipam`.
 */
export function parseIpamConfig(ipam: unknown, scope: IpamScope = {}): IpamConfig | undefined {
  const ctx: Context = { file: undefined, text: undefined, maxDepth: DEFAULT_MAX_DEPTH };
  const rc = scope.runtimeConfig;
  if (!isObject(ipam as JsonValue)) asObject(ctx, (ipam ?? null) as JsonValue, ['ipam']);
  return ipamFromJson(ctx, ipam as JsonValue, ['ipam'], {
    cniVersion: scope.cniVersion ?? '',
    runtimeConfig: rc,
    runtimeConfigPath: ['runtimeConfig'],
  });
}
