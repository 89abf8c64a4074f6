import { readSync, writeSync } from 'node:fs';
import { CniError } from './cni-error.js';
import { type CniResult, formatCniResult, readCniResult } from './cni-result.js';
import { goStringField, goVersionAtLeast } from './internal/go-compat.js';
import { goMarshal, goMarshalIndent } from './internal/go-json.js';

/** CniCommand is a value of `CNI_COMMAND` that reaches a handler. */
export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS';

/** CmdArgs is what a handler of {@link runPlugin} receives: the validated environment and the configuration. */
export interface CmdArgs {
  /** CmdArgs.command is the operation. */
  readonly command: CniCommand;
  /** CmdArgs.containerId is `CNI_CONTAINERID` (`''` for GC and STATUS). */
  readonly containerId: string;
  /** CmdArgs.netns is `CNI_NETNS` (may be `''` for DEL). */
  readonly netns: string;
  /** CmdArgs.ifName is `CNI_IFNAME` (`''` for GC and STATUS). */
  readonly ifName: string;
  /** CmdArgs.args is `CNI_ARGS` as given: `KEY=VALUE` pairs separated by `;`. */
  readonly args: string;
  /** CmdArgs.path is `CNI_PATH` split on `:`. */
  readonly path: readonly string[];
  /** CmdArgs.stdinData is the configuration text. */
  readonly stdinData: string;
  /** CmdArgs.config is the parsed configuration object. */
  readonly config: Readonly<Record<string, unknown>>;
  /** CmdArgs.cniVersion is the configuration's spec version (`'0.1.0'` when it declares none, as libcni reads it). */
  readonly cniVersion: string;
}

/** MaybePromise is a value or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * PluginHandlers are the operations of a plugin. A missing handler makes its command unknown (error code 4), as
 * for a plugin built with an older libcni. A handler reports failure by throwing: a {@link CniError} chooses the
 * code, anything else is printed with code 999 and its message.
 */
export interface PluginHandlers {
  /** PluginHandlers.add performs ADD and returns the result; the runtime prints it in the config's version. */
  readonly add?: (args: CmdArgs) => MaybePromise<CniResult | Record<string, unknown>>;
  /** PluginHandlers.del performs DEL; it must succeed when there is nothing to delete. */
  readonly del?: (args: CmdArgs) => MaybePromise<void>;
  /** PluginHandlers.check performs CHECK (config version 0.4.0 or later). */
  readonly check?: (args: CmdArgs) => MaybePromise<void>;
  /** PluginHandlers.gc performs GC (config version 1.1.0 or later); the config carries `cni.dev/valid-attachments`. */
  readonly gc?: (args: CmdArgs) => MaybePromise<void>;
  /** PluginHandlers.status performs STATUS (config version 1.1.0 or later). */
  readonly status?: (args: CmdArgs) => MaybePromise<void>;
}

/** PluginIO replaces the process for {@link runPlugin}, so that a plugin can be driven in-process. */
export interface PluginIO {
  /** PluginIO.env is the environment (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** PluginIO.stdin is the configuration text (default: file descriptor 0, read to the end). */
  readonly stdin?: string | Uint8Array;
  /** PluginIO.stdout receives the result or error text (default: written synchronously to file descriptor 1). */
  readonly stdout?: (text: string) => void;
  /** PluginIO.stderr receives the about text (default: file descriptor 2). */
  readonly stderr?: (text: string) => void;
  /** PluginIO.exit receives the exit status (default: sets `process.exitCode`). */
  readonly exit?: (code: number) => void;
}

/** PluginInfo describes a plugin to {@link runPlugin}. */
export interface PluginInfo {
  /** PluginInfo.supportedVersions lists the spec versions the plugin accepts (default {@link RUNTIME_SPEC_VERSIONS}). */
  readonly supportedVersions?: readonly string[];
  /** PluginInfo.about is printed on stderr when `CNI_COMMAND` is unset. */
  readonly about?: string;
  /** PluginInfo.maxStdinBytes bounds the configuration size (default 1 MiB); larger input is error 5. */
  readonly maxStdinBytes?: number;
}

