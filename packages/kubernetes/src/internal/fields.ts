import { Addr, Prefix } from '@ipam/core';
import type { SettingSource, SourceRef } from '../cluster-network.js';
import { KubernetesError } from '../kubernetes-error.js';
import { parseCIDRSloppy, parseIPSloppy } from '../netutils.js';
import type { Collector } from './collector.js';
import { type Arg, type FlagValue, nodeMaskSizes, parseMaskSize } from './flags.js';

/** ReadContext is where the objects being read come from: the file, if any. */
export interface ReadContext {
  readonly file: string | undefined;
}

/** Obj is a JSON object. */
export type Obj = Record<string, unknown>;

/** isObj tells a JSON object from arrays, null and scalars. */
export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** key appends an object key to a field path, bracketed and quoted when it is not a plain name. */
export function key(path: string, k: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(k)) return path === '' ? k : `${path}.${k}`;
  return `${path}[${JSON.stringify(k)}]`;
}

/** index appends an array index to a field path. */
export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** FieldReader reads typed fields of one object and turns wrong types into warnings located at the field. */
export class FieldReader {
  constructor(
    readonly col: Collector,
    readonly from: SourceRef,
  ) {}

  /** at is the SourceRef of a field path. */
  at(path: string): SourceRef {
    return { ...this.from, path: joinPath(this.from.path, path) };
  }

  /** get returns `o[k]`, own properties only. */
  private get(o: Obj, k: string): unknown {
    return Object.hasOwn(o, k) ? o[k] : undefined;
  }

  private wrong(path: string, what: string, v: unknown): undefined {
    this.col.warn('ERR_K8S_INPUT_INVALID', `expected ${what}, found ${describe(v)}; ignored`, this.at(path));
    return undefined;
  }

  obj(o: Obj, k: string, path: string): Obj | undefined {
    const v = this.get(o, k);
    if (v === undefined || v === null) return undefined;
    return isObj(v) ? v : this.wrong(key(path, k), 'an object', v);
  }

  arr(o: Obj, k: string, path: string): readonly unknown[] | undefined {
    const v = this.get(o, k);
    if (v === undefined || v === null) return undefined;
    return Array.isArray(v) ? v : this.wrong(key(path, k), 'a list', v);
  }

  str(o: Obj, k: string, path: string): string | undefined {
    const v = this.get(o, k);
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' ? v : this.wrong(key(path, k), 'a string', v);
  }

  bool(o: Obj, k: string, path: string): boolean | undefined {
    const v = this.get(o, k);
    if (v === undefined || v === null) return undefined;
    return typeof v === 'boolean' ? v : this.wrong(key(path, k), 'a boolean', v);
  }

  /** strings reads a list of strings; wrong elements are warned about and left out. */
  strings(o: Obj, k: string, path: string): Arg[] {
    const list = this.arr(o, k, path) ?? [];
    const out: Arg[] = [];
    list.forEach((v, i) => {
      const p = index(key(path, k), i);
      if (typeof v === 'string') out.push({ text: v, path: p });
      else this.wrong(p, 'a string', v);
    });
    return out;
  }

  /** ip reads an address with Kubernetes' sloppy parser; a bad one is a warning and undefined. `path` may be computed lazily. */
  ip(text: string, path: string | (() => string)): Addr | undefined {
    const fast = strictIP(text);
    if (fast !== undefined) return fast;
    try {
      return parseIPSloppy(text);
    } catch (e) {
      this.col.warn('ERR_K8S_INVALID_IP', `${reasonOf(e)}; ignored`, this.at(typeof path === 'string' ? path : path()));
      return undefined;
    }
  }

  /** cidr reads a CIDR with Kubernetes' sloppy parser (host bits cleared); a bad one is a warning and undefined. */
  cidr(text: string, path: string): Prefix | undefined {
    const fast = strictCIDR(text);
    if (fast !== undefined) return fast;
    try {
      return parseCIDRSloppy(text);
    } catch (e) {
      this.col.warn('ERR_K8S_INVALID_CIDR', `${reasonOf(e)}; ignored`, this.at(path));
      return undefined;
    }
  }

