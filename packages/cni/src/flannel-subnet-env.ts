import { readFile } from 'node:fs/promises';
import type { Prefix } from '@ipam/core';
import { CniConfigError } from './cni-config-error.js';
import { parseCIDR } from './internal/context.js';
import { DEFAULT_MAX_DEPTH } from './internal/json-parser.js';
import { quote } from './internal/json-path.js';

/**
 * FlannelSubnetEnv is what flanneld writes to `/run/flannel/subnet.env` for the `flannel` CNI plugin: the
 * cluster networks, this node's subnet, the MTU and whether flanneld masquerades.
 */
export interface FlannelSubnetEnv {
  /** FlannelSubnetEnv.networks lists `FLANNEL_NETWORK` (comma-separated in newer flannel), host bits cleared. */
  readonly networks: readonly Prefix[];
  /** FlannelSubnetEnv.subnet is `FLANNEL_SUBNET`, host bits cleared (flanneld writes `10.244.1.1/24`). */
  readonly subnet: Prefix | undefined;
  /** FlannelSubnetEnv.ipv6Networks lists `FLANNEL_IPV6_NETWORK`. */
  readonly ipv6Networks: readonly Prefix[];
  /** FlannelSubnetEnv.ipv6Subnet is `FLANNEL_IPV6_SUBNET`, host bits cleared. */
  readonly ipv6Subnet: Prefix | undefined;
  /** FlannelSubnetEnv.mtu is `FLANNEL_MTU`. */
  readonly mtu: number;
  /** FlannelSubnetEnv.ipmasq is `FLANNEL_IPMASQ`: true only for the exact text `true`, as the plugin reads it. */
  readonly ipmasq: boolean;
}

/**
 * parseFlannelSubnetEnv reads the `KEY=VALUE` lines of a subnet.env file as the flannel CNI plugin does
 * (containernetworking/plugins `plugins/meta/flannel`): unknown keys are ignored; a network or subnet of at
 * least one family, `FLANNEL_MTU` and `FLANNEL_IPMASQ` are required.
 *
 * @throws {@link CniConfigError} with the key as path and the line number.
 */
export function parseFlannelSubnetEnv(text: string, options: { filename?: string } = {}): FlannelSubnetEnv {
  const file = options.filename;
  const ctx = { file, text: undefined, maxDepth: DEFAULT_MAX_DEPTH };
  let networks: Prefix[] = [];
  let ipv6Networks: Prefix[] = [];
  let subnet: Prefix | undefined;
  let ipv6Subnet: Prefix | undefined;
  let mtu: number | undefined;
  let ipmasq: boolean | undefined;
  const lines = text.split('\n');
  lines.forEach((raw, n) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const eq = line.indexOf('=');
    if (eq < 0) return;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    const at = (e: unknown): never => {
      if (e instanceof CniConfigError) throw new CniConfigError(e.code, e.reason, { file, path: key, line: n + 1, column: eq + 2 });
      throw e;
    };
    const cidrs = (): Prefix[] => {
      try {
        return value.split(',').map((s) => parseCIDR(ctx, s, []).masked());
      } catch (e) {
        return at(e);
      }
    };
    switch (key) {
      case 'FLANNEL_NETWORK':
        networks = cidrs();
        break;
      case 'FLANNEL_SUBNET':
        subnet = cidrs()[0];
        break;
      case 'FLANNEL_IPV6_NETWORK':
        ipv6Networks = cidrs();
        break;
      case 'FLANNEL_IPV6_SUBNET':
        ipv6Subnet = cidrs()[0];
        break;
      case 'FLANNEL_MTU':
        if (!/^[0-9]{1,10}$/.test(value) || Number(value) > 0xffffffff) {
          at(new CniConfigError('ERR_CNI_INVALID_VALUE', `FLANNEL_MTU must be an unsigned integer, not ${quote(value)}`));
        }
        mtu = Number(value);
        break;
      case 'FLANNEL_IPMASQ':
        ipmasq = value === 'true';
        break;
    }
  });
  const missing: string[] = [];
  if (networks.length === 0 && ipv6Networks.length === 0) missing.push('FLANNEL_NETWORK or FLANNEL_IPV6_NETWORK');
  if (subnet === undefined && ipv6Subnet === undefined) missing.push('FLANNEL_SUBNET or FLANNEL_IPV6_SUBNET');
  if (mtu === undefined) missing.push('FLANNEL_MTU');
  if (ipmasq === undefined) missing.push('FLANNEL_IPMASQ');
  if (missing.length > 0) throw new CniConfigError('ERR_CNI_MISSING_FIELD', `subnet.env is missing ${missing.join(', ')}`, { file });
  return Object.freeze({
    networks: Object.freeze(networks),
    subnet,
    ipv6Networks: Object.freeze(ipv6Networks),
    ipv6Subnet,
    mtu: mtu!,
    ipmasq: ipmasq!,
  });
}

/** loadFlannelSubnetEnv reads and parses a subnet.env file (default `/run/flannel/subnet.env`). */
export async function loadFlannelSubnetEnv(path = '/run/flannel/subnet.env'): Promise<FlannelSubnetEnv> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new CniConfigError('ERR_CNI_IO', `cannot read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { file: path });
  }
  return parseFlannelSubnetEnv(text, { filename: path });
}
