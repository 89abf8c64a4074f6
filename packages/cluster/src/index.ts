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
