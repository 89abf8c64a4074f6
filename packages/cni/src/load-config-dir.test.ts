/**
 * libcni configuration loading, as table tests over ../shared/vectors/cni-libcni-conf.json, and the runtimes'
 * choices (containerd, CRI-O, libcni) on temporary directories.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CniConfigError, type CniConfigErrorCode, loadConfigDir, parseNetworkConfig } from './index.js';

const VECTORS = fileURLToPath(new URL('../../../../shared/vectors/cni-libcni-conf.json', import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type V = { id: string; group: string; description: string; input: any; expected: any };
const all: V[] = JSON.parse(readFileSync(VECTORS, 'utf8')).vectors;

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(files: Record<string, unknown>): string {
  const d = mkdtempSync(join(tmpdir(), 'cni-conf-'));
  temps.push(d);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(d, name)), { recursive: true });
    writeFileSync(join(d, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return d;
}

const codes: Record<string, CniConfigErrorCode> = {
  'conflist.parse#003': 'ERR_CNI_INVALID_VALUE', // "1.0.f" is not a version
  'conflist.parse#007': 'ERR_CNI_MISSING_FIELD', // a list needs a name
  'conflist.parse#008': 'ERR_CNI_INVALID_TYPE', // name 5
  'conflist.parse#009': 'ERR_CNI_INVALID_TYPE', // cniVersion 1
  'conflist.parse#011': 'ERR_CNI_INVALID_VALUE', // disableCheck "adsfasdfasf"
  'conflist.parse#013': 'ERR_CNI_MISSING_FIELD', // loadOnlyInlinedPlugins without plugins
  'conflist.parse#015': 'ERR_CNI_INVALID_TYPE', // plugins is an object
  'conflist.parse#016': 'ERR_CNI_NO_PLUGINS', // plugins is []
  'conflist.parse#017': 'ERR_CNI_MISSING_FIELD', // the second plugin has no type
  'conflist.parse#018': 'ERR_CNI_JSON_SYNTAX', // "{"
  'conf.parse#001': 'ERR_CNI_MISSING_FIELD', // a plugin needs a type
  'conf.parse#002': 'ERR_CNI_JSON_SYNTAX', // "{"
};

function attempt<T>(f: () => T): T | CniConfigError {
  try {
    return f();
  } catch (e) {
    if (e instanceof CniConfigError) return e;
    throw e;
  }
}

describe('libcni ConfListFromBytes (conflist.parse vectors)', () => {
  it.each(all.filter((v) => v.group === 'conflist.parse'))('$id: $description', async (v) => {
    const text = v.input.raw ?? JSON.stringify(v.input.json);
    const r = attempt(() => parseNetworkConfig(text, { format: 'conflist' }));
    if (!v.expected.ok) {
      expect(r).toBeInstanceOf(CniConfigError);
      expect((r as CniConfigError).code).toBe(codes[v.id]);
      return;
    }
    if (r instanceof CniConfigError) throw r;
    if (v.expected.cniVersion !== undefined) expect(r.cniVersion).toBe(v.expected.cniVersion);
    if (v.expected.disableCheck !== undefined) expect(r.disableCheck).toBe(v.expected.disableCheck);
    if (v.expected.disableGC !== undefined) expect(r.disableGC).toBe(v.expected.disableGC);
    if (v.expected.plugins !== undefined) expect(r.plugins).toHaveLength(v.expected.plugins);
    if (v.expected.pluginBytes) expect(r.plugins.map((p) => p.raw)).toEqual(v.expected.pluginBytes.map((b: string) => JSON.parse(b)));
    if (v.expected.fromFileError) {
      const d = tempDir({ '10-n.conflist': text });
      const dir = await loadConfigDir(d, { runtime: 'libcni' });
      expect(dir.error?.code).toBe('ERR_CNI_NO_PLUGINS');
    }
  });

  it('points at the plugin without a type', () => {
    const e = attempt(() => parseNetworkConfig('{"name":"n","plugins":[{"type":"a"},{"mtu":1400}]}', { format: 'conflist' })) as CniConfigError;
    expect(e.path).toBe('plugins[1].type');
  });
});

describe('libcni ConfFromBytes and ConfListFromConf (conf.* vectors)', () => {
  it.each(all.filter((v) => v.group.startsWith('conf.')))('$id: $description', (v) => {
    const text = v.input.raw ?? JSON.stringify(v.input.json);
    const r = attempt(() => parseNetworkConfig(text, { format: 'conf' }));
    if (!v.expected.ok) {
      expect((r as CniConfigError).code).toBe(codes[v.id]);
      return;
    }
    if (r instanceof CniConfigError) throw r;
    if (v.expected.name !== undefined) expect([r.name, r.cniVersion]).toEqual([v.expected.name, v.expected.cniVersion]);
    if (v.expected.list) expect(JSON.parse(JSON.stringify(r.toConfList()))).toEqual(v.expected.list);
  });
});

describe('libcni LoadConfList (dir.load vectors)', () => {
  it.each(all.filter((v) => v.group === 'dir.load'))('$id: $description', async (v) => {
    const d = v.input.files === null ? join(tmpdir(), 'cni-conf-does-not-exist-' + process.pid) : tempDir(v.input.files);
    const dir = await loadConfigDir(d, { runtime: 'libcni', name: v.input.lookup });
    if (!v.expected.ok) {
      const want = v.id === 'dir.load#004' ? 'ERR_CNI_NO_CONFIG' : v.id === 'dir.load#007' ? 'ERR_CNI_JSON_SYNTAX' : 'ERR_CNI_NOT_FOUND';
      expect(dir.selected).toBeUndefined();
      expect(dir.error?.code).toBe(want);
      return;
    }
    expect(dir.error).toBeUndefined();
    if (v.expected.file) expect(dir.selected?.file).toBe(join(d, v.expected.file));
    if (v.expected.plugins) expect(dir.selected?.plugins).toHaveLength(v.expected.plugins);
    if (v.expected.pluginTypes) expect(dir.selected?.plugins.map((p) => p.type)).toEqual(v.expected.pluginTypes);
  });
});

describe('runtime selection (runtime.select vectors)', () => {
  const v1 = all.find((v) => v.id === 'runtime.select#001')!;
  const contents = (broken: boolean): Record<string, unknown> => ({
    '99-loopback.conf': { cniVersion: '1.0.0', name: 'lo', type: 'loopback' },
    '10-flannel.conflist': { cniVersion: '0.3.1', name: 'cbr0', plugins: [{ type: 'flannel', delegate: {} }] },
    '05-broken.conf': broken ? '{' : { cniVersion: '1.0.0', name: 'first', type: 'bridge' },
    '20-x.json': { cniVersion: '1.0.0', name: 'x', type: 'bridge' },
  });

  it('containerd: byte order, the first file wins, and its error is fatal', async () => {
    const d = tempDir(contents(true));
    const dir = await loadConfigDir(d, { runtime: 'containerd' });
    expect(dir.files).toEqual(v1.expected.loadOrder.map((f: string) => join(d, f)));
    expect(dir.selected).toBeUndefined();
    expect(dir.error).toMatchObject({ code: 'ERR_CNI_JSON_SYNTAX', file: join(d, '05-broken.conf'), line: 1, column: 2 });
    expect(dir.skipped).toEqual([]);
    const ok = await loadConfigDir(tempDir(contents(false)), { runtime: 'containerd' });
    expect(ok.selected?.name).toBe('first');
  });

  it('CRI-O: invalid files are skipped with the reason; the first valid network is the default', async () => {
    const d = tempDir(contents(true));
    const dir = await loadConfigDir(d, { runtime: 'crio' });
    expect(dir.files).toEqual(v1.expected.loadOrder.map((f: string) => join(d, f)));
    expect(dir.selected?.file).toBe(join(d, '10-flannel.conflist'));
    expect(dir.skipped.map((s) => [s.file, s.error.code])).toEqual([[join(d, '05-broken.conf'), 'ERR_CNI_JSON_SYNTAX']]);
    expect(dir.networks.map((n) => n.name)).toEqual(['cbr0', 'x', 'lo']);
    expect((await loadConfigDir(d, { runtime: 'crio', name: 'x' })).selected?.name).toBe('x');
    expect((await loadConfigDir(d, { runtime: 'crio', name: 'nope' })).error?.code).toBe('ERR_CNI_NOT_FOUND');
  });

  it('CRI-O: a later file repeating a network name is skipped', async () => {
    const d = tempDir({ '10-a.conf': { name: 'n', type: 'bridge' }, '20-b.conf': { name: 'n', type: 'ptp' } });
    const dir = await loadConfigDir(d, { runtime: 'crio' });
    expect(dir.selected?.plugins[0]?.type).toBe('bridge');
    expect(dir.skipped.map((s) => s.error.code)).toEqual(['ERR_CNI_DUPLICATE_NAME']);
  });

  it('orders by UTF-8 bytes, not UTF-16 code units', async () => {
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (4 bytes, F0 ...), though its UTF-16 unit is larger.
    const d = tempDir({ '\u{1F600}.conf': { name: 'emoji', type: 'bridge' }, '\uFF5E.conf': { name: 'tilde', type: 'bridge' } });
    expect((await loadConfigDir(d, { runtime: 'crio' })).networks.map((n) => n.name)).toEqual(['tilde', 'emoji']);
  });

  it('ignores other extensions and directories', async () => {
    const d = tempDir({ 'README.md': 'x', '10-a.conf.bak': 'x', 'sub/10-b.conf': { name: 'b', type: 'bridge' }, '.conf': { name: 'dot', type: 'bridge' } });
    expect((await loadConfigDir(d, { runtime: 'crio' })).files).toEqual([join(d, '.conf')]);
  });

  it('refuses files over the size limit without parsing them', async () => {
    const d = tempDir({ '10-big.conf': JSON.stringify({ name: 'big', type: 'bridge', pad: 'x'.repeat(2000) }) });
    const dir = await loadConfigDir(d, { runtime: 'crio', maxLength: 1000 });
    expect(dir.skipped[0]?.error.code).toBe('ERR_CNI_TOO_LARGE');
  });
});
