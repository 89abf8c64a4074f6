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
