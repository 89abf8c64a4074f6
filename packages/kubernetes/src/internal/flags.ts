import type { Prefix } from '@ipam/core';
import type { NodeCIDRMaskSizes } from '../cluster-network.js';

/** Arg is one command-line word and the field path it was read from (`spec.containers[0].command[4]`). */
export interface Arg {
  readonly text: string;
  readonly path: string;
}

/** FlagValue is the value a flag ended up with and the path of the word that set it. */
export interface FlagValue {
  readonly value: string;
  readonly path: string;
}

/** The network flags of the control-plane components that take a value; `--flag value` is read for these. */
export const VALUE_FLAGS: ReadonlySet<string> = new Set([
  'cluster-cidr',
  'service-cluster-ip-range',
  'node-cidr-mask-size',
  'node-cidr-mask-size-ipv4',
  'node-cidr-mask-size-ipv6',
]);

/** The boolean network flags: a bare `--allocate-node-cidrs` means true, as pflag's bool flags do. */
export const BOOL_FLAGS: ReadonlySet<string> = new Set(['allocate-node-cidrs']);

/**
 * Reads the flags of a command line as pflag does for the flags we know: `--name=value`, `--name value` for
 * {@link VALUE_FLAGS} and a bare `--name` for {@link BOOL_FLAGS}; a later occurrence replaces an earlier one; `--`
 * ends the flags. Unknown flags are passed over (their values too, when written `--name=value`).
 */
export function parseFlags(args: readonly Arg[]): Map<string, FlagValue> {
  const flags = new Map<string, FlagValue>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!.text;
    if (a === '--') break;
    if (!a.startsWith('--') || a.length === 2) continue;
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (eq >= 0) {
      if (VALUE_FLAGS.has(name) || BOOL_FLAGS.has(name)) flags.set(name, { value: a.slice(eq + 1), path: args[i]!.path });
      continue;
    }
    if (BOOL_FLAGS.has(name)) flags.set(name, { value: 'true', path: args[i]!.path });
    else if (VALUE_FLAGS.has(name) && i + 1 < args.length) {
      flags.set(name, { value: args[i + 1]!.text, path: args[i]!.path });
      i++;
    }
  }
  return flags;
}

/** parseGoBool is Go's `strconv.ParseBool`, which pflag uses for bool flags; undefined for anything else. */
export function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** parseMaskSize reads an int32 flag value (decimal, as written in practice); undefined when it is not one. */
export function parseMaskSize(s: string): number | undefined {
  const t = s.trim();
  if (!/^[+-]?\d{1,10}$/.test(t)) return undefined;
  const v = Number(t);
  return v > 2147483647 || v < -2147483648 ? undefined : v;
}

/** MaskFlags are the three node mask size flags as set (0 or absent means not set, as in kube-controller-manager). */
export interface MaskFlags {
  readonly size?: number;
  readonly ipv4?: number;
  readonly ipv6?: number;
}

/**
 * nodeMaskSizes applies kube-controller-manager's `setNodeCIDRMaskSizes` rules to the mask flags: with two or more
 * cluster CIDRs (dual-stack) `--node-cidr-mask-size` is refused and the per-family flags apply; with one, the plain
 * flag applies to it and excludes the per-family flags, and a per-family flag for the other family is refused.
 * Families with no flag keep the defaults (left out here; {@link clusterNetwork} fills 24 and 64). With no cluster
 * CIDR known, the plain flag is taken for both families and per-family flags as given.
 *
 * Returns the sizes set, undefined when no flag is set, or the reason kube-controller-manager would refuse to start.
 */
export function nodeMaskSizes(clusterCIDRs: readonly Prefix[] | undefined, flags: MaskFlags): NodeCIDRMaskSizes | { error: string } | undefined {
  const size = flags.size ?? 0;
  const v4 = flags.ipv4 ?? 0;
  const v6 = flags.ipv6 ?? 0;
  if (size === 0 && v4 === 0 && v6 === 0) return undefined;
  const families = clusterCIDRs?.map((p) => p.family);
  const sized = (m4: number, m6: number): NodeCIDRMaskSizes => {
    const out: { ipv4?: number; ipv6?: number } = {};
    if (m4 !== 0 && (families === undefined || families.includes(4))) out.ipv4 = m4;
    if (m6 !== 0 && (families === undefined || families.includes(6))) out.ipv6 = m6;
    return out;
  };
  if (families !== undefined && families.length > 1) {
    if (size !== 0) return { error: 'usage of --node-cidr-mask-size is not allowed with dual-stack clusters' };
    return sized(v4, v6);
  }
  if (size !== 0) {
    if (v4 !== 0 || v6 !== 0) {
      return { error: 'usage of --node-cidr-mask-size-ipv4 and --node-cidr-mask-size-ipv6 is not allowed if --node-cidr-mask-size is set' };
    }
    return sized(size, size);
  }
  if (families !== undefined && families.length === 1) {
    const isV6 = families[0] === 6;
    if (v4 !== 0 && isV6) return { error: 'usage of --node-cidr-mask-size-ipv4 is not allowed for a single-stack IPv6 cluster' };
    if (v6 !== 0 && !isV6) return { error: 'usage of --node-cidr-mask-size-ipv6 is not allowed for a single-stack IPv4 cluster' };
  }
  return sized(v4, v6);
}

/** The program a container runs: the base name of `command[0]` (skipping `hyperkube`), else the container's name. */
export function programOf(command: readonly string[], containerName: string | undefined, image: string | undefined): { program: string; skip: number } {
  const base = (s: string): string => s.slice(s.lastIndexOf('/') + 1);
  if (command.length > 0) {
    const first = base(command[0]!);
    if (first === 'hyperkube' && command.length > 1) return { program: base(command[1]!), skip: 2 };
    return { program: first, skip: 1 };
  }
  if (containerName !== undefined && containerName !== '') return { program: containerName, skip: 0 };
  const img = image === undefined ? '' : base(image).split(/[:@]/)[0]!;
  return { program: img, skip: 0 };
}
