import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CniConfigError } from './cni-config-error.js';
import { DEFAULT_MAX_LENGTH, type NetworkConfig, parseNetworkConfig, type PluginConfig, pluginFromJson } from './network-config.js';
import { DEFAULT_MAX_DEPTH, isJsonFailure, lineColumn, parseJson } from './internal/json-parser.js';
import { formatPath, quote } from './internal/json-path.js';

/**
 * CniRuntime names whose way of choosing a network {@link loadConfigDir} reproduces:
 *
 * - `containerd` (go-cni): `*.conf`, `*.conflist`, `*.json` in byte order; the first file is the network
 *   (`max_conf_num` = 1) and any error in it is fatal: nothing is selected, pods get no network.
 * - `crio` (ocicni): the same files and order; invalid files, lists without plugins and later files repeating a
 *   network name are skipped with the reason; the first valid network is the default unless `name` says otherwise.
 * - `libcni` (`LoadConfList`): all `*.conflist` files first, then `*.conf` and `*.json`, each group in byte
 *   order; the first whose name is `name` (or the first at all), and an unreadable file on the way is fatal.
 */
export type CniRuntime = 'containerd' | 'crio' | 'libcni';

/** LoadConfigDirOptions tunes {@link loadConfigDir}. */
export interface LoadConfigDirOptions {
  /** LoadConfigDirOptions.runtime is the runtime whose choice to reproduce (default `containerd`). */
  readonly runtime?: CniRuntime;
  /** LoadConfigDirOptions.name is the network to select: CRI-O's `cni_default_network`, or the name libcni looks up. */
  readonly name?: string;
  /** LoadConfigDirOptions.maxConfNum is containerd's `max_conf_num`: how many files it loads (default 1). */
  readonly maxConfNum?: number;
  /** LoadConfigDirOptions.maxLength bounds each file's size in bytes (default 1 MiB); larger files are not read. */
  readonly maxLength?: number;
  /** LoadConfigDirOptions.maxDepth bounds JSON nesting (default 64). */
  readonly maxDepth?: number;
}

/** SkippedFile is a file the runtime passed over, with the reason. */
export interface SkippedFile {
  /** SkippedFile.file is the file's path. */
  readonly file: string;
  /** SkippedFile.error says why it was passed over. */
  readonly error: CniConfigError;
}

/** ConfigDir is the outcome of {@link loadConfigDir}. */
export interface ConfigDir {
  /** ConfigDir.dir is the directory that was read. */
  readonly dir: string;
  /** ConfigDir.runtime is the runtime whose choice was reproduced. */
  readonly runtime: CniRuntime;
  /** ConfigDir.files lists the candidate files (paths) in the order the runtime considers them. */
  readonly files: readonly string[];
  /** ConfigDir.networks lists the networks loaded, in that order (CRI-O loads them all; containerd `maxConfNum`). */
  readonly networks: readonly NetworkConfig[];
  /** ConfigDir.selected is the network the runtime would use, or undefined (then {@link ConfigDir.error} says why). */
  readonly selected: NetworkConfig | undefined;
  /** ConfigDir.skipped lists the files passed over, each with its error (CRI-O; empty for the others, whose errors are fatal). */
  readonly skipped: readonly SkippedFile[];
  /** ConfigDir.error is why nothing is selected: the fatal error, `ERR_CNI_NO_CONFIG` or `ERR_CNI_NOT_FOUND`. */
  readonly error: CniConfigError | undefined;
}

const RUNTIME_EXTENSIONS = ['.conf', '.conflist', '.json'];

/** ext is Go's `filepath.Ext`: the suffix from the last dot of the name. */
function ext(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot);
}

const encoder = new TextEncoder();

/** compareBytes orders names as Go's `sort.Strings` does: by their UTF-8 bytes. */
function compareBytes(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** libcni's `ConfFiles`: the regular (non-directory) entries with one of the extensions; a missing directory has none. */
async function confFiles(dir: string, exts: readonly string[]): Promise<string[] | undefined> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new CniConfigError('ERR_CNI_IO', `cannot read the directory: ${code ?? 'error'}`, { file: dir });
  }
  return entries
    .filter((d) => !d.isDirectory() && exts.includes(ext(d.name)))
    .map((d) => d.name)
    .sort(compareBytes);
}

interface Limits {
  readonly maxLength: number;
  readonly maxDepth: number;
}