/** Plugin is what {@link runPlugin} runs: the handlers and the description of a plugin. */
export interface Plugin extends PluginHandlers, PluginInfo {}

/** RUNTIME_SPEC_VERSIONS lists the spec versions {@link runPlugin} can speak, oldest first. */
export const RUNTIME_SPEC_VERSIONS: readonly string[] = Object.freeze(['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']);

/** MAX_ENV_BYTES bounds each `CNI_*` variable {@link runPlugin} reads (`CNI_ARGS`, `CNI_PATH` 64 KiB; the others 4 KiB). */
export const MAX_ENV_BYTES: Readonly<Record<string, number>> = Object.freeze({
  CNI_COMMAND: 4096,
  CNI_CONTAINERID: 4096,
  CNI_NETNS: 4096,
  CNI_IFNAME: 4096,
  CNI_ARGS: 65536,
  CNI_PATH: 65536,
});

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
// Go's unicode.IsSpace: JavaScript's \s without U+FEFF.
const SPACE_RE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

const REQUIRED: readonly [string, readonly string[]][] = [
  ['CNI_COMMAND', []],
  ['CNI_CONTAINERID', ['ADD', 'CHECK', 'DEL']],
  ['CNI_NETNS', ['ADD', 'CHECK']],
  ['CNI_IFNAME', ['ADD', 'CHECK', 'DEL']],
  ['CNI_ARGS', []],
  ['CNI_PATH', ['ADD', 'CHECK', 'DEL', 'GC', 'STATUS']],
];

function readProcessStdin(limit: number): string {
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.allocUnsafe(65536);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EOF') break;
      throw new CniError('ERR_CNI_IO_FAILURE', `error reading from stdin: ${(e as Error).message}`);
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
    total += n;
    if (total > limit) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes all of `s` to a file descriptor, retrying when a non-blocking pipe is full (EAGAIN). */
function writeAll(fd: number, s: string): void {
  let buf = Buffer.from(s);
  while (buf.length > 0) {
    try {
      buf = buf.subarray(writeSync(fd, buf));
    } catch (e) {
      if ((e as { code?: string }).code !== 'EAGAIN') throw e;
    }
  }
}

/** The skel checks done before any command but VERSION: network name, container id, interface name. */
function validateConfigName(config: Record<string, unknown>): void {
  const name = goStringField(config, 'name');
  if (typeof name !== 'string') throw new CniError('ERR_CNI_DECODING_FAILURE', `error unmarshall network config: ${name.error}`);
  if (name === '') throw new CniError('ERR_CNI_INVALID_NETWORK_CONFIG', 'missing network name');
  if (!NAME_RE.test(name)) throw new CniError('ERR_CNI_INVALID_NETWORK_CONFIG', 'invalid characters found in network name', name);
}

function validateContainer(id: string, ifName: string): void {
  if (id === '') throw new CniError('ERR_CNI_UNKNOWN_CONTAINER', 'missing containerID');
  if (!NAME_RE.test(id)) throw new CniError('ERR_CNI_INVALID_ENVIRONMENT', 'invalid characters in containerID', id);
  if (ifName === '') throw new CniError('ERR_CNI_INVALID_ENVIRONMENT', 'interface name is empty');
  if (Buffer.byteLength(ifName) > 15) throw new CniError('ERR_CNI_INVALID_ENVIRONMENT', 'interface name is too long', 'interface name should be less than 16 characters');
  if (ifName === '.' || ifName === '..') throw new CniError('ERR_CNI_INVALID_ENVIRONMENT', 'interface name is . or ..');
  if (ifName.includes('/') || ifName.includes(':') || SPACE_RE.test(ifName)) {
    throw new CniError('ERR_CNI_INVALID_ENVIRONMENT', 'interface name contains / or : or whitespace characters');
  }
}

function decodeVersion(config: Record<string, unknown>): string {
  const v = goStringField(config, 'cniVersion');
  if (typeof v !== 'string') throw new CniError('ERR_CNI_DECODING_FAILURE', `decoding version from network config: ${v.error}`);
  return v === '' ? '0.1.0' : v;
}

function goQuoteList(xs: readonly string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
}

function checkVersion(version: string, supported: readonly string[]): void {
  if (!supported.includes(version)) {
    throw new CniError('ERR_CNI_INCOMPATIBLE_VERSION', 'incompatible CNI versions', `config is ${JSON.stringify(version)}, plugin supports ${goQuoteList(supported)}`);
  }
}

/** CHECK, GC and STATUS need a minimum config version and a plugin version at least the config's (skel's rules). */
function checkMinimum(command: string, version: string, min: string, supported: readonly string[]): void {
  const ok = goVersionAtLeast(version, min);
  if (typeof ok !== 'boolean') throw new CniError('ERR_CNI_DECODING_FAILURE', ok.error);
  if (!ok) throw new CniError('ERR_CNI_INCOMPATIBLE_VERSION', `config version does not allow ${command}`);
  for (const p of supported) {
    const ge = goVersionAtLeast(p, version);
    if (typeof ge !== 'boolean') throw new CniError('ERR_CNI_DECODING_FAILURE', ge.error);
    if (ge) return;
  }
  throw new CniError('ERR_CNI_INCOMPATIBLE_VERSION', `plugin version does not allow ${command}`);
}

function parseConfig(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new CniError('ERR_CNI_DECODING_FAILURE', `error unmarshall network config: ${(e as Error).message}`);
  }
  if (v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) {
    const t = Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v;
    throw new CniError('ERR_CNI_DECODING_FAILURE', `error unmarshall network config: json: cannot unmarshal ${t} into Go value of type struct { Name string "json:\\"name\\"" }`);
  }
  return v as Record<string, unknown>;
}

