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
export { CniError, CNI_ERROR_CODES, type CniErrorCode, type CniErrorJSON } from './cni-error.js';
export {
  convertCniResult,
  formatCniResult,
  readCniResult,
  cniAddress,
  type CniResult,
  type CniIPConfig,
  type CniInterface,
  type CniResultRoute,
  type CniResultDns,
} from './cni-result.js';
export {
  runPlugin,
  RUNTIME_SPEC_VERSIONS,
  MAX_ENV_BYTES,
  type Plugin,
  type PluginHandlers,
  type PluginInfo,
  type PluginIO,
  type CmdArgs,
  type CniCommand,
  type MaybePromise,
} from './plugin-runtime.js';
export {
  HostLocalFileStore,
  HostLocalMemoryStore,
  checkStorePath,
  HOST_LOCAL_DEFAULT_DATA_DIR,
  HOST_LOCAL_LOCK_TIMEOUT_SECONDS,
  type HostLocalStore,
  type HostLocalStoreFactory,
} from './host-local-store.js';
export { hostLocalPlugin, hostLocalIterator, HOST_LOCAL_SPEC_VERSIONS, type HostLocalPluginOptions } from './host-local-plugin.js';
