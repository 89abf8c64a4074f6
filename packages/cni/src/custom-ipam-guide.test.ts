/**
 * Runs the plugin of docs/guides/custom-ipam-plugin.md as a real CNI plugin process (ADD, DEL, CHECK, VERSION),
 * so the guide cannot rot, and checks that its code stays under 40 lines.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const GUIDE = fileURLToPath(new URL('../../../docs/guides/custom-ipam-plugin.md', import.meta.url));
const code = /```ts\n([\s\S]*?)```/.exec(readFileSync(GUIDE, 'utf8'))![1]!;
// Inside the package so that `@ipam/cni` (self-reference) and `@ipam/core` resolve.
const script = fileURLToPath(new URL(`../.guide-plugin-${process.pid}.mjs`, import.meta.url));
const data = mkdtempSync(join(tmpdir(), 'ipam-guide-'));
writeFileSync(script, ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
afterAll(() => {
  rmSync(script, { force: true });
  rmSync(data, { recursive: true, force: true });
});

const config = (v: string): string => JSON.stringify({ cniVersion: v, name: 'mynet', type: 'bridge', ipam: { type: 'my-ipam', subnet: '10.22.0.0/24', dataDir: data } });

function run(cmd: string, id: string, v = '1.0.0'): { out: string; status: number | null } {
  const env = { CNI_COMMAND: cmd, CNI_CONTAINERID: id, CNI_NETNS: '/var/run/netns/x', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin' };
  const r = spawnSync(process.execPath, [script], { env, input: config(v), encoding: 'utf8' });
  return { out: r.stdout + r.stderr, status: r.status };
}

describe('guide: a custom IPAM plugin in under 40 lines', () => {
  it('is under 40 lines', () => {
    expect(code.trim().split('\n').length).toBeLessThan(40);
  });

  it('answers ADD, DEL, CHECK and VERSION', () => {
    expect(JSON.parse(run('ADD', 'a').out)).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.22.0.2/24', gateway: '10.22.0.1' }], dns: {} });
    expect(JSON.parse(run('ADD', 'b', '0.3.1').out).ips).toEqual([{ version: '4', address: '10.22.0.3/24', gateway: '10.22.0.1' }]);
    expect(JSON.parse(run('ADD', 'a').out)).toMatchObject({ code: 4 });
    expect(run('CHECK', 'a')).toEqual({ out: '', status: 0 });
    expect(run('DEL', 'a')).toEqual({ out: '', status: 0 });
    expect(JSON.parse(run('CHECK', 'a').out)).toEqual({ code: 3, msg: 'no address for a/eth0' });
    expect(JSON.parse(run('ADD', 'c', '0.2.0').out)).toEqual({ cniVersion: '0.2.0', ip4: { ip: '10.22.0.4/24', gateway: '10.22.0.1' }, dns: {} });
    expect(JSON.parse(run('VERSION', '').out).supportedVersions).toContain('1.1.0');
  });
});