/**
 * runPlugin runs a CNI plugin: it reads `CNI_COMMAND`, `CNI_CONTAINERID`, `CNI_NETNS`, `CNI_IFNAME`, `CNI_ARGS`,
 * `CNI_PATH` and the configuration on stdin, validates them in the order of libcni's `skel` (missing variables,
 * then network name, container id and interface name, then the spec version), calls the handler, and prints the
 * result in the format of the configuration's `cniVersion` (see {@link formatCniResult}) or the error as
 * `{code, msg, details}` with exit status 1. VERSION prints the supported versions. With no `CNI_COMMAND`, the
 * about text goes to stderr and the status is 0, as with the reference plugins.
 *
 * Pass `io` to run in-process (tests, benchmarks); the promise resolves to the exit status in every case.
 */
export async function runPlugin(plugin: Plugin, io: PluginIO = {}): Promise<number> {
  const handlers = plugin;
  const info = plugin;
  const env = io.env ?? process.env;
  const stdout = io.stdout ?? ((s: string) => writeAll(1, s));
  const stderr = io.stderr ?? ((s: string) => writeAll(2, s));
  const supported = info.supportedVersions ?? RUNTIME_SPEC_VERSIONS;
  let status = 0;
  try {
    status = await dispatch(handlers, info, supported, env, io, stdout, stderr);
  } catch (e) {
    const err = CniError.isInstance(e) ? e : new CniError('ERR_CNI_INTERNAL', e instanceof Error ? e.message : String(e));
    stdout(goMarshalIndent(err.toJSON()));
    status = 1;
  }
  if (io.exit !== undefined) io.exit(status);
  else process.exitCode = status;
  return status;
}

