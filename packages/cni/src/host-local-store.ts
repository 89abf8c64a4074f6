import { spawnSync } from 'node:child_process';
import {
  closeSync, constants, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync,
} from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Addr } from '@ipam/core';
import { CniError } from './cni-error.js';
import { goOsError } from './internal/go-compat.js';

/**
 * HostLocalStore is the lease store of one host-local network, with the operations of the reference plugin's
 * `backend/disk` store. Callers hold {@link HostLocalStore.lock} around every other call.
 */
export interface HostLocalStore {
  /** HostLocalStore.lock takes the network's exclusive lock, waiting for other processes. */
  lock(): void;
  /** HostLocalStore.unlock releases the lock. */
  unlock(): void;
  /**
   * HostLocalStore.reserve records `ip` for (`id`, `ifName`) and makes it the range set's last reserved address;
   * it returns false, changing nothing, when `ip` is already taken.
   */
  reserve(id: string, ifName: string, ip: Addr, rangeId: string): boolean;
  /** HostLocalStore.lastReservedIP returns the range set's last reserved address, or undefined. */
  lastReservedIP(rangeId: string): Addr | undefined;
  /** HostLocalStore.getByID lists the addresses held by (`id`, `ifName`), or by `id` alone in the legacy format. */
  getByID(id: string, ifName: string): Addr[];
  /**
   * HostLocalStore.releaseByID frees the addresses held by (`id`, `ifName`); when there are none, those held by
   * `id` in the legacy format (no interface name). Freeing nothing is not an error.
   */
  releaseByID(id: string, ifName: string): void;
  /** HostLocalStore.findByID reports whether (`id`, `ifName`), or legacy `id`, holds any address. */
  findByID(id: string, ifName: string): boolean;
}

/** HostLocalStoreFactory opens the store of network `network` under `dataDir`. */
export type HostLocalStoreFactory = (dataDir: string, network: string) => HostLocalStore;

/** HOST_LOCAL_DEFAULT_DATA_DIR is where host-local keeps its leases when `dataDir` is not set. */
export const HOST_LOCAL_DEFAULT_DATA_DIR = '/var/lib/cni/networks';

/** HOST_LOCAL_LOCK_TIMEOUT_SECONDS bounds the wait for the store lock; past it ADD fails with code 11 (try again later). */
export const HOST_LOCAL_LOCK_TIMEOUT_SECONDS = 120;

const LINE_BREAK = '\r\n';
const LAST_IP = 'last_reserved_ip.';
const NETWORK_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function owner(id: string, ifName: string): string {
  return id.trim() + LINE_BREAK + ifName;
}

/** Go's `net.ParseIP`, canonicalized (an IPv4-mapped address is IPv4); undefined for anything else. */
function parseGoIP(s: string): Addr | undefined {
  if (s.includes('%')) return undefined;
  return Addr.tryParse(s)?.unmap();
}

/**
 * checkStorePath rejects a data directory or network name that could leave the store: `dataDir` must be an
 * absolute, normalized path (no `..`, no NUL, at most 4096 bytes) and the network name a CNI name (letters,
 * digits, `_ . -`, not starting with a punctuation mark, at most 255 bytes).
 * @throws {@link CniError} `ERR_CNI_INVALID_NETWORK_CONFIG`.
 */
export function checkStorePath(dataDir: string, network: string): void {
  const bad = (why: string): never => {
    throw new CniError('ERR_CNI_INVALID_NETWORK_CONFIG', why);
  };
  if (dataDir.includes('\0')) bad('dataDir contains a NUL character');
  if (Buffer.byteLength(dataDir) > 4096) bad('dataDir is longer than 4096 bytes');
  if (!isAbsolute(dataDir)) bad(`dataDir ${JSON.stringify(dataDir)} is not an absolute path`);
  if (dataDir.split('/').some((seg) => seg === '..' || seg === '.')) bad(`dataDir ${JSON.stringify(dataDir)} is not a normalized path`);
  if (!NETWORK_RE.test(network) || Buffer.byteLength(network) > 255) bad('invalid characters found in network name');
}

/**
 * HostLocalFileStore is the reference plugin's on-disk store, file for file, made crash-safe:
 * `<dataDir>/<network>/<ip>` holds `containerID\r\nifname` (mode 0644), `last_reserved_ip.<set>` the last address
 * handed out in a range set, and `lock` is the file both plugins `flock(LOCK_EX)`. Every file is written to a
 * temporary file in `<dataDir>` (outside every network directory, where the reference plugin never looks), then
 * linked (a lease: fails if taken) or renamed (last_reserved_ip) into place, so a process killed at any point
 * leaves either the old or the new file, never a partial one. Lease files are fsynced before they are linked and
 * the network directory once before {@link HostLocalFileStore.unlock} releases the lock, so leases also survive
 * a power failure; `last_reserved_ip` (only where the next search starts) is not fsynced.
 *
 * Node has no `flock(2)`: {@link HostLocalFileStore.lock} opens the lock file and runs util-linux `flock -x 3`
 * with that descriptor as the child's fd 3. A flock belongs to the open file description, which the child
 * shares, so the lock stays held by our descriptor after the child exits, and closing it releases the lock.
 */
