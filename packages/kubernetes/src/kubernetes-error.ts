import { IpamError } from '@ipam/core';

/**
 * KubernetesErrorCode lists the stable codes of {@link KubernetesError}; messages may change, codes do not.
 *
 * Allocators (where Kubernetes returns an error, we throw one, named after Kubernetes' own error):
 * - `ERR_K8S_CIDR_SET_FULL`: cidrset `ErrCIDRRangeNoCIDRsRemaining`, no node block left.
 * - `ERR_K8S_NODE_MASK_TOO_BIG`: cidrset `ErrCIDRSetSubNetTooBig`, IPv6 node mask more than 16 bits longer than the cluster CIDR's.
 * - `ERR_K8S_NODE_MASK_INVALID`: a node mask size shorter than the cluster CIDR's, or longer than the family allows.
 * - `ERR_K8S_CIDR_OUTSIDE`: a CIDR that does not overlap the cluster CIDR (occupy/release), or an index out of range.
 * - `ERR_K8S_SERVICE_RANGE_FULL`: ipallocator `ErrFull`.
 * - `ERR_K8S_SERVICE_IP_ALLOCATED`: ipallocator `ErrAllocated`.
 * - `ERR_K8S_SERVICE_IP_NOT_IN_RANGE`: ipallocator `ErrNotInRange`.
 * - `ERR_K8S_SERVICE_RANGE_INVALID`: a service range Kubernetes refuses (too small, IPv6 shorter than /64 for the IPAddress allocator, ...).
 * - `ERR_K8S_DUAL_STACK`: CIDR lists that are not one per family, or more than two.
 * - `ERR_K8S_NODE_EXISTS`, `ERR_K8S_NODE_UNKNOWN`: NodeCidrAllocator asked for a node it already has / does not know.
 *
 * Parsing and discovery:
 * - `ERR_K8S_INVALID_IP`, `ERR_K8S_INVALID_CIDR`: text Kubernetes' (sloppy or strict) parser rejects.
 * - `ERR_K8S_INPUT_SYNTAX`: a dump, manifest or list that is not JSON or YAML.
 * - `ERR_K8S_INPUT_INVALID`: an object whose shape is wrong (a field of the wrong type, a missing `kind`).
 * - `ERR_K8S_IO`: a file or directory could not be read.
 * - `ERR_K8S_API`: the Kubernetes API answered with an error or could not be reached.
 * - `ERR_K8S_INVALID_ARGUMENT`: options that make no sense (nothing to discover from, a negative count, ...).
 * - `ERR_K8S_PLAN_IMPOSSIBLE`: no address space satisfies a plan's inputs.
 */
export type KubernetesErrorCode =
  | 'ERR_K8S_CIDR_SET_FULL'
  | 'ERR_K8S_NODE_MASK_TOO_BIG'
  | 'ERR_K8S_NODE_MASK_INVALID'
  | 'ERR_K8S_CIDR_OUTSIDE'
  | 'ERR_K8S_SERVICE_RANGE_FULL'
  | 'ERR_K8S_SERVICE_IP_ALLOCATED'
  | 'ERR_K8S_SERVICE_IP_NOT_IN_RANGE'
  | 'ERR_K8S_SERVICE_RANGE_INVALID'
  | 'ERR_K8S_DUAL_STACK'
  | 'ERR_K8S_NODE_EXISTS'
  | 'ERR_K8S_NODE_UNKNOWN'
  | 'ERR_K8S_INVALID_IP'
  | 'ERR_K8S_INVALID_CIDR'
  | 'ERR_K8S_INPUT_SYNTAX'
  | 'ERR_K8S_INPUT_INVALID'
  | 'ERR_K8S_IO'
  | 'ERR_K8S_API'
  | 'ERR_K8S_INVALID_ARGUMENT'
  | 'ERR_K8S_PLAN_IMPOSSIBLE';

/** KubernetesErrorLocation says where in the user's input a {@link KubernetesError} was found. */
export interface KubernetesErrorLocation {
  /** KubernetesErrorLocation.file is the file that was read, when the input came from one. */
  readonly file?: string;
  /** KubernetesErrorLocation.object names the Kubernetes object, e.g. `Node/worker-1` or `Pod kube-system/etcd-a`. */
  readonly object?: string;
  /** KubernetesErrorLocation.path is the field inside the object, e.g. `spec.podCIDRs[1]`. */
  readonly path?: string;
}

/**
 * KubernetesError is what `@ipam/kubernetes` throws: a stable {@link KubernetesErrorCode}, a message that names the
 * API or the input (file, object and field path when the error is about the user's data), and those locations as fields.
 *
 * @example
 * ```ts
 * const set = new CidrSet('10.0.0.0/30', 30); // room for one node block
 * set.allocateNext();
 * try {
 *   set.allocateNext();
 * } catch (e) {
 *   if (KubernetesError.isInstance(e)) console.log(e.code); // 'ERR_K8S_CIDR_SET_FULL'
 * }
 * ```
 */
export class KubernetesError extends IpamError {
  /** KubernetesError.code is the stable kind of the failure. */
  declare readonly code: KubernetesErrorCode;
  /** KubernetesError.file is the file the input came from, when it came from one. */
  readonly file: string | undefined;
  /** KubernetesError.object names the Kubernetes object at fault, when there is one. */
  readonly object: string | undefined;
  /** KubernetesError.path is the field path inside the object or document, when known. */
  readonly path: string | undefined;
  /** KubernetesError.reason is the explanation without the location prefix. */
  readonly reason: string;

  /** Creates the error; the message is `file: object: path: reason` with the parts that are known. */
  constructor(code: KubernetesErrorCode, reason: string, where: KubernetesErrorLocation = {}, options?: { cause?: unknown }) {
    const parts = [where.file, where.object, where.path].filter((p): p is string => p !== undefined && p !== '');
    super(code, parts.length === 0 ? reason : `${parts.join(': ')}: ${reason}`, options);
    this.file = where.file;
    this.object = where.object;
    this.path = where.path;
    this.reason = reason;
  }

  /** KubernetesError.isInstance reports whether `value` is a KubernetesError, also across realms and package copies. */
  static override isInstance(value: unknown): value is KubernetesError {
    return IpamError.isInstance(value) && typeof value.code === 'string' && value.code.startsWith('ERR_K8S_');
  }
}
