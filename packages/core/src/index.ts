export { Addr, type Family } from './addr.js';
export { Prefix } from './prefix.js';
export { IpamError, ParseError, InvalidArgumentError } from './ipam-error.js';
export { IPRange } from './ip-range.js';
export { IPSet, IPSetBuilder } from './ip-set.js';
export { summarize } from './summarize.js';
export {
  Pool,
  type PoolStrategy,
  type PoolOptions,
  type AllocateOptions,
  type PoolStats,
  type FamilyStats,
  type PoolJSON,
  type OwnedAllocationJSON,
} from './pool.js';
export { PoolExhaustedError, PoolConflictError, PoolOutsideError, PoolNotAllocatedError, PoolRequestError } from './ipam-error.js';
export { PrefixTrie } from './prefix-trie.js';
export { SPECIAL_RANGES, specialRangesOf, type SpecialRange, type SpecialRangeKind } from './special-ranges.js';