export class HostLocalFileStore implements HostLocalStore {
  /** HostLocalFileStore.dir is the network's directory, `<dataDir>/<network>`. */
  readonly dir: string;
  /** HostLocalFileStore.dataDir is the data directory. */
  readonly dataDir: string;
  readonly #network: string;
  #fd: number | undefined;
  #names: Set<string> | undefined;
  #seq = 0;
  #dirty = false;

  private constructor(dataDir: string, network: string) {
    this.dataDir = dataDir;
    this.#network = network;
    this.dir = join(dataDir, network);
  }

  /**
   * HostLocalFileStore.open validates the paths ({@link checkStorePath}) and creates the network directory (0755)
   * as the reference plugin does.
   * @throws {@link CniError} for a bad path or a directory that cannot be created.
   */
  static open(dataDir: string, network: string): HostLocalFileStore {
    checkStorePath(dataDir, network);
    const s = new HostLocalFileStore(dataDir, network);
    try {
      mkdirSync(s.dir, { recursive: true, mode: 0o755 });
    } catch (e) {
      throw new CniError('ERR_CNI_INTERNAL', goOsError('mkdir', (e as { path?: string }).path ?? s.dir, e));
    }
    return s;
  }

  lock(): void {
    if (this.#fd !== undefined) return;
    const path = join(this.dir, 'lock');
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o750);
    } catch (e) {
      throw new CniError('ERR_CNI_INTERNAL', goOsError('open', path, e));
    }
    const r = spawnSync('flock', ['-x', '-w', String(HOST_LOCAL_LOCK_TIMEOUT_SECONDS), '3'], { stdio: ['ignore', 'ignore', 'ignore', fd] });
    if (r.status !== 0) {
      closeSync(fd);
      if (r.error !== undefined) throw new CniError('ERR_CNI_INTERNAL', `cannot lock ${path}: ${r.error.message} (util-linux flock is required)`);
      throw new CniError('ERR_CNI_TRY_AGAIN_LATER', `timed out waiting for the lock ${path}`);
    }
    this.#fd = fd;
    this.#names = new Set(readdirSync(this.dir));
    this.#sweep();
  }

  unlock(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    this.#names = undefined;
    try {
      // One directory fsync per locked section makes its links, renames and unlinks durable before others see them.
      if (this.#dirty) this.#syncDir();
    } finally {
      this.#dirty = false;
      closeSync(fd);
    }
  }

  /** Removes temporary files a killed process of this network left behind (we hold the lock, so none is live). */
  #sweep(): void {
    const prefix = `.ipam-host-local.${this.#network}.`;
    for (const n of readdirSync(this.dataDir)) {
      if (n.startsWith(prefix) && n.endsWith('.tmp')) {
        try {
          unlinkSync(join(this.dataDir, n));
        } catch {
          // Already gone.
        }
      }
    }
  }

  #temp(content: string, sync: boolean): string {
    const tmp = join(this.dataDir, `.ipam-host-local.${this.#network}.${process.pid}.${this.#seq++}.tmp`);
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    try {
      writeSync(fd, content);
      if (sync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return tmp;
  }

  #syncDir(): void {
    const fd = openSync(this.dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  reserve(id: string, ifName: string, ip: Addr, rangeId: string): boolean {
    const name = ip.toString();
    if (this.#names?.has(name) ?? existsSync(join(this.dir, name))) return false;
    const tmp = this.#temp(owner(id, ifName), true);
    try {
      linkSync(tmp, join(this.dir, name));
    } catch (e) {
      unlinkSync(tmp);
      if ((e as { code?: string }).code === 'EEXIST') {
        this.#names?.add(name);
        return false;
      }
      throw new CniError('ERR_CNI_INTERNAL', goOsError('open', join(this.dir, name), e));
    }
    unlinkSync(tmp);
    this.#names?.add(name);
    // last_reserved_ip is only where the next search starts: it is not fsynced, so after a power failure it may
    // be the old one or empty (the search then starts at rangeStart), but a killed process never leaves it partial.
    const last = this.#temp(name, false);
    renameSync(last, join(this.dir, LAST_IP + rangeId));
    this.#dirty = true;
    return true;
  }

  lastReservedIP(rangeId: string): Addr | undefined {
    try {
      return parseGoIP(readFileSync(join(this.dir, LAST_IP + rangeId), 'latin1'));
    } catch {
      return undefined;
    }
  }

  /** Every regular file of the network directory with its trimmed content, as the reference `filepath.Walk` reads them. */
  *#files(): Generator<[string, string]> {
    for (const d of readdirSync(this.dir, { withFileTypes: true })) {
      if (d.isDirectory()) continue;
      let data: string;
      try {
        data = readFileSync(join(this.dir, d.name), 'utf8');
      } catch {
        continue;
      }
      yield [d.name, data.trim()];
    }
  }

  getByID(id: string, ifName: string): Addr[] {
    const match = owner(id, ifName);
    const old = id.trim();
    const out: Addr[] = [];
    for (const [name, data] of this.#files()) {
      if (data === match || data === old) {
        const ip = parseGoIP(name);
        if (ip !== undefined) out.push(ip);
      }
    }
    return out;
  }

  releaseByID(id: string, ifName: string): void {
    let found = this.#remove(owner(id, ifName));
    if (!found) found = this.#remove(id.trim());
    if (found) this.#dirty = true;
  }

  #remove(match: string): boolean {
    let found = false;
    for (const [name, data] of this.#files()) {
      if (data !== match) continue;
      try {
        unlinkSync(join(this.dir, name));
        this.#names?.delete(name);
        found = true;
      } catch {
        // The reference plugin ignores a file it cannot remove.
      }
    }
    return found;
  }

  findByID(id: string, ifName: string): boolean {
    const match = owner(id, ifName);
    const old = id.trim();
    for (const [, data] of this.#files()) if (data === match || data === old) return true;
    return false;
  }
}

/**
 * HostLocalMemoryStore keeps the leases of any number of networks in memory, with the semantics of
 * {@link HostLocalFileStore} (for tests, benchmarks and embedding). {@link HostLocalMemoryStore.factory} is a
 * {@link HostLocalStoreFactory}.
 */
export class HostLocalMemoryStore {
  readonly #networks = new Map<string, MemoryNetwork>();

  /** HostLocalMemoryStore.factory opens (creating on first use) the in-memory store of a network. */
  readonly factory: HostLocalStoreFactory = (dataDir, network) => {
    const key = `${dataDir}\0${network}`;
    let n = this.#networks.get(key);
    if (n === undefined) this.#networks.set(key, (n = new MemoryNetwork()));
    return n;
  };

  /** HostLocalMemoryStore.files returns a network's files as the file store would hold them (name → content). */
  files(dataDir: string, network: string): Map<string, string> {
    const n = this.#networks.get(`${dataDir}\0${network}`);
    const out = new Map<string, string>();
    if (n === undefined) return out;
    for (const [ip, o] of n.leases) out.set(ip, o);
    for (const [r, ip] of n.last) out.set(LAST_IP + r, ip);
    return out;
  }
}

class MemoryNetwork implements HostLocalStore {
  readonly leases = new Map<string, string>();
  readonly byOwner = new Map<string, Set<string>>();
  readonly last = new Map<string, string>();

  lock(): void {}
  unlock(): void {}

  reserve(id: string, ifName: string, ip: Addr, rangeId: string): boolean {
    const name = ip.toString();
    if (this.leases.has(name)) return false;
    const o = owner(id, ifName);
    this.leases.set(name, o);
    let set = this.byOwner.get(o);
    if (set === undefined) this.byOwner.set(o, (set = new Set()));
    set.add(name);
    this.last.set(rangeId, name);
    return true;
  }

  lastReservedIP(rangeId: string): Addr | undefined {
    const s = this.last.get(rangeId);
    return s === undefined ? undefined : parseGoIP(s);
  }

  getByID(id: string, ifName: string): Addr[] {
    const names = [...(this.byOwner.get(owner(id, ifName)) ?? []), ...(this.byOwner.get(id.trim()) ?? [])];
    return names.map((n) => Addr.parse(n));
  }

  releaseByID(id: string, ifName: string): void {
    if (!this.#remove(owner(id, ifName))) this.#remove(id.trim());
  }

  #remove(o: string): boolean {
    const set = this.byOwner.get(o);
    if (set === undefined || set.size === 0) return false;
    for (const n of set) this.leases.delete(n);
    this.byOwner.delete(o);
    return true;
  }

  findByID(id: string, ifName: string): boolean {
    return (this.byOwner.get(owner(id, ifName))?.size ?? 0) > 0 || (this.byOwner.get(id.trim())?.size ?? 0) > 0;
  }
}
