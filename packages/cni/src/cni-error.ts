import { IpamError } from '@ipam/core';

/**
 * CNI_ERROR_CODES maps the stable codes of {@link CniError} to the numeric codes of the CNI specification
 * (SPEC.md, "Error"): 1–99 are reserved by the spec, 100 and above belong to plugins, and 999 is what the
 * reference plugins (`skel`) print for a plugin's own failures.
 */
export const CNI_ERROR_CODES = {
  /** CNI_ERROR_CODES.ERR_CNI_INCOMPATIBLE_VERSION (1): the configuration's spec version is not supported. */
  ERR_CNI_INCOMPATIBLE_VERSION: 1,
  /** CNI_ERROR_CODES.ERR_CNI_UNSUPPORTED_FIELD (2): the configuration has a field the plugin does not support. */
  ERR_CNI_UNSUPPORTED_FIELD: 2,
  /** CNI_ERROR_CODES.ERR_CNI_UNKNOWN_CONTAINER (3): the container is unknown or missing (`CNI_CONTAINERID`). */
  ERR_CNI_UNKNOWN_CONTAINER: 3,
  /** CNI_ERROR_CODES.ERR_CNI_INVALID_ENVIRONMENT (4): a `CNI_*` variable is missing or invalid. */
  ERR_CNI_INVALID_ENVIRONMENT: 4,
  /** CNI_ERROR_CODES.ERR_CNI_IO_FAILURE (5): reading stdin or writing stdout failed. */
  ERR_CNI_IO_FAILURE: 5,
  /** CNI_ERROR_CODES.ERR_CNI_DECODING_FAILURE (6): the configuration could not be decoded. */
  ERR_CNI_DECODING_FAILURE: 6,
  /** CNI_ERROR_CODES.ERR_CNI_INVALID_NETWORK_CONFIG (7): the configuration is invalid. */
  ERR_CNI_INVALID_NETWORK_CONFIG: 7,
  /** CNI_ERROR_CODES.ERR_CNI_TRY_AGAIN_LATER (11): a transient failure; the runtime should retry later. */
  ERR_CNI_TRY_AGAIN_LATER: 11,
  /** CNI_ERROR_CODES.ERR_CNI_PLUGIN_NOT_AVAILABLE (50): STATUS (spec 1.1): the plugin cannot service ADD requests. */
  ERR_CNI_PLUGIN_NOT_AVAILABLE: 50,
  /**
   * CNI_ERROR_CODES.ERR_CNI_PLUGIN_NOT_AVAILABLE_LIMITED_CONNECTIVITY (51): STATUS (spec 1.1): the plugin is not
   * available, and existing containers in the network may have limited connectivity.
   */
  ERR_CNI_PLUGIN_NOT_AVAILABLE_LIMITED_CONNECTIVITY: 51,
  /** CNI_ERROR_CODES.ERR_CNI_INTERNAL (999): any other failure of the plugin, as the reference plugins report it. */
  ERR_CNI_INTERNAL: 999,
} as const;

/** CniErrorCode is a stable name of a CNI error code; see {@link CNI_ERROR_CODES}. */
export type CniErrorCode = keyof typeof CNI_ERROR_CODES;

/** CniErrorJSON is the error object a plugin prints on stdout: `{code, msg, details}` (SPEC.md, "Error"). */
export interface CniErrorJSON {
  /** CniErrorJSON.code is the numeric code. */
  readonly code: number;
  /** CniErrorJSON.msg is a short message. */
  readonly msg: string;
  /** CniErrorJSON.details is a longer explanation, left out when empty. */
  readonly details?: string;
}

/**
 * CniError is an error a CNI plugin reports to the runtime: {@link runPlugin} prints it as `{code, msg, details}`
 * on stdout and exits with status 1. Throw one from a handler to choose the numeric code (such as 11, "try again
 * later"); any other exception is reported with code 999 and its message, as the reference plugins do.
 */
export class CniError extends IpamError {
  /** CniError.code is the stable name of the failure. */
  declare readonly code: CniErrorCode | 'ERR_CNI_PLUGIN';
  /** CniError.cniCode is the numeric code printed for the runtime. */
  readonly cniCode: number;
  /** CniError.msg is the message printed for the runtime (`msg`). */
  readonly msg: string;
  /** CniError.details is the optional explanation printed for the runtime (`details`), `''` for none. */
  readonly details: string;

  /**
   * Creates an error from a stable code, or from a plugin-specific numeric code of 100 or more (then `code` is
   * `ERR_CNI_PLUGIN`).
   * @throws RangeError for a numeric code below 100 that the spec does not define.
   */
  constructor(code: CniErrorCode | number, msg: string, details = '') {
    let name: CniErrorCode | 'ERR_CNI_PLUGIN';
    let num: number;
    if (typeof code === 'number') {
      const known = (Object.keys(CNI_ERROR_CODES) as CniErrorCode[]).find((k) => CNI_ERROR_CODES[k] === code);
      if (known === undefined && (!Number.isInteger(code) || code < 100)) throw new RangeError(`new CniError(${code}): codes below 100 are reserved by the CNI spec`);
      name = known ?? 'ERR_CNI_PLUGIN';
      num = code;
    } else {
      name = code;
      num = CNI_ERROR_CODES[code];
    }
    super(name, details === '' ? msg : `${msg}: ${details}`);
    this.cniCode = num;
    this.msg = msg;
    this.details = details;
  }

  /**
   * CniError.isInstance reports whether `value` is a CniError (also from another realm or package copy): an
   * `IpamError` carrying a numeric CNI code and a message, not any IpamError.
   */
  static override isInstance(value: unknown): value is CniError {
    if (!IpamError.isInstance(value)) return false;
    const v = value as unknown as Record<string, unknown>;
    return typeof v['cniCode'] === 'number' && typeof v['msg'] === 'string' && typeof v['details'] === 'string';
  }

  /** CniError.toJSON returns the object printed for the runtime; `details` is left out when empty. */
  toJSON(): CniErrorJSON {
    return this.details === '' ? { code: this.cniCode, msg: this.msg } : { code: this.cniCode, msg: this.msg, details: this.details };
  }
}
