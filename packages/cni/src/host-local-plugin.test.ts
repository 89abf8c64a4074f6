import { describe, expect, it } from 'vitest';
import { HostLocalMemoryStore } from './host-local-store.js';
import { hostLocalPlugin } from './host-local-plugin.js';
import { type Plugin, runPlugin } from './plugin-runtime.js';

async function run(plugin: Plugin, cmd: string, id: string, stdin: string, args = '') {
  let out = '';
  const status = await runPlugin(plugin, {
    env: { CNI_COMMAND: cmd, CNI_CONTAINERID: id, CNI_NETNS: '/x', CNI_IFNAME: 'eth0', CNI_PATH: '/x', CNI_ARGS: args },
    stdin,
    stdout: (s) => (out += s),
    stderr: () => {},
    exit: () => {},
  });
  return { status, out: JSON.parse(out) as { ips?: { address: string }[]; msg?: string } };
}

const conf = (subnet: string, name = 'net'): string =>
  JSON.stringify({ cniVersion: '1.0.0', name, type: 'bridge', ipam: { type: 'host-local', dataDir: '/mem', ranges: [[{ subnet }]] } });

describe('hostLocalPlugin configuration cache', () => {
  it('keys loaded configurations by CNI_ARGS and text, and never caches a failure', async () => {
    const plugin = hostLocalPlugin({ store: new HostLocalMemoryStore().factory });
    const c = conf('10.40.0.0/24');
    expect((await run(plugin, 'ADD', 'a', c, 'IP=10.40.0.5')).out.ips![0]!.address).toBe('10.40.0.5/24');
    // Same text, no CNI_ARGS: not the cached request for .5, but the address after the last reserved one.
    expect((await run(plugin, 'ADD', 'b', c)).out.ips![0]!.address).toBe('10.40.0.6/24');
    const again = await run(plugin, 'ADD', 'c', c, 'IP=10.40.0.5');
    expect(again.status).toBe(1);
    expect(again.out.msg).toContain('10.40.0.5 is not available');
    // A rejected configuration fails the same way every time.
    const bad = conf('10.41.0.1/24');
    for (let i = 0; i < 2; i++) expect((await run(plugin, 'ADD', 'd', bad)).out.msg).toContain('Network has host bits set');
    // Past the cache size, older configurations are evicted and loaded again.
    for (let i = 0; i < 70; i++) expect((await run(plugin, 'ADD', `e${i}`, conf(`10.50.${i}.0/24`, `n${i}`))).status).toBe(0);
    expect((await run(plugin, 'ADD', 'f', c)).out.ips![0]!.address).toBe('10.40.0.7/24');
    for (let i = 0; i < 70; i++) expect((await run(plugin, 'ADD', `g${i}`, c, `IP=10.40.1.${i}`)).status).toBe(1);
    expect((await run(plugin, 'ADD', 'h', c, 'IP=10.40.0.9')).out.ips![0]!.address).toBe('10.40.0.9/24');
  });
});