async function dispatch(
  handlers: PluginHandlers,
  info: PluginInfo,
  supported: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: PluginIO,
  stdout: (s: string) => void,
  stderr: (s: string) => void,
): Promise<number> {
  // Each variable is read once (process.env is a slow getter).
  const vars: Record<string, string> = {};
  for (const [k] of REQUIRED) vars[k] = env[k] ?? '';
  const get = (k: string): string => vars[k]!;
  const cmd = get('CNI_COMMAND');
  const missing: string[] = [];
  for (const [k, cmds] of REQUIRED) if (get(k) === '' && (k === 'CNI_COMMAND' || cmds.includes(cmd))) missing.push(k);
  if (missing.length > 0) {
    if (cmd === '' && info.about !== undefined) {
      stderr(info.about + '\n');
      return 0;
    }
    throw new CniError('ERR_CNI_INVALID_ENVIRONMENT', `required env variables [${missing.join(',')}] missing`);
  }
  for (const [k] of REQUIRED) {
    const v = get(k);
    const max = MAX_ENV_BYTES[k] ?? 4096;
    // A UTF-16 unit is at most 3 UTF-8 bytes: only long values need counting.
    if (v.length > max || (v.length * 3 > max && Buffer.byteLength(v) > max)) {
      throw new CniError('ERR_CNI_INVALID_ENVIRONMENT', `${k} is longer than ${MAX_ENV_BYTES[k]} bytes`);
    }
  }
  if (cmd === 'VERSION') {
    stdout(goMarshal({ cniVersion: supported[supported.length - 1], supportedVersions: supported }) + '\n');
    return 0;
  }
  const limit = info.maxStdinBytes ?? 1 << 20;
  let stdinData: string;
  if (io.stdin === undefined) stdinData = readProcessStdin(limit);
  else stdinData = typeof io.stdin === 'string' ? io.stdin : Buffer.from(io.stdin).toString('utf8');
  if (stdinData.length * 3 > limit && Buffer.byteLength(stdinData) > limit) throw new CniError('ERR_CNI_IO_FAILURE', `error reading from stdin: the configuration is larger than ${limit} bytes`);

  const config = parseConfig(stdinData);
  validateConfigName(config);
  const containerId = get('CNI_CONTAINERID');
  const ifName = get('CNI_IFNAME');
  const known = cmd === 'ADD' || cmd === 'DEL' || cmd === 'CHECK' || cmd === 'GC' || cmd === 'STATUS';
  const handler = known ? handlers[cmd.toLowerCase() as 'add' | 'del' | 'check' | 'gc' | 'status'] : undefined;
  if (!((cmd === 'GC' || cmd === 'STATUS') && handler !== undefined)) validateContainer(containerId, ifName);
  if (handler === undefined) throw new CniError('ERR_CNI_INVALID_ENVIRONMENT', `unknown CNI_COMMAND: ${cmd}`);

  const version = decodeVersion(config);
  if (cmd === 'CHECK') checkMinimum('CHECK', version, '0.4.0', supported);
  else if (cmd === 'GC' || cmd === 'STATUS') checkMinimum(cmd, version, '1.1.0', supported);
  checkVersion(version, supported);

  const args: CmdArgs = {
    command: cmd as CniCommand,
    containerId,
    netns: get('CNI_NETNS'),
    ifName,
    args: get('CNI_ARGS'),
    path: get('CNI_PATH').split(':').filter((p) => p !== ''),
    stdinData,
    config,
    cniVersion: version,
  };
  if (cmd === 'ADD') {
    const result = await handlers.add!(args);
    stdout(formatCniResult(readAnyResult(result), version));
  } else {
    await (handler as (a: CmdArgs) => MaybePromise<void>)(args);
  }
  return 0;
}

function readAnyResult(r: CniResult | Record<string, unknown>): CniResult {
  const o = r as Record<string, unknown>;
  // A result in the current form is used as it is; anything that looks older is converted up first.
  if (o.ip4 !== undefined || o.ip6 !== undefined || (Array.isArray(o.ips) && o.ips.some((x) => (x as { version?: unknown }).version !== undefined))) {
    return readCniResult(r);
  }
  return r as CniResult;
}
