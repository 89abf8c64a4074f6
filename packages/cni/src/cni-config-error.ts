import { IpamError } from '@ipam/core';

/**
 * CniConfigErrorCode lists the stable codes of {@link CniConfigError}; messages may change, codes do not.
 *
 * - `ERR_CNI_JSON_SYNTAX`: the text is not JSON (with `line` and `column`).
 * - `ERR_CNI_TEMPLATE`: a template placeholder was never filled in (`__CNI_MTU__`, `{{ .PodCIDR }}`, `$2`).
 * - `ERR_CNI_TOO_LARGE`, `ERR_CNI_TOO_DEEP`: the input exceeds the size or nesting limit.
 * - `ERR_CNI_INVALID_TYPE`: a field has the wrong JSON type.
 * - `ERR_CNI_MISSING_FIELD`: a required field is absent (`name` of a list, `type` of a plugin, `subnet`, ...).
 * - `ERR_CNI_INVALID_VALUE`: a field has the right type but a value the consumer rejects.
 * - `ERR_CNI_INVALID_CIDR`, `ERR_CNI_INVALID_IP`: an address or prefix does not parse.
 * - `ERR_CNI_HOST_BITS`: a subnet has host bits set.
 * - `ERR_CNI_SUBNET_TOO_SMALL`: a subnet has no allocatable addresses (IPv4 /31, /32; IPv6 /127, /128).
 * - `ERR_CNI_OUTSIDE_SUBNET`: an address that must lie in a subnet does not.
 * - `ERR_CNI_INVALID_RANGE`: a range starts after it ends.
 * - `ERR_CNI_RANGE_OVERLAP`: ranges of one set, or two range sets, overlap.
 * - `ERR_CNI_MIXED_FAMILIES`: IPv4 and IPv6 ranges in one range set.
 * - `ERR_CNI_NO_RANGES`: an IPAM section or range set with no ranges.
 * - `ERR_CNI_VERSION`: the configuration needs a newer CNI spec version than it declares.
 * - `ERR_CNI_NO_PLUGINS`: a plugin list with no plugins.
 * - `ERR_CNI_DUPLICATE_NAME`: a network name already defined by an earlier file (CRI-O ignores the later one).
 * - `ERR_CNI_NO_CONFIG`: a directory with no configuration files.
 * - `ERR_CNI_NOT_FOUND`: no network with the requested name.
 * - `ERR_CNI_IO`: a file could not be read.
 */
export type CniConfigErrorCode =
  | 'ERR_CNI_JSON_SYNTAX'
  | 'ERR_CNI_TEMPLATE'
  | 'ERR_CNI_TOO_LARGE'
  | 'ERR_CNI_TOO_DEEP'
  | 'ERR_CNI_INVALID_TYPE'
  | 'ERR_CNI_MISSING_FIELD'
  | 'ERR_CNI_INVALID_VALUE'
  | 'ERR_CNI_INVALID_CIDR'
  | 'ERR_CNI_INVALID_IP'
  | 'ERR_CNI_HOST_BITS'
  | 'ERR_CNI_SUBNET_TOO_SMALL'
  | 'ERR_CNI_OUTSIDE_SUBNET'
  | 'ERR_CNI_INVALID_RANGE'
  | 'ERR_CNI_RANGE_OVERLAP'
  | 'ERR_CNI_MIXED_FAMILIES'
  | 'ERR_CNI_NO_RANGES'
  | 'ERR_CNI_VERSION'
  | 'ERR_CNI_NO_PLUGINS'
  | 'ERR_CNI_DUPLICATE_NAME'
  | 'ERR_CNI_NO_CONFIG'
  | 'ERR_CNI_NOT_FOUND'
  | 'ERR_CNI_IO';

/** CniConfigErrorLocation is where a {@link CniConfigError} was found: file, JSON path, and line and column when known. */
export interface CniConfigErrorLocation {
  /** CniConfigErrorLocation.file is the file name as given to the parser or loader, if any. */
  readonly file?: string | undefined;
  /** CniConfigErrorLocation.path is the JSON path, such as `plugins[1].ipam.ranges[0][0].rangeStart`; `''` is the whole document. */
  readonly path?: string | undefined;
  /** CniConfigErrorLocation.line is the 1-based line. */
  readonly line?: number | undefined;
  /** CniConfigErrorLocation.column is the 1-based column, counted in UTF-16 code units. */
  readonly column?: number | undefined;
}

/**
 * CniConfigError reports a CNI network configuration (or directory of them) that is not valid, in the manner
 * of a compiler diagnostic: `10-flannel.conflist:12:20: plugins[0].ipam.subnet: invalid CIDR address: "10.1/8"`.
 *
 * {@link CniConfigError.code} is stable ({@link CniConfigErrorCode}); {@link CniConfigError.path} names the
 * JSON value at fault, with the same spelling a reader uses (`plugins[1].ipam.ranges[0][0].rangeStart`).
 * Line and column are set for JSON syntax errors and, when the text is at hand, for every other error as
 * well. Messages never quote more than 80 characters of input.
 */
export class CniConfigError extends IpamError {
  /** CniConfigError.code is the stable kind of the failure. */
  declare readonly code: CniConfigErrorCode;
  /** CniConfigError.file is the file name given to the parser or loader, or undefined for bare text. */
  readonly file: string | undefined;
  /** CniConfigError.path is the JSON path of the value at fault; `''` is the document itself. */
  readonly path: string;
  /** CniConfigError.line is the 1-based line of the value at fault, when known. */
  readonly line: number | undefined;
  /** CniConfigError.column is the 1-based column (UTF-16 code units) of the value at fault, when known. */
  readonly column: number | undefined;
  /** CniConfigError.reason is the lower-case explanation, without the location. */
  readonly reason: string;

  /** Creates the error; the message is the location followed by the reason. */
  constructor(code: CniConfigErrorCode, reason: string, where: CniConfigErrorLocation = {}) {
    const file = where.file;
    const path = where.path ?? '';
    const pos = where.line === undefined ? '' : `:${where.line}:${where.column ?? 1}`;
    super(code, `${file ?? '<input>'}${pos}: ${path === '' ? '' : `${path}: `}${reason}`);
    this.file = file;
    this.path = path;
    this.line = where.line;
    this.column = where.line === undefined ? undefined : (where.column ?? 1);
    this.reason = reason;
  }

  /** CniConfigError.withFile returns the same error for another file name (used when a loader knows the path). */
  withFile(file: string | undefined): CniConfigError {
    return new CniConfigError(this.code, this.reason, { file, path: this.path, line: this.line, column: this.column });
  }
}
