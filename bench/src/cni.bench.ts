// @ipam/cni: parse and validate a directory of 100 CNI configurations, against a bare JSON.parse of the same
// files. Imports the built package (packages/cni/dist): run `pnpm --filter @ipam/cni build` first.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigDir, parseNetworkConfig } from '../../packages/cni/dist/index.js';
import { createBench } from './harness.js';

const N = 100;

/** A realistic mix: host-local lists (single and dual stack), legacy .conf files, whereabouts, Calico, loopback. */
function config(i: number): [string, string] {
  const a = i % 250;
  switch (i % 5) {
    case 0:
      return [`${String(i).padStart(3, '0')}-bridge.conflist`, JSON.stringify({
        cniVersion: '1.0.0', name: `net${i}`,
        plugins: [
          { type: 'bridge', bridge: 'cni0', isGateway: true, ipMasq: true, ipam: { type: 'host-local', ranges: [[{ subnet: `10.${a}.0.0/16` }], [{ subnet: `fd00:${i.toString(16)}::/64` }]], routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }] } },
          { type: 'portmap', capabilities: { portMappings: true } },
          { type: 'firewall' },
        ],
      }, null, 2)];
    case 1:
      return [`${String(i).padStart(3, '0')}-ptp.conf`, JSON.stringify({ cniVersion: '0.3.1', name: `net${i}`, type: 'ptp', ipMasq: true, ipam: { type: 'host-local', subnet: `172.16.${a}.0/24`, rangeStart: `172.16.${a}.10`, rangeEnd: `172.16.${a}.200`, routes: [{ dst: '0.0.0.0/0' }] }, dns: { nameservers: ['10.96.0.10'] } }, null, '\t')];
    case 2:
      return [`${String(i).padStart(3, '0')}-whereabouts.conf`, JSON.stringify({ cniVersion: '0.3.0', name: `net${i}`, type: 'macvlan', master: 'eth0', mode: 'bridge', ipam: { type: 'whereabouts', range: `192.168.${a}.0/24`, exclude: [`192.168.${a}.0/28`, `192.168.${a}.200/29`] } }, null, 2)];
    case 3:
      return [`${String(i).padStart(3, '0')}-calico.conflist`, JSON.stringify({ name: `net${i}`, cniVersion: '0.3.1', plugins: [{ type: 'calico', log_level: 'info', datastore_type: 'kubernetes', nodename: 'node-1', mtu: 1440, ipam: { type: 'calico-ipam', assign_ipv4: 'true', ipv4_pools: [`10.${a}.0.0/16`] }, policy: { type: 'k8s' }, kubernetes: { kubeconfig: '/etc/cni/net.d/calico-kubeconfig' } }, { type: 'portmap', snat: true, capabilities: { portMappings: true } }, { type: 'bandwidth', capabilities: { bandwidth: true } }] }, null, 2)];
    default:
      return [`${String(i).padStart(3, '0')}-loopback.conflist`, JSON.stringify({ cniVersion: '1.0.0', name: `lo${i}`, plugins: [{ type: 'loopback' }] }, null, 2)];
  }
}

const dir = mkdtempSync(join(tmpdir(), 'cni-bench-'));
for (let i = 0; i < N; i++) writeFileSync(join(dir, config(i)[0]), config(i)[1]);
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const files = readdirSync(dir).sort().map((f) => ({ name: f, text: readFileSync(join(dir, f), 'utf8') }));
const bytes = files.reduce((n, f) => n + f.text.length, 0);

// Check once that every config is valid, so the timed loops measure the success path.
for (const f of files) parseNetworkConfig(f.text, { filename: f.name }).ranges();
const dirCheck = await loadConfigDir(dir, { runtime: 'crio' });
if (dirCheck.networks.length !== N || dirCheck.skipped.length !== 0) throw new Error('bench configs must all be valid');

let sink = 0;

export const bench = createBench(`@ipam/cni, ${N} configs, ${(bytes / 1024).toFixed(0)} KiB`);
bench
  .add('JSON.parse (baseline, in memory)', () => {
    for (const f of files) sink += (JSON.parse(f.text) as object) === null ? 0 : 1;
  })
  .add('parseNetworkConfig (in memory)', () => {
    for (const f of files) sink += parseNetworkConfig(f.text, { filename: f.name }).plugins.length;
  })
  .add('parseNetworkConfig + ranges() (in memory)', () => {
    for (const f of files) sink += parseNetworkConfig(f.text, { filename: f.name }).ranges().gateways.length;
  })
  .add('loadConfigDir crio (reads the files)', async () => {
    sink += (await loadConfigDir(dir, { runtime: 'crio' })).networks.length;
  });

/** report prints configs per second for each task and the cost relative to JSON.parse. */
export function report(): string {
  const rows = bench.tasks.map((t) => {
    const r = t.result as { latency?: { mean?: number } } | undefined;
    return { name: t.name, ms: r?.latency?.mean ?? Number.NaN };
  });
  const base = rows[0]!.ms;
  const lines = rows.map((r) => `| ${r.name} | ${Math.round((N / r.ms) * 1000).toLocaleString('en')} | ${(r.ms / base).toFixed(1)}× |`);
  return [`configs per second (${N} per iteration; sink ${sink > 0 ? 'ok' : 'empty'})`, '', '| task | configs/s | vs JSON.parse |', '|---|---|---|', ...lines].join('\n');
}
