import { describe, expect, it } from 'vitest';
import { CniError } from './cni-error.js';
import { type Plugin, runPlugin } from './plugin-runtime.js';

async function call(plugin: Plugin, env: Record<string, string>, stdin = '{"cniVersion":"1.0.0","name":"n"}') {
  let out = '';
  let err = '';
  let exit = -1;
  const status = await runPlugin(plugin, { env, stdin, stdout: (s) => (out += s), stderr: (s) => (err += s), exit: (c) => (exit = c) });
  expect(exit).toBe(status);
  return { status, out, err };
}

const ENV = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/x', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin' };
const add: Plugin = { add: () => ({ ips: [{ address: '10.0.0.2/24', gateway: '10.0.0.1' }, { address: 'fd00::2/64' }], routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }] }) };

describe('runPlugin', () => {
  it('prints the result in the format of the config version', async () => {
    expect(JSON.parse((await call(add, ENV)).out)).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24', gateway: '10.0.0.1' }, { address: 'fd00::2/64' }], routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }], dns: {} });
    const v040 = JSON.parse((await call(add, ENV, '{"cniVersion":"0.4.0","name":"n"}')).out);
    expect(v040.ips.map((i: { version: string }) => i.version)).toEqual(['4', '6']);
    const v020 = JSON.parse((await call(add, ENV, '{"cniVersion":"0.2.0","name":"n"}')).out);
    expect(v020).toEqual({ cniVersion: '0.2.0', ip4: { ip: '10.0.0.2/24', gateway: '10.0.0.1', routes: [{ dst: '0.0.0.0/0' }] }, ip6: { ip: 'fd00::2/64', routes: [{ dst: '::/0' }] }, dns: {} });
  });

  it('converts an older result returned by a handler', async () => {
    const old: Plugin = { add: () => ({ cniVersion: '0.2.0', ip4: { ip: '10.0.0.9/8' } }) };
    expect(JSON.parse((await call(old, ENV)).out).ips).toEqual([{ address: '10.0.0.9/8' }]);
  });

  it.each([
    [{ ...ENV, CNI_CONTAINERID: '' }, 4, 'required env variables [CNI_CONTAINERID] missing'],
    [{ ...ENV, CNI_COMMAND: 'BOGUS' }, 4, 'unknown CNI_COMMAND: BOGUS'],
    [{ ...ENV, CNI_IFNAME: 'a/b' }, 4, 'interface name contains / or : or whitespace characters'],
    [{ ...ENV, CNI_CONTAINERID: 'x'.repeat(5000) }, 4, 'CNI_CONTAINERID is longer than 4096 bytes'],
  ])('reports environment errors with code 4 (%#)', async (env, code, msg) => {
    const r = await call(add, env);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ code, msg });
  });

  it('reports decoding failures (6), bad network names (7) and incompatible versions (1)', async () => {
    expect(JSON.parse((await call(add, ENV, '{')).out).code).toBe(6);
    expect(JSON.parse((await call(add, ENV, '{"name":"../x"}')).out)).toEqual({ code: 7, msg: 'invalid characters found in network name', details: '../x' });
    expect(JSON.parse((await call(add, ENV, '{"name":"n","cniVersion":"2.0.0"}')).out).code).toBe(1);
    expect(JSON.parse((await call(add, ENV, 'x'.repeat((1 << 20) + 1))).out).code).toBe(5);
  });

  it('passes a CniError code through and reports other exceptions as 999', async () => {
    const busy: Plugin = { add: () => { throw new CniError('ERR_CNI_TRY_AGAIN_LATER', 'store busy', 'retry'); } };
    expect(JSON.parse((await call(busy, ENV)).out)).toEqual({ code: 11, msg: 'store busy', details: 'retry' });
    const boom: Plugin = { add: () => { throw new Error('boom <&>'); } };
    expect((await call(boom, ENV)).out).toBe('{\n    "code": 999,\n    "msg": "boom \\u003c\\u0026\\u003e"\n}');
  });

  it('answers VERSION, and GC and STATUS only from 1.1.0 when the plugin has them', async () => {
    expect((await call({ supportedVersions: ['0.4.0', '1.1.0'] }, { CNI_COMMAND: 'VERSION' })).out).toBe('{"cniVersion":"1.1.0","supportedVersions":["0.4.0","1.1.0"]}\n');
    let gc = 0;
    const p: Plugin = { gc: () => void gc++ };
    expect((await call(p, { CNI_COMMAND: 'GC', CNI_PATH: '/x' }, '{"cniVersion":"1.1.0","name":"n"}')).status).toBe(0);
    expect(gc).toBe(1);
    expect(JSON.parse((await call(p, { CNI_COMMAND: 'GC', CNI_PATH: '/x' }, '{"cniVersion":"1.0.0","name":"n"}')).out)).toEqual({ code: 1, msg: 'config version does not allow GC' });
    expect(JSON.parse((await call({}, { ...ENV, CNI_COMMAND: 'STATUS' })).out)).toEqual({ code: 4, msg: 'unknown CNI_COMMAND: STATUS' });
  });

  it('prints the about text and exits 0 without CNI_COMMAND', async () => {
    expect(await call({ about: 'my plugin' }, {})).toEqual({ status: 0, out: '', err: 'my plugin\n' });
  });
});