async function readText(file: string, limits: Limits): Promise<string> {
  try {
    const s = await stat(file);
    if (s.size > limits.maxLength) {
      throw new CniConfigError('ERR_CNI_TOO_LARGE', `the file is ${s.size} bytes, over the limit of ${limits.maxLength}`, { file });
    }
    return await readFile(file, 'utf8');
  } catch (e) {
    if (e instanceof CniConfigError) throw e;
    throw new CniConfigError('ERR_CNI_IO', `cannot read the file: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { file });
  }
}

/**
 * loadFile reads one configuration file as the runtimes do (libcni v1.2+ `ConfListFromFile` / `ConfFromFile` +
 * `ConfListFromConf`): a `.conflist` also gets the plugins of `<dir>/<name>/*.conf` unless
 * `loadOnlyInlinedPlugins` is set, and must end up with at least one plugin.
 */
async function loadFile(dir: string, name: string, limits: Limits): Promise<NetworkConfig> {
  const file = join(dir, name);
  const net = parseNetworkConfig(await readText(file, limits), { filename: file, ...limits });
  if (net.kind !== 'conflist') return net;
  let out = net;
  if (!net.loadOnlyInlinedPlugins) {
    const fragDir = join(dir, net.name);
    const extra: PluginConfig[] = [];
    for (const f of net.name === '' ? [] : ((await confFiles(fragDir, ['.conf'])) ?? [])) {
      const path = join(fragDir, f);
      const text = await readText(path, limits);
      const r = parseJson(text, limits.maxDepth);
      if (isJsonFailure(r)) {
        throw new CniConfigError(r.kind === 'depth' ? 'ERR_CNI_TOO_DEEP' : r.kind === 'template' ? 'ERR_CNI_TEMPLATE' : 'ERR_CNI_JSON_SYNTAX', r.reason, {
          file: path,
          path: formatPath(r.path),
          ...lineColumn(text, r.offset),
        });
      }
      extra.push(pluginFromJson({ file: path, text, maxDepth: limits.maxDepth }, r.value, [], net.cniVersion));
    }
    if (extra.length > 0) out = net._withPlugins(extra);
  }
  if (out.plugins.length === 0) throw new CniConfigError('ERR_CNI_NO_PLUGINS', 'no plugin configs found (no "plugins" and no fragments in <dir>/<name>/)', { file, path: 'plugins' });
  return out;
}

/**
 * loadConfigDir reads a CNI configuration directory (such as `/etc/cni/net.d`) the way a container runtime does
 * and reports the network it would use ({@link ConfigDir.selected}), the networks it loaded and the files it
 * passed over with their {@link CniConfigError}s. Subdirectories are not searched (except libcni's
 * `<name>/*.conf` plugin fragments). File names are ordered by their bytes, as Go's `sort.Strings` does.
 *
 * It rejects only for a directory that exists but cannot be read (`ERR_CNI_IO`); everything else, including
 * a missing or empty directory (`ERR_CNI_NO_CONFIG`), is in the result.
 */
export async function loadConfigDir(dir: string, options: LoadConfigDirOptions = {}): Promise<ConfigDir> {
  const runtime = options.runtime ?? 'containerd';
  const limits: Limits = { maxLength: options.maxLength ?? DEFAULT_MAX_LENGTH, maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH };
  const found = await confFiles(dir, RUNTIME_EXTENSIONS);
  const names = found ?? [];
  if (runtime === 'libcni') {
    // All lists first, then single-plugin files.
    names.splice(0, names.length, ...names.filter((n) => ext(n) === '.conflist'), ...names.filter((n) => ext(n) !== '.conflist'));
  }
  const files = names.map((n) => join(dir, n));
  const result = (selected: NetworkConfig | undefined, networks: NetworkConfig[], skipped: SkippedFile[], error: CniConfigError | undefined): ConfigDir =>
    Object.freeze({ dir, runtime, files: Object.freeze(files), networks: Object.freeze(networks), selected, skipped: Object.freeze(skipped), error });
  if (names.length === 0 && runtime === 'libcni' && found !== undefined && options.name !== undefined) {
    // libcni looks a name up in an existing directory: "no net configuration with name".
    return result(undefined, [], [], new CniConfigError('ERR_CNI_NOT_FOUND', `no network named ${quote(options.name)}`, { file: dir }));
  }
  if (names.length === 0) return result(undefined, [], [], new CniConfigError('ERR_CNI_NO_CONFIG', 'no network configuration files (*.conf, *.conflist, *.json) found', { file: dir }));

  const load = async (n: string): Promise<NetworkConfig | CniConfigError> => {
    try {
      return await loadFile(dir, n, limits);
    } catch (e) {
      if (e instanceof CniConfigError) return e;
      throw e;
    }
  };

  if (runtime === 'containerd') {
    const max = Math.max(1, options.maxConfNum ?? 1);
    const networks: NetworkConfig[] = [];
    for (const n of names.slice(0, max)) {
      const r = await load(n);
      if (r instanceof CniConfigError) return result(undefined, networks, [], r);
      networks.push(r);
    }
    return result(networks[0], networks, [], undefined);
  }

  if (runtime === 'crio') {
    const networks: NetworkConfig[] = [];
    const skipped: SkippedFile[] = [];
    const seen = new Map<string, string>();
    // CRI-O reads every file: read them concurrently, then decide in order.
    const loaded = await Promise.all(names.map(load));
    for (const [k, n] of names.entries()) {
      const file = join(dir, n);
      const r = loaded[k]!;
      if (r instanceof CniConfigError) {
        skipped.push({ file, error: r });
        continue;
      }
      const first = seen.get(r.name);
      if (first !== undefined) {
        skipped.push({ file, error: new CniConfigError('ERR_CNI_DUPLICATE_NAME', `network ${quote(r.name)} is already defined by ${first}`, { file, path: 'name' }) });
        continue;
      }
      seen.set(r.name, file);
      networks.push(r);
    }
    const want = options.name;
    const selected = want === undefined || want === '' ? networks[0] : networks.find((x) => x.name === want);
    let error: CniConfigError | undefined;
    if (selected === undefined) {
      error =
        networks.length === 0
          ? new CniConfigError('ERR_CNI_NO_CONFIG', 'no valid network configuration', { file: dir })
          : new CniConfigError('ERR_CNI_NOT_FOUND', `no network named ${quote(want!)}`, { file: dir });
    }
    return result(selected, networks, skipped, error);
  }

  // libcni: stop at the first network that matches; an error on the way is fatal.
  const networks: NetworkConfig[] = [];
  for (const n of names) {
    const r = await load(n);
    if (r instanceof CniConfigError) return result(undefined, networks, [], r);
    networks.push(r);
    if (options.name === undefined || r.name === options.name) return result(r, networks, [], undefined);
  }
  return result(undefined, networks, [], new CniConfigError('ERR_CNI_NOT_FOUND', `no network named ${quote(options.name!)}`, { file: dir }));
}