  /**
   * cidrList reads a comma-separated CIDR list as the components split it (no trimming), and checks Kubernetes'
   * dual-stack rule: at most two, of different families. Undefined (with a warning) when any part is bad.
   */
  cidrList(text: string, path: string): Prefix[] | undefined {
    if (text === '') return undefined;
    const out: Prefix[] = [];
    for (const part of text.split(',')) {
      const p = this.cidr(part, path);
      if (p === undefined) return undefined;
      out.push(p);
    }
    return this.dualStack(out, path) ? out : undefined;
  }

  /** dualStack checks that `cidrs` are one or two prefixes of different families, warning otherwise. */
  dualStack(cidrs: readonly Prefix[], path: string): boolean {
    if (cidrs.length > 2 || (cidrs.length === 2 && cidrs[0]!.family === cidrs[1]!.family)) {
      this.col.warn('ERR_K8S_DUAL_STACK', `expected one CIDR, or two of different families, found ${cidrs.join(',')}; ignored`, this.at(path));
      return false;
    }
    return true;
  }
}

/**
 * strictIP is the fast path of the sloppy reading: text in core's strict grammar (canonical dotted quads, RFC 4291
 * IPv6) means the same to Kubernetes' sloppy parser, except an IPv6 zone (which the sloppy parser refuses) and an
 * IPv4-mapped address (which it reads as IPv4); for those, and anything else, the sloppy parser decides.
 */
export function strictIP(text: string): Addr | undefined {
  const a = Addr.tryParse(text);
  return a === undefined || a.zone !== undefined || a.is4In6() ? undefined : a;
}

/** strictCIDR is the fast path of the sloppy CIDR reading, on the same terms as {@link strictIP} (host bits set: the sloppy parser masks them). */
export function strictCIDR(text: string): Prefix | undefined {
  const p = Prefix.tryParse(text);
  return p === undefined || p.addr.is4In6() ? undefined : p;
}

function joinPath(base: string | undefined, path: string): string {
  if (base === undefined || base === '') return path;
  if (path === '') return base;
  return `${base}: ${path}`;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** reasonOf is the reason of a KubernetesError (or any error's message). */
export function reasonOf(e: unknown): string {
  if (KubernetesError.isInstance(e)) return e.reason;
  return e instanceof Error ? e.message : String(e);
}

/**
 * maskSettings reads the three node mask size flags through `get` and records the sizes kube-controller-manager
 * would use (its `setNodeCIDRMaskSizes` rules), or a warning when it would refuse them.
 */
export function maskSettings(r: FieldReader, source: SettingSource, clusterCIDRs: readonly Prefix[] | undefined, get: (name: string) => FlagValue | undefined): void {
  const names = ['node-cidr-mask-size', 'node-cidr-mask-size-ipv4', 'node-cidr-mask-size-ipv6'] as const;
  const values: (number | undefined)[] = [];
  let first: FlagValue | undefined;
  for (const n of names) {
    const f = get(n);
    if (f === undefined) {
      values.push(undefined);
      continue;
    }
    const v = parseMaskSize(f.value);
    if (v === undefined || v < 0) {
      r.col.warn('ERR_K8S_NODE_MASK_INVALID', `--${n}: ${JSON.stringify(f.value)} is not a mask size; ignored`, r.at(f.path));
      values.push(undefined);
      continue;
    }
    first ??= f;
    values.push(v);
  }
  if (first === undefined) return;
  const sizes = nodeMaskSizes(clusterCIDRs, { size: values[0], ipv4: values[1], ipv6: values[2] });
  if (sizes === undefined) return;
  if ('error' in sizes) {
    r.col.warn('ERR_K8S_NODE_MASK_INVALID', `${sizes.error} (kube-controller-manager refuses to start); ignored`, r.at(first.path));
    return;
  }
  r.col.setting({ name: 'nodeCIDRMaskSize', value: Object.freeze(sizes), source, from: r.at(first.path) });
}
