export { run, VERSION, EXIT_CODES } from './run.js';
export type { CliIo } from './internal/io.js';
export {
  addressMapSvg,
  addressMapOfAudit,
  addressMapOfPlan,
  addressMapGrid,
  type AddressMap,
  type AddressMapSpace,
  type AddressMapBlock,
  type AddressMapBlockKind,
  type AddressMapSvgOptions,
  type AddressMapGrid,
  type AddressMapRect,
  type AddressMapCell,
} from './address-map.js';
