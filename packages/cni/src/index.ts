export { CNI_SPEC_VERSIONS, compareCniVersions, type CniSpecVersion } from './cni-version.js';
export { CniConfigError, type CniConfigErrorCode, type CniConfigErrorLocation } from './cni-config-error.js';
export {
  parseNetworkConfig,
  NetworkConfig,
  DEFAULT_MAX_LENGTH,
  type ParseNetworkConfigOptions,
  type PluginConfig,
  type NetworkRanges,
  type RangesOptions,
} from './network-config.js';
export { parseIpamConfig, type IpamConfig, type IpamScope, type DhcpIpam, type OtherIpam } from './ipam.js';
export { type HostLocalIpam, type HostLocalRange } from './ipam-host-local.js';
export { type StaticIpam, type StaticAddress } from './ipam-static.js';
export { type WhereaboutsIpam, type WhereaboutsRange } from './ipam-whereabouts.js';
export { type CalicoIpam } from './ipam-calico.js';
export { type CniRoute } from './cni-route.js';
export { type CniDns } from './cni-dns.js';
export { parseFlannelSubnetEnv, loadFlannelSubnetEnv, type FlannelSubnetEnv } from './flannel-subnet-env.js';
export { loadConfigDir, type CniRuntime, type LoadConfigDirOptions, type ConfigDir, type SkippedFile } from './load-config-dir.js';
export { type JsonValue, type JsonObject } from './internal/json-parser.js';
