export { ClusterError, type ClusterErrorCode } from './cluster-error.js';
export {
  type Store,
  type StoreEntry,
  type StoreWrite,
  type StoreCondition,
  type StoreOperation,
  type StoreTxnResult,
  type StoreList,
} from './store.js';
export {
  MemoryStore,
  type MemoryStoreOptions,
  type MemoryStoreFault,
  type MemoryStoreFaultContext,
  type MemoryStoreMethod,
} from './memory-store.js';
export {
  ClusterPool,
  type ClusterPoolOptions,
  type ClusterRetryOptions,
  type ClusterAllocateOptions,
  type ClusterAllocation,
  type ClusterReleaseOptions,
  type ClusterListOptions,
  type ClusterCallOptions,
  type ClusterReleaseBlocksOptions,
  type ClusterPoolStats,
  type ClusterNodeStats,
  type ClusterGarbageOptions,
  type ClusterGarbageResult,
} from './cluster-pool.js';
export { EtcdStore, type EtcdStoreOptions } from './etcd-store.js';
export {
  clusterPlugin,
  clusterAttributes,
  clusterOwner,
  parseClusterIpamConfig,
  CLUSTER_PLUGIN_SPEC_VERSIONS,
  CLUSTER_PLUGIN_ERROR_CODES,
  type ClusterPluginOptions,
  type ClusterIpamConfig,
  type ClusterIpamFamily,
  type ClusterIpamRange,
} from './cluster-plugin.js';
